//! The wasm spec-test runner: reads a `.wast` script (with the `wast` crate) and checks its
//! assertions through the frontend and an [`Executor`].
//!
//! Assertions are grouped per module instance into a [`Session`]: the module and the ordered
//! list of calls made on it. An executor runs a whole session at once, so an executor that has
//! to compile a program per module (the ZisK backend) can run every call of the session in one
//! program, in order, keeping the instance's state between calls as the script expects.
//!
//! Counting: an assertion passes or fails; it is skipped when its module uses a feature zkc
//! refuses (the frontend's `Unsupported` error), imports from a module registered by the script,
//! or when it is of a kind outside a wasm32 core engine (threads, components, exceptions).

use crate::driver::{optimize, OptLevel, Options};
use std::fmt;
use wast::core::{WastArgCore, WastRetCore};
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::token::Span;
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet};
use zkc_ir::interp::{InstError, Instance, Limits, SpectestHost, Trap, Val};
use zkc_ir::{ExportKind, Module, TrapCode, Type};

/// One action on an instance.
#[derive(Clone, Debug)]
pub enum Call {
    /// Call an exported function.
    Invoke { export: String, args: Vec<Val> },
    /// Read an exported global.
    Get { export: String },
}

/// How an action ended.
pub type CallResult = Result<Vec<Val>, Trap>;

/// A module instance and the calls made on it, in script order.
pub struct Session<'a> {
    pub module: &'a Module,
    pub calls: Vec<Call>,
}

/// Something that runs sessions: the reference interpreter, or compiled code on ZisK.
pub trait Executor {
    /// Instantiates `session.module` and runs the calls in order. `Err` when instantiation
    /// itself failed (for example a trap in the start function or an out-of-bounds segment).
    fn run(&mut self, session: &Session) -> Result<Vec<CallResult>, Trap>;
}

/// Runs sessions on the reference interpreter with the `spectest` host module.
pub struct InterpExecutor;

impl Executor for InterpExecutor {
    fn run(&mut self, session: &Session) -> Result<Vec<CallResult>, Trap> {
        let limits = Limits {
            fuel: 2_000_000_000,
            ..Limits::default()
        };
        let mut inst = Instance::new(session.module, SpectestHost::default(), limits).map_err(
            |e| match e {
                InstError::Trap(t) => t,
                other => Trap::Host(other.to_string()),
            },
        )?;
        Ok(session
            .calls
            .iter()
            .map(|call| match call {
                Call::Invoke { export, args } => inst.invoke_export(export, args),
                Call::Get { export } => session
                    .module
                    .exports
                    .iter()
                    .find_map(|e| match e.kind {
                        ExportKind::Global(g) if e.name == *export => Some(g),
                        _ => None,
                    })
                    .map(|g| vec![inst.global_value(g)])
                    .ok_or_else(|| Trap::Host(format!("no exported global \"{export}\""))),
            })
            .collect())
    }
}

/// Runs each session's module through the optimizer's passes of `level` before `inner` (the
/// interpreter on the optimized IR: `zkc wast -O1`, and the optimizer's differential test).
pub struct Optimized<E> {
    pub level: OptLevel,
    pub inner: E,
}

impl<E: Executor> Executor for Optimized<E> {
    fn run(&mut self, session: &Session) -> Result<Vec<CallResult>, Trap> {
        let opts = Options {
            opt_level: self.level,
            ..Options::default()
        };
        // The optimizer fails only by a bug in zkc (a verifier error): the session fails.
        let module = optimize(session.module.clone(), &opts, &mut std::io::sink())
            .map_err(|e| Trap::Host(e.to_string()))?;
        self.inner.run(&Session {
            module: &module,
            calls: session.calls.clone(),
        })
    }
}

/// Counts of one script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// One line per failure: `line:col: what`.
    pub failures: Vec<String>,
    /// One line per skipped assertion: `line:col: why`.
    pub skips: Vec<String>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

/// What an assertion expects of its call.
enum Expect {
    Return(Vec<RetPattern>),
    Trap(String),
    Exhaustion,
    /// `invoke` as a directive: anything but a failure of the harness passes silently.
    Nothing,
}

#[derive(Clone, Debug)]
enum RetPattern {
    Exact(Val),
    CanonicalNan32,
    ArithmeticNan32,
    CanonicalNan64,
    ArithmeticNan64,
    /// `(ref.null)`: a null reference, of this type if given.
    Null(Option<Type>),
    /// `(ref.func)`, `(ref.extern)`: any non-null reference of the type.
    NonNull(Type),
}

impl RetPattern {
    fn matches(&self, v: &Val) -> bool {
        match (self, v) {
            (RetPattern::Exact(a), b) => a == b,
            (RetPattern::CanonicalNan32, Val::F32(b)) => b & 0x7fff_ffff == 0x7fc0_0000,
            (RetPattern::ArithmeticNan32, Val::F32(b)) => b & 0x7fc0_0000 == 0x7fc0_0000,
            (RetPattern::CanonicalNan64, Val::F64(b)) => {
                b & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000
            }
            (RetPattern::ArithmeticNan64, Val::F64(b)) => {
                b & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000
            }
            (RetPattern::Null(ty), v) => {
                v.ty().is_ref() && v.bits() == 0 && ty.is_none_or(|t| t == v.ty())
            }
            (RetPattern::NonNull(ty), v) => v.ty() == *ty && v.bits() != 0,
            _ => false,
        }
    }
}

/// A pending assertion of the current session.
struct Pending {
    span: Span,
    call: usize,
    expect: Expect,
}

/// The module under test and its pending assertions.
enum Current {
    None,
    /// Translated: calls and assertions accumulate until the next module.
    Ready {
        module: Box<Module>,
        calls: Vec<Call>,
        pending: Vec<Pending>,
    },
    /// Its assertions are skipped, for this reason (unsupported feature or unresolved import).
    Skipped(String),
    /// It failed to translate although it should have: its assertions fail.
    Broken(String),
}

/// Runs one `.wast` script.
pub fn run_script(text: &str, executor: &mut dyn Executor) -> Result<Report, String> {
    let mut lexer = Lexer::new(text);
    // The spec's names.wast names exports with bidirectional overrides and other characters
    // the lexer otherwise refuses as likely to confuse a reader.
    lexer.allow_confusing_unicode(true);
    let buf = ParseBuffer::new_with_lexer(lexer).map_err(|e| render(e, text))?;
    let script: Wast = parser::parse(&buf).map_err(|e| render(e, text))?;
    let mut runner = Runner {
        text,
        executor,
        report: Report::default(),
        current: Current::None,
    };
    for directive in script.directives {
        runner.directive(directive);
    }
    runner.flush();
    Ok(runner.report)
}

fn render(mut e: wast::Error, text: &str) -> String {
    e.set_text(text);
    e.to_string()
}

struct Runner<'t, 'e> {
    text: &'t str,
    executor: &'e mut dyn Executor,
    report: Report,
    current: Current,
}

impl Runner<'_, '_> {
    fn at(&self, span: Span) -> String {
        let (l, c) = span.linecol_in(self.text);
        format!("{}:{}", l + 1, c + 1)
    }

    fn pass(&mut self) {
        self.report.passed += 1;
    }

    fn fail(&mut self, span: Span, what: String) {
        self.report.failed += 1;
        let at = self.at(span);
        self.report.failures.push(format!("{at}: {what}"));
    }

    fn skip(&mut self, span: Span, why: &str) {
        self.report.skipped += 1;
        let at = self.at(span);
        self.report.skips.push(format!("{at}: skipped: {why}"));
    }

    fn directive(&mut self, d: WastDirective) {
        let directive_span = d.span();
        match d {
            WastDirective::Module(mut q) | WastDirective::ModuleDefinition(mut q) => {
                self.flush();
                let span = q.span();
                self.current = match translate(&mut q) {
                    Ok(m) if imports_registered(&m) => Current::Skipped(IMPORTS_REGISTERED.into()),
                    Ok(m) => Current::Ready {
                        module: Box::new(m),
                        calls: vec![],
                        pending: vec![],
                    },
                    Err(Translate::Unsupported(why)) => Current::Skipped(why),
                    Err(Translate::Rejected(e)) => {
                        self.fail(span, format!("module rejected: {e}"));
                        Current::Broken(e)
                    }
                };
            }
            WastDirective::AssertMalformed {
                module,
                span,
                message,
            }
            | WastDirective::AssertInvalid {
                module,
                span,
                message,
            } => self.assert_rejected(module, span, message),
            WastDirective::Invoke(inv) => match Call::from_invoke(&inv) {
                Some(call) => self.call(inv.span, call, Expect::Nothing),
                None => self.skip(inv.span, UNSUPPORTED_ARGS),
            },
            WastDirective::AssertReturn {
                span,
                exec,
                results,
            } => {
                let expect = results
                    .iter()
                    .map(RetPattern::from_wast)
                    .collect::<Option<Vec<_>>>();
                match (self.exec(exec), expect) {
                    (Ok(call), Some(pats)) => self.call(span, call, Expect::Return(pats)),
                    (Err(why), _) => self.skip(span, why),
                    (_, None) => self.skip(span, "a result of a type outside wasm 2.0"),
                }
            }
            WastDirective::AssertTrap {
                span,
                exec: WastExecute::Wat(wat),
                message,
            } => self.assert_instantiation_traps(QuoteWat::Wat(wat), span, message),
            WastDirective::AssertTrap {
                span,
                exec,
                message,
            } => match self.exec(exec) {
                Ok(call) => self.call(span, call, Expect::Trap(message.to_string())),
                Err(why) => self.skip(span, why),
            },
            WastDirective::AssertExhaustion { span, call, .. } => match Call::from_invoke(&call) {
                Some(call) => self.call(span, call, Expect::Exhaustion),
                None => self.skip(span, UNSUPPORTED_ARGS),
            },
            WastDirective::Register { .. } => {}
            _ => self.skip(
                directive_span,
                "a directive outside a wasm32 core engine (threads, components, exceptions)",
            ),
        }
    }

    /// A call action of an assertion; `Err` with the reason to skip it for kinds the runner
    /// does not execute (calls on named other modules, arguments outside wasm 2.0).
    fn exec(&mut self, exec: WastExecute) -> Result<Call, &'static str> {
        match exec {
            WastExecute::Invoke(inv) if inv.module.is_none() => {
                Call::from_invoke(&inv).ok_or(UNSUPPORTED_ARGS)
            }
            WastExecute::Get {
                module: None,
                global,
                ..
            } => Ok(Call::Get {
                export: global.to_string(),
            }),
            _ => Err(OTHER_MODULE),
        }
    }

    fn call(&mut self, span: Span, call: Call, expect: Expect) {
        match &mut self.current {
            Current::Ready { calls, pending, .. } => {
                pending.push(Pending {
                    span,
                    call: calls.len(),
                    expect,
                });
                calls.push(call);
            }
            Current::Skipped(why) => {
                let why = format!("its module is skipped: {why}");
                self.skip(span, &why)
            }
            Current::Broken(e) => {
                let e = e.clone();
                if !matches!(expect, Expect::Nothing) {
                    self.fail(span, format!("module did not translate: {e}"));
                }
            }
            Current::None => self.fail(span, "no module to call".into()),
        }
    }

    fn assert_rejected(&mut self, mut module: QuoteWat, span: Span, message: &str) {
        match translate(&mut module) {
            Err(Translate::Rejected(_)) => self.pass(),
            Err(Translate::Unsupported(why)) => self.skip(span, &why),
            Ok(_) => self.fail(span, format!("accepted a module that is \"{message}\"")),
        }
    }

    /// `(assert_trap (module ...) "msg")`: instantiating the module must trap.
    fn assert_instantiation_traps(&mut self, mut module: QuoteWat, span: Span, message: &str) {
        let m = match translate(&mut module) {
            Ok(m) if !imports_registered(&m) => m,
            Ok(_) => return self.skip(span, IMPORTS_REGISTERED),
            Err(Translate::Unsupported(why)) => return self.skip(span, &why),
            Err(Translate::Rejected(e)) => return self.fail(span, format!("module rejected: {e}")),
        };
        let result = self.executor.run(&Session {
            module: &m,
            calls: vec![],
        });
        if let Err(Trap::Unsupported(why)) = &result {
            return self.skip(span, why);
        }
        match check(&Expect::Trap(message.to_string()), &result.map(|_| vec![])) {
            None => self.pass(),
            Some(why) => self.fail(span, format!("instantiation: {why}")),
        }
    }

    /// Runs the current session and checks its assertions.
    fn flush(&mut self) {
        let Current::Ready {
            module,
            calls,
            pending,
        } = std::mem::replace(&mut self.current, Current::None)
        else {
            return;
        };
        let session = Session {
            module: &module,
            calls,
        };
        match self.executor.run(&session) {
            Err(Trap::Unsupported(why)) => {
                for p in pending {
                    if !matches!(p.expect, Expect::Nothing) {
                        self.skip(p.span, &why);
                    }
                }
            }
            Err(t) => {
                for p in pending {
                    if !matches!(p.expect, Expect::Nothing) {
                        self.fail(p.span, format!("instantiation failed: {t}"));
                    }
                }
            }
            Ok(results) => {
                for p in pending {
                    let got = &results[p.call];
                    match check(&p.expect, got) {
                        None if matches!(p.expect, Expect::Nothing) => {}
                        None => self.pass(),
                        Some(why) => self.fail(p.span, why),
                    }
                }
            }
        }
    }
}

/// `None` when the result meets the expectation, else what went wrong.
fn check(expect: &Expect, got: &CallResult) -> Option<String> {
    match (expect, got) {
        (Expect::Nothing, Ok(_)) => None,
        (Expect::Nothing, Err(t)) => Some(format!("invoke trapped: {t}")),
        (Expect::Return(pats), Ok(vals)) => {
            if pats.len() == vals.len() && pats.iter().zip(vals).all(|(p, v)| p.matches(v)) {
                None
            } else {
                Some(format!("returned {vals:?}, expected {pats:?}"))
            }
        }
        (Expect::Return(_), Err(t)) => Some(format!("trapped ({t}), expected a return")),
        (Expect::Trap(msg), Err(Trap::Wasm(code))) => {
            if code.message().starts_with(msg.as_str()) || msg.starts_with(code.message()) {
                None
            } else {
                Some(format!(
                    "trapped with \"{}\", expected \"{msg}\"",
                    code.message()
                ))
            }
        }
        (Expect::Trap(msg), other) => Some(format!("{other:?}, expected trap \"{msg}\"")),
        (Expect::Exhaustion, Err(Trap::Wasm(TrapCode::StackOverflow))) => None,
        (Expect::Exhaustion, other) => Some(format!("{other:?}, expected stack exhaustion")),
    }
}

/// Why assertions on a module that imports from a script-registered module are skipped.
const IMPORTS_REGISTERED: &str = "imports from a module the script registered (no module linking)";
/// Why invocations with reference or vector arguments outside wasm 2.0 are skipped.
const UNSUPPORTED_ARGS: &str = "an argument of a type outside wasm 2.0";
/// Why assertions calling a named module other than the current one are skipped.
const OTHER_MODULE: &str = "acts on a named module other than the current one";

enum Translate {
    /// The frontend refuses a feature zkc does not support (the frontend's message).
    Unsupported(String),
    /// The module is malformed or invalid (for the text format: it does not even encode).
    Rejected(String),
}

fn translate(q: &mut QuoteWat) -> Result<Module, Translate> {
    if matches!(q, QuoteWat::QuoteComponent(..)) {
        return Err(Translate::Unsupported("a component".into()));
    }
    let bytes = q.encode().map_err(|e| Translate::Rejected(e.to_string()))?;
    zkc_frontend_wasm::translate(&bytes).map_err(|e| match e.kind {
        zkc_frontend_wasm::ErrorKind::Unsupported { .. } => Translate::Unsupported(e.to_string()),
        _ => Translate::Rejected(e.to_string()),
    })
}

/// Whether the module imports from anything but `spectest` (modules a script registered).
fn imports_registered(m: &Module) -> bool {
    let funcs = m.funcs.values().filter_map(|f| f.import());
    let globals = m.globals.values().filter_map(|g| match &g.init {
        zkc_ir::GlobalInit::Import(i) => Some(i),
        zkc_ir::GlobalInit::Const(_) => None,
    });
    let others = m.memory.iter().filter_map(|x| x.import.as_ref());
    let tables = m.tables.values().filter_map(|t| t.import.as_ref());
    funcs
        .chain(globals)
        .chain(others)
        .chain(tables)
        .any(|i| i.module != "spectest")
}

impl Call {
    /// The call of an invocation; `None` when an argument is of a type outside wasm 2.0.
    fn from_invoke(inv: &WastInvoke) -> Option<Call> {
        let args = inv
            .args
            .iter()
            .map(|a| match a {
                WastArg::Core(WastArgCore::I32(x)) => Some(Val::I32(*x as u32)),
                WastArg::Core(WastArgCore::I64(x)) => Some(Val::I64(*x as u64)),
                WastArg::Core(WastArgCore::F32(x)) => Some(Val::F32(x.bits)),
                WastArg::Core(WastArgCore::F64(x)) => Some(Val::F64(x.bits)),
                WastArg::Core(WastArgCore::RefNull(h)) => match heap_type(h)? {
                    Type::FuncRef => Some(Val::FuncRef(None)),
                    _ => Some(Val::ExternRef(None)),
                },
                WastArg::Core(WastArgCore::RefExtern(n)) => Some(Val::ExternRef(Some(*n))),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Call::Invoke {
            export: inv.name.to_string(),
            args,
        })
    }
}

impl RetPattern {
    fn from_wast(r: &WastRet) -> Option<RetPattern> {
        use wast::core::NanPattern as N;
        Some(match r {
            WastRet::Core(WastRetCore::I32(x)) => RetPattern::Exact(Val::I32(*x as u32)),
            WastRet::Core(WastRetCore::I64(x)) => RetPattern::Exact(Val::I64(*x as u64)),
            WastRet::Core(WastRetCore::F32(N::Value(x))) => RetPattern::Exact(Val::F32(x.bits)),
            WastRet::Core(WastRetCore::F64(N::Value(x))) => RetPattern::Exact(Val::F64(x.bits)),
            WastRet::Core(WastRetCore::F32(N::CanonicalNan)) => RetPattern::CanonicalNan32,
            WastRet::Core(WastRetCore::F32(N::ArithmeticNan)) => RetPattern::ArithmeticNan32,
            WastRet::Core(WastRetCore::F64(N::CanonicalNan)) => RetPattern::CanonicalNan64,
            WastRet::Core(WastRetCore::F64(N::ArithmeticNan)) => RetPattern::ArithmeticNan64,
            WastRet::Core(WastRetCore::RefNull(None)) => RetPattern::Null(None),
            WastRet::Core(WastRetCore::RefNull(Some(h))) => RetPattern::Null(Some(heap_type(h)?)),
            WastRet::Core(WastRetCore::RefFunc(None)) => RetPattern::NonNull(Type::FuncRef),
            WastRet::Core(WastRetCore::RefExtern(None)) => RetPattern::NonNull(Type::ExternRef),
            WastRet::Core(WastRetCore::RefExtern(Some(n))) => {
                RetPattern::Exact(Val::ExternRef(Some(*n)))
            }
            _ => return None,
        })
    }
}

/// The reference type of a wasm 2.0 heap type (`func`, `extern`, and their bottom types).
fn heap_type(h: &wast::core::HeapType) -> Option<Type> {
    use wast::core::{AbstractHeapType as A, HeapType};
    match h {
        HeapType::Abstract {
            shared: false,
            ty: A::Func | A::NoFunc,
        } => Some(Type::FuncRef),
        HeapType::Abstract {
            shared: false,
            ty: A::Extern | A::NoExtern,
        } => Some(Type::ExternRef),
        _ => None,
    }
}

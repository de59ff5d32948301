//! The differential campaign: one seed is one wasm-smith module, a plan of export calls, wasmi's
//! results for them, and zkc's results through every stage ([`Stage`]) compared with wasmi's.

use crate::gen::{self, Flavor, Rng};
use crate::oracle;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use zkc::driver::{self, Error, OptLevel, Options};
use zkc::wast::{Call, CallResult, Executor, InterpExecutor, Session};
use zkc::wast_zisk::{error_trap, ZiskExecutor};
use zkc_backend_zisk::codegen::Allocator;
use zkc_ir::interp::{Trap, Val};
use zkc_ir::{ExportKind, Module, TrapCode, Type};

/// Exported functions called per module, at most.
pub const MAX_EXPORTS: usize = 6;
/// Argument sets per exported function.
pub const ARG_SETS: usize = 3;
/// Step limit of one ZisK run.
pub const MAX_STEPS: u64 = 50_000_000;

/// Where zkc runs a session.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The reference interpreter on the frontend's IR.
    InterpO0,
    /// The reference interpreter on the IR after `-O2`.
    InterpO2,
    /// Compiled ZisK code on zkc's emulator.
    Zisk(OptLevel, Allocator),
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Stage::InterpO0 => f.write_str("interp-O0"),
            Stage::InterpO2 => f.write_str("interp-O2"),
            Stage::Zisk(l, a) => {
                let a = match a {
                    Allocator::Coloring => "coloring",
                    Allocator::Slots => "slots",
                };
                write!(f, "zisk{l}-{a}")
            }
        }
    }
}

impl Stage {
    pub fn all() -> Vec<Stage> {
        let mut v = vec![Stage::InterpO0, Stage::InterpO2];
        for l in [OptLevel::O0, OptLevel::O1, OptLevel::O2] {
            for a in [Allocator::Slots, Allocator::Coloring] {
                v.push(Stage::Zisk(l, a));
            }
        }
        v
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::all().into_iter().find(|st| st.to_string() == s)
    }

    /// Runs the calls with replay semantics; `Err` when zkc refused the module or
    /// instantiation trapped.
    pub fn run(self, module: &Module, calls: &[Call]) -> Result<Vec<CallResult>, Trap> {
        match self {
            Stage::InterpO0 => oracle::replay(&mut InterpExecutor, module, calls),
            Stage::InterpO2 => {
                let opts = Options::default();
                let m = driver::optimize(module.clone(), &opts, &mut std::io::sink())
                    .map_err(error_trap)?;
                oracle::replay(&mut InterpExecutor, &m, calls)
            }
            Stage::Zisk(opt_level, allocator) => {
                let mut options = Options {
                    opt_level,
                    ..Options::default()
                };
                options.codegen.allocator = allocator;
                let mut e = ZiskExecutor {
                    options,
                    max_steps: MAX_STEPS,
                };
                e.run(&Session {
                    module,
                    calls: calls.to_vec(),
                })
            }
        }
    }
}

/// Whether a host error is zkc's `Internal` class (its `Display` prefix).
pub fn is_internal(t: &Trap) -> bool {
    matches!(t, Trap::Host(m) if m.starts_with("internal compiler error"))
}

/// What kind of problem a finding is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Divergence,
    Panic,
    Internal,
    Hang,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self {
            Kind::Divergence => "divergence",
            Kind::Panic => "panic",
            Kind::Internal => "internal error",
            Kind::Hang => "hang",
        })
    }
}

/// One stage's disagreement with wasmi (or failure) on one module.
#[derive(Clone, Debug)]
pub struct Finding {
    pub stage: String,
    pub kind: Kind,
    /// What differed, for a human.
    pub detail: String,
    /// Groups findings that are probably the same bug: kind, stage and the shape of the
    /// difference, without values.
    pub signature: String,
    /// The first call that differed, if a call did.
    pub call: Option<usize>,
}

/// How one seed went.
#[derive(Debug)]
pub enum Outcome {
    /// Not run, with the reason (zkc refuses the module as unimplemented, or the generator
    /// failed).
    Skipped(String),
    Checked {
        /// Export calls compared per stage.
        calls: usize,
        /// Stages that refused the module as unimplemented (stage, reason).
        stage_skips: Vec<(String, String)>,
        findings: Vec<Finding>,
        /// The plan, for a reproducer.
        plan: Vec<Call>,
        expected: Result<Vec<CallResult>, Trap>,
    },
}

/// A seed's module and its plan.
pub struct Case {
    pub bytes: Vec<u8>,
    pub calls: Vec<Call>,
}

/// The calls of a seed: up to [`MAX_EXPORTS`] exported functions whose parameters and results
/// are numeric, each with [`ARG_SETS`] argument sets, round by round.
pub fn plan(module: &Module, seed: u64) -> Vec<Call> {
    let numeric = |t: &Type| matches!(t, Type::I32 | Type::I64 | Type::F32 | Type::F64);
    let funcs: Vec<(String, Vec<Type>)> = module
        .exports
        .iter()
        .filter_map(|e| match e.kind {
            ExportKind::Func(f) => {
                let sig = &module.funcs[f].sig;
                (sig.params.iter().all(numeric) && sig.results.iter().all(numeric))
                    .then(|| (e.name.clone(), sig.params.clone()))
            }
            _ => None,
        })
        .take(MAX_EXPORTS)
        .collect();
    let mut rng = Rng::new(seed ^ 0xa5a5_0000);
    let mut calls = Vec::new();
    for set in 0..ARG_SETS {
        for (name, params) in &funcs {
            let args: Option<Vec<Val>> =
                params.iter().map(|&t| gen::arg(&mut rng, set, t)).collect();
            if let Some(args) = args {
                calls.push(Call::Invoke {
                    export: name.clone(),
                    args,
                });
            }
        }
    }
    calls
}

/// Options of a differential check.
#[derive(Clone, Debug)]
pub struct Check {
    pub stages: Vec<Stage>,
    /// Deliberately corrupt wasmi's first integer result (flip its low bit), to show that the
    /// comparison detects a difference.
    pub tamper: bool,
}

impl Default for Check {
    fn default() -> Self {
        Check {
            stages: Stage::all(),
            tamper: false,
        }
    }
}

/// Translates a module with the frontend, as `zkc::driver::load` does for a file.
pub fn translate(bytes: &[u8]) -> Result<Module, Error> {
    zkc_frontend_wasm::translate(bytes).map_err(|e| match e.kind {
        zkc_frontend_wasm::ErrorKind::Unsupported { .. } => Error::Unimplemented(e.to_string()),
        _ => Error::Input(e.to_string()),
    })
}

thread_local! {
    /// The message of the last panic on this thread inside [`catch`].
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    /// Whether this thread is inside [`catch`].
    static CATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Records the panics inside [`catch`] (message and location) instead of printing them; other
/// panics go to the previous hook. Installed once.
pub fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CATCHING.with(|c| c.get()) {
                let msg = info.to_string();
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(msg));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into its message.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let outer = CATCHING.with(|c| c.replace(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(outer));
    r.map_err(|e| {
        LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .or_else(|| e.downcast_ref::<String>().cloned())
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".into())
    })
}

/// A short, value-free key for grouping messages: digits become `#`, cut at 100 characters.
pub fn normalize(msg: &str) -> String {
    let line = msg.replace('\n', " ");
    let mut out = String::new();
    let mut last_hash = false;
    for c in line.chars() {
        if c.is_ascii_digit() {
            if !last_hash {
                out.push('#');
            }
            last_hash = true;
        } else {
            out.push(c);
            last_hash = false;
        }
    }
    out.chars().take(100).collect()
}

/// The module and plan of a seed.
pub fn case(seed: u64, flavor: Flavor) -> Result<(Case, Module), String> {
    let bytes = gen::module(seed, flavor).map_err(|e| format!("wasm-smith: {e}"))?;
    oracle::validate(&bytes).map_err(|e| format!("wasmi rejects: {}", normalize(&e)))?;
    let module = match catch(|| translate(&bytes)) {
        Ok(Ok(m)) => m,
        Ok(Err(Error::Unimplemented(m))) => {
            return Err(format!("unimplemented: {}", normalize(&m)))
        }
        Ok(Err(e)) => return Err(format!("FRONTEND:{e}")),
        Err(p) => return Err(format!("FRONTEND-PANIC:{p}")),
    };
    let calls = plan(&module, seed);
    Ok((Case { bytes, calls }, module))
}

/// Checks one seed.
pub fn check_seed(seed: u64, flavor: Flavor, check: &Check) -> Outcome {
    match case(seed, flavor) {
        Ok((case, module)) => check_case(&case.bytes, &module, &case.calls, check),
        Err(e) if e.starts_with("FRONTEND-PANIC:") => frontend_finding(Kind::Panic, &e[15..]),
        Err(e) if e.starts_with("FRONTEND:") => frontend_finding(Kind::Divergence, &e[9..]),
        Err(reason) => Outcome::Skipped(reason),
    }
}

fn frontend_finding(kind: Kind, msg: &str) -> Outcome {
    let kind = if msg.starts_with("internal compiler error") {
        Kind::Internal
    } else {
        kind
    };
    Outcome::Checked {
        calls: 0,
        stage_skips: vec![],
        findings: vec![Finding {
            stage: "frontend".into(),
            kind,
            detail: format!("the frontend fails on a module wasmi accepts: {msg}"),
            signature: format!("{kind} in frontend: {}", normalize(msg)),
            call: None,
        }],
        plan: vec![],
        expected: Ok(vec![]),
    }
}

/// Checks a module (`bytes`, translated to `module`) and a plan against wasmi.
pub fn check_case(bytes: &[u8], module: &Module, calls: &[Call], check: &Check) -> Outcome {
    let mut expected = oracle::run(bytes, calls);
    if check.tamper {
        if let Ok(results) = &mut expected {
            if let Some(v) = results
                .iter_mut()
                .flatten()
                .flatten()
                .find(|v| matches!(v, Val::I32(_) | Val::I64(_)))
            {
                *v = Val::from_bits(v.ty(), v.bits() ^ 1);
            }
        }
    }
    let mut findings = Vec::new();
    let mut stage_skips = Vec::new();
    let mut compared = 0;
    for &stage in &check.stages {
        let got = match catch(|| stage.run(module, calls)) {
            Ok(got) => got,
            Err(p) => {
                findings.push(Finding {
                    stage: stage.to_string(),
                    kind: Kind::Panic,
                    signature: format!("panic: {}", normalize(&p)),
                    detail: p,
                    call: None,
                });
                continue;
            }
        };
        if let Err(Trap::Unsupported(why)) = &got {
            stage_skips.push((stage.to_string(), normalize(why)));
            continue;
        }
        if let Some(f) = compare(stage, &expected, &got) {
            findings.push(f);
        }
        compared += calls.len();
    }
    Outcome::Checked {
        calls: compared,
        stage_skips,
        findings,
        plan: calls.to_vec(),
        expected,
    }
}

/// Any NaN equals any NaN; everything else bit for bit.
pub fn same_val(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::F32(x), Val::F32(y)) => {
            x == y || (f32::from_bits(*x).is_nan() && f32::from_bits(*y).is_nan())
        }
        (Val::F64(x), Val::F64(y)) => {
            x == y || (f64::from_bits(*x).is_nan() && f64::from_bits(*y).is_nan())
        }
        _ => a == b,
    }
}

/// Trap kinds that map cleanly between engines; a `call_indirect` index past the table is
/// "undefined element" in the spec tests and "out of bounds table access" in wasmi.
pub fn same_trap(a: TrapCode, b: TrapCode) -> bool {
    use TrapCode::{TableOutOfBounds as Oob, UndefinedElement as Undef};
    a == b || matches!((a, b), (Oob, Undef) | (Undef, Oob))
}

fn describe(r: &CallResult) -> String {
    match r {
        Ok(v) => format!(
            "[{}]",
            v.iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Err(t) => format!("trap({t})"),
    }
}

fn shape(r: &CallResult) -> String {
    match r {
        Ok(_) => "return".into(),
        Err(Trap::Wasm(c)) => format!("trap {c:?}"),
        Err(t) => normalize(&t.to_string()),
    }
}

/// The first difference between wasmi's results and a stage's.
pub fn compare(
    stage: Stage,
    expected: &Result<Vec<CallResult>, Trap>,
    got: &Result<Vec<CallResult>, Trap>,
) -> Option<Finding> {
    let st = stage.to_string();
    let finding = |kind: Kind, detail: String, sig: String, call: Option<usize>| Finding {
        stage: st.clone(),
        kind,
        detail,
        signature: format!("{kind} in {st}: {sig}"),
        call,
    };
    match (expected, got) {
        (_, Err(t)) if is_internal(t) => Some(finding(
            Kind::Internal,
            t.to_string(),
            normalize(&t.to_string()),
            None,
        )),
        (Err(Trap::Wasm(a)), Err(Trap::Wasm(b))) if same_trap(*a, *b) => None,
        (Err(e), Err(g)) => Some(finding(
            Kind::Divergence,
            format!("instantiation: wasmi {e}, zkc {g}"),
            format!(
                "instantiation: wasmi {}, zkc {}",
                shape(&Err(e.clone())),
                shape(&Err(g.clone()))
            ),
            None,
        )),
        (Ok(_), Err(g)) => Some(finding(
            Kind::Divergence,
            format!("instantiation: wasmi succeeds, zkc {g}"),
            format!(
                "instantiation: wasmi succeeds, zkc {}",
                shape(&Err(g.clone()))
            ),
            None,
        )),
        (Err(e), Ok(_)) => Some(finding(
            Kind::Divergence,
            format!("instantiation: wasmi {e}, zkc succeeds"),
            format!(
                "instantiation: wasmi {}, zkc succeeds",
                shape(&Err(e.clone()))
            ),
            None,
        )),
        (Ok(exp), Ok(got)) => {
            for (i, (e, g)) in exp.iter().zip(got).enumerate() {
                let same = match (e, g) {
                    (Ok(a), Ok(b)) => {
                        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_val(x, y))
                    }
                    (Err(Trap::Wasm(a)), Err(Trap::Wasm(b))) => same_trap(*a, *b),
                    _ => false,
                };
                if !same {
                    let sig = match (e, g) {
                        (Ok(_), Ok(_)) => "different values".to_string(),
                        _ => format!("wasmi {}, zkc {}", shape(e), shape(g)),
                    };
                    return Some(finding(
                        Kind::Divergence,
                        format!("call {i}: wasmi {}, zkc {}", describe(e), describe(g)),
                        sig,
                        Some(i),
                    ));
                }
            }
            None
        }
    }
}

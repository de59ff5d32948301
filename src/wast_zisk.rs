//! Runs spec-test sessions as compiled ZisK programs on zkc's emulator.
//!
//! For each session the module gets a generated `_start` that writes `S`, then makes the
//! session's calls in order; after each call it writes `C` and every result as 8 raw bytes
//! (little-endian, f32/f64 as their bits) to the console. The `spectest` imports are bound at
//! compile time to what [`SpectestHost`] provides (prints become empty functions, globals
//! constants, memory and table the module's own). A run that ends before `S` trapped at
//! instantiation: an active segment out of bounds (the backend decides it at compile time and
//! jumps to the trap before the entry) or a trapping start function.
//!
//! A trap ends a ZisK run, while a script goes on calling the same instance. So the driver
//! reads one byte per call from the program's input and skips the calls whose byte is not
//! zero; when call `k` traps, the same program runs again from the start with call `k`
//! skipped: replaying calls `0..k` rebuilds the instance's state (deterministically), and the
//! results after `k` come from the new run. A session is compiled once, however many of its
//! calls trap. (What a trapping call wrote before it trapped is lost; the spec tests this
//! runner passes do not depend on it.)

use crate::driver::{self, Error, Options, ZiskExit};
use crate::wast::{Call, CallResult, Executor, Session};
use zkc_backend_zisk::mem_map::INPUT_ADDR;
use zkc_backend_zisk::Rom;
use zkc_ir::interp::{Host, SpectestHost, Trap, Val};
use zkc_ir::{
    BlockCall, ConstExpr, ConvOp, Export, ExportKind, FuncDecl, FuncDef, FuncId, Function,
    GlobalInit, Module, Op, Signature, SrcLoc, TermKind, Type, Value,
};

/// Runs sessions through the whole zkc pipeline and zkc's ZisK emulator.
pub struct ZiskExecutor {
    pub options: Options,
    /// Step limit of one run.
    pub max_steps: u64,
}

impl Default for ZiskExecutor {
    fn default() -> Self {
        ZiskExecutor {
            options: Options::default(),
            max_steps: 200_000_000,
        }
    }
}

impl Executor for ZiskExecutor {
    fn run(&mut self, session: &Session) -> Result<Vec<CallResult>, Trap> {
        let base = bind_spectest(session.module)?;
        let mut results: Vec<Option<CallResult>> = vec![None; session.calls.len()];
        // Calls the generated driver cannot make (unknown export, wrong argument types).
        let mut plan = Vec::new();
        for (i, call) in session.calls.iter().enumerate() {
            match resolve(&base, call) {
                Ok(target) => plan.push((i, target)),
                Err(msg) => results[i] = Some(Err(Trap::Host(msg))),
            }
        }
        let rom = self.compile(with_driver(&base, &plan))?;
        // The input: one byte per planned call, 1 to skip it.
        let mut skip = vec![0u8; plan.len()];
        loop {
            let run = self.run_rom(&rom, &skip)?;
            let mut bytes = run.console.as_slice();
            if bytes.first() != Some(&b'S') {
                return Err(exit_trap(&run.exit));
            }
            bytes = &bytes[1..];
            let mut trapped = None;
            let live = plan.iter().enumerate().filter(|&(k, _)| skip[k] == 0);
            for (k, (i, target)) in live {
                let n = 1 + 8 * target.results.len();
                if bytes.len() >= n && bytes[0] == b'C' {
                    let vals = target
                        .results
                        .iter()
                        .enumerate()
                        .map(|(k, &ty)| {
                            let raw =
                                u64::from_le_bytes(bytes[1 + 8 * k..9 + 8 * k].try_into().unwrap());
                            Val::from_bits(ty, raw)
                        })
                        .collect();
                    results[*i] = Some(Ok(vals));
                    bytes = &bytes[n..];
                } else {
                    results[*i] = Some(Err(exit_trap(&run.exit)));
                    trapped = Some(k);
                    break;
                }
            }
            match trapped {
                Some(k) => skip[k] = 1,
                None => break,
            }
        }
        Ok(results
            .into_iter()
            .map(|r| r.expect("every call has a result"))
            .collect())
    }
}

struct Run {
    console: Vec<u8>,
    exit: ZiskExit,
}

impl ZiskExecutor {
    fn compile(&self, module: Module) -> Result<Rom, Trap> {
        let program =
            driver::codegen(module, &self.options, &mut std::io::sink()).map_err(error_trap)?;
        Ok(driver::layout(&program).map_err(error_trap)?.rom)
    }

    fn run_rom(&self, rom: &Rom, stdin: &[u8]) -> Result<Run, Trap> {
        let run = driver::run_zisk(rom, stdin, self.max_steps).map_err(error_trap)?;
        Ok(Run {
            console: run.console,
            exit: run.exit,
        })
    }
}

/// A driver error as the executors report it: unimplemented features skip, the rest fail.
pub fn error_trap(e: Error) -> Trap {
    match e {
        Error::Unimplemented(m) => Trap::Unsupported(m),
        other => Trap::Host(other.to_string()),
    }
}

/// Where the program's standard input starts: after the input's u64 length at `INPUT_ADDR + 8`
/// (`zkc_backend_zisk::emu::legacy_input`, the runtime's `fd_read`).
const INPUT_BYTES: u64 = INPUT_ADDR + 16;

fn exit_trap(exit: &ZiskExit) -> Trap {
    match exit {
        ZiskExit::Trap(t) => Trap::Wasm(*t),
        ZiskExit::Code(c) => Trap::Exit(*c),
        ZiskExit::Machine(m) => Trap::Host(m.clone()),
    }
}

/// What one call of the driver does.
enum Action {
    Call(FuncId, Vec<Val>),
    Global(zkc_ir::GlobalId),
}

struct Target {
    action: Action,
    results: Vec<Type>,
}

fn resolve(m: &Module, call: &Call) -> Result<Target, String> {
    let export = |name: &str| {
        m.exports
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.kind.clone())
    };
    match call {
        Call::Invoke { export: name, args } => {
            let Some(ExportKind::Func(f)) = export(name) else {
                return Err(format!("no exported function \"{name}\""));
            };
            let sig = &m.funcs[f].sig;
            let tys: Vec<Type> = args.iter().map(|a| a.ty()).collect();
            if tys != sig.params {
                return Err(format!("\"{name}\" takes {sig}"));
            }
            Ok(Target {
                action: Action::Call(f, args.clone()),
                results: sig.results.clone(),
            })
        }
        Call::Get { export: name } => {
            let Some(ExportKind::Global(g)) = export(name) else {
                return Err(format!("no exported global \"{name}\""));
            };
            Ok(Target {
                action: Action::Global(g),
                results: vec![m.globals[g].ty],
            })
        }
    }
}

/// The module with its `spectest` imports bound to what the spectest host provides.
fn bind_spectest(module: &Module) -> Result<Module, Trap> {
    let mut m = module.clone();
    let mut host = SpectestHost::default();
    for (_, f) in m.funcs.iter_mut() {
        if let FuncDef::Import(name) = &f.def {
            host.resolve_func(name, &f.sig).map_err(Trap::Host)?;
            if !f.sig.results.is_empty() {
                return Err(Trap::Unsupported(format!(
                    "spectest import {} with results",
                    name.field
                )));
            }
            f.def = FuncDef::Body(empty_body(&f.sig));
        }
    }
    let mut bound = std::collections::HashMap::new();
    for (id, g) in m.globals.iter_mut() {
        if let GlobalInit::Import(name) = &g.init {
            let v = host.global(name, g.ty, g.mutable).map_err(Trap::Host)?;
            let c = ConstExpr::Value {
                ty: g.ty,
                bits: v.bits(),
            };
            bound.insert(id, c.clone());
            g.init = GlobalInit::Const(c);
        }
    }
    // Initializers may read only imported globals: those now read the bound values.
    let consts = m
        .globals
        .values_mut()
        .filter_map(|g| match &mut g.init {
            GlobalInit::Const(c) => Some(c),
            GlobalInit::Import(_) => None,
        })
        .chain(m.data.values_mut().filter_map(|d| match &mut d.mode {
            zkc_ir::DataMode::Active { offset } => Some(offset),
            zkc_ir::DataMode::Passive => None,
        }))
        .chain(m.elems.values_mut().filter_map(|e| match &mut e.mode {
            zkc_ir::ElemMode::Active { offset, .. } => Some(offset),
            _ => None,
        }));
    for c in consts {
        inline_globals(c, &bound);
    }
    if let Some(mem) = &mut m.memory {
        if let Some(name) = mem.import.take() {
            (mem.min, mem.max) = host.memory(&name).map_err(Trap::Host)?;
        }
    }
    for (_, t) in m.tables.iter_mut() {
        if let Some(name) = t.import.take() {
            (t.min, t.max) = host.table(&name).map_err(Trap::Host)?;
        }
    }
    Ok(m)
}

/// Replaces the reads of the globals in `values` by their values.
fn inline_globals(
    c: &mut ConstExpr,
    values: &std::collections::HashMap<zkc_ir::GlobalId, ConstExpr>,
) {
    match c {
        ConstExpr::GlobalGet(g) => {
            if let Some(v) = values.get(g) {
                *c = v.clone();
            }
        }
        ConstExpr::Binary { args, .. } => args.iter_mut().for_each(|a| inline_globals(a, values)),
        ConstExpr::Value { .. } | ConstExpr::RefNull(_) | ConstExpr::RefFunc(_) => {}
    }
}

/// `block0(params): return`.
fn empty_body(sig: &Signature) -> Function {
    let mut f = Function::new();
    let b = f.create_block();
    for &t in &sig.params {
        f.append_block_param(b, t);
    }
    f.set_terminator(b, TermKind::Return(vec![]), SrcLoc::NONE);
    f
}

/// Adds `__zkc_spec_out(i64)` (8 bytes to the console) and the driver, exported as `_start`.
/// The driver makes planned call `k` unless input byte `k` is not zero.
fn with_driver(base: &Module, plan: &[(usize, Target)]) -> Module {
    let mut m = base.clone();
    let out = m.funcs.push(FuncDecl {
        name: unique_name(&m, "__zkc_spec_out"),
        sig: Signature::new(vec![Type::I64], vec![]),
        def: FuncDef::Body(out_body()),
    });
    let mut f = Function::new();
    let mut b = f.create_block();
    let uart = |f: &mut Function, b, byte: u8| {
        let c = konst(f, b, Type::I32, u64::from(byte));
        f.append_inst(b, Op::Uart, &[c], &[], SrcLoc::NONE);
    };
    uart(&mut f, b, b'S');
    for (k, (_, target)) in plan.iter().enumerate() {
        // `brif input[k], next, call`
        let addr = konst(&mut f, b, Type::I64, INPUT_BYTES + k as u64);
        let load = Op::MachLoad { width: 1 };
        let byte = ins1(&mut f, b, load, &[addr], Type::I64);
        let skip = ins1(
            &mut f,
            b,
            Op::Convert(ConvOp::I32WrapI64),
            &[byte],
            Type::I32,
        );
        let (call, next) = (f.create_block(), f.create_block());
        let brif = TermKind::Brif {
            cond: skip,
            then_dest: BlockCall::new(next, vec![]),
            else_dest: BlockCall::new(call, vec![]),
        };
        f.set_terminator(b, brif, SrcLoc::NONE);
        let vals: Vec<Value> = match &target.action {
            Action::Call(func, args) => {
                let args: Vec<Value> = args.iter().map(|a| arg_value(&mut f, call, *a)).collect();
                let inst =
                    f.append_inst(call, Op::Call(*func), &args, &target.results, SrcLoc::NONE);
                f.inst_results(inst).to_vec()
            }
            Action::Global(g) => {
                let inst =
                    f.append_inst(call, Op::GlobalGet(*g), &[], &target.results, SrcLoc::NONE);
                f.inst_results(inst).to_vec()
            }
        };
        uart(&mut f, call, b'C');
        for v in vals {
            let bits = as_i64_bits(&mut f, call, v);
            f.append_inst(call, Op::Call(out), &[bits], &[], SrcLoc::NONE);
        }
        f.set_terminator(
            call,
            TermKind::Jump(BlockCall::new(next, vec![])),
            SrcLoc::NONE,
        );
        b = next;
    }
    f.set_terminator(b, TermKind::Return(vec![]), SrcLoc::NONE);
    let driver = m.funcs.push(FuncDecl {
        name: unique_name(&m, "__zkc_spec_driver"),
        sig: Signature::default(),
        def: FuncDef::Body(f),
    });
    m.exports.retain(|e| e.name != "_start");
    m.exports.push(Export {
        name: "_start".into(),
        kind: ExportKind::Func(driver),
    });
    m
}

/// Appends a one-result instruction and returns its value.
fn ins1(f: &mut Function, b: zkc_ir::Block, op: Op, args: &[Value], ty: Type) -> Value {
    let inst = f.append_inst(b, op, args, &[ty], SrcLoc::NONE);
    f.inst_results(inst)[0]
}

fn konst(f: &mut Function, b: zkc_ir::Block, ty: Type, bits: u64) -> Value {
    ins1(
        f,
        b,
        Op::Const {
            ty,
            bits: ty.truncate(bits),
        },
        &[],
        ty,
    )
}

/// An argument: a constant, or a reference made from its bits.
fn arg_value(f: &mut Function, b: zkc_ir::Block, a: Val) -> Value {
    match a {
        Val::FuncRef(None) => ins1(f, b, Op::RefNull(Type::FuncRef), &[], Type::FuncRef),
        Val::ExternRef(_) => {
            let bits = konst(f, b, Type::I64, a.bits());
            ins1(
                f,
                b,
                Op::RefFromBits(Type::ExternRef),
                &[bits],
                Type::ExternRef,
            )
        }
        // A function reference argument cannot come from a script (it has no syntax for one).
        _ => konst(f, b, a.ty(), a.bits()),
    }
}

/// A value's bits as an i64.
fn as_i64_bits(f: &mut Function, b: zkc_ir::Block, v: Value) -> Value {
    use zkc_ir::ConvOp::*;
    let conv = |f: &mut Function, op, v, ty| ins1(f, b, Op::Convert(op), &[v], ty);
    match f.value_type(v) {
        Type::I64 => v,
        Type::I32 => conv(f, I64ExtendI32U, v, Type::I64),
        Type::F32 => {
            let i = conv(f, I32ReinterpretF32, v, Type::I32);
            conv(f, I64ExtendI32U, i, Type::I64)
        }
        Type::F64 => conv(f, I64ReinterpretF64, v, Type::I64),
        ty @ (Type::FuncRef | Type::ExternRef) => ins1(f, b, Op::RefToBits(ty), &[v], Type::I64),
    }
}

/// `__zkc_spec_out(v)`: the 8 bytes of `v`, low first, to the console.
fn out_body() -> Function {
    let mut f = Function::new();
    let b = f.create_block();
    let v = f.append_block_param(b, Type::I64);
    for k in 0..8u64 {
        let sh = konst(&mut f, b, Type::I64, 8 * k);
        let binop = Op::Binary {
            op: zkc_ir::BinaryOp::ShrU,
            ty: Type::I64,
        };
        let s = ins1(&mut f, b, binop, &[v, sh], Type::I64);
        let wrap = Op::Convert(zkc_ir::ConvOp::I32WrapI64);
        let w = ins1(&mut f, b, wrap, &[s], Type::I32);
        f.append_inst(b, Op::Uart, &[w], &[], SrcLoc::NONE);
    }
    f.set_terminator(b, TermKind::Return(vec![]), SrcLoc::NONE);
    f
}

fn unique_name(m: &Module, base: &str) -> String {
    let mut name = base.to_string();
    while m.func_by_name(&name).is_some() {
        name.push('_');
    }
    name
}

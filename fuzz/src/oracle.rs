//! The independent engine: `wasmi` runs a session's calls with the same replay semantics as
//! zkc's ZisK executor (`zkc::wast_zisk`): a call that traps is recorded and then dropped, and
//! the instance is rebuilt by replaying the calls before it, so a trapping call leaves no trace
//! (its partial writes, its fuel) on the calls after it. [`replay`] gives any zkc executor the
//! same semantics.
//!
//! wasmi is 1.x: 2.0.0 traps "integer divide by zero" inside wasm-smith's guarded divisions
//! (`select` of 1 over a zero divisor) where wasmtime and every zkc stage reach the fuel's
//! `unreachable` (fuzz/findings/wasmi-2.0.0-*.wasm).

use std::collections::BTreeSet;
use zkc::wast::{Call, CallResult, Executor, Session};
use zkc_ir::interp::{Trap, Val};
use zkc_ir::{Module, TrapCode};

fn engine() -> wasmi::Engine {
    let mut c = wasmi::Config::default();
    // Deeper than the generator's fuel allows: recursion ends by fuel, as in zkc.
    c.set_max_recursion_depth(100_000);
    c.set_max_stack_height(1 << 28);
    c.wasm_multi_value(true)
        .wasm_bulk_memory(true)
        .wasm_reference_types(true)
        .wasm_sign_extension(true)
        .wasm_saturating_float_to_int(true)
        .wasm_mutable_global(true)
        .wasm_tail_call(false)
        .wasm_wide_arithmetic(false)
        .wasm_multi_memory(false)
        .wasm_custom_page_sizes(false)
        .wasm_extended_const(false);
    wasmi::Engine::new(&c)
}

/// Whether wasmi accepts the module (it validates with its own feature set).
pub fn validate(bytes: &[u8]) -> Result<(), String> {
    wasmi::Module::new(&engine(), bytes)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn trap_of(e: &wasmi::Error) -> Trap {
    use wasmi::TrapCode as W;
    match e.as_trap_code() {
        Some(W::UnreachableCodeReached) => Trap::Wasm(TrapCode::Unreachable),
        Some(W::MemoryOutOfBounds) => Trap::Wasm(TrapCode::MemoryOutOfBounds),
        Some(W::TableOutOfBounds) => Trap::Wasm(TrapCode::TableOutOfBounds),
        Some(W::IndirectCallToNull) => Trap::Wasm(TrapCode::UninitializedElement),
        Some(W::IntegerDivisionByZero) => Trap::Wasm(TrapCode::IntDivByZero),
        Some(W::IntegerOverflow) => Trap::Wasm(TrapCode::IntOverflow),
        Some(W::BadConversionToInteger) => Trap::Wasm(TrapCode::BadConversion),
        Some(W::StackOverflow) => Trap::Wasm(TrapCode::StackOverflow),
        Some(W::BadSignature) => Trap::Wasm(TrapCode::BadSignature),
        // Instantiation reports segment bounds as errors, not trap codes.
        _ => {
            let m = e.to_string();
            if m.contains("out of bounds table access") {
                Trap::Wasm(TrapCode::TableOutOfBounds)
            } else if m.contains("out of bounds memory access") {
                Trap::Wasm(TrapCode::MemoryOutOfBounds)
            } else {
                Trap::Host(format!("wasmi: {m}"))
            }
        }
    }
}

fn to_wasmi(v: Val) -> wasmi::Val {
    match v {
        Val::I32(x) => wasmi::Val::I32(x as i32),
        Val::I64(x) => wasmi::Val::I64(x as i64),
        Val::F32(x) => wasmi::Val::F32(wasmi::F32::from_bits(x)),
        Val::F64(x) => wasmi::Val::F64(wasmi::F64::from_bits(x)),
        _ => unreachable!("only numeric arguments are generated"),
    }
}

fn from_wasmi(v: &wasmi::Val) -> Val {
    match v {
        wasmi::Val::I32(x) => Val::I32(*x as u32),
        wasmi::Val::I64(x) => Val::I64(*x as u64),
        wasmi::Val::F32(x) => Val::F32(x.to_bits()),
        wasmi::Val::F64(x) => Val::F64(x.to_bits()),
        wasmi::Val::FuncRef(f) => Val::FuncRef(if f.is_null() {
            None
        } else {
            Some(zkc_ir::FuncId::from_u32(0))
        }),
        wasmi::Val::ExternRef(r) => Val::ExternRef(if r.is_null() { None } else { Some(1) }),
        wasmi::Val::V128(_) => Val::I64(0),
    }
}

/// One fresh instance, the calls run in order until the first trap. `Err` when instantiation
/// failed; else the results of the calls made (the last one is the trap, if any).
fn run_once(
    engine: &wasmi::Engine,
    module: &wasmi::Module,
    calls: &[&Call],
) -> Result<Vec<CallResult>, Trap> {
    let mut store = wasmi::Store::new(engine, ());
    let linker = <wasmi::Linker<()>>::new(engine);
    let instance = linker
        .instantiate_and_start(&mut store, module)
        .map_err(|e| trap_of(&e))?;
    let mut out = Vec::new();
    for call in calls {
        let Call::Invoke { export, args } = call else {
            out.push(Err(Trap::Host("only invokes are generated".into())));
            continue;
        };
        let Some(func) = instance.get_func(&store, export) else {
            out.push(Err(Trap::Host(format!(
                "no exported function \"{export}\""
            ))));
            continue;
        };
        let ty = func.ty(&store);
        let inputs: Vec<wasmi::Val> = args.iter().map(|&a| to_wasmi(a)).collect();
        let mut outputs: Vec<wasmi::Val> = ty
            .results()
            .iter()
            .map(|t| wasmi::Val::default(*t))
            .collect();
        match func.call(&mut store, &inputs, &mut outputs) {
            Ok(()) => out.push(Ok(outputs.iter().map(from_wasmi).collect())),
            Err(e) => {
                out.push(Err(trap_of(&e)));
                break;
            }
        }
    }
    Ok(out)
}

/// Runs `calls` on wasmi with replay semantics. `Err` when instantiation traps (an
/// out-of-bounds segment, a trapping start function) or the module does not link.
pub fn run(bytes: &[u8], calls: &[Call]) -> Result<Vec<CallResult>, Trap> {
    let engine = engine();
    let module = wasmi::Module::new(&engine, bytes).map_err(|e| Trap::Host(e.to_string()))?;
    replay_with(calls, |live| run_once(&engine, &module, live))
}

/// Replay semantics over a runner that executes calls in order on one fresh instance.
fn replay_with(
    calls: &[Call],
    mut run: impl FnMut(&[&Call]) -> Result<Vec<CallResult>, Trap>,
) -> Result<Vec<CallResult>, Trap> {
    let mut results: Vec<Option<CallResult>> = vec![None; calls.len()];
    let mut dropped: BTreeSet<usize> = BTreeSet::new();
    loop {
        let live: Vec<usize> = (0..calls.len()).filter(|i| !dropped.contains(i)).collect();
        let live_calls: Vec<&Call> = live.iter().map(|&i| &calls[i]).collect();
        let got = run(&live_calls)?;
        let mut trapped = false;
        for (&i, r) in live.iter().zip(got) {
            let is_trap = r.is_err();
            results[i] = Some(r);
            if is_trap {
                dropped.insert(i);
                trapped = true;
                break;
            }
        }
        if !trapped {
            break;
        }
    }
    Ok(results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Trap::Host("not run".into()))))
        .collect())
}

/// Runs a session on a zkc executor that keeps one instance across calls (the reference
/// interpreter) with replay semantics.
pub fn replay(
    executor: &mut dyn Executor,
    module: &Module,
    calls: &[Call],
) -> Result<Vec<CallResult>, Trap> {
    replay_with(calls, |live| {
        let session = Session {
            module,
            calls: live.iter().map(|&c| c.clone()).collect(),
        };
        let mut r = executor.run(&session)?;
        if let Some(k) = r.iter().position(|x| x.is_err()) {
            r.truncate(k + 1);
        }
        Ok(r)
    })
}

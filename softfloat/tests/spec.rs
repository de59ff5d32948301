//! The wasm spec float scripts through frontend → `lower_floats` → verifier → interpreter:
//! every assert_return and assert_trap must pass.

use zkc::wast::{run_script, Call, CallResult, Executor, InterpExecutor, Session};
use zkc_ir::interp::{Trap, Val};
use zkc_ir::{ExportKind, Module, Type};

/// Lowers each session's module, then runs it on the interpreter with float arguments passed
/// as their bits (plus any signature padding) and integer results read back as floats.
struct Lowered;

fn to_int(v: Val) -> Val {
    match v {
        Val::F32(x) => Val::I32(x),
        Val::F64(x) => Val::I64(x),
        v => v,
    }
}

fn back(v: Val, ty: Type) -> Val {
    Val::from_bits(ty, v.bits())
}

impl Executor for Lowered {
    fn run(&mut self, session: &Session) -> Result<Vec<CallResult>, Trap> {
        let orig: &Module = session.module;
        let mut m = orig.clone();
        zkc_softfloat::lower_floats(&mut m).map_err(|e| Trap::Host(e.to_string()))?;
        zkc_ir::verify::verify_module(&m)
            .map_err(|e| Trap::Host(format!("verifier after lowering: {e}")))?;
        zkc_softfloat::float_free(&m).map_err(|e| Trap::Host(format!("float left: {e}")))?;
        let mut result_tys = vec![];
        let calls = session
            .calls
            .iter()
            .map(|c| match c {
                Call::Invoke { export, args } => {
                    let f = orig.export_func(export);
                    result_tys.push(f.map(|f| orig.funcs[f].sig.results.clone()));
                    let mut args: Vec<Val> = args.iter().map(|&a| to_int(a)).collect();
                    if let Some(f) = f {
                        args.resize(m.funcs[f].sig.params.len(), Val::I32(0));
                    }
                    Call::Invoke {
                        export: export.clone(),
                        args,
                    }
                }
                Call::Get { export } => {
                    let g = orig.exports.iter().find_map(|e| match e.kind {
                        ExportKind::Global(g) if e.name == *export => Some(g),
                        _ => None,
                    });
                    result_tys.push(g.map(|g| vec![orig.globals[g].ty]));
                    c.clone()
                }
            })
            .collect();
        let lowered = Session { module: &m, calls };
        let results = InterpExecutor.run(&lowered)?;
        Ok(results
            .into_iter()
            .zip(result_tys)
            .map(|(r, tys)| {
                r.map(|vals| match tys {
                    Some(tys) => vals.into_iter().zip(tys).map(|(v, t)| back(v, t)).collect(),
                    None => vals,
                })
            })
            .collect())
    }
}

const FILES: &[&str] = &[
    "f32",
    "f32_bitwise",
    "f32_cmp",
    "f64",
    "f64_bitwise",
    "f64_cmp",
    "float_exprs",
    "float_literals",
    "float_memory",
    "float_misc",
    "conversions",
];

#[test]
fn spec_float_scripts_pass_after_lowering() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/wasm-testsuite");
    let mut bad = vec![];
    for name in FILES {
        let path = dir.join(format!("{name}.wast"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        let native = run_script(&text, &mut InterpExecutor).unwrap();
        let report = run_script(&text, &mut Lowered).unwrap();
        eprintln!("{name}: {report} (native interpreter: {native})");
        if report.failed > 0 || report.passed != native.passed {
            bad.push(format!(
                "{name}: {report}\n  {}",
                report
                    .failures
                    .iter()
                    .take(10)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

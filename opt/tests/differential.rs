//! Differential tests: optimized and unoptimized modules behave the same in the interpreter.

use std::path::Path;
use zkc_ir::interp::{run_command, Instance, Limits, Val, WasiHost};
use zkc_ir::text::parse_module;
use zkc_ir::{ExportKind, Module, Type};
use zkc_testkit::{bench_dir, files};

fn optimize(m: &Module, level: u8, what: &str) -> Module {
    let mut m = m.clone();
    zkc_opt::run_pipeline(&zkc_opt::passes_for_level(level), &mut m, true)
        .unwrap_or_else(|e| panic!("{what} -O{level}: {e}"));
    m
}

/// Every bench program prints the same and exits the same at -O0, -O1 and -O2.
#[test]
fn bench_programs() {
    let only = std::env::var("ZKC_BENCH_ONLY").ok();
    let expected = bench_dir().join("expected");
    let mut failures = Vec::new();
    for path in files(&bench_dir().join("wasm"), "wasm") {
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        if only.as_ref().is_some_and(|o| !name.contains(o.as_str())) {
            continue;
        }
        let m = zkc_frontend_wasm::translate(&std::fs::read(&path).unwrap()).unwrap();
        let stdin = std::fs::read(expected.join(format!("{name}.stdin"))).unwrap_or_default();
        let base = run_command(&m, &stdin, Limits::default());
        for level in [1, 2] {
            let o = optimize(&m, level, &name);
            let out = run_command(&o, &stdin, Limits::default());
            if out.stdout != base.stdout || out.exit != base.exit {
                failures.push(format!(
                    "{name} -O{level}: exit {:?} (want {:?}), stdout {} bytes (want {})",
                    out.exit,
                    base.exit,
                    out.stdout.len(),
                    base.stdout.len()
                ));
            } else {
                eprintln!(
                    "{name} -O{level}: ok, {} -> {} interpreter steps, {} -> {} insts",
                    base.fuel_used,
                    out.fuel_used,
                    zkc_opt::util::module_size(&m),
                    zkc_opt::util::module_size(&o)
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Passes run together, function by function (`Between::Fuse`, what a release compile does),
/// give the module and reports of the same passes run one after the other with the verifier
/// between them (what every other test runs), on every bench program at -O1 and -O2.
#[test]
fn fused_passes_match_pass_by_pass() {
    use zkc_opt::Between;
    for path in files(&bench_dir().join("wasm"), "wasm") {
        let m = zkc_frontend_wasm::translate(&std::fs::read(&path).unwrap()).unwrap();
        for level in [1, 2] {
            let passes = zkc_opt::passes_for_level(level);
            let run = |between| {
                let (mut m, mut fused) = (m.clone(), Vec::new());
                let reports =
                    zkc_opt::run_pipeline_with(&passes, &mut m, between, &mut |k, _, _, _| {
                        fused.push(k)
                    });
                (zkc_ir::text::print_module(&m), reports.unwrap(), fused)
            };
            let (text, reports, order) = run(Between::Fuse);
            let (want_text, want_reports, want_order) = run(Between::Verify);
            let what = format!("{} -O{level}", path.display());
            assert!(
                text == want_text,
                "{what}: the fused passes' module differs"
            );
            assert_eq!(reports, want_reports, "{what}");
            assert_eq!(
                order, want_order,
                "{what}: every pass is reported, in order"
            );
        }
    }
}

/// A few deterministic integer arguments.
fn args_for(params: &[Type], seed: u64) -> Option<Vec<Val>> {
    const SMALL: [i64; 6] = [0, 1, 7, 17, 100, -3];
    params
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let x = SMALL[(seed as usize + i * 5) % SMALL.len()];
            match t {
                Type::I32 => Some(Val::i32(x as i32)),
                Type::I64 => Some(Val::i64(x)),
                _ => None,
            }
        })
        .collect()
}

fn call_all(m: &Module) -> Vec<String> {
    let mut out = Vec::new();
    for e in &m.exports {
        let ExportKind::Func(f) = e.kind else {
            continue;
        };
        for seed in 0..6 {
            let Some(args) = args_for(&m.funcs[f].sig.params, seed) else {
                continue;
            };
            let mut inst = match Instance::new(m, WasiHost::new(b""), Limits::with_fuel(10_000_000))
            {
                Ok(i) => i,
                Err(e) => {
                    out.push(format!("instantiate: {e}"));
                    break;
                }
            };
            let r = inst.invoke_export(&e.name, &args);
            let r = match r {
                Ok(vals) => format!("{:?}", vals.iter().map(|v| v.bits()).collect::<Vec<_>>()),
                Err(t) => format!("trap {t}"),
            };
            let stdout = String::from_utf8_lossy(&inst.host().stdout).to_string();
            out.push(format!("{}{:?} = {r} {stdout:?}", e.name, args));
        }
    }
    out
}

/// Every `.zir` example of the IR crate and of this crate's inputs: the exports give the same
/// results on a few arguments.
#[test]
fn zir_files() {
    let mut paths = files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../ir/tests/zir"),
        "zir",
    );
    paths.extend(files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inputs"),
        "zir",
    ));
    assert!(!paths.is_empty());
    for path in paths {
        let m = parse_module(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let base = call_all(&m);
        for level in [1, 2] {
            let o = optimize(&m, level, &path.display().to_string());
            assert_eq!(call_all(&o), base, "{} -O{level}", path.display());
        }
    }
}

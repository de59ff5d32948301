//! Every bench module translates to IR that verifies.

use zkc_testkit::{bench_dir, files};

#[test]
fn bench_modules_translate_and_verify() {
    let mut paths = files(&bench_dir().join("wasm"), "wasm");
    paths.extend(files(&bench_dir().join("src/wat"), "wat"));
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        let m = zkc_frontend_wasm::translate(&bytes)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if let Err(e) = zkc_ir::verify::verify_module(&m) {
            panic!("{}: verifier: {e}", path.display());
        }
    }
}

/// The acceptance test: every bench program, translated and run by the reference
/// interpreter with its stdin, prints exactly its expected stdout and exits as expected.
#[test]
fn bench_programs_run_in_the_interpreter() {
    use zkc_ir::interp::{run_command, Exit, Limits};
    let expected = bench_dir().join("expected");
    let mut failures = Vec::new();
    for path in files(&bench_dir().join("wasm"), "wasm") {
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let m = zkc_frontend_wasm::translate(&std::fs::read(&path).unwrap()).unwrap();
        let stdin = std::fs::read(expected.join(format!("{name}.stdin"))).unwrap_or_default();
        let want = std::fs::read(expected.join(format!("{name}.stdout"))).unwrap();
        let want_code: i32 = std::fs::read_to_string(expected.join(format!("{name}.exitcode")))
            .map(|s| s.trim().parse().unwrap())
            .unwrap_or(0);
        let out = run_command(&m, &stdin, Limits::default());
        if out.stdout != want || out.exit != Exit::Code(want_code) {
            failures.push(format!(
                "{name}: exit {:?} (want {want_code}), stdout {} bytes (want {}){}",
                out.exit,
                out.stdout.len(),
                want.len(),
                if out.stdout == want {
                    ""
                } else {
                    ", stdout differs"
                }
            ));
        } else {
            eprintln!("{name}: ok ({} instructions)", out.fuel_used);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

//! The wasm spec tests (../shared/wasm-testsuite, and tests/wasm-testsuite) through the
//! frontend and each executor: the reference interpreter, and compiled ZisK code on zkc's
//! emulator. Prints a per-file table;
//! fails when a file passes fewer assertions, or fails more, than
//! `tests/spec-expected-BACKEND.txt` records. After an improvement, update those files with
//! `ZKC_BLESS_SPEC=1 cargo test --test spec` and review their diff.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use zkc::driver::OptLevel;
use zkc::wast::{run_script, Executor, InterpExecutor, Optimized, Report};
use zkc::wast_zisk::ZiskExecutor;

/// The shared subset of the spec tests, and the files of the same suite this repository adds
/// (`tests/wasm-testsuite/README.md`).
fn suite_dirs() -> [PathBuf; 2] {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        root.join("../shared/wasm-testsuite"),
        root.join("tests/wasm-testsuite"),
    ]
}

fn expected_path(backend: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/spec-expected-{backend}.txt"))
}

/// `file passed failed skipped` per line; `#` comments.
fn read_expected(backend: &str) -> BTreeMap<String, (usize, usize, usize)> {
    let text = std::fs::read_to_string(expected_path(backend)).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let n = |i: usize| f[i].parse::<usize>().expect("count");
            (f[0].to_string(), (n(1), n(2), n(3)))
        })
        .collect()
}

#[test]
fn spec_suite_through_interpreter() {
    check_suite("interp", &mut InterpExecutor, true);
}

/// The optimizer's differential test over the spec suite: the IR after `-O1` and after `-O2`
/// runs in the interpreter with the same results as the frontend's.
#[test]
fn spec_suite_through_interpreter_after_o1() {
    check_suite("interp", &mut optimized(OptLevel::O1), false);
}

#[test]
fn spec_suite_through_interpreter_after_o2() {
    check_suite("interp", &mut optimized(OptLevel::O2), false);
}

fn optimized(level: OptLevel) -> Optimized<InterpExecutor> {
    Optimized {
        level,
        inner: InterpExecutor,
    }
}

/// Through the whole ZisK pipeline at the default level (`-O2`).
#[test]
fn spec_suite_through_zisk_backend() {
    check_suite("zisk", &mut ZiskExecutor::default(), true);
}

#[test]
fn spec_suite_through_zisk_backend_at_o0() {
    check_suite("zisk", &mut zisk_at(OptLevel::O0), false);
}

#[test]
fn spec_suite_through_zisk_backend_at_o1() {
    check_suite("zisk", &mut zisk_at(OptLevel::O1), false);
}

fn zisk_at(level: OptLevel) -> ZiskExecutor {
    let mut e = ZiskExecutor::default();
    e.options.opt_level = level;
    e
}

fn check_suite(backend: &str, executor: &mut dyn Executor, bless: bool) {
    let mut files: Vec<PathBuf> = suite_dirs()
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap_or_else(|e| panic!("{}: {e}", d.display())))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wast"))
        .collect();
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    assert!(!files.is_empty());
    for w in files.windows(2) {
        assert_ne!(
            w[0].file_name(),
            w[1].file_name(),
            "a spec file in both suites"
        );
    }
    let expected = read_expected(backend);
    let mut total = Report::default();
    let mut regressions = Vec::new();
    let mut blessed = format!("# {backend}: file passed failed skipped (tests/spec.rs)\n");
    println!(
        "{:<28} {:>7} {:>7} {:>7}",
        "file", "passed", "failed", "skipped"
    );
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let r = run_script(&text, executor).unwrap_or_else(|e| panic!("{name}: {e}"));
        println!(
            "{name:<28} {:>7} {:>7} {:>7}",
            r.passed, r.failed, r.skipped
        );
        for f in &r.failures {
            println!("    {name}:{f}");
        }
        blessed.push_str(&format!("{name} {} {} {}\n", r.passed, r.failed, r.skipped));
        match expected.get(&name) {
            Some(&(p, f, _)) if r.passed < p || r.failed > f => regressions.push(format!(
                "{name}: {r}; expected at least {p} passed, at most {f} failed"
            )),
            None => regressions.push(format!("{name}: not in spec-expected-{backend}.txt")),
            _ => {}
        }
        total.passed += r.passed;
        total.failed += r.failed;
        total.skipped += r.skipped;
    }
    println!(
        "{:<28} {:>7} {:>7} {:>7}",
        "total", total.passed, total.failed, total.skipped
    );
    if bless && std::env::var_os("ZKC_BLESS_SPEC").is_some() {
        std::fs::write(expected_path(backend), blessed).unwrap();
        return;
    }
    assert!(
        regressions.is_empty(),
        "spec regressions:\n{}",
        regressions.join("\n")
    );
}

//! Every bench module translates to IR that verifies.

use std::path::{Path, PathBuf};

fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/bench")
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no .{ext} files in {}", dir.display());
    v
}

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

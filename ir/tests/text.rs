//! The `.zir` text format: round trips, parse errors, robustness.

use std::fs;
use std::path::PathBuf;
use zkc_ir::text::{parse_module, print_module};

fn zir_files() -> Vec<(PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/zir");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("tests/zir exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "zir"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = fs::read_to_string(&p).expect("readable .zir file");
            (p, text)
        })
        .collect()
}

#[test]
fn round_trip() {
    let files = zir_files();
    assert!(!files.is_empty());
    for (path, text) in files {
        let m = parse_module(&text).unwrap_or_else(|e| panic!("{}:{e}", path.display()));
        let printed = print_module(&m);
        assert_eq!(printed, text, "{} does not round-trip", path.display());
    }
}

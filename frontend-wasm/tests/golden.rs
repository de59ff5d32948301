//! Golden tests: the printed IR of every `.wat` in `tests/wat/` and in the bench sources, one
//! insta snapshot per file (`cargo insta review` to bless; CI runs with `INSTA_UPDATE=no`).
//! Each translated module must also verify, and its text must round-trip through the parser.

use std::path::Path;

fn golden(path: &Path) -> String {
    let src = std::fs::read(path).unwrap();
    let m =
        zkc_frontend_wasm::translate(&src).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if let Err(e) = zkc_ir::verify::verify_module(&m) {
        panic!("{}: verifier: {e}", path.display());
    }
    let text = zkc_ir::text::print_module(&m);
    let reparsed = zkc_ir::text::parse_module(&text)
        .unwrap_or_else(|e| panic!("{}: printed IR does not parse: {e:?}", path.display()));
    assert_eq!(
        zkc_ir::text::print_module(&reparsed),
        text,
        "{}: round trip",
        path.display()
    );
    text
}

#[test]
fn focused_wat() {
    insta::glob!("wat/*.wat", |path| {
        insta::assert_snapshot!(golden(path));
    });
}

#[test]
fn bench_wat() {
    insta::glob!("../../../shared/bench/src/wat", "*.wat", |path| {
        insta::assert_snapshot!(golden(path));
    });
}

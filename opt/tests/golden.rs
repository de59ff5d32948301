//! Golden tests: each `tests/inputs/*.zir` names the passes to run on its first line
//! (`; passes: dce simplify-cfg`); the snapshot is the IR text after them, verified after every
//! pass. Re-bless with `INSTA_UPDATE=always` or `cargo insta review`; CI never blesses.

use zkc_ir::text::{parse_module, print_module};

#[test]
fn passes() {
    insta::glob!("inputs/*.zir", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let passes: Vec<&str> = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("; passes:"))
            .unwrap_or_else(|| panic!("{}: first line must be `; passes: ...`", path.display()))
            .split_whitespace()
            .collect();
        let mut m = parse_module(&text).unwrap_or_else(|e| panic!("{}:{e}", path.display()));
        zkc_ir::verify::verify_module(&m).unwrap();
        let reports = zkc_opt::run_pipeline(&passes, &mut m, true)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut out = String::new();
        for r in &reports {
            out.push_str(&format!("; {r}\n"));
        }
        out.push_str(&print_module(&m));
        insta::assert_snapshot!(out);
    });
}

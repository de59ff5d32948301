//! The fuzzer's own tests: a seed range known to pass passes, and a deliberately broken
//! comparison (wasmi's first integer result with its low bit flipped) is caught, so the
//! differential check can fail; malformed inputs are refused with the input class.

use zkc_fuzz::campaign::{self, Run};
use zkc_fuzz::diff::{self, Check, Outcome};
use zkc_fuzz::gen::Flavor;
use zkc_fuzz::malformed;

#[test]
fn known_good_int_seeds_pass() {
    let st = campaign::differential(Flavor::Int, 5, 5, &Run::default());
    assert_eq!(st.run, 5);
    assert!(st.calls > 0, "no export call was checked");
    assert_eq!(st.findings(), 0, "{:#?}", st.groups);
}

#[test]
fn known_good_float_seeds_pass() {
    let st = campaign::differential(Flavor::Float, 5, 5, &Run::default());
    assert_eq!(st.run, 5);
    assert!(st.calls > 0, "no export call was checked");
    assert_eq!(st.findings(), 0, "{:#?}", st.groups);
}

#[test]
fn tampered_oracle_is_detected() {
    diff::install_panic_hook();
    let check = Check {
        tamper: true,
        ..Check::default()
    };
    let mut detected = 0;
    for seed in 0..4 {
        if let Outcome::Checked { findings, .. } = diff::check_seed(seed, Flavor::Int, &check) {
            // Every stage that ran must see the flipped bit.
            detected += findings.len();
        }
    }
    assert!(detected > 0, "a corrupted expected result went unnoticed");
}

#[test]
fn nan_compare_is_canonical() {
    use zkc_ir::interp::Val;
    assert!(diff::same_val(
        &Val::F32(0x7fc0_0000),
        &Val::F32(0xffc0_0001)
    ));
    assert!(!diff::same_val(&Val::F32(0), &Val::F32(0x8000_0000)));
}

#[test]
fn truncated_module_is_an_input_error() {
    let bench = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/bench/wasm");
    let bases = malformed::bench_modules(&bench).expect("../shared/bench/wasm");
    let (_, wat_exit) = bases
        .iter()
        .find(|(n, _)| n == "wat_exit")
        .expect("wat_exit");
    let dir = std::env::temp_dir().join(format!("zkc-fuzz-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("truncated.wasm");
    std::fs::write(&path, &wat_exit[..wat_exit.len() / 2]).unwrap();
    assert_eq!(malformed::compile_one(&path), 1);
    std::fs::write(&path, wat_exit).unwrap();
    assert_eq!(malformed::compile_one(&path), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hostile_modules_are_valid() {
    for (name, _, wat) in malformed::hostile() {
        wat::parse_str(&wat).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

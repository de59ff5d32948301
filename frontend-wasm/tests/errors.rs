//! Refused input: unsupported features name the feature and the byte offset; malformed and
//! invalid modules give errors; damaged modules never panic.

use zkc_frontend_wasm::{translate, ErrorKind, FrontendError};

fn err(wat: &str) -> FrontendError {
    match translate(wat.as_bytes()) {
        Ok(_) => panic!("accepted: {wat}"),
        Err(e) => e,
    }
}

#[track_caller]
fn unsupported(wat: &str, feature: &str) {
    let e = err(wat);
    assert_eq!(
        e.kind,
        ErrorKind::Unsupported {
            feature: feature.into()
        },
        "{wat}: {e}"
    );
    assert!(e.offset.is_some(), "{wat}: no offset: {e}");
    assert!(
        e.to_string()
            .contains(&format!("unsupported feature: {feature}")),
        "{e}"
    );
}

#[test]
fn unsupported_features() {
    unsupported("(module (func (drop (v128.const i32x4 0 0 0 0))))", "SIMD");
    unsupported("(module (func (param v128)))", "SIMD");
    unsupported("(module (memory 1 1 shared))", "threads");
    unsupported(
        "(module (memory 1) (func (drop (i32.atomic.load (i32.const 0)))))",
        "threads",
    );
    unsupported("(module (tag $e))", "exceptions");
    unsupported("(module (func (try_table)))", "exceptions");
    unsupported("(module (memory i64 1))", "memory64");
    unsupported("(module (memory 1) (memory 1))", "multiple memories");
    unsupported("(module (func (return_call 0)))", "tail calls");
    unsupported("(module (type (struct)))", "GC");
    let e = err("(module (global i32 (i32.ctz (i32.const 1))))");
    assert_eq!(e.kind, ErrorKind::Invalid, "{e}");
}

#[test]
fn reference_types_and_extended_constants_translate() {
    for wat in [
        "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))",
        "(module (func (param funcref externref)))",
        "(module (table 1 externref) (func (drop (table.get 0 (i32.const 0)))))",
        // typed function references are erased to funcref
        "(module (type $t (func)) (func (param (ref null $t)) (result funcref) (local.get 0)))",
    ] {
        zkc_frontend_wasm::translate(wat.as_bytes()).unwrap_or_else(|e| panic!("{wat}: {e}"));
    }
}

#[test]
fn function_reference_operators_are_refused() {
    for wat in [
        "(module (type $t (func)) (func (param (ref null $t)) (call_ref $t (local.get 0))))",
        "(module (func (param funcref) (drop (ref.as_non_null (local.get 0)))))",
        "(module (func (param funcref) (block (br_on_null 0 (local.get 0)) (drop))))",
        // also in dead code
        "(module (func (param funcref) unreachable (drop (ref.as_non_null (local.get 0)))))",
        "(module (table 1 funcref (ref.null func)))",
    ] {
        unsupported(wat, "function references");
    }
}

#[test]
fn display() {
    let e = err("(module (func (drop (v128.const i32x4 0 0 0 0))))");
    let s = e.to_string();
    assert!(s.starts_with("error at 0x"), "{s}");
    assert!(s.ends_with(": unsupported feature: SIMD"), "{s}");
}

#[test]
fn malformed_and_invalid() {
    let e = translate(b"\0asm\x01\0\0\0\x01\x05").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Malformed, "{e}");
    let e = translate(b"not wasm at all").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Malformed, "{e}");
    let e = translate(b"\0asm\x02\0\0\0").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Malformed, "{e}");
    let e = err("(module (func (result i32) (i64.const 0)))");
    assert_eq!(e.kind, ErrorKind::Invalid, "{e}");
    assert!(e.offset.is_some());
    let e = err("(module (func (call 7)))");
    assert_eq!(e.kind, ErrorKind::Invalid, "{e}");
}

/// Truncated and byte-flipped bench modules: an error or a module that verifies, never a panic.
#[test]
fn damaged_modules_never_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/bench/wasm");
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut accepted, mut tried) = (0, 0);
    for name in [
        "wat_control",
        "wat_bulk",
        "wat_calls",
        "c_fib",
        "c_sort",
        "rs_fib",
    ] {
        let bytes = std::fs::read(dir.join(format!("{name}.wasm"))).unwrap();
        let n = bytes.len();
        let mut cases: Vec<Vec<u8>> = Vec::new();
        for i in 0..60 {
            cases.push(bytes[..n * i / 60].to_vec());
        }
        for _ in 0..150 {
            let mut b = bytes.clone();
            for _ in 0..1 + rand() % 3 {
                let at = (rand() % n as u64) as usize;
                b[at] ^= 1 << (rand() % 8);
            }
            cases.push(b);
        }
        for case in cases {
            tried += 1;
            if let Ok(m) = translate(&case) {
                accepted += 1;
                if let Err(e) = zkc_ir::verify::verify_module(&m) {
                    panic!("{name}: a damaged module translated to IR that does not verify: {e}");
                }
            }
        }
    }
    eprintln!("{accepted} of {tried} damaged modules still valid");
}

/// wasm-ld writes `call_indirect`'s table index as a 5-byte LEB; it must be accepted.
#[test]
fn padded_leb_call_indirect_is_accepted() {
    #[rustfmt::skip]
    let wasm = [
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type 0: () -> ()
        0x03, 0x02, 0x01, 0x00, // func 0: type 0
        0x04, 0x04, 0x01, 0x70, 0x00, 0x01, // table funcref min 1
        0x0a, 0x0d, 0x01, 0x0b, 0x00, // code: one body of 11 bytes, no locals
        0x41, 0x00, // i32.const 0
        0x11, 0x00, 0x80, 0x80, 0x80, 0x80, 0x00, // call_indirect type 0, table 0 (padded)
        0x0b,
    ];
    let m = translate(&wasm).unwrap_or_else(|e| panic!("{e}"));
    zkc_ir::verify::verify_module(&m).unwrap();
}

/// Issue #19: bytes that look binary (a NUL or invalid UTF-8 near the start) are a wasm binary
/// with a bad magic number, not wasm text with a syntax error; so is anything
/// [`translate_binary`] gets without the magic.
#[test]
fn bad_magic_is_named_at_offset_0() {
    use zkc_frontend_wasm::translate_binary;
    let bad_magic = |e: FrontendError, found: &str| {
        assert_eq!(
            (e.kind.clone(), e.offset),
            (ErrorKind::Malformed, Some(0)),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            format!("error at 0x0: malformed module: bad magic: expected \\0asm, found {found}")
        );
    };
    bad_magic(translate(b"\0asn\x01\0\0\0").unwrap_err(), "00 61 73 6e");
    bad_magic(
        translate(b"\x7fELF\x02\x01\x01").unwrap_err(),
        "7f 45 4c 46",
    );
    bad_magic(translate(b"\xff\xfe(module)").unwrap_err(), "ff fe 28 6d");
    bad_magic(translate_binary(b"(module)").unwrap_err(), "28 6d 6f 64");
    bad_magic(
        translate_binary(b"\0a").unwrap_err(),
        "00 61 (the file ends)",
    );
    assert!(translate_binary(&wat::parse_str("(module)").unwrap()).is_ok());
    // Text is still text, whatever its errors.
    let e = translate(b"(module (func (nop)").unwrap_err();
    assert!(!e.to_string().contains("magic"), "{e}");
    assert!(translate("(module (func (export \"\u{e9}\")))".as_bytes()).is_ok());
}

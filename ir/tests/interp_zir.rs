//! Runs `.zir` programs in the reference interpreter and checks their results: the files of
//! `ir/tests/zir/` (expectations kept here, since `.zir` comments do not survive the printer's
//! round trip) and a few inline programs.

use std::path::Path;
use zkc_ir::interp::{run_command, Exit, Instance, Limits, NoHost, Trap, Val, WasiHost};
use zkc_ir::{text, TrapCode};

type Outcome = Result<Vec<Val>, Trap>;

fn ok(vals: &[Val]) -> Outcome {
    Ok(vals.to_vec())
}

fn trap(c: TrapCode) -> Outcome {
    Err(Trap::Wasm(c))
}

/// (file, export, arguments, expected outcome); one instance per file, calls in order.
fn cases() -> Vec<(&'static str, &'static str, Vec<Val>, Outcome)> {
    let (i, l) = (Val::i32, Val::i64);
    vec![
        ("br_table.zir", "calc", vec![i(0), i(5), i(3)], ok(&[i(8)])),
        ("br_table.zir", "calc", vec![i(1), i(5), i(3)], ok(&[i(2)])),
        ("br_table.zir", "calc", vec![i(2), i(5), i(3)], ok(&[i(15)])),
        ("br_table.zir", "calc", vec![i(3), i(5), i(3)], ok(&[i(-1)])),
        (
            "br_table.zir",
            "calc",
            vec![i(-1), i(5), i(3)],
            ok(&[i(-1)]),
        ),
        ("fac_iter.zir", "fac", vec![l(0)], ok(&[l(1)])),
        (
            "fac_iter.zir",
            "fac",
            vec![l(20)],
            ok(&[l(2432902008176640000)]),
        ),
        ("fac_rec.zir", "fac", vec![l(10)], ok(&[l(3628800)])),
        // (2^64 - 1)^2 = 2^128 - 2^65 + 1: high half 2^64 - 2.
        (
            "i64_arith.zir",
            "mul_hi_u",
            vec![l(-1), l(-1)],
            ok(&[l(-2)]),
        ),
        (
            "i64_arith.zir",
            "mul_hi_u",
            vec![l(1 << 40), l(1 << 40)],
            ok(&[l(1 << 16)]),
        ),
        ("i64_arith.zir", "mul_hi_u", vec![l(-1), l(3)], ok(&[l(2)])),
        (
            "fac_rec.zir",
            "fac",
            vec![l(25)],
            ok(&[l(7034535277573963776)]),
        ),
        (
            "multi_value.zir",
            "divmod",
            vec![i(17), i(5)],
            ok(&[i(3), i(2)]),
        ),
        (
            "multi_value.zir",
            "divmod",
            vec![i(1), i(0)],
            trap(TrapCode::IntDivByZero),
        ),
        (
            "multi_value.zir",
            "swap",
            vec![l(1), l(2)],
            ok(&[l(2), l(1)]),
        ),
        (
            "multi_value.zir",
            "digits",
            vec![i(987)],
            ok(&[i(9), i(8), i(7)]),
        ),
        ("primes.zir", "count_primes", vec![i(100)], ok(&[i(25)])),
        ("primes.zir", "count_primes", vec![i(10000)], ok(&[i(1229)])),
        ("sum.zir", "sum", vec![i(100)], ok(&[i(5050)])),
        ("sum.zir", "sum", vec![i(0)], ok(&[i(0)])),
        ("table_ops.zir", "run", vec![], ok(&[i(42)])),
        ("call_indirect.zir", "apply", vec![i(0), i(7)], ok(&[i(14)])),
        ("call_indirect.zir", "apply", vec![i(1), i(7)], ok(&[i(49)])),
        (
            "call_indirect.zir",
            "apply",
            vec![i(2), i(7)],
            trap(TrapCode::UninitializedElement),
        ),
        (
            "call_indirect.zir",
            "apply",
            vec![i(3), i(7)],
            trap(TrapCode::BadSignature),
        ),
        (
            "call_indirect.zir",
            "apply",
            vec![i(4), i(7)],
            trap(TrapCode::UndefinedElement),
        ),
        (
            "call_indirect.zir",
            "apply2",
            vec![i(3), i(2), i(3)],
            ok(&[i(5)]),
        ),
        ("globals.zir", "bump", vec![i(5)], ok(&[i(1005)])),
        ("globals.zir", "bump", vec![i(10)], ok(&[i(1015)])),
        ("globals.zir", "acc", vec![], ok(&[l(i64::MIN + 15)])),
        ("convert.zir", "c_to_f", vec![i(100)], ok(&[i(212)])),
        ("convert.zir", "c_to_f", vec![i(-40)], ok(&[i(-40)])),
        (
            "convert.zir",
            "mix",
            vec![l(0x1_8000_0005)],
            ok(&[
                i(-0x7fff_fffb),
                l(-0x7fff_fffb),
                l(0x8000_0005),
                i(i32::MAX),
                Val::I32(0x4049_0fdb),
            ]),
        ),
        ("convert.zir", "to_u32", vec![Val::f64(3.9)], ok(&[i(3)])),
        (
            "convert.zir",
            "to_u32",
            vec![Val::f64(-1.0)],
            trap(TrapCode::IntOverflow),
        ),
        (
            "convert.zir",
            "to_u32",
            vec![Val::f64(f64::NAN)],
            trap(TrapCode::BadConversion),
        ),
        ("trap_unreachable.zir", "check", vec![i(3)], ok(&[i(3)])),
        (
            "trap_unreachable.zir",
            "check",
            vec![i(0)],
            trap(TrapCode::Unreachable),
        ),
        ("trap_divz.zir", "div", vec![i(-7), i(2)], ok(&[i(-3)])),
        (
            "trap_divz.zir",
            "div",
            vec![i(7), i(0)],
            trap(TrapCode::IntDivByZero),
        ),
        (
            "trap_divz.zir",
            "div",
            vec![i(i32::MIN), i(-1)],
            trap(TrapCode::IntOverflow),
        ),
        ("trap_divz.zir", "rem", vec![l(-1), l(10)], ok(&[l(5)])),
        (
            "trap_divz.zir",
            "rem",
            vec![l(7), l(0)],
            trap(TrapCode::IntDivByZero),
        ),
        ("hello.zir", "_start", vec![], ok(&[])),
        (
            "memory.zir",
            "widths",
            vec![],
            ok(&[
                i(141),
                l(4294973889),
                l(0x0102_0304_0506_0708),
                Val::f32(1.5),
                Val::f64(2.5),
            ]),
        ),
        ("select.zir", "max", vec![i(3), i(9)], ok(&[i(9)])),
        ("select.zir", "max", vec![i(-1), i(-5)], ok(&[i(-1)])),
        ("select.zir", "abs", vec![l(-7)], ok(&[l(7)])),
        ("select.zir", "abs", vec![l(i64::MIN)], ok(&[l(i64::MIN)])),
        (
            "select.zir",
            "fmin",
            vec![Val::f64(1.0), Val::f64(2.0)],
            ok(&[Val::f64(1.0)]),
        ),
        (
            "select.zir",
            "fmin",
            vec![Val::f64(f64::NAN), Val::f64(2.0)],
            ok(&[Val::f64(2.0)]),
        ),
        (
            "zisk.zir",
            "main",
            vec![],
            ok(&[l(0x88), l(0x7788), l(0x5566_7788), l(0x12ff_0000)]),
        ),
    ]
}

#[test]
fn zir_files_run_with_expected_results() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/zir");
    let cases = cases();
    let mut files: Vec<&str> = cases.iter().map(|c| c.0).collect();
    files.dedup();
    let mut failures = vec![];
    for file in &files {
        let src = std::fs::read_to_string(dir.join(file)).unwrap();
        let module = text::parse_module(&src).unwrap_or_else(|e| panic!("{file}:{e}"));
        let mut host = WasiHost::new(b"");
        let mut inst = Instance::new(&module, &mut host, Limits::default())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        for (_, export, args, want) in cases.iter().filter(|c| c.0 == *file) {
            let got = inst.invoke_export(export, args);
            if &got != want {
                failures.push(format!(
                    "{file}: {export}{args:?} = {got:?}, expected {want:?}"
                ));
            }
        }
        if *file == "globals.zir" {
            assert_eq!(inst.export_global("counter"), Some(Val::i32(1015)));
        }
        drop(inst);
        let stdout = String::from_utf8_lossy(&host.stdout);
        match *file {
            "hello.zir" => assert_eq!(stdout, "hello, world\n"),
            "zisk.zir" => {
                assert_eq!(stdout, "Hi");
                assert_eq!(host.pubout.get(&0), Some(&42));
            }
            _ => assert_eq!(stdout, "", "{file}"),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Files without expectations are still parsed and instantiated.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.extension().is_some_and(|e| e == "zir") && !files.contains(&name.as_str()) {
            eprintln!("note: {name} has no interpreter expectations in interp_zir.rs");
            // Parse errors are the text format's tests' business.
            if let Ok(module) = text::parse_module(&std::fs::read_to_string(&path).unwrap()) {
                let inst = Instance::new(&module, WasiHost::new(b""), Limits::default());
                assert!(inst.is_ok(), "{name}: {}", inst.err().unwrap());
            }
        }
    }
}

const HELLO: &str = r#"memory 1
data d0 active i32.const 16 = "hello from zir\0a"
import func @fd_write(i32, i32, i32, i32) -> i32 = "wasi_snapshot_preview1" "fd_write"
import func @proc_exit(i32) = "wasi_snapshot_preview1" "proc_exit"

func @_start() {
block0:
    v0 = i32.const 0
    v1 = i32.const 16
    i32.store v0, v1
    v2 = i32.const 15
    i32.store v0, v2 offset=4
    v3 = i32.const 1
    v4 = i32.const 8
    v5 = call @fd_write(v3, v0, v3, v4)
    v6 = i32.load v0 offset=8
    call @proc_exit(v6)
    trap unreachable
}
export "_start" func @_start
"#;

#[test]
fn zir_wasi_hello() {
    let module = text::parse_module(HELLO).unwrap();
    let out = run_command(&module, b"", Limits::default());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from zir\n");
    assert_eq!(
        out.exit,
        Exit::Code(15),
        "exit code is the number of bytes written"
    );
}

const MEMORY: &str = r#"memory 1 max 2
data d0 passive = "\01\02\03\04"

func @load(i32) -> i32 {
block0(v0: i32):
    v1 = i32.load v0 offset=4
    return v1
}

func @grow_and_init(i32) -> i32 {
block0(v0: i32):
    v1 = memory.grow v0
    v2 = i32.const 65536
    v3 = i32.const 0
    v4 = i32.const 4
    memory.init d0, v2, v3, v4
    data.drop d0
    v5 = i32.load8_s v2 offset=3
    v6 = i32.add v1, v5
    return v6
}
export "load" func @load
export "grow_and_init" func @grow_and_init
"#;

#[test]
fn zir_memory_bounds_and_growth() {
    let module = text::parse_module(MEMORY).unwrap();
    let mut inst = Instance::new(&module, NoHost, Limits::default()).unwrap();
    let i = Val::i32;
    let oob = trap(TrapCode::MemoryOutOfBounds);
    assert_eq!(inst.invoke_export("load", &[i(65528)]), ok(&[i(0)]));
    assert_eq!(inst.invoke_export("load", &[i(65529)]), oob);
    assert_eq!(
        inst.invoke_export("load", &[i(-4)]),
        oob,
        "addr + offset does not wrap"
    );
    // Page 1 does not exist yet: growing by 0 leaves memory.init out of bounds.
    assert_eq!(inst.invoke_export("grow_and_init", &[i(0)]), oob);
    assert_eq!(
        inst.invoke_export("grow_and_init", &[i(1)]),
        ok(&[i(1 + 4)])
    );
    assert_eq!(
        inst.invoke_export("load", &[i(65532)]),
        ok(&[i(0x0403_0201)])
    );
    // The segment is dropped now, and the memory is at its maximum.
    assert_eq!(inst.invoke_export("grow_and_init", &[i(0)]), oob);
    assert_eq!(inst.invoke_export("grow_and_init", &[i(1)]), oob);
    assert_eq!(inst.memory().pages(), 2);
}

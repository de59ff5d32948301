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

// ---- running the programs ------------------------------------------------------------------

use zkc_ir::interp::{Instance, Limits, Trap, Val, WasiHost};
use zkc_ir::Type;

/// An argument or expected result; floats are raw bits.
#[derive(Clone, Copy, Debug)]
enum Arg {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    /// A function reference by function index; `None` is null.
    FuncRef(Option<u32>),
    /// A host reference; `None` is null.
    ExternRef(Option<u32>),
}

impl Arg {
    fn val(self) -> Val {
        match self {
            Arg::I32(x) => Val::from_bits(Type::I32, x as u32 as u64),
            Arg::I64(x) => Val::from_bits(Type::I64, x as u64),
            Arg::F32(b) => Val::from_bits(Type::F32, b as u64),
            Arg::F64(b) => Val::from_bits(Type::F64, b),
            Arg::FuncRef(f) => Val::FuncRef(f.map(zkc_ir::FuncId::from_u32)),
            Arg::ExternRef(x) => Val::ExternRef(x),
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Expect {
    /// The results.
    Returns(&'static [Arg]),
    /// A wasm trap, by its text name (`int_divz`).
    Traps(&'static str),
}

/// One call of an export of a `.zir` file in `tests/zir`, in a fresh instance with a WASI host.
struct RunCase {
    file: &'static str,
    export: &'static str,
    args: &'static [Arg],
    expect: Expect,
    /// What the program writes to stdout (WASI `fd_write` or `zisk.uart`).
    stdout: &'static str,
}

const fn case(
    file: &'static str,
    export: &'static str,
    args: &'static [Arg],
    expect: Expect,
) -> RunCase {
    RunCase {
        file,
        export,
        args,
        expect,
        stdout: "",
    }
}

use zkc_testkit::Rng;
use Arg::*;
use Expect::*;

/// Every program, with its expected results. `syntax.zir` exercises the whole syntax; only
/// its simplest function is run.
const RUN_CASES: &[RunCase] = &[
    // table.set/fill/grow (the second grow passes the maximum: -1), call_indirect through the
    // set entries, table.get of a grown (null) entry, table.size.
    case("refs.zir", "run", &[], Returns(&[I32(42111)])),
    case(
        "refs.zir",
        "pick",
        &[ExternRef(Some(7)), ExternRef(None), I32(1)],
        Returns(&[ExternRef(Some(7))]),
    ),
    case(
        "refs.zir",
        "pick",
        &[ExternRef(Some(7)), ExternRef(None), I32(0)],
        Returns(&[ExternRef(None)]),
    ),
    case("refs.zir", "null_of", &[I32(1)], Returns(&[FuncRef(None)])),
    case(
        "refs.zir",
        "null_of",
        &[I32(0)],
        Returns(&[FuncRef(Some(0))]),
    ),
    case("refs.zir", "oob", &[], Traps("table_oob")),
    // The representation: externref 6 is 7, @two (function 1) is 2.
    case("refs.zir", "bits", &[I64(7)], Returns(&[I64(702)])),
    // An extended constant expression: 40 + -1 * (0 - 2).
    case("refs.zir", "k", &[], Returns(&[I64(42)])),
    case("sum.zir", "sum", &[I32(100)], Returns(&[I32(5050)])),
    case(
        "syntax.zir",
        "odd",
        &[F32(0x3fc00000), F64(0x4004000000000000)],
        Returns(&[I32(1), I64(2)]),
    ),
    case("sum.zir", "sum", &[I32(0)], Returns(&[I32(0)])),
    case("fac_rec.zir", "fac", &[I64(10)], Returns(&[I64(3628800)])),
    case(
        "fac_rec.zir",
        "fac",
        &[I64(20)],
        Returns(&[I64(2432902008176640000)]),
    ),
    case("fac_iter.zir", "fac", &[I64(0)], Returns(&[I64(1)])),
    case(
        "fac_iter.zir",
        "fac",
        &[I64(20)],
        Returns(&[I64(2432902008176640000)]),
    ),
    // Nested loops: primes below n by trial division.
    case(
        "primes.zir",
        "count_primes",
        &[I32(100)],
        Returns(&[I32(25)]),
    ),
    case(
        "primes.zir",
        "count_primes",
        &[I32(1000)],
        Returns(&[I32(168)]),
    ),
    case(
        "multi_value.zir",
        "divmod",
        &[I32(17), I32(5)],
        Returns(&[I32(3), I32(2)]),
    ),
    case(
        "multi_value.zir",
        "swap",
        &[I64(1), I64(2)],
        Returns(&[I64(2), I64(1)]),
    ),
    case(
        "multi_value.zir",
        "digits",
        &[I32(427)],
        Returns(&[I32(4), I32(2), I32(7)]),
    ),
    // br_table: 0 => a + b, 1 => a - b, 2 => a * b, otherwise -1.
    case(
        "br_table.zir",
        "calc",
        &[I32(0), I32(7), I32(3)],
        Returns(&[I32(10)]),
    ),
    case(
        "br_table.zir",
        "calc",
        &[I32(1), I32(7), I32(3)],
        Returns(&[I32(4)]),
    ),
    case(
        "br_table.zir",
        "calc",
        &[I32(2), I32(7), I32(3)],
        Returns(&[I32(21)]),
    ),
    case(
        "br_table.zir",
        "calc",
        &[I32(3), I32(7), I32(3)],
        Returns(&[I32(-1)]),
    ),
    case(
        "br_table.zir",
        "calc",
        &[I32(-1), I32(7), I32(3)],
        Returns(&[I32(-1)]),
    ),
    // Table [double, square, null, add].
    case(
        "call_indirect.zir",
        "apply",
        &[I32(0), I32(21)],
        Returns(&[I32(42)]),
    ),
    case(
        "call_indirect.zir",
        "apply",
        &[I32(1), I32(9)],
        Returns(&[I32(81)]),
    ),
    case(
        "call_indirect.zir",
        "apply",
        &[I32(2), I32(1)],
        Traps("null_elem"),
    ),
    case(
        "call_indirect.zir",
        "apply",
        &[I32(3), I32(1)],
        Traps("bad_sig"),
    ),
    case(
        "call_indirect.zir",
        "apply",
        &[I32(4), I32(1)],
        Traps("undef_elem"),
    ),
    case(
        "call_indirect.zir",
        "apply2",
        &[I32(3), I32(2), I32(5)],
        Returns(&[I32(7)]),
    ),
    // table.init + table.copy put [one, two] at t1[2..4]; 10 * table.size + t1[3]().
    case("table_ops.zir", "run", &[], Returns(&[I32(42)])),
    // Stores of every width, loads back: (sum of i32 loads, sum of i64 loads, i64, f32, f64).
    case(
        "memory.zir",
        "widths",
        &[],
        Returns(&[
            I32(141),
            I64(4294973889),
            I64(0x0102030405060708),
            F32(0x3fc00000),
            F64(0x4004000000000000),
        ]),
    ),
    // (size, grow 1, size, grow past max, i64 at 100 after fill/init/copy, load from page 2).
    case(
        "memory_bulk.zir",
        "bulk",
        &[],
        Returns(&[
            I32(1),
            I32(1),
            I32(2),
            I32(-1),
            I64(0x6b7a06050403aaaa),
            I32(7),
        ]),
    ),
    case("memory_bulk.zir", "init_after_drop", &[], Traps("heap_oob")),
    // The start function copied %base into %counter.
    case("globals.zir", "bump", &[I32(5)], Returns(&[I32(1005)])),
    case("globals.zir", "acc", &[], Returns(&[I64(i64::MIN)])),
    case(
        "trap_divz.zir",
        "div",
        &[I32(7), I32(2)],
        Returns(&[I32(3)]),
    ),
    case("trap_divz.zir", "div", &[I32(1), I32(0)], Traps("int_divz")),
    case(
        "trap_divz.zir",
        "div",
        &[I32(i32::MIN), I32(-1)],
        Traps("int_ovf"),
    ),
    case("trap_divz.zir", "rem", &[I64(7), I64(0)], Traps("int_divz")),
    case(
        "trap_unreachable.zir",
        "check",
        &[I32(3)],
        Returns(&[I32(3)]),
    ),
    case(
        "trap_unreachable.zir",
        "check",
        &[I32(0)],
        Traps("unreachable"),
    ),
    case("trap_oob.zir", "peek", &[I32(65528)], Returns(&[I32(0)])),
    case("trap_oob.zir", "peek", &[I32(65532)], Traps("heap_oob")),
    case("trap_oob.zir", "poke", &[I32(65535), I64(1)], Returns(&[])),
    case(
        "trap_oob.zir",
        "poke",
        &[I32(65536), I64(1)],
        Traps("heap_oob"),
    ),
    RunCase {
        stdout: "hello, world\n",
        ..case("hello.zir", "_start", &[], Returns(&[]))
    },
    case("select.zir", "max", &[I32(3), I32(-7)], Returns(&[I32(3)])),
    case("select.zir", "max", &[I32(-3), I32(7)], Returns(&[I32(7)])),
    case("select.zir", "abs", &[I64(-42)], Returns(&[I64(42)])),
    case(
        "select.zir",
        "fmin",
        &[F64(0x3ff8000000000000), F64(0xc000000000000000)],
        Returns(&[F64(0xc000000000000000)]),
    ),
    case("convert.zir", "c_to_f", &[I32(100)], Returns(&[I32(212)])),
    case("convert.zir", "c_to_f", &[I32(-40)], Returns(&[I32(-40)])),
    case("convert.zir", "c_to_f", &[I32(37)], Returns(&[I32(98)])),
    case(
        "convert.zir",
        "mix",
        &[I64(0x1_8000_0001)],
        Returns(&[
            I32(-2147483647),
            I64(-2147483647),
            I64(2147483649),
            I32(i32::MAX),
            I32(0x40490fdb),
        ]),
    ),
    case(
        "convert.zir",
        "to_u32",
        &[F64(0x400f333333333333)],
        Returns(&[I32(3)]),
    ),
    case(
        "convert.zir",
        "to_u32",
        &[F64(0x7ff8000000000000)],
        Traps("bad_toint"),
    ),
    case(
        "convert.zir",
        "to_u32",
        &[F64(0xbff0000000000000)],
        Traps("int_ovf"),
    ),
    case(
        "i64_arith.zir",
        "xorshift",
        &[I64(1), I32(1)],
        Returns(&[I64(1082269761)]),
    ),
    case(
        "i64_arith.zir",
        "xorshift",
        &[I64(88172645463325252), I32(10)],
        Returns(&[I64(-3900740768000157071)]),
    ),
    case(
        "i64_arith.zir",
        "bits",
        &[I64(0x0123456789abcdef)],
        Returns(&[
            I64(7),
            I64(0),
            I64(32),
            I64(2541551405711093505),
            I64(-1224658842671273011),
        ]),
    ),
    case(
        "i64_arith.zir",
        "divs",
        &[I64(-7), I64(2)],
        Returns(&[I64(-3), I64(-1), I64(9223372036854775804), I64(1)]),
    ),
    // Writes "Hi" to the UART, reads back machine memory: (0x88, 0x7788, 0x55667788, 0x12ff0000).
    RunCase {
        stdout: "Hi",
        ..case(
            "zisk.zir",
            "main",
            &[],
            Returns(&[I64(0x88), I64(0x7788), I64(0x55667788), I64(0x12ff0000)]),
        )
    },
];

fn load(file: &str) -> zkc_ir::Module {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/zir")
        .join(file);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_module(&text).unwrap_or_else(|e| panic!("{file}:{e}"))
}

#[test]
fn every_file_verifies() {
    for (path, text) in zir_files() {
        let m = parse_module(&text).unwrap_or_else(|e| panic!("{}:{e}", path.display()));
        if let Err(e) = zkc_ir::verify::verify_module(&m) {
            panic!("{}: {e:?}", path.display());
        }
    }
}

#[test]
fn every_file_has_run_cases() {
    for (path, _) in zir_files() {
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(
            RUN_CASES.iter().any(|c| c.file == name),
            "{name} has no entry in RUN_CASES"
        );
    }
}

#[test]
fn run_cases() {
    let mut failures = Vec::new();
    for c in RUN_CASES {
        let m = load(c.file);
        let mut host = WasiHost::new(b"");
        let args: Vec<Val> = c.args.iter().map(|a| a.val()).collect();
        let got = match Instance::new(&m, &mut host, Limits::default()) {
            Ok(mut inst) => inst.invoke_export(c.export, &args),
            Err(e) => Err(Trap::Host(e.to_string())),
        };
        let ok = match (&c.expect, &got) {
            (Returns(want), Ok(vals)) => {
                let want: Vec<(Type, u64)> = want
                    .iter()
                    .map(|a| (a.val().ty(), a.val().bits()))
                    .collect();
                let got: Vec<(Type, u64)> = vals.iter().map(|v| (v.ty(), v.bits())).collect();
                want == got
            }
            (Traps(code), Err(Trap::Wasm(t))) => t.name() == *code,
            _ => false,
        };
        if !ok || host.stdout != c.stdout.as_bytes() {
            failures.push(format!(
                "{} {}({:?}): expected {:?} with stdout {:?}, got {got:?} with stdout {:?}",
                c.file,
                c.export,
                c.args,
                c.expect,
                c.stdout,
                String::from_utf8_lossy(&host.stdout)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---- parse errors --------------------------------------------------------------------------

/// Parses `src`, expecting the error `line:col: message`.
fn error_of(src: &str) -> String {
    match parse_module(src) {
        Ok(m) => panic!("parsed, expected an error:\n{src}\nprinted:\n{m}"),
        Err(e) => e.to_string(),
    }
}

/// One input per kind of error, and the exact error it gives.
const PARSE_ERRORS: &[(&str, &str)] = &[
    // 0 syntax: missing `=`
    (
        "func @f() {\nblock0:\n    v1 i32.const 1\n}\n",
        r#"3:8: expected `,` or `=`, found `i32.const`"#,
    ),
    // 1 unknown function
    (
        "func @f() {\nblock0:\n    call @foo()\n    return\n}\n",
        r#"3:10: unknown function @foo"#,
    ),
    // 2 value defined twice
    (
        "func @f() {\nblock0:\n    v1 = i32.const 1\n    v1 = i32.const 2\n    return\n}\n",
        r#"4:5: value v1 is defined twice"#,
    ),
    // 3 undefined value
    (
        "func @f() -> i32 {\nblock0:\n    return v9\n}\n",
        r#"3:12: use of undefined value v9"#,
    ),
    // 4 unknown block
    (
        "func @f() {\nblock0:\n    jump block3\n}\n",
        r#"3:10: unknown block block3"#,
    ),
    // 5 duplicate function
    (
        "import func @f() = \"a\" \"b\"\n\nfunc @f() {\nblock0:\n    return\n}\n",
        r#"3:6: duplicate function name @f"#,
    ),
    // 6 wrong type/op combination
    (
        "func @f(f32) -> f32 {\nblock0(v0: f32):\n    v1 = f32.clz v0\n    return v1\n}\n",
        r#"3:10: `f32.clz` does not exist: `clz` is not an f32 operation"#,
    ),
    // 7 bad integer literal
    (
        "memory 12abc\n",
        r#"1:8: bad integer literal `12abc`"#,
    ),
    // 8 out of range
    (
        "func @f() {\nblock0:\n    v0 = i32.const 4294967296\n    return\n}\n",
        r#"3:20: integer literal `4294967296` is out of range for i32"#,
    ),
    // 9 unterminated string
    (
        "export \"main func @f\n",
        r#"1:8: unterminated string"#,
    ),
    // 10 unknown trap code
    (
        "func @f() {\nblock0:\n    trap segfault\n}\n",
        r#"3:10: unknown trap code `segfault`"#,
    ),
    // 11 numbering out of order
    (
        "type sig1 = ()\n",
        r#"1:6: expected sig0 here, found sig1: items are numbered in order"#,
    ),
    // 12 wrong result count
    (
        "func @f() {\nblock0:\n    v0, v1 = i32.const 1\n    return\n}\n",
        r#"3:5: `i32.const` has 1 result, but the line names 2"#,
    ),
    // 13 unexpected end of file
    (
        "func @f() {\nblock0:\n",
        r#"3:1: expected one of `}`, `jump`, `brif`, `br_table`, `return`, `trap`, `call`, `call_indirect`, `global.get`, `global.set`, `memory.init`, `data.drop`, `table.size`, `table.init`, `table.copy`, `elem.drop`, `table.get`, `table.set`, `table.grow`, `table.fill`, `ref.func`, a null reference (`funcref.null`, `externref.null`), a constant (`i32.const`, ...), an operation, a value, a block, a source location, found end of file"#,
    ),
    // 14 unknown character
    (
        "memory 1 # one page\n",
        r#"1:10: unexpected character '#'"#,
    ),
    // 15 instruction after terminator
    (
        "func @f() {\nblock0:\n    return\n    v0 = i32.const 1\n}\n",
        r#"4:5: block0 already ended with its terminator"#,
    ),
    // 16 unknown global
    (
        "func @f() {\nblock0:\n    v0 = global.get %sp\n    return\n}\n",
        r#"3:21: unknown global %sp"#,
    ),
    // 17 offset on a non-memory op
    (
        "func @f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.add v0, v0 offset=4\n    return v1\n}\n",
        r#"3:32: `i32.add` takes no offset"#,
    ),
    // 17b `notrap` on a non-memory op
    (
        "func @f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.add v0, v0 notrap\n    return v1\n}\n",
        r#"3:25: `i32.add` takes no `notrap`"#,
    ),
    // 18 bad escape
    (
        "export \"a\\q\" memory\n",
        r#"1:8: bad escape in string: use \", \\ or \ and two hex digits"#,
    ),
    // 19 block defined twice
    (
        "func @f() {\nblock0:\n    return\nblock0:\n    return\n}\n",
        r#"4:1: block0 is defined twice"#,
    ),
    // 20 operand count
    (
        "func @f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.add v0\n    return v1\n}\n",
        r#"3:10: `i32.add` takes 2 operands, found 1"#,
    ),
    // 21 unknown table
    (
        "func @f() -> i32 {\nblock0:\n    v0 = table.size t2\n    return v0\n}\n",
        r#"3:21: unknown table t2"#,
    ),
];

#[test]
fn parse_errors() {
    for (src, want) in PARSE_ERRORS {
        assert_eq!(error_of(src), *want, "input:\n{src}");
    }
}

#[test]
fn parse_error_is_located() {
    let e = parse_module("memory 1\nmemory 2\n").unwrap_err();
    assert_eq!((e.line, e.col), (2, 1));
    assert_eq!(e.message, "second memory: a module has at most one");
}

// ---- robustness ----------------------------------------------------------------------------

/// Parses `src` and, when it parses, prints it and parses the print again; any panic fails
/// with the input that caused it.
fn must_not_panic(src: &str) {
    let r = std::panic::catch_unwind(|| {
        if let Ok(m) = parse_module(src) {
            let printed = print_module(&m);
            let again = parse_module(&printed).unwrap_or_else(|e| panic!("reprint fails: {e}"));
            assert_eq!(print_module(&again), printed);
        }
    });
    assert!(r.is_ok(), "panic on input {src:?}");
}

#[test]
fn garbage_does_not_panic() {
    let garbage = [
        "",
        "\n",
        ";",
        "@",
        "%",
        "\"",
        "@\"",
        "\\",
        "{",
        "}",
        "func",
        "func @",
        "func @f(",
        "func @f() {",
        "func @f() {\n}",
        "block0:",
        "v0 = ",
        "@0x",
        "@0xffffffffffff",
        "v99999999999",
        "block4294967295:",
        "t99999999999",
        "-",
        "0x",
        "-0x",
        "i32.const",
        "memory -1",
        "memory 0x100000000",
        "type sig0 = (i32) -> (",
        "export \"\\ff\" memory",
        "global %g: i32 = global.get %g\n",
        "func @f() {\nblock0(v4194304: i32):\n    return\n}\n",
        "func @f() {\nblock0:\n    v1 = call_indirect t0, sig0, v0()\n}\n",
        "func @f() {\nblock0:\n    br_table v0, [], block0\n}\n",
        "elem e0 active t5 i32.const 0 = []\n",
        "\u{feff}memory 1",
        "memory 1 \u{e9}",
        "\0\0\0",
        "func @\"\u{1F600}\"() {\n}\n",
    ];
    for g in garbage {
        must_not_panic(g);
    }
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let alphabet = b"@%\"\\(){}[],:=->; \n\tv0123456789abcdefx.block sig t d e i32 f64 const add";
    for _ in 0..3000 {
        let len = rng.below(80);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                if rng.below(4) == 0 {
                    rng.next_u64() as u8
                } else {
                    alphabet[rng.below(alphabet.len())]
                }
            })
            .collect();
        must_not_panic(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn truncated_and_mutated_files_do_not_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (_, text) in zir_files() {
        for (i, _) in text.char_indices() {
            must_not_panic(&text[..i]);
        }
        // Drop, duplicate or swap lines and tokens.
        let lines: Vec<&str> = text.lines().collect();
        for _ in 0..200 {
            let mut ls = lines.clone();
            let (a, b) = (rng.below(ls.len()), rng.below(ls.len()));
            match rng.below(3) {
                0 => {
                    ls.remove(a);
                }
                1 => ls.insert(a, lines[b]),
                _ => ls.swap(a, b),
            }
            must_not_panic(&ls.join("\n"));
            let words: Vec<&str> = text.split(' ').collect();
            let mut ws = words.clone();
            let (a, b) = (rng.below(ws.len()), rng.below(ws.len()));
            ws.swap(a, b);
            must_not_panic(&ws.join(" "));
        }
    }
}

//! Focused code generation tests: small wat programs compiled by zkc and run on zkc's emulator
//! must end exactly as the reference interpreter says (console, exit status, or trap).

use zkc_backend_zisk::codegen::{
    compile, compile_dumping_owned, decode_exit_word, Allocator, CodegenOptions, Exit as End,
    EXIT_WORD,
};
use zkc_backend_zisk::{emu, Emulator, Status};
use zkc_ir::interp::{run_command, Exit, Trap};
use zkc_ir::TrapCode;

fn zkc(module: &zkc_ir::Module, opts: &CodegenOptions) -> (String, End) {
    let linked = zkc_runtime::link(module.clone()).expect("link");
    zkc_ir::verify::verify_module(&linked).expect("verifies");
    let program = compile(&linked, opts).expect("compile");
    // Freeing the bodies once selected changes nothing.
    let owned = compile_dumping_owned(linked, opts, &[], &mut |_, _| {}).expect("compile");
    assert!(
        owned == program,
        "the module owned or not, the programs differ"
    );
    let layout = program.layout().expect("layout");
    let mut e = Emulator::new(&layout.rom, &emu::legacy_input(b"")).expect("load");
    assert_eq!(e.run(100_000_000).expect("run").status, Status::Ended);
    let end = decode_exit_word(e.read_u64(EXIT_WORD)).expect("an exit word zkc writes");
    (e.console_as_printed(), end)
}

/// Runs `body` (wat module fields) with `_start` and `proc_exit` on both and compares.
fn check(fields: &str) -> End {
    let text = format!(
        r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1 4)
  {fields})"#
    );
    let wasm = wat::parse_str(&text).expect("wat");
    let module = zkc_frontend_wasm::translate(&wasm).expect("translate");
    let oracle = run_command(&module, b"", Default::default());
    let want = match oracle.exit {
        Exit::Code(c) => End::Code(c),
        Exit::Trap(Trap::Wasm(t)) => End::Trap(t),
        Exit::Trap(t) => panic!("interpreter: {t}"),
    };
    let mut expect_console = String::from_utf8(oracle.stdout).unwrap();
    if let End::Trap(t) = want {
        expect_console += &format!("trap: {}\n", t.message());
    }
    for allocator in [Allocator::Slots, Allocator::Coloring] {
        let opts = CodegenOptions {
            allocator,
            ..CodegenOptions::default()
        };
        let (console, got) = zkc(&module, &opts);
        assert_eq!(got, want, "{allocator:?}: {fields}");
        assert_eq!(console, expect_console, "{allocator:?}");
    }
    want
}

/// `_start` exits with the i32 that `expr` leaves on the stack.
fn exits_with(funcs: &str, expr: &str, code: i32) {
    let got = check(&format!(
        "{funcs}\n(func (export \"_start\") {expr} call $exit)"
    ));
    assert_eq!(got, End::Code(code));
}

fn traps(funcs: &str, expr: &str, code: TrapCode) {
    let got = check(&format!(
        "{funcs}\n(func (export \"_start\") {expr} call $exit)"
    ));
    assert_eq!(got, End::Trap(code));
}

#[test]
fn i32_wrapping_and_unsigned_compares() {
    exits_with(
        "",
        "i32.const 0x7fffffff i32.const 1 i32.add i32.const 0x80000000 i32.eq",
        1,
    );
    exits_with("", "i32.const -1 i32.const 1 i32.add i32.eqz", 1);
    exits_with("", "i32.const -1 i32.const 1 i32.lt_u", 0);
    exits_with("", "i32.const 1 i32.const -1 i32.lt_u", 1);
    exits_with("", "i32.const -1 i32.const 1 i32.lt_s", 1);
    exits_with("", "i32.const 0xffffffff i32.const 0xffffffff i32.mul", 1);
    exits_with(
        "",
        "i32.const 0 i32.const 1 i32.sub i32.const 31 i32.shr_u",
        1,
    );
    exits_with("", "i32.const 1 i32.const 33 i32.shl", 2);
    exits_with("", "i32.const 0x80000000 i32.const 31 i32.shr_s", -1);
    exits_with("", "i32.const 0x80000000 i32.const 1 i32.rotl", 1);
    exits_with("", "i32.const 0 i32.clz i32.const 0 i32.ctz i32.add", 64);
    exits_with(
        "",
        "i64.const 0x1ffffffff i32.wrap_i64 i32.const -1 i32.eq",
        1,
    );
    exits_with(
        "",
        "i32.const -1 i64.extend_i32_u i64.const 32 i64.shr_u i32.wrap_i64",
        0,
    );
    exits_with(
        "",
        "i32.const -1 i64.extend_i32_s i64.const 32 i64.shr_u i32.wrap_i64",
        -1,
    );
    exits_with(
        "",
        "i32.const 0x7fffffff i32.const 1 i32.add i32.const 0 i32.gt_s",
        0,
    );
    exits_with("", "i32.const 5 i32.const 7 i32.const 0 select", 7);
}

#[test]
fn division_traps() {
    traps(
        "",
        "i32.const 1 i32.const 0 i32.div_u",
        TrapCode::IntDivByZero,
    );
    traps(
        "",
        "i32.const 1 i32.const 0 i32.rem_s",
        TrapCode::IntDivByZero,
    );
    traps(
        "",
        "i32.const 0x80000000 i32.const -1 i32.div_s",
        TrapCode::IntOverflow,
    );
    traps(
        "",
        "i64.const 0x8000000000000000 i64.const -1 i64.div_s i32.wrap_i64",
        TrapCode::IntOverflow,
    );
    exits_with("", "i32.const 0x80000000 i32.const -1 i32.rem_s", 0);
    exits_with("", "i32.const -7 i32.const 2 i32.div_s", -3);
    exits_with("", "i32.const -7 i32.const -1 i32.div_s", 7);
    exits_with("", "i32.const -7 i32.const 2 i32.rem_s", -1);
    exits_with("", "i32.const -7 i32.const 2 i32.div_u", 0x7ffffffc);
}

#[test]
fn memory_bounds_and_grow() {
    traps("", "i32.const 65536 i32.load", TrapCode::MemoryOutOfBounds);
    traps("", "i32.const 65533 i32.load", TrapCode::MemoryOutOfBounds);
    traps("", "i32.const -1 i32.load8_u", TrapCode::MemoryOutOfBounds);
    exits_with(
        "",
        "i32.const 65532 i32.const 7 i32.store i32.const 65532 i32.load",
        7,
    );
    exits_with(
        "",
        "i32.const 2 memory.grow i32.const 10 i32.mul memory.size i32.add",
        13,
    );
    exits_with("", "i32.const 4 memory.grow", -1);
    exits_with(
        "",
        "i32.const 1 memory.grow drop i32.const 131068 i32.const 9 i32.store i32.const 131068 i32.load",
        9,
    );
    exits_with(
        "",
        "i32.const 0 i32.const 0x80 i32.store8 i32.const 0 i32.load8_s",
        -128,
    );
    exits_with(
        "",
        "i32.const 8 i32.const 0x41 i32.const 5 memory.fill i32.const 10 i32.const 8 i32.const 5 memory.copy i32.const 14 i32.load8_u",
        0x41,
    );
    traps(
        "",
        "i32.const 65530 i32.const 0 i32.const 7 memory.fill i32.const 0",
        TrapCode::MemoryOutOfBounds,
    );
}

/// Empty active data segments write nothing, wherever they lie: above and below the
/// non-empty ones (issue #19: one outside their range panicked the memory image).
#[test]
fn empty_data_segments_outside_the_image() {
    let seg = r#"(data (i32.const 2561) "\19")"#;
    for empty in [16348, 8, 2560, 65536] {
        exits_with(
            &format!(r#"(data (i32.const {empty}) "") {seg}"#),
            "i32.const 2561 i32.load8_u",
            0x19,
        );
    }
    exits_with(
        r#"(data (i32.const 100) "")"#,
        "i32.const 100 i32.load8_u",
        0,
    );
}

/// An active segment out of bounds traps at instantiation, before `_start` runs (wasm 2.0,
/// "Instantiation": the element segments, then the data segments, in order; issue #19).
#[test]
fn out_of_bounds_segments_trap_at_instantiation() {
    let start = r#"(func $f) (func (export "_start") i32.const 5 call $exit)"#;
    for segs in [
        r#"(data (i32.const 65535) "ab")"#,
        r#"(data (i32.const 65537) "")"#,
        r#"(data (i32.const -1) "a")"#,
        r#"(data (i32.const 0) "a") (data (i32.const 65536) "b") (data (i32.const 1) "c")"#,
    ] {
        let got = check(&format!("{segs} {start}"));
        assert_eq!(got, End::Trap(TrapCode::MemoryOutOfBounds), "{segs}");
    }
    for segs in [
        "(table 2 funcref) (elem (i32.const 1) $f $f)",
        "(table 2 funcref) (elem (i32.const 3) func)",
        "(table 2 funcref) (elem (i32.const 0) $f) (elem (i32.const 2) $f $f)",
        // Every element segment comes before the first data segment.
        r#"(table 1 funcref) (data (i32.const 65536) "b") (elem (i32.const 1) $f)"#,
    ] {
        let got = check(&format!("{segs} {start}"));
        assert_eq!(got, End::Trap(TrapCode::TableOutOfBounds), "{segs}");
    }
}

/// The data segments before the one out of bounds are in memory when instantiation traps;
/// it and the ones after it are not.
#[test]
fn segments_before_an_out_of_bounds_one_are_applied() {
    let wasm = wat::parse_str(
        r#"(module (memory 1)
             (data (i32.const 0) "abc") (data (i32.const 8) "d")
             (data (i32.const 65536) "x") (data (i32.const 1) "zz")
             (func (export "_start") unreachable))"#,
    )
    .unwrap();
    let module = zkc_frontend_wasm::translate(&wasm).unwrap();
    let linked = zkc_runtime::link(module).unwrap();
    let layout = compile(&linked, &CodegenOptions::default())
        .expect("an out-of-bounds segment compiles")
        .layout()
        .unwrap();
    let mut e = Emulator::new(&layout.rom, &emu::legacy_input(b"")).unwrap();
    assert_eq!(e.run(1_000_000).unwrap().status, Status::Ended);
    assert_eq!(
        decode_exit_word(e.read_u64(EXIT_WORD)),
        Ok(End::Trap(TrapCode::MemoryOutOfBounds))
    );
    assert_eq!(
        e.console_as_printed(),
        "trap: out of bounds memory access\n"
    );
    let mem0 = layout.symbols["__mem_image"];
    assert_eq!(e.read_u64(mem0).to_le_bytes(), *b"abc\0\0\0\0\0");
    assert_eq!(e.read_u64(mem0 + 8).to_le_bytes(), *b"d\0\0\0\0\0\0\0");
}

/// Addresses used without masking (codegen `ext`): sums that wrap around 2^32, values at or
/// above 2^31, parameters, globals and call results; checks merged over a window and skipped
/// when a dominating one covers them (codegen `checks`).
const ADDRS: &str = r#"
(global $g (mut i32) (i32.const 0))
(func $ld (param i32 i32) (result i32) local.get 0 local.get 1 i32.add i32.load)
(func $ld_p (param i32) (result i32) local.get 0 i32.load)
(func $ld_g (result i32) global.get $g i32.load offset=4)
(func $id (param i32) (result i32) local.get 0)
(func $ld_call (param i32) (result i32) local.get 0 call $id i32.load8_u)
(func $two (param i32) (result i32)
  local.get 0 i32.load local.get 0 i32.load offset=8 i32.add)
(func $st_then_ld (param i32) (result i32)
  local.get 0 i32.const 3 i32.store
  local.get 0 i32.load offset=4
  local.get 0 if (result i32) local.get 0 i32.load else i32.const 1 end
  i32.add)
(func $walk (param i32 i32) (result i32) (local i32)
  (loop $l
    local.get 0 i32.load8_u local.get 2 i32.add local.set 2
    local.get 0 i32.const 1 i32.add local.set 0
    local.get 1 i32.const 1 i32.sub local.tee 1 br_if $l)
  local.get 2)
(func $ext (param i32) (result i64) local.get 0 i32.load i64.extend_i32_u)
"#;

#[test]
fn addresses_without_masking() {
    let init = "i32.const 4 i32.const 0x01020304 i32.store i32.const 12 i32.const 5 i32.store";
    exits_with(
        ADDRS,
        &format!("{init} i32.const -4 i32.const 8 call $ld"),
        0x01020304,
    );
    exits_with(
        ADDRS,
        &format!("{init} i32.const 0x80000000 i32.const 0x80000004 call $ld"),
        0x01020304,
    );
    traps(
        ADDRS,
        "i32.const 0x7ffffff0 i32.const 0x10 call $ld",
        TrapCode::MemoryOutOfBounds,
    );
    traps(
        ADDRS,
        "i32.const -1 i32.const 0 call $ld",
        TrapCode::MemoryOutOfBounds,
    );
    traps(
        ADDRS,
        "i32.const -4 call $ld_p",
        TrapCode::MemoryOutOfBounds,
    );
    traps(
        ADDRS,
        "i32.const 0x80000000 call $ld_p",
        TrapCode::MemoryOutOfBounds,
    );
    exits_with(ADDRS, &format!("{init} i32.const 4 call $ld_p"), 0x01020304);
    exits_with(
        ADDRS,
        &format!("{init} i32.const 8 global.set $g call $ld_g"),
        5,
    );
    exits_with(ADDRS, &format!("{init} i32.const 6 call $ld_call"), 2);
    traps(
        ADDRS,
        "i32.const -6 call $ld_call",
        TrapCode::MemoryOutOfBounds,
    );
    exits_with(ADDRS, &format!("{init} i32.const 4 call $two"), 0x01020309);
    traps(
        ADDRS,
        "i32.const 65528 call $two",
        TrapCode::MemoryOutOfBounds,
    );
    exits_with(ADDRS, &format!("{init} i32.const 8 call $st_then_ld"), 8);
    traps(
        ADDRS,
        "i32.const 65532 call $st_then_ld",
        TrapCode::MemoryOutOfBounds,
    );
    exits_with(
        ADDRS,
        &format!("{init} i32.const 4 i32.const 4 call $walk"),
        10,
    );
    traps(
        ADDRS,
        "i32.const 65530 i32.const 7 call $walk",
        TrapCode::MemoryOutOfBounds,
    );
    exits_with(
        ADDRS,
        &format!("{init} i32.const 4 call $ext i64.const 0x01020304 i64.eq"),
        1,
    );
    // An offset past the memory: the bound word stays 0 (every address fails) until a grow.
    traps(
        "",
        "i32.const 0 i32.load offset=131072",
        TrapCode::MemoryOutOfBounds,
    );
    exits_with(
        "",
        "i32.const 2 memory.grow drop i32.const 0 i32.load offset=131072",
        0,
    );
    traps(
        "",
        "i32.const 1 memory.grow drop i32.const 0 i32.load offset=131072",
        TrapCode::MemoryOutOfBounds,
    );
}

#[test]
fn table_indices_without_masking() {
    let sw = r#"(func $sw (param i32) (result i32)
      (block $d (block $c (block $b (block $a
        local.get 0 i32.const 1 i32.add br_table $a $b $c $d)
        i32.const 10 return) i32.const 20 return) i32.const 30 return) i32.const 40)"#;
    exits_with(sw, "i32.const -1 call $sw", 10);
    exits_with(sw, "i32.const 1 call $sw", 30);
    exits_with(sw, "i32.const 0x7fffffff call $sw", 40);
    exits_with(sw, "i32.const -2 call $sw", 40);
    let f = format!("{RECURSION}\n(func $ci (param i32 i32) (result i32) local.get 0 local.get 1 i32.const 1 i32.add call_indirect (type $t))");
    exits_with(&f, "i32.const 10 i32.const -1 call $ci", 55);
    traps(
        &f,
        "i32.const 10 i32.const -2 call $ci",
        TrapCode::UndefinedElement,
    );
    traps(
        &f,
        "i32.const 10 i32.const 0x7fffffff call $ci",
        TrapCode::UndefinedElement,
    );
}

const RECURSION: &str = r#"
(type $t (func (param i32) (result i32)))
(table 3 funcref)
(elem (i32.const 0) $fib $even $indirect_fib)
(func $fib (param i32) (result i32)
  local.get 0 i32.const 2 i32.lt_u
  if (result i32) local.get 0
  else
    local.get 0 i32.const 1 i32.sub call $fib
    local.get 0 i32.const 2 i32.sub call $fib
    i32.add
  end)
(func $even (param i32) (result i32)
  local.get 0 i32.eqz if (result i32) i32.const 1 else local.get 0 i32.const 1 i32.sub call $odd end)
(func $odd (param i32) (result i32)
  local.get 0 i32.eqz if (result i32) i32.const 0 else local.get 0 i32.const 1 i32.sub call $even end)
(func $indirect_fib (param i32) (result i32)
  local.get 0 i32.const 2 i32.lt_u
  if (result i32) local.get 0
  else
    local.get 0 i32.const 1 i32.sub i32.const 2 call_indirect (type $t)
    local.get 0 i32.const 2 i32.sub i32.const 2 call_indirect (type $t)
    i32.add
  end)
(func $forever (param i32) (result i32) local.get 0 call $forever i32.const 1 i32.add)
(func $pair (param i32) (result i32 i32) local.get 0 i32.const 1 i32.add local.get 0 i32.const 2 i32.add)
"#;

#[test]
fn recursion_direct_mutual_indirect() {
    exits_with(RECURSION, "i32.const 20 call $fib", 6765);
    exits_with(RECURSION, "i32.const 1001 call $even", 0);
    exits_with(RECURSION, "i32.const 15 call $indirect_fib", 610);
    exits_with(
        RECURSION,
        "i32.const 10 i32.const 0 call_indirect (type $t)",
        55,
    );
    traps(
        RECURSION,
        "i32.const 0 call $forever",
        TrapCode::StackOverflow,
    );
}

#[test]
fn call_indirect_checks() {
    let f = format!("{RECURSION}\n(type $u (func (result i32)))\n(table $t2 4 funcref)");
    traps(
        &f,
        "i32.const 1 i32.const 3 call_indirect (type $t)",
        TrapCode::UndefinedElement,
    );
    traps(
        &f,
        "i32.const 0 call_indirect (type $u)",
        TrapCode::BadSignature,
    );
}

#[test]
fn null_table_entry() {
    let f = "(type $t (func (param i32) (result i32))) (table 2 funcref) (elem (i32.const 0) $id) (func $id (param i32) (result i32) local.get 0)";
    traps(
        f,
        "i32.const 1 i32.const 1 call_indirect (type $t)",
        TrapCode::UninitializedElement,
    );
    exits_with(f, "i32.const 9 i32.const 0 call_indirect (type $t)", 9);
}

#[test]
fn multi_value_and_br_table() {
    exits_with(RECURSION, "i32.const 5 call $pair i32.mul", 42);
    let sw = r#"(func $sw (param i32) (result i32)
      (block $d (block $c (block $b (block $a
        local.get 0 br_table $a $b $c $d)
        i32.const 10 return) i32.const 20 return) i32.const 30 return) i32.const 40)"#;
    exits_with(
        sw,
        "i32.const 0 call $sw i32.const 1 call $sw i32.add i32.const 2 call $sw i32.add",
        60,
    );
    exits_with(sw, "i32.const 3 call $sw i32.const -1 call $sw i32.add", 80);
    let carry = r#"(func $c (param i32) (result i32)
      (block $x (result i32) (block $y (result i32)
        i32.const 7 local.get 0 br_table $x $y $x) i32.const 100 i32.add))"#;
    exits_with(
        carry,
        "i32.const 0 call $c i32.const 1 call $c i32.add",
        114,
    );
}

#[test]
fn unreachable_and_loop_params() {
    traps("", "unreachable", TrapCode::Unreachable);
    // A loop that swaps two values each iteration (parallel block-parameter moves).
    let swap = r#"(func $swap (param i32) (result i32) (local i32 i32)
      i32.const 1 local.set 1 i32.const 2 local.set 2
      (loop $l
        local.get 2 local.get 1 local.set 2 local.set 1
        local.get 0 i32.const 1 i32.sub local.tee 0 br_if $l)
      local.get 1 i32.const 10 i32.mul local.get 2 i32.add)"#;
    exits_with(swap, "i32.const 3 call $swap", 21);
}

#[test]
fn bounds_checks_can_be_turned_off() {
    let wasm = wat::parse_str(
        r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32))) (memory 1)
           (func (export "_start") i32.const 65536 i32.const 5 i32.store i32.const 65536 i32.load call $exit))"#,
    )
    .unwrap();
    let module = zkc_frontend_wasm::translate(&wasm).unwrap();
    let (_, end) = zkc(
        &module,
        &CodegenOptions {
            bounds_checks: false,
            ..CodegenOptions::default()
        },
    );
    assert_eq!(end, End::Code(5));
}

/// A block that is only moves and a jump, fallen into from its predecessor: the allocation
/// empties its moves, but it must stay (spec fac.wast / switch.wast).
#[test]
fn bare_jump_blocks_entered_by_fallthrough() {
    exits_with(
        r#"(func $fac (param $n i64) (result i64)
             (local $i i64) (local $res i64)
             (local.set $i (local.get $n)) (local.set $res (i64.const 1))
             (block $done (loop $loop
               (if (i64.eq (local.get $i) (i64.const 0)) (then (br $done))
                 (else (local.set $res (i64.mul (local.get $i) (local.get $res)))
                       (local.set $i (i64.sub (local.get $i) (i64.const 1)))))
               (br $loop)))
             (local.get $res))
           (func $sw (param $i i32) (result i32)
             (local $j i32) (local.set $j (i32.const 100))
             (block $d (block $c (block $b (block $a
               (br_table $a $b $c $d (local.get $i)))
               (return (local.get $i)))
               (local.set $j (i32.sub (i32.const 0) (local.get $i))))
               (return (local.get $j)))
             (local.get $j))"#,
        "i64.const 5 call $fac i32.wrap_i64 i32.const 2 call $sw i32.add i32.const 3 call $sw i32.add",
        120 + 100 + 100,
    );
}

/// A `call_indirect` from outside a recursive component into it: the caller must see the
/// component's final clobber set, not the provisional one its own recursive calls saw
/// (spec call_indirect.wast `dispatch` into `fac-i64`).
#[test]
fn indirect_call_into_a_recursive_component() {
    exits_with(
        r#"(type $over (func (param i64) (result i64)))
           (table funcref (elem $fac))
           (func $fac (type $over)
             (if (result i64) (i64.eqz (local.get 0))
               (then (i64.const 1))
               (else (i64.mul (local.get 0)
                 (call_indirect (type $over) (i64.sub (local.get 0) (i64.const 1)) (i32.const 0))))))"#,
        "i64.const 5 i32.const 0 call_indirect (type $over) i32.wrap_i64",
        120,
    );
}

/// Tables as RAM arrays: `table.get/set/grow/fill/copy/init`, `elem.drop`, references in
/// globals and selects, and `call_indirect` through entries the program wrote, each checked
/// against the interpreter (results and every out-of-bounds trap).
#[test]
fn reference_types_and_table_ops() {
    let f = r#"
  (type $v (func (result i32)))
  (table $t 3 6 funcref)
  (table $x 2 externref)
  (global $g (mut funcref) (ref.null func))
  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (func $three (result i32) (i32.const 3))
  (elem $p funcref (ref.func $three) (ref.null func) (ref.func $two))
  (elem declare func $one)
  ;; entry i of $t as a digit: its function's result, 0 for null
  (func $at (param i32) (result i32)
    (if (result i32) (ref.is_null (table.get $t (local.get 0)))
      (then (i32.const 0))
      (else (call_indirect $t (type $v) (local.get 0)))))
  ;; the first 5 entries of $t as a number, entry 0 first
  (func $digits (result i32)
    (local $i i32) (local $n i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (table.size $t)))
        (br_if $done (i32.eq (local.get $i) (i32.const 5)))
        (local.set $n (i32.add (i32.mul (local.get $n) (i32.const 10))
                               (call $at (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $n))
"#;
    // set and a grow (the new entries hold the grow's operand), then the grow past the maximum
    exits_with(
        f,
        "(table.set $t (i32.const 1) (ref.func $one))
         (global.set $g (ref.func $two))
         (drop (table.grow $t (global.get $g) (i32.const 2)))
         (i32.add (call $digits)
           (i32.mul (i32.const 100000) (i32.add (i32.const 2)
             (table.grow $t (ref.null func) (i32.const 2)))))",
        101022,
    );
    exits_with(
        f,
        "(drop (table.grow $t (ref.null func) (i32.const 2)))
         (table.init $t $p (i32.const 1) (i32.const 0) (i32.const 3))
         (call $digits)",
        3020,
    );
    // fill, then overlapping copies in both directions
    exits_with(
        f,
        "(table.init $t $p (i32.const 0) (i32.const 0) (i32.const 3))
         (drop (table.grow $t (ref.func $one) (i32.const 2)))
         (table.copy $t $t (i32.const 1) (i32.const 0) (i32.const 4))
         (call $digits)",
        33021,
    );
    exits_with(
        f,
        "(table.init $t $p (i32.const 0) (i32.const 0) (i32.const 3))
         (drop (table.grow $t (ref.func $one) (i32.const 2)))
         (table.copy $t $t (i32.const 0) (i32.const 1) (i32.const 4))
         (table.fill $t (i32.const 4) (ref.func $three) (i32.const 1))
         (call $digits)",
        2113,
    );
    // externref tables, selects and is_null
    exits_with(
        f,
        "(table.set $x (i32.const 1) (table.get $x (i32.const 0)))
         (table.fill $x (i32.const 0) (ref.null extern) (i32.const 2))
         (i32.add (ref.is_null (table.get $x (i32.const 1)))
           (i32.mul (i32.const 10) (ref.is_null
             (select (result funcref) (ref.func $one) (ref.null func) (i32.const 0)))))",
        11,
    );
    let oob = TrapCode::TableOutOfBounds;
    traps(f, "(drop (table.get $t (i32.const 3))) (i32.const 0)", oob);
    traps(
        f,
        "(table.set $t (i32.const 3) (ref.null func)) (i32.const 0)",
        oob,
    );
    traps(
        f,
        "(table.fill $t (i32.const 2) (ref.null func) (i32.const 2)) (i32.const 0)",
        oob,
    );
    traps(
        f,
        "(table.copy $t $t (i32.const 0) (i32.const 1) (i32.const 3)) (i32.const 0)",
        oob,
    );
    traps(
        f,
        "(table.init $t $p (i32.const 0) (i32.const 1) (i32.const 3)) (i32.const 0)",
        oob,
    );
    traps(
        f,
        "(elem.drop $p) (table.init $t $p (i32.const 0) (i32.const 0) (i32.const 1)) (i32.const 0)",
        oob,
    );
    // call_indirect sees the grown size
    traps(
        f,
        "(drop (table.grow $t (ref.null func) (i32.const 1))) (call_indirect $t (type $v) (i32.const 3))",
        TrapCode::UninitializedElement,
    );
    traps(
        f,
        "(drop (table.grow $t (ref.null func) (i32.const 1))) (call_indirect $t (type $v) (i32.const 4))",
        TrapCode::UndefinedElement,
    );
}

/// A table at its maximum from the start still grows by 0 and fails to grow by more.
#[test]
fn table_grow_at_its_maximum() {
    let f = "(table $t 2 2 funcref) (table $e 0 externref)";
    exits_with(
        f,
        "(i32.add (table.grow $t (ref.null func) (i32.const 0))
           (i32.add (i32.mul (i32.const 10) (table.grow $t (ref.null func) (i32.const 1)))
             (i32.mul (i32.const 100) (table.grow $e (ref.null extern) (i32.const 3)))))",
        -8,
    );
}

/// The results of `x & !y` where selection may or must not use `andn` (an xor used twice, an
/// i32 address whose upper bits the address analysis relies on). That `andn` is selected is
/// the golden `tests/isel/and_not.wat`'s to show (it fails without the rule).
#[test]
fn and_not_results() {
    let funcs = r#"
      (func $andn64 (param i64 i64) (result i64)
        (i64.and (local.get 0) (i64.xor (local.get 1) (i64.const -1))))
      (func $andn32 (param i32 i32) (result i32)
        (i32.and (i32.xor (local.get 1) (i32.const -1)) (local.get 0)))
      (func $twice (param i32 i32) (result i32)
        (local $n i32)
        (local.set $n (i32.xor (local.get 1) (i32.const -1)))
        (i32.add (i32.and (local.get 0) (local.get $n)) (local.get $n)))
      ;; The address is `wrap(p) & !load(0)`: the wrapped i64 keeps its upper bits.
      (func $addr (param i64) (result i32)
        (i32.load (i32.and (i32.wrap_i64 (local.get 0))
                           (i32.xor (i32.load (i32.const 0)) (i32.const -1)))))"#;
    exits_with(
        funcs,
        "i64.const 0xff00ff00ff00ff00 i64.const 0x0ff00ff00ff00ff0 call $andn64 \
         i64.const 0xf000f000f000f000 i64.eq",
        1,
    );
    exits_with(
        funcs,
        "i32.const 0xff00ff00 i32.const 0x0ff00ff0 call $andn32",
        0xf000f000u32 as i32,
    );
    exits_with(
        funcs,
        "i32.const 0xff i32.const 0x0f call $twice",
        0xf0 - 0x10,
    );
    exits_with(
        funcs,
        "i32.const 16 i32.const 77 i32.store \
         i64.const 0x100000010 call $addr",
        77,
    );
}

/// The results of selects between the operands of an ordering compare, at the edges of the
/// min/max selection: the 64-bit op where both operands are the right extension, else the `_w`
/// one (only where its sign-extended result keeps the facts the rest of the code relies on).
/// That the min/max ops are selected is the golden `tests/isel/min_max.wat`'s to show.
#[test]
fn select_min_max_results() {
    let funcs = r#"
      (func $minu (param i32 i32) (result i32)
        (select (local.get 0) (local.get 1) (i32.lt_u (local.get 0) (local.get 1))))
      (func $maxs (param i32 i32) (result i32)
        (select (local.get 0) (local.get 1) (i32.gt_s (local.get 0) (local.get 1))))
      (func $maxu_rev (param i32 i32) (result i32)
        (select (local.get 1) (local.get 0) (i32.le_u (local.get 0) (local.get 1))))
      (func $min64 (param i64 i64) (result i64)
        (select (local.get 0) (local.get 1) (i64.le_s (local.get 0) (local.get 1))))
      ;; Zero-extended loads, one of them at or above 2^31; the result zero-extended again.
      (func $maxu_loads (result i64)
        (local $a i32) (local $b i32)
        (local.set $a (i32.load (i32.const 0)))
        (local.set $b (i32.load (i32.const 4)))
        (i64.extend_i32_u
          (select (local.get $a) (local.get $b) (i32.ge_u (local.get $a) (local.get $b)))))
      ;; Operands with upper bits left by a wrap.
      (func $minu_wrapped (param i64 i64) (result i64)
        (local $a i32) (local $b i32)
        (local.set $a (i32.wrap_i64 (local.get 0)))
        (local.set $b (i32.wrap_i64 (local.get 1)))
        (i64.extend_i32_u
          (select (local.get $a) (local.get $b) (i32.lt_u (local.get $a) (local.get $b)))))"#;
    exits_with(funcs, "i32.const 0x80000000 i32.const 5 call $minu", 5);
    exits_with(funcs, "i32.const -3 i32.const 2 call $maxs", 2);
    exits_with(funcs, "i32.const -3 i32.const 2 call $maxu_rev", -3);
    exits_with(
        funcs,
        "i64.const -7 i64.const 3 call $min64 i64.const -7 i64.eq",
        1,
    );
    exits_with(
        funcs,
        "i32.const 0 i32.const 0x80000001 i32.store i32.const 4 i32.const 0x80000000 i32.store \
         call $maxu_loads i64.const 0x80000001 i64.eq",
        1,
    );
    exits_with(
        funcs,
        "i64.const 0x1ffffffff i64.const 0x300000002 call $minu_wrapped i64.const 2 i64.eq",
        1,
    );
}

/// 3,000 values live at once, across a recursive call (their saves) and a call to a leaf: past
/// the coloring allocator's edge budget, one slot each, and the same exit status.
#[test]
fn thousands_of_live_values() {
    let n = 3000;
    let locals: String = (0..n).map(|i| format!("(local $l{i} i64)")).collect();
    let sets: String = (0..n)
        .map(|i| {
            format!(
                "(local.set $l{i} (i64.mul (local.get $p) (i64.const {})))",
                i + 3
            )
        })
        .collect();
    let sum: String = (1..n)
        .map(|i| format!("(local.get $l{i}) i64.add "))
        .collect();
    let funcs = format!(
        "(func $leaf (param i64) (result i64) (i64.add (local.get 0) (i64.const 1)))
         (func $f (param $p i64) (result i64) {locals} {sets}
           (if (i64.gt_u (local.get $p) (i64.const 3))
             (then (local.set $l0 (call $f (i64.sub (local.get $p) (i64.const 1))))))
           (local.set $l1 (call $leaf (local.get $l1)))
           (local.get $l0) {sum})"
    );
    exits_with(
        &funcs,
        "(i32.wrap_i64 (i64.rem_u (call $f (i64.const 5)) (i64.const 251)))",
        {
            // f(p) = f(p-1) (p > 3, else 3p) + 1 + p * sum(4..=3002)
            let s: u64 = (4..=n as u64 + 2).sum();
            let f3 = 3 * 3 + 1 + 3 * s;
            let f4 = f3 + 1 + 4 * s;
            let f5 = f4 + 1 + 5 * s;
            (f5 % 251) as i32
        },
    );
}

/// Counted loops whose addresses the value ranges bound (issue #15): inside the initial memory
/// they run without checks and their address additions fold into the access; crossing its end
/// they keep the check and trap at the first access past it; a negative constant that brings
/// a large counter back into memory (no i32 overflow) reads what wasm reads.
#[test]
fn counted_loops_with_ranged_addresses() {
    let walk = |k: i64, from: i64, to: i64| {
        format!(
            "(func $walk (result i32) (local $i i32) (local $s i32)
               i32.const {from} local.set $i
               (loop $l
                 local.get $i i32.const {k} i32.add local.get $i i32.store
                 local.get $i i32.const {k} i32.add i32.load local.get $s i32.add local.set $s
                 local.get $i i32.const 8 i32.add local.tee $i i32.const {to} i32.ne br_if $l)
               local.get $s)"
        )
    };
    // -96 + -88 + .. + -8 = -624, at 65404..65496: inside the 64 KiB memory.
    exits_with(&walk(65500, -96, 0), "call $walk", -624);
    // 65464.. crosses 65536 at i = -24.
    traps(
        &walk(65560, -96, 0),
        "call $walk",
        TrapCode::MemoryOutOfBounds,
    );
    // i in [0x7fffff00, 0x7fffff78] plus 0x80000200: 256..376, no signed overflow.
    let s: i64 = (0..16).map(|n| 0x7fffff00i64 + 8 * n).sum::<i64>() as i32 as i64;
    exits_with(
        &walk(0x80000200u32 as i32 as i64, 0x7fffff00, 0x7fffff80),
        "call $walk",
        s as i32,
    );
}

/// An i32 addition that only addresses memory is the 64-bit `add` of its operands as their
/// extensions hold them (`ext::address_sums`), even where it wraps: a sum that wraps to a small
/// address reads it, and one past the top of memory or 2^31 and above traps; a sum whose 64-bit
/// value could pass 2^32 stays `add_w`.
#[test]
fn address_sums_that_wrap_read_what_wasm_reads() {
    // `p << 2` is sign-extended (`sll_w`), 100 non-negative.
    let at = "(func $at (param $p i32) (result i32)
                i32.const 84 i32.const 7 i32.store8
                local.get $p i32.const 2 i32.shl i32.const 100 i32.add i32.load8_u)";
    exits_with(at, "i32.const -4 call $at", 7);
    exits_with(at, "i32.const 16358 call $at", 0);
    traps(at, "i32.const 16359 call $at", TrapCode::MemoryOutOfBounds);
    traps(
        at,
        "i32.const 0x1fffffc0 call $at",
        TrapCode::MemoryOutOfBounds,
    );
    traps(
        at,
        "i32.const 0x20000000 call $at",
        TrapCode::MemoryOutOfBounds,
    );
    traps(at, "i32.const -26 call $at", TrapCode::MemoryOutOfBounds);
    // A loaded i32 is zero-extended: 0xfffffff0 + 100 is 2^32 + 84 in 64 bits, so that sum
    // stays `add_w` and wraps to 84.
    let loaded = "(func $via (result i32)
                    i32.const 84 i32.const 7 i32.store8
                    i32.const 8 i32.const 0xfffffff0 i32.store
                    i32.const 8 i32.load i32.const 100 i32.add i32.load8_u)";
    exits_with(loaded, "call $via", 7);
}

/// `memory.copy` and `memory.fill` of a constant byte are one DMA operation each, so their
/// steps do not grow with the length; what they leave in memory is the interpreter's
/// (overlapping copies both ways, fills of a byte computed at run time by the byte loop and
/// by doubling copies, of constant and run-time lengths).
#[test]
fn bulk_memory_is_dma() {
    let steps = |n: u32| {
        let text = format!(
            r#"(module (memory 1)
  (func (export "_start")
    (memory.fill (i32.const 3) (i32.const 0x5a) (i32.const {n}))
    (memory.copy (i32.const 5000) (i32.const 1) (i32.const {n}))))"#
        );
        let module = zkc_frontend_wasm::translate(&wat::parse_str(&text).unwrap()).unwrap();
        let linked = zkc_runtime::link(module).unwrap();
        let program = compile(&linked, &CodegenOptions::default()).unwrap();
        let layout = program.layout().unwrap();
        let mut e = Emulator::new(&layout.rom, &emu::legacy_input(b"")).unwrap();
        e.run(10_000_000).unwrap().steps
    };
    assert_eq!(steps(16), steps(4000));
    // Byte by byte, 4000 bytes would take tens of thousands of steps.
    assert!(steps(4000) < 400, "{}", steps(4000));
    let byte = "(i32.add (i32.load8_u (i32.const 0)) (i32.const 0x33))";
    for (fill, copy) in [
        (
            "(i32.const 40) (i32.const 0xa7) (i32.const 57)".to_string(),
            "(i32.const 10) (i32.const 3) (i32.const 200)",
        ),
        (
            "(i32.const 41) (i32.const 0x1ff) (i32.const 57)".to_string(),
            "(i32.const 3) (i32.const 10) (i32.const 200)",
        ),
        // A run-time byte: constant lengths below and above the doubling's minimum, run-time
        // lengths (7 and 64) likewise.
        (
            format!("(i32.const 17) {byte} (i32.const 5)"),
            "(i32.const 17) (i32.const 9) (i32.const 131)",
        ),
        (
            format!("(i32.const 43) {byte} (i32.const 157)"),
            "(i32.const 9) (i32.const 17) (i32.const 131)",
        ),
        (
            format!("(i32.const 43) {byte} (i32.load8_u (i32.const 1))"),
            "(i32.const 9) (i32.const 9) (i32.const 0)",
        ),
        (
            format!("(i32.const 5) {byte} (i32.add (i32.load8_u (i32.const 2)) (i32.const 50))"),
            "(i32.const 0) (i32.const 1) (i32.const 1)",
        ),
    ] {
        // Bytes 0..300 set to 7 * i, filled and copied over, then summed with weights.
        check(&format!(
            "(func (export \"_start\") (local $i i32) (local $s i32)
               (loop $l
                 (i32.store8 (local.get $i) (i32.mul (local.get $i) (i32.const 7)))
                 (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                   (i32.const 300))))
               (memory.fill {fill})
               (memory.copy {copy})
               (local.set $i (i32.const 0))
               {}
               call $exit)",
            checksum(300)
        ));
    }
}

/// A module's own function named like the linked program's entry (`__zkc_start`) is renamed by
/// the runtime's link: the program still starts at the runtime's entry, which runs `_start`.
#[test]
fn a_function_named_like_the_entry() {
    exits_with(
        "(func $__zkc_start (result i32) i32.const 7)",
        "call $__zkc_start",
        7,
    );
}

/// A machine import of another type than the selector lowers is refused as unsupported input.
#[test]
fn mistyped_machine_imports_are_refused() {
    let text = r#"(module
  (import "zisk" "memcpy" (func $f (param i32)))
  (memory 1)
  (func (export "_start") (call $f (i32.const 1))))"#;
    let module = zkc_frontend_wasm::translate(&wat::parse_str(text).unwrap()).unwrap();
    let linked = zkc_runtime::link(module).unwrap();
    let err = compile(&linked, &CodegenOptions::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("machine import zisk.memcpy of type (i32)"),
        "{err}"
    );
}

/// `memory.init` is one DMA copy out of the segment's ROM data: at any offsets in the segment
/// and in memory, over bytes already there, it leaves the interpreter's memory.
#[test]
fn memory_init_is_dma() {
    for (dst, src, n) in [
        (0, 0, 37),
        (5, 3, 30),
        (1003, 17, 1),
        (64, 8, 0),
        (7, 1, 36),
    ] {
        check(&format!(
            "(data $p \"0123456789abcdefghijklmnopqrstuvwxyz!\")
             (func (export \"_start\") (local $i i32) (local $s i32)
               (memory.fill (i32.const 0) (i32.const 0x2e) (i32.const 1100))
               (memory.init $p (i32.const {dst}) (i32.const {src}) (i32.const {n}))
               {}
               call $exit)",
            checksum(1100)
        ));
    }
    traps(
        "(data $p \"abc\")",
        "(memory.init $p (i32.const 0) (i32.const 2) (i32.const 2)) i32.const 0",
        TrapCode::MemoryOutOfBounds,
    );
}

/// A checksum of the memory's first `n` bytes, from `$i` = 0, left on the stack (locals `$i`
/// and `$s`).
fn checksum(n: u32) -> String {
    format!(
        "(loop $l
           (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 31))
             (i32.load8_u (local.get $i))))
           (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
             (i32.const {n}))))
         (local.get $s)"
    )
}

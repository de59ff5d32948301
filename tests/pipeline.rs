//! Every bench program (../shared/bench and zkc's own bench/suite) through the whole driver
//! pipeline (link, softfloat, the optimizer, code generation) at -O0, -O1 and -O2: run on
//! zkc's emulator with its stdin, it prints exactly its expected stdout and exits with its
//! expected status. The optimized IR gives the same results in the reference interpreter (the
//! optimizer's differential test), and at -O2 the real `ziskemu` runs the ELF with the same
//! console, STEPS and VARIABLE as zkc's emulator (skipped when ziskemu is missing, unless
//! `ZKC_REQUIRE_ZISKEMU` is set).
//!
//! The Go programs (../shared/bench-go: 2.5 MB modules with the whole Go runtime) run at -O2
//! only, on zkc's emulator and on the real `ziskemu`.
//!
//! `ZKC_BENCH=name` runs one program.

use std::path::{Path, PathBuf};
use zkc::driver::{self, OptLevel, Options, ZiskExit};
use zkc_testkit::{bench_dir, go_dir, suite_dir};

/// Every program of ../shared/bench and bench/suite, with its suite's directory.
fn programs() -> Vec<(PathBuf, String)> {
    [bench_dir(), suite_dir()]
        .into_iter()
        .flat_map(|dir| {
            let names = zkc_testkit::bench_names(&dir);
            names.into_iter().map(move |n| (dir.clone(), n))
        })
        .collect()
}

struct Expected {
    stdin: Vec<u8>,
    stdout: String,
    code: i32,
}

fn expected(name: &str) -> Expected {
    expected_in(&bench_dir(), name)
}

fn expected_in(dir: &Path, name: &str) -> Expected {
    let (stdin, stdout, code) = zkc_testkit::bench_expected(dir, name);
    Expected {
        stdin,
        stdout,
        code,
    }
}

fn at(level: OptLevel) -> Options {
    Options {
        opt_level: level,
        ..Options::default()
    }
}

/// Runs `module` on zkc's emulator at each of `levels` and asserts that it ends as the
/// reference interpreter's run does (the same exit status, or the same wasm trap); returns
/// whether that run trapped. `what` names the case in failures.
fn ends_as_interpreted(module: &zkc_ir::Module, levels: &[OptLevel], what: &str) -> bool {
    use zkc_ir::interp::{run_command, Exit, Trap};
    let want = run_command(module, b"", Default::default());
    for &level in levels {
        let program = driver::codegen(module.clone(), &at(level), &mut std::io::sink())
            .unwrap_or_else(|e| panic!("{what} {level}: {e}"));
        let rom = driver::layout(&program).expect("layout").rom;
        let run = driver::run_zisk(&rom, b"", 1 << 30).expect("run");
        match &want.exit {
            Exit::Code(c) => assert_eq!(run.exit, ZiskExit::Code(*c), "{what} {level}"),
            Exit::Trap(Trap::Wasm(t)) => assert_eq!(run.exit, ZiskExit::Trap(*t), "{what} {level}"),
            Exit::Trap(t) => panic!("{what}: interpreter: {t}"),
        }
    }
    !matches!(want.exit, Exit::Code(_))
}

fn compile_in(dir: &Path, name: &str, opts: &Options) -> zkc_backend_zisk::Layout {
    let module = driver::load(&dir.join(format!("wasm/{name}.wasm"))).expect("load");
    let program = driver::codegen(module, opts, &mut std::io::sink())
        .unwrap_or_else(|e| panic!("{name} at {}: {e}", opts.opt_level));
    driver::layout(&program).expect("layout")
}

#[test]
fn bench_programs_at_every_level() {
    let mut failures = Vec::new();
    for (dir, name) in programs() {
        let want = expected_in(&dir, &name);
        for level in [OptLevel::O0, OptLevel::O1, OptLevel::O2] {
            let layout = compile_in(&dir, &name, &at(level));
            let run = driver::run_zisk(&layout.rom, &want.stdin, 5_000_000_000).expect("run");
            let console = String::from_utf8_lossy(&run.console);
            if console != want.stdout || run.exit != ZiskExit::Code(want.code) {
                failures.push(format!(
                    "{name} at {level}: {:?}; output {}",
                    run.exit,
                    if console == want.stdout {
                        "as expected"
                    } else {
                        "differs"
                    }
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn optimized_ir_runs_the_same_in_the_interpreter() {
    use zkc_ir::interp::{run_command, Exit};
    for (dir, name) in programs() {
        let want = expected_in(&dir, &name);
        let module = driver::load(&dir.join(format!("wasm/{name}.wasm"))).expect("load");
        for level in [OptLevel::O1, OptLevel::O2] {
            let optimized =
                driver::optimize(module.clone(), &at(level), &mut std::io::sink()).expect("opt");
            let out = run_command(&optimized, &want.stdin, Default::default());
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                want.stdout,
                "{name} at {level}"
            );
            assert!(
                matches!(out.exit, Exit::Code(c) if c == want.code),
                "{name} at {level}: {:?}",
                out.exit
            );
        }
    }
}

/// The programs of `dir` at -O2: the expected output on zkc's emulator, and the same console,
/// STEPS and VARIABLE on the real ziskemu (when there is one).
fn check_at_o2_with_ziskemu(dir: &Path, names: &[String]) {
    let ziskemu = zkc_testkit::ziskemu_or_skip();
    let tmp = std::env::temp_dir().join(format!(
        "zkc-pipeline-{}-{}",
        dir.file_name().unwrap().to_string_lossy(),
        std::process::id()
    ));
    std::fs::create_dir_all(&tmp).unwrap();
    for name in names {
        let want = expected_in(dir, name);
        let layout = compile_in(dir, name, &at(OptLevel::O2));
        let input = zkc_backend_zisk::emu::legacy_input(&want.stdin);
        let ours = {
            let mut emu = zkc_backend_zisk::Emulator::new(&layout.rom, &input)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            emu.run(u64::MAX).unwrap_or_else(|e| panic!("{name}: {e}"));
            emu.stdout_like_ziskemu()
        };
        assert!(ours.starts_with(&want.stdout), "{name}: output");
        let Some(ziskemu) = &ziskemu else { continue };
        let elf = tmp.join(format!("{name}.elf"));
        let input_path = tmp.join(format!("{name}.input"));
        std::fs::write(&elf, zkc_backend_zisk::zisk_bin::write_elf(&layout.rom)).unwrap();
        std::fs::write(&input_path, &input).unwrap();
        let theirs = zkc_testkit::run_ziskemu(ziskemu, "-e", &elf, Some(&input_path));
        assert_eq!(theirs, ours, "{name}: ziskemu -e output and cost report");
    }
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn real_ziskemu_agrees_at_o2() {
    for dir in [bench_dir(), suite_dir()] {
        check_at_o2_with_ziskemu(&dir, &zkc_testkit::bench_names(&dir));
    }
}

#[test]
fn go_programs_at_o2() {
    check_at_o2_with_ziskemu(&go_dir(), &zkc_testkit::bench_names(&go_dir()));
}

/// `driver::allocation_share` separates what allocation costs from the rest, the floor: the
/// floor is a property of the selected code, so the slot allocator (every vreg its own slot)
/// and the coloring allocator measure the same floor (within the few instructions they place
/// differently, e.g. the return address); the slot allocator's share is most of its MEMORY,
/// and the coloring allocator's is smaller.
#[test]
fn allocation_share_separates_a_floor_both_allocators_agree_on() {
    use zkc_backend_zisk::codegen::Allocator;
    for name in ["c_fib", "rs_sort", "wat_i64"] {
        let e = expected(name);
        let run = |allocator| {
            let mut opts = at(OptLevel::O0);
            opts.codegen.allocator = allocator;
            let module = driver::load(&bench_dir().join(format!("wasm/{name}.wasm"))).unwrap();
            let program = driver::codegen(module, &opts, &mut std::io::sink()).unwrap();
            let rom = driver::layout(&program).unwrap().rom;
            let run = driver::run_zisk_with(&rom, &e.stdin, 1 << 32, true).unwrap();
            assert_eq!(String::from_utf8_lossy(&run.console), e.stdout, "{name}");
            let share = driver::allocation_share(&program, &run);
            (run.stats, share)
        };
        let (slots, s) = run(Allocator::Slots);
        let (coloring, c) = run(Allocator::Coloring);
        assert!(2 * s.memory > slots.memory_cost, "{name}: slots {s:?}");
        assert!(c.variable < s.variable, "{name}: {c:?} vs {s:?}");
        // Static words (globals, bound words) are the selected code's, not the allocator's.
        assert_eq!(s.static_memory, c.static_memory, "{name}");
        assert!(c.static_memory > 0 && c.static_memory < coloring.memory_cost - c.memory);
        let floor = |st: &zkc_backend_zisk::Stats, a: &driver::AllocShare| {
            [st.memory_cost - a.memory, st.variable_cost() - a.variable]
        };
        let (fs, fc) = (floor(&slots, &s), floor(&coloring, &c));
        for k in 0..2 {
            let gap = fs[k].abs_diff(fc[k]) as f64 / fc[k] as f64;
            assert!(
                gap < 0.05,
                "{name}: floors {fs:?} (slots) vs {fc:?} (coloring)"
            );
        }
    }
}

/// ../shared/repro/coloring-trap.wasm (a printf-heavy C program, reduced): its indirect calls
/// reach functions outside the caller's call-graph component, whose clobbers the coloring
/// allocator once dropped from the caller's summary. It runs to exit 0 with the interpreter's
/// output at every level with both allocators.
#[test]
fn coloring_trap_repro_runs_everywhere() {
    use zkc_backend_zisk::codegen::Allocator;
    use zkc_ir::interp::{run_command, Exit};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/repro");
    let stdin = std::fs::read(dir.join("coloring-trap.stdin")).expect("stdin");
    let module = driver::load(&dir.join("coloring-trap.wasm")).expect("load");
    let want = run_command(&module, &stdin, Default::default());
    assert!(matches!(want.exit, Exit::Code(0)), "{:?}", want.exit);
    for level in [OptLevel::O0, OptLevel::O1, OptLevel::O2] {
        for allocator in [Allocator::Slots, Allocator::Coloring] {
            let mut opts = at(level);
            opts.codegen.allocator = allocator;
            let program = driver::codegen(module.clone(), &opts, &mut std::io::sink())
                .unwrap_or_else(|e| panic!("{level} {allocator:?}: {e}"));
            let rom = driver::layout(&program).expect("layout").rom;
            let run = driver::run_zisk(&rom, &stdin, 1 << 32).expect("run");
            assert_eq!(run.exit, ZiskExit::Code(0), "{level} {allocator:?}");
            assert_eq!(run.console, want.stdout, "{level} {allocator:?}");
        }
    }
}

/// Copy loops (`opt` `version`, "Copy loops"): word and byte loops, one unrolled, over
/// overlapping ranges both ways and apart, leave the interpreter's memory at -O2 (the guarded
/// path is one `memory.copy` where that means the same, the element loop where the destination
/// lies inside the source range), and one that runs past the memory's end still traps.
#[test]
fn copy_loops_copy_what_the_loops_copy() {
    use zkc_ir::interp::{run_command, Exit};
    let copies = [
        (64, 128, 96),
        (128, 64, 96),
        (64, 68, 200),
        (68, 64, 200),
        (300, 301, 101),
        (301, 300, 101),
        (20, 700, 300),
        (700, 20, 300),
    ];
    // The triples as data at 2048, read by a loop: the copy functions see run-time arguments.
    let data: String = copies
        .iter()
        .flat_map(|&(d, s, n)| [d, s, n])
        .map(|w: u32| {
            w.to_le_bytes()
                .iter()
                .map(|b| format!("\\{b:02x}"))
                .collect::<String>()
        })
        .collect();
    let calls = format!(
        "(local.set $i (i32.const 2048))
         (loop $c
           (call $words (i32.load (local.get $i)) (i32.load offset=4 (local.get $i))
             (i32.load offset=8 (local.get $i)))
           (call $pairs (i32.load offset=4 (local.get $i)) (i32.load (local.get $i))
             (i32.load offset=8 (local.get $i)))
           (call $bytes (i32.load (local.get $i)) (i32.load offset=4 (local.get $i))
             (i32.load offset=8 (local.get $i)))
           (br_if $c (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 12)))
             (i32.const {}))))",
        2048 + 12 * copies.len()
    );
    let program = |tail: &str| {
        format!(
            r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1)
  (data (i32.const 2048) "{data}")
  (func $words (param $d i32) (param $s i32) (param $n i32) (local $k i32)
    (loop $l
      (i32.store (i32.add (local.get $d) (local.get $k))
        (i32.load (i32.add (local.get $s) (local.get $k))))
      (br_if $l (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 4)))
        (local.get $n)))))
  (func $pairs (param $d i32) (param $s i32) (param $n i32) (local $k i32)
    (loop $l
      (i32.store (i32.add (local.get $d) (local.get $k))
        (i32.load (i32.add (local.get $s) (local.get $k))))
      (i32.store offset=4 (i32.add (local.get $d) (local.get $k))
        (i32.load offset=4 (i32.add (local.get $s) (local.get $k))))
      (br_if $l (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 8)))
        (local.get $n)))))
  (func $bytes (param $d i32) (param $s i32) (param $n i32)
    (loop $l
      (i32.store8 (local.get $d) (i32.load8_u (local.get $s)))
      (local.set $d (i32.add (local.get $d) (i32.const 1)))
      (local.set $s (i32.add (local.get $s) (i32.const 1)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "_start") (local $i i32) (local $sum i32)
    (loop $l
      (i32.store8 (local.get $i) (i32.mul (local.get $i) (i32.const 7)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
        (i32.const 1100))))
    {calls}
    {tail}
    (local.set $i (i32.const 0))
    (loop $l
      (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31))
        (i32.load8_u (local.get $i))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
        (i32.const 1100))))
    (call $exit (i32.and (local.get $sum) (i32.const 127)))))"#
        )
    };
    let past_the_end = "(call $words (i32.const 65000) (i32.const 0) (i32.const 600))";
    for tail in ["", past_the_end] {
        let module = zkc_frontend_wasm::translate(program(tail).as_bytes()).expect("wat");
        let want = run_command(&module, b"", Default::default());
        let optimized =
            driver::optimize(module.clone(), &at(OptLevel::O2), &mut std::io::sink()).unwrap();
        let copies = optimized
            .funcs
            .values()
            .filter_map(|f| f.body())
            .flat_map(|f| f.insts.values())
            .filter(|d| d.op == zkc_ir::Op::MemoryCopy)
            .count();
        // One per copy function (the call past the end adds an inlined one).
        assert!(copies >= 3, "{copies} memory.copy");
        let program = driver::codegen(module, &at(OptLevel::O2), &mut std::io::sink()).unwrap();
        let rom = driver::layout(&program).expect("layout").rom;
        let run = driver::run_zisk(&rom, b"", 1 << 30).expect("run");
        match want.exit {
            Exit::Code(c) => assert_eq!(run.exit, ZiskExit::Code(c), "{tail}"),
            Exit::Trap(zkc_ir::interp::Trap::Wasm(t)) => assert_eq!(run.exit, ZiskExit::Trap(t)),
            Exit::Trap(t) => panic!("interpreter: {t}"),
        }
        assert_eq!(tail.is_empty(), matches!(want.exit, Exit::Code(_)));
    }
}

/// Signed tests (`opt` `version`, "Signed tests"): an interpreter loop that goes on while
/// `pc <s n`, its code read at `pc + 100` (an i32 addition) and `pc` moved by the byte read (a byte of 0x80 or
/// more jumps back by 256 less it, once: the loop overwrites it), gives the interpreter's result
/// at -O2 when the jumps stay in the code, when one lands at a negative `pc` whose address is
/// still inside the memory (the copy leaves for the checked loop there), when one lands below
/// address 0 (the trap), and when `n` reaches past the memory's end (the guard fails, the
/// checked loop traps at the first byte outside).
#[test]
fn signed_tests_version_interpreter_loops() {
    let cases: [(&[(u32, u8)], i32); 5] = [
        (&[], 40),
        (&[(30, 0xf6)], 40),
        (&[(5, 0xc0)], 40),
        (&[(10, 0x80)], 40),
        (&[], 65500),
    ];
    for (jumps, n) in cases {
        let data: String = jumps
            .iter()
            .map(|&(at, b)| format!("(data (i32.const {}) \"\\{b:02x}\")", 100 + at))
            .collect();
        let wat = format!(
            r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1)
  {data}
  (func $run (param $n i32) (result i32) (local $pc i32) (local $acc i32) (local $op i32)
    (if (i32.lt_s (i32.const 0) (local.get $n))
      (then
        (loop $l
          (local.set $op (i32.load8_u (i32.add (local.get $pc) (i32.const 100))))
          (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31))
            (i32.add (local.get $op) (local.get $pc))))
          (i32.store8 (i32.add (local.get $pc) (i32.const 100)) (i32.const 1))
          (local.set $pc (i32.add (local.get $pc)
            (select (i32.sub (local.get $op) (i32.const 256)) (i32.const 1)
              (i32.ge_u (local.get $op) (i32.const 128)))))
          (br_if $l (i32.lt_s (local.get $pc) (local.get $n))))))
    (local.get $acc))
  (func (export "_start")
    (call $exit (i32.and (call $run (i32.const {n})) (i32.const 127)))))"#
        );
        let module = zkc_frontend_wasm::translate(wat.as_bytes()).expect("wat");
        let optimized =
            driver::optimize(module.clone(), &at(OptLevel::O2), &mut std::io::sink()).unwrap();
        let unchecked = optimized
            .funcs
            .values()
            .filter_map(|f| f.body())
            .flat_map(|f| f.insts.values())
            .filter(|d| matches!(d.op, zkc_ir::Op::Load { notrap: true, .. }))
            .count();
        assert!(unchecked >= 1, "{jumps:?} {n}: the loop is not versioned");
        let what = format!("{jumps:?} {n}");
        let traps = jumps.contains(&(10, 0x80)) || n > 65436;
        assert_eq!(
            traps,
            ends_as_interpreted(&module, &[OptLevel::O2], &what),
            "{what}"
        );
    }
}

/// Wrapped addresses (`backend-zisk` `isel.rs`, `Wrapped`): an access at `i32.wrap_i64` of
/// an i64 pointer checks the pointer's raw value and, where that fails, zero-extends it and
/// checks again. At every level, a pointer whose upper bits are set but whose low 32 bits
/// address the memory stores and loads there, as the interpreter does, and one whose low bits
/// lie past the memory's end traps.
#[test]
fn wrapped_addresses_access_their_low_bits() {
    for (ptr, traps) in [
        (0x40u64, false),
        (0x1_0000_0040, false),
        (0xffff_ffff_0000_fff8, false),
        (0x5_0001_0000, true),
        (0xfff9, true),
    ] {
        let wat = format!(
            r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1)
  (global $p (mut i64) (i64.const {ptr}))
  (func $f (param $p i64) (result i64)
    (i64.store (i32.wrap_i64 (local.get $p))
      (i64.add (i64.load (i32.const 0x40)) (i64.const 0x1234)))
    (i64.add (i64.load (i32.wrap_i64 (local.get $p))) (i64.load (i32.const 0x40))))
  (func (export "_start")
    (call $exit (i32.wrap_i64 (i64.and (call $f (global.get $p)) (i64.const 127))))))"#
        );
        let module = zkc_frontend_wasm::translate(wat.as_bytes()).expect("wat");
        let levels = [OptLevel::O0, OptLevel::O1, OptLevel::O2];
        let what = format!("{ptr:#x}");
        assert_eq!(
            traps,
            ends_as_interpreted(&module, &levels, &what),
            "{what}"
        );
    }
}

/// Displaced accesses (`backend-zisk` `checks.rs`): loads and a store at `p + d` of a
/// sign-extended `p` (an arithmetic shift's result), one check for them all, then after a call
/// a load at a lower displacement, give the interpreter's results at every level: `p` inside
/// the memory, `p` negative with every `p + d` wrapping into it (the raw sums are the
/// addresses), `p` negative with `p + 4` only below address 0 (the trap at the last load, which
/// the first check does not cover), `p + 16` below 0 (the trap at the first check), `p` near the
/// memory's end and past it.
#[test]
fn displaced_accesses_check_their_root() {
    for (x, traps) in [
        (2048i32, false),
        (-8, false),
        (-16, true),
        (-40, true),
        (2 * (65536 - 24), false),
        (2 * (65536 - 20), true),
    ] {
        let wat = format!(
            r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1)
  (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10\11\12\13\14\15\16\17\18")
  (global $x (mut i32) (i32.const {x}))
  (func $f (param $x i32) (result i32) (local $p i32) (local $s i32)
    (local.set $p (i32.shr_s (local.get $x) (i32.const 1)))
    (local.set $s (i32.add (i32.load8_u (i32.add (local.get $p) (i32.const 16)))
      (i32.mul (i32.load (i32.add (local.get $p) (i32.const 20))) (i32.const 3))))
    (i32.store8 (i32.add (local.get $p) (i32.const 12)) (local.get $s))
    (call $g)
    (i32.add (local.get $s) (i32.load8_u (i32.add (local.get $p) (i32.const 4)))))
  (func $g (global.set $x (i32.add (global.get $x) (i32.const 1))))
  (func (export "_start")
    (call $exit (i32.and (call $f (global.get $x)) (i32.const 127)))))"#
        );
        let module = zkc_frontend_wasm::translate(wat.as_bytes()).expect("wat");
        let levels = [OptLevel::O0, OptLevel::O1, OptLevel::O2];
        assert_eq!(
            traps,
            ends_as_interpreted(&module, &levels, &x.to_string()),
            "{x}"
        );
    }
}

/// Slots (`opt` `version`, "Slots"): a loop that keeps a running sum at an invariant address
/// and writes it back into the array it walks leaves the interpreter's memory at -O2, where the
/// sum's address lies apart from the array (kept in a value, stored once at the exit) and where
/// it lies inside it (the guard sends those runs to the loop that reads and writes memory).
#[test]
fn slots_keep_what_memory_keeps() {
    use zkc_ir::interp::{run_command, Exit};
    let runs = [
        (64, 40, 8),
        (64, 40, 100),
        (64, 40, 200),
        (300, 17, 4),
        (64, 40, 60),
    ];
    let calls: String = runs
        .iter()
        .map(|(a, n, s)| {
            format!(
                "(call $sums (i32.add (global.get $base) (i32.const {a})) (i32.const {n})
                   (i32.add (global.get $base) (i32.const {s})))"
            )
        })
        .collect();
    let text = format!(
        r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1)
  (global $base (mut i32) (i32.const 0))
  (func $sums (param $a i32) (param $n i32) (param $s i32) (local $i i32)
    (loop $l
      (i32.store (local.get $s)
        (i32.add (i32.load (local.get $s)) (i32.load (local.get $a))))
      (i32.store (local.get $a) (i32.load (local.get $s)))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "_start") (local $i i32) (local $sum i32)
    (loop $l
      (i32.store8 (local.get $i) (i32.mul (local.get $i) (i32.const 7)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
        (i32.const 600))))
    {calls}
    (local.set $i (i32.const 0))
    (loop $l
      (local.set $sum (i32.add (i32.mul (local.get $sum) (i32.const 31))
        (i32.load8_u (local.get $i))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
        (i32.const 600))))
    (call $exit (i32.and (local.get $sum) (i32.const 127)))))"#
    );
    let module = zkc_frontend_wasm::translate(text.as_bytes()).expect("wat");
    let want = run_command(&module, b"", Default::default());
    let Exit::Code(code) = want.exit else {
        panic!("interpreter: {:?}", want.exit)
    };
    let mut dump = Vec::new();
    let opts = Options {
        dump_after: vec!["version".into()],
        ..at(OptLevel::O2)
    };
    let program = driver::codegen(module, &opts, &mut dump).unwrap();
    let dump = String::from_utf8(dump).unwrap();
    assert!(dump.contains("slots in values 1"), "{dump}");
    let rom = driver::layout(&program).expect("layout").rom;
    let run = driver::run_zisk(&rom, b"", 1 << 30).expect("run");
    assert_eq!(run.exit, ZiskExit::Code(code));
}

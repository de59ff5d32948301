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

//! Running a program every way the tables need: compiled by zkc in this process (any level,
//! any allocator) or in a child process (for its peak memory), run on zkc's emulator with the
//! output checked, and its ziskbin ELF on the real `ziskemu`, whose cost report must agree with
//! zkc's to the unit; upstream's translation and native builds on `ziskemu` alone.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use zkc::driver::{self, OptLevel, Options};
use zkc_backend_zisk::codegen::{trap_label, Allocator, WRAPPED_TAG};
use zkc_backend_zisk::mem_map::{INST_SIZE, ROM_ADDR};
use zkc_backend_zisk::program::{Flow, InstKind, Item, OpInst, Target};
use zkc_backend_zisk::{zisk_bin, Rom};
use zkc_ir::TrapCode;

/// Steps after which zkc's emulator gives up on a program.
const MAX_STEPS: u64 = 20_000_000_000;

/// One program with its input and the output it must print.
pub struct Program {
    pub name: String,
    pub wasm: PathBuf,
    pub stdin: PathBuf,
    pub stdout: Vec<u8>,
}

/// The programs of suites laid out as `../shared/bench` is (`wasm/NAME.wasm`,
/// `expected/NAME.stdin`, `expected/NAME.stdout`), those named in `only` (all when empty),
/// in the order of `../shared/bench/README.md`: C, Rust, WAT, then Go, each alphabetical
/// whichever suite a program comes from.
pub fn programs(suites: &[PathBuf], only: &[String]) -> Vec<Program> {
    let mut names: Vec<(String, &PathBuf)> = suites
        .iter()
        .flat_map(|suite| {
            let dir = std::fs::read_dir(suite.join("wasm")).into_iter().flatten();
            dir.filter_map(move |e| {
                let p = e.ok()?.path();
                if p.extension()? != "wasm" {
                    return None;
                }
                Some((p.file_stem()?.to_string_lossy().into_owned(), suite))
            })
        })
        .filter(|(n, _)| only.is_empty() || only.contains(n))
        .collect();
    names.sort_by_key(|(n, _)| {
        (
            ["c_", "rs_", "wat_", "go_"]
                .iter()
                .position(|p| n.starts_with(p)),
            n.clone(),
        )
    });
    names
        .into_iter()
        .map(|(name, suite)| Program {
            wasm: suite.join(format!("wasm/{name}.wasm")),
            stdin: suite.join(format!("expected/{name}.stdin")),
            stdout: std::fs::read(suite.join(format!("expected/{name}.stdout")))
                .unwrap_or_default(),
            name,
        })
        .collect()
}

/// The cost lines of a `ziskemu -X` report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    pub steps: u64,
    pub main: u64,
    pub opcodes: u64,
    pub memory: u64,
    pub variable: u64,
}

/// A measured cost, or why there is none (said in the table's cell).
pub type Measure = Result<Cost, String>;

pub fn parse_report(text: &str) -> Option<Cost> {
    let field = |name: &str| -> Option<u64> {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))?;
        line.split_whitespace()
            .nth(1)?
            .replace(',', "")
            .parse()
            .ok()
    };
    Some(Cost {
        steps: field("STEPS")?,
        main: field("MAIN")?,
        opcodes: field("OPCODES")?,
        memory: field("MEMORY")?,
        variable: field("VARIABLE")?,
    })
}

/// Runs the real ziskemu on `target` (a wasm module or a ziskbin ELF, `-e`) with the program's
/// stdin; checks its console.
pub fn ziskemu(target: &Path, p: &Program) -> Measure {
    let out = Command::new("ziskemu")
        .arg("-e")
        .arg(target)
        .arg("--legacy-inputs")
        .arg(&p.stdin)
        .arg("-X")
        .output()
        .map_err(|e| format!("ziskemu not runnable: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    let cost = parse_report(&text).ok_or_else(|| {
        let why = err
            .lines()
            .chain(text.lines())
            .find(|l| l.contains("rror"))
            .unwrap_or("no report");
        format!("fails: {}", why.trim())
    })?;
    let console = text.split("\nREPORT (cost version").next().unwrap_or("");
    if console.trim_end().as_bytes() != String::from_utf8_lossy(&p.stdout).trim_end().as_bytes() {
        return Err("wrong output".into());
    }
    Ok(cost)
}

/// `ziskemu --version`, when it is installed.
pub fn ziskemu_version() -> Option<String> {
    let out = Command::new("ziskemu").arg("--version").output().ok()?;
    Some(
        String::from_utf8_lossy(&out.stdout)
            .split(" (")
            .next()?
            .trim()
            .to_string(),
    )
}

/// The driver's options for a level and an allocator (bounds checks on, as `zkc run`).
pub fn options(opt_level: OptLevel, allocator: Allocator) -> Options {
    let mut options = Options {
        opt_level,
        ..Options::default()
    };
    options.codegen.allocator = allocator;
    options
}

/// The whole pipeline in this process: what `zkc run` compiles.
pub fn build(wasm: &Path, opts: &Options) -> Result<zkc_backend_zisk::Program, String> {
    let sink = &mut std::io::sink();
    let m = driver::load(wasm).map_err(|e| e.to_string())?;
    driver::codegen(m, opts, sink).map_err(|e| e.to_string())
}

/// Median wall time of `f` over five runs.
pub fn median_time(mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[2]
}

/// zkc's figures for one program at one setting.
pub struct Run {
    pub cost: Measure,
    /// What the register allocation costs of it (profiled runs only).
    pub alloc: Option<driver::AllocShare>,
    /// Instructions in the emitted program, runtime included (0 when not compiled here).
    pub insts: usize,
    /// Memory bounds checks executed (when the output was right).
    pub bounds_checks: Option<u64>,
    /// Steps emulated and the time zkc's emulator took.
    pub emulated: (u64, Duration),
}

/// Compiles `p` with `opts`, runs it on zkc's emulator (output checked; with `profile`, also
/// what allocation costs) and, with `real`, its ELF on the real ziskemu.
pub fn zkc(p: &Program, opts: &Options, real: bool, profile: bool) -> Run {
    match build(&p.wasm, opts) {
        Ok(program) => {
            let insts = program
                .items
                .iter()
                .filter(|i| matches!(i, Item::Inst { .. }))
                .count();
            let rom = driver::layout(&program).map(|l| l.rom);
            let (cost, emulated, run) = match rom {
                Ok(rom) => run_rom_with(p, &rom, real, profile),
                Err(e) => (Err(e.to_string()), (0, Duration::ZERO), None),
            };
            Run {
                bounds_checks: run.as_ref().map(|run| bounds_checks(&program, run)),
                alloc: run
                    .filter(|_| profile)
                    .map(|run| driver::allocation_share(&program, &run)),
                cost,
                insts,
                emulated,
            }
        }
        Err(e) => Run {
            cost: Err(format!("compile error: {e}")),
            alloc: None,
            insts: 0,
            bounds_checks: None,
            emulated: (0, Duration::ZERO),
        },
    }
}

/// The memory bounds checks `run` executed: the executions of `program`'s instructions that
/// branch to the out-of-bounds trap (a check of a load's or store's address, or of a bulk
/// memory operation's range), and of those that check an address's raw 64-bit value and
/// branch, when that fails, to the path that zero-extends and checks it (`backend-zisk`
/// `isel.rs`, `Wrapped`: labels tagged [`WRAPPED_TAG`]). `program`
/// must have its `_start` first, as [`zkc_backend_zisk::Program::allocation_costs`] needs.
pub fn bounds_checks(program: &zkc_backend_zisk::Program, run: &driver::ZiskRun) -> u64 {
    let Some(trap) = program
        .symbols
        .get(&trap_label(TrapCode::MemoryOutOfBounds))
    else {
        return 0;
    };
    let trap = Target::Label(trap);
    let checks: HashSet<u64> = program
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Inst { kind, .. } => Some(kind),
            _ => None,
        })
        .enumerate()
        .filter(|(_, kind)| match kind {
            InstKind::Op(OpInst {
                flow: Flow::Branch { taken, not_taken },
                ..
            }) => [taken, not_taken].into_iter().any(|t| {
                *t == trap
                    || matches!(t, Target::Label(l)
                        if program.symbols.tag(*l) == Some(WRAPPED_TAG))
            }),
            _ => false,
        })
        .map(|(i, _)| ROM_ADDR + INST_SIZE * i as u64)
        .collect();
    run.pc_costs
        .iter()
        .filter(|(pc, _, _)| checks.contains(pc))
        .map(|&(_, n, _)| n)
        .sum()
}

/// Runs a compiled program on zkc's emulator, checks its output and, with `real`, that the real
/// ziskemu reports the same cost for its ELF. Also gives the steps emulated and their time.
pub fn run_rom(p: &Program, rom: &Rom, real: bool) -> (Measure, (u64, Duration)) {
    let (cost, emulated, _) = run_rom_with(p, rom, real, false);
    (cost, emulated)
}

/// A checked run: its cost, the steps emulated and their time, and the run itself when its
/// output was right.
type Checked = (Measure, (u64, Duration), Option<driver::ZiskRun>);

/// [`run_rom`], with every instruction's cost when profiling (`zkc run --profile`).
fn run_rom_with(p: &Program, rom: &Rom, real: bool, profile: bool) -> Checked {
    let (cost, emulated, run) = emulate(p, rom, profile);
    if !real || cost.is_err() {
        return (cost, emulated, run);
    }
    let cost = cost.expect("checked");
    let elf = temp_path(&p.name, "elf");
    let theirs = std::fs::write(&elf, zisk_bin::write_elf(rom))
        .map_err(|e| e.to_string())
        .and_then(|()| ziskemu(&elf, p));
    let _ = std::fs::remove_file(&elf);
    let checked = match theirs {
        Ok(c) if c == cost => Ok(cost),
        Ok(c) => Err(format!("ziskemu disagrees: {c:?} vs {cost:?}")),
        Err(e) => Err(format!("ziskemu: {e}")),
    };
    (checked, emulated, run)
}

/// The run on zkc's emulator, its output checked.
fn emulate(p: &Program, rom: &Rom, profile: bool) -> Checked {
    let stdin = std::fs::read(&p.stdin).unwrap_or_default();
    let t = Instant::now();
    let run = match driver::run_zisk_with(rom, &stdin, MAX_STEPS, profile) {
        Ok(run) => run,
        Err(e) => return (Err(e.to_string()), (0, Duration::ZERO), None),
    };
    let emulated = (run.stats.steps, t.elapsed());
    if run.console != p.stdout {
        return (
            Err(format!("wrong output ({:?})", run.exit)),
            emulated,
            None,
        );
    }
    match parse_report(&run.stats.format_like_ziskemu()) {
        Some(cost) => (Ok(cost), emulated, Some(run)),
        None => (Err("no report".into()), emulated, None),
    }
}

/// A file in the temporary directory private to this run.
pub fn temp_path(name: &str, ext: &str) -> PathBuf {
    std::env::temp_dir().join(format!("zkc-bench-{name}-{}.{ext}", std::process::id()))
}

/// A compilation done in a child process: its ELF, wall time and peak resident memory.
pub struct ChildCompile {
    pub rom: Rom,
    pub time: Duration,
    pub peak_kib: u64,
}

/// The hidden command-line flag that makes this binary the child of [`compile_in_child`].
pub const CHILD_FLAG: &str = "--compile-child";

/// Compiles `wasm` at the default options in a fresh process (this binary run with
/// [`CHILD_FLAG`], which does what `zkc WASM --emit elf -o OUT` does), so that its peak
/// resident memory is the compilation's alone. The time is the child process's wall time, from
/// its start to its exit, as a user of the CLI waits for it.
pub fn compile_in_child(name: &str, wasm: &Path) -> Result<ChildCompile, String> {
    let elf = temp_path(name, "elf");
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let t = Instant::now();
    let out = Command::new(exe)
        .arg(CHILD_FLAG)
        .arg(wasm)
        .arg(&elf)
        .output()
        .map_err(|e| e.to_string())?;
    let time = t.elapsed();
    let report = String::from_utf8_lossy(&out.stdout);
    let bytes = std::fs::read(&elf);
    let _ = std::fs::remove_file(&elf);
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "compile error: {}",
            err.lines().next().unwrap_or("").trim()
        ));
    }
    let Ok(peak_kib) = report.trim().parse::<u64>() else {
        return Err(format!("child report unreadable: {report}"));
    };
    let rom = zisk_bin::read_elf(&bytes.map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    Ok(ChildCompile {
        rom,
        time,
        peak_kib,
    })
}

/// The child's side of [`compile_in_child`]: compiles `wasm` to the ELF `out` as the CLI does
/// (the program written straight to the ELF, its memory left to the process's exit), then
/// prints the process's peak resident set (VmHWM, KiB).
pub fn child_main(wasm: &Path, out: &Path) -> Result<(), String> {
    driver::one_malloc_arena();
    let program = build(wasm, &Options::default())?;
    let elf = zisk_bin::write_program_elf(&program).map_err(|e| e.to_string())?;
    std::fs::write(out, elf).map_err(|e| e.to_string())?;
    std::mem::forget(program);
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
    let peak = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .ok_or("no VmHWM in /proc/self/status")?;
    println!("{peak}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The count agrees with what `zkc run --annotate` shows: the executions on the lines
    /// of the assembly that jump to `__trap_heap_oob`, or to a path that checks a wrapped
    /// address (`{function}_w{n}`).
    #[test]
    fn bounds_checks_are_the_annotated_jumps_to_the_trap() {
        let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/bench");
        let p = &programs(&[suite], &["c_sha256".to_string()])[0];
        let program = build(&p.wasm, &options(OptLevel::O2, Allocator::Coloring)).unwrap();
        let rom = driver::layout(&program).unwrap().rom;
        let stdin = std::fs::read(&p.stdin).unwrap();
        let run = driver::run_zisk_with(&rom, &stdin, MAX_STEPS, true).unwrap();
        assert_eq!(run.console, p.stdout);
        let trap = format!("j({})", trap_label(TrapCode::MemoryOutOfBounds));
        let annotated: u64 = driver::annotate(&program, &run)
            .unwrap()
            .lines()
            .filter(|l| {
                l.contains(&trap)
                    || l.split("j(").nth(1).is_some_and(|t| {
                        let label = t.trim_end_matches(')');
                        label.rsplit_once(WRAPPED_TAG).is_some_and(|(_, n)| {
                            !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
                        })
                    })
            })
            .filter_map(|l| l.split_whitespace().next()?.parse::<u64>().ok())
            .sum();
        assert!(annotated > 0);
        assert_eq!(bounds_checks(&program, &run), annotated);
    }
}

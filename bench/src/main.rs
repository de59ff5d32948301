//! `cargo run --release -p zkc-bench` writes BENCHMARKS.md: for every program in
//! ../shared/bench/wasm, the ZisK cost of zkc's code next to upstream's own wasm translation
//! (`ziskemu -e NAME.wasm`) and native gcc / clang RISC-V builds of the C sources, all on the
//! real `ziskemu` where it is installed; plus compile-time and tool-speed figures.
//!
//! Costs are deterministic (the same clone gives the same table); times are not and are marked
//! so. A column that cannot be measured says why in its cell.

use clap::Parser;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Regenerate BENCHMARKS.md")]
struct Args {
    /// Only these programs (default: all); e.g. `--only c_fib,wat_i32`.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Where to write the table (default: BENCHMARKS.md in the workspace root).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Skip the native RISC-V columns (they build with the riscv64 toolchain).
    #[arg(long)]
    no_native: bool,
    /// Exit with status 1 when a zkc cell is not a figure (wrong output, a compile error, or
    /// disagreement with the real ziskemu).
    #[arg(long)]
    check: bool,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn shared() -> PathBuf {
    workspace().join("../shared/bench")
}

/// One benchmark program and what it must print.
struct Program {
    name: String,
    wasm: PathBuf,
    stdin: PathBuf,
    stdout: Vec<u8>,
}

fn programs(only: &[String]) -> Vec<Program> {
    let mut names: Vec<String> = std::fs::read_dir(shared().join("wasm"))
        .expect("../shared/bench/wasm")
        .filter_map(|e| {
            let p = e.ok()?.path();
            if p.extension()? != "wasm" {
                return None;
            }
            Some(p.file_stem()?.to_string_lossy().into_owned())
        })
        .filter(|n| only.is_empty() || only.contains(n))
        .collect();
    // C, then Rust, then WAT, each alphabetical: the order of ../shared/bench/README.md.
    names.sort_by_key(|n| {
        (
            ["c_", "rs_", "wat_"].iter().position(|p| n.starts_with(p)),
            n.clone(),
        )
    });
    names
        .into_iter()
        .map(|name| Program {
            wasm: shared().join(format!("wasm/{name}.wasm")),
            stdin: shared().join(format!("expected/{name}.stdin")),
            stdout: std::fs::read(shared().join(format!("expected/{name}.stdout")))
                .unwrap_or_default(),
            name,
        })
        .collect()
}

/// The cost lines of a `ziskemu -X` report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Cost {
    steps: u64,
    main: u64,
    opcodes: u64,
    memory: u64,
    variable: u64,
}

fn parse_report(text: &str) -> Option<Cost> {
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

/// Runs the real ziskemu on `target` (`-e` file) with the program's stdin; checks its console.
fn ziskemu(flag: &str, target: &Path, p: &Program) -> Result<Cost, String> {
    let out = Command::new("ziskemu")
        .arg(flag)
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

/// The first line of `tool --version`.
fn tool_version(tool: &str) -> Option<String> {
    let out = Command::new(tool).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Some(text.lines().next()?.trim().to_string())
}

fn have_ziskemu() -> Option<String> {
    let out = Command::new("ziskemu").arg("--version").output().ok()?;
    Some(
        String::from_utf8_lossy(&out.stdout)
            .split(" (")
            .next()?
            .trim()
            .to_string(),
    )
}

/// Builds the native RISC-V guests of the C programs once (../shared/bench/native/build.sh).
fn build_native(dir: &Path) -> Result<(), String> {
    let out = Command::new("bash")
        .arg(shared().join("native/build.sh"))
        .arg(dir)
        .output()
        .map_err(|e| format!("build.sh: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err("riscv64 toolchain missing (scripts/install-bench-tools)".into())
    }
}

/// Median wall time of `f` over a few runs.
fn time(mut f: impl FnMut()) -> Duration {
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

fn num(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A figure, or why it is missing (said in the first cell of a column pair, `-` after).
fn cell(r: &Result<Cost, String>, f: impl Fn(&Cost) -> u64, first: bool) -> String {
    match r {
        Ok(c) => num(f(c)),
        Err(e) if first => e.clone(),
        Err(_) => "-".into(),
    }
}

fn ratio(a: &Result<Cost, String>, b: &Result<Cost, String>) -> Option<f64> {
    match (a, b) {
        (Ok(a), Ok(b)) if b.variable > 0 => Some(a.variable as f64 / b.variable as f64),
        _ => None,
    }
}

fn ratio_cell(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{r:.3}"))
}

fn geomean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| (xs.iter().map(|x| x.ln()).sum::<f64>() / xs.len() as f64).exp())
}

/// zkc's own figures for one program.
struct Zkc {
    cost: Result<Cost, String>,
    /// Instructions in the emitted program, runtime included.
    insts: usize,
    compile: Duration,
    /// Steps emulated and the time zkc's emulator took.
    emulated: (u64, Duration),
}

/// Compiles with zkc, runs on zkc's emulator (output checked), and, when `ziskemu` is there,
/// runs the ziskbin ELF on it: the two must agree to the unit.
fn zkc(p: &Program, real: bool) -> Zkc {
    let opts = zkc::driver::Options::default();
    let build = || -> Result<_, String> {
        let sink = &mut std::io::sink();
        let m = zkc::driver::load(&p.wasm).map_err(|e| e.to_string())?;
        let m = zkc::driver::optimize(m, &opts, sink).map_err(|e| e.to_string())?;
        zkc::driver::codegen(m, &opts, sink).map_err(|e| e.to_string())
    };
    let compile = time(|| {
        let _ = build();
    });
    let program = match build() {
        Ok(p) => p,
        Err(e) => {
            return Zkc {
                cost: Err(format!("compile error: {e}")),
                insts: 0,
                compile,
                emulated: (0, Duration::ZERO),
            }
        }
    };
    let insts = program
        .items
        .iter()
        .filter(|i| matches!(i, zkc_backend_zisk::Item::Inst { .. }))
        .count();
    let mut emulated = (0, Duration::ZERO);
    let cost = run_zkc(p, &program, real, &mut emulated);
    Zkc {
        cost,
        insts,
        compile,
        emulated,
    }
}

fn run_zkc(
    p: &Program,
    program: &zkc_backend_zisk::Program,
    real: bool,
    emulated: &mut (u64, Duration),
) -> Result<Cost, String> {
    let layout = zkc::driver::layout(program).map_err(|e| e.to_string())?;
    let stdin = std::fs::read(&p.stdin).unwrap_or_default();
    let t = Instant::now();
    let run =
        zkc::driver::run_zisk(&layout.rom, &stdin, 20_000_000_000).map_err(|e| e.to_string())?;
    *emulated = (run.stats.steps, t.elapsed());
    if run.console != p.stdout {
        return Err(format!("wrong output ({:?})", run.exit));
    }
    let s = &run.stats;
    let cost = parse_report(&s.format_like_ziskemu()).ok_or("no report")?;
    if real {
        let elf =
            std::env::temp_dir().join(format!("zkc-bench-{}-{}.elf", p.name, std::process::id()));
        std::fs::write(&elf, zkc_backend_zisk::zisk_bin::write_elf(&layout.rom))
            .map_err(|e| e.to_string())?;
        let theirs = ziskemu("-e", &elf, p);
        let _ = std::fs::remove_file(&elf);
        match theirs {
            Ok(c) if c == cost => {}
            Ok(c) => return Err(format!("ziskemu disagrees: {c:?} vs {cost:?}")),
            Err(e) => return Err(format!("ziskemu: {e}")),
        }
    }
    Ok(cost)
}

fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut s = "cargo run --release -p zkc-bench".to_string();
    if !args.is_empty() {
        s.push_str(" -- ");
        s.push_str(&args.join(" "));
    }
    s
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores, {cpu}")
}

fn main() {
    let args = Args::parse();
    let programs = programs(&args.only);
    let ziskemu_version = have_ziskemu();
    let native_dir = std::env::temp_dir().join(format!("zkc-bench-native-{}", std::process::id()));
    let native = if args.no_native {
        Err("not run (--no-native)".to_string())
    } else if ziskemu_version.is_none() {
        Err("ziskemu not installed".to_string())
    } else {
        build_native(&native_dir)
    };

    let mut table = String::new();
    let mut parts = String::new();
    let mut front = String::new();
    let (mut vs_up_c, mut vs_up_rs, mut vs_gcc, mut vs_clang) = (vec![], vec![], vec![], vec![]);
    let (mut steps, mut emu_time) = (0u64, Duration::ZERO);
    let mut broken = Vec::new();
    for p in &programs {
        eprintln!("bench: {}", p.name);
        let z = zkc(p, ziskemu_version.is_some());
        let up = match &ziskemu_version {
            Some(_) => ziskemu("-e", &p.wasm, p),
            None => Err("ziskemu not installed".into()),
        };
        let native_cost = |cc: &str| -> Result<Cost, String> {
            if !p.name.starts_with("c_") {
                return Err("-".into());
            }
            native.clone()?;
            ziskemu("-e", &native_dir.join(format!("{}.{cc}.elf", p.name)), p)
        };
        let (gcc, clang) = (native_cost("gcc"), native_cost("clang"));
        if let Err(e) = &z.cost {
            broken.push(format!("{}: {e}", p.name));
        }
        steps += z.emulated.0;
        emu_time += z.emulated.1;
        let r_up = ratio(&z.cost, &up);
        let r_gcc = ratio(&z.cost, &gcc);
        let r_clang = ratio(&z.cost, &clang);
        if let Some(r) = r_up {
            if p.name.starts_with("c_") {
                vs_up_c.push(r);
            } else if p.name.starts_with("rs_") {
                vs_up_rs.push(r);
            }
        }
        vs_gcc.extend(r_gcc);
        vs_clang.extend(r_clang);
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            p.name,
            cell(&z.cost, |c| c.steps, true),
            cell(&z.cost, |c| c.variable, false),
            cell(&up, |c| c.steps, true),
            cell(&up, |c| c.variable, false),
            cell(&gcc, |c| c.variable, true),
            cell(&clang, |c| c.variable, true),
            ratio_cell(r_up),
            ratio_cell(r_gcc),
            ratio_cell(r_clang),
        );

        let _ = writeln!(
            parts,
            "| {} | {} | {} | {} | {} |",
            p.name,
            cell(&z.cost, |c| c.main, true),
            cell(&z.cost, |c| c.opcodes, false),
            cell(&z.cost, |c| c.memory, false),
            cell(&z.cost, |c| c.variable, false),
        );
        let bytes = std::fs::read(&p.wasm).expect("read wasm");
        let t = time(|| {
            let m = zkc_frontend_wasm::translate(&bytes).expect("translate");
            zkc_ir::verify::verify_module(&m).expect("verify");
        });
        let funcs = zkc_frontend_wasm::translate(&bytes)
            .map(|m| m.funcs.len())
            .unwrap_or(0);
        let _ = writeln!(
            front,
            "| {} | {} | {} | {:.2} | {:.2} | {} |",
            p.name,
            num(bytes.len() as u64),
            funcs,
            t.as_secs_f64() * 1000.0,
            z.compile.as_secs_f64() * 1000.0,
            num(z.insts as u64)
        );
    }
    let _ = std::fs::remove_dir_all(&native_dir);

    let mut md = String::new();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Generated by `{}` (do not edit by hand). Costs are ZisK cost model v1 figures \
         (`ziskemu -X`): STEPS and VARIABLE, deterministic for a given clone. Times (marked ⏱) \
         vary from run to run and machine to machine.\n",
        command_line()
    );
    let _ = writeln!(
        md,
        "- machine: {}\n- ziskemu: {}\n- native compilers: {}\n- zkc built by: {}\n- programs and inputs: `../shared/bench` (expected output checked for every column)\n",
        machine(),
        ziskemu_version.as_deref().unwrap_or("not installed"),
        tool_version("riscv64-unknown-elf-gcc").unwrap_or_else(|| "not installed".into())
            + " / "
            + &tool_version("clang-14").unwrap_or_else(|| "not installed".into()),
        tool_version("rustc").unwrap_or_else(|| "unknown rustc".into())
    );
    let _ = writeln!(md, "## Cost per program\n");
    let _ = writeln!(md, "zkc = `zkc run NAME.wasm` at -O0 (zkc's emulator, and its ziskbin ELF on the real ziskemu: the two agree to the unit or the cell says so); upstream = `ziskemu -e NAME.wasm` (ZisK's own wasm translation); gcc / clang = the C source built natively for rv64ima at -O2 (`../shared/bench/native/build.sh`).\n");
    let _ = writeln!(md, "| program | zkc STEPS | zkc VARIABLE | upstream STEPS | upstream VARIABLE | gcc VARIABLE | clang VARIABLE | zkc/upstream | zkc/gcc | zkc/clang |");
    let _ = writeln!(md, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    md.push_str(&table);
    let g = |xs: &[f64]| geomean(xs).map_or("-".into(), |g| format!("{g:.3}"));
    let _ = writeln!(
        md,
        "\nGeometric means of zkc/upstream VARIABLE: C {}, Rust {}; of zkc/gcc: {}; of zkc/clang: {}.\n",
        g(&vs_up_c),
        g(&vs_up_rs),
        g(&vs_gcc),
        g(&vs_clang)
    );
    let _ = writeln!(md, "## Where zkc's cost goes\n");
    let _ = writeln!(
        md,
        "VARIABLE = MAIN (62 per step) + OPCODES + MEMORY (PRECOMPILES: zkc emits none).\n"
    );
    let _ = writeln!(
        md,
        "| program | MAIN | OPCODES | MEMORY | VARIABLE |\n|---|--:|--:|--:|--:|"
    );
    md.push_str(&parts);
    let _ = writeln!(md);
    let _ = writeln!(md, "## Compile time ⏱ and code size\n");
    let _ = writeln!(
        md,
        "frontend = wasm parse + validate + translate to SSA IR + verify; compile = the whole \
         pipeline to a ZisK program, runtime included; medians of 5 runs, release build. \
         Instructions: emitted ZisK instructions, runtime included.\n"
    );
    let _ = writeln!(
        md,
        "| program | wasm bytes | functions | frontend ms ⏱ | compile ms ⏱ | instructions |\n\
         |---|--:|--:|--:|--:|--:|"
    );
    md.push_str(&front);
    let _ = writeln!(
        md,
        "\n## Emulator speed ⏱\n\nzkc's ZisK emulator with full cost accounting, over the zkc \
         column's runs: {} steps in {:.2} s, {:.0} million steps/s.",
        num(steps),
        emu_time.as_secs_f64(),
        steps as f64 / emu_time.as_secs_f64().max(1e-9) / 1e6
    );
    let out = args
        .out
        .unwrap_or_else(|| workspace().join("BENCHMARKS.md"));
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).expect("create the output directory");
    }
    std::fs::write(&out, md).expect("write BENCHMARKS.md");
    eprintln!("bench: wrote {}", out.display());
    if args.check && !broken.is_empty() {
        eprintln!("bench: zkc failed on:\n{}", broken.join("\n"));
        std::process::exit(1);
    }
}

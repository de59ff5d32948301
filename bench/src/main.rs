//! `cargo run --release -p zkc-bench` writes BENCHMARKS.md: for every program of the two
//! suites (../shared/bench and zkc's own bench/suite, laid out alike), the ZisK cost of zkc's
//! code (-O2, the coloring allocator: what `zkc run` does) next to upstream's own wasm
//! translation (`ziskemu -e NAME.wasm`) and native gcc / clang RISC-V builds of the C sources
//! (each suite's build script), all on the real `ziskemu` where it is installed; what each
//! optimization level and the register allocator are worth; the bounds checks executed; the Go
//! programs of ../shared/bench-go; what a float operation costs; and compile-time (against
//! Cranelift on the largest modules) and tool-speed figures.
//!
//! The tables are the project's scoreboard (STYLE.md, practice 12): every change to code
//! generation shows its effect here. Costs are deterministic (the same clone gives the same
//! table); times are not and are marked so. A cell that cannot be measured says why.

mod accel;
mod cranelift;
mod floats;
mod md;
mod measure;

use clap::Parser;
use md::{cell, geomean, geomean_cell, num, ratio, ratio_cell, Table};
use measure::{options, Cost, Measure, Program, Run};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use zkc::driver::{self, OptLevel};
use zkc_backend_zisk::codegen::Allocator;

#[derive(Parser)]
#[command(about = "Regenerate BENCHMARKS.md")]
struct Args {
    /// Only these programs, of ../shared/bench, bench/suite and ../shared/bench-go alike
    /// (default: all); e.g. `--only c_fib,c_tree,wat_i32,go_fib`.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Where to write the tables (default: BENCHMARKS.md in the workspace root).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Skip the native RISC-V columns (they build with the riscv64 toolchain).
    #[arg(long)]
    no_native: bool,
    /// Skip the Go programs (each takes seconds and hundreds of MB to compile).
    #[arg(long)]
    no_go: bool,
    /// Skip the float-operation table.
    #[arg(long)]
    no_floats: bool,
    /// Exit with status 1 when a zkc cell is not a figure (wrong output, a compile error, or
    /// disagreement with the real ziskemu).
    #[arg(long)]
    check: bool,
    /// Internal: compile WASM to the ELF OUT and report time and peak memory (the child
    /// process of the Go rows).
    #[arg(long = "compile-child", num_args = 2, value_names = ["WASM", "OUT"], hide = true)]
    compile_child: Vec<PathBuf>,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn shared(suite: &str) -> PathBuf {
    workspace().join("../shared").join(suite)
}

/// The first line of `tool --version`.
fn tool_version(tool: &str) -> Option<String> {
    let out = Command::new(tool).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Some(text.lines().next()?.trim().to_string())
}

/// zkc's own suite, laid out as ../shared/bench is.
fn own_suite() -> PathBuf {
    workspace().join("bench/suite")
}

/// The suites of C, Rust and WAT programs the cost tables cover.
fn suites() -> Vec<PathBuf> {
    vec![shared("bench"), own_suite()]
}

/// Builds the native RISC-V guests of both suites' C programs once into `dir`
/// (../shared/bench/native/build.sh DIR, bench/suite/build.sh native DIR).
fn build_native(dir: &Path) -> Result<(), String> {
    let scripts = [
        (shared("bench").join("native/build.sh"), None),
        (own_suite().join("build.sh"), Some("native")),
    ];
    for (script, mode) in scripts {
        let out = Command::new("bash")
            .arg(&script)
            .args(mode)
            .arg(dir)
            .output()
            .map_err(|e| format!("{}: {e}", script.display()))?;
        if !out.status.success() {
            return Err("riscv64 toolchain missing (scripts/install-bench-tools)".into());
        }
    }
    Ok(())
}

const LEVELS: [OptLevel; 3] = [OptLevel::O0, OptLevel::O1, OptLevel::O2];

/// Everything measured of one program of the suites.
struct Row {
    name: String,
    wasm: PathBuf,
    /// zkc at -O0, -O1, -O2 with the coloring allocator; -O2 is also run on the real ziskemu.
    levels: [Run; 3],
    /// zkc at -O0 with the slot allocator (every vreg its own slot).
    slots: Run,
    upstream: Measure,
    gcc: Measure,
    clang: Measure,
    /// -O2 compile time (median of 5).
    compile: Duration,
    /// Frontend time (median of 5), wasm size, functions.
    frontend: Duration,
    bytes: usize,
    funcs: usize,
}

impl Row {
    fn zkc(&self) -> &Run {
        &self.levels[2]
    }

    /// The better native build: of gcc and clang, the one with the lower VARIABLE.
    fn native(&self) -> Measure {
        match (&self.gcc, &self.clang) {
            (Ok(g), Ok(c)) => Ok(*[g, c].into_iter().min_by_key(|c| c.variable).unwrap()),
            (Err(e), _) | (_, Err(e)) => Err(e.clone()),
        }
    }

    fn measure(p: &Program, ziskemu: bool, native: &Result<PathBuf, String>) -> Row {
        let levels = LEVELS.map(|l| {
            measure::zkc(
                p,
                &options(l, Allocator::Coloring),
                ziskemu && l == OptLevel::O2,
                l == OptLevel::O0,
            )
        });
        let slots = measure::zkc(p, &options(OptLevel::O0, Allocator::Slots), false, true);
        let upstream = if ziskemu {
            measure::ziskemu(&p.wasm, p)
        } else {
            Err("ziskemu not installed".into())
        };
        let native_cost = |cc: &str| -> Measure {
            if !p.name.starts_with("c_") {
                return Err("-".into());
            }
            measure::ziskemu(&native.clone()?.join(format!("{}.{cc}.elf", p.name)), p)
        };
        let o2 = options(OptLevel::O2, Allocator::Coloring);
        let compile = measure::median_time(|| {
            let _ = measure::build(&p.wasm, &o2);
        });
        let bytes = std::fs::read(&p.wasm).expect("read wasm");
        let frontend = measure::median_time(|| {
            zkc_frontend_wasm::translate(&bytes).expect("translate");
        });
        let funcs = zkc_frontend_wasm::translate(&bytes).map_or(0, |m| m.funcs.len());
        Row {
            name: p.name.clone(),
            wasm: p.wasm.clone(),
            levels,
            slots,
            upstream,
            gcc: native_cost("gcc"),
            clang: native_cost("clang"),
            compile,
            frontend,
            bytes: bytes.len(),
            funcs,
        }
    }

    /// Every zkc run of this row, with what it is.
    fn runs(&self) -> impl Iterator<Item = (String, &Run)> {
        let levels = LEVELS
            .iter()
            .zip(&self.levels)
            .map(|(l, r)| (format!("{l}"), r));
        levels.chain([("-O0 slots".to_string(), &self.slots)])
    }
}

fn steps(c: &Cost) -> u64 {
    c.steps
}

fn variable(c: &Cost) -> u64 {
    c.variable
}

fn memory(c: &Cost) -> u64 {
    c.memory
}

fn met(yes: bool) -> &'static str {
    if yes {
        "**met**"
    } else {
        "**not met**"
    }
}

/// Ratios, each named by its program.
type Named<'a> = Vec<(&'a str, f64)>;

/// The ratios of the programs whose names start with one of `prefixes`.
fn of<'a>(xs: &[(&'a str, f64)], prefixes: &[&str]) -> Named<'a> {
    let mut xs = xs.to_vec();
    xs.retain(|(n, _)| prefixes.iter().any(|p| n.starts_with(p)));
    xs
}

fn values(xs: &[(&str, f64)]) -> Vec<f64> {
    xs.iter().map(|&(_, x)| x).collect()
}

/// The geometric mean of `xs` against the target `≤ max`: `0.219 (**met**)`.
fn mean_target(xs: &[(&str, f64)], max: f64) -> String {
    match geomean(&values(xs)) {
        Some(g) => format!("{g:.3} ({})", met(g <= max)),
        None => "not measured".into(),
    }
}

/// The largest of `xs` against the target `≤ max`: `c_sort 0.263 (**met**)`.
fn worst_target(xs: &[(&str, f64)], max: f64) -> String {
    match xs.iter().max_by(|a, b| a.1.total_cmp(&b.1)) {
        Some((n, w)) => format!("{n} {w:.3} ({})", met(*w <= max)),
        None => "not measured".into(),
    }
}

/// Where the programs come from, for the sections' texts.
const SOURCES: &str = "`../shared/bench` and zkc's own `bench/suite` (c_bignum128, c_interp, \
                       c_tree)";

/// The main table: zkc against upstream and native builds, with the targets.
fn cost_section(rows: &[Row]) -> String {
    let mut t = Table::new(&[
        "program",
        "zkc STEPS",
        "zkc VARIABLE",
        "upstream STEPS",
        "upstream VARIABLE",
        "gcc VARIABLE",
        "clang VARIABLE",
        "zkc/upstream",
        "zkc/gcc",
        "zkc/clang",
        "zkc/native",
    ]);
    let (mut vs_up, mut gcc, mut clang, mut native) = (vec![], vec![], vec![], vec![]);
    for r in rows {
        let z = &r.zkc().cost;
        let name = r.name.as_str();
        let up = ratio(z, &r.upstream, variable);
        let (vs_gcc, vs_clang) = (ratio(z, &r.gcc, variable), ratio(z, &r.clang, variable));
        let vs_native = ratio(z, &r.native(), variable);
        vs_up.extend(up.map(|x| (name, x)));
        gcc.extend(vs_gcc);
        clang.extend(vs_clang);
        native.extend(vs_native.map(|x| (name, x)));
        t.row(&[
            r.name.clone(),
            cell(z, steps, true),
            cell(z, variable, false),
            cell(&r.upstream, steps, true),
            cell(&r.upstream, variable, false),
            cell(&r.gcc, variable, true),
            cell(&r.clang, variable, true),
            ratio_cell(up),
            ratio_cell(vs_gcc),
            ratio_cell(vs_clang),
            ratio_cell(vs_native),
        ]);
    }
    let native_c = of(&native, &["c_"]);
    format!(
        "## Cost per program\n\n\
         Programs: {SOURCES}. zkc = `zkc run NAME.wasm` (-O2, coloring allocator) on zkc's \
         emulator, and its ziskbin ELF on the real ziskemu: the two agree to the unit or the \
         cell says so; upstream = `ziskemu -e NAME.wasm` (ZisK's own wasm translation); gcc / \
         clang = the C source built natively for rv64ima at -O2 (`../shared/bench/native/build.sh` \
         and `bench/suite/build.sh native`, the same commands); native = the better of the two, \
         the one with the lower VARIABLE.\n\n{}\n\
         Targets of zkc/upstream VARIABLE, over the programs above: geometric mean ≤ 0.25 for \
         C: {}; for Rust: {}. No program above 0.5: worst of all {}; worst of C and Rust \
         {}.\n\n\
         Target of zkc/native VARIABLE (issue 15), over its {} C programs: geometric mean ≤ \
         0.85: {}; none above 1.15: worst {}.\n\n\
         Geometric means of zkc/gcc VARIABLE: {}; of zkc/clang: {}.\n\n",
        t.finish(),
        mean_target(&of(&vs_up, &["c_"]), 0.25),
        mean_target(&of(&vs_up, &["rs_"]), 0.25),
        worst_target(&vs_up, 0.5),
        worst_target(&of(&vs_up, &["c_", "rs_"]), 0.5),
        native_c.len(),
        mean_target(&native_c, 0.85),
        worst_target(&native_c, 1.15),
        geomean_cell(&gcc),
        geomean_cell(&clang),
    )
}

/// A zkc setting (its column-name prefix) and where a row keeps its cost.
type Setting = (&'static str, fn(&Row) -> &Measure);

/// A cost field and its column name.
type Field = (&'static str, fn(&Cost) -> u64);

/// A column of ratios: its name, the numerator's and the denominator's settings (indices),
/// and the field.
type RatioColumn = (&'static str, usize, usize, fn(&Cost) -> u64);

/// zkc settings side by side, each setting's `fields`, then the `ratios`; returns the table
/// and, per ratio column, the ratios measured, named by program (for their geometric means).
fn compare<'a>(
    rows: &'a [Row],
    settings: &[Setting],
    fields: &[Field],
    ratios: &[RatioColumn],
) -> (String, Vec<Named<'a>>) {
    let mut columns = vec!["program".to_string()];
    for (setting, _) in settings {
        columns.extend(fields.iter().map(|(field, _)| format!("{setting} {field}")));
    }
    columns.extend(ratios.iter().map(|r| r.0.to_string()));
    let mut t = Table::new(&columns.iter().map(String::as_str).collect::<Vec<_>>());
    let mut measured = vec![vec![]; ratios.len()];
    for r in rows {
        let costs: Vec<&Measure> = settings.iter().map(|(_, get)| get(r)).collect();
        let mut cells = vec![r.name.clone()];
        for c in &costs {
            for (i, (_, f)) in fields.iter().enumerate() {
                cells.push(cell(c, *f, i == 0));
            }
        }
        for (&(_, num, den, f), m) in ratios.iter().zip(&mut measured) {
            let x = ratio(costs[num], costs[den], f);
            m.extend(x.map(|x| (r.name.as_str(), x)));
            cells.push(ratio_cell(x));
        }
        t.row(&cells);
    }
    (t.finish(), measured)
}

/// STEPS and VARIABLE at every level.
fn levels_section(rows: &[Row]) -> String {
    let (table, ratios) = compare(
        rows,
        &[
            ("-O0", |r| &r.levels[0].cost),
            ("-O1", |r| &r.levels[1].cost),
            ("-O2", |r| &r.levels[2].cost),
        ],
        &[("STEPS", steps), ("VARIABLE", variable)],
        &[
            ("O1/O0", 1, 0, variable),
            ("O2/O0", 2, 0, variable),
            ("O2/O1", 2, 1, variable),
        ],
    );
    format!(
        "## Optimization levels\n\n\
         zkc with the coloring allocator at each level, on zkc's emulator (output checked; \
         -O2 is the column above). Ratios are of VARIABLE.\n\n{table}\n\
         Geometric means of VARIABLE: O1/O0 {}, O2/O0 {}, O2/O1 {}.\n\n\
         Target of -O2/-O1 on C (issue 15: what the e-graph buys), over its {} C programs: \
         geometric mean ≤ 0.90: {}.\n\n",
        geomean_cell(&values(&ratios[0])),
        geomean_cell(&values(&ratios[1])),
        geomean_cell(&values(&ratios[2])),
        of(&ratios[2], &["c_"]).len(),
        mean_target(&of(&ratios[2], &["c_"]), 0.90),
    )
}

/// Issue 7: the slot allocator against the coloring one, both at -O0.
fn regalloc_section(rows: &[Row]) -> String {
    let (table, ratios) = compare(
        rows,
        &[
            ("slots", |r| &r.slots.cost),
            ("coloring", |r| &r.levels[0].cost),
        ],
        &[("STEPS", steps), ("MEMORY", memory), ("VARIABLE", variable)],
        &[("MEMORY ÷", 0, 1, memory), ("VARIABLE ÷", 0, 1, variable)],
    );
    let target = match (geomean(&values(&ratios[0])), geomean(&values(&ratios[1]))) {
        (Some(m), Some(v)) => format!(
            "MEMORY falls {m:.2}× (target ≥ 5×: {}), VARIABLE {v:.2}× (target ≥ 2×: {})",
            met(m >= 5.0),
            met(v >= 2.0)
        ),
        _ => "not measured".into(),
    };
    format!(
        "## Register allocation (issue 7)\n\n\
         Both at -O0 on zkc's emulator (output checked): before = `--regalloc slots` (every \
         vreg its own memory slot), after = `--regalloc coloring` (registers for the most \
         valuable live ranges, reused slots for the rest, copies coalesced). ÷ = before / \
         after.\n\n{table}\n\
         Geometric means: {target}.\n\n{}",
        floor_section(rows),
    )
}

/// What allocation costs in each run, and the floor no allocation of the same code goes below.
fn floor_section(rows: &[Row]) -> String {
    let mut t = Table::new(&[
        "program",
        "slots: allocation's MEMORY",
        "allocation's VARIABLE",
        "coloring: allocation's MEMORY",
        "allocation's VARIABLE",
        "floor MEMORY",
        "of it static words",
        "floor VARIABLE",
        "best MEMORY ÷",
        "best VARIABLE ÷",
    ]);
    // (floor, allocation's share) of a run, by MEMORY and by VARIABLE.
    let split = |run: &measure::Run| -> Option<[(u64, u64); 2]> {
        let (c, a) = (run.cost.as_ref().ok()?, run.alloc?);
        Some([
            (c.memory - a.memory, a.memory),
            (c.variable - a.variable, a.variable),
        ])
    };
    let (mut best, mut gap) = ([vec![], vec![]], 0f64);
    let mut without_static = [vec![], vec![]];
    for r in rows {
        let (Some(s), Some(c), Some(a)) = (split(&r.slots), split(&r.levels[0]), r.levels[0].alloc)
        else {
            t.row(&[r.name.clone(), "not measured".into()]);
            continue;
        };
        let mut cells = vec![r.name.clone()];
        cells.extend(
            [
                s[0].1,
                s[1].1,
                c[0].1,
                c[1].1,
                c[0].0,
                a.static_memory,
                c[1].0,
            ]
            .map(num),
        );
        for k in 0..2 {
            let before = (s[k].0 + s[k].1) as f64;
            let x = before / c[k].0.max(1) as f64;
            best[k].push(x);
            without_static[k].push(before / (c[k].0 - a.static_memory).max(1) as f64);
            cells.push(ratio_cell(Some(x)));
            gap = gap.max((s[k].0 as f64 / c[k].0.max(1) as f64 - 1.0).abs());
        }
        t.row(&cells);
    }
    format!(
        "What allocation costs in each run: the instructions it added (moves, saves and \
         restores around re-entering calls, spills around other calls, jumps of edge blocks \
         that hold moves) and every access to its memory slots (`Program::allocation_costs` \
         over a profiled run). The rest is the floor: the same selected code with a perfect \
         allocation (every value in a register, no copy) costs no less. Best ÷ = slots / floor, \
         the most any allocation could reach. The floor measured on the slot run differs from \
         the coloring one by at most {:.1}%. Static words are the globals, bound words and table \
         sizes that instructions read or write at constant addresses.\n\n{}\n\
         Geometric means of the best possible: MEMORY {}×, VARIABLE {}×; even with every static \
         word in a register too: MEMORY {}×, VARIABLE {}×.\n\n",
        gap * 100.0,
        t.finish(),
        geomean_cell(&best[0]),
        geomean_cell(&best[1]),
        geomean_cell(&without_static[0]),
        geomean_cell(&without_static[1]),
    )
}

/// Where zkc's -O2 cost goes.
fn parts_section(rows: &[Row]) -> String {
    let mut t = Table::new(&["program", "MAIN", "OPCODES", "MEMORY", "VARIABLE"]);
    for r in rows {
        let z = &r.zkc().cost;
        t.row(&[
            r.name.clone(),
            cell(z, |c| c.main, true),
            cell(z, |c| c.opcodes, false),
            cell(z, memory, false),
            cell(z, variable, false),
        ]);
    }
    format!(
        "## Where zkc's cost goes\n\n\
         VARIABLE = MAIN (62 per step) + OPCODES + MEMORY (PRECOMPILES: zkc emits none).\n\n{}\n",
        t.finish()
    )
}

/// Issue 15's baseline: the memory bounds checks each C program executed at -O2 when they were
/// first counted (zkc at commit c38dc9d, by this tool).
const BOUNDS_CHECK_BASELINE: [(&str, u64); 9] = [
    ("c_bf", 1_383_708),
    ("c_bigint", 43_611),
    ("c_bignum128", 401_834),
    ("c_fib", 172),
    ("c_interp", 767_732),
    ("c_keccak", 1_871_320),
    ("c_sha256", 363_304),
    ("c_sort", 916_139),
    ("c_tree", 381_219),
];

/// The memory bounds checks zkc's -O2 code executes, against the baseline.
fn bounds_section(rows: &[Row]) -> String {
    let mut t = Table::new(&["program", "executed", "per 1000", "baseline", "fewer"]);
    let (mut now, mut then, mut programs) = (0, 0, 0);
    for r in rows {
        let z = r.zkc();
        let (Some(n), Ok(c)) = (z.bounds_checks, &z.cost) else {
            t.row(&[r.name.clone(), "not measured".into()]);
            continue;
        };
        let baseline = BOUNDS_CHECK_BASELINE
            .iter()
            .find(|(name, _)| *name == r.name)
            .map(|&(_, b)| b);
        if let Some(b) = baseline {
            (now, then, programs) = (now + n, then + b, programs + 1);
        }
        t.row(&[
            r.name.clone(),
            num(n),
            format!("{:.1}", 1000.0 * n as f64 / c.steps.max(1) as f64),
            baseline.map_or("-".into(), num),
            baseline.map_or("-".into(), |b| fewer(n, b)),
        ]);
    }
    let target = if then == 0 {
        "not measured".into()
    } else {
        format!(
            "over its {programs} C programs, {} against {}, {} fewer ({})",
            num(now),
            num(then),
            fewer(now, then),
            met(now * 5 <= then)
        )
    };
    format!(
        "## Bounds checks\n\n\
         The memory bounds checks zkc's -O2 code executes, counted on zkc's emulator: the \
         instructions that branch to the out-of-bounds trap (`__trap_heap_oob`), each the check \
         of a load's or store's address against the memory size, or of a bulk memory \
         operation's range: executed in all, per 1000 steps, and how many fewer than the \
         baseline. Baseline: what the C programs executed when the count was first \
         taken (zkc at commit c38dc9d).\n\n{}\n\
         Target (issue 15): ≥ 80% fewer checks executed on the C programs than the baseline: \
         {target}.\n\n",
        t.finish()
    )
}

/// How many fewer `now` is than `then`, in percent.
fn fewer(now: u64, then: u64) -> String {
    format!("{:.1}%", 100.0 * (1.0 - now as f64 / then.max(1) as f64))
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// Compile times, code size, and the stages of the largest module's compilation.
fn compile_section(rows: &[Row]) -> String {
    let mut t = Table::new(&[
        "program",
        "wasm bytes",
        "functions",
        "frontend ms ⏱",
        "-O2 compile ms ⏱",
        "instructions",
    ]);
    for r in rows {
        t.row(&[
            r.name.clone(),
            num(r.bytes as u64),
            r.funcs.to_string(),
            ms(r.frontend),
            ms(r.compile),
            num(r.zkc().insts as u64),
        ]);
    }
    let bytes: usize = rows.iter().map(|r| r.bytes).sum();
    let funcs: usize = rows.iter().map(|r| r.funcs).sum();
    let front: f64 = rows.iter().map(|r| r.frontend.as_secs_f64()).sum();
    let mut s = format!(
        "## Compile time ⏱ and code size\n\n\
         frontend = wasm parse + validate + translate to SSA IR (the verifier runs on \
         request only); compile = the whole pipeline to a ZisK program at -O2, runtime \
         included; medians of 5 runs, release build. Instructions: emitted ZisK instructions at -O2, runtime included.\n\n{}\n\
         Frontend throughput: {} wasm bytes and {} functions in {:.1} ms, {:.1} MB/s.\n",
        t.finish(),
        num(bytes as u64),
        num(funcs as u64),
        front * 1000.0,
        bytes as f64 / front.max(1e-9) / 1e6,
    );
    if let Some(r) = rows.iter().max_by_key(|r| r.bytes) {
        s.push_str(&stages(&r.wasm, &r.name));
    }
    s
}

/// The largest module's -O2 compilation by stage, with the allocator's share estimated as the
/// difference between code selection with the coloring allocator and with the slot one.
fn stages(wasm: &Path, name: &str) -> String {
    let sink = &mut std::io::sink();
    let o2 = options(OptLevel::O2, Allocator::Coloring);
    let o2_slots = options(OptLevel::O2, Allocator::Slots);
    let (Ok(module), Ok(prepared)) = (
        driver::load(wasm),
        driver::load(wasm).and_then(|m| driver::prepare_for_zisk(m, &o2, sink)),
    ) else {
        return format!("\n{name}: does not compile.\n");
    };
    let load = measure::median_time(|| {
        let _ = driver::load(wasm);
    });
    let prepare = measure::median_time(|| {
        let _ = driver::prepare_for_zisk(module.clone(), &o2, &mut std::io::sink());
    });
    let select = |opts| {
        measure::median_time(|| {
            let _ = driver::select(&prepared, opts, &mut std::io::sink());
        })
    };
    let (coloring, slots) = (select(&o2), select(&o2_slots));
    let total = load + prepare + coloring;
    let alloc = coloring.saturating_sub(slots);
    format!(
        "\nThe largest module, {name}, at -O2 (medians of 5): {} ms in all = load (frontend) \
         {} ms + link, soft-float and the optimizer {} ms + code selection, register \
         allocation and emission {} ms. The same selection with the slot allocator takes {} \
         ms, so the coloring allocator accounts for about {} ms, {:.0}% of the compile.\n\n",
        ms(total),
        ms(load),
        ms(prepare),
        ms(coloring),
        ms(slots),
        ms(alloc),
        100.0 * alloc.as_secs_f64() / total.as_secs_f64().max(1e-9),
    )
}

/// The Go programs: compiled in a child process (time and peak memory), run on zkc's emulator
/// and the real ziskemu; upstream is tried too.
fn go_section(
    programs: &[Program],
    ziskemu: bool,
    broken: &mut Vec<String>,
) -> (String, u64, Duration) {
    let mut t = Table::new(&[
        "program",
        "wasm bytes",
        "zkc STEPS",
        "zkc VARIABLE",
        "checked",
        "upstream",
        "compile s ⏱",
        "compile peak MiB",
    ]);
    let (mut total_steps, mut total_time) = (0, Duration::ZERO);
    for p in programs {
        eprintln!("bench: {}", p.name);
        let bytes = std::fs::metadata(&p.wasm).map_or(0, |m| m.len());
        let compiled = measure::compile_in_child(&p.name, &p.wasm);
        let (cost, time, peak) = match &compiled {
            Ok(c) => {
                let (cost, emulated) = measure::run_rom(p, &c.rom, ziskemu);
                total_steps += emulated.0;
                total_time += emulated.1;
                let peak = format!("{:.0}", c.peak_kib as f64 / 1024.0);
                (cost, format!("{:.2}", c.time.as_secs_f64()), peak)
            }
            Err(e) => (Err(e.clone()), "-".into(), "-".into()),
        };
        if let Err(e) = &cost {
            broken.push(format!("{}: {e}", p.name));
        }
        let checked = match (&cost, ziskemu) {
            (Ok(_), true) => "output ✓, ziskemu agrees",
            (Ok(_), false) => "output ✓ (no ziskemu)",
            (Err(_), _) => "-",
        };
        let upstream = if ziskemu {
            match measure::ziskemu(&p.wasm, p) {
                Ok(c) => format!("{} VARIABLE", num(c.variable)),
                Err(e) => e,
            }
        } else {
            "ziskemu not installed".into()
        };
        t.row(&[
            p.name.clone(),
            num(bytes),
            cell(&cost, steps, true),
            cell(&cost, variable, false),
            checked.into(),
            upstream,
            time,
            peak,
        ]);
    }
    let text = format!(
        "## Go programs\n\n\
         `../shared/bench-go` (Go 1.27, `GOOS=wasip1`): each module carries the Go runtime \
         (scheduler, garbage collector) and uses floats. zkc at -O2, coloring allocator. The \
         compile runs once per program in a fresh child process (this tool run with \
         `--compile-child`, doing what `zkc NAME.wasm --emit elf -o OUT` does), timed from its \
         start to its exit, which reports its peak resident memory (VmHWM of \
         `/proc/self/status`); the ELF \
         it writes is what runs on zkc's emulator (output checked) and on the real ziskemu. \
         Upstream = `ziskemu -e NAME.wasm`.\n\n{}\n",
        t.finish()
    );
    (text, total_steps, total_time)
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

fn header(ziskemu_version: Option<&str>) -> String {
    format!(
        "# Benchmarks\n\n\
         Generated by `{}` (do not edit by hand). Costs are ZisK cost model v1 figures \
         (`ziskemu -X`): STEPS and VARIABLE, deterministic for a given clone. Times (marked ⏱) \
         vary from run to run and machine to machine.\n\n\
         - machine: {}\n- ziskemu: {}\n- native compilers: {} / {}\n- zkc built by: {}\n\
         - programs and inputs: `../shared/bench`, zkc's own `bench/suite` (the same layout; \
         c_bignum128, c_interp, c_tree and their native builds, `bench/suite/README.md`), \
         `../shared/bench-go` (expected output checked for every column)\n\n",
        command_line(),
        machine(),
        ziskemu_version.unwrap_or("not installed"),
        tool_version("riscv64-unknown-elf-gcc").unwrap_or_else(|| "not installed".into()),
        tool_version("clang-14").unwrap_or_else(|| "not installed".into()),
        tool_version("rustc").unwrap_or_else(|| "unknown rustc".into())
    )
}

fn main() {
    let args = Args::parse();
    if let [wasm, out] = args.compile_child.as_slice() {
        if let Err(e) = measure::child_main(wasm, out) {
            eprintln!("{e}");
            std::process::exit(1);
        }
        return;
    }
    let programs = measure::programs(&suites(), &args.only);
    let ziskemu_version = measure::ziskemu_version();
    let ziskemu = ziskemu_version.is_some();
    let native_dir = measure::temp_path("native", "d");
    let native = if args.no_native {
        Err("not run (--no-native)".to_string())
    } else if !ziskemu {
        Err("ziskemu not installed".to_string())
    } else {
        build_native(&native_dir).map(|()| native_dir.clone())
    };

    let rows: Vec<Row> = programs
        .iter()
        .map(|p| {
            eprintln!("bench: {}", p.name);
            Row::measure(p, ziskemu, &native)
        })
        .collect();
    let _ = std::fs::remove_dir_all(&native_dir);
    let mut broken: Vec<String> = rows
        .iter()
        .flat_map(|r| {
            r.runs()
                .filter_map(|(what, run)| {
                    Some(format!("{} {what}: {}", r.name, run.cost.as_ref().err()?))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let (mut steps, mut emu_time) = rows
        .iter()
        .flat_map(|r| r.runs().map(|(_, run)| run.emulated))
        .fold((0, Duration::ZERO), |(s, t), (s1, t1)| (s + s1, t + t1));

    let mut md = header(ziskemu_version.as_deref());
    md.push_str(&cost_section(&rows));
    md.push_str(&levels_section(&rows));
    md.push_str(&regalloc_section(&rows));
    md.push_str(&parts_section(&rows));
    md.push_str(&bounds_section(&rows));
    let go = if args.no_go {
        vec![]
    } else {
        measure::programs(&[shared("bench-go")], &args.only)
    };
    if !go.is_empty() {
        let (text, go_steps, go_time) = go_section(&go, ziskemu, &mut broken);
        md.push_str(&text);
        steps += go_steps;
        emu_time += go_time;
    }
    if !args.no_floats {
        eprintln!("bench: float operations");
        md.push_str(&floats::section(&mut broken));
        md.push('\n');
    }
    eprintln!("bench: accelerators");
    md.push_str(&accel::section(ziskemu, &mut broken));
    md.push_str(&compile_section(&rows));
    md.push_str(&cranelift::section(&programs, &go));
    let _ = writeln!(
        md,
        "## Emulator speed ⏱\n\nzkc's ZisK emulator with full cost accounting, over every \
         program run above: {} steps in {:.2} s, {:.0} million steps/s.",
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

//! The `zkc` command line. See `zkc --help`.

use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use zkc::driver::{self, Error, OptLevel, Options};
use zkc::profile;
use zkc_backend_zisk::codegen::{Allocator, CodegenOptions};

const AFTER_HELP: &str = "\
Inputs: WebAssembly binary (.wasm), WebAssembly text (.wat) or zkc IR text (.zir).

Exit status: 0 success; 1 bad input (unreadable, malformed or invalid); 2 usage error or a
stage/feature zkc does not implement yet; 70 internal compiler error. `zkc interp` and `zkc run`
exit with the program's own status (its proc_exit code), or 3 when the program trapped.";

#[derive(Parser)]
#[command(
    name = "zkc",
    version,
    about = "Optimizing WebAssembly compiler for the ZisK zkVM"
)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
#[command(after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    compile: CompileArgs,
}

#[derive(clap::Args)]
struct CompileArgs {
    /// The module to compile.
    #[arg(required = true)]
    input: Option<PathBuf>,
    /// Output file (default: standard output).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// What to produce: zkc IR text, ZisK assembly, or a ziskbin ELF.
    #[arg(long, value_enum, default_value_t = Emit::Ir)]
    emit: Emit,
    #[command(flatten)]
    pipeline: PipelineArgs,
}

#[derive(clap::Args)]
struct PipelineArgs {
    /// Optimization level: 0 none, 1 the classic SSA passes (idioms, dce, simplify-cfg,
    /// simplify-params, devirt, inline, globals, entry-values, forward, licm, exit-values,
    /// unroll, peel, version), 2 those and the e-graph optimizer (egraph) whose extraction
    /// minimizes ZisK proving cost.
    #[arg(short = 'O', value_name = "LEVEL", default_value = "2",
          value_parser = clap::builder::PossibleValuesParser::new(["0", "1", "2"]))]
    opt: String,
    /// Print the IR to standard error after the named pass (repeatable): translate, the
    /// optimizer's passes of the chosen level, and for ZisK output also link (the runtime
    /// added), softfloat (floats lowered to integer code) and the backend's stages: isel
    /// (ZisK code over virtual registers), hoist (back-edge moves placed before the branch),
    /// regalloc (every value's location and the allocated code), emit (the whole program).
    #[arg(long, value_name = "PASS")]
    dump_after: Vec<String>,
    /// Do not check linear-memory accesses against the memory size (faster; an out-of-bounds
    /// access then reads or writes other memory instead of trapping).
    #[arg(long)]
    no_bounds_checks: bool,
    /// Register allocator: coloring (registers, then reused memory slots) or slots (every
    /// value its own memory slot; the simple baseline).
    #[arg(long, value_enum, default_value_t = Regalloc::Coloring)]
    regalloc: Regalloc,
    /// Return from functions as upstream's RISC-V transpiler does (`and` of the return address
    /// with ~1), which `ziskemu -S` needs to follow calls in its per-function report; costs 55
    /// more per return than zkc's `copyb` return.
    #[arg(long)]
    upstream_returns: bool,
    /// Print the wall time of every stage to standard error (translate, link, softfloat,
    /// each optimizer pass, the backend's stages isel, hoist, regalloc and emit, then
    /// write-elf or write-asm). Consecutive passes that each change one function at a time
    /// run together, function by function (unless --verify or --dump-after separates them):
    /// each is given the share of their wall time that its time on the threads is of theirs.
    #[arg(long)]
    time_passes: bool,
    /// Run the IR verifier after every stage and optimizer pass (always on in debug builds;
    /// a failure is reported as an internal compiler error naming the pass).
    #[arg(long)]
    verify: bool,
    /// Threads that run the validation and translation of function bodies, soft-float
    /// lowering, the optimizer's per-function passes (the e-graph among them) and inlining, code
    /// selection, register allocation and emission on functions side by side (default: one per
    /// core, or RAYON_NUM_THREADS); the output is the same whatever the number.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
}

/// The level of a `-O` argument (clap has checked it is 0, 1 or 2).
fn opt_level(arg: &str) -> OptLevel {
    match arg {
        "0" => OptLevel::O0,
        "1" => OptLevel::O1,
        _ => OptLevel::O2,
    }
}

#[derive(Copy, Clone, ValueEnum)]
enum Regalloc {
    Coloring,
    Slots,
}

impl PipelineArgs {
    fn options(&self) -> Options {
        Options {
            opt_level: opt_level(&self.opt),
            dump_after: self.dump_after.clone(),
            codegen: CodegenOptions {
                bounds_checks: !self.no_bounds_checks,
                allocator: match self.regalloc {
                    Regalloc::Coloring => Allocator::Coloring,
                    Regalloc::Slots => Allocator::Slots,
                },
                upstream_returns: self.upstream_returns,
            },
            time_passes: self.time_passes,
            verify: self.verify || cfg!(debug_assertions),
        }
    }
}

#[derive(Copy, Clone, ValueEnum)]
enum Emit {
    /// zkc IR text (.zir)
    Ir,
    /// ZisK assembly text for `ziskemu -z`
    Zisk,
    /// ziskbin ELF for `ziskemu -e` and the prover
    Elf,
}

#[derive(Copy, Clone, ValueEnum)]
enum Backend {
    /// The reference interpreter
    Interp,
    /// Compiled ZisK code on zkc's emulator
    Zisk,
}

#[derive(Subcommand)]
enum Command {
    /// Run a module with the reference interpreter (WASI on stdin/stdout).
    Interp {
        /// .wasm, .wat or .zir module exporting `_start`.
        input: PathBuf,
        /// File whose bytes are the program's standard input.
        #[arg(long)]
        stdin: Option<PathBuf>,
        /// Stop after this many executed IR instructions.
        #[arg(long, default_value_t = 10_000_000_000)]
        fuel: u64,
        /// Run the IR after this optimization level's passes (0: the frontend's IR, the
        /// reference; 1 or 2: the optimized IR, to compare against it).
        #[arg(short = 'O', value_name = "LEVEL", default_value = "0",
              value_parser = clap::builder::PossibleValuesParser::new(["0", "1", "2"]))]
        opt: String,
    },
    /// Run a wasm spec-test script; prints `N passed, N failed, N skipped` (exit 1 on failures).
    Wast {
        /// The `.wast` script (modules are compiled from its text; `spectest` imports provided).
        input: PathBuf,
        /// What executes the modules.
        #[arg(long, value_enum, default_value_t = Backend::Interp)]
        backend: Backend,
        /// List every failing and every skipped assertion with its line, column and reason.
        #[arg(short, long)]
        verbose: bool,
        /// Optimization level: the interpreter runs the IR after this level's passes (default:
        /// the frontend's IR, unoptimized), the zisk backend compiles at this level (default 2).
        #[arg(short = 'O', value_name = "LEVEL",
              value_parser = clap::builder::PossibleValuesParser::new(["0", "1", "2"]))]
        opt: Option<String>,
    },
    /// Run a ziskbin ELF (zkc's or upstream's) on zkc's ZisK emulator.
    Emu {
        /// The ziskbin ELF.
        input: PathBuf,
        /// Raw bytes to pass as standard input (laid out like `ziskemu --legacy-inputs`).
        #[arg(long, conflicts_with = "input_file")]
        stdin: Option<PathBuf>,
        /// An input file already in ZisK's layout (like `ziskemu -i`; a multiple of 8 bytes).
        #[arg(short = 'i', long = "input")]
        input_file: Option<PathBuf>,
        /// Print the cost report exactly as `ziskemu -X` does.
        #[arg(long)]
        stats: bool,
        /// Stop after this many steps.
        #[arg(long, default_value_t = u64::MAX)]
        max_steps: u64,
    },
    /// Compile a module and run it on zkc's ZisK emulator.
    Run {
        /// .wasm, .wat or .zir module exporting `_start`.
        input: PathBuf,
        /// File whose bytes are the program's standard input (laid out in ZisK's input region).
        #[arg(long)]
        stdin: Option<PathBuf>,
        /// Print the cost figures as `ziskemu -X` does.
        #[arg(long)]
        stats: bool,
        /// List the functions by their share of the proof cost (VARIABLE), and what register
        /// allocation cost of it.
        #[arg(long)]
        profile: bool,
        /// Write the ZisK assembly to FILE with each instruction's executions and VARIABLE cost,
        /// marked `A` when register allocation added it, `s` when it accesses a memory slot.
        #[arg(long, value_name = "FILE")]
        annotate: Option<PathBuf>,
        /// Write the VARIABLE cost by call stack to FILE as collapsed stacks (`outer;inner
        /// WEIGHT` per line, what flamegraph.pl, inferno and speedscope read); the weights add
        /// up to the VARIABLE of --stats.
        #[arg(long, value_name = "FILE")]
        profile_folded: Option<PathBuf>,
        /// Write the same call stacks as an SVG flamegraph to FILE.
        #[arg(long, value_name = "FILE")]
        flamegraph: Option<PathBuf>,
        /// Write the VARIABLE cost by source line to FILE (`FILE:LINE WEIGHT`, most expensive
        /// first, then `(no source line)`), from the module's DWARF (build it with -g); a
        /// module without DWARF gets a note instead.
        #[arg(long, value_name = "FILE")]
        profile_lines: Option<PathBuf>,
        /// Stop after this many ZisK steps.
        #[arg(long, default_value_t = 10_000_000_000)]
        max_steps: u64,
        #[command(flatten)]
        pipeline: PipelineArgs,
    },
}

fn main() -> ExitCode {
    driver::one_malloc_arena();
    let cli = Cli::parse();
    let threads = match &cli.command {
        None => cli.compile.pipeline.threads,
        Some(Command::Run { pipeline, .. }) => pipeline.threads,
        Some(_) => None,
    };
    if let Some(n) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.into())
            .build_global()
            .expect("the thread pool is built once, first");
    }
    let result = match cli.command {
        None => compile(&cli.compile),
        Some(Command::Interp {
            input,
            stdin,
            fuel,
            opt,
        }) => interp(&input, stdin.as_deref(), fuel, opt_level(&opt)),
        Some(Command::Wast {
            input,
            backend,
            verbose,
            opt,
        }) => wast(&input, backend, verbose, opt.as_deref().map(opt_level)),
        Some(Command::Emu {
            input,
            stdin,
            input_file,
            stats,
            max_steps,
        }) => emu(
            &input,
            stdin.as_deref(),
            input_file.as_deref(),
            stats,
            max_steps,
        ),
        Some(Command::Run {
            input,
            stdin,
            stats,
            profile,
            annotate,
            profile_folded,
            flamegraph,
            profile_lines,
            max_steps,
            pipeline,
        }) => run(
            &input,
            stdin.as_deref(),
            Report {
                stats,
                profile,
                annotate,
                profile_folded,
                flamegraph,
                profile_lines,
            },
            max_steps,
            &pipeline.options(),
        ),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("zkc: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn compile(args: &CompileArgs) -> Result<u8, Error> {
    let input = args.input.as_ref().expect("clap requires INPUT");
    let opts = args.pipeline.options();
    let module = load(input, &opts)?;
    // The output, in parts written one after the other.
    let parts = match args.emit {
        Emit::Ir => {
            let module = driver::optimize(module, &opts, &mut std::io::stderr())?;
            vec![zkc_ir::text::print_module(&module).into_bytes()]
        }
        Emit::Zisk => {
            let program = driver::codegen(module, &opts, &mut std::io::stderr())?;
            let start = std::time::Instant::now();
            let text = zkc_backend_zisk::write_asm(&program)
                .map_err(|e| Error::Internal(format!("assembly writer: {e}")))?;
            driver::report_time(&opts, "write-asm", start, &mut std::io::stderr());
            leave_to_exit(program);
            vec![text.into_bytes()]
        }
        Emit::Elf => {
            let program = driver::codegen(module, &opts, &mut std::io::stderr())?;
            let start = std::time::Instant::now();
            let elf = zkc_backend_zisk::zisk_bin::program_elf_parts(&program)
                .map_err(|e| Error::Internal(format!("layout: {e}")))?;
            driver::report_time(&opts, "write-elf", start, &mut std::io::stderr());
            leave_to_exit(program);
            elf
        }
    };
    write_parts(args.output.as_deref(), &parts)?;
    Ok(0)
}

/// Leaves a compiled program's memory to the process's exit, which the CLI reaches right
/// after writing the output: freeing its millions of small allocations one by one took tens
/// of milliseconds on the main thread (a Go module's ~700k instructions).
fn leave_to_exit(program: zkc_backend_zisk::Program) {
    std::mem::forget(program);
}

/// [`driver::load`], timed with `--time-passes` (as `translate`).
fn load(input: &std::path::Path, opts: &Options) -> Result<zkc_ir::Module, Error> {
    let start = std::time::Instant::now();
    let module = driver::load(input)?;
    driver::report_time(opts, "translate", start, &mut std::io::stderr());
    Ok(module)
}

fn write_output(path: Option<&std::path::Path>, bytes: &[u8]) -> Result<(), Error> {
    write_parts(path, std::slice::from_ref(&bytes))
}

/// Writes `parts` one after the other to `path` (standard output when `None`).
fn write_parts(path: Option<&std::path::Path>, parts: &[impl AsRef<[u8]>]) -> Result<(), Error> {
    let write = |out: &mut dyn Write| parts.iter().try_for_each(|p| out.write_all(p.as_ref()));
    match path {
        Some(p) => std::fs::File::create(p)
            .and_then(|mut f| write(&mut f))
            .map_err(|e| Error::Input(format!("{}: cannot write: {e}", p.display()))),
        None => write(&mut std::io::stdout().lock())
            .map_err(|e| Error::Input(format!("cannot write to standard output: {e}"))),
    }
}

fn read_stdin_file(path: Option<&std::path::Path>) -> Result<Vec<u8>, Error> {
    match path {
        Some(p) => {
            std::fs::read(p).map_err(|e| Error::Input(format!("{}: cannot read: {e}", p.display())))
        }
        None => Ok(Vec::new()),
    }
}

fn interp(
    input: &std::path::Path,
    stdin: Option<&std::path::Path>,
    fuel: u64,
    opt_level: OptLevel,
) -> Result<u8, Error> {
    use zkc_ir::interp::{run_command, Exit, Limits};
    let module = driver::load(input)?;
    let opts = Options {
        opt_level,
        ..Options::default()
    };
    let module = driver::optimize(module, &opts, &mut std::io::sink())?;
    if module.export_func("_start").is_none() {
        return Err(Error::Input(format!(
            "{}: exports no `_start` function to run",
            input.display()
        )));
    }
    let stdin = read_stdin_file(stdin)?;
    let limits = Limits {
        fuel,
        ..Limits::default()
    };
    let out = run_command(&module, &stdin, limits);
    let _ = std::io::stdout().write_all(&out.stdout);
    let _ = std::io::stderr().write_all(&out.stderr);
    match out.exit {
        Exit::Code(c) => Ok(c as u8),
        Exit::Trap(t) => {
            eprintln!("zkc: the program trapped: {t}");
            Ok(3)
        }
    }
}

/// `zkc wast`; `level` is `-O`'s, if given.
fn wast(
    input: &std::path::Path,
    backend: Backend,
    verbose: bool,
    level: Option<OptLevel>,
) -> Result<u8, Error> {
    use zkc::wast::{InterpExecutor, Optimized};
    let text = std::fs::read_to_string(input)
        .map_err(|e| Error::Input(format!("{}: cannot read: {e}", input.display())))?;
    let mut executor: Box<dyn zkc::wast::Executor> = match (backend, level) {
        (Backend::Interp, None) => Box::new(InterpExecutor),
        (Backend::Interp, Some(level)) => Box::new(Optimized {
            level,
            inner: InterpExecutor,
        }),
        (Backend::Zisk, level) => {
            let mut e = zkc::wast_zisk::ZiskExecutor::default();
            e.options.opt_level = level.unwrap_or(OptLevel::O2);
            Box::new(e)
        }
    };
    let report = zkc::wast::run_script(&text, executor.as_mut())
        .map_err(|e| Error::Input(format!("{}: {e}", input.display())))?;
    if verbose {
        for line in report.failures.iter().chain(&report.skips) {
            println!("{}:{line}", input.display());
        }
    }
    println!("{report}");
    Ok(u8::from(report.failed > 0))
}

fn emu(
    elf: &std::path::Path,
    stdin: Option<&std::path::Path>,
    input_file: Option<&std::path::Path>,
    stats: bool,
    max_steps: u64,
) -> Result<u8, Error> {
    use zkc_backend_zisk::{emu::legacy_input, zisk_bin, Emulator, Status};
    let bytes = std::fs::read(elf)
        .map_err(|e| Error::Input(format!("{}: cannot read: {e}", elf.display())))?;
    let rom =
        zisk_bin::read_elf(&bytes).map_err(|e| Error::Input(format!("{}: {e}", elf.display())))?;
    let input = match input_file {
        Some(p) => read_stdin_file(Some(p))?,
        None => legacy_input(&read_stdin_file(stdin)?),
    };
    let mut emulator =
        Emulator::new(&rom, &input).map_err(|e| Error::Input(format!("{}: {e}", elf.display())))?;
    let outcome = emulator.run(max_steps);
    print!("{}", emulator.console_as_printed());
    if stats {
        print!("{}", emulator.stats().format_like_ziskemu());
    }
    match outcome {
        Ok(o) => match o.status {
            Status::Ended => Ok(0),
            Status::Failed { code, pc, step } => {
                eprintln!("zkc: the program failed with code {code} at pc {pc:#x}, step {step}");
                Ok(3)
            }
            Status::StepLimit => {
                eprintln!("zkc: stopped at the step limit ({max_steps} steps)");
                Ok(4)
            }
        },
        Err(e) => {
            eprintln!("zkc: emulation error: {e}");
            Ok(3)
        }
    }
}

/// What `zkc run` prints after the program's output.
struct Report {
    stats: bool,
    profile: bool,
    annotate: Option<PathBuf>,
    profile_folded: Option<PathBuf>,
    flamegraph: Option<PathBuf>,
    profile_lines: Option<PathBuf>,
}

impl Report {
    /// Whether the run must charge every instruction and call stack its cost.
    fn profiles(&self) -> bool {
        self.profile
            || self.annotate.is_some()
            || self.profile_folded.is_some()
            || self.flamegraph.is_some()
            || self.profile_lines.is_some()
    }
}

fn run(
    input: &std::path::Path,
    stdin: Option<&std::path::Path>,
    report: Report,
    max_steps: u64,
    opts: &Options,
) -> Result<u8, Error> {
    let module = load(input, opts)?;
    let names = profile::Names::new(&module);
    let linked = driver::prepare_for_zisk(module, opts, &mut std::io::stderr())?;
    let program = driver::select_owned(linked, opts, &mut std::io::stderr())?;
    let layout = driver::layout(&program)?;
    let stdin = read_stdin_file(stdin)?;
    let out = driver::run_zisk_with(&layout.rom, &stdin, max_steps, report.profiles())?;
    let _ = std::io::stdout().write_all(&out.console);
    if report.stats {
        print!("{}", out.stats.format_like_ziskemu());
    }
    if report.profile {
        print_profile(
            &profile::by_function(&layout.rom, &out, &names),
            out.stats.variable_cost(),
        );
        let share = driver::allocation_share(&program, &out);
        println!(
            "register allocation: {} of VARIABLE ({:.2}%), {} of MEMORY (moves, saves, slot accesses)",
            share.variable,
            100.0 * share.variable as f64 / out.stats.variable_cost().max(1) as f64,
            share.memory,
        );
    }
    if let Some(path) = &report.annotate {
        let text = driver::annotate(&program, &out)?;
        write_output(Some(path), text.as_bytes())?;
    }
    if report.profile_folded.is_some() || report.flamegraph.is_some() {
        let folded = profile::folded(&layout.rom, &out, &names);
        if let Some(path) = &report.profile_folded {
            write_output(Some(path), folded.as_bytes())?;
        }
        if let Some(path) = &report.flamegraph {
            write_output(
                Some(path),
                &profile::flamegraph(&folded, &profile::title(input))?,
            )?;
        }
    }
    if let Some(path) = &report.profile_lines {
        let wasm = std::fs::read(input)
            .map_err(|e| Error::Input(format!("{}: cannot read: {e}", input.display())))?;
        match profile::by_line(&wasm, &program, &out)? {
            Some(text) => write_output(Some(path), text.as_bytes())?,
            None => eprintln!(
                "zkc: --profile-lines: {} has no DWARF line table (build it with -g); {} not written",
                input.display(),
                path.display()
            ),
        }
    }
    match out.exit {
        driver::ZiskExit::Code(c) => Ok(c as u8),
        driver::ZiskExit::Trap(t) => {
            eprintln!("zkc: the program trapped: {}", t.message());
            Ok(3)
        }
        driver::ZiskExit::Machine(m) => {
            eprintln!("zkc: the emulator stopped the program: {m}");
            Ok(3)
        }
    }
}

fn print_profile(funcs: &[profile::FunctionCost], variable: u64) {
    let pct = |v: u64| 100.0 * v as f64 / variable.max(1) as f64;
    println!("\nPROFILE: VARIABLE BY FUNCTION                    STEPS         VARIABLE       %");
    println!("{}", "-".repeat(80));
    for f in funcs {
        let name: String = f.name.chars().take(44).collect();
        println!(
            "{name:<44} {:>12} {:>16} {:>6.2}%",
            f.steps,
            f.variable,
            pct(f.variable)
        );
    }
    let rest = variable - funcs.iter().map(|f| f.variable).sum::<u64>();
    println!(
        "{:<36} {:>12} {:>16} {:>6.2}%",
        "(initialised data)",
        "",
        rest,
        pct(rest)
    );
}

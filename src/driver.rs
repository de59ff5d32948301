//! The pipeline, as one readable sequence of stages (QBE's `main.c`, Cranelift's
//! `context.rs`): load, verify, run the passes of the chosen level, verifying after each (in
//! debug builds and tests, or with `--verify`), and dump the IR after any pass on request.
//!
//! Errors keep three things apart, as Cranelift's `result.rs` does: what is wrong with the user's
//! input, what zkc does not implement (yet), and what is a bug in zkc (a verifier failure after
//! a pass). Each maps to its own exit status.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::time::Instant;
use zkc_backend_zisk::codegen::{
    compile_dumping, compile_dumping_owned, decode_exit_word, CodegenError, CodegenOptions, Exit,
    Stage, EXIT_WORD,
};
use zkc_backend_zisk::{emu, Emulator, Layout, Program, Rom, Stats, Status};
use zkc_ir::{Module, TrapCode};

/// Why the driver stopped.
#[derive(Debug)]
pub enum Error {
    /// The input is unreadable, malformed or invalid. Exit status 1.
    Input(String),
    /// A stage or feature zkc does not have. Exit status 2.
    Unimplemented(String),
    /// zkc produced invalid IR: a compiler bug. Exit status 70 (EX_SOFTWARE).
    Internal(String),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => 1,
            Error::Unimplemented(_) => 2,
            Error::Internal(_) => 70,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Error::Input(m) => write!(f, "{m}"),
            Error::Unimplemented(m) => write!(f, "not implemented: {m}"),
            Error::Internal(m) => write!(f, "internal compiler error (please report): {m}"),
        }
    }
}

impl std::error::Error for Error {}

/// Optimization level, `-O0` .. `-O2`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OptLevel {
    O0,
    O1,
    O2,
}

impl OptLevel {
    /// The optimizer's passes at this level, in order (`zkc_opt::PIPELINE`).
    pub fn passes(self) -> Vec<&'static str> {
        zkc_opt::passes_for_level(self as u8)
    }
}

impl fmt::Display for OptLevel {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "-O{}", *self as u8)
    }
}

/// Pipeline options.
#[derive(Clone, Debug)]
pub struct Options {
    pub opt_level: OptLevel,
    /// Names of passes after which the IR (or, after `regalloc`, the allocated code) is printed
    /// to `dump`.
    pub dump_after: Vec<String>,
    /// The ZisK backend's options (bounds checks, allocator, form of returns).
    pub codegen: CodegenOptions,
    /// Print each stage's wall time (verification included) to `dump`.
    pub time_passes: bool,
    /// Run the verifier after every stage and pass (a failure is a compiler bug). On by
    /// default in debug builds, so every test verifies; release builds verify on request
    /// (`--verify`): the verifier is a tenth of the compile time of a large module. `.zir`
    /// input is always verified by [`load`]: for IR text, the verifier is the validator.
    pub verify: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            opt_level: OptLevel::O2,
            dump_after: vec![],
            codegen: CodegenOptions::default(),
            time_passes: false,
            verify: cfg!(debug_assertions),
        }
    }
}

/// The stages around the optimizer's passes, for `--dump-after`: `translate` is the frontend
/// (or the text parser); for ZisK output, `link` adds the runtime (WASI on ZisK, the entry),
/// `softfloat` rewrites floats into integer code, the optimizer runs on the whole linked
/// program, then the backend's stages ([`Stage`]: `isel`, `hoist`, `regalloc`, `emit`).
pub const STAGES: &[&str] = &["translate", "link", "softfloat"];

/// Every name `--dump-after` accepts: the stages and the optimizer's passes.
pub fn pass_names() -> Vec<&'static str> {
    let mut names = STAGES.to_vec();
    names.extend(zkc_opt::PASSES.iter().map(|p| p.name));
    names.extend(Stage::ALL.map(Stage::name));
    names
}

/// Checks `--dump-after` names against the passes that will run: those of `pipeline`.
fn check_dump_names(opts: &Options, pipeline: &[&str]) -> Result<(), Error> {
    for name in &opts.dump_after {
        if !pass_names().contains(&name.as_str()) {
            return Err(Error::Input(format!(
                "--dump-after {name}: no such pass (passes: {})",
                pass_names().join(", ")
            )));
        }
        if !pipeline.contains(&name.as_str()) {
            return Err(Error::Input(format!(
                "--dump-after {name}: the pass does not run here (this pipeline: {})",
                pipeline.join(", ")
            )));
        }
    }
    Ok(())
}

/// Reads an input file: zkc IR text (`.zir`, verified: invalid IR text is bad input), a wasm
/// binary (`.wasm`), or wasm text or binary (any other name; the frontend tells them apart).
pub fn load(path: &Path) -> Result<Module, Error> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::Input(format!("{}: cannot read: {e}", path.display())))?;
    let name = path.display();
    if path.extension().is_some_and(|e| e == "zir") {
        let text = String::from_utf8(bytes)
            .map_err(|e| Error::Input(format!("{name}: not UTF-8 text: {e}")))?;
        let module =
            zkc_ir::text::parse_module(&text).map_err(|e| Error::Input(format!("{name}:{e}")))?;
        // IR text is input like a wasm module: the verifier is its validator.
        zkc_ir::verify::verify_module(&module)
            .map_err(|e| Error::Input(format!("{name}: invalid IR:\n{e}")))?;
        Ok(module)
    } else {
        let wasm = path.extension().is_some_and(|e| e == "wasm");
        let translated = if wasm {
            zkc_frontend_wasm::translate_binary(&bytes)
        } else {
            zkc_frontend_wasm::translate(&bytes)
        };
        translated.map_err(|e| match e.kind {
            zkc_frontend_wasm::ErrorKind::Unsupported { .. } => {
                Error::Unimplemented(format!("{name}: {e}"))
            }
            _ => Error::Input(format!("{name}: {e}")),
        })
    }
}

/// Optimizes a loaded module at the chosen level, target-independently (for `--emit ir`):
/// every pass of the level runs, verified after it when `opts.verify` asks (the frontend's
/// IR too).
pub fn optimize(
    module: Module,
    opts: &Options,
    dump: &mut dyn std::io::Write,
) -> Result<Module, Error> {
    let pipeline = ir_pipeline(opts);
    check_dump_names(opts, &pipeline)?;
    check_if(opts, &module, "translate")?;
    dump_if(opts, &pipeline, 0, None, &module, dump);
    run_passes(module, opts, &pipeline, dump)
}

/// Runs the optimizer's passes of `opts.opt_level`, verifying and (on request) dumping after
/// each. A pass that runs several times is dumped each time, numbered.
fn run_passes(
    mut module: Module,
    opts: &Options,
    pipeline: &[&str],
    dump: &mut dyn std::io::Write,
) -> Result<Module, Error> {
    let passes = opts.opt_level.passes();
    let first = pipeline
        .iter()
        .position(|&p| p == "softfloat")
        .map_or(1, |k| k + 1);
    // Passes that run on each function on its own go through a function one after the other,
    // unless something looks at the module between them: the verifier, or a dump.
    let between = if opts.verify {
        zkc_opt::Between::Verify
    } else if passes
        .iter()
        .any(|p| opts.dump_after.iter().any(|d| d == p))
    {
        zkc_opt::Between::Nothing
    } else {
        zkc_opt::Between::Fuse
    };
    zkc_opt::run_pipeline_with(
        &passes,
        &mut module,
        between,
        &mut |i, report, module, time| {
            report_duration(opts, passes[i], time, dump);
            dump_if(
                opts,
                pipeline,
                first + i,
                Some(&report.to_string()),
                module,
                dump,
            );
        },
    )
    .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(module)
}

/// Links the runtime (WASI on ZisK, the entry) into a module.
pub fn link(
    module: Module,
    opts: &Options,
    dump: &mut dyn std::io::Write,
) -> Result<Module, Error> {
    use zkc_runtime::LinkError;
    let linked = zkc_runtime::link(module).map_err(|e| match e {
        LinkError::Runtime(_) => Error::Internal(e.to_string()),
        LinkError::UnknownImport(_) => Error::Unimplemented(e.to_string()),
        LinkError::Signature { .. } | LinkError::NoMemory(_) | LinkError::Entry(_) => {
            Error::Input(e.to_string())
        }
    })?;
    check_if(opts, &linked, "link")?;
    dump_if(opts, &zisk_pipeline(opts), 1, None, &linked, dump);
    Ok(linked)
}

/// The ZisK pipeline up to code selection, on a loaded module: verify, link the runtime,
/// lower floats to integer code, and optimize the whole program at the chosen level. The
/// result is the module [`select`] compiles.
pub fn prepare_for_zisk(
    module: Module,
    opts: &Options,
    dump: &mut dyn std::io::Write,
) -> Result<Module, Error> {
    let pipeline = zisk_pipeline(opts);
    check_dump_names(opts, &pipeline)?;
    check_if(opts, &module, "translate")?;
    dump_if(opts, &pipeline, 0, None, &module, dump);
    let start = Instant::now();
    let mut linked = link(module, opts, dump)?;
    report_time(opts, "link", start, dump);
    let start = Instant::now();
    zkc_softfloat::lower_floats(&mut linked).map_err(|e| Error::Internal(e.to_string()))?;
    check_if(opts, &linked, "softfloat")?;
    report_time(opts, "softfloat", start, dump);
    dump_if(opts, &pipeline, 2, None, &linked, dump);
    run_passes(linked, opts, &pipeline, dump)
}

/// Selects ZisK code for a prepared module ([`prepare_for_zisk`]); with `--dump-after` a
/// backend stage, prints its text to `dump` as well.
pub fn select(
    prepared: &Module,
    opts: &Options,
    dump: &mut dyn std::io::Write,
) -> Result<Program, Error> {
    select_from(Cow::Borrowed(prepared), opts, dump)
}

/// [`select`], freeing the module's function bodies once they are selected.
pub fn select_owned(
    prepared: Module,
    opts: &Options,
    dump: &mut dyn std::io::Write,
) -> Result<Program, Error> {
    select_from(Cow::Owned(prepared), opts, dump)
}

fn select_from(
    prepared: Cow<'_, Module>,
    opts: &Options,
    dump: &mut dyn std::io::Write,
) -> Result<Program, Error> {
    let codegen_error = |e: CodegenError| match e {
        CodegenError::NoEntry => Error::Input(e.to_string()),
        CodegenError::Unsupported { .. } | CodegenError::Limit(_) => {
            Error::Unimplemented(e.to_string())
        }
    };
    let mut start = Instant::now();
    let after: Vec<Stage> = (Stage::ALL.into_iter())
        .filter(|s| opts.dump_after.iter().any(|p| p == s.name()))
        .collect();
    let pipeline = zisk_pipeline(opts);
    let mut done = |stage: Stage, text: Option<String>| {
        report_time(opts, stage.name(), start, dump);
        if let Some(text) = text {
            let k = pipeline.len() - Stage::ALL.len()
                + Stage::ALL
                    .iter()
                    .position(|s| *s == stage)
                    .expect("a stage");
            let detail = format!("{:?} allocator", opts.codegen.allocator).to_lowercase();
            let header = dump_header(opts, &pipeline, k, Some(&detail));
            let _ = writeln!(dump, "{header}{text}");
        }
        start = Instant::now();
    };
    match prepared {
        Cow::Borrowed(m) => compile_dumping(m, &opts.codegen, &after, &mut done),
        Cow::Owned(m) => compile_dumping_owned(m, &opts.codegen, &after, &mut done),
    }
    .map_err(codegen_error)
}

/// With `--time-passes`, prints the wall time since `start` of the stage `name`.
pub fn report_time(opts: &Options, name: &str, start: Instant, dump: &mut dyn std::io::Write) {
    report_duration(opts, name, start.elapsed(), dump);
}

fn report_duration(
    opts: &Options,
    name: &str,
    time: std::time::Duration,
    dump: &mut dyn std::io::Write,
) {
    if opts.time_passes {
        let ms = time.as_secs_f64() * 1e3;
        let _ = writeln!(dump, "time: {name:<16} {ms:>9.1} ms");
    }
}

/// The whole ZisK pipeline on a loaded module: [`prepare_for_zisk`], then [`select`].
pub fn codegen(
    module: Module,
    opts: &Options,
    dump: &mut dyn std::io::Write,
) -> Result<Program, Error> {
    select_owned(prepare_for_zisk(module, opts, dump)?, opts, dump)
}

/// Makes the process allocate from one malloc arena; call it first, before any thread starts.
/// glibc gives each thread that allocates an arena of its own, and memory freed into one
/// arena is not reused by another: the code and allocations the backend frees while its
/// threads emit the program would not make room for it, and a large module's peak memory
/// would grow by a tenth. One arena (each thread keeps its cache of small blocks) costs no
/// measurable time.
pub fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tunable, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Lays a program out into a ROM (the addresses `ziskemu -z` would give it).
pub fn layout(program: &Program) -> Result<Layout, Error> {
    program
        .layout()
        .map_err(|e| Error::Internal(format!("layout: {e}")))
}

/// How a program run on the ZisK emulator ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZiskExit {
    /// It returned to the BIOS with this status (0 unless `proc_exit` said otherwise).
    Code(i32),
    /// A wasm trap.
    Trap(TrapCode),
    /// The emulator stopped it: step limit, invalid access or opcode.
    Machine(String),
}

/// The result of a run on zkc's emulator.
pub struct ZiskRun {
    pub console: Vec<u8>,
    pub exit: ZiskExit,
    pub stats: Stats,
    /// Per instruction that ran: (address, executions, VARIABLE charged; 0 unless profiling).
    pub pc_costs: Vec<(u64, u64, u64)>,
    /// Per call stack that ran, when profiling: its functions (indices into the ROM's
    /// symbols, `None` for the BIOS), outermost first, and the VARIABLE charged to it
    /// ([`Emulator::call_stacks`]).
    pub call_stacks: Vec<(Vec<Option<usize>>, u64)>,
}

/// Runs a ROM on zkc's emulator with `stdin` as the program's standard input.
pub fn run_zisk(rom: &Rom, stdin: &[u8], max_steps: u64) -> Result<ZiskRun, Error> {
    run_zisk_with(rom, stdin, max_steps, false)
}

/// [`run_zisk`], optionally charging every instruction and call stack its exact VARIABLE
/// cost ([`ZiskRun::pc_costs`], [`ZiskRun::call_stacks`]) for [`crate::profile`].
pub fn run_zisk_with(
    rom: &Rom,
    stdin: &[u8],
    max_steps: u64,
    profile: bool,
) -> Result<ZiskRun, Error> {
    let input = emu::legacy_input(stdin);
    let mut e = Emulator::new(rom, &input).map_err(|e| Error::Input(e.to_string()))?;
    if profile {
        e.enable_profile();
    }
    let exit = match e.run(max_steps) {
        Ok(o) => match o.status {
            Status::Ended => match decode_exit_word(e.read_u64(EXIT_WORD)) {
                Ok(Exit::Code(c)) => ZiskExit::Code(c),
                Ok(Exit::Trap(t)) => ZiskExit::Trap(t),
                Err(word) => ZiskExit::Machine(format!("unknown exit word {word:#x}")),
            },
            Status::Failed { code, pc, step } => ZiskExit::Machine(format!(
                "failed with code {code} at pc {pc:#x}, step {step}"
            )),
            Status::StepLimit => ZiskExit::Machine(format!("stopped after {max_steps} steps")),
        },
        Err(err) => ZiskExit::Machine(err.to_string()),
    };
    Ok(ZiskRun {
        console: e.console().to_vec(),
        exit,
        stats: e.stats(),
        pc_costs: e.pc_costs(),
        call_stacks: e.call_stacks(),
    })
}

/// The part of a run's cost the register allocation added: the instructions it added (moves,
/// saves and restores, jumps of edge blocks that hold moves) and every access to its memory
/// slots ([`Program::allocation_costs`]). The rest is a floor: the same selected code with a
/// perfect allocation (every value in a register, no copy left) costs no less.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllocShare {
    pub memory: u64,
    pub variable: u64,
    /// MEMORY of the constant-address accesses to static words (globals, bound words): not
    /// allocation's, part of the floor.
    pub static_memory: u64,
}

/// What allocation cost in a profiled run ([`run_zisk_with`] with `profile`) of `program`.
pub fn allocation_share(program: &Program, run: &ZiskRun) -> AllocShare {
    let execs: std::collections::HashMap<u64, (u64, u64)> = run
        .pc_costs
        .iter()
        .map(|&(pc, n, c)| (pc, (n, c)))
        .collect();
    let mut share = AllocShare::default();
    for a in program.allocation_costs() {
        let Some(&(n, cost)) = execs.get(&a.pc) else {
            continue;
        };
        share.memory += n * a.memory;
        share.variable += if a.added { cost } else { n * a.memory };
        if !a.added {
            share.static_memory += n * a.static_memory;
        }
    }
    share
}

/// The program's assembly with two columns before every instruction that ran, its executions
/// and the VARIABLE charged to it (a profiled run's [`ZiskRun::pc_costs`]), then a mark: `A`
/// when register allocation added the instruction, `s` when it accesses an allocation slot
/// ([`Program::allocation_costs`]).
pub fn annotate(program: &Program, run: &ZiskRun) -> Result<String, Error> {
    let program = program
        .with_launcher()
        .map_err(|e| Error::Internal(format!("layout: {e}")))?;
    let by_pc: std::collections::HashMap<u64, (u64, u64)> = run
        .pc_costs
        .iter()
        .map(|&(pc, n, c)| (pc, (n, c)))
        .collect();
    let alloc: std::collections::HashMap<u64, bool> = program
        .allocation_costs()
        .into_iter()
        .filter(|a| a.added || a.memory > 0)
        .map(|a| (a.pc, a.added))
        .collect();
    let mut margin = |pc: u64| {
        let mut m = match by_pc.get(&pc) {
            Some((n, c)) => format!("{n:>10} {c:>12}"),
            None => format!("{:>10} {:>12}", "", ""),
        };
        m += match alloc.get(&pc) {
            Some(true) => " A",
            Some(false) => " s",
            None => "  ",
        };
        m
    };
    zkc_backend_zisk::write_asm_with_margin(&program, &mut margin)
        .map_err(|e| Error::Internal(format!("assembly writer: {e}")))
}

fn dump_if(
    opts: &Options,
    pipeline: &[&str],
    k: usize,
    detail: Option<&str>,
    module: &Module,
    dump: &mut dyn std::io::Write,
) {
    if opts.dump_after.iter().any(|p| p == pipeline[k]) {
        let header = dump_header(opts, pipeline, k, detail);
        let _ = writeln!(dump, "{header}{}", zkc_ir::text::print_module(module));
    }
}

/// The one header of every dump: `; after NAME (stage K of N at -OL)`, then `; DETAIL` (a
/// pass's report, the allocator) when there is one.
fn dump_header(opts: &Options, pipeline: &[&str], k: usize, detail: Option<&str>) -> String {
    let mut h = format!(
        "; after {} (stage {} of {} at {})\n",
        pipeline[k],
        k + 1,
        pipeline.len(),
        opts.opt_level
    );
    if let Some(d) = detail {
        h += &format!("; {d}\n");
    }
    h
}

/// The stages of `--emit ir`: the frontend, then the optimizer's passes.
fn ir_pipeline(opts: &Options) -> Vec<&'static str> {
    let mut p = vec!["translate"];
    p.extend(opts.opt_level.passes());
    p
}

/// The stages of ZisK output: the frontend, the runtime, soft-float, the optimizer's passes
/// on the whole program, the backend's stages.
fn zisk_pipeline(opts: &Options) -> Vec<&'static str> {
    let mut p = STAGES.to_vec();
    p.extend(opts.opt_level.passes());
    p.extend(Stage::ALL.map(Stage::name));
    p
}

/// The verifier between passes: a failure is a compiler bug in the pass named.
fn check(module: &Module, after: &str) -> Result<(), Error> {
    zkc_ir::verify::verify_module(module)
        .map_err(|e| Error::Internal(format!("invalid IR after {after}:\n{e}")))
}

/// [`check`] when `opts.verify` asks for the verifier between stages.
fn check_if(opts: &Options, module: &Module, after: &str) -> Result<(), Error> {
    if opts.verify {
        check(module, after)?;
    }
    Ok(())
}

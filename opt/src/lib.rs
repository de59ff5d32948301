//! zkc's optimizer: classic SSA passes and an e-graph mid-end (egg) whose extraction minimizes
//! ZisK proving cost.
//!
//! Every pass is IR → IR on a whole [`Module`] and leaves it verifiable; the driver runs the
//! verifier between passes (in debug builds and tests, or with `--verify`) and can dump the IR
//! after any of them (Cranelift's `context.rs` style). Most passes change each function on
//! its own ([`Run::Function`]); when nothing looks at the module between them, a run of such
//! passes takes each function through all of them in turn ([`Between::Fuse`]), which gives
//! the same module as running them one after the other, but reads each function's IR from
//! memory once instead of once per pass (issue 17). The pipelines are plain lists of pass
//! names:
//!
//! | pass | what it does |
//! |---|---|
//! | `dce` | removes blocks unreachable from the entry, then block parameters and effect-free instructions whose values never reach an effect, a branch or a return |
//! | `simplify-cfg` | folds `brif`/`br_table` with one destination or a constant condition, threads edges whose constant arguments decide their destination's branch ([`threading`]), threads jumps through empty blocks, merges a block into its only predecessor |
//! | `simplify-params` | replaces block parameters that receive one value (or themselves) from every edge by that value, removes parameters nobody reads |
//! | `devirt` | turns `call_indirect` at a constant index into a table nothing writes into a direct `call` |
//! | `inline` | inlines small functions and functions with a single call site (never recursive cycles), then drops defined functions nothing references |
//! | `licm` | hoists loop-invariant pure instructions of natural loops into a preheader |
//! | `peel` | copies the first iteration of a small loop that accesses memory at an address computed outside it before the loop, so that one check covers the loop's |
//! | `exit-values` | makes code after a loop read an induction variable as its next value less the step, so that the variable dies where the next value is computed |
//! | `unroll` | copies a small loop whose back edge shifts values along its header parameters (`b = a, c = b`) as many times as the chain is long, each copy with its exit tests, so that no value moves between registers |
//! | `version` | copies a loop whose accesses are affine in its induction variables; a guard checks the whole range once and enters the copy, whose accesses need no check, or else the original loop |
//! | `globals` | keeps mutable globals read or written more than once in a block in SSA values between the calls, returns and traps that can observe them |
//! | `forward` | replaces a load by the value an earlier store or load of its block put at the same address when nothing in between may write there |
//! | `egraph` | equality saturation over each block's pure dataflow (constant folding, algebra, strength reduction, comparison canonicalization, extension/wrap elimination), extraction under the ZisK cost model, reinsertion with sharing (CSE) |
//!
//! `-O1` and `-O2` run the passes of [`PIPELINE`] up to their level.

pub mod cleanup;
pub mod devirt;
pub mod egraph;
pub mod entry;
pub mod exits;
pub mod forward;
pub mod globals;
pub mod idioms;
pub mod inline;
pub mod licm;
mod loops;
pub mod peel;
pub mod threading;
pub mod unroll;
pub mod util;
pub mod version;

use std::fmt;
use std::time::{Duration, Instant};
use zkc_ir::Module;

/// The optimizer's pipeline, each pass with the lowest level it runs at: `-O1` is the classic
/// passes, `-O2` adds the e-graph mid-end and the cleanup of what it leaves.
pub const PIPELINE: &[(&str, u8)] = &[
    ("idioms", 1),
    ("dce", 1),
    ("simplify-cfg", 1),
    ("simplify-params", 1),
    ("devirt", 1),
    ("inline", 1),
    ("simplify-cfg", 1),
    ("simplify-params", 1),
    ("globals", 1),
    ("entry-values", 1),
    ("dce", 1),
    ("forward", 1),
    ("egraph", 2),
    ("licm", 1),
    ("exit-values", 1),
    ("unroll", 1),
    ("peel", 1),
    ("version", 1),
    ("simplify-cfg", 1),
    ("simplify-params", 2),
    ("dce", 1),
];

/// One pass: its name (as in `--dump-after NAME`), a one-line description, its entry point.
pub struct PassInfo {
    pub name: &'static str,
    pub description: &'static str,
    pub run: Run,
}

/// How a pass runs.
#[derive(Clone, Copy)]
pub enum Run {
    /// Over the whole module: the pass reads or changes more than one function, or what the
    /// module holds besides its functions' bodies.
    Module(fn(&mut Module) -> PassReport),
    /// On each function on its own ([`util::FunctionPass`]), made from what the pass reads of
    /// the module, which no pass of this kind changes: consecutive such passes can take each
    /// function through all of them in turn ([`run_pipeline_with`]).
    Function(fn(&Module) -> util::FunctionPass),
}

/// Every pass, by name.
pub const PASSES: &[PassInfo] = &[
    PassInfo {
        name: "dce",
        description: "remove unreachable blocks and unused effect-free instructions",
        run: Run::Function(cleanup::dce),
    },
    PassInfo {
        name: "simplify-cfg",
        description: "fold trivial branches, thread constant-decided branches and empty blocks, \
             merge straight-line blocks",
        run: Run::Function(cleanup::simplify_cfg),
    },
    PassInfo {
        name: "simplify-params",
        description:
            "replace block parameters that always receive one value, remove unread parameters",
        run: Run::Function(cleanup::simplify_params),
    },
    PassInfo {
        name: "idioms",
        description: "replace code that computes one ZisK operation by it (a 64x64-bit product's \
             halves from 32-bit partial products: mul, mul_hi_u; an i32 sum computed in i64, \
             wrap(extend(x) + c): x + c)",
        run: Run::Function(idioms::pass),
    },
    PassInfo {
        name: "devirt",
        description: "make call_indirect at a constant index into an unwritten table a call",
        run: Run::Module(devirt::run),
    },
    PassInfo {
        name: "inline",
        description: "inline small and single-call functions, remove unreferenced functions",
        run: Run::Module(inline::run),
    },
    PassInfo {
        name: "licm",
        description: "hoist loop-invariant pure instructions into loop preheaders",
        run: Run::Function(licm::pass),
    },
    PassInfo {
        name: "peel",
        description: "copy the first iteration of small loops that access memory at an address \
             computed outside them before the loop, so that the address is checked once",
        run: Run::Function(peel::pass),
    },
    PassInfo {
        name: "unroll",
        description: "unroll a small loop whose back edge shifts values from one header \
             parameter to the next as many times as the chain is long, so that no value moves",
        run: Run::Function(unroll::pass),
    },
    PassInfo {
        name: "exit-values",
        description: "after a loop, read an induction variable as its next value less the \
             step, so that the two need not live side by side in every iteration",
        run: Run::Function(exits::pass),
    },
    PassInfo {
        name: "version",
        description: "copy loops whose accesses walk memory with their induction variables; \
             one check of the whole range before the loop enters the copy, whose accesses \
             need no bounds check, else the original",
        run: Run::Function(version::pass),
    },
    PassInfo {
        name: "globals",
        description: "keep mutable globals in SSA values between observing instructions",
        run: Run::Function(globals::pass),
    },
    PassInfo {
        name: "entry-values",
        description: "read a mutable global (the stack pointer) as the constant every call \
             into its function brings, in a linked program, and fold what it feeds",
        run: Run::Module(entry::run),
    },
    PassInfo {
        name: "forward",
        description: "replace a load by the value an earlier store or load of its block put at \
             the same address, when nothing in between may write there",
        run: Run::Function(forward::pass),
    },
    PassInfo {
        name: "egraph",
        description: "equality saturation over pure dataflow, extraction by ZisK cost",
        run: Run::Function(egraph::pass),
    },
];

/// What a pass did: counters and notes (for the e-graph, why each run stopped).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    pub pass: &'static str,
    /// Named counters, in a fixed order.
    pub stats: Vec<(&'static str, u64)>,
    pub notes: Vec<String>,
}

impl PassReport {
    pub fn new(pass: &'static str) -> Self {
        PassReport {
            pass,
            ..Default::default()
        }
    }

    pub fn add(&mut self, name: &'static str, n: u64) {
        match self.stats.iter_mut().find(|(k, _)| *k == name) {
            Some((_, v)) => *v += n,
            None => self.stats.push((name, n)),
        }
    }

    /// Adds another run's counters and notes to these.
    pub fn merge(&mut self, other: PassReport) {
        for (k, n) in other.stats {
            self.add(k, n);
        }
        self.notes.extend(other.notes);
    }

    pub fn get(&self, name: &str) -> u64 {
        self.stats
            .iter()
            .find(|(k, _)| *k == name)
            .map_or(0, |(_, v)| *v)
    }
}

impl fmt::Display for PassReport {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}:", self.pass)?;
        for (i, (k, v)) in self.stats.iter().enumerate() {
            write!(f, "{} {k} {v}", if i == 0 { "" } else { "," })?;
        }
        for n in &self.notes {
            write!(f, "; {n}")?;
        }
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptError {
    /// No pass has this name.
    UnknownPass(String),
    /// The IR after a pass does not verify: a compiler bug.
    Verifier { pass: String, message: String },
}

impl fmt::Display for OptError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            OptError::UnknownPass(n) => write!(f, "unknown optimization pass `{n}`"),
            OptError::Verifier { pass, message } => {
                write!(
                    f,
                    "compiler bug: the IR after pass `{pass}` does not verify:\n{message}"
                )
            }
        }
    }
}

impl std::error::Error for OptError {}

/// The pass called `name`.
pub fn pass(name: &str) -> Option<&'static PassInfo> {
    PASSES.iter().find(|p| p.name == name)
}

/// Runs the pass called `name` on `module`.
pub fn run_pass(name: &str, module: &mut Module) -> Result<PassReport, OptError> {
    let p = pass(name).ok_or_else(|| OptError::UnknownPass(name.to_string()))?;
    Ok(match p.run {
        Run::Module(run) => run(module),
        Run::Function(make) => {
            let mut r = PassReport::new(p.name);
            util::for_each_body(module, &mut r, make(module));
            r
        }
    })
}

/// The pipeline of an optimization level: 0 (none), 1 or 2 (higher levels are 2).
pub fn passes_for_level(level: u8) -> Vec<&'static str> {
    PIPELINE
        .iter()
        .filter(|&&(_, at)| level >= at)
        .map(|&(name, _)| name)
        .collect()
}

/// Runs `passes` in order, verifying after each one when `verify` is set.
pub fn run_pipeline(
    passes: &[&str],
    module: &mut Module,
    verify: bool,
) -> Result<Vec<PassReport>, OptError> {
    let between = if verify {
        Between::Verify
    } else {
        Between::Nothing
    };
    run_pipeline_with(passes, module, between, &mut |_, _, _, _| {})
}

/// What happens between the passes of a pipeline.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Between {
    /// The verifier checks the module after each pass.
    Verify,
    /// Nothing: each pass leaves the module as the next one sees it.
    Nothing,
    /// Nothing observes the module between consecutive per-function passes ([`Run::Function`]):
    /// each function goes through all of them in turn, on rayon's threads, while its IR is in
    /// the cache ([`util::run_fused`]). Module and reports are the same as [`Between::Nothing`]'s.
    Fuse,
}

/// Runs the passes in order, calling `after` with each pass's index, report, the module after
/// it and the wall time it took (the verifier's included). Passes run together
/// ([`Between::Fuse`]) are reported once all of them have run, each with the share of their
/// wall time that its thread time is of theirs, and the module after the last of them.
pub fn run_pipeline_with(
    passes: &[&str],
    module: &mut Module,
    between: Between,
    after: &mut dyn FnMut(usize, &PassReport, &Module, Duration),
) -> Result<Vec<PassReport>, OptError> {
    let infos = (passes.iter())
        .map(|&name| pass(name).ok_or_else(|| OptError::UnknownPass(name.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let is_function = |p: &&&PassInfo| matches!(p.run, Run::Function(_));
    let mut reports = Vec::new();
    let mut k = 0;
    while k < infos.len() {
        let start = Instant::now();
        let fused = match between {
            Between::Fuse => infos[k..].iter().take_while(is_function).count(),
            _ => 0,
        };
        if fused > 1 {
            let group = &infos[k..k + fused];
            let mut parts: Vec<PassReport> =
                group.iter().map(|p| PassReport::new(p.name)).collect();
            let mut runs: Vec<(&mut PassReport, util::FunctionPass)> = (parts.iter_mut())
                .zip(group)
                .map(|(r, p)| match p.run {
                    Run::Function(make) => (r, make(module)),
                    Run::Module(_) => unreachable!("a fused pass runs per function"),
                })
                .collect();
            let mut times = vec![Duration::ZERO; fused];
            util::run_fused(module, &mut runs, &mut times);
            let wall = start.elapsed();
            let total: Duration = times.iter().sum();
            for (j, r) in parts.into_iter().enumerate() {
                let share = match total.is_zero() {
                    true => wall / fused as u32,
                    false => wall.mul_f64(times[j].as_secs_f64() / total.as_secs_f64()),
                };
                after(k + j, &r, module, share);
                reports.push(r);
            }
            k += fused;
            continue;
        }
        let report = run_pass(passes[k], module)?;
        if between == Between::Verify {
            zkc_ir::verify::verify_module(module).map_err(|e| OptError::Verifier {
                pass: passes[k].to_string(),
                message: e.to_string(),
            })?;
        }
        after(k, &report, module, start.elapsed());
        reports.push(report);
        k += 1;
    }
    Ok(reports)
}

//! Helpers shared by the passes: use counts, value replacement, the set of removable ops.

use crate::PassReport;
use zkc_ir::{Block, Function, Module, Op, SecondaryMap, Value, ValueDef};

/// Whether an instruction with this op may be deleted when its results are unused: pure ops,
/// and reads that can neither trap nor have an effect (a `notrap` load among them).
pub fn removable(op: &Op) -> bool {
    op.is_pure()
        || matches!(
            op,
            Op::GlobalGet(_) | Op::MemorySize | Op::TableSize(_) | Op::Load { notrap: true, .. }
        )
}

/// How many times each value is read by instructions and terminators of laid-out blocks.
pub fn use_counts(f: &Function) -> SecondaryMap<Value, u32> {
    let mut n: SecondaryMap<Value, u32> = SecondaryMap::with_capacity(f.values.len());
    for &b in &f.layout {
        for &i in &f.blocks[b].insts {
            for &a in &f.insts[i].args {
                n[a] += 1;
            }
        }
        if let Some(t) = &f.blocks[b].term {
            for a in t.uses() {
                n[a] += 1;
            }
        }
    }
    n
}

/// A substitution of values, applied to every use at once. Chains (`a → b → c`) resolve.
#[derive(Default)]
pub struct Aliases {
    map: SecondaryMap<Value, Option<Value>>,
    any: bool,
}

impl Aliases {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        !self.any
    }

    /// Every use of `from` becomes a use of `to`.
    pub fn set(&mut self, from: Value, to: Value) {
        let to = self.resolve(to);
        if to != from {
            self.map[from] = Some(to);
            self.any = true;
        }
    }

    pub fn resolve(&self, mut v: Value) -> Value {
        let mut steps = 0;
        while let Some(w) = self.map[v] {
            v = w;
            steps += 1;
            debug_assert!(steps < 1 << 24, "alias cycle");
        }
        v
    }

    /// Rewrites every use in the laid-out blocks of `f`.
    pub fn apply(&self, f: &mut Function) {
        if !self.any {
            return;
        }
        for bi in 0..f.layout.len() {
            let b = f.layout[bi];
            for ii in 0..f.blocks[b].insts.len() {
                let i = f.blocks[b].insts[ii];
                for a in f.insts[i].args.iter_mut() {
                    *a = self.resolve(*a);
                }
            }
            if let Some(t) = f.blocks[b].term.as_mut() {
                t.map_uses(|v| self.resolve(v));
            }
        }
    }
}

/// The block that defines `v`, if it is attached.
pub fn def_block(
    f: &Function,
    v: Value,
    inst_block: &SecondaryMap<zkc_ir::Inst, Option<Block>>,
) -> Option<Block> {
    match f.values[v].def {
        ValueDef::Param(b, _) => Some(b),
        ValueDef::Result(i, _) => inst_block[i],
        ValueDef::Detached => None,
    }
}

/// The block each laid-out instruction sits in.
pub fn inst_blocks(f: &Function) -> SecondaryMap<zkc_ir::Inst, Option<Block>> {
    let mut m = SecondaryMap::with_capacity(f.insts.len());
    for &b in &f.layout {
        for &i in &f.blocks[b].insts {
            m[i] = Some(b);
        }
    }
    m
}

/// Number of instructions (plus terminators) of a body: the size measure of inlining.
pub fn body_size(f: &Function) -> usize {
    f.layout.iter().map(|&b| f.blocks[b].insts.len() + 1).sum()
}

/// Total instruction count of the module's bodies.
pub fn module_size(m: &Module) -> u64 {
    m.funcs
        .values()
        .filter_map(|d| d.body())
        .map(|f| body_size(f) as u64)
        .sum()
}

/// A pass that changes each function on its own, made from what it reads of the module (a
/// constant of the memory, a rule set): the module's other functions are out of its reach, so
/// that a run of such passes can take every function through all of them in turn
/// ([`crate::run_pipeline_with`]) as well as every function through each of them.
pub type FunctionPass = Box<dyn Fn(&mut Function, &mut PassReport) + Sync>;

/// Runs a [`FunctionPass`] on every defined function, on rayon's threads (`zkc --threads`),
/// each function reporting into its own copy of `r` that is then added to `r` in the module's
/// order of functions: module and report are the same as a sequential run's whatever the
/// number of threads. Every pass that looks at one function at a time runs through here
/// (issue 17).
pub fn for_each_body(m: &mut Module, r: &mut PassReport, pass: FunctionPass) {
    run_fused(m, &mut [(r, pass)], &mut [std::time::Duration::ZERO]);
}

/// Takes every defined function through each of `passes` in turn, on rayon's threads: one
/// function's IR stays in the cache from one pass to the next, where running each pass over
/// the whole module streamed every function's IR through it once per pass (a Go module's IR
/// is some 50 MB as translated, more than any cache). Each pass's reports are added to its
/// own in the module's order of functions, and the thread time each pass took to its entry of
/// `times` (one per pass): the same module and reports as running the passes one after the
/// other.
pub fn run_fused(
    m: &mut Module,
    passes: &mut [(&mut PassReport, FunctionPass)],
    times: &mut [std::time::Duration],
) {
    assert_eq!(times.len(), passes.len(), "one time per pass");
    let names: Vec<&'static str> = passes.iter().map(|(r, _)| r.pass).collect();
    let runs: Vec<&FunctionPass> = passes.iter().map(|(_, p)| p).collect();
    let parts = {
        // Largest first, so that no large function starts last and leaves the other threads
        // idle while it runs (the e-graph takes tens of milliseconds on some of Go's); the
        // results go back to the module's order.
        let mut bodies: Vec<(usize, &mut Function)> = (m.funcs.values_mut())
            .filter_map(|d| d.body_mut())
            .enumerate()
            .collect();
        bodies.sort_by_cached_key(|(k, f)| (std::cmp::Reverse(body_size(f)), *k));
        use rayon::prelude::*;
        let mut parts = (bodies.par_iter_mut())
            .map(|(k, f)| {
                let mut reports = Vec::with_capacity(runs.len());
                let mut spent = Vec::with_capacity(runs.len());
                for (run, &name) in runs.iter().zip(&names) {
                    let start = std::time::Instant::now();
                    let mut r = PassReport::new(name);
                    run(f, &mut r);
                    reports.push(r);
                    spent.push(start.elapsed());
                }
                (*k, reports, spent)
            })
            .collect::<Vec<_>>();
        parts.sort_unstable_by_key(|p| p.0);
        parts
    };
    for (_, reports, spent) in parts {
        for ((r, _), part) in passes.iter_mut().zip(reports) {
            r.merge(part);
        }
        for (t, s) in times.iter_mut().zip(spent) {
            *t += s;
        }
    }
}

/// The bits of the constant a value is defined as, if any.
pub(crate) fn const_of(f: &Function, v: Value) -> Option<u64> {
    match f.values[v].def {
        ValueDef::Result(i, 0) => match f.insts[i].op {
            Op::Const { bits, .. } => Some(bits),
            _ => None,
        },
        _ => None,
    }
}

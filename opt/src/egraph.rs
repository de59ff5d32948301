//! The e-graph mid-end: equality saturation over each block's pure dataflow, extraction under
//! the ZisK cost model, reinsertion with sharing.
//!
//! Per block, every pure instruction becomes an e-node ([`Zir`]); block parameters, values of
//! other blocks and results of effectful instructions (loads, calls, trapping division, ...) are
//! opaque leaves, and the effectful instructions keep their order. Constant folding is the
//! [`Fold`] analysis with wasm's exact integer semantics (it never sees a trapping op: those
//! are not pure). The rules ([`rules`]) live in topic lists; extraction uses [`ZiskCost`]
//! (TARGET.md §2–3: 62 per step plus the op's cost; immediates free). Reinsertion emits each
//! chosen e-class once, where the block first computed it (or, when its chosen form reads a
//! later effectful result, right before its first effectful use), so equal expressions are
//! shared: GVN/CSE within the block, and operands live no longer than in the input. As in Cranelift's aegraph
//! (`cranelift/codegen/src/egraph`), pure values are placed by their uses, not by their
//! original position.
//!
//! Every saturation run ([`saturate`]) has iteration and node limits ([`ITER_LIMIT`],
//! [`node_limit`] scaled by the block's size); the pass report counts the stop reasons. A block's
//! e-graph runs only the rules that can fire in it ([`Rules`]), and none at all when no rule
//! can. No wall-clock limit stops a run, so the output is deterministic.

pub mod lang;
pub mod rules;

pub use lang::{Fold, Key, Konst, Leaf, Zir, ZirOp, ZiskCost};

use crate::util::{use_counts, Aliases, FunctionPass};
use egg::{EGraph, Extractor, Id, Language, Rewrite};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use zkc_ir::{Block, Function, Inst, Module, Op, SecondaryMap, SrcLoc, Value};

/// Saturation rounds per block.
pub const ITER_LIMIT: usize = 8;
/// E-nodes per block e-graph, at most: a block's budget is [`NODES_BASE`] and
/// [`NODES_PER_INST`] per pure instruction, up to this ([`node_limit`]), so that the e-graph's
/// work grows with the code, not with how many blocks of it there are times the largest budget.
pub const NODE_LIMIT: usize = 10_000;
/// E-nodes every block e-graph may have.
pub const NODES_BASE: usize = 1_000;
/// E-nodes per pure instruction of the block, past [`NODES_BASE`].
pub const NODES_PER_INST: usize = 40;
/// Blocks with more pure instructions than this are left alone (bounded recursion depth and
/// time).
pub const MAX_BLOCK_PURE_INSTS: usize = 3000;

/// The node limit of a block e-graph over `npure` pure instructions.
pub fn node_limit(npure: usize) -> usize {
    (NODES_BASE + NODES_PER_INST * npure).min(NODE_LIMIT)
}

#[derive(Default)]
struct Stats {
    blocks: u64,
    saturated: u64,
    iter_limit: u64,
    node_limit: u64,
    nodes: u64,
    pure_before: u64,
    pure_after: u64,
}

pub fn pass(_: &Module) -> FunctionPass {
    let rules = Rules::new(rules::all());
    Box::new(move |f, r| {
        let mut st = Stats::default();
        optimize_function(f, &rules, &mut st);
        r.add("blocks", st.blocks);
        r.add("pure insts before", st.pure_before);
        r.add("after", st.pure_after);
        r.add("e-nodes", st.nodes);
        r.add("saturated", st.saturated);
        r.add("iteration limit", st.iter_limit);
        r.add("node limit", st.node_limit);
    })
}

/// The rules with what each one matches and adds, so that a block's e-graph runs only the
/// rules that can fire in it. Saturation costs per rule and round whether the rule
/// matches or not, and a typical block holds a handful of the operations the rules look for:
/// the rules that cannot fire would be most of the e-graph's time.
pub struct Rules {
    rewrites: Vec<Rewrite<Zir, Fold>>,
    /// Per operation at the root of some rule's left side: the rules an e-graph holding it
    /// can fire ([`Rules::closure`]), as a bit set over `rewrites`; `None` when that is all of
    /// them.
    by_root: HashMap<ZirOp, Option<Vec<u64>>>,
    /// What every e-graph can fire: the rules whose left side is a bare variable, those
    /// rooted at a constant (constant folding adds constants), and what they add.
    base: Option<Vec<u64>>,
}

impl Rules {
    pub fn new(rewrites: Vec<Rewrite<Zir, Fold>>) -> Rules {
        let ops = |ast: &egg::PatternAst<Zir>| -> Vec<ZirOp> {
            (ast.as_ref().iter())
                .filter_map(|n| match n {
                    egg::ENodeOrVar::ENode(n) => Some(n.discriminant()),
                    egg::ENodeOrVar::Var(_) => None,
                })
                .collect()
        };
        let (mut roots, mut anywhere) = (HashMap::<ZirOp, Vec<usize>>::default(), Vec::new());
        for (k, r) in rewrites.iter().enumerate() {
            match r.searcher.get_pattern_ast().and_then(|p| p.as_ref().last()) {
                Some(egg::ENodeOrVar::ENode(n)) => {
                    roots.entry(n.discriminant()).or_default().push(k)
                }
                _ => anywhere.push(k),
            }
        }
        let adds: Vec<Option<Vec<ZirOp>>> = (rewrites.iter())
            .map(|r| r.applier.get_pattern_ast().map(ops))
            .collect();
        let closure = |start: Vec<usize>| Rules::closure(rewrites.len(), &roots, &adds, start);
        let mut base = anywhere;
        base.extend(roots.get(&ZirOp::Const).into_iter().flatten());
        let base = closure(base);
        let by_root = (roots.iter())
            .map(|(&op, rules)| (op, closure(rules.clone())))
            .collect();
        Rules {
            rewrites,
            by_root,
            base,
        }
    }

    /// The rules reachable from `start`: a chosen rule's right side adds operations, which
    /// the rules rooted at them match. `None` when one adds computed operations (so any).
    fn closure(
        n: usize,
        roots: &HashMap<ZirOp, Vec<usize>>,
        adds: &[Option<Vec<ZirOp>>],
        mut work: Vec<usize>,
    ) -> Option<Vec<u64>> {
        let mut chosen = vec![0u64; n.div_ceil(64)];
        let mut added: HashSet<ZirOp> = HashSet::default();
        while let Some(k) = work.pop() {
            if chosen[k / 64] & 1 << (k % 64) != 0 {
                continue;
            }
            chosen[k / 64] |= 1 << (k % 64);
            for &op in adds[k].as_ref()? {
                if added.insert(op) {
                    work.extend(roots.get(&op).into_iter().flatten());
                }
            }
        }
        Some(chosen)
    }

    /// The rules that can fire in an e-graph of the operations `ops`: those whose root is in
    /// it or a constant, closed under what they add, in their order. The others could never
    /// match, so leaving them out changes nothing but the time. Reachability from a set of
    /// operations is the union of each one's, computed once in [`Rules::new`].
    fn for_ops(&self, ops: &HashSet<ZirOp>) -> Vec<&Rewrite<Zir, Fold>> {
        let all = || self.rewrites.iter().collect();
        let Some(mut chosen) = self.base.clone() else {
            return all();
        };
        for op in ops {
            match self.by_root.get(op) {
                Some(Some(rules)) => chosen.iter_mut().zip(rules).for_each(|(c, r)| *c |= r),
                Some(None) => return all(),
                None => {}
            }
        }
        (self.rewrites.iter().enumerate())
            .filter(|(k, _)| chosen[k / 64] & 1 << (k % 64) != 0)
            .map(|(_, r)| r)
            .collect()
    }
}

/// Why [`saturate`] stopped.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// A round changed nothing: every rule's every consequence is in the e-graph.
    Saturated,
    /// [`ITER_LIMIT`] rounds ran.
    IterationLimit,
    /// The e-graph grew past its node limit.
    NodeLimit,
}

/// Equality saturation: rounds of searching every rule, applying every rule's matches and
/// rebuilding, until a round changes nothing, [`ITER_LIMIT`] rounds have run or the e-graph has
/// more than `node_limit` nodes (checked after each rule's application). This is what egg's
/// `Runner` with its `SimpleScheduler` does, without what a block's e-graph does not use and
/// that cost a fifth of the pass under the `Runner` (issue 17): a wall-clock reading after every
/// rule's search and application, per-round records keyed by rule name. Without a clock, the
/// run is deterministic: the limits bound it.
pub fn saturate(
    eg: &mut EGraph<Zir, Fold>,
    rules: &[&Rewrite<Zir, Fold>],
    node_limit: usize,
) -> Stop {
    eg.rebuild();
    for _ in 0..ITER_LIMIT {
        let (nodes, classes) = (eg.total_size(), eg.number_of_classes());
        if nodes > node_limit {
            return Stop::NodeLimit;
        }
        let matches: Vec<_> = rules.iter().map(|r| r.search(eg)).collect();
        let mut changed = false;
        for (r, ms) in rules.iter().zip(matches) {
            if ms.is_empty() {
                continue; // nothing to apply, and applying allocates
            }
            changed |= !r.apply(eg, &ms).is_empty();
            if eg.total_size() > node_limit {
                eg.rebuild();
                return Stop::NodeLimit;
            }
        }
        eg.rebuild();
        if !changed && eg.total_size() == nodes && eg.number_of_classes() == classes {
            return Stop::Saturated;
        }
    }
    Stop::IterationLimit
}

/// Optimizes one function with `rules` ([`rules::all`]).
pub fn optimize_function(f: &mut Function, rules: &Rules, st: &mut impl StatsSink) {
    let uses = use_counts(f);
    let mut aliases = Aliases::new();
    let mut scratch = Scratch::default();
    for bi in 0..f.layout.len() {
        let b = f.layout[bi];
        optimize_block(f, b, &uses, rules, &mut aliases, &mut scratch, st);
    }
    aliases.apply(f);
}

/// Where the pass puts its counters (a trait so the property tests can ignore them).
pub trait StatsSink {
    fn record(&mut self, reason: Stop, nodes: usize, before: usize, after: usize);
}

impl StatsSink for Stats {
    fn record(&mut self, reason: Stop, nodes: usize, before: usize, after: usize) {
        self.blocks += 1;
        match reason {
            Stop::Saturated => self.saturated += 1,
            Stop::IterationLimit => self.iter_limit += 1,
            Stop::NodeLimit => self.node_limit += 1,
        }
        self.nodes += nodes as u64;
        self.pure_before += before as u64;
        self.pure_after += after as u64;
    }
}

/// Discards the counters.
pub struct NoStats;
impl StatsSink for NoStats {
    fn record(&mut self, _: Stop, _: usize, _: usize, _: usize) {}
}

/// The maps and lists of one block's optimization, kept from block to block of a function
/// and emptied in constant time ([`Stamped`]): a Go module has 40k blocks of a few pure
/// instructions each, and allocating these for each block (with the application of rules
/// that matched nothing) was 3% of the instructions the whole compile of go_sha256 executes
/// (cachegrind; issue 17); as hash maps they were another 1.5%.
#[derive(Default)]
struct Scratch {
    class_of: Stamped<Value, Id>,
    local_uses: Stamped<Value, u32>,
    /// Position of the effectful instruction defining a value of this block.
    leaf_pos: Stamped<Value, usize>,
    leaf_ids: Stamped<Value, Id>,
    ops: HashSet<ZirOp>,
    kids: Vec<Id>,
    first_of: Stamped<Id, Inst>,
    orig_inst: Stamped<Value, Inst>,
    ready: Stamped<Id, usize>,
    memo: Stamped<Id, Value>,
    orig_memo: Stamped<Value, Value>,
    needed: Stamped<Id, ()>,
    work: Vec<Id>,
}

impl Scratch {
    fn clear(&mut self) {
        self.class_of.clear();
        self.local_uses.clear();
        self.leaf_pos.clear();
        self.leaf_ids.clear();
        self.ops.clear();
        self.first_of.clear();
        self.orig_inst.clear();
        self.ready.clear();
        self.memo.clear();
        self.orig_memo.clear();
        self.needed.clear();
    }
}

/// A key that is a small index: a value of the function, an e-class of the block's e-graph.
trait Dense: Copy {
    fn dense(self) -> usize;
}

impl Dense for Value {
    fn dense(self) -> usize {
        zkc_ir::EntityRef::index(self)
    }
}

impl Dense for Id {
    fn dense(self) -> usize {
        usize::from(self)
    }
}

/// A map over [`Dense`] keys, emptied in constant time: each entry holds the generation it
/// was written in, and [`Stamped::clear`] starts a new one.
struct Stamped<K, V> {
    generation: u32,
    slots: Vec<(u32, Option<V>)>,
    key: std::marker::PhantomData<K>,
}

impl<K, V> Default for Stamped<K, V> {
    fn default() -> Self {
        Stamped {
            generation: 1,
            slots: Vec::new(),
            key: std::marker::PhantomData,
        }
    }
}

impl<K: Dense, V: Copy> Stamped<K, V> {
    fn clear(&mut self) {
        self.generation += 1;
    }

    fn get(&self, k: K) -> Option<V> {
        match self.slots.get(k.dense()) {
            Some(&(g, v)) if g == self.generation => v,
            _ => None,
        }
    }

    fn insert(&mut self, k: K, v: V) {
        let i = k.dense();
        if i >= self.slots.len() {
            self.slots
                .resize((i + 1).max(2 * self.slots.len()), (0, None));
        }
        self.slots[i] = (self.generation, Some(v));
    }

    fn contains(&self, k: K) -> bool {
        self.get(k).is_some()
    }

    /// The value of `k`, `make()` inserted first when there is none.
    fn get_or_insert_with(&mut self, k: K, make: impl FnOnce() -> V) -> V {
        self.get(k).unwrap_or_else(|| {
            let v = make();
            self.insert(k, v);
            v
        })
    }
}

fn optimize_block(
    f: &mut Function,
    b: Block,
    uses: &SecondaryMap<Value, u32>,
    rules: &Rules,
    aliases: &mut Aliases,
    scratch: &mut Scratch,
    st: &mut impl StatsSink,
) {
    let npure = (f.blocks[b].insts.iter())
        .filter(|&&i| f.insts[i].op.is_pure())
        .count();
    if npure == 0 || npure > MAX_BLOCK_PURE_INSTS {
        return;
    }
    let insts = std::mem::take(&mut f.blocks[b].insts);
    scratch.clear();
    let Scratch {
        class_of,
        local_uses,
        leaf_pos,
        leaf_ids,
        ops,
        kids,
        first_of,
        orig_inst,
        ready,
        memo,
        orig_memo,
        needed,
        work,
    } = scratch;
    // Build: pure instructions become e-nodes, everything else a leaf.
    let mut eg: EGraph<Zir, Fold> = EGraph::default();
    for (pos, &i) in insts.iter().enumerate() {
        let d = &f.insts[i];
        if !d.op.is_pure() {
            for &r in &d.results {
                leaf_pos.insert(r, pos);
            }
            continue;
        }
        kids.clear();
        for &a in &d.args {
            local_uses.insert(a, local_uses.get(a).unwrap_or(0) + 1);
            let id = match class_of.get(a) {
                Some(id) => id,
                None => leaf_ids.get_or_insert_with(a, || eg.add(Zir::Leaf(Leaf(a)))),
            };
            kids.push(id);
        }
        let node = lang::node_of(&d.op, kids, f.values[d.results[0]].ty);
        ops.insert(node.discriminant());
        let id = eg.add(node);
        class_of.insert(d.results[0], id);
    }
    // No rule can fire: saturation would be one round that finds nothing, so it is skipped
    // (the e-graph has folded constants and shared equal expressions as it was built).
    let rules = rules.for_ops(ops);
    let (eg, reason) = if rules.is_empty() {
        eg.rebuild();
        (eg, Stop::Saturated)
    } else {
        let mut eg = eg;
        let reason = saturate(&mut eg, &rules, node_limit(npure));
        (eg, reason)
    };
    let extractor = Choice::new(&eg);

    // The first original instruction of each class: its source location, and its slot and
    // result for the class's chosen form.
    for &i in &insts {
        let d = &f.insts[i];
        if d.op.is_pure() {
            let id = eg.find(class_of.get(d.results[0]).expect("a class"));
            first_of.get_or_insert_with(id, || i);
            orig_inst.insert(d.results[0], i);
        }
    }

    let mut em = Emitter {
        eg: &eg,
        ex: &extractor,
        class_of,
        leaf_pos,
        orig_inst,
        first_of,
        ready,
        memo,
        orig_memo,
        out: Vec::with_capacity(insts.len()),
        emitted_pure: 0,
    };
    // Classes the block's output reads: from the effectful instructions' operands and the
    // values read by the terminator or other blocks, through the chosen nodes.
    for &i in &insts {
        let d = &f.insts[i];
        if d.op.is_pure() {
            let r = d.results[0];
            if uses[r] > local_uses.get(r).unwrap_or(0) {
                work.push(class_of.get(r).expect("a class"));
            }
        } else {
            work.extend(d.args.iter().filter_map(|&a| class_of.get(a)));
        }
    }
    while let Some(id) = work.pop() {
        let id = eg.find(id);
        if !needed.contains(id) {
            needed.insert(id, ());
            work.extend(extractor.best(id).children().iter().copied());
        }
    }
    for (pos, &i) in insts.iter().enumerate() {
        if f.insts[i].op.is_pure() {
            // A needed value is computed where the original computed it (when its chosen form
            // can be): sinking it to its first effectful use would stretch the live ranges of
            // its operands across the loads in between.
            let id = eg.find(em.class_of.get(f.insts[i].results[0]).expect("a class"));
            if needed.contains(id) && em.ready(id) <= pos {
                em.best(f, id);
            }
            continue;
        }
        let args = f.insts[i].args.clone();
        let new: smallvec::SmallVec<[Value; 3]> =
            args.iter().map(|&a| em.value(f, a, pos)).collect();
        f.insts[i].args = new;
        em.out.push(i);
    }
    // Values read by the terminator or by other blocks.
    let end = insts.len();
    for &i in &insts {
        let d = &f.insts[i];
        if !d.op.is_pure() {
            continue;
        }
        let r = d.results[0];
        let local = local_uses.get(r).unwrap_or(0);
        if uses[r] > local {
            let v = em.value(f, r, end);
            if v != r {
                aliases.set(r, v);
            }
        }
    }
    let after = em.emitted_pure;
    let out = std::mem::take(&mut em.out);
    drop(em);
    st.record(reason, eg.total_number_of_nodes(), npure, after);
    f.blocks[b].insts = out;
}

/// The chosen node of each e-class: the cheapest under [`ZiskCost`] ([`Extractor`]), or, when
/// every class holds one node (nothing was rewritten, folded or shared), that node, without
/// computing costs: the extractor's work on go_sha256 falls by a quarter.
enum Choice<'a> {
    Cheapest(Extractor<'a, ZiskCost, Zir, Fold>),
    Only(&'a EGraph<Zir, Fold>),
}

impl<'a> Choice<'a> {
    fn new(eg: &'a EGraph<Zir, Fold>) -> Choice<'a> {
        if eg.classes().all(|c| c.nodes.len() == 1) {
            Choice::Only(eg)
        } else {
            Choice::Cheapest(Extractor::new(eg, ZiskCost))
        }
    }

    fn best(&self, id: Id) -> &Zir {
        match self {
            Choice::Cheapest(ex) => ex.find_best_node(id),
            Choice::Only(eg) => &eg[id].nodes[0],
        }
    }
}

struct Emitter<'a> {
    eg: &'a EGraph<Zir, Fold>,
    ex: &'a Choice<'a>,
    class_of: &'a Stamped<Value, Id>,
    leaf_pos: &'a Stamped<Value, usize>,
    orig_inst: &'a Stamped<Value, Inst>,
    first_of: &'a Stamped<Id, Inst>,
    /// For each class: the last position whose leaf the best tree reads (+1), 0 when none.
    ready: &'a mut Stamped<Id, usize>,
    memo: &'a mut Stamped<Id, Value>,
    orig_memo: &'a mut Stamped<Value, Value>,
    out: Vec<Inst>,
    emitted_pure: usize,
}

impl Emitter<'_> {
    /// The value to use for original value `v` at instruction position `pos`.
    fn value(&mut self, f: &mut Function, v: Value, pos: usize) -> Value {
        let Some(id) = self.class_of.get(v) else {
            return v;
        };
        let id = self.eg.find(id);
        if self.ready(id) <= pos {
            return self.best(f, id);
        }
        // The cheapest form reads a value defined later: keep the original instruction.
        if let Some(w) = self.orig_memo.get(v) {
            return w;
        }
        let i = self
            .orig_inst
            .get(v)
            .expect("a pure instruction of the block");
        let args: Vec<Value> = f.insts[i]
            .args
            .clone()
            .iter()
            .map(|&a| self.value(f, a, pos))
            .collect();
        let ty = f.values[v].ty;
        let d = &f.insts[i];
        let (op, srcloc) = (d.op.clone(), d.srcloc);
        let ni = f.make_inst(op, &args, &[ty], srcloc);
        self.out.push(ni);
        self.emitted_pure += 1;
        let w = f.insts[ni].results[0];
        self.orig_memo.insert(v, w);
        w
    }

    fn ready(&mut self, id: Id) -> usize {
        if let Some(r) = self.ready.get(id) {
            return r;
        }
        let node = self.ex.best(id).clone();
        let r = match &node {
            Zir::Leaf(Leaf(v)) => self.leaf_pos.get(*v).map_or(0, |p| p + 1),
            Zir::Const(_) => 0,
            _ => node
                .children()
                .iter()
                .map(|&c| self.ready(self.eg.find(c)))
                .max()
                .unwrap_or(0),
        };
        self.ready.insert(id, r);
        r
    }

    /// Emits the best expression of class `id` (shared through `memo`).
    fn best(&mut self, f: &mut Function, id: Id) -> Value {
        if let Some(v) = self.memo.get(id) {
            return v;
        }
        let node = self.ex.best(id).clone();
        let v = match &node {
            Zir::Leaf(Leaf(v)) => *v,
            Zir::Const(k) => self.emit(
                f,
                id,
                Op::Const {
                    ty: k.ty,
                    bits: k.bits,
                },
                &[],
                k.ty,
            ),
            _ => {
                let args: Vec<Value> = node
                    .children()
                    .iter()
                    .map(|&c| self.best(f, self.eg.find(c)))
                    .collect();
                let (op, ty) = lang::op_of(
                    &node,
                    &args.iter().map(|&a| f.values[a].ty).collect::<Vec<_>>(),
                );
                self.emit(f, id, op, &args, ty)
            }
        };
        self.memo.insert(id, v);
        v
    }

    /// Emits `op(args)`, the chosen form of class `id`, in the slot of the class's first
    /// original instruction: its result is a value of the class, so it keeps its name and
    /// its readers in other blocks need no alias, and the function's arenas do not grow by a
    /// copy of every block's pure instructions. A class without one (a constant or
    /// operation the rules made), or whose first one has another type, gets a new instruction.
    fn emit(
        &mut self,
        f: &mut Function,
        id: Id,
        op: Op,
        args: &[Value],
        ty: zkc_ir::Type,
    ) -> Value {
        self.emitted_pure += 1;
        let first = self.first_of.get(id);
        let i = match first {
            Some(i) if f.values[f.insts[i].results[0]].ty == ty => {
                let d = &mut f.insts[i];
                d.op = op;
                d.args = args.iter().copied().collect();
                i
            }
            _ => {
                let srcloc = first.map_or_else(SrcLoc::default, |i| f.insts[i].srcloc);
                f.make_inst(op, args, &[ty], srcloc)
            }
        };
        self.out.push(i);
        f.insts[i].results[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egg::RecExpr;

    /// The cheapest form of `expr` after saturation with `rules`.
    pub(crate) fn best(expr: &RecExpr<Zir>, rules: Vec<&Rewrite<Zir, Fold>>) -> String {
        let mut eg = EGraph::default();
        let root = eg.add_expr(expr);
        saturate(&mut eg, &rules, NODE_LIMIT);
        Extractor::new(&eg, ZiskCost).find_best(root).1.to_string()
    }

    /// Running only the rules that can fire finds what running them all finds, including
    /// where one rule's right side is what another matches (a computed `sub` of a constant
    /// becomes an `add`, a `mul` by a power of two a `shl`), and a block no rule matches runs
    /// none.
    #[test]
    fn the_rules_that_can_fire_find_what_all_rules_find() {
        let rules = Rules::new(rules::all());
        for text in [
            "(i32.sub (i32.add v1 i32#3) i32#3)",
            "(i32.sub (i32.mul v1 i32#8) i32#1)",
            "(i64.shr_u (i64.shl v1 i64#3) i64#3)",
            "(i32.mul (i32.sub v1 i32#0) i32#-1)",
            "(i32.select v1 v2 (i32.eqz (i32.eqz v3)))",
            "(i32.select i32#0 i32#1 (i32.lt_u v1 v2))",
            "(i64.extend_i32_u (i32.wrap_i64 (i64.and v1 i64#255)))",
            "(i32.shr_s (i32.shl v1 i32#24) i32#24)",
            "(i32.xor (i32.xor v1 v2) v2)",
        ] {
            let expr: RecExpr<Zir> = text.parse().unwrap();
            let ops: HashSet<ZirOp> = expr.as_ref().iter().map(|n| n.discriminant()).collect();
            let chosen = rules.for_ops(&ops);
            assert!(
                chosen.len() < rules.rewrites.len(),
                "{text}: every rule chosen"
            );
            assert_eq!(
                best(&expr, chosen),
                best(&expr, rules.rewrites.iter().collect()),
                "{text}"
            );
        }
        let leaves: HashSet<ZirOp> = [ZirOp::Leaf].into_iter().collect();
        assert!(rules.for_ops(&leaves).is_empty());
    }
}

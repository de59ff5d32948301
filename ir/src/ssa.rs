//! SSA construction with block parameters, after Braun, Buchwald, Hack, Leißa, Mallon and
//! Zwinkau, "Simple and Efficient Construction of Static Single Assignment Form" (CC 2013).
//!
//! A variable is a number its user chooses: the wasm frontend's variables are wasm locals, the
//! optimizer's jump threading makes one for each value whose definition it duplicates. A
//! definition is recorded per block (`def_var`); a use (`use_var`) reads the block's own
//! definition or, failing that, asks the predecessors: a sealed block with one predecessor
//! forwards the question, a block with several gets a new block parameter (the paper's φ), and
//! a block that is not yet *sealed* (a loop header whose back edges are still to come) gets an
//! *incomplete* parameter whose incoming arguments are filled in when the block is sealed (the
//! paper's §2.3). The translator seals a block as soon as all its predecessors are known; with
//! wasm's structured control flow that is at the `end` of the construct that branches to it.
//! A pass that repairs SSA in a finished function starts from [`SsaBuilder::for_function`],
//! with every edge declared and every block sealed.
//!
//! Two departures from the paper, both taken from Cranelift's rewrite of this algorithm
//! (`cranelift/frontend/src/ssa.rs`, bytecodealliance/wasmtime#5382):
//! - The recursion of `readVariableRecursive`/`addPhiOperands` is replaced by an explicit
//!   work list, so deeply nested or long chains of blocks cannot overflow the native stack.
//!   A new parameter first receives a placeholder argument on every incoming edge (so argument
//!   positions always match parameter positions), and the work list fills it in.
//! - Trivial parameters (§3.1, `tryRemoveTrivialPhi`: every incoming argument is either the
//!   parameter itself or one other value) are removed after construction by [`remove_trivial_params`],
//!   iterated to a fixed point, which removes the chains the paper removes recursively. The
//!   §3.2 SCC-based removal of redundant φ cycles is not done.
//!
//! Predecessor edges are recorded by the translator through [`SsaBuilder::declare_edges`]
//! every time it sets a terminator.

use crate::{Block, Function, Inst, Op, SecondaryMap, SrcLoc, Type, Value, ValueDef};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A variable: for the frontend, the index of a wasm local.
pub type Var = u32;

#[derive(Default)]
pub struct SsaBuilder {
    var_types: Vec<Type>,
    /// The current definition of a variable at the end of (or so far in) a block.
    defs: HashMap<(Var, Block), Value, BuildHasherDefault<FxHasher>>,
    /// Distinct predecessor blocks of each block.
    preds: SecondaryMap<Block, Vec<Block>>,
    /// The edges into each block: the predecessor and the edge's index among its terminator's
    /// targets ([`crate::Terminator::target`]), in the order the edges were declared. A block
    /// parameter's argument goes on each at once, where searching a `br_table`'s targets for
    /// the block would cost the table's size on every parameter added.
    in_edges: SecondaryMap<Block, Vec<(Block, u32)>>,
    sealed: SecondaryMap<Block, bool>,
    /// Parameters added to a block before it was sealed.
    incomplete: SecondaryMap<Block, Vec<(Var, Value)>>,
    /// Parameters whose incoming arguments still hold placeholders.
    work: Vec<(Var, Block, Value)>,
    /// One zero constant per type, for locals read before any write; placed at the top of the
    /// entry block.
    zeros: [Option<Value>; 6],
    zero_insts: Vec<Inst>,
    entry: Option<Block>,
}

impl SsaBuilder {
    pub fn new(var_types: Vec<Type>, entry: Block) -> Self {
        let mut s = SsaBuilder {
            var_types,
            entry: Some(entry),
            ..Default::default()
        };
        s.sealed[entry] = true;
        s
    }

    /// A builder over the finished CFG of `func`'s laid-out blocks: every edge declared, every
    /// block sealed. A variable read must then reach a definition on every path from the entry
    /// (the entry has no definition to fall back to: its zero would be placed nowhere).
    pub fn for_function(func: &Function, var_types: Vec<Type>) -> Self {
        let mut s = SsaBuilder {
            var_types,
            entry: func.entry(),
            ..Default::default()
        };
        for &b in &func.layout {
            let Some(term) = &func.blocks[b].term else {
                continue;
            };
            // `b`'s edges are declared together, so an earlier edge to the same block left `b`
            // last in its list.
            for (k, c) in term.targets().enumerate() {
                if s.preds[c.block].last() != Some(&b) {
                    s.preds[c.block].push(b);
                }
                s.in_edges[c.block].push((b, k as u32));
            }
        }
        for &b in &func.layout {
            s.sealed[b] = true;
        }
        s
    }

    pub fn def_var(&mut self, var: Var, block: Block, value: Value) {
        self.defs.insert((var, block), value);
    }

    /// The value of `var` at the current point of `block`.
    pub fn use_var(&mut self, func: &mut Function, var: Var, block: Block) -> Value {
        let v = self.lookup(func, var, block);
        self.drain(func);
        v
    }

    /// Records the edges of `block`'s (just set) terminator.
    pub fn declare_edges(&mut self, func: &Function, block: Block) {
        let Some(term) = &func.blocks[block].term else {
            return;
        };
        let mut seen: Vec<Block> = Vec::new();
        for (k, c) in term.targets().enumerate() {
            self.in_edges[c.block].push((block, k as u32));
            if !seen.contains(&c.block) {
                seen.push(c.block);
                debug_assert!(!self.sealed[c.block], "edge into sealed {}", c.block);
                self.preds[c.block].push(block);
            }
        }
    }

    /// Moves the edges `from -> old` to `from -> new` in the predecessor lists, once the
    /// caller has rewritten `from`'s terminator in `func`.
    pub fn retarget_edge(&mut self, func: &Function, from: Block, old: Block, new: Block) {
        self.preds[old].retain(|&p| p != from);
        self.in_edges[old].retain(|&(p, _)| p != from);
        self.preds[new].push(from);
        let term = func.blocks[from]
            .term
            .as_ref()
            .expect("a rewritten terminator");
        for (k, c) in term.targets().enumerate() {
            if c.block == new {
                self.in_edges[new].push((from, k as u32));
            }
        }
    }

    pub fn has_preds(&self, block: Block) -> bool {
        !self.preds[block].is_empty()
    }

    /// Declares that every predecessor of `block` is known, and completes its incomplete
    /// parameters.
    pub fn seal(&mut self, func: &mut Function, block: Block) {
        if self.sealed[block] {
            return;
        }
        self.sealed[block] = true;
        let incomplete = std::mem::take(&mut self.incomplete[block]);
        for &(var, param) in &incomplete {
            self.add_placeholders(func, block, param);
            self.work.push((var, block, param));
        }
        self.drain(func);
    }

    fn lookup(&mut self, func: &mut Function, var: Var, block: Block) -> Value {
        let mut b = block;
        let mut chain = Vec::new();
        let val = loop {
            if let Some(&v) = self.defs.get(&(var, b)) {
                break v;
            }
            if !self.sealed[b] {
                let p = func.append_block_param(b, self.var_types[var as usize]);
                self.incomplete[b].push((var, p));
                self.defs.insert((var, b), p);
                break p;
            }
            match self.preds[b].len() {
                0 => {
                    // The entry block (or, defensively, a block nothing reaches).
                    let z = self.zero(func, var);
                    self.defs.insert((var, b), z);
                    break z;
                }
                1 => {
                    chain.push(b);
                    b = self.preds[b][0];
                }
                _ => {
                    let p = func.append_block_param(b, self.var_types[var as usize]);
                    self.defs.insert((var, b), p);
                    self.add_placeholders(func, b, p);
                    self.work.push((var, b, p));
                    break p;
                }
            }
        };
        for c in chain {
            self.defs.insert((var, c), val);
        }
        val
    }

    fn drain(&mut self, func: &mut Function) {
        while let Some((var, block, param)) = self.work.pop() {
            let ValueDef::Param(_, idx) = func.values[param].def else {
                unreachable!("{param} is a parameter")
            };
            // Edges from one predecessor are adjacent: the first asks, the others reuse.
            let mut last: Option<(Block, Value)> = None;
            for e in 0..self.in_edges[block].len() {
                let (pred, k) = self.in_edges[block][e];
                let v = match last {
                    Some((p, v)) if p == pred => v,
                    _ => self.lookup(func, var, pred),
                };
                last = Some((pred, v));
                edge_args(func, pred, k)[idx as usize] = v;
            }
        }
    }

    fn add_placeholders(&mut self, func: &mut Function, block: Block, param: Value) {
        for &(pred, k) in &self.in_edges[block] {
            edge_args(func, pred, k).push(param);
        }
    }

    fn zero(&mut self, func: &mut Function, var: Var) -> Value {
        let ty = self.var_types[var as usize];
        let slot = Type::ALL
            .iter()
            .position(|&t| t == ty)
            .expect("a value type");
        if let Some(z) = self.zeros[slot] {
            return z;
        }
        let op = if ty.is_ref() {
            Op::RefNull(ty)
        } else {
            Op::Const { ty, bits: 0 }
        };
        let inst = func.make_inst(op, &[], &[ty], SrcLoc::NONE);
        self.zero_insts.push(inst);
        let z = func.inst_results(inst)[0];
        self.zeros[slot] = Some(z);
        z
    }

    /// Places the zero constants at the top of the entry block.
    pub fn finish(&mut self, func: &mut Function) {
        debug_assert!(self.work.is_empty());
        if let Some(entry) = self.entry {
            let insts = &mut func.blocks[entry].insts;
            let rest = std::mem::take(insts);
            insts.append(&mut self.zero_insts);
            insts.extend(rest);
        }
    }
}

/// The arguments of the `k`-th edge out of `from`.
fn edge_args(func: &mut Function, from: Block, k: u32) -> &mut Vec<Value> {
    let term = func.blocks[from].term.as_mut().expect("a declared edge");
    &mut term.target_mut(k as usize).args
}

/// Removes block parameters that receive the same value on every edge (ignoring edges that pass
/// the parameter itself), until none is left, and replaces their uses (Braun et al. §3.1).
pub fn remove_trivial_params(func: &mut Function) {
    remove_trivial_params_where(func, |_| true);
}

/// [`remove_trivial_params`] for the parameters `candidate` accepts (say, the ones a repair
/// just added).
pub fn remove_trivial_params_where(func: &mut Function, candidate: impl Fn(Value) -> bool) {
    let Some(entry) = func.entry() else { return };
    let mut alias: HashMap<Value, Value, BuildHasherDefault<FxHasher>> = HashMap::default();
    let resolve = |alias: &HashMap<Value, Value, BuildHasherDefault<FxHasher>>, mut v: Value| {
        while let Some(&a) = alias.get(&v) {
            v = a;
        }
        v
    };
    loop {
        if func
            .layout
            .iter()
            .all(|&b| b == entry || func.blocks[b].params.is_empty())
        {
            break;
        }
        // Incoming edges of each block: (pred, index into targets()).
        let mut incoming: SecondaryMap<Block, Vec<(Block, usize)>> =
            func.block_map(Default::default());
        for &b in &func.layout {
            if let Some(term) = &func.blocks[b].term {
                for (i, c) in term.targets().enumerate() {
                    if c.args.is_empty() {
                        continue;
                    }
                    incoming[c.block].push((b, i));
                }
            }
        }
        let mut changed = false;
        for bi in 0..func.layout.len() {
            let b = func.layout[bi];
            if b == entry {
                continue;
            }
            for pi in (0..func.blocks[b].params.len()).rev() {
                let p = func.blocks[b].params[pi];
                if !candidate(p) {
                    continue;
                }
                let mut same = None;
                let mut trivial = true;
                for &(pred, ti) in &incoming[b] {
                    let term = func.blocks[pred].term.as_ref().expect("in layout");
                    let a = resolve(&alias, term.targets().nth(ti).expect("edge").args[pi]);
                    if a == p || Some(a) == same {
                        continue;
                    }
                    if same.is_some() {
                        trivial = false;
                        break;
                    }
                    same = Some(a);
                }
                let (true, Some(v)) = (trivial, same) else {
                    continue;
                };
                alias.insert(p, v);
                func.remove_block_param(b, pi);
                for &(pred, ti) in &incoming[b] {
                    let term = func.blocks[pred].term.as_mut().expect("in layout");
                    term.targets_mut().nth(ti).expect("edge").args.remove(pi);
                }
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    if alias.is_empty() {
        return;
    }
    for &b in &func.layout {
        for &inst in &func.blocks[b].insts {
            for a in func.insts[inst].args.iter_mut() {
                *a = resolve(&alias, *a);
            }
        }
        if let Some(t) = func.blocks[b].term.as_mut() {
            t.map_uses(|v| resolve(&alias, v));
        }
    }
}

/// The Firefox/rustc hash: the keys here are small integers, for which SipHash is needlessly
/// slow.
#[derive(Default)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

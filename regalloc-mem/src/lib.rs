//! Register and memory-slot allocation for zkc's ZisK backend.
//!
//! # Interface
//!
//! The allocator sees a function through the small [`AllocFunction`] trait: virtual registers
//! ([`VReg`]), blocks with their successors, and per instruction its uses, defs, and whether it
//! is a call (and whether that call can re-enter the function). It returns an [`Allocation`], a
//! side table: a [`Loc`] per vreg and, per call that can re-enter, the vregs whose locations
//! must be saved and restored around it. It never rewrites the code; the backend emits the code
//! with the locations (the design of regalloc2, which the coloring allocator of issue 7 will
//! follow behind the same interface).
//!
//! # This allocator: one static slot per vreg
//!
//! Every vreg gets its own 8-byte slot at a constant address ([`SlotArena`] hands out
//! addresses; a function's slots form its static frame). ZisK ops read (11) and write (18) a
//! constant-address slot without an extra step, so each IR operation stays one instruction.
//!
//! # Recursion
//!
//! A static frame is correct as long as a function is never re-entered while its frame is live.
//! [`call_graph_sccs`] computes the strongly connected components of the call graph (Tarjan,
//! 1972); the backend adds an edge from a `call_indirect` to every function of an element
//! segment with the same signature. A call from `f` to a function of `f`'s own component may
//! re-enter `f`: the caller saves the vregs live across that call (its return-address vreg
//! included) on a software stack and restores them after the call. Every activation below the
//! newest one of `f` is then in the middle of such a call and has its values saved, so the newest
//! activation may overwrite the static frame freely. Calls to other components need no saves.
//! The backend checks the stack limit before pushing and traps with `call stack exhausted`.

use std::collections::HashMap;

/// A virtual register, an index into the function's vregs.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct VReg(pub u32);

impl VReg {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Where a vreg lives.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Loc {
    /// A main-trace register r1..r39.
    Reg(u8),
    /// An 8-byte slot at a constant RAM address.
    Slot(u64),
}

/// What the allocator needs to know about a call instruction.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct CallInfo {
    /// The call may re-enter the calling function (same call-graph component).
    pub reenters: bool,
}

/// A function as the allocator sees it. Instructions are numbered `0..num_insts()`, each block
/// is a contiguous range of them.
pub trait AllocFunction {
    fn num_vregs(&self) -> usize;
    fn num_blocks(&self) -> usize;
    /// The instruction range of block `b`.
    fn block_insts(&self, b: usize) -> std::ops::Range<usize>;
    fn block_succs(&self, b: usize) -> &[usize];
    /// The vregs instruction `i` reads.
    fn inst_uses(&self, i: usize, out: &mut Vec<VReg>);
    /// The vregs instruction `i` writes.
    fn inst_defs(&self, i: usize, out: &mut Vec<VReg>);
    /// `Some` when instruction `i` is a call.
    fn call_info(&self, i: usize) -> Option<CallInfo>;
}

/// The allocator's result: a side table.
#[derive(Clone, Debug, Default)]
pub struct Allocation {
    /// The location of each vreg.
    pub locs: Vec<Loc>,
    /// For each call instruction that may re-enter: the vregs to save before it and restore
    /// after it, in a fixed order.
    pub call_saves: HashMap<usize, Vec<VReg>>,
}

impl Allocation {
    pub fn loc(&self, v: VReg) -> Loc {
        self.locs[v.index()]
    }
}

/// Hands out static slot addresses from a region `[next, end)`.
#[derive(Clone, Debug)]
pub struct SlotArena {
    pub next: u64,
    pub end: u64,
}

/// The region ran out of slots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutOfSlots;

impl SlotArena {
    pub fn new(start: u64, end: u64) -> Self {
        SlotArena { next: start, end }
    }

    pub fn alloc(&mut self) -> Result<u64, OutOfSlots> {
        if self.next + 8 > self.end {
            return Err(OutOfSlots);
        }
        let a = self.next;
        self.next += 8;
        Ok(a)
    }
}

/// Live-in sets per block and live-out per instruction of calls, by backward dataflow.
pub struct Liveness {
    pub live_in: Vec<Vec<bool>>,
    /// For each call instruction, the vregs live just after it.
    pub live_after_call: HashMap<usize, Vec<VReg>>,
}

/// Classic iterative liveness over the blocks (vregs may be defined more than once: block
/// parameters are defined by the moves at the end of each predecessor).
pub fn liveness(f: &impl AllocFunction) -> Liveness {
    let n = f.num_vregs();
    let nb = f.num_blocks();
    let mut live_in = vec![vec![false; n]; nb];
    let mut uses = Vec::new();
    let mut defs = Vec::new();
    let mut changed = true;
    while changed {
        changed = false;
        for b in (0..nb).rev() {
            let mut live = vec![false; n];
            for &s in f.block_succs(b) {
                for (l, &x) in live.iter_mut().zip(&live_in[s]) {
                    *l |= x;
                }
            }
            for i in f.block_insts(b).rev() {
                defs.clear();
                uses.clear();
                f.inst_defs(i, &mut defs);
                f.inst_uses(i, &mut uses);
                for d in &defs {
                    live[d.index()] = false;
                }
                for u in &uses {
                    live[u.index()] = true;
                }
            }
            if live != live_in[b] {
                live_in[b] = live;
                changed = true;
            }
        }
    }
    let mut live_after_call = HashMap::new();
    for b in 0..nb {
        let mut live = vec![false; n];
        for &s in f.block_succs(b) {
            for (l, &x) in live.iter_mut().zip(&live_in[s]) {
                *l |= x;
            }
        }
        for i in f.block_insts(b).rev() {
            if f.call_info(i).is_some() {
                let set: Vec<VReg> = (0..n)
                    .filter(|&v| live[v])
                    .map(|v| VReg(v as u32))
                    .collect();
                live_after_call.insert(i, set);
            }
            defs.clear();
            uses.clear();
            f.inst_defs(i, &mut defs);
            f.inst_uses(i, &mut uses);
            for d in &defs {
                live[d.index()] = false;
            }
            for u in &uses {
                live[u.index()] = true;
            }
        }
    }
    Liveness {
        live_in,
        live_after_call,
    }
}

/// The first strategy: one slot per vreg; saves around re-entering calls are the vregs live
/// across them.
pub fn allocate(f: &impl AllocFunction, slots: &mut SlotArena) -> Result<Allocation, OutOfSlots> {
    let mut locs = Vec::with_capacity(f.num_vregs());
    for _ in 0..f.num_vregs() {
        locs.push(Loc::Slot(slots.alloc()?));
    }
    let mut call_saves = HashMap::new();
    let needs_liveness = (0..f.num_blocks())
        .flat_map(|b| f.block_insts(b))
        .any(|i| matches!(f.call_info(i), Some(CallInfo { reenters: true })));
    if needs_liveness {
        let live = liveness(f);
        for (i, set) in live.live_after_call {
            if f.call_info(i).is_some_and(|c| c.reenters) {
                let mut defs = Vec::new();
                f.inst_defs(i, &mut defs);
                let set: Vec<VReg> = set.into_iter().filter(|v| !defs.contains(v)).collect();
                call_saves.insert(i, set);
            }
        }
    }
    Ok(Allocation { locs, call_saves })
}

/// Strongly connected components of a graph of `n` nodes (Tarjan's algorithm, iterative).
/// Returns the component id of each node; ids are in reverse topological order.
pub fn call_graph_sccs(n: usize, succs: &[Vec<usize>]) -> Vec<usize> {
    const NONE: usize = usize::MAX;
    let mut index = vec![NONE; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![NONE; n];
    let mut stack = Vec::new();
    let mut next_index = 0;
    let mut next_comp = 0;
    for root in 0..n {
        if index[root] != NONE {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut k)) = work.last_mut() {
            if *k < succs[v].len() {
                let w = succs[v][*k];
                *k += 1;
                if index[w] == NONE {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                work.pop();
                if let Some(&(p, _)) = work.last() {
                    low[p] = low[p].min(low[v]);
                }
                if low[v] == index[v] {
                    loop {
                        let w = stack.pop().expect("tarjan stack");
                        on_stack[w] = false;
                        comp[w] = next_comp;
                        if w == v {
                            break;
                        }
                    }
                    next_comp += 1;
                }
            }
        }
    }
    comp
}

/// Sequentializes a parallel move `dst_i <- src_i` (all at once) into single moves, using
/// `scratch` to break cycles. Locations must be distinct among destinations.
pub fn sequentialize_moves(moves: &[(Loc, Loc)], scratch: Loc) -> Vec<(Loc, Loc)> {
    let mut pending: Vec<(Loc, Loc)> = moves.iter().copied().filter(|(s, d)| s != d).collect();
    let mut out = Vec::new();
    while !pending.is_empty() {
        // A move whose destination no other pending move reads can go now.
        if let Some(k) =
            (0..pending.len()).find(|&k| !pending.iter().any(|&(s, _)| s == pending[k].1))
        {
            out.push(pending.remove(k));
            continue;
        }
        // Only cycles remain: move one source to scratch and read it from there.
        let (s, _) = pending[0];
        out.push((s, scratch));
        for m in pending.iter_mut() {
            if m.0 == s {
                m.0 = scratch;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tarjan_finds_cycles() {
        // 0 -> 1 -> 2 -> 0, 2 -> 3, 3 -> 3
        let succs = vec![vec![1], vec![2], vec![0, 3], vec![3], vec![]];
        let c = call_graph_sccs(5, &succs);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[1], c[2]);
        assert_ne!(c[2], c[3]);
        assert_ne!(c[3], c[4]);
    }

    #[test]
    fn swap_uses_scratch() {
        let (a, b, t) = (Loc::Slot(0), Loc::Slot(8), Loc::Reg(2));
        let seq = sequentialize_moves(&[(a, b), (b, a)], t);
        // simulate
        let mut m: HashMap<Loc, u32> = [(a, 1), (b, 2), (t, 0)].into_iter().collect();
        for (s, d) in seq {
            let v = m[&s];
            m.insert(d, v);
        }
        assert_eq!((m[&a], m[&b]), (2, 1));
    }

    #[test]
    fn chain_order() {
        let (a, b, c) = (Loc::Slot(0), Loc::Slot(8), Loc::Slot(16));
        let seq = sequentialize_moves(&[(a, b), (b, c)], Loc::Reg(2));
        assert_eq!(seq, vec![(b, c), (a, b)]);
    }
}

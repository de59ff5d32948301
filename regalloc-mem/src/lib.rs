//! Register and memory-slot allocation for zkc's ZisK backend.
//!
//! # Interface
//!
//! The allocator sees a function through the small [`AllocFunction`] trait: virtual registers
//! ([`VReg`]), blocks with their successors, and per instruction its vreg uses and defs, the
//! fixed machine registers it reads and writes, the copies it performs, and whether it is a
//! call (with what the callee may clobber, and whether it can re-enter the function). It
//! returns an [`Allocation`], a side table: a [`Loc`] per vreg and, per call that can re-enter,
//! the vregs whose locations must be saved and restored around it. It never rewrites the code;
//! the backend emits the code with the locations (the design of regalloc2).
//!
//! Input invariants: block 0 is the entry; every vreg use is reached by a def on every path
//! (the [`checker`] assumes it); the destinations of one instruction's copies are distinct.
//!
//! # Two strategies
//!
//! - [`allocate`] (the first allocator, the backend's `--regalloc slots`): every vreg its own
//!   static slot.
//! - [`coloring::allocate`] (`--regalloc coloring`, the default): registers for the most
//!   valuable live ranges, reused slots for the rest, copies coalesced; see [`coloring`].
//!
//! ZisK facts behind both (TARGET.md, `zisk-core` `zisk_ops_costs.rs`): registers r1..r39 cost
//! nothing beyond the step; a constant-address 8-byte slot costs 11 per read and 18 per write
//! and no extra step, so any ZisK op can take a slot as an operand (even as the base `a` of an
//! indirect access) and each IR operation stays one instruction whatever the allocation.
//!
//! # Recursion
//!
//! Static locations (registers and slots alike) are correct as long as a function is never
//! re-entered while they hold live values. The backend takes the strongly connected
//! components of the call graph (`zkc_ir::callgraph`), with an edge from a
//! `call_indirect` to every function of an element segment with the same signature. A call from
//! `f` to a function of `f`'s own component may re-enter `f`: the caller saves the vregs live
//! across that call (its return-address vreg included) on a software stack and restores them
//! after the call. Every activation below the newest one of `f` is then in the middle of such a
//! call and has its values saved, so the newest activation may overwrite its locations freely.
//! Calls to other components need no saves: their clobbers are known (see [`CallInfo`]).

pub mod bitset;
pub mod checker;
pub mod coloring;
pub mod freq;

use std::collections::HashMap;

pub use bitset::BitSet;

/// A virtual register, an index into the function's vregs.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct VReg(pub u32);

impl VReg {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl std::fmt::Display for VReg {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "v{}", self.0)
    }
}

/// A set of machine registers r0..r63, bit `r` for `r`.
pub type RegSet = u64;

/// The registers `lo..=hi`.
pub const fn reg_range(lo: u8, hi: u8) -> RegSet {
    (u64::MAX >> (63 - hi as u32)) & (u64::MAX << lo)
}

/// Where a vreg lives.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum Loc {
    /// A main-trace register r1..r39.
    Reg(u8),
    /// An 8-byte slot at a constant RAM address (the coloring allocator returns offsets from
    /// the slot area; [`Allocation::rebase_slots`] makes them addresses).
    Slot(u64),
}

impl std::fmt::Display for Loc {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Loc::Reg(r) => write!(f, "r{r}"),
            Loc::Slot(a) => write!(f, "[{a:#x}]"),
        }
    }
}

/// One side of a copy.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Operand {
    V(VReg),
    /// A fixed machine register.
    R(u8),
}

/// What the allocator needs to know about a call instruction.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct CallInfo {
    /// The call may re-enter the calling function (same call-graph component): the values live
    /// across it are saved and restored, whatever their location.
    pub reenters: bool,
    /// The registers the callee (with its own callees) may write.
    pub clobbers: RegSet,
    /// The callee may write the slots `0..slot_clobbers` of the shared slot area (the slots of
    /// the functions it may call, transitively, start at 0: see [`coloring`]).
    pub slot_clobbers: u32,
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
    /// The machine registers instruction `i` reads (a call: its argument registers).
    fn inst_reg_uses(&self, _i: usize) -> RegSet {
        0
    }
    /// The machine registers instruction `i` writes (a call: its result registers; the
    /// callee's other clobbers are in [`CallInfo`]).
    fn inst_reg_defs(&self, _i: usize) -> RegSet {
        0
    }
    /// The copies instruction `i` performs, all at once: `(source, destination)`. Each vreg
    /// operand must also be among the uses and defs.
    fn inst_moves(&self, _i: usize, _out: &mut Vec<(Operand, Operand)>) {}
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
    /// For each call that does not re-enter: vregs in registers the callee clobbers, each
    /// stored to its home slot before the call and loaded back after it (live-range splitting
    /// around calls, coloring only), in a fixed order.
    pub call_spills: HashMap<usize, Vec<(VReg, u64)>>,
    /// Slots used by the function itself (coloring: offsets `0..8 * num_slots`).
    pub num_slots: u32,
    /// Registers the function writes: its vregs' registers and its fixed-register defs, and
    /// the clobbers of its calls that do not re-enter it.
    pub clobbers: RegSet,
    /// The slots `0..slot_clobbers` the function or its callees may write (coloring).
    pub slot_clobbers: u32,
}

impl Allocation {
    pub fn loc(&self, v: VReg) -> Loc {
        self.locs[v.index()]
    }

    /// Turns slot offsets into addresses from `base`.
    pub fn rebase_slots(&mut self, base: u64) {
        for l in &mut self.locs {
            if let Loc::Slot(o) = l {
                *o += base;
            }
        }
        for (_, home) in self.call_spills.values_mut().flatten() {
            *home += base;
        }
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

/// Liveness over the vregs and the fixed registers of an [`AllocFunction`].
///
/// The sets index vregs `0..n` and register `r` as bit `n + r`. Computed by backward dataflow
/// over per-block upward-exposed uses and defs, iterated to a fixed point in reverse block order.
pub struct Liveness {
    pub num_vregs: usize,
    pub live_in: Vec<BitSet>,
    pub live_out: Vec<BitSet>,
}

impl Liveness {
    pub fn reg_bit(&self, r: u8) -> usize {
        self.num_vregs + r as usize
    }

    /// The registers in a set.
    pub fn regs(&self, s: &BitSet) -> RegSet {
        let n = self.num_vregs;
        let (k, sh) = (n / 64, n % 64);
        if sh == 0 {
            s.word(k)
        } else {
            s.word(k) >> sh | s.word(k + 1) << (64 - sh)
        }
    }
}

/// Registers a call writes: its result registers and its callee's clobbers.
fn call_kills(f: &impl AllocFunction, i: usize) -> RegSet {
    f.inst_reg_defs(i) | f.call_info(i).map_or(0, |c| c.clobbers)
}

pub fn liveness(f: &impl AllocFunction) -> Liveness {
    let n = f.num_vregs();
    let nb = f.num_blocks();
    let bits = n + 64;
    let mut gen = vec![BitSet::new(bits); nb];
    let mut kill = vec![BitSet::new(bits); nb];
    let mut uses = Vec::new();
    let mut defs = Vec::new();
    for b in 0..nb {
        let (g, k) = (&mut gen[b], &mut kill[b]);
        for i in f.block_insts(b).rev() {
            defs.clear();
            uses.clear();
            f.inst_defs(i, &mut defs);
            f.inst_uses(i, &mut uses);
            for d in &defs {
                g.remove(d.index());
                k.insert(d.index());
            }
            for r in regs_of(call_kills(f, i)) {
                g.remove(n + r as usize);
                k.insert(n + r as usize);
            }
            for u in &uses {
                g.insert(u.index());
            }
            for r in regs_of(f.inst_reg_uses(i)) {
                g.insert(n + r as usize);
            }
        }
    }
    let mut live_in = gen.clone();
    let mut live_out = vec![BitSet::new(bits); nb];
    let mut tmp = BitSet::new(bits);
    let mut changed = true;
    while changed {
        changed = false;
        for b in (0..nb).rev() {
            for &s in f.block_succs(b) {
                live_out[b].union_with(&live_in[s]);
            }
            tmp.copy_from(&live_out[b]);
            tmp.subtract(&kill[b]);
            changed |= live_in[b].union_with(&tmp);
        }
    }
    Liveness {
        num_vregs: n,
        live_in,
        live_out,
    }
}

/// The registers of a set, in increasing order.
pub fn regs_of(s: RegSet) -> impl Iterator<Item = u8> {
    let mut w = s;
    std::iter::from_fn(move || {
        if w == 0 {
            return None;
        }
        let t = w.trailing_zeros() as u8;
        w &= w - 1;
        Some(t)
    })
}

/// For each call that may re-enter, the vregs live across it (live after it, not defined by it).
pub fn reentering_call_saves(f: &impl AllocFunction, live: &Liveness) -> HashMap<usize, Vec<VReg>> {
    let n = f.num_vregs();
    let mut out = HashMap::new();
    let mut uses = Vec::new();
    let mut defs = Vec::new();
    let mut cur = BitSet::new(n + 64);
    for b in 0..f.num_blocks() {
        if !f
            .block_insts(b)
            .any(|i| f.call_info(i).is_some_and(|c| c.reenters))
        {
            continue;
        }
        cur.copy_from(&live.live_out[b]);
        for i in f.block_insts(b).rev() {
            defs.clear();
            uses.clear();
            f.inst_defs(i, &mut defs);
            f.inst_uses(i, &mut uses);
            for d in &defs {
                cur.remove(d.index());
            }
            if f.call_info(i).is_some_and(|c| c.reenters) {
                out.insert(i, cur.iter_below(n).map(|v| VReg(v as u32)).collect());
            }
            for u in &uses {
                cur.insert(u.index());
            }
        }
    }
    out
}

/// The first strategy: one slot per vreg; saves around re-entering calls are the vregs live
/// across them.
pub fn allocate(f: &impl AllocFunction, slots: &mut SlotArena) -> Result<Allocation, OutOfSlots> {
    let mut locs = Vec::with_capacity(f.num_vregs());
    for _ in 0..f.num_vregs() {
        locs.push(Loc::Slot(slots.alloc()?));
    }
    let mut call_saves = HashMap::new();
    let mut clobbers = 0;
    let mut any_reenter = false;
    for i in (0..f.num_blocks()).flat_map(|b| f.block_insts(b)) {
        clobbers |= f.inst_reg_defs(i);
        if let Some(c) = f.call_info(i) {
            any_reenter |= c.reenters;
            if !c.reenters {
                clobbers |= c.clobbers;
            }
        }
    }
    if any_reenter {
        call_saves = reentering_call_saves(f, &liveness(f));
    }
    Ok(Allocation {
        num_slots: locs.len() as u32,
        locs,
        call_saves,
        call_spills: HashMap::new(),
        clobbers,
        slot_clobbers: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reg_ranges() {
        assert_eq!(reg_range(0, 63), u64::MAX);
        assert_eq!(reg_range(10, 12), 0b111 << 10);
        assert_eq!(regs_of(reg_range(3, 5)).collect::<Vec<_>>(), vec![3, 4, 5]);
    }
}

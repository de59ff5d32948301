//! The coloring allocator: registers for the most valuable live ranges, reused memory slots
//! for the rest, copies coalesced.
//!
//! 1. **Liveness** ([`liveness`](crate::liveness)) over the vregs and the fixed registers, as
//!    bit sets.
//! 2. **Interference graph** by one backward scan per block (Chaitin): a def interferes with
//!    everything live after it, except the source of the copy that defines it; the destinations
//!    of one instruction interfere pairwise. A fixed-register def or a live fixed register at a
//!    def forbids that register to the vregs concerned; a call that does not re-enter the
//!    function forbids its callee's clobbers (registers, and the slots `0..slot_clobbers`) to
//!    everything live across it. Every use and def adds its access cost (11 per read, 18 per
//!    write, ZisK cost model v1) times the block's estimated frequency ([`crate::freq`]: 8
//!    iterations per loop, branches split evenly) to the vreg's weight: that weight is what a
//!    register saves over a slot.
//! 3. **Coalescing**: vreg-to-vreg copies (block-parameter moves, `select`, wrap) are merged
//!    greedily, heaviest first, when the two classes do not interfere (aggressive coalescing:
//!    slots are unbounded, so a merge never causes a spill of its own). Copies from and to
//!    fixed registers (arguments, results, parameters) become hints.
//! 4. **Coloring**, heaviest class first (as LLVM's WebAssemblyRegColoring sorts live intervals
//!    by weight): a register if one is free of the class's neighbours and forbidden set — its
//!    hint, a copy partner's, one the function already writes, else the highest free one (the
//!    low ones are argument registers, the likeliest hints) — otherwise the first slot, from
//!    the class's lowest allowed slot, that no neighbour occupies. Slots are thus reused
//!    whenever live ranges do not overlap.
//! 5. **Splitting around calls**: a class live across calls whose callees clobber every
//!    register it could have would go to a slot. Instead it may keep a clobbered register and
//!    be stored to a *home slot* before each call that clobbers it and loaded back after (two
//!    steps, a write and a read: 2 × 62 + 18 + 11 per call, times the call's frequency),
//!    when that costs less than its accesses in a slot; the register with the cheapest spills
//!    wins. The home slot is chosen like any slot (above the callees' slots). This is what keeps
//!    an interpreter loop's state in registers when the loop calls into a large library
//!    function on a rare path.
//!
//! # Size
//!
//! The interference graph has an edge per pair of values live at once, so a function that
//! keeps `k` values live together costs `k²/2` edges. Past [`EDGE_BUDGET`] (a function keeping
//! about 2,800 values live at once, a generated module's: the largest function of the bench and
//! Go programs makes 32,000) the function gets one slot per vreg
//! instead, in time and memory linear in its size: correct, slower code, and a compile that
//! finishes.
//!
//! # The slot area and calls
//!
//! Slots are offsets into one area shared by the whole program; the backend places it. A
//! function that calls `g` may not keep a value live across that call in a slot `g` (or
//! anything `g` calls) writes: `g`'s summary says it writes `0..slot_clobbers(g)`, so such a
//! value gets a slot above. Values that are not live across any call take the lowest slots and
//! so overlay the frames of functions that are never active at the same time. The same holds
//! for registers: a call forbids (short of a split) exactly the registers its callee,
//! transitively, writes (per-function clobber sets computed from the whole program, callees
//! first), so a leaf's
//! caller keeps its values in the registers the leaf leaves alone. The backend allocates the
//! call graph's components callees first; calls inside a component re-enter and save instead.

use crate::{
    liveness, regs_of, AllocFunction, Allocation, BitSet, Liveness, Loc, Operand, RegSet, VReg,
};
use std::collections::HashMap;

/// What the allocator may use and what accesses cost.
#[derive(Clone, Debug)]
pub struct Config {
    /// Registers the allocator may assign.
    pub allocatable: RegSet,
    /// Cost of reading a slot (ZisK: 11).
    pub read_cost: u64,
    /// Cost of writing a slot (ZisK: 18).
    pub write_cost: u64,
    /// Cost of one instruction step (ZisK: 62); a spill around a call is two.
    pub step_cost: u64,
}

/// Each block's weight: its estimated frequency ([`crate::freq`]) in 64ths, at least 1.
fn block_weights(f: &impl AllocFunction) -> Vec<u64> {
    let loops = crate::freq::Loops::compute(f);
    crate::freq::block_frequencies(f, &loops)
        .into_iter()
        .map(|x| ((x * 64.0).round() as u64).max(1))
        .collect()
}

struct Graph {
    adj: Vec<Vec<u32>>,
    /// Registers a vreg may never have.
    forbid: Vec<RegSet>,
    /// Registers the calls a vreg is live across clobber: it may have one only with spills.
    call_forbid: Vec<RegSet>,
    /// The calls (that do not re-enter) a vreg is live across: (instruction, weight, vreg).
    crosses: Vec<Vec<(u32, u64, u32)>>,
    min_slot: Vec<u32>,
    cost: Vec<u64>,
    seen: Vec<bool>,
    /// vreg-vreg copies: (a, b, weight).
    moves: Vec<(u32, u32, u64)>,
    /// vreg-register copies: (vreg, reg, weight).
    hints: Vec<(u32, u8, u64)>,
}

impl Graph {
    fn edge(&mut self, a: usize, b: usize) {
        if a != b {
            self.adj[a].push(b as u32);
            self.adj[b].push(a as u32);
        }
    }
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let p = parent[x as usize];
        parent[x as usize] = parent[p as usize];
        x = p;
    }
    x
}

/// Interference edges (counted with repeats) past which a function gets one slot per vreg (see
/// "Size" in the module docs).
pub const EDGE_BUDGET: u64 = 4_000_000;

/// The number of (def, live value) pairs the interference scan would visit: the graph's size
/// before deduplication, counted in time linear in the code.
fn interference_size(f: &impl AllocFunction, live: &Liveness) -> u64 {
    let n = f.num_vregs();
    let (mut uses, mut defs) = (Vec::new(), Vec::new());
    let mut cur = BitSet::new(n + 64);
    let mut total = 0u64;
    for b in 0..f.num_blocks() {
        cur.copy_from(&live.live_out[b]);
        let mut count = cur.count_below(n) as u64;
        for i in f.block_insts(b).rev() {
            defs.clear();
            uses.clear();
            f.inst_defs(i, &mut defs);
            f.inst_uses(i, &mut uses);
            total += defs.len() as u64 * count;
            for d in &defs {
                count -= cur.remove(d.index()) as u64;
            }
            for u in &uses {
                count += cur.insert(u.index()) as u64;
            }
        }
    }
    total
}

/// One slot per vreg, above every slot a callee writes; the fallback for functions whose
/// interference graph would be too large.
fn one_slot_each(f: &impl AllocFunction, live: &Liveness) -> Allocation {
    let n = f.num_vregs() as u32;
    let mut clobbers = 0;
    let mut base = 0u32;
    for i in (0..f.num_blocks()).flat_map(|b| f.block_insts(b)) {
        clobbers |= f.inst_reg_defs(i);
        if let Some(c) = f.call_info(i).filter(|c| !c.reenters) {
            clobbers |= c.clobbers;
            base = base.max(c.slot_clobbers);
        }
    }
    Allocation {
        locs: (base..base + n).map(|k| Loc::Slot(8 * k as u64)).collect(),
        call_saves: crate::reentering_call_saves(f, live),
        call_spills: HashMap::new(),
        num_slots: base + n,
        clobbers,
        slot_clobbers: base + n,
    }
}

/// Allocates `f` (see the module docs). Slots in the result are offsets from the slot area.
pub fn allocate(f: &impl AllocFunction, cfg: &Config) -> Allocation {
    let n = f.num_vregs();
    let live = liveness(f);
    if interference_size(f, &live) > EDGE_BUDGET {
        return one_slot_each(f, &live);
    }
    let weights = block_weights(f);
    let mut g = Graph {
        adj: vec![Vec::new(); n],
        forbid: vec![0; n],
        call_forbid: vec![0; n],
        crosses: vec![Vec::new(); n],
        min_slot: vec![0; n],
        cost: vec![0; n],
        seen: vec![false; n],
        moves: Vec::new(),
        hints: Vec::new(),
    };
    let mut call_saves = HashMap::new();
    let mut call_clobbers: HashMap<u32, RegSet> = HashMap::new();
    let mut clobbers: RegSet = 0;
    let mut slot_clobbers = 0u32;
    let (mut uses, mut defs, mut mv) = (Vec::new(), Vec::new(), Vec::new());
    let mut cur = BitSet::new(n + 64);
    let mut live_vregs: Vec<usize> = Vec::new();
    for (b, &w) in weights.iter().enumerate() {
        cur.copy_from(&live.live_out[b]);
        for i in f.block_insts(b).rev() {
            defs.clear();
            uses.clear();
            mv.clear();
            f.inst_defs(i, &mut defs);
            f.inst_uses(i, &mut uses);
            f.inst_moves(i, &mut mv);
            let rdefs = f.inst_reg_defs(i);
            clobbers |= rdefs;
            let call = f.call_info(i);
            let src_of = |d: VReg| {
                mv.iter()
                    .find_map(|&(s, dd)| (dd == Operand::V(d)).then_some(s))
            };
            // The live virtual registers, which only definitions, register clobbers and calls
            // read (a store or a branch defines nothing).
            live_vregs.clear();
            if !defs.is_empty() || call.is_some() || rdefs & cfg.allocatable != 0 {
                live_vregs.extend(cur.iter_below(n));
            }
            if let Some(c) = call {
                let across = live_vregs
                    .iter()
                    .map(|&v| VReg(v as u32))
                    .filter(|v| !defs.contains(v));
                if c.reenters {
                    call_saves.insert(i, across.collect::<Vec<_>>());
                } else {
                    clobbers |= c.clobbers;
                    slot_clobbers = slot_clobbers.max(c.slot_clobbers);
                    call_clobbers.insert(i as u32, c.clobbers);
                    for v in across {
                        g.call_forbid[v.index()] |= c.clobbers;
                        g.crosses[v.index()].push((i as u32, w, v.0));
                        let m = &mut g.min_slot[v.index()];
                        *m = (*m).max(c.slot_clobbers);
                    }
                }
            }
            let live_regs = live.regs(&cur) & cfg.allocatable;
            for (k, &d) in defs.iter().enumerate() {
                let src = src_of(d);
                for &x in &live_vregs {
                    if x != d.index() && src != Some(Operand::V(VReg(x as u32))) {
                        g.edge(d.index(), x);
                    }
                }
                let mut regs = live_regs;
                if let Some(Operand::R(r)) = src {
                    regs &= !(1 << r);
                }
                g.forbid[d.index()] |= regs;
                for &e in &defs[..k] {
                    g.edge(d.index(), e.index());
                }
                g.cost[d.index()] += cfg.write_cost * w;
                g.seen[d.index()] = true;
            }
            for r in regs_of(rdefs & cfg.allocatable) {
                for &x in &live_vregs {
                    let v = Operand::V(VReg(x as u32));
                    if !mv.contains(&(v, Operand::R(r))) {
                        g.forbid[x] |= 1 << r;
                    }
                }
            }
            for &(s, d) in &mv {
                match (s, d) {
                    (Operand::V(a), Operand::V(b)) => g.moves.push((a.0, b.0, w)),
                    (Operand::V(a), Operand::R(r)) | (Operand::R(r), Operand::V(a)) => {
                        g.hints.push((a.0, r, w))
                    }
                    _ => {}
                }
            }
            for d in &defs {
                cur.remove(d.index());
            }
            for r in regs_of(rdefs | call.map_or(0, |c| c.clobbers)) {
                cur.remove(live.reg_bit(r));
            }
            for u in &uses {
                cur.insert(u.index());
                g.cost[u.index()] += cfg.read_cost * w;
                g.seen[u.index()] = true;
            }
            for r in regs_of(f.inst_reg_uses(i)) {
                cur.insert(live.reg_bit(r));
            }
        }
    }
    for a in &mut g.adj {
        a.sort_unstable();
        a.dedup();
    }

    // Coalescing.
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut moves = std::mem::take(&mut g.moves);
    moves.sort_by_key(|m| std::cmp::Reverse(m.2));
    for &(a, b, _) in &moves {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra == rb {
            continue;
        }
        let (small, big) = if g.adj[ra as usize].len() <= g.adj[rb as usize].len() {
            (ra, rb)
        } else {
            (rb, ra)
        };
        let adj_small = std::mem::take(&mut g.adj[small as usize]);
        if adj_small.iter().any(|&x| find(&mut parent, x) == big) {
            g.adj[small as usize] = adj_small;
            continue;
        }
        parent[small as usize] = big;
        let (s, bg) = (small as usize, big as usize);
        g.adj[bg].extend(adj_small);
        g.forbid[bg] |= g.forbid[s];
        g.call_forbid[bg] |= g.call_forbid[s];
        let crosses = std::mem::take(&mut g.crosses[s]);
        g.crosses[bg].extend(crosses);
        g.min_slot[bg] = g.min_slot[bg].max(g.min_slot[s]);
        g.cost[bg] += g.cost[s];
        g.seen[bg] |= g.seen[s];
    }
    let rep: Vec<u32> = (0..n as u32).map(|v| find(&mut parent, v)).collect();
    for v in 0..n {
        if rep[v] != v as u32 {
            continue;
        }
        let mut a: Vec<u32> = g.adj[v].iter().map(|&x| rep[x as usize]).collect();
        a.sort_unstable();
        a.dedup();
        g.adj[v] = a;
    }
    // Per class: register hints (summed weights) and copy partners.
    let mut hint: HashMap<u32, Vec<(u8, u64)>> = HashMap::new();
    for &(v, r, w) in &g.hints {
        let e = hint.entry(rep[v as usize]).or_default();
        match e.iter_mut().find(|(x, _)| *x == r) {
            Some(h) => h.1 += w,
            None => e.push((r, w)),
        }
    }
    let mut partners: HashMap<u32, Vec<(u32, u64)>> = HashMap::new();
    for &(a, b, w) in &moves {
        let (ra, rb) = (rep[a as usize], rep[b as usize]);
        if ra != rb {
            partners.entry(ra).or_default().push((rb, w));
            partners.entry(rb).or_default().push((ra, w));
        }
    }

    // Coloring, heaviest first.
    let mut order: Vec<u32> = (0..n as u32)
        .filter(|&v| rep[v as usize] == v && g.seen[v as usize])
        .collect();
    order.sort_by(|&x, &y| g.cost[y as usize].cmp(&g.cost[x as usize]).then(x.cmp(&y)));
    let mut assigned: Vec<Option<Loc>> = vec![None; n];
    // The home slot of a class kept in a register the calls it crosses clobber.
    let mut home: Vec<Option<u32>> = vec![None; n];
    let spill_cost = 2 * cfg.step_cost + cfg.read_cost + cfg.write_cost;
    let mut used_regs: RegSet = 0;
    let mut taken_slots: Vec<bool> = Vec::new();
    let mut marked: Vec<usize> = Vec::new();
    let mut num_slots = 0u32;
    let best = |cands: &mut dyn Iterator<Item = (Loc, u64)>, ok: &dyn Fn(Loc) -> bool| {
        let mut best: Option<(Loc, u64)> = None;
        for (l, w) in cands {
            if ok(l) && best.is_none_or(|(_, bw)| w > bw) {
                best = Some((l, w));
            }
        }
        best.map(|(l, _)| l)
    };
    for &c in &order {
        let ci = c as usize;
        let mut nregs: RegSet = 0;
        for &x in &g.adj[ci] {
            let slot = match assigned[x as usize] {
                Some(Loc::Reg(r)) => {
                    nregs |= 1 << r;
                    home[x as usize]
                }
                Some(Loc::Slot(k)) => Some(k as u32 / 8),
                None => None,
            };
            if let Some(k) = slot {
                let k = k as usize;
                if k >= taken_slots.len() {
                    taken_slots.resize(k + 1, false);
                }
                taken_slots[k] = true;
                marked.push(k);
            }
        }
        let free_slot = |taken_slots: &[bool]| {
            (g.min_slot[ci] as usize..)
                .find(|&k| !taken_slots.get(k).copied().unwrap_or(false))
                .expect("a free slot")
        };
        let avail = cfg.allocatable & !g.forbid[ci] & !g.call_forbid[ci] & !nregs;
        // No register survives the calls: the cheapest one to spill around them, if that
        // costs less than living in a slot.
        let split = (avail == 0)
            .then(|| {
                let mut calls: Vec<(u32, u64)> =
                    g.crosses[ci].iter().map(|&(i, w, _)| (i, w)).collect();
                calls.sort_unstable();
                calls.dedup_by_key(|c| c.0);
                regs_of(cfg.allocatable & !g.forbid[ci] & !nregs)
                    .map(|r| {
                        let spills = calls.iter().filter(|(i, _)| call_clobbers[i] >> r & 1 != 0);
                        (spills.map(|&(_, w)| w * spill_cost).sum::<u64>(), r)
                    })
                    .min_by_key(|&(cost, r)| (cost, std::cmp::Reverse(r)))
            })
            .flatten()
            .filter(|&(cost, _)| cost < g.cost[ci]);
        let partner_locs = partners.get(&c).map(|p| {
            p.iter()
                .filter_map(|&(x, w)| assigned[x as usize].map(|l| (l, w)))
                .collect::<Vec<_>>()
        });
        let loc = if let Some((_, r)) = split {
            let k = free_slot(&taken_slots);
            home[ci] = Some(k as u32);
            num_slots = num_slots.max(k as u32 + 1);
            Loc::Reg(r)
        } else if avail != 0 {
            let reg_ok = |l: Loc| matches!(l, Loc::Reg(r) if avail >> r & 1 != 0);
            let hinted = hint
                .get(&c)
                .and_then(|h| best(&mut h.iter().map(|&(r, w)| (Loc::Reg(r), w)), &reg_ok));
            let partner = || {
                partner_locs
                    .as_ref()
                    .and_then(|p| best(&mut p.iter().copied(), &reg_ok))
            };
            hinted.or_else(partner).unwrap_or_else(|| {
                let warm = avail & (used_regs | clobbers);
                let pool = if warm != 0 { warm } else { avail };
                Loc::Reg(63 - pool.leading_zeros() as u8)
            })
        } else {
            let min = g.min_slot[ci] as usize;
            let slot_ok = |l: Loc| match l {
                Loc::Slot(k) => {
                    let k = k as usize / 8;
                    k >= min && !taken_slots.get(k).copied().unwrap_or(false)
                }
                Loc::Reg(_) => false,
            };
            let partner = partner_locs
                .as_ref()
                .and_then(|p| best(&mut p.iter().copied(), &slot_ok));
            partner.unwrap_or_else(|| Loc::Slot(8 * free_slot(&taken_slots) as u64))
        };
        match loc {
            Loc::Reg(r) => used_regs |= 1 << r,
            Loc::Slot(k) => num_slots = num_slots.max(k as u32 / 8 + 1),
        }
        assigned[ci] = Some(loc);
        for k in marked.drain(..) {
            taken_slots[k] = false;
        }
    }
    let locs: Vec<Loc> = (0..n)
        .map(|v| assigned[rep[v] as usize].unwrap_or(Loc::Slot(0)))
        .collect();
    // Spills: each call a split class crosses whose callee clobbers its register.
    let mut call_spills: HashMap<usize, Vec<(VReg, u64)>> = HashMap::new();
    for c in 0..n {
        let (Some(k), Some(Loc::Reg(r))) = (home[c], assigned[c]) else {
            continue;
        };
        for &(i, _, v) in &g.crosses[c] {
            if call_clobbers[&i] >> r & 1 != 0 {
                call_spills
                    .entry(i as usize)
                    .or_default()
                    .push((VReg(v), 8 * k as u64));
            }
        }
    }
    for spills in call_spills.values_mut() {
        spills.sort_unstable_by_key(|&(v, home)| (home, v.0));
        spills.dedup_by_key(|s| s.1);
    }
    // Coalesced vregs share a location: save it once.
    for saves in call_saves.values_mut() {
        let mut seen = Vec::new();
        saves.retain(|v| {
            let l = locs[v.index()];
            let new = !seen.contains(&l);
            seen.push(l);
            new
        });
    }
    Allocation {
        locs,
        call_saves,
        call_spills,
        num_slots,
        clobbers: clobbers | used_regs,
        slot_clobbers: slot_clobbers.max(num_slots),
    }
}

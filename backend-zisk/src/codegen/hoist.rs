//! Block-parameter moves of a loop's back edge, placed before the branch instead of on the edge.
//!
//! The selector puts the moves of a conditional branch's edge into an edge block that ends with a
//! jump (`ParMove`, `Jump`). On a loop latch (`br_if` back to the header) that is one jump step
//! per iteration on top of the moves. When the moves may run on both edges — no destination is
//! live into the other successor, none is read by the branch itself — they go before the
//! branch: the edge block is left with a bare jump, which emission removes (the branch then
//! targets the header), and a destination no longer live on the exit can share its source's
//! location, so the coloring allocator coalesces the copy away. Only edges into a deeper loop
//! than the other successor are moved (the back edge, not the exit), so the moves run on the
//! rare path rather than adding to the frequent one. Coloring only: the slot allocator stays
//! the plain baseline of issue 7.

use rustc_hash::FxHashMap;
#[cfg(doc)]
use zkc_regalloc_mem::liveness;
use zkc_regalloc_mem::{freq::Loops, AllocFunction, BitSet, VReg};

use super::vcode::{MoveSrc, VCode, VInst, VA, VB, VS};
use crate::program::{Flow, Sym, Target};

/// Moves the qualifying edge blocks' moves before their branches (see the module docs).
pub(crate) fn hoist_back_edge_moves(vc: &mut VCode) {
    let depth = Loops::compute(vc).depth;
    let by_label: FxHashMap<Sym, usize> = vc
        .blocks
        .iter()
        .enumerate()
        .map(|(k, b)| (b.label, k))
        .collect();
    let index = |l: &Sym| by_label.get(l).copied();
    // (branching block, edge block, other successor) for every deeper-loop edge with moves.
    let mut cands: Vec<(usize, usize, usize)> = Vec::new();
    for (b, block) in vc.blocks.iter().enumerate() {
        if block.end == block.start {
            continue;
        }
        let VInst::Op {
            a,
            b: bsrc,
            store: VS::None,
            flow:
                Flow::Branch {
                    taken: Target::Label(t),
                    not_taken: Target::Label(f),
                },
            ..
        } = &vc.insts[block.end - 1]
        else {
            continue;
        };
        // A relative branch just before may skip the branch: moves in between would change
        // what it skips.
        let skipped = block.end - block.start >= 2
            && matches!(&vc.insts[block.end - 2], VInst::Op {
                flow: Flow::Branch { taken, not_taken }, ..
            } if [taken, not_taken].iter().any(|t| matches!(t, Target::Offset(o) if *o != 4)));
        if skipped
            || !matches!(a, VA::V(_) | VA::Imm(_) | VA::Mem(_))
            || !matches!(bsrc, VB::V(_) | VB::Imm(_) | VB::Mem(_))
        {
            continue;
        }
        let (Some(t), Some(f)) = (index(t), index(f)) else {
            continue;
        };
        for (e, other) in [(t, f), (f, t)] {
            let eb = &vc.blocks[e];
            let moves = eb.edge
                && e != other
                && matches!(
                    &vc.insts[eb.start..eb.end],
                    [VInst::ParMove(m), VInst::Jump(_)] if !m.is_empty()
                );
            if moves && depth[e] > depth[other] {
                cands.push((b, e, other));
            }
        }
    }
    if cands.is_empty() {
        return;
    }
    // Only the moves' destinations are asked about.
    let mut asked: FxHashMap<VReg, usize> = FxHashMap::default();
    for &(_, e, _) in &cands {
        let VInst::ParMove(m) = &vc.insts[vc.blocks[e].start] else {
            unreachable!("checked above")
        };
        for (_, d) in m {
            let n = asked.len();
            asked.entry(*d).or_insert(n);
        }
    }
    let live_in = live_in_of(vc, &asked);
    let mut uses = Vec::new();
    let mut hoisted: Vec<(usize, usize)> = Vec::new();
    for (b, e, other) in cands {
        let VInst::ParMove(m) = &vc.insts[vc.blocks[e].start] else {
            unreachable!("checked above")
        };
        uses.clear();
        vc.inst_uses(vc.blocks[b].end - 1, &mut uses);
        let ok = m
            .iter()
            .all(|(_, d)| !live_in[other].contains(asked[d]) && !uses.contains(d));
        if ok {
            hoisted.push((b, e));
        }
    }
    if hoisted.is_empty() {
        return;
    }
    // Rebuild the instruction list: each hoisted ParMove before its branch, an empty one left
    // in the edge block (which emission then skips).
    let mut moved: Vec<Option<Vec<(MoveSrc, VReg)>>> = vec![None; vc.blocks.len()];
    for &(b, e) in &hoisted {
        let k = vc.blocks[e].start;
        let VInst::ParMove(m) = std::mem::replace(&mut vc.insts[k], VInst::ParMove(Vec::new()))
        else {
            unreachable!("checked above")
        };
        moved[b] = Some(m);
    }
    let mut old: Vec<Option<_>> = std::mem::take(&mut vc.insts)
        .into_iter()
        .zip(std::mem::take(&mut vc.srclocs))
        .map(Some)
        .collect();
    let len = old.len() + hoisted.len();
    vc.insts.reserve(len);
    vc.srclocs.reserve(len);
    for (b, block) in vc.blocks.iter_mut().enumerate() {
        let start = vc.insts.len();
        for (k, slot) in old.iter_mut().enumerate().take(block.end).skip(block.start) {
            let (inst, srcloc) = slot.take().expect("each instruction in one block");
            if k + 1 == block.end {
                if let Some(m) = moved[b].take() {
                    vc.insts.push(VInst::ParMove(m));
                    vc.srclocs.push(srcloc);
                }
            }
            vc.insts.push(inst);
            vc.srclocs.push(srcloc);
        }
        block.start = start;
        block.end = vc.insts.len();
    }
}

/// The vregs of `asked` (numbered by its values) live into each block: [`liveness`] of just
/// these, the same answer for them at a fraction of the cost, as the whole liveness is one
/// bitset of all the function's vregs per block.
fn live_in_of(vc: &VCode, asked: &FxHashMap<VReg, usize>) -> Vec<BitSet> {
    let nb = vc.num_blocks();
    let mut gen = vec![BitSet::new(asked.len()); nb];
    let mut kill = vec![BitSet::new(asked.len()); nb];
    let (mut uses, mut defs) = (Vec::new(), Vec::new());
    for b in 0..nb {
        for i in vc.block_insts(b).rev() {
            defs.clear();
            uses.clear();
            vc.inst_defs(i, &mut defs);
            vc.inst_uses(i, &mut uses);
            for k in defs.iter().filter_map(|d| asked.get(d)) {
                gen[b].remove(*k);
                kill[b].insert(*k);
            }
            for k in uses.iter().filter_map(|u| asked.get(u)) {
                gen[b].insert(*k);
            }
        }
    }
    let mut live_in = gen;
    let mut live_out = BitSet::new(asked.len());
    let mut changed = true;
    while changed {
        changed = false;
        for b in (0..nb).rev() {
            live_out.clear();
            for &s in vc.block_succs(b) {
                live_out.union_with(&live_in[s]);
            }
            live_out.subtract(&kill[b]);
            changed |= live_in[b].union_with(&live_out);
        }
    }
    live_in
}

//! Static block frequencies: how often each block runs per call of its function, estimated
//! from the CFG alone (no profile).
//!
//! Loops are the natural loops of the back edges of a depth-first search from the entry. Every
//! loop is assumed to iterate [`LOOP_SCALE`] times per entry, every branch to take each of its
//! successors equally often. Each loop is one *frame*, solved innermost first: its header runs
//! once per iteration, a block of the loop runs as often as the forward edges into it deliver
//! (a predecessor's frequency shared among its successors), and an inner loop counts as one
//! node whose exits deliver what entered it, split in proportion to what reaches each exit.
//! This is the mass-propagation scheme of Wu and Larus, "Static Branch Frequency and Program
//! Profile Analysis" (MICRO 1994), with uniform branch probabilities, and of LLVM's
//! `BlockFrequencyInfoImpl` (loops as pseudo-nodes whose exit mass is the entry mass).
//!
//! The allocator weighs uses and calls by these frequencies: a call on one arm of a branch in a
//! loop counts half as often as the loop header, so keeping a value in a register and spilling
//! it around that call can pay where it would not if the call ran every iteration.

use std::collections::{HashMap, HashSet};

use crate::AllocFunction;

/// Iterations assumed per entry into a loop.
pub const LOOP_SCALE: f64 = 8.0;
/// Loop nesting past this depth does not multiply the frequency further.
const MAX_DEPTH: i32 = 6;

/// The natural loops of a function and each block's place in them.
pub struct Loops {
    /// Header of each loop, in ascending block order.
    pub header: Vec<usize>,
    /// The blocks of each loop, in ascending order. Lists, not a membership matrix: a Go
    /// function has hundreds of loops (its resume points) over thousands of blocks, and every
    /// computation below is linear in what the lists hold (issue 17).
    members: Vec<Vec<usize>>,
    /// The innermost loop around each loop.
    parent: Vec<Option<usize>>,
    /// The innermost loop around each block.
    inner: Vec<Option<usize>>,
    /// Loop depth of each block.
    pub depth: Vec<u32>,
    /// Back edges (tail, header).
    back: Vec<(usize, usize)>,
    /// Blocks in reverse postorder (reachable ones only).
    rpo: Vec<usize>,
}

impl Loops {
    pub fn compute(f: &impl AllocFunction) -> Loops {
        let nb = f.num_blocks();
        let mut loops = Loops {
            header: Vec::new(),
            members: Vec::new(),
            parent: Vec::new(),
            inner: vec![None; nb],
            depth: vec![0; nb],
            back: Vec::new(),
            rpo: Vec::new(),
        };
        if nb == 0 {
            return loops;
        }
        let mut preds = vec![Vec::new(); nb];
        for b in 0..nb {
            for &s in f.block_succs(b) {
                preds[s].push(b);
            }
        }
        // Iterative DFS: 0 unvisited, 1 on stack, 2 done.
        let mut state = vec![0u8; nb];
        let mut post = Vec::with_capacity(nb);
        let mut stack = vec![(0usize, 0usize)];
        state[0] = 1;
        while let Some(&mut (b, ref mut k)) = stack.last_mut() {
            let succs = f.block_succs(b);
            if *k < succs.len() {
                let s = succs[*k];
                *k += 1;
                match state[s] {
                    0 => {
                        state[s] = 1;
                        stack.push((s, 0));
                    }
                    1 => loops.back.push((b, s)),
                    _ => {}
                }
            } else {
                state[b] = 2;
                post.push(b);
                stack.pop();
            }
        }
        post.reverse();
        loops.rpo = post;
        let mut headers: Vec<usize> = loops.back.iter().map(|&(_, h)| h).collect();
        headers.sort_unstable();
        headers.dedup();
        // The loop (1 + its index) whose members are being collected that each block is in.
        let mut in_loop = vec![0usize; nb];
        for (l, &h) in headers.iter().enumerate() {
            let mut members = vec![h];
            in_loop[h] = l + 1;
            let mut work: Vec<usize> = Vec::new();
            for &(t, hh) in &loops.back {
                if hh == h && in_loop[t] != l + 1 {
                    in_loop[t] = l + 1;
                    members.push(t);
                    work.push(t);
                }
            }
            while let Some(x) = work.pop() {
                for &p in &preds[x] {
                    if in_loop[p] != l + 1 && state[p] != 0 {
                        in_loop[p] = l + 1;
                        members.push(p);
                        work.push(p);
                    }
                }
            }
            members.sort_unstable();
            loops.header.push(h);
            loops.members.push(members);
        }
        // The innermost loop containing a block is the smallest one (by size, then index):
        // the two smallest around each block, so that a loop's parent is the smallest
        // around its header other than itself (when larger).
        let key = |l: usize| (loops.members[l].len(), l);
        let mut two: Vec<[Option<usize>; 2]> = vec![[None; 2]; nb];
        for l in 0..loops.header.len() {
            for &b in &loops.members[l] {
                loops.depth[b] += 1;
                let t = &mut two[b];
                if t[0].is_none_or(|m| key(l) < key(m)) {
                    *t = [Some(l), t[0]];
                } else if t[1].is_none_or(|m| key(l) < key(m)) {
                    t[1] = Some(l);
                }
            }
        }
        for l in 0..loops.header.len() {
            let [first, second] = two[loops.header[l]];
            let p = if first == Some(l) { second } else { first };
            let p = p.filter(|&p| loops.members[p].len() > loops.members[l].len());
            loops.parent.push(p);
        }
        loops.inner = two.iter().map(|t| t[0]).collect();
        loops
    }

    /// The loop directly inside `frame` (or at top level when `None`) that contains `b`, if `b`
    /// is in a loop nested in `frame`.
    fn child_of(&self, frame: Option<usize>, b: usize) -> Option<usize> {
        let mut l = self.inner[b]?;
        loop {
            if self.parent[l] == frame {
                return Some(l);
            }
            l = self.parent[l]?;
        }
    }
}

/// The estimated frequency of each block per call of `f` (the entry runs once).
pub fn block_frequencies(f: &impl AllocFunction, loops: &Loops) -> Vec<f64> {
    let nb = f.num_blocks();
    let nl = loops.header.len();
    let back: HashSet<(usize, usize)> = loops.back.iter().copied().collect();
    let is_back = |t: usize, h: usize| back.contains(&(t, h));
    // Distinct successors and forward predecessors of each block.
    let succs: Vec<Vec<usize>> = (0..nb)
        .map(|b| {
            let mut s = f.block_succs(b).to_vec();
            s.sort_unstable();
            s.dedup();
            s
        })
        .collect();
    let mut preds = vec![Vec::new(); nb];
    for (b, ss) in succs.iter().enumerate() {
        for &s in ss {
            if !is_back(b, s) {
                preds[s].push(b);
            }
        }
    }
    let prob = |p: usize| 1.0 / succs[p].len().max(1) as f64;
    // `own[b]`: runs of `b` per iteration of its innermost loop (per call at top level);
    // `entry[l]`: runs of loop `l`'s header per iteration of its parent, before scaling.
    let mut own = vec![0.0f64; nb];
    let mut entry = vec![0.0f64; nl];
    // Per loop: each exit edge's share of what leaves it.
    let mut exits: Vec<HashMap<(usize, usize), f64>> = vec![HashMap::new(); nl];
    // Frames innermost first (larger depth first), then the top level.
    let mut frames: Vec<Option<usize>> = (0..nl).map(Some).collect();
    frames.sort_by_key(|&l| std::cmp::Reverse(loops.depth[loops.header[l.expect("loop")]]));
    frames.push(None);
    let mut rpo_index = vec![usize::MAX; nb];
    for (k, &b) in loops.rpo.iter().enumerate() {
        rpo_index[b] = k;
    }
    // The loop (1 + its index) of the frame being solved that each block is in.
    let mut in_loop = vec![0usize; nb];
    let mut blocks: Vec<usize> = Vec::new();
    for frame in frames {
        let start = frame.map_or(0, |l| loops.header[l]);
        // The frame's blocks in reverse postorder.
        match frame {
            Some(l) => {
                blocks.clone_from(&loops.members[l]);
                blocks.sort_unstable_by_key(|&b| rpo_index[b]);
                blocks.iter().for_each(|&b| in_loop[b] = l + 1);
            }
            None => blocks.clone_from(&loops.rpo),
        }
        let in_frame = |b: usize| frame.is_none_or(|l| in_loop[b] == l + 1);
        // What the edge `p -> b` delivers, `p` in the frame, in the frame's terms.
        let deliver = |own: &[f64], entry: &[f64], p: usize, b: usize| -> f64 {
            match loops.child_of(frame, p) {
                None => own[p] * prob(p),
                Some(c) => entry[c] * exits[c].get(&(p, b)).copied().unwrap_or(0.0),
            }
        };
        for &b in &blocks {
            let child = loops.child_of(frame, b);
            let is_node = child.is_none() || child.is_some_and(|c| loops.header[c] == b);
            if !is_node {
                continue;
            }
            let v = if b == start {
                1.0
            } else {
                preds[b]
                    .iter()
                    .filter(|&&p| in_frame(p))
                    .map(|&p| deliver(&own, &entry, p, b))
                    .sum()
            };
            match child {
                Some(c) => {
                    entry[c] = v;
                    own[b] = 1.0;
                }
                None => own[b] = v,
            }
        }
        if let Some(l) = frame {
            let mut raw = Vec::new();
            for &x in &loops.members[l] {
                for &y in &succs[x] {
                    if !in_frame(y) {
                        raw.push(((x, y), deliver(&own, &entry, x, y)));
                    }
                }
            }
            let total: f64 = raw.iter().map(|r| r.1).sum();
            if total > 0.0 {
                exits[l] = raw.into_iter().map(|(e, r)| (e, r / total)).collect();
            }
        }
    }
    // Scale frames outermost first: a loop's header runs `LOOP_SCALE` times per entry.
    let mut scale = vec![0.0f64; nl];
    let mut order: Vec<usize> = (0..nl).collect();
    order.sort_by_key(|&l| loops.depth[loops.header[l]]);
    for l in order {
        let outer = loops.parent[l].map_or(1.0, |p| scale[p]);
        let factor = if loops.depth[loops.header[l]] as i32 > MAX_DEPTH {
            1.0
        } else {
            LOOP_SCALE
        };
        scale[l] = outer * entry[l] * factor;
    }
    (0..nb)
        .map(|b| loops.inner[b].map_or(1.0, |l| scale[l]) * own[b])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CallInfo, VReg};

    /// A CFG without instructions.
    struct Cfg(Vec<Vec<usize>>);

    impl AllocFunction for Cfg {
        fn num_vregs(&self) -> usize {
            0
        }
        fn num_blocks(&self) -> usize {
            self.0.len()
        }
        fn block_insts(&self, _b: usize) -> std::ops::Range<usize> {
            0..0
        }
        fn block_succs(&self, b: usize) -> &[usize] {
            &self.0[b]
        }
        fn inst_uses(&self, _i: usize, _out: &mut Vec<VReg>) {}
        fn inst_defs(&self, _i: usize, _out: &mut Vec<VReg>) {}
        fn call_info(&self, _i: usize) -> Option<CallInfo> {
            None
        }
    }

    fn freqs(succs: &[&[usize]]) -> Vec<f64> {
        let f = Cfg(succs.iter().map(|s| s.to_vec()).collect());
        block_frequencies(&f, &Loops::compute(&f))
    }

    #[test]
    fn a_diamond_splits_evenly_and_joins() {
        assert_eq!(freqs(&[&[1, 2], &[3], &[3], &[]]), [1.0, 0.5, 0.5, 1.0]);
    }

    #[test]
    fn a_loop_runs_eight_times_and_its_exit_once() {
        // 0 -> 1 (header) -> 2 (body) -> 1; 1 -> 3 (exit).
        assert_eq!(freqs(&[&[1], &[2, 3], &[1], &[]]), [1.0, 8.0, 4.0, 1.0]);
    }

    #[test]
    fn a_branch_inside_a_loop_halves_its_arms() {
        // Header 1 -> 2 | exit 6; 2 -> 3 | 4 -> 5 (latch) -> 1.
        let f = freqs(&[&[1], &[2, 6], &[3, 4], &[5], &[5], &[1], &[]]);
        assert_eq!(f, [1.0, 8.0, 4.0, 2.0, 2.0, 4.0, 1.0]);
    }

    #[test]
    fn nested_and_sequential_loops() {
        // Outer header 1 (exit 5), inner header 2 <-> 3, inner exit to latch 4 -> 1; then a
        // second loop 5 <-> 6 with exit 7.
        let f = freqs(&[&[1], &[2, 5], &[3, 4], &[2], &[1], &[6, 7], &[5], &[]]);
        assert_eq!(f[1], 8.0);
        assert_eq!(
            f[2], 32.0,
            "inner header: 4 entries (8 outer iterations, half), 8 each"
        );
        assert_eq!(f[3], 16.0, "half the inner header");
        assert_eq!(f[4], 4.0, "the inner loop delivers what entered it");
        assert_eq!(
            (f[5], f[6], f[7]),
            (8.0, 4.0, 1.0),
            "after the first loop: once"
        );
    }
}

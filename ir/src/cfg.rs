//! Control-flow graph facts: predecessors, reverse postorder, dominators.
//!
//! Dominators use the iterative algorithm of Cooper, Harvey and Kennedy, "A Simple, Fast
//! Dominance Algorithm" (2001): intersect predecessors' dominators in reverse postorder until
//! nothing changes. Only blocks reachable from the entry get a position and an idom.

use crate::entities::Block;
use crate::function::Function;
use cranelift_entity::SecondaryMap;

pub struct ControlFlow {
    /// Reachable blocks in reverse postorder; the entry first.
    pub rpo: Vec<Block>,
    /// Position of each reachable block in `rpo`; `u32::MAX` for unreachable ones.
    pub rpo_index: SecondaryMap<Block, u32>,
    /// Predecessors (one entry per edge, so a block may appear twice).
    pub preds: SecondaryMap<Block, Vec<Block>>,
    /// Immediate dominator; `None` for the entry and unreachable blocks.
    pub idom: SecondaryMap<Block, Option<Block>>,
}

impl ControlFlow {
    pub fn compute(func: &Function) -> Self {
        let mut preds: SecondaryMap<Block, Vec<Block>> = SecondaryMap::new();
        for &b in &func.layout {
            for s in func.successors(b) {
                preds[s].push(b);
            }
        }
        let rpo = reverse_postorder(func);
        let mut rpo_index = SecondaryMap::with_default(u32::MAX);
        for (i, &b) in rpo.iter().enumerate() {
            rpo_index[b] = i as u32;
        }
        let mut idom: SecondaryMap<Block, Option<Block>> = SecondaryMap::new();
        if let Some(&entry) = rpo.first() {
            // The entry dominates itself while iterating; cleared at the end.
            idom[entry] = Some(entry);
            let mut changed = true;
            while changed {
                changed = false;
                for &b in &rpo[1..] {
                    let mut new: Option<Block> = None;
                    for &p in &preds[b] {
                        if idom[p].is_none() {
                            continue;
                        }
                        new = Some(match new {
                            None => p,
                            Some(n) => intersect(&idom, &rpo_index, p, n),
                        });
                    }
                    if new.is_some() && idom[b] != new {
                        idom[b] = new;
                        changed = true;
                    }
                }
            }
            idom[entry] = None;
        }
        ControlFlow {
            rpo,
            rpo_index,
            preds,
            idom,
        }
    }

    pub fn is_reachable(&self, b: Block) -> bool {
        self.rpo_index[b] != u32::MAX
    }

    /// Whether `a` dominates `b` (every block dominates itself). Both must be reachable.
    pub fn dominates(&self, a: Block, mut b: Block) -> bool {
        loop {
            if a == b {
                return true;
            }
            match self.idom[b] {
                Some(d) => b = d,
                None => return false,
            }
        }
    }
}

fn intersect(
    idom: &SecondaryMap<Block, Option<Block>>,
    rpo_index: &SecondaryMap<Block, u32>,
    mut a: Block,
    mut b: Block,
) -> Block {
    while a != b {
        while rpo_index[a] > rpo_index[b] {
            a = idom[a].expect("processed block has an idom");
        }
        while rpo_index[b] > rpo_index[a] {
            b = idom[b].expect("processed block has an idom");
        }
    }
    a
}

/// Reachable blocks in reverse postorder of a depth-first walk from the entry (iterative, so
/// deep CFGs cannot overflow the stack).
pub fn reverse_postorder(func: &Function) -> Vec<Block> {
    let Some(entry) = func.entry() else {
        return vec![];
    };
    let mut visited: SecondaryMap<Block, bool> = SecondaryMap::new();
    let mut post = Vec::new();
    let mut stack: Vec<(Block, Vec<Block>)> = vec![(entry, func.successors(entry))];
    visited[entry] = true;
    while let Some((b, succs)) = stack.last_mut() {
        match succs.pop() {
            Some(s) if !visited[s] => {
                visited[s] = true;
                let ss = func.successors(s);
                stack.push((s, ss));
            }
            Some(_) => {}
            None => {
                post.push(*b);
                stack.pop();
            }
        }
    }
    post.reverse();
    post
}

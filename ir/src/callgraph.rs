//! The call graph: the one home of "who calls whom" and its strongly connected components,
//! which the inliner (callees first, never a recursive cycle) and the ZisK backend (which
//! calls may re-enter their caller; allocation callees first) both read.
//!
//! Components by Tarjan, "Depth-first search and linear graph algorithms" (SIAM J. Comput.,
//! 1972), iteratively so that deep call chains cannot overflow the stack.

use crate::entities::FuncId;
use crate::function::Function;
use crate::ops::Op;

/// The functions `f` calls directly, in instruction order (with repeats).
pub fn direct_callees(f: &Function) -> Vec<FuncId> {
    let mut v = Vec::new();
    for &b in &f.layout {
        for &i in &f.blocks[b].insts {
            if let Op::Call(g) = f.insts[i].op {
                v.push(g);
            }
        }
    }
    v
}

/// Strongly connected components of a graph (Tarjan's algorithm, iterative).
/// Returns the component id of each node; ids are in reverse topological order (a component's
/// successors have smaller ids).
pub fn sccs(succs: &[Vec<usize>]) -> Vec<usize> {
    let n = succs.len();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tarjan_finds_cycles() {
        // 0 -> 1 -> 2 -> 0, 2 -> 3, 3 -> 3
        let succs = vec![vec![1], vec![2], vec![0, 3], vec![3], vec![]];
        let c = sccs(&succs);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[1], c[2]);
        assert_ne!(c[2], c[3]);
        assert_ne!(c[3], c[4]);
        // Callees first: 3 before the cycle that calls it.
        assert!(c[3] < c[0]);
    }
}

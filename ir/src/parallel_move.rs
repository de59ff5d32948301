//! Parallel moves: the one home of turning "every destination gets its source, all at once"
//! into single moves, for the interpreter's block arguments and the ZisK backend's edge moves.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

/// Orders the parallel copy `moves` (`(destination, source)`; distinct destinations) into
/// sequential moves, in time linear in the number of moves. Self-moves and repeated moves are
/// dropped. A move is emitted once no other pending move still reads its destination; when
/// only cycles remain, one destination is saved to `scratch` and its readers read the copy.
pub fn sequentialize<T: Copy + Eq + Hash>(moves: &[(T, T)], scratch: T) -> Vec<(T, T)> {
    let mut seen = HashSet::new();
    let pending: Vec<(T, T)> = moves
        .iter()
        .copied()
        .filter(|&(d, s)| d != s && seen.insert((d, s)))
        .collect();
    let dsts: HashSet<T> = pending.iter().map(|m| m.0).collect();
    if pending.iter().all(|m| !dsts.contains(&m.1)) {
        return pending;
    }
    let mut out = Vec::with_capacity(pending.len() + 1);
    let mut src_of: HashMap<T, T> = pending.iter().copied().collect();
    // Pending moves reading each location, by their destination.
    let mut readers: HashMap<T, Vec<T>> = HashMap::new();
    for &(d, s) in &pending {
        readers.entry(s).or_default().push(d);
    }
    let blocked =
        |readers: &HashMap<T, Vec<T>>, d: T| readers.get(&d).is_some_and(|r| !r.is_empty());
    let mut ready: Vec<T> = pending
        .iter()
        .map(|m| m.0)
        .filter(|&d| !blocked(&readers, d))
        .collect();
    // Deterministic choice of which cycle to break next.
    let mut order = pending.iter().map(|m| m.0);
    loop {
        while let Some(d) = ready.pop() {
            let s = src_of.remove(&d).expect("each destination is emitted once");
            out.push((d, s));
            if let Some(r) = readers.get_mut(&s) {
                r.retain(|&x| x != d);
                if r.is_empty() && src_of.contains_key(&s) {
                    ready.push(s);
                }
            }
        }
        let Some(d) = order.by_ref().find(|d| src_of.contains_key(d)) else {
            return out;
        };
        // Every remaining move is on a cycle or waits for one: save `d` and unblock it.
        out.push((scratch, d));
        for r in readers.remove(&d).unwrap_or_default() {
            src_of.insert(r, scratch);
        }
        ready.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::sequentialize;

    /// Every permutation-with-copies of up to 5 locations: the sequential moves must compute
    /// the same result as the parallel copy.
    #[test]
    fn sequentialized_moves_equal_parallel_copy() {
        let n = 5u32;
        let scratch = n;
        for code in 0..(n + 1).pow(n) {
            // Location d receives from src[d], or keeps its value when src[d] == n.
            let src: Vec<u32> = (0..n).map(|d| code / (n + 1).pow(d) % (n + 1)).collect();
            let pending: Vec<(u32, u32)> = (0..n)
                .filter(|&d| src[d as usize] != n)
                .map(|d| (d, src[d as usize]))
                .collect();
            let init: Vec<u64> = (0..=n as u64).map(|k| 100 + k).collect();
            let want: Vec<u64> = (0..n as usize)
                .map(|d| {
                    if src[d] == n {
                        init[d]
                    } else {
                        init[src[d] as usize]
                    }
                })
                .collect();
            let mut regs = init.clone();
            for (d, s) in sequentialize(&pending, scratch) {
                regs[d as usize] = regs[s as usize];
            }
            assert_eq!(&regs[..n as usize], &want[..], "src {src:?}");
        }
    }
}

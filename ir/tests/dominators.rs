//! Dominators of random control-flow graphs (branches, switches, loops, unreachable blocks,
//! deep nests) against their definition: `a` dominates `b` when every path from the entry to
//! `b` passes through `a`, i.e. `b` is unreachable once `a` is removed.

use zkc_ir::cfg::ControlFlow;
use zkc_ir::text::parse_module;
use zkc_ir::{Block, EntityRef, Function};

use fastrand::Rng;

/// A function of `n` blocks, each ending in a return, a jump, a brif or a br_table to random
/// blocks (so loops, multi-edges and unreachable blocks all occur).
fn random_function(rng: &mut Rng, n: usize) -> String {
    let mut text = String::from("func @f(i32) {\nblock0(v0: i32):\n");
    for b in 0..n {
        if b > 0 {
            text += &format!("block{b}:\n");
        }
        let kind = rng.usize(..6);
        let mut to = || format!("block{}", rng.usize(..n));
        let term = match kind {
            0 => "return".to_string(),
            1 | 2 => format!("jump {}", to()),
            3 | 4 => format!("brif v0, {}, {}", to(), to()),
            _ => format!("br_table v0, [{}, {}], {}", to(), to(), to()),
        };
        text += &format!("    {term}\n");
    }
    text + "}\n"
}

/// Blocks reachable from the entry without passing through `removed`.
fn reachable_without(f: &Function, removed: Option<Block>) -> Vec<bool> {
    let mut seen = vec![false; f.blocks.len()];
    let entry = f.entry().unwrap();
    if Some(entry) == removed {
        return seen;
    }
    let mut stack = vec![entry];
    seen[entry.index()] = true;
    while let Some(b) = stack.pop() {
        for s in f.successors(b) {
            if Some(s) != removed && !seen[s.index()] {
                seen[s.index()] = true;
                stack.push(s);
            }
        }
    }
    seen
}

fn check(f: &Function) {
    let cfg = ControlFlow::compute(f);
    let reach = reachable_without(f, None);
    for &a in &f.layout {
        assert_eq!(cfg.is_reachable(a), reach[a.index()]);
        if !reach[a.index()] {
            assert_eq!(cfg.idom[a], None);
            continue;
        }
        let without = reachable_without(f, Some(a));
        for &b in &f.layout {
            if reach[b.index()] {
                let dominated = a == b || !without[b.index()];
                assert_eq!(cfg.dominates(a, b), dominated, "{a} dom {b}\n{f:?}");
            }
        }
        // The idom dominates `a` strictly, and every other strict dominator dominates it.
        if let Some(d) = cfg.idom[a] {
            assert!(d != a && cfg.dominates(d, a));
            for &x in &f.layout {
                if x != a && reach[x.index()] && cfg.dominates(x, a) {
                    assert!(
                        cfg.dominates(x, d),
                        "{x} dominates {a} but not its idom {d}"
                    );
                }
            }
        } else {
            assert_eq!(Some(a), f.entry());
        }
    }
}

#[test]
fn random_cfgs_match_the_definition() {
    let mut rng = Rng::with_seed(0x9e37_79b9_7f4a_7c15);
    for case in 0..400 {
        let n = 1 + case % 24;
        let text = random_function(&mut rng, n);
        let m = parse_module(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let (_, f) = m.funcs.iter().next().unwrap();
        check(f.body().unwrap());
    }
}

/// 3,000 nested branches joining in one block (the shape that made the iterative algorithm
/// quadratic): every header dominates the ones inside it and the join's idom is the entry.
#[test]
fn deep_nest_joining_in_one_block() {
    let n = 3000;
    let mut text = String::from("func @f(i32) {\nblock0(v0: i32):\n    jump block1\n");
    for k in 1..=n {
        let inner = if k == n { n + 1 } else { k + 1 };
        text += &format!("block{k}:\n    brif v0, block{inner}, block{}\n", n + 1);
    }
    text += &format!("block{}:\n    return\n}}\n", n + 1);
    let m = parse_module(&text).unwrap();
    let (_, f) = m.funcs.iter().next().unwrap();
    let f = f.body().unwrap();
    let cfg = ControlFlow::compute(f);
    let b = |k: usize| f.layout[k];
    assert_eq!(cfg.idom[b(n + 1)], Some(b(1)));
    assert!(cfg.dominates(b(1), b(n)) && cfg.dominates(b(1500), b(2999)));
    assert!(!cfg.dominates(b(2999), b(1500)) && !cfg.dominates(b(n), b(n + 1)));
}

//! `exit-values`: code after a loop that reads an induction variable's value from the last
//! iteration's header reads it as the next value less the step instead.
//!
//! In a rotated loop the header parameter `p` and the value its back edges pass, `p' = p + s`,
//! are both live where the loop exits when code after the loop reads `p`: `p'` cannot take
//! `p`'s register, and every iteration copies it there on the back edge (a merge loop of two
//! such variables pays two copies and a jump per iteration). Where every exit leaves from a
//! block that the definitions of `p'` and `s` dominate, the loop's exit block computes
//! `p' - s`, which is `p` (integer arithmetic wraps alike on both sides), and the code after
//! the loop reads that: `p` dies where `p'` is computed. One subtraction per loop exit buys the
//! copies of every iteration.
//!
//! The loop must have one exit block, entered only from the loop, so that every read after the
//! loop lies in a block the exit block dominates (as `loops::pass_through_plan` argues).

use crate::loops;
use crate::util::{def_block, inst_blocks, FunctionPass};
use zkc_ir::cfg::ControlFlow;
use zkc_ir::{BinaryOp, Block, Function, Module, Op, SecondaryMap, Value, ValueDef};

pub fn pass(_: &Module) -> FunctionPass {
    Box::new(|f, r| {
        r.add("exit values rewritten", rewrite_function(f) as u64);
    })
}

fn rewrite_function(f: &mut Function) -> usize {
    let cfg = ControlFlow::compute(f);
    let all = loops::natural_loops(f, &cfg);
    let mut inst_block = inst_blocks(f);
    let mut rewritten = 0;
    for (h, body) in &all {
        let h = *h;
        let mut in_body: SecondaryMap<Block, bool> = SecondaryMap::new();
        for &b in body {
            in_body[b] = true;
        }
        let exits = loops::exits(f, body, &in_body);
        let [exit] = exits.as_slice() else {
            continue;
        };
        let exit = *exit;
        let exiting = cfg.preds[exit].to_vec();
        if !exiting.iter().all(|&p| in_body[p]) {
            continue;
        }
        let inside = |v: Value, ib: &SecondaryMap<_, _>| {
            def_block(f, v, ib).is_some_and(|b: Block| in_body[b])
        };
        let escaping = loops::escaping(f, &cfg, &in_body, |v| inside(v, &inst_block));
        for p in escaping {
            let ValueDef::Param(b, k) = f.values[p].def else {
                continue;
            };
            if b != h {
                continue;
            }
            let Some((next, step)) = next_value(f, &cfg, h, &in_body, k as usize, p) else {
                continue;
            };
            let dominates_exits = |v: Value| {
                def_block(f, v, &inst_block)
                    .is_none_or(|d| exiting.iter().all(|&e| cfg.dominates(d, e)))
            };
            if !dominates_exits(next) || !dominates_exits(step) {
                continue;
            }
            let ty = f.values[p].ty;
            let sub = f.make_inst(
                Op::Binary {
                    op: BinaryOp::Sub,
                    ty,
                },
                &[next, step],
                &[ty],
                f.blocks[exit]
                    .term
                    .as_ref()
                    .map(|t| t.srcloc)
                    .unwrap_or_default(),
            );
            f.blocks[exit].insts.insert(0, sub);
            inst_block[sub] = Some(exit);
            let out = f.insts[sub].results[0];
            replace_outside_uses(f, &cfg, &in_body, p, out, sub);
            rewritten += 1;
        }
    }
    rewritten
}

/// The value every back edge passes for header parameter `k` (`p`), when it is `p + s`:
/// `(p + s, s)`.
fn next_value(
    f: &Function,
    cfg: &ControlFlow,
    h: Block,
    in_body: &SecondaryMap<Block, bool>,
    k: usize,
    p: Value,
) -> Option<(Value, Value)> {
    let mut next: Option<Value> = None;
    for &l in cfg.preds[h].iter().filter(|&&l| in_body[l]) {
        for call in f.blocks[l].term.iter().flat_map(|t| t.targets()) {
            if call.block == h {
                let a = call.args[k];
                if next.is_some_and(|n| n != a) {
                    return None;
                }
                next = Some(a);
            }
        }
    }
    let next = next?;
    let ValueDef::Result(i, 0) = f.values[next].def else {
        return None;
    };
    let d = &f.insts[i];
    match (&d.op, d.args.as_slice()) {
        (
            Op::Binary {
                op: BinaryOp::Add,
                ty,
            },
            &[x, y],
        ) if ty.is_int() && (x == p || y == p) => Some((next, if x == p { y } else { x })),
        _ => None,
    }
}

/// Replaces the reads of `p` outside the loop (instructions and terminators of blocks not in
/// it, but `keep`, the subtraction itself) by `out`.
fn replace_outside_uses(
    f: &mut Function,
    cfg: &ControlFlow,
    in_body: &SecondaryMap<Block, bool>,
    p: Value,
    out: Value,
    keep: zkc_ir::Inst,
) {
    let swap = |v: Value| if v == p { out } else { v };
    for &b in cfg.rpo.iter().filter(|&&b| !in_body[b]) {
        for k in 0..f.blocks[b].insts.len() {
            let i = f.blocks[b].insts[k];
            if i != keep {
                for a in f.insts[i].args.iter_mut() {
                    *a = swap(*a);
                }
            }
        }
        if let Some(t) = f.blocks[b].term.as_mut() {
            t.map_uses(swap);
        }
    }
}

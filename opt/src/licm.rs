//! Loop-invariant code motion of pure instructions.
//!
//! Natural loops come from back edges (an edge to a block that dominates its source; one loop
//! per header, all its latches together). Loops are visited outermost first, so an instruction
//! invariant in several nested loops goes straight to the outermost preheader. A pure
//! instruction is invariant when every operand is defined outside the loop or by an
//! instruction already hoisted. Pure instructions cannot trap, so hoisting out of a
//! conditional block is safe; in ZisK cost it trades one execution per iteration for one per
//! loop entry. The preheader is the header's only outside predecessor when that one ends in a
//! `jump`; otherwise a new block that forwards the header's parameters.

use crate::util::{inst_blocks, FunctionPass};
use zkc_ir::cfg::ControlFlow;
use zkc_ir::{Block, BlockCall, Function, Inst, Module, SecondaryMap, TermKind, Value, ValueDef};

pub fn pass(_: &Module) -> FunctionPass {
    Box::new(|f, r| {
        let (loops, hoisted, preheaders) = licm_function(f);
        r.add("loops", loops as u64);
        r.add("insts hoisted", hoisted as u64);
        r.add("preheaders created", preheaders as u64);
    })
}

fn licm_function(f: &mut Function) -> (usize, usize, usize) {
    let cfg = ControlFlow::compute(f);
    let loops = crate::loops::natural_loops(f, &cfg);
    let mut inst_block = inst_blocks(f);
    let entry = f.entry();
    let (mut hoisted_total, mut created) = (0, 0);
    for (h, body) in &loops {
        if Some(*h) == entry {
            continue;
        }
        let mut in_body: SecondaryMap<Block, bool> = SecondaryMap::new();
        for &b in body {
            in_body[b] = true;
        }
        let mut hoisted_val: SecondaryMap<Value, bool> = SecondaryMap::new();
        let mut hoist: Vec<Inst> = Vec::new();
        let invariant = |v: Value,
                         hoisted_val: &SecondaryMap<Value, bool>,
                         inst_block: &SecondaryMap<Inst, Option<Block>>| {
            hoisted_val[v]
                || match f.values[v].def {
                    ValueDef::Param(b, _) => !in_body[b],
                    ValueDef::Result(i, _) => inst_block[i].is_none_or(|b| !in_body[b]),
                    ValueDef::Detached => false,
                }
        };
        for &b in body {
            for &i in &f.blocks[b].insts {
                let d = &f.insts[i];
                if d.op.is_pure()
                    && d.args
                        .iter()
                        .all(|&a| invariant(a, &hoisted_val, &inst_block))
                {
                    for &r in &d.results {
                        hoisted_val[r] = true;
                    }
                    hoist.push(i);
                }
            }
        }
        // Constants are free immediates: move one only when a moved instruction reads it.
        let mut needed: SecondaryMap<Value, bool> = SecondaryMap::new();
        for &i in &hoist {
            if !matches!(f.insts[i].op, zkc_ir::Op::Const { .. }) {
                for &a in &f.insts[i].args {
                    needed[a] = true;
                }
            }
        }
        hoist.retain(|&i| {
            !matches!(f.insts[i].op, zkc_ir::Op::Const { .. }) || needed[f.insts[i].results[0]]
        });
        if hoist.is_empty() {
            continue;
        }
        let (pre, new) = preheader(f, &cfg, *h, &in_body);
        created += new as usize;
        let mut moving: SecondaryMap<Inst, bool> = SecondaryMap::new();
        for &i in &hoist {
            moving[i] = true;
        }
        for &b in body {
            f.blocks[b].insts.retain(|&i| !moving[i]);
        }
        for &i in &hoist {
            inst_block[i] = Some(pre);
        }
        hoisted_total += hoist.len();
        f.blocks[pre].insts.extend(hoist);
    }
    (loops.len(), hoisted_total, created)
}

/// The block to hoist into for the loop headed by `h`; `true` when it was created.
fn preheader(
    f: &mut Function,
    cfg: &ControlFlow,
    h: Block,
    in_body: &SecondaryMap<Block, bool>,
) -> (Block, bool) {
    let outside: Vec<Block> = cfg.preds[h]
        .iter()
        .copied()
        .filter(|&p| cfg.is_reachable(p) && !in_body[p])
        .collect();
    if let [p] = outside.as_slice() {
        if matches!(
            f.blocks[*p].term.as_ref().map(|t| &t.kind),
            Some(TermKind::Jump(_))
        ) {
            return (*p, false);
        }
    }
    let pre = f.create_detached_block();
    let tys: Vec<_> = f.blocks[h].params.iter().map(|&p| f.values[p].ty).collect();
    let params: Vec<Value> = tys
        .into_iter()
        .map(|t| f.append_block_param(pre, t))
        .collect();
    let srcloc = f.blocks[h]
        .term
        .as_ref()
        .map(|t| t.srcloc)
        .unwrap_or_default();
    f.set_terminator(pre, TermKind::Jump(BlockCall::new(h, params)), srcloc);
    crate::loops::enter_through(f, &outside, h, &[pre], pre);
    (pre, true)
}

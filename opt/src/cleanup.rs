//! The cleanup passes: dead code, CFG simplification, block-parameter simplification.
//!
//! Block parameters are phis, so `simplify-params` is the trivial-phi removal of Braun et al.,
//! "Simple and Efficient Construction of Static Single Assignment Form" (CC 2013, §3.2): a
//! parameter that receives one value `v` from every edge (or itself) is `v`, because `v` then
//! dominates every predecessor and so the block. Dead parameters are found by a liveness
//! fixpoint over the branch arguments, so a loop-carried value nobody reads goes away too.

use crate::util::{const_of, removable, use_counts, Aliases, FunctionPass};
use zkc_ir::{
    Block, BlockCall, Function, Module, SecondaryMap, TermKind, Terminator, Value, ValueDef,
};

/// Rounds of `simplify-cfg` per function; each round is linear, most functions settle in two.
const SIMPLIFY_CFG_MAX_ROUNDS: usize = 8;

/// `dce`: unreachable blocks, then unused removable instructions.
pub fn dce(_: &Module) -> FunctionPass {
    Box::new(|f, r| {
        r.add("blocks removed", remove_unreachable(f) as u64);
        let (np, ni) = sweep(f);
        r.add("params removed", np as u64);
        r.add("insts removed", ni as u64);
    })
}

/// Drops blocks the entry cannot reach from the layout. Returns how many.
pub fn remove_unreachable(f: &mut Function) -> usize {
    let reach = zkc_ir::cfg::reachable(f);
    let before = f.layout.len();
    f.layout.retain(|&b| reach[b]);
    before - f.layout.len()
}

/// `simplify-cfg`.
pub fn simplify_cfg(_: &Module) -> FunctionPass {
    Box::new(|f, r| {
        remove_unreachable(f);
        for _ in 0..SIMPLIFY_CFG_MAX_ROUNDS {
            let folded = fold_branches(f);
            let edges = crate::threading::thread_branches(f);
            let threaded = thread_jumps(f);
            remove_unreachable(f);
            let merged = merge_blocks(f);
            r.add("branches folded", folded as u64);
            r.add("edges threaded", edges as u64);
            r.add("jumps threaded", threaded as u64);
            r.add("blocks merged", merged as u64);
            if folded + edges + threaded + merged == 0 {
                break;
            }
        }
    })
}

/// `brif`/`br_table` with a constant operand or a single destination become `jump`.
fn fold_branches(f: &mut Function) -> usize {
    let mut n = 0;
    for bi in 0..f.layout.len() {
        let b = f.layout[bi];
        let Some(t) = &f.blocks[b].term else { continue };
        let new = match &t.kind {
            TermKind::Brif {
                cond,
                then_dest,
                else_dest,
            } => match const_of(f, *cond) {
                Some(c) => Some(if c != 0 { then_dest } else { else_dest }.clone()),
                None if then_dest == else_dest => Some(then_dest.clone()),
                None => None,
            },
            TermKind::BrTable {
                index,
                targets,
                default,
            } => match const_of(f, *index) {
                Some(c) => Some(targets.get(c as usize).unwrap_or(default).clone()),
                None if targets.iter().all(|c| c == default) => Some(default.clone()),
                None => None,
            },
            _ => None,
        };
        if let Some(call) = new {
            let srcloc = t.srcloc;
            f.blocks[b].term = Some(Terminator::new(TermKind::Jump(call), srcloc));
            n += 1;
        }
    }
    n
}

/// Edges into an empty block `e: jump t(args)` go straight to `t`, when `e`'s parameters are
/// read only by that jump.
fn thread_jumps(f: &mut Function) -> usize {
    // Counted only when an empty block has parameters (a pass over the whole function).
    let mut uses = None;
    let entry = f.entry();
    // The empty blocks that can be bypassed, with their jump.
    let mut bypass: SecondaryMap<Block, Option<BlockCall>> = f.block_map(Default::default());
    let mut any = false;
    for &e in &f.layout {
        let d = &f.blocks[e];
        if Some(e) == entry || !d.insts.is_empty() {
            continue;
        }
        let Some(Terminator {
            kind: TermKind::Jump(call),
            ..
        }) = &d.term
        else {
            continue;
        };
        if call.block == e {
            continue;
        }
        let params_local = d.params.is_empty() || {
            let uses = uses.get_or_insert_with(|| use_counts(f));
            d.params.iter().all(|&p| {
                let in_jump = call.args.iter().filter(|&&a| a == p).count() as u32;
                uses[p] == in_jump
            })
        };
        if params_local {
            bypass[e] = Some(call.clone());
            any = true;
        }
    }
    if !any {
        return 0;
    }
    // Where an edge into each bypassable block ends up, resolved once per block (a chain is
    // followed once, not once per edge into it), with arguments in terms of the block's
    // parameters. Blocks on a cycle of empty blocks stop at the cycle.
    let mut resolved: SecondaryMap<Block, Option<BlockCall>> = f.block_map(Default::default());
    let mut seen: SecondaryMap<Block, bool> = f.block_map(Default::default());
    let mut on_chain: SecondaryMap<Block, bool> = f.block_map(Default::default());
    let mut chain = Vec::new();
    for &e in &f.layout {
        let mut x = e;
        while bypass[x].is_some() && !seen[x] {
            seen[x] = true;
            on_chain[x] = true;
            chain.push(x);
            x = bypass[x].as_ref().expect("bypassable").block;
        }
        if on_chain[x] {
            // A cycle of empty blocks, from `x` on: left as it is.
            while let Some(y) = chain.pop() {
                on_chain[y] = false;
                if y == x {
                    break;
                }
            }
        }
        while let Some(y) = chain.pop() {
            on_chain[y] = false;
            let call = bypass[y].as_ref().expect("bypassable");
            resolved[y] = Some(match &resolved[call.block] {
                Some(next) => forward(f, call, next),
                None => call.clone(),
            });
        }
    }
    let mut n = 0;
    for bi in 0..f.layout.len() {
        let p = f.layout[bi];
        let mut term = f.blocks[p].term.take().expect("terminator");
        for call in term.targets_mut() {
            if let Some(to) = &resolved[call.block] {
                let new = forward(f, call, to);
                if new != *call {
                    *call = new;
                    n += 1;
                }
            }
        }
        f.blocks[p].term = Some(term);
    }
    n
}

/// The edge `call` into an empty block that jumps on with `next` (whose arguments may read the
/// block's parameters), sent straight to `next`'s destination.
fn forward(f: &Function, call: &BlockCall, next: &BlockCall) -> BlockCall {
    let params = &f.blocks[call.block].params;
    let args = next
        .args
        .iter()
        .map(|&a| match params.iter().position(|&q| q == a) {
            Some(i) => call.args[i],
            None => a,
        })
        .collect();
    BlockCall::new(next.block, args)
}

/// A block that ends in `jump c(args)` absorbs `c` when it is `c`'s only predecessor.
fn merge_blocks(f: &mut Function) -> usize {
    // Edges into each block (merging `c` into `b` moves `c`'s out-edges to `b`: the counts
    // stay right).
    let mut preds: SecondaryMap<Block, u32> = f.block_map(Default::default());
    for &b in &f.layout {
        for s in f.successors(b) {
            preds[s] += 1;
        }
    }
    let entry = f.entry();
    let mut aliases = Aliases::new();
    let mut gone: SecondaryMap<Block, bool> = f.block_map(Default::default());
    let mut n = 0;
    for bi in 0..f.layout.len() {
        let b = f.layout[bi];
        if gone[b] {
            continue;
        }
        while let Some(Terminator {
            kind: TermKind::Jump(call),
            ..
        }) = &f.blocks[b].term
        {
            let c = call.block;
            if c == b || Some(c) == entry || preds[c] != 1 {
                break;
            }
            let args = call.args.clone();
            let params = std::mem::take(&mut f.blocks[c].params);
            for (&p, &a) in params.iter().zip(&args) {
                aliases.set(p, a);
                f.values[p].def = ValueDef::Detached;
            }
            let insts = std::mem::take(&mut f.blocks[c].insts);
            let term = f.blocks[c].term.take();
            f.blocks[b].insts.extend(insts);
            f.blocks[b].term = term;
            gone[c] = true;
            n += 1;
        }
    }
    if n > 0 {
        f.layout.retain(|&b| !gone[b]);
        aliases.apply(f);
    }
    n
}

/// What the edges into a parameter pass.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
enum Incoming {
    #[default]
    Nothing,
    One(Value),
    Many,
}

/// `simplify-params`.
pub fn simplify_params(_: &Module) -> FunctionPass {
    Box::new(|f, r| {
        remove_unreachable(f);
        r.add("params replaced", replace_trivial_params(f) as u64);
        let (np, ni) = sweep(f);
        r.add("params removed", np as u64);
        r.add("insts removed", ni as u64);
    })
}

/// Replaces parameters that receive one value from every edge (besides themselves).
fn replace_trivial_params(f: &mut Function) -> usize {
    let entry = f.entry();
    let mut aliases = Aliases::new();
    let mut replaced: SecondaryMap<Value, bool> = f.value_map(Default::default());
    let mut n = 0;
    loop {
        let mut incoming: SecondaryMap<Block, Vec<Incoming>> = f.block_map(Default::default());
        for &b in &f.layout {
            let Some(t) = &f.blocks[b].term else { continue };
            for call in t.targets() {
                let params = &f.blocks[call.block].params;
                let slot = &mut incoming[call.block];
                if slot.is_empty() {
                    slot.resize(params.len(), Incoming::Nothing);
                }
                for (i, &a) in call.args.iter().enumerate() {
                    let a = aliases.resolve(a);
                    if a == params[i] {
                        continue;
                    }
                    slot[i] = match slot[i] {
                        Incoming::Nothing => Incoming::One(a),
                        Incoming::One(v) if v == a => Incoming::One(v),
                        _ => Incoming::Many,
                    };
                }
            }
        }
        let mut changed = false;
        for &b in &f.layout {
            if Some(b) == entry {
                continue;
            }
            for (i, &p) in f.blocks[b].params.iter().enumerate() {
                if let Some(Incoming::One(v)) = incoming[b].get(i) {
                    if !replaced[p] && aliases.resolve(*v) != p {
                        aliases.set(p, *v);
                        replaced[p] = true;
                        changed = true;
                        n += 1;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    aliases.apply(f);
    n
}

/// Removes parameters of non-entry blocks and removable instructions whose values never reach
/// an effect, a branch condition or a return (liveness from those roots, through pure
/// operands and branch arguments). Returns (parameters, instructions) removed.
pub fn sweep(f: &mut Function) -> (usize, usize) {
    let mut live: SecondaryMap<Value, bool> = f.value_map(false);
    let mut work: Vec<Value> = Vec::new();
    let mark = |v: Value, live: &mut SecondaryMap<Value, bool>, work: &mut Vec<Value>| {
        if !live[v] {
            live[v] = true;
            work.push(v);
        }
    };
    // The edges into each block: the predecessor and the index of its target.
    let edges = zkc_ir::cfg::EdgesInto::of(f, |p, k| (p, k));
    for &b in &f.layout {
        for &i in &f.blocks[b].insts {
            let d = &f.insts[i];
            if !removable(&d.op) {
                for &a in &d.args {
                    mark(a, &mut live, &mut work);
                }
            }
        }
        let t = f.blocks[b].term.as_ref().expect("terminator");
        match &t.kind {
            TermKind::Brif { cond, .. } => mark(*cond, &mut live, &mut work),
            TermKind::BrTable { index, .. } => mark(*index, &mut live, &mut work),
            TermKind::Return(vs) => vs.iter().for_each(|&v| mark(v, &mut live, &mut work)),
            _ => {}
        }
    }
    let entry = f.entry();
    while let Some(v) = work.pop() {
        match f.values[v].def {
            ValueDef::Param(b, i) => {
                if Some(b) == entry {
                    continue;
                }
                for &(p, k) in &edges[b] {
                    let t = f.blocks[p].term.as_ref().expect("terminator");
                    mark(t.target(k).args[i as usize], &mut live, &mut work);
                }
            }
            ValueDef::Result(inst, _) => {
                for k in 0..f.insts[inst].args.len() {
                    mark(f.insts[inst].args[k], &mut live, &mut work);
                }
            }
            ValueDef::Detached => {}
        }
    }
    let mut keep: SecondaryMap<Block, Option<Vec<bool>>> = f.block_map(None);
    let (mut np, mut ni) = (0, 0);
    for &b in &f.layout {
        if Some(b) == entry {
            continue;
        }
        let mask: Vec<bool> = f.blocks[b].params.iter().map(|&p| live[p]).collect();
        if mask.iter().any(|k| !k) {
            keep[b] = Some(mask);
        }
    }
    for bi in 0..f.layout.len() {
        let b = f.layout[bi];
        let mut term = f.blocks[b].term.take().expect("terminator");
        for call in term.targets_mut() {
            if let Some(mask) = &keep[call.block] {
                let mut k = mask.iter();
                call.args.retain(|_| *k.next().unwrap());
            }
        }
        f.blocks[b].term = Some(term);
        let mut insts = std::mem::take(&mut f.blocks[b].insts);
        insts.retain(|&i| {
            let d = &f.insts[i];
            let dead = removable(&d.op) && d.results.iter().all(|&v| !live[v]);
            ni += dead as usize;
            !dead
        });
        f.blocks[b].insts = insts;
    }
    for bi in 0..f.layout.len() {
        let b = f.layout[bi];
        if let Some(mask) = keep[b].take() {
            for i in (0..mask.len()).rev() {
                if !mask[i] {
                    f.remove_block_param(b, i);
                    np += 1;
                }
            }
        }
    }
    (np, ni)
}

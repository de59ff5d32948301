//! Natural loops and the edits the loop passes (`licm`, `peel`, `version`, `unroll`) share:
//! finding them, taking them one at a time, sending their entries through new blocks, copying
//! their blocks, and routing the values they define out through their exit block.

use std::collections::HashSet;
use zkc_ir::cfg::ControlFlow;
use zkc_ir::{Block, Function, Inst, SecondaryMap, Value, ValueDef};

/// Natural loops: (header, body blocks in reverse postorder), outermost (largest) first.
pub(crate) fn natural_loops(f: &Function, cfg: &ControlFlow) -> Vec<(Block, Vec<Block>)> {
    let mut loops = Vec::new();
    for &h in &cfg.rpo {
        let latches: Vec<Block> = cfg.preds[h]
            .iter()
            .copied()
            .filter(|&p| cfg.is_reachable(p) && cfg.dominates(h, p))
            .collect();
        if latches.is_empty() {
            continue;
        }
        let mut in_body: SecondaryMap<Block, bool> = SecondaryMap::new();
        in_body[h] = true;
        let mut work = latches;
        while let Some(b) = work.pop() {
            if in_body[b] {
                continue;
            }
            in_body[b] = true;
            work.extend(
                cfg.preds[b]
                    .iter()
                    .copied()
                    .filter(|&p| cfg.is_reachable(p)),
            );
        }
        let body: Vec<Block> = cfg.rpo.iter().copied().filter(|&b| in_body[b]).collect();
        loops.push((h, body));
    }
    let _ = f;
    // Stable: equal sizes keep reverse-postorder order.
    loops.sort_by_key(|(_, body)| std::cmp::Reverse(body.len()));
    loops
}

/// Sends the branches of `outside` (the loop's predecessors outside it) to `to` instead of the
/// loop's header `h`, and lays `new` out right before `h`.
pub(crate) fn enter_through(
    f: &mut Function,
    outside: &[Block],
    h: Block,
    new: &[Block],
    to: Block,
) {
    let mut seen: SecondaryMap<Block, bool> = SecondaryMap::new();
    for &p in outside {
        if std::mem::replace(&mut seen[p], true) {
            continue;
        }
        let mut t = f.blocks[p].term.take().expect("terminator");
        for c in t.targets_mut() {
            if c.block == h {
                c.block = to;
            }
        }
        f.blocks[p].term = Some(t);
    }
    let pos = f
        .layout
        .iter()
        .position(|&b| b == h)
        .expect("header in layout");
    f.layout.splice(pos..pos, new.iter().copied());
}

/// What a loop pass sees of the function while it looks for its next loop.
pub(crate) struct LoopView<'a> {
    pub f: &'a Function,
    pub cfg: &'a ControlFlow,
    pub all: &'a [(Block, Vec<Block>)],
    pub inst_block: &'a SecondaryMap<Inst, Option<Block>>,
}

/// Transforms a function's loops one at a time, the loops found again after each change (a
/// copy adds blocks and edges the next loop's analysis must see): `plan` looks at each loop
/// not yet done (never one headed by the entry) until one qualifies, `apply` transforms it
/// and returns the headers it created (done too). Returns how many loops were transformed.
pub(crate) fn one_at_a_time<P>(
    f: &mut Function,
    mut plan: impl FnMut(&LoopView, Block, &[Block]) -> Option<P>,
    mut apply: impl FnMut(&mut Function, &ControlFlow, Block, &[Block], P) -> Vec<Block>,
) -> usize {
    let mut done: HashSet<Block> = HashSet::new();
    let mut count = 0;
    loop {
        let cfg = ControlFlow::compute(f);
        let all = natural_loops(f, &cfg);
        let inst_block = crate::util::inst_blocks(f);
        let view = LoopView {
            f,
            cfg: &cfg,
            all: &all,
            inst_block: &inst_block,
        };
        let found = all
            .iter()
            .filter(|(h, _)| !done.contains(h) && Some(*h) != f.entry())
            .find_map(|(h, body)| Some((*h, body.clone(), plan(&view, *h, body)?)));
        let Some((h, body, p)) = found else {
            return count;
        };
        done.insert(h);
        done.extend(apply(f, &cfg, h, &body, p));
        count += 1;
    }
}

/// A small innermost loop, as the loop passes take them: its blocks as a set and its latches
/// (the blocks in it that branch to its header `h`); `None` when another loop's header lies
/// inside it or it has more than `max_insts` instructions.
pub(crate) fn small_innermost(
    f: &Function,
    cfg: &ControlFlow,
    all: &[(Block, Vec<Block>)],
    h: Block,
    body: &[Block],
    max_insts: usize,
) -> Option<(SecondaryMap<Block, bool>, Vec<Block>)> {
    if body.iter().map(|&b| f.blocks[b].insts.len()).sum::<usize>() > max_insts {
        return None;
    }
    let mut in_body: SecondaryMap<Block, bool> = SecondaryMap::new();
    for &b in body {
        in_body[b] = true;
    }
    if all.iter().any(|(h2, _)| *h2 != h && in_body[*h2]) {
        return None;
    }
    let latches = cfg.preds[h]
        .iter()
        .copied()
        .filter(|&p| in_body[p])
        .collect();
    Some((in_body, latches))
}

/// Whether `v` is defined in the loop whose blocks are `in_body`.
pub(crate) fn defined_in(
    f: &Function,
    inst_block: &SecondaryMap<Inst, Option<Block>>,
    in_body: &SecondaryMap<Block, bool>,
    v: Value,
) -> bool {
    match f.values[v].def {
        ValueDef::Param(b, _) => in_body[b],
        ValueDef::Result(i, _) => inst_block[i].is_some_and(|b| in_body[b]),
        ValueDef::Detached => false,
    }
}

/// The loop's predecessors outside it (its entries), reachable ones only.
pub(crate) fn outside_preds(
    cfg: &ControlFlow,
    h: Block,
    in_body: &SecondaryMap<Block, bool>,
) -> Vec<Block> {
    cfg.preds[h]
        .iter()
        .copied()
        .filter(|&p| !in_body[p] && cfg.is_reachable(p))
        .collect()
}

/// A copy of a loop's blocks: each block's copy and each copied instruction's.
pub(crate) struct LoopCopy {
    pub blocks: SecondaryMap<Block, Option<Block>>,
    pub insts: SecondaryMap<Inst, Option<Inst>>,
}

/// Copies the blocks of the loop headed by `h` (`body` in reverse postorder). The copies branch
/// to the same blocks outside the loop and to each other inside it, except that with
/// `back_to_original` their back edges enter the original loop (the copy is its first
/// iteration, as `peel` makes it) instead of the copy of `h` (a second loop, as `version`
/// makes it). The copies are not laid out and nothing branches to them yet.
pub(crate) fn copy_loop(
    f: &mut Function,
    h: Block,
    body: &[Block],
    in_body: &SecondaryMap<Block, bool>,
    back_to_original: bool,
) -> LoopCopy {
    let mut out = LoopCopy {
        blocks: SecondaryMap::new(),
        insts: SecondaryMap::new(),
    };
    let mut value_map: SecondaryMap<Value, Option<Value>> = SecondaryMap::new();
    for &b in body {
        let copy = f.create_detached_block();
        out.blocks[b] = Some(copy);
        for k in 0..f.blocks[b].params.len() {
            let p = f.blocks[b].params[k];
            let q = f.append_block_param(copy, f.values[p].ty);
            value_map[p] = Some(q);
        }
    }
    // Reverse postorder: every definition is copied before its uses.
    for &b in body {
        let copy = out.blocks[b].expect("copied block");
        for k in 0..f.blocks[b].insts.len() {
            let i = f.blocks[b].insts[k];
            let d = &f.insts[i];
            let args: Vec<Value> = d.args.iter().map(|&a| value_map[a].unwrap_or(a)).collect();
            let tys: Vec<_> = d.results.iter().map(|&r| f.values[r].ty).collect();
            let (op, srcloc, results) = (d.op.clone(), d.srcloc, d.results.clone());
            let c = f.append_inst(copy, op, &args, &tys, srcloc);
            out.insts[i] = Some(c);
            for (&r, &s) in results.iter().zip(&f.insts[c].results.clone()) {
                value_map[r] = Some(s);
            }
        }
        let mut t = f.blocks[b].term.clone().expect("terminator");
        t.map_uses(|v| value_map[v].unwrap_or(v));
        for call in t.targets_mut() {
            if in_body[call.block] && !(back_to_original && call.block == h) {
                call.block = out.blocks[call.block].expect("copied block");
            }
        }
        f.blocks[copy].term = Some(t);
    }
    out
}

/// The values defined in the loop that reachable code outside it reads, in first-read order.
pub(crate) fn escaping(
    f: &Function,
    cfg: &ControlFlow,
    in_body: &SecondaryMap<Block, bool>,
    defined_inside: impl Fn(Value) -> bool,
) -> Vec<Value> {
    let mut out = Vec::new();
    let mut seen: SecondaryMap<Value, bool> = SecondaryMap::new();
    for &b in cfg.rpo.iter().filter(|&&b| !in_body[b]) {
        for v in reads(f, b) {
            if defined_inside(v) && !std::mem::replace(&mut seen[v], true) {
                out.push(v);
            }
        }
    }
    out
}

/// The values block `b`'s instructions and terminator read, in order.
fn reads(f: &Function, b: Block) -> impl Iterator<Item = Value> + '_ {
    let insts = f.blocks[b]
        .insts
        .iter()
        .flat_map(|&i| f.insts[i].args.iter().copied());
    insts.chain(f.blocks[b].term.iter().flat_map(|t| t.uses()))
}

/// The blocks outside the loop that its blocks branch to, in first-branch order.
pub(crate) fn exits(
    f: &Function,
    body: &[Block],
    in_body: &SecondaryMap<Block, bool>,
) -> Vec<Block> {
    let mut out = Vec::new();
    for &b in body {
        for call in f.blocks[b].term.iter().flat_map(|t| t.targets()) {
            if !in_body[call.block] && !out.contains(&call.block) {
                out.push(call.block);
            }
        }
    }
    out
}

/// Where the loop's escaping values leave it ([`pass_through`]): for each exit block whose
/// region (the blocks it dominates) reads some, those values, in `escaping`'s order. Every read
/// of an escaping value lies in one exit's region: the value's definition dominates the read,
/// and every path from it out of the loop enters an exit block; the read needs one exit that
/// dominates it, entered only from the loop. `None` when a read has none.
pub(crate) fn pass_through_plan(
    f: &Function,
    cfg: &ControlFlow,
    in_body: &SecondaryMap<Block, bool>,
    exits: &[Block],
    escaping: &[Value],
) -> Option<Vec<(Block, Vec<Value>)>> {
    let mut rank: SecondaryMap<Value, Option<usize>> = SecondaryMap::new();
    for (k, &v) in escaping.iter().enumerate() {
        rank[v] = Some(k);
    }
    let mut out: Vec<(Block, Vec<Value>)> = Vec::new();
    for &b in cfg.rpo.iter().filter(|&&b| !in_body[b]) {
        let reads: Vec<Value> = reads(f, b).filter(|&v| rank[v].is_some()).collect();
        if reads.is_empty() {
            continue;
        }
        let &e = exits.iter().find(|&&e| cfg.dominates(e, b))?;
        if !cfg.preds[e].iter().all(|&p| in_body[p]) {
            return None;
        }
        let k = match out.iter().position(|(x, _)| *x == e) {
            Some(k) => k,
            None => {
                out.push((e, Vec::new()));
                out.len() - 1
            }
        };
        for v in reads {
            if !out[k].1.contains(&v) {
                out[k].1.push(v);
            }
        }
    }
    for (_, vals) in &mut out {
        vals.sort_by_key(|&v| rank[v]);
    }
    Some(out)
}

/// Makes each exit block of `plan` ([`pass_through_plan`]) receive its escaping values as new
/// parameters, read in its region instead of the values.
pub(crate) fn pass_through(
    f: &mut Function,
    cfg: &ControlFlow,
    body: &[Block],
    in_body: &SecondaryMap<Block, bool>,
    plan: &[(Block, Vec<Value>)],
) {
    for (exit, escaping) in plan {
        let exit = *exit;
        let mut param: SecondaryMap<Value, Option<Value>> = SecondaryMap::new();
        for &v in escaping {
            param[v] = Some(f.append_block_param(exit, f.values[v].ty));
        }
        for &b in body {
            let mut t = f.blocks[b].term.take().expect("terminator");
            for call in t.targets_mut() {
                if call.block == exit {
                    call.args.extend_from_slice(escaping);
                }
            }
            f.blocks[b].term = Some(t);
        }
        for &b in cfg
            .rpo
            .iter()
            .filter(|&&b| !in_body[b] && cfg.dominates(exit, b))
        {
            for k in 0..f.blocks[b].insts.len() {
                let i = f.blocks[b].insts[k];
                for a in f.insts[i].args.iter_mut() {
                    *a = param[*a].unwrap_or(*a);
                }
            }
            if let Some(t) = f.blocks[b].term.as_mut() {
                t.map_uses(|v| param[v].unwrap_or(v));
            }
        }
    }
}

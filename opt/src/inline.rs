//! Inlining of small and single-call functions.
//!
//! Functions are visited callees first (the reverse topological order of the call graph's
//! strongly connected components, [`zkc_ir::callgraph`]), so a helper is already as small as it gets when
//! its callers consider it. A call is inlined when the callee is small
//! ([`INLINE_SMALL_MAX_SIZE`]) or has this single call site and nothing else refers to it
//! ([`INLINE_SINGLE_CALL_MAX_SIZE`]); never a function of a recursive cycle, never into a caller
//! past [`INLINE_CALLER_MAX_SIZE`]. Inlined code is not scanned again, so growth is bounded.
//! Afterwards, inlined functions that nothing references any more are removed (exports, the
//! start function and element-segment entries are references) and function ids renumbered.
//!
//! The decisions are made first, in that order, from the bodies' sizes and calls alone: what
//! inlining a callee adds to its caller is known (the callee's size and one block, its calls).
//! The bodies then change side by side on rayon's threads, in rounds: a function in the round
//! after the last callee it inlines. Done one function after the other, this pass was a
//! serial 20-30 ms of a Go module's compile (issue 17); the result is the same.

use crate::PassReport;
use zkc_ir::callgraph::direct_callees;
use zkc_ir::{
    Block, BlockCall, ElemMode, EntityRef, ExportKind, FuncDecl, FuncId, Function, Inst, Module,
    Op, PrimaryMap, SecondaryMap, TermKind, Terminator, Value, ValueDef,
};

/// Callees with at most this many instructions (terminators included) are always inlined.
pub const INLINE_SMALL_MAX_SIZE: usize = 12;
/// A callee with one call site and no other reference is inlined up to this size.
pub const INLINE_SINGLE_CALL_MAX_SIZE: usize = 400;
/// No inlining into a caller that has grown past this size.
pub const INLINE_CALLER_MAX_SIZE: usize = 4000;

/// Functions referenced other than by a direct call.
fn pinned(m: &Module) -> SecondaryMap<FuncId, bool> {
    let mut p = SecondaryMap::with_capacity(m.funcs.len());
    for e in &m.exports {
        if let ExportKind::Func(f) = e.kind {
            p[f] = true;
        }
    }
    if let Some(s) = m.start {
        p[s] = true;
    }
    for seg in m.elems.values() {
        for f in seg.items.iter().flatten() {
            p[*f] = true;
        }
    }
    p
}

pub fn run(m: &mut Module) -> PassReport {
    use rayon::prelude::*;
    let mut r = PassReport::new("inline");
    let n = m.funcs.len();
    // Each body's size and its calls, in the order the inliner meets them (layout order).
    let scans: Vec<Option<Scan>> = (m.funcs.values().collect::<Vec<_>>())
        .par_iter()
        .map(|d| {
            let f = d.body()?;
            let calls = (f.layout.iter())
                .flat_map(|&b| f.blocks[b].insts.iter().copied())
                .filter_map(|i| match f.insts[i].op {
                    Op::Call(g) => Some((i, g.index())),
                    _ => None,
                })
                .collect();
            Some((crate::util::body_size(f), calls))
        })
        .collect();
    let calls: Vec<Vec<usize>> = (scans.iter())
        .map(|s| {
            s.as_ref()
                .map_or(vec![], |(_, c)| c.iter().map(|c| c.1).collect())
        })
        .collect();
    let comp = zkc_ir::callgraph::sccs(&calls);
    // Callees first: component ids are in reverse topological order.
    let mut visit: Vec<usize> = (0..n).collect();
    visit.sort_by_key(|&v| (comp[v], v));
    let mut comp_size = vec![0usize; n];
    for v in 0..n {
        comp_size[comp[v]] += 1;
    }
    let recursive: Vec<bool> = (0..n)
        .map(|v| comp_size[comp[v]] > 1 || calls[v].contains(&v))
        .collect();
    let mut sites = vec![0usize; n];
    for cs in &calls {
        for &g in cs {
            sites[g] += 1;
        }
    }
    let pinned = pinned(m);
    // The decisions, made callee first as if each function were inlined into in turn: a
    // function's size and calls once it is done (inlining `g` adds `g`'s size and one block,
    // see `inline_call`, and `g`'s calls as they are then), and the calls to inline in each.
    let mut size: Vec<usize> = scans
        .iter()
        .map(|s| s.as_ref().map_or(0, |s| s.0))
        .collect();
    let mut callees = calls.clone();
    let mut inline: Vec<Vec<Inst>> = vec![Vec::new(); n];
    // Rounds of inlining: a function is done in the round after the last of its callees that
    // it inlines, so that the functions of one round can be done side by side.
    let mut round = vec![0usize; n];
    let mut inlined_any = vec![false; n];
    for &fi in &visit {
        let Some((_, fcalls)) = &scans[fi] else {
            continue;
        };
        let mut now = Vec::with_capacity(fcalls.len());
        for &(inst, gi) in fcalls {
            let g = FuncId::new(gi);
            let ok = scans[gi].is_some()
                && gi != fi
                && comp[gi] != comp[fi]
                && !recursive[gi]
                && size[fi] <= INLINE_CALLER_MAX_SIZE
                && (size[gi] <= INLINE_SMALL_MAX_SIZE
                    || (sites[gi] == 1 && !pinned[g] && size[gi] <= INLINE_SINGLE_CALL_MAX_SIZE));
            if !ok {
                now.push(gi);
                continue;
            }
            size[fi] += size[gi] + 1;
            sites[gi] -= 1;
            for &h in &callees[gi] {
                sites[h] += 1;
            }
            now.extend_from_slice(&callees[gi]);
            inline[fi].push(inst);
            round[fi] = round[fi].max(round[gi] + 1);
            inlined_any[gi] = true;
            r.add("calls inlined", 1);
        }
        callees[fi] = now;
    }
    let last = round.iter().copied().max().unwrap_or(0);
    for k in 1..=last {
        let mut bodies: Vec<(usize, Function)> = (0..n)
            .filter(|&f| round[f] == k)
            .map(|f| {
                (
                    f,
                    std::mem::take(m.funcs[FuncId::new(f)].body_mut().expect("body")),
                )
            })
            .collect();
        let done: &Module = m;
        bodies.par_iter_mut().for_each(|(fi, body)| {
            inline_calls(done, body, &inline[*fi]);
            debug_assert_eq!(crate::util::body_size(body), size[*fi]);
        });
        for (fi, body) in bodies {
            m.funcs[FuncId::new(fi)].def = zkc_ir::FuncDef::Body(body);
        }
    }
    r.add(
        "functions removed",
        remove_unreferenced(m, &inlined_any) as u64,
    );
    r
}

/// A body's size and its calls (the instruction and the callee's index).
type Scan = (usize, Vec<(Inst, usize)>);

/// Inlines the calls `which` of `body` (in layout order), with the callees' bodies in `m`.
/// Inlined code is not scanned again: the scan goes on in the block after the call.
fn inline_calls(m: &Module, body: &mut Function, which: &[Inst]) {
    let mut which = which.iter().peekable();
    let mut pos = 0;
    while pos < body.layout.len() && which.peek().is_some() {
        let b = body.layout[pos];
        let mut next_pos = pos + 1;
        for k in 0..body.blocks[b].insts.len() {
            if which.peek() != Some(&&body.blocks[b].insts[k]) {
                continue;
            }
            which.next();
            let Op::Call(g) = body.insts[body.blocks[b].insts[k]].op else {
                unreachable!("a call to inline")
            };
            let callee = m.funcs[g].body().expect("a defined callee");
            let added = inline_call(body, b, k, callee);
            // Go on in the continuation block, the last one added.
            body.layout.splice(pos + 1..pos + 1, added.iter().copied());
            next_pos = pos + added.len();
            break;
        }
        pos = next_pos;
    }
}

/// Replaces the call at `insts[k]` of `b` by a copy of `callee`. Returns the new blocks in
/// layout order: the callee's blocks, then the continuation (which takes over `b`'s rest and
/// terminator, its parameters being the call's results).
fn inline_call(f: &mut Function, b: Block, k: usize, callee: &Function) -> Vec<Block> {
    let call = f.blocks[b].insts[k];
    let rest = f.blocks[b].insts.split_off(k + 1);
    f.blocks[b].insts.pop();
    let cont = f.create_detached_block();
    f.blocks[cont].insts = rest;
    f.blocks[cont].term = f.blocks[b].term.take();
    let results: Vec<Value> = f.insts[call].results.to_vec();
    for (i, &v) in results.iter().enumerate() {
        f.values[v].def = ValueDef::Param(cont, i as u32);
    }
    f.blocks[cont].params = results;
    let srcloc = f.insts[call].srcloc;

    let mut vmap: SecondaryMap<Value, Option<Value>> = SecondaryMap::new();
    let mut bmap: SecondaryMap<Block, Option<Block>> = SecondaryMap::new();
    let mut new_blocks = Vec::new();
    for &cb in &callee.layout {
        let nb = f.create_detached_block();
        bmap[cb] = Some(nb);
        new_blocks.push(nb);
        for &p in &callee.blocks[cb].params {
            vmap[p] = Some(f.append_block_param(nb, callee.values[p].ty));
        }
    }
    let mut imap: Vec<(Inst, Inst)> = Vec::new();
    for &cb in &callee.layout {
        let nb = bmap[cb].unwrap();
        for &ci in &callee.blocks[cb].insts {
            let d = &callee.insts[ci];
            let tys: Vec<_> = d.results.iter().map(|&v| callee.values[v].ty).collect();
            let ni = f.append_inst(nb, d.op.clone(), &[], &tys, d.srcloc);
            for (&cv, &nv) in d.results.iter().zip(f.insts[ni].results.clone().iter()) {
                vmap[cv] = Some(nv);
            }
            imap.push((ci, ni));
        }
    }
    let mv = |v: Value| vmap[v].expect("callee value defined in its layout");
    for (ci, ni) in imap {
        f.insts[ni].args = callee.insts[ci].args.iter().map(|&a| mv(a)).collect();
    }
    let mcall = |c: &BlockCall| {
        BlockCall::new(
            bmap[c.block].unwrap(),
            c.args.iter().map(|&a| mv(a)).collect(),
        )
    };
    for &cb in &callee.layout {
        let t = callee.blocks[cb].term.as_ref().expect("terminator");
        let kind = match &t.kind {
            TermKind::Jump(c) => TermKind::Jump(mcall(c)),
            TermKind::Brif {
                cond,
                then_dest,
                else_dest,
            } => TermKind::Brif {
                cond: mv(*cond),
                then_dest: mcall(then_dest),
                else_dest: mcall(else_dest),
            },
            TermKind::BrTable {
                index,
                targets,
                default,
            } => TermKind::BrTable {
                index: mv(*index),
                targets: targets.iter().map(mcall).collect(),
                default: mcall(default),
            },
            TermKind::Return(vs) => {
                TermKind::Jump(BlockCall::new(cont, vs.iter().map(|&v| mv(v)).collect()))
            }
            TermKind::Trap(c) => TermKind::Trap(*c),
        };
        f.blocks[bmap[cb].unwrap()].term = Some(Terminator::new(kind, t.srcloc));
    }
    // A fresh entry, so that a callee whose entry is a loop header stays correct.
    let entry = f.create_detached_block();
    let args: Vec<Value> = f.insts[call].args.to_vec();
    let centry = bmap[callee.entry().expect("callee has an entry")].unwrap();
    f.blocks[entry].term = Some(Terminator::new(
        TermKind::Jump(BlockCall::new(centry, args)),
        srcloc,
    ));
    f.blocks[b].term = Some(Terminator::new(
        TermKind::Jump(BlockCall::new(entry, vec![])),
        srcloc,
    ));
    let mut out = vec![entry];
    out.extend(new_blocks);
    out.push(cont);
    out
}

/// Removes defined functions in `candidates` that no remaining function calls and nothing
/// else references; renumbers function ids. Returns how many were removed.
fn remove_unreferenced(m: &mut Module, candidates: &[bool]) -> usize {
    let n = m.funcs.len();
    let pinned = pinned(m);
    let mut live = vec![false; n];
    let mut work: Vec<usize> = Vec::new();
    for (id, d) in m.funcs.iter() {
        let i = id.index();
        if !candidates[i] || pinned[id] || d.body().is_none() {
            live[i] = true;
            work.push(i);
        }
    }
    while let Some(v) = work.pop() {
        if let Some(f) = m.funcs[FuncId::new(v)].body() {
            for g in direct_callees(f) {
                if !live[g.index()] {
                    live[g.index()] = true;
                    work.push(g.index());
                }
            }
        }
    }
    let removed = live.iter().filter(|l| !**l).count();
    if removed == 0 {
        return 0;
    }
    let mut remap: Vec<Option<FuncId>> = vec![None; n];
    let mut funcs: PrimaryMap<FuncId, FuncDecl> = PrimaryMap::new();
    for (id, d) in std::mem::take(&mut m.funcs) {
        if live[id.index()] {
            remap[id.index()] = Some(funcs.push(d));
        }
    }
    let re = |f: FuncId| remap[f.index()].expect("a live function refers only to live ones");
    for d in funcs.values_mut() {
        if let Some(f) = d.body_mut() {
            for i in f.insts.values_mut() {
                if let Op::Call(g) = &mut i.op {
                    // Instructions outside the layout may still name removed functions.
                    *g = remap[g.index()].unwrap_or(FuncId::new(0));
                }
            }
        }
    }
    m.funcs = funcs;
    for e in &mut m.exports {
        if let ExportKind::Func(f) = &mut e.kind {
            *f = re(*f);
        }
    }
    m.start = m.start.map(re);
    for seg in m.elems.values_mut() {
        for f in seg.items.iter_mut().flatten() {
            *f = re(*f);
        }
        let _ = &seg.mode as &ElemMode;
    }
    removed
}

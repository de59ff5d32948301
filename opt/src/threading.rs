//! Jump threading on constant block arguments, a rule of `simplify-cfg`.
//!
//! An edge `P -> B(args)` whose constant arguments decide `B`'s `brif`/`br_table` goes straight
//! to the destination `B` would choose: `B`'s few pure instructions are evaluated with `P`'s
//! constants by the e-graph's constant folder ([`eval`], wasm's exact integer semantics), and
//! the edge is redirected. This is the jump threading of Mueller and Whalley, "Avoiding
//! Conditional Branches by Code Replication" (PLDI 1995), in the form of LLVM's
//! `JumpThreading.cpp` (`threadEdge`): `B` is duplicated for the edge into a new block `B'`
//! that ends in a `jump` to the resolved destination, and the values `B` defines that are read
//! outside `B` get their SSA form repaired, since `B` no longer dominates those reads.
//!
//! Why: rustc's iterator loops (`Range::next` inlined) pass the "has next" flag as a constant
//! from the loop's entry and latch to a header that tests it (`and p, 1; brif`), so every
//! iteration ran a test whose outcome each edge knows (rs_keccak: 4 of the ~12 steps of its hot
//! loop); Go's wasm backend jumps back to a resume-point `br_table` with a constant index.
//!
//! `B'` has only what the destination and the reads outside `B` need: constants for the
//! instructions that folded, copies of the others (pure, so they may run on this path instead
//! of in `B`), and `P`'s arguments, read directly. Each value of `B` read outside it becomes a
//! variable defined at the end of `B` and of every `B'` (a parameter the edge passes back
//! unchanged, as a latch passes what the iteration did not change, is no new definition), and
//! those reads are rewritten by the SSA construction of Braun et al.
//! ([`SsaBuilder::for_function`]): a join that now sees several definitions gets a block
//! parameter, the trivial ones are removed afterwards. An argument that is itself such a
//! variable reaches `B'` in a parameter, so that it is read, and repaired, in `P`. All edges of
//! a round are threaded first and repaired together, one pass over the function.
//!
//! An empty `B'` is bypassed by the threading of empty blocks in the same round, one whose
//! predecessor ends in a `jump` is merged into it; `B` goes once nothing reaches it. Limits:
//! `B` has at most [`THREAD_MAX_INSTS`] instructions, all integer and pure (no memory, call or
//! trap), so that copies stay cheap; the entry block is never threaded through, nor an edge
//! whose destination is `B` itself (LLVM's rule too: it would thread forever around a constant
//! loop). Unlike LLVM, edges are threaded across loop headers, and so into loops (which may
//! make them irreducible): the one loop pass, `licm`, runs before the last `simplify-cfg`, and
//! the header test that a loop's entry and latch skip is the very overhead measured above.

use crate::egraph::lang::eval;
use crate::egraph::{Key, Konst};
use zkc_ir::ssa::{remove_trivial_params_where, SsaBuilder};
use zkc_ir::{
    Block, BlockCall, ConvOp, EntityRef, Function, Inst, Op, SecondaryMap, TermKind, Terminator,
    Type, Value, ValueDef,
};

/// Instructions a block may have to be threaded through (LLVM's `jump-threading-threshold` is
/// 6 for blocks of any instructions; ours are pure and integer, and copies may land on hot
/// paths).
pub const THREAD_MAX_INSTS: usize = 4;

/// A block edges are threaded through in this round.
struct Through {
    block: Block,
    /// The edges that resolve: (predecessor, index in its `targets()`, evaluation).
    edges: Vec<(Block, usize, Outcome)>,
    /// Per value of the block (parameters, then instruction results): read outside it.
    escapes: Vec<bool>,
    /// The new blocks: (`b'`, its definition of each value of the block).
    threaded: Vec<(Block, Vec<Option<Value>>)>,
}

/// The values of the blocks threaded through, and the variables of the escaping ones.
#[derive(Default)]
struct Vars {
    /// 1 + the index in `slots` of each value of those blocks, else 0.
    owner: SecondaryMap<Value, u32>,
    /// (index in `thru`, slot in its `escapes`, the value).
    slots: Vec<(usize, usize, Value)>,
    /// The variable of each slot that escapes.
    var_of: Vec<Option<u32>>,
    tys: Vec<Type>,
}

impl Vars {
    /// The slot and variable of `v`, when it is an escaping value of a block threaded through.
    fn var(&self, v: Value) -> Option<(usize, u32)> {
        let id = (self.owner[v] as usize).checked_sub(1)?;
        Some((id, self.var_of[id]?))
    }
}

/// Redirects every edge whose constant arguments decide its destination's branch. Returns the
/// number of edges threaded.
pub fn thread_branches(f: &mut Function) -> usize {
    let Some(entry) = f.entry() else { return 0 };
    let mut candidate: SecondaryMap<Block, bool> = f.block_map(Default::default());
    let mut any = false;
    for &b in &f.layout {
        if b != entry && threadable(f, b) {
            candidate[b] = true;
            any = true;
        }
    }
    if !any {
        return 0;
    }
    // The edges that resolve, per block, blocks in layout order of their first such edge.
    let mut index: SecondaryMap<Block, u32> = f.block_map(Default::default());
    let mut thru: Vec<Through> = Vec::new();
    for &p in &f.layout {
        let term = f.blocks[p].term.as_ref().expect("terminator");
        for (k, call) in term.targets().enumerate() {
            if !candidate[call.block] {
                continue;
            }
            let Some(outcome) = evaluate(f, call) else {
                continue;
            };
            if [entry, call.block].contains(&destination(f, call.block, &outcome).block) {
                continue;
            }
            if index[call.block] == 0 {
                let d = &f.blocks[call.block];
                thru.push(Through {
                    block: call.block,
                    edges: Vec::new(),
                    escapes: vec![false; d.params.len() + d.insts.len()],
                    threaded: Vec::new(),
                });
                index[call.block] = thru.len() as u32;
            }
            thru[index[call.block] as usize - 1]
                .edges
                .push((p, k, outcome));
        }
    }
    if thru.is_empty() {
        return 0;
    }
    let mut vars = Vars::default();
    for (i, t) in thru.iter().enumerate() {
        let d = &f.blocks[t.block];
        let own = d
            .params
            .iter()
            .copied()
            .chain(d.insts.iter().map(|&inst| f.insts[inst].results[0]));
        for (s, v) in own.enumerate() {
            vars.slots.push((i, s, v));
            vars.owner[v] = vars.slots.len() as u32;
        }
    }
    // The blocks that read values of the blocks threaded through, and the new blocks (whose
    // copies may read the parameter an edge passes back unchanged): the only ones the repair
    // may rewrite.
    let mut readers: SecondaryMap<Block, bool> = f.block_map(Default::default());
    for &u in &f.layout {
        let mut reads = false;
        for_each_read(f, u, |v| {
            if let Some(o) = (vars.owner[v] as usize).checked_sub(1) {
                let (i, s, _) = vars.slots[o];
                if thru[i].block != u {
                    thru[i].escapes[s] = true;
                    reads = true;
                }
            }
        });
        readers[u] = reads;
    }
    for &(i, s, v) in &vars.slots {
        let var = thru[i].escapes[s].then(|| {
            vars.tys.push(f.values[v].ty);
            vars.tys.len() as u32 - 1
        });
        vars.var_of.push(var);
    }

    let watermark = f.values.len();
    let mut n = 0;
    let mut after: SecondaryMap<Block, Vec<Block>> = f.block_map(Default::default());
    for (ti, t) in thru.iter_mut().enumerate() {
        for (p, k, outcome) in &t.edges {
            let call = f.blocks[*p]
                .term
                .as_ref()
                .expect("terminator")
                .targets()
                .nth(*k)
                .expect("edge")
                .clone();
            let dest = destination(f, t.block, outcome).clone();
            let (bp, args, defs) = duplicate(f, ti, t, &call, outcome, &dest, &vars);
            let mut term = f.blocks[*p].term.take().expect("terminator");
            let slot = term.targets_mut().nth(*k).expect("edge");
            *slot = BlockCall::new(bp, args);
            f.blocks[*p].term = Some(term);
            after[*p].push(bp);
            readers[bp] = true;
            t.threaded.push((bp, defs));
            n += 1;
        }
    }
    // Each `b'` goes right after its predecessor.
    let old = std::mem::take(&mut f.layout);
    for b in old {
        f.layout.push(b);
        f.layout.extend(after[b].iter().copied());
    }
    if !vars.tys.is_empty() {
        repair_ssa(f, &thru, &vars, &readers);
        remove_trivial_params_where(f, |p| p.index() >= watermark);
    }
    n
}

/// Calls `g` on every value block `u` reads: instruction operands, then the terminator's.
fn for_each_read(f: &Function, u: Block, mut g: impl FnMut(Value)) {
    let d = &f.blocks[u];
    for &i in &d.insts {
        f.insts[i].args.iter().for_each(|&a| g(a));
    }
    let term = d.term.as_ref().expect("terminator");
    match &term.kind {
        TermKind::Brif { cond: v, .. } | TermKind::BrTable { index: v, .. } => g(*v),
        TermKind::Return(vs) => vs.iter().for_each(|&v| g(v)),
        TermKind::Jump(_) | TermKind::Trap(_) => {}
    }
    for call in term.targets() {
        call.args.iter().for_each(|&a| g(a));
    }
}

/// The destination `b`'s branch takes in `outcome`.
fn destination<'f>(f: &'f Function, b: Block, outcome: &Outcome) -> &'f BlockCall {
    f.blocks[b]
        .term
        .as_ref()
        .expect("terminator")
        .targets()
        .nth(outcome.target)
        .expect("target")
}

/// Whether `op` is an integer operation cheap and safe to evaluate and to copy.
fn cheap(op: &Op) -> bool {
    match *op {
        Op::Const { ty, .. }
        | Op::Unary { ty, .. }
        | Op::Compare { ty, .. }
        | Op::Select { ty } => ty.is_int(),
        Op::Binary { op, ty } => ty.is_int() && !op.can_trap(ty),
        Op::Convert(c) => matches!(
            c,
            ConvOp::I32WrapI64 | ConvOp::I64ExtendI32S | ConvOp::I64ExtendI32U
        ),
        _ => false,
    }
}

/// A block whose branch operand its parameters may decide, with few cheap instructions.
fn threadable(f: &Function, b: Block) -> bool {
    let d = &f.blocks[b];
    if d.insts.len() > THREAD_MAX_INSTS || d.params.is_empty() {
        return false;
    }
    if !d.insts.iter().all(|&i| cheap(&f.insts[i].op)) {
        return false;
    }
    let operand = match &d.term.as_ref().expect("terminator").kind {
        TermKind::Brif { cond, .. } => *cond,
        TermKind::BrTable { index, .. } => *index,
        _ => return false,
    };
    local_index(f, b, operand).is_some()
}

/// Where a value of `b` comes from: its `i`th parameter, or its `i`th instruction's result.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Local {
    Param(usize),
    Result(usize),
}

fn local_index(f: &Function, b: Block, v: Value) -> Option<Local> {
    match f.values[v].def {
        ValueDef::Param(pb, i) if pb == b => Some(Local::Param(i as usize)),
        ValueDef::Result(inst, 0) => f.blocks[b]
            .insts
            .iter()
            .position(|&i| i == inst)
            .map(Local::Result),
        _ => None,
    }
}

/// The constant an integer value is defined as, if any.
fn konst_of(f: &Function, v: Value) -> Option<Konst> {
    let ty = f.values[v].ty;
    let bits = crate::util::const_of(f, v)?;
    ty.is_int().then(|| Konst::new(ty, bits))
}

/// `call.block` evaluated with `call`'s arguments.
struct Outcome {
    /// The constant of each instruction's result, where it folded.
    results: Vec<Option<Konst>>,
    /// The index in `targets()` of the destination taken.
    target: usize,
}

/// Evaluates the edge `call` into a threadable block; `Some` when its branch is decided.
fn evaluate(f: &Function, call: &BlockCall) -> Option<Outcome> {
    let b = call.block;
    let params: Vec<Option<Konst>> = call.args.iter().map(|&a| konst_of(f, a)).collect();
    if params.iter().all(Option::is_none) {
        return None;
    }
    let d = &f.blocks[b];
    let mut results: Vec<Option<Konst>> = Vec::with_capacity(d.insts.len());
    let known = |v: Value, results: &[Option<Konst>]| match local_index(f, b, v) {
        Some(Local::Param(i)) => params[i],
        Some(Local::Result(j)) => results[j],
        None => konst_of(f, v),
    };
    for &i in &d.insts {
        let inst = &f.insts[i];
        let k = match inst.op {
            Op::Const { ty, bits } => Some(Konst::new(ty, bits)),
            ref op => Key::of(op).and_then(|key| {
                let args: Option<Vec<Konst>> =
                    inst.args.iter().map(|&a| known(a, &results)).collect();
                eval(key, &args?)
            }),
        };
        results.push(k);
    }
    let target = match &d.term.as_ref().expect("terminator").kind {
        TermKind::Brif { cond, .. } => {
            if known(*cond, &results)?.bits != 0 {
                0
            } else {
                1
            }
        }
        TermKind::BrTable { index, targets, .. } => {
            // `targets()` lists the default first.
            match known(*index, &results)?.bits as u32 as usize {
                i if i < targets.len() => i + 1,
                _ => 0,
            }
        }
        _ => return None,
    };
    Some(Outcome { results, target })
}

/// Creates `b'` for the edge `call` into `t = thru[ti]` decided as `outcome`: the instructions
/// the destination and the readers outside the block need, then `jump dest`. `b'` reads the
/// edge's arguments directly, except a variable other than the parameter it is passed to: that
/// one arrives in a parameter of `b'`. Returns `b'`, the arguments the predecessor passes it,
/// and `b'`'s definition of each value of the block (none for a parameter passed itself).
fn duplicate(
    f: &mut Function,
    ti: usize,
    t: &Through,
    call: &BlockCall,
    outcome: &Outcome,
    dest: &BlockCall,
    vars: &Vars,
) -> (Block, Vec<Value>, Vec<Option<Value>>) {
    let b = t.block;
    let nparams = f.blocks[b].params.len();
    let insts: Vec<Inst> = f.blocks[b].insts.clone();
    // The results needed: escaping ones and the destination's arguments, then their operands
    // unless they folded.
    let mut needed: Vec<bool> = t.escapes[nparams..].to_vec();
    for &a in &dest.args {
        if let Some(Local::Result(j)) = local_index(f, b, a) {
            needed[j] = true;
        }
    }
    for j in (0..insts.len()).rev() {
        if needed[j] && outcome.results[j].is_none() {
            for &a in &f.insts[insts[j]].args {
                if let Some(Local::Result(i)) = local_index(f, b, a) {
                    needed[i] = true;
                }
            }
        }
    }
    let bp = f.create_detached_block();
    let mut params = Vec::with_capacity(nparams);
    let mut args = Vec::new();
    let mut defs: Vec<Option<Value>> = Vec::with_capacity(t.escapes.len());
    for (i, &w) in call.args.iter().enumerate() {
        match vars.var(w) {
            Some((id, _)) if vars.slots[id].0 == ti && vars.slots[id].1 == i => {
                params.push(w);
                defs.push(None);
            }
            Some(_) => {
                let p = f.append_block_param(bp, f.values[w].ty);
                args.push(w);
                params.push(p);
                defs.push(Some(p));
            }
            None => {
                params.push(w);
                defs.push(Some(w));
            }
        }
    }
    let mut results: Vec<Option<Value>> = vec![None; insts.len()];
    let map = |f: &Function, v: Value, results: &[Option<Value>]| match local_index(f, b, v) {
        Some(Local::Param(i)) => params[i],
        Some(Local::Result(j)) => results[j].expect("operand duplicated first"),
        None => v,
    };
    for (j, &i) in insts.iter().enumerate() {
        if !needed[j] {
            continue;
        }
        let d = &f.insts[i];
        let (srcloc, ty) = (d.srcloc, f.values[d.results[0]].ty);
        let (op, args) = match outcome.results[j] {
            Some(k) => (
                Op::Const {
                    ty: k.ty,
                    bits: k.bits,
                },
                vec![],
            ),
            None => (
                d.op.clone(),
                d.args.iter().map(|&a| map(f, a, &results)).collect(),
            ),
        };
        let copy = f.append_inst(bp, op, &args, &[ty], srcloc);
        results[j] = Some(f.insts[copy].results[0]);
    }
    let dest_args = dest.args.iter().map(|&a| map(f, a, &results)).collect();
    let srcloc = f.blocks[b].term.as_ref().expect("terminator").srcloc;
    f.blocks[bp].term = Some(Terminator::new(
        TermKind::Jump(BlockCall::new(dest.block, dest_args)),
        srcloc,
    ));
    defs.extend(results);
    (bp, args, defs)
}

/// Rewrites the reads of the escaping values of the blocks threaded through, outside them: each
/// is a variable defined at the end of its block and of every `b'` of it.
fn repair_ssa(
    f: &mut Function,
    thru: &[Through],
    vars: &Vars,
    readers: &SecondaryMap<Block, bool>,
) {
    // Blocks the threading cut off would hand the builder predecessors with no definition.
    let reach = zkc_ir::cfg::reachable(f);
    f.layout.retain(|&b| reach[b]);
    let mut ssa = SsaBuilder::for_function(f, vars.tys.clone());
    for (id, &(i, s, v)) in vars.slots.iter().enumerate() {
        let Some(var) = vars.var_of[id] else { continue };
        ssa.def_var(var, thru[i].block, v);
        for (bp, defs) in &thru[i].threaded {
            if let Some(d) = defs[s] {
                ssa.def_var(var, *bp, d);
            }
        }
    }
    for bi in 0..f.layout.len() {
        let u = f.layout[bi];
        if !readers[u] {
            continue;
        }
        // The variables `u` reads, then with the value reaching `u`'s entry.
        let mut read: Vec<(Value, u32)> = Vec::new();
        for_each_read(f, u, |v| {
            if let Some((id, var)) = vars.var(v) {
                if thru[vars.slots[id].0].block != u && !read.iter().any(|&(w, _)| w == v) {
                    read.push((v, var));
                }
            }
        });
        if read.is_empty() {
            continue;
        }
        let subst: Vec<(Value, Value)> = read
            .into_iter()
            .map(|(v, var)| (v, ssa.use_var(f, var, u)))
            .collect();
        let rewrite = |v: Value| subst.iter().find(|&&(w, _)| w == v).map_or(v, |&(_, r)| r);
        for ii in 0..f.blocks[u].insts.len() {
            let i = f.blocks[u].insts[ii];
            for a in f.insts[i].args.iter_mut() {
                *a = rewrite(*a);
            }
        }
        let mut term = f.blocks[u].term.take().expect("terminator");
        term.map_uses(rewrite);
        f.blocks[u].term = Some(term);
    }
}

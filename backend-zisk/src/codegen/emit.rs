//! Emission: a function's [`VCode`] with its [`Allocation`] into the [`Program`].
//!
//! Copies whose source and destination got the same location vanish (unless the next
//! instruction reads `lastc`, which the copy sets); an edge block whose moves all vanished
//! vanishes too, its branches going straight to its target; a jump to the block emitted next
//! falls through. Parallel moves are sequentialized with `r2` as the cycle breaker; re-entering
//! calls push and pop their saves on the software stack, leaving out the pushes whose slot still
//! holds the value since the block's previous call ([`still_saved`]) and, between two such
//! calls, the pops nothing reads and one of the two stack adjustments ([`Handoff`]); other
//! calls store the registers they clobber of split live ranges to their home slots and load
//! them back.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use zkc_ir::{EntityRef, FuncDef, Module, TrapCode};
use zkc_regalloc_mem::{AllocFunction, Allocation, Loc, RegSet, VReg};

use super::allocate::Selected;
use super::layout::Layout;
use super::vcode::{MoveSrc, VCode, VInst, VA, VB, VS};
use super::CodegenOptions;
use super::SP_REG;
use crate::mem_map::*;
use crate::program::{DataDecl, Flow, InstKind, Item, OpInst, Program, Sym, Target, Value};
use crate::{ASrc, BSrc, Op, Store};

fn lit(v: u64) -> Value {
    Value::Lit(v)
}

fn loc_a(l: Loc) -> ASrc<Value> {
    match l {
        Loc::Reg(r) => ASrc::Reg(r),
        Loc::Slot(a) => ASrc::Mem(lit(a)),
    }
}

fn loc_b(l: Loc) -> BSrc<Value> {
    match l {
        Loc::Reg(r) => BSrc::Reg(r),
        Loc::Slot(a) => BSrc::Mem(lit(a)),
    }
}

fn loc_s(l: Loc) -> Store<Value> {
    match l {
        Loc::Reg(r) => Store::Reg(r),
        Loc::Slot(a) => Store::Mem(lit(a)),
    }
}

/// A move the allocation added (see [`crate::Item::Inst`]).
fn mov(out: &mut Program, b: BSrc<Value>, s: Store<Value>) {
    alloc_op(out, OpInst::new(Op::CopyB, ASrc::Imm(lit(0)), b).to(s));
}

fn alloc_op(out: &mut Program, op: OpInst) {
    out.alloc_inst(InstKind::Op(op), None);
}

/// What emitting a function reads: its code, its allocation, the layout (the trap labels).
#[derive(Clone, Copy)]
struct Cx<'a> {
    vc: &'a VCode,
    alloc: &'a Allocation,
    layout: &'a Layout,
}

/// Pushes `saves` on the software stack, checking its limit for `check` bytes above the base
/// of the pushes (none: the limit is known to hold). `kept` ([`still_saved`]) tells which
/// pushes the stack already holds: those are left out. The stack pointer is `bias` bytes above
/// the base of the pushes (the previous call of the block left it there, [`Handoff`]).
fn push_saves(
    out: &mut Program,
    saves: &[VReg],
    cx: Cx,
    kept: &Kept,
    check: Option<u64>,
    bias: u64,
) {
    if saves.is_empty() {
        return;
    }
    let n = 8 * saves.len() as u64;
    if let Some(check) = check {
        let limit = RAM_ADDR + STACK_SIZE - check + bias;
        alloc_op(
            out,
            OpInst::new(Op::Ltu, ASrc::Imm(lit(limit)), BSrc::Reg(SP_REG))
                .branch(cx.layout.trap(TrapCode::StackOverflow)),
        );
    }
    for (i, &v) in saves.iter().enumerate() {
        if kept.slots.get(i) == Some(&true) {
            continue;
        }
        alloc_op(
            out,
            OpInst::new(Op::CopyB, ASrc::Reg(SP_REG), loc_b(cx.alloc.loc(v)))
                .to(Store::Ind(8 * i as i64 - bias as i64))
                .width(8),
        );
    }
    if n != bias {
        alloc_op(
            out,
            OpInst::new(
                Op::Add,
                ASrc::Reg(SP_REG),
                BSrc::Imm(lit(n.wrapping_sub(bias))),
            )
            .to(Store::Reg(SP_REG)),
        );
    }
}

/// Pops `saves` back into their locations after the call, but those `handoff` leaves on the
/// stack; returns the bytes the stack pointer stays above the base of the pushes (0 unless
/// the handoff keeps it up for the next call).
fn pop_saves(out: &mut Program, saves: &[VReg], alloc: &Allocation, handoff: &Handoff) -> u64 {
    if saves.is_empty() {
        return 0;
    }
    let n = 8 * saves.len() as u64;
    let bias = if handoff.next.is_some() {
        n
    } else {
        alloc_op(
            out,
            OpInst::new(Op::Add, ASrc::Reg(SP_REG), BSrc::Imm(lit(n.wrapping_neg())))
                .to(Store::Reg(SP_REG)),
        );
        0
    };
    for (i, &v) in saves.iter().enumerate() {
        if handoff.left.get(i) == Some(&true) {
            continue;
        }
        alloc_op(
            out,
            OpInst::new(
                Op::CopyB,
                ASrc::Reg(SP_REG),
                BSrc::Ind(8 * i as i64 - bias as i64),
            )
            .to(loc_s(alloc.loc(v)))
            .width(8),
        );
    }
    bias
}

/// How a re-entering call hands the software stack to the block's next re-entering call, when
/// nothing but straight-line code lies between them (no label, no other call, no branch but to
/// a trap handler or over the next instructions) and neither call spills to home slots: the
/// stack pointer stays up between them (one adjustment instead of two: the next call's push
/// and this call's pop address the slots below it), and a save that the next call leaves out
/// of its push ([`still_saved`]) and that nothing between reads stays in its slot: the next
/// call's pop (or, the same way, a later one's) brings it back. Recursive code such as a tree
/// walk's two calls pays neither the pop nor the push of such values.
#[derive(Default)]
struct Handoff {
    /// The next re-entering call.
    next: Option<usize>,
    /// Per save of this call: left on the stack, not popped back.
    left: Vec<bool>,
}

/// The [`Handoff`] of re-entering call `j` of the block `start..end`.
fn handoff(cx: Cx, start: usize, end: usize, j: usize) -> Handoff {
    let Cx { vc, alloc, layout } = cx;
    let spills = |k: usize| alloc.call_spills.get(&k).is_some_and(|s| !s.is_empty());
    let Some(saves) = alloc.call_saves.get(&j).filter(|s| !s.is_empty()) else {
        return Handoff::default();
    };
    if spills(j) {
        return Handoff::default();
    }
    // What the code between reads: locations, machine registers, any slot.
    let (mut read, mut regs, mut any_slot) = (Vec::new(), 0 as RegSet, false);
    let mut uses = Vec::new();
    let mut next = None;
    for k in j + 1..end {
        match &vc.insts[k] {
            VInst::Op { a, b, flow, .. } => {
                let local = |t: &Target| match t {
                    Target::Offset(_) => true,
                    Target::Label(l) => layout.is_trap(*l),
                };
                match flow {
                    Flow::Next => {}
                    Flow::Branch { taken, not_taken } if local(taken) && local(not_taken) => {}
                    _ => return Handoff::default(),
                }
                for m in [a_mem(a), b_mem(b)].into_iter().flatten() {
                    match m {
                        Value::Lit(addr) => read.push(Loc::Slot(*addr)),
                        _ => any_slot = true,
                    }
                }
            }
            VInst::ParMove(_) => {}
            VInst::Call { .. } | VInst::CallInd { .. } => {
                next = Some(k);
            }
            _ => return Handoff::default(),
        }
        uses.clear();
        vc.inst_uses(k, &mut uses);
        read.extend(uses.iter().map(|&v| alloc.loc(v)));
        regs |= vc.inst_reg_uses(k) | vc.inst_reg_defs(k);
        if next.is_some() {
            break;
        }
    }
    let Some(i) = next else {
        return Handoff::default();
    };
    if alloc.call_saves.get(&i).is_none_or(|s| s.is_empty()) || spills(i) || regs & 1 << SP_REG != 0
    {
        return Handoff::default();
    }
    let kept = still_saved(cx, start, i);
    let is_read = |l: Loc| {
        read.contains(&l)
            || match l {
                Loc::Reg(r) => regs & 1 << r != 0,
                Loc::Slot(_) => any_slot,
            }
    };
    Handoff {
        next,
        left: saves
            .iter()
            .enumerate()
            .map(|(k, &v)| kept.slots.get(k) == Some(&true) && !is_read(alloc.loc(v)))
            .collect(),
    }
}

/// The bytes the pushes of re-entering call `j` and of the calls it hands the stack to, one
/// after the other ([`Handoff`]), reach above their common base: one check of the stack limit
/// at `j` covers them all (an overflow then traps at `j`, a few instructions before the call
/// that would overflow: call depth is a resource limit, not a semantic one).
fn chain_bytes(cx: Cx, start: usize, end: usize, j: usize) -> u64 {
    let alloc = cx.alloc;
    let mut bytes = 0;
    let mut next = Some(j);
    while let Some(k) = next {
        bytes = bytes.max(8 * alloc.call_saves.get(&k).map_or(0, |s| s.len() as u64));
        next = handoff(cx, start, end, k).next;
    }
    bytes
}

/// How many bytes above the base of re-entering call `i`'s pushes its push must check the
/// stack limit for: none when the block's previous call checked for as many at the same base
/// ([`Kept::checked`]) or handed the stack to it (the chain's first call checked for the whole
/// chain, [`chain_bytes`]).
fn stack_check(
    cx: Cx,
    block: std::ops::Range<usize>,
    i: usize,
    kept: &Kept,
    bias: u64,
) -> Option<u64> {
    if bias != 0 {
        return None;
    }
    let n = 8 * cx.alloc.call_saves.get(&i).map_or(0, |s| s.len() as u64);
    let chain = chain_bytes(cx, block.start, block.end, i);
    (!kept.checked || chain > n).then_some(chain)
}

/// The memory operand an `a` reads, if any.
fn a_mem(a: &VA) -> Option<&Value> {
    match a {
        VA::Mem(x) => Some(x),
        _ => None,
    }
}

/// The memory operand a `b` reads, if any.
fn b_mem(b: &VB) -> Option<&Value> {
    match b {
        VB::Mem(x) => Some(x),
        _ => None,
    }
}

/// What the software stack still holds for a re-entering call's saves.
#[derive(Default)]
struct Kept {
    /// Per save: its location's value already sits in its stack slot.
    slots: Vec<bool>,
    /// The stack limit was checked for at least this call's bytes at the same stack pointer.
    checked: bool,
}

/// What the software stack holds when call `i` (of the block starting at `start`) pushes its
/// saves. The previous re-entering call of the block popped its own saves back into their
/// locations at the same stack pointer (a callee pops all it pushes), and its callee wrote only
/// above them; where call `i` saves the same location at the same position and nothing since
/// wrote that location (no label between: nothing else enters), the slot already holds the
/// value. Locations are compared, not vregs: coalesced vregs share one.
fn still_saved(cx: Cx, start: usize, i: usize) -> Kept {
    let Cx { vc, alloc, .. } = cx;
    let no_saves = Vec::new();
    let saves = alloc.call_saves.get(&i).unwrap_or(&no_saves);
    let Some(j) = (start..i).rev().find(|&j| {
        matches!(
            vc.insts[j],
            VInst::Call { .. } | VInst::CallInd { .. } | VInst::Label(_)
        )
    }) else {
        return Kept::default();
    };
    let before = match (&vc.insts[j], alloc.call_saves.get(&j)) {
        (VInst::Call { .. } | VInst::CallInd { .. }, Some(b)) if !b.is_empty() => b,
        _ => return Kept::default(),
    };
    let mut written: Vec<Loc> = Vec::new();
    let mut any_slot = false;
    for x in &vc.insts[j + 1..i] {
        match x {
            VInst::Op { store, .. } => match store {
                VS::V(v) => written.push(alloc.loc(*v)),
                VS::Reg(r) => written.push(Loc::Reg(*r)),
                VS::Mem(Value::Lit(a)) => written.push(Loc::Slot(*a)),
                VS::Mem(_) => any_slot = true,
                VS::None | VS::Ind(_) => {}
            },
            VInst::ParMove(moves) => written.extend(moves.iter().map(|(_, d)| alloc.loc(*d))),
            _ => return Kept::default(),
        }
    }
    for k in [j, i] {
        for &(v, home) in alloc.call_spills.get(&k).into_iter().flatten() {
            written.extend([alloc.loc(v), Loc::Slot(home)]);
        }
    }
    let clobbered = |l: Loc| written.contains(&l) || (any_slot && matches!(l, Loc::Slot(_)));
    Kept {
        slots: saves
            .iter()
            .zip(before)
            .map(|(&v, &w)| alloc.loc(v) == alloc.loc(w) && !clobbered(alloc.loc(v)))
            .collect(),
        checked: saves.len() <= before.len(),
    }
}

/// Stores the registers call `i` clobbers to their home slots, or loads them back.
fn spill_reload(out: &mut Program, i: usize, alloc: &Allocation, store: bool) {
    for &(v, home) in alloc.call_spills.get(&i).into_iter().flatten() {
        let (reg, slot) = (alloc.loc(v), Loc::Slot(home));
        if store {
            mov(out, loc_b(reg), loc_s(slot));
        } else {
            mov(out, loc_b(slot), loc_s(reg));
        }
    }
}

fn same_place(b: &BSrc<Value>, s: &Store<Value>) -> bool {
    match (b, s) {
        (BSrc::Reg(x), Store::Reg(y)) => x == y,
        (BSrc::Mem(x), Store::Mem(y)) => x == y,
        _ => false,
    }
}

/// The moves a parallel move still needs after allocation (sources first: sequentialized).
fn par_moves(moves: &[(MoveSrc, VReg)], alloc: &Allocation) -> Vec<(BSrc<Value>, Store<Value>)> {
    let locs: Vec<(Loc, Loc)> = moves
        .iter()
        .filter_map(|(s, d)| match s {
            MoveSrc::V(v) => Some((alloc.loc(*d), alloc.loc(*v))),
            MoveSrc::Imm(_) => None,
        })
        .collect();
    let mut out: Vec<_> = zkc_ir::parallel_move::sequentialize(&locs, Loc::Reg(2))
        .into_iter()
        .map(|(d, s)| (loc_b(s), loc_s(d)))
        .collect();
    for (s, d) in moves {
        if let MoveSrc::Imm(c) = s {
            out.push((BSrc::Imm(lit(*c)), loc_s(alloc.loc(*d))));
        }
    }
    out
}

/// Appends every function of the module to `out`, in its order: the allocated ones, and for
/// an import that is not a machine import (`zisk.*`, lowered at its call sites) a stub that
/// traps as unreachable (only an error if called). The functions are emitted on rayon's
/// threads, each into a program of its own whose items join `out` as they are
/// ([`Items::append`](zkc_zisk_machine::program::Items::append)), in the module's order: the
/// same program whatever the number of threads. Each function's code and allocation are
/// freed once it is emitted.
pub(crate) fn emit_functions(
    module: &Module,
    layout: &Layout,
    funcs: Selected,
    opts: &CodegenOptions,
    out: &mut Program,
) {
    use rayon::prelude::*;
    // A function emits about one item per instruction and block of its code (0.93-0.99 of
    // them on the Go modules): room for them at once, so that they are not copied as they grow.
    let items = |vc: &VCode| (vc.insts.len() + vc.blocks.len()) * 5 / 4 + 4;
    let decls: Vec<_> = module.funcs.iter().collect();
    let parts: Vec<Program> = (decls.into_par_iter().zip(funcs))
        .map(|((id, f), selected)| {
            let mut out = Program::default();
            let label = &layout.func_labels[id.index()];
            match &f.def {
                FuncDef::Body(_) => {
                    let (vc, alloc) = selected.expect("selected");
                    out.items.reserve(items(&vc));
                    emit(module, &vc, &alloc, layout, *label, &f.name, opts, &mut out);
                }
                FuncDef::Import(name) if name.module != "zisk" => {
                    out.function(*label, &f.name);
                    out.inst(
                        InstKind::Jump(layout.trap(TrapCode::Unreachable)),
                        Some(&format!("unresolved import {}.{}", name.module, name.field)),
                    );
                }
                FuncDef::Import(_) => {}
            }
            out
        })
        .collect();
    for mut part in parts {
        out.items.append(&mut part.items);
        out.functions.extend(part.functions);
    }
}

/// Writes the function's code with the allocation's locations.
#[allow(clippy::too_many_arguments)]
pub(crate) fn emit(
    m: &Module,
    vc: &VCode,
    alloc: &Allocation,
    layout: &Layout,
    label: Sym,
    name: &str,
    opts: &CodegenOptions,
    out: &mut Program,
) {
    out.function(label, name);
    let cx = Cx { vc, alloc, layout };
    // Blocks left as a bare jump by the allocation (all their moves vanished) that nothing
    // falls into: their label → their target.
    let falls_through = |k: usize| {
        let b = &vc.blocks[k];
        match vc.insts[b.start..b.end].last() {
            None => true,
            Some(VInst::Jump(_) | VInst::Ret { .. } | VInst::RetToBios) => false,
            Some(VInst::Op { flow, .. }) => match flow {
                Flow::SetPc(_) => false,
                Flow::Branch { taken, not_taken } => {
                    !matches!((taken, not_taken), (Target::Label(_), Target::Label(_)))
                }
                _ => true,
            },
            Some(_) => true,
        }
    };
    let mut alias: HashMap<Sym, Sym> = HashMap::default();
    let mut skip = vec![false; vc.blocks.len()];
    // The labels jump tables name (a Go function's tables name thousands).
    let in_tables: HashSet<Sym> = (vc.tables.iter())
        .flat_map(|(_, labels)| labels.iter().copied())
        .collect();
    for (k, block) in vc.blocks.iter().enumerate() {
        if let [VInst::ParMove(m), VInst::Jump(t)] = &vc.insts[block.start..block.end] {
            let entered_by_fallthrough = !block.edge && (k == 0 || falls_through(k - 1));
            if !entered_by_fallthrough && par_moves(m, alloc).is_empty() && *t != block.label {
                alias.insert(block.label, *t);
                skip[k] = !in_tables.contains(&block.label);
            }
        }
    }
    // Resolve chains; a cycle of bare jumps (an empty infinite loop) stays as it is.
    let keys: Vec<Sym> = alias.keys().copied().collect();
    for l in keys {
        let mut t = alias[&l];
        let mut n = 0;
        while let Some(&u) = alias.get(&t) {
            t = u;
            n += 1;
            if n > alias.len() {
                break;
            }
        }
        if n > alias.len() {
            alias.remove(&l);
            if let Some(k) = vc.blocks.iter().position(|b| b.label == l) {
                skip[k] = false;
            }
        } else {
            alias.insert(l, t);
        }
    }
    let retarget = |t: &Target| match t {
        Target::Label(l) => Target::Label(alias.get(l).copied().unwrap_or(*l)),
        t => *t,
    };
    let a_of = |a: &VA| match a {
        VA::V(v) => loc_a(alloc.loc(*v)),
        VA::C => ASrc::C,
        VA::Imm(x) => ASrc::Imm(*x),
        VA::Reg(r) => ASrc::Reg(*r),
        VA::Mem(x) => ASrc::Mem(*x),
    };
    let b_of = |b: &VB| match b {
        VB::V(v) => loc_b(alloc.loc(*v)),
        VB::C => BSrc::C,
        VB::Imm(x) => BSrc::Imm(*x),
        VB::Reg(r) => BSrc::Reg(*r),
        VB::Mem(x) => BSrc::Mem(*x),
        VB::Ind(o) => BSrc::Ind(*o),
        VB::Table(_) => unreachable!("a jump table is read by the jump through it"),
    };
    let s_of = |s: &VS| match s {
        VS::V(v) => loc_s(alloc.loc(*v)),
        VS::None => Store::None,
        VS::Reg(r) => Store::Reg(*r),
        VS::Mem(x) => Store::Mem(*x),
        VS::Ind(o) => Store::Ind(*o),
    };
    let emitted: Vec<usize> = (0..vc.blocks.len()).filter(|&k| !skip[k]).collect();
    let no_saves = Vec::new();
    for (e, &k) in emitted.iter().enumerate() {
        let block = &vc.blocks[k];
        let next_label = emitted.get(e + 1).map(|&n| vc.blocks[n].label);
        out.label(block.label);
        // Bytes the stack pointer stays above the next call's pushes ([`Handoff`]).
        let mut bias = 0;
        for i in block.start..block.end {
            let comment = vc.insts[i].comment(m);
            let comment = comment.as_deref();
            let first = out.items.len();
            'inst: {
                match &vc.insts[i] {
                    VInst::Op {
                        b: VB::Table(k), ..
                    } => {
                        let table = vc.tables[*k as usize].0;
                        out.inst(InstKind::TableJump(table), comment);
                    }
                    VInst::Op {
                        op,
                        a,
                        b,
                        store,
                        width,
                        flow,
                    } => {
                        let (bb, ss) = (b_of(b), s_of(store));
                        if vc.insts[i].as_move().is_some() && same_place(&bb, &ss) {
                            let next_reads_c = vc.insts[i + 1..]
                                .iter()
                                .find(|x| !matches!(x, VInst::Label(_)))
                                .is_some_and(|x| x.reads_c());
                            // A relative branch may skip over this copy: keep it.
                            let skipped = i > block.start
                                && matches!(&vc.insts[i - 1], VInst::Op {
                                flow: Flow::Branch { taken, not_taken }, ..
                            } if [taken, not_taken].iter().any(|t| matches!(t, Target::Offset(o) if *o != 4)));
                            if !next_reads_c && !skipped {
                                break 'inst;
                            }
                        }
                        let flow = match flow {
                            Flow::Branch { taken, not_taken } => Flow::Branch {
                                taken: retarget(taken),
                                not_taken: retarget(not_taken),
                            },
                            f => *f,
                        };
                        let mut o = OpInst::new(*op, a_of(a), bb).to(ss).flow(flow);
                        o.ind_width = *width;
                        if vc.insts[i].as_move().is_some() {
                            out.alloc_inst(InstKind::Op(o), comment);
                        } else {
                            out.inst(InstKind::Op(o), comment);
                        }
                    }
                    VInst::Label(l) => {
                        out.label(*l);
                    }
                    VInst::Call { label: target, .. } => {
                        let saves = alloc.call_saves.get(&i).unwrap_or(&no_saves);
                        let kept = still_saved(cx, block.start, i);
                        let handoff = handoff(cx, block.start, block.end, i);
                        spill_reload(out, i, alloc, true);
                        let check = stack_check(cx, block.start..block.end, i, &kept, bias);
                        push_saves(out, saves, cx, &kept, check, bias);
                        out.inst(InstKind::Call(*target), comment);
                        bias = pop_saves(out, saves, alloc, &handoff);
                        spill_reload(out, i, alloc, false);
                    }
                    VInst::CallInd {
                        table, ret_label, ..
                    } => {
                        let saves = alloc.call_saves.get(&i).unwrap_or(&no_saves);
                        let kept = still_saved(cx, block.start, i);
                        let handoff = handoff(cx, block.start, block.end, i);
                        spill_reload(out, i, alloc, true);
                        let check = stack_check(cx, block.start..block.end, i, &kept, bias);
                        push_saves(out, saves, cx, &kept, check, bias);
                        out.op(OpInst::new(
                            Op::CopyB,
                            ASrc::Imm(lit(0)),
                            BSrc::Imm(Value::Sym(*ret_label, 0)),
                        )
                        .to(Store::Reg(1)));
                        out.inst(
                            InstKind::Op(
                                OpInst::new(Op::CopyB, ASrc::Reg(2), BSrc::Ind(*table as i64))
                                    .width(8)
                                    .flow(Flow::SetPc(0)),
                            ),
                            comment,
                        );
                        out.label(*ret_label);
                        bias = pop_saves(out, saves, alloc, &handoff);
                        spill_reload(out, i, alloc, false);
                    }
                    VInst::Ret { ra, .. } => {
                        let b = match ra {
                            Some(v) => loc_b(alloc.loc(*v)),
                            None => BSrc::Reg(1),
                        };
                        let ret = if opts.upstream_returns {
                            OpInst::new(Op::And, ASrc::Imm(lit(!1)), b)
                        } else {
                            OpInst::new(Op::CopyB, ASrc::Imm(lit(0)), b)
                        };
                        out.op(ret.flow(Flow::SetPc(0)));
                    }
                    VInst::Jump(l) => {
                        let l = alias.get(l).copied().unwrap_or(*l);
                        if i + 1 == block.end && next_label == Some(l) {
                            break 'inst;
                        }
                        if block.edge {
                            // Only there because moves remain on the edge.
                            out.alloc_inst(InstKind::Jump(l), comment);
                        } else {
                            out.inst(InstKind::Jump(l), comment);
                        }
                    }
                    VInst::RetToBios => {
                        out.inst(InstKind::RetToBios, comment);
                    }
                    VInst::ParMove(moves) => {
                        for (b, s) in par_moves(moves, alloc) {
                            mov(out, b, s);
                        }
                    }
                }
            }
            for item in out.items.since_mut(first) {
                if let Item::Inst { srcloc, .. } = item {
                    *srcloc = vc.srclocs[i];
                }
            }
        }
    }
    // The paths of accesses whose address's raw value failed its check ([`Wrapped`]): the
    // value zero-extended into `r2` and checked, the access again from `r2`, back.
    for w in &vc.wrapped {
        out.label(w.label);
        let raw = a_of(&VA::V(w.raw));
        out.op(OpInst::new(Op::And, raw, BSrc::Imm(lit(0xffff_ffff))).to(Store::Reg(2)));
        out.op(
            OpInst::new(Op::Leu, a_of(&w.bound), BSrc::Reg(2)).flow(Flow::Branch {
                taken: Target::Label(w.trap),
                not_taken: Target::Offset(4),
            }),
        );
        for inst in &w.access {
            let VInst::Op {
                op,
                a,
                b,
                store,
                width,
                flow,
            } = inst
            else {
                unreachable!("an access is operations");
            };
            let a = if *a == VA::V(w.raw) {
                ASrc::Reg(2)
            } else {
                a_of(a)
            };
            let mut o = OpInst::new(*op, a, b_of(b)).to(s_of(store)).flow(*flow);
            o.ind_width = *width;
            out.inst(InstKind::Op(o), None);
        }
        out.inst(InstKind::Jump(w.back), None);
    }
    // The jump tables, `const` data in ROM (read like RAM, and written by nothing: no code
    // at `_start` copies them anywhere).
    for (table, labels) in &vc.tables {
        out.data(DataDecl {
            name: *table,
            is_const: true,
            words: labels.iter().map(|&l| Value::Sym(l, 0)).collect(),
            len: labels.len(),
        });
    }
}

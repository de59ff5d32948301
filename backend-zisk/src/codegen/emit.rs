//! Emission: a function's [`VCode`] with its [`Allocation`] into the [`Program`].
//!
//! Copies whose source and destination got the same location vanish (unless the next
//! instruction reads `lastc`, which the copy sets); an edge block whose moves all vanished
//! vanishes too, its branches going straight to its target; a jump to the block emitted next
//! falls through. Parallel moves are sequentialized with `r2` as the cycle breaker; re-entering
//! calls push and pop their saves on the software stack, leaving out the pushes whose slot still
//! holds the value since the block's previous call ([`still_saved`]); other calls store the
//! registers they clobber of split live ranges to their home slots and load them back.

use std::collections::HashMap;

use zkc_ir::{EntityRef, FuncDef, Module, TrapCode};
use zkc_regalloc_mem::{Allocation, Loc, VReg};

use super::allocate::Selected;
use super::layout::Layout;
use super::trap_label;
use super::vcode::{MoveSrc, VCode, VInst, VA, VB, VS};
use super::SP_REG;
use crate::mem_map::*;
use crate::program::{Flow, InstKind, Item, OpInst, Program, Target, Value};
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

/// Pushes `saves` on the software stack (checking its limit) or pops them back. `kept`
/// ([`still_saved`]) tells which pushes the stack already holds and whether the limit was
/// checked for at least as many bytes: those are left out.
fn save_restore(out: &mut Program, saves: &[VReg], alloc: &Allocation, push: bool, kept: &Kept) {
    if saves.is_empty() {
        return;
    }
    let n = 8 * saves.len() as u64;
    if push {
        if !kept.checked {
            let limit = RAM_ADDR + STACK_SIZE - n;
            alloc_op(
                out,
                OpInst::new(Op::Ltu, ASrc::Imm(lit(limit)), BSrc::Reg(SP_REG))
                    .branch(&trap_label(TrapCode::StackOverflow)),
            );
        }
        for (i, &v) in saves.iter().enumerate() {
            if kept.slots.get(i) == Some(&true) {
                continue;
            }
            alloc_op(
                out,
                OpInst::new(Op::CopyB, ASrc::Reg(SP_REG), loc_b(alloc.loc(v)))
                    .to(Store::Ind(8 * i as i64))
                    .width(8),
            );
        }
        alloc_op(
            out,
            OpInst::new(Op::Add, ASrc::Reg(SP_REG), BSrc::Imm(lit(n))).to(Store::Reg(SP_REG)),
        );
    } else {
        alloc_op(
            out,
            OpInst::new(Op::Add, ASrc::Reg(SP_REG), BSrc::Imm(lit(n.wrapping_neg())))
                .to(Store::Reg(SP_REG)),
        );
        for (i, &v) in saves.iter().enumerate() {
            alloc_op(
                out,
                OpInst::new(Op::CopyB, ASrc::Reg(SP_REG), BSrc::Ind(8 * i as i64))
                    .to(loc_s(alloc.loc(v)))
                    .width(8),
            );
        }
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
fn still_saved(vc: &VCode, start: usize, i: usize, alloc: &Allocation) -> Kept {
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

/// Every function of the module, in its order: the allocated ones, and for an import that is
/// not a machine import (`zisk.*`, lowered at its call sites) a stub that traps as
/// unreachable (only an error if called). The functions of each group of [`EMIT_GROUP`] are
/// emitted on rayon's threads, each into a program of its own, and appended in the module's
/// order (the same program whatever the number of threads); each function's code and
/// allocation are freed once it is emitted, and only one group's programs wait to be joined.
pub(crate) fn emit_functions(module: &Module, layout: &Layout, funcs: Selected) -> Program {
    use rayon::prelude::*;
    let mut out = Program::default();
    let mut funcs = funcs.into_iter();
    let decls: Vec<_> = module.funcs.iter().collect();
    for group in decls.chunks(EMIT_GROUP) {
        let selected: Vec<_> = funcs.by_ref().take(group.len()).collect();
        let parts: Vec<Program> = (group.par_iter().zip(selected))
            .map(|(&(id, f), selected)| {
                let mut out = Program::default();
                let label = &layout.func_labels[id.index()];
                match &f.def {
                    FuncDef::Body(_) => {
                        let (vc, alloc) = selected.expect("selected");
                        emit(&vc, &alloc, label, &f.name, &mut out);
                    }
                    FuncDef::Import(name) if name.module != "zisk" => {
                        out.function(label, &f.name);
                        out.inst(
                            InstKind::Jump(trap_label(TrapCode::Unreachable)),
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
            out.functions.append(&mut part.functions);
        }
    }
    out
}

/// Functions emitted side by side before their code joins the program.
const EMIT_GROUP: usize = 64;

/// Writes the function's code with the allocation's locations.
pub(crate) fn emit(vc: &VCode, alloc: &Allocation, label: &str, name: &str, out: &mut Program) {
    out.function(label, name);
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
    let mut alias: HashMap<&str, &str> = HashMap::new();
    let mut skip = vec![false; vc.blocks.len()];
    for (k, block) in vc.blocks.iter().enumerate() {
        if let [VInst::ParMove(m), VInst::Jump(t)] = &vc.insts[block.start..block.end] {
            let entered_by_fallthrough = !block.edge && (k == 0 || falls_through(k - 1));
            if !entered_by_fallthrough && par_moves(m, alloc).is_empty() && *t != block.label {
                alias.insert(&block.label, t);
                skip[k] = !vc.table_labels.contains(&block.label);
            }
        }
    }
    // Resolve chains; a cycle of bare jumps (an empty infinite loop) stays as it is.
    let keys: Vec<&str> = alias.keys().copied().collect();
    for l in keys {
        let mut t = alias[l];
        let mut n = 0;
        while let Some(&u) = alias.get(t) {
            t = u;
            n += 1;
            if n > alias.len() {
                break;
            }
        }
        if n > alias.len() {
            alias.remove(l);
            if let Some(k) = vc.blocks.iter().position(|b| b.label == l) {
                skip[k] = false;
            }
        } else {
            alias.insert(l, t);
        }
    }
    let retarget = |t: &Target| match t {
        Target::Label(l) => match alias.get(l.as_str()) {
            Some(a) => Target::Label(a.to_string()),
            None => t.clone(),
        },
        t => t.clone(),
    };
    let a_of = |a: &VA| match a {
        VA::V(v) => loc_a(alloc.loc(*v)),
        VA::C => ASrc::C,
        VA::Imm(x) => ASrc::Imm(x.clone()),
        VA::Reg(r) => ASrc::Reg(*r),
        VA::Mem(x) => ASrc::Mem(x.clone()),
    };
    let b_of = |b: &VB| match b {
        VB::V(v) => loc_b(alloc.loc(*v)),
        VB::C => BSrc::C,
        VB::Imm(x) => BSrc::Imm(x.clone()),
        VB::Reg(r) => BSrc::Reg(*r),
        VB::Mem(x) => BSrc::Mem(x.clone()),
        VB::Ind(o) => BSrc::Ind(*o),
    };
    let s_of = |s: &VS| match s {
        VS::V(v) => loc_s(alloc.loc(*v)),
        VS::None => Store::None,
        VS::Reg(r) => Store::Reg(*r),
        VS::Mem(x) => Store::Mem(x.clone()),
        VS::Ind(o) => Store::Ind(*o),
    };
    let emitted: Vec<usize> = (0..vc.blocks.len()).filter(|&k| !skip[k]).collect();
    let no_saves = Vec::new();
    for (e, &k) in emitted.iter().enumerate() {
        let block = &vc.blocks[k];
        let next_label = emitted.get(e + 1).map(|&n| vc.blocks[n].label.as_str());
        out.label(&block.label);
        for i in block.start..block.end {
            let comment = vc.comments[i].as_deref();
            let first = out.items.len();
            'inst: {
                match &vc.insts[i] {
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
                            f => f.clone(),
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
                        out.label(l);
                    }
                    VInst::Call { label: target, .. } => {
                        let saves = alloc.call_saves.get(&i).unwrap_or(&no_saves);
                        let kept = still_saved(vc, block.start, i, alloc);
                        spill_reload(out, i, alloc, true);
                        save_restore(out, saves, alloc, true, &kept);
                        out.inst(InstKind::Call(target.clone()), comment);
                        save_restore(out, saves, alloc, false, &kept);
                        spill_reload(out, i, alloc, false);
                    }
                    VInst::CallInd {
                        table, ret_label, ..
                    } => {
                        let saves = alloc.call_saves.get(&i).unwrap_or(&no_saves);
                        let kept = still_saved(vc, block.start, i, alloc);
                        spill_reload(out, i, alloc, true);
                        save_restore(out, saves, alloc, true, &kept);
                        out.op(OpInst::new(
                            Op::CopyB,
                            ASrc::Imm(lit(0)),
                            BSrc::Imm(Value::Sym(ret_label.clone(), 0)),
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
                        out.label(ret_label);
                        save_restore(out, saves, alloc, false, &kept);
                        spill_reload(out, i, alloc, false);
                    }
                    VInst::Ret { ra, .. } => {
                        let b = match ra {
                            Some(v) => loc_b(alloc.loc(*v)),
                            None => BSrc::Reg(1),
                        };
                        out.op(OpInst::new(Op::And, ASrc::Imm(lit(!1)), b).flow(Flow::SetPc(0)));
                    }
                    VInst::Jump(l) => {
                        let l = alias.get(l.as_str()).copied().unwrap_or(l);
                        if i + 1 == block.end && next_label == Some(l) {
                            break 'inst;
                        }
                        if block.edge {
                            // Only there because moves remain on the edge.
                            out.alloc_inst(InstKind::Jump(l.to_string()), comment);
                        } else {
                            out.inst(InstKind::Jump(l.to_string()), comment);
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
            for item in &mut out.items[first..] {
                if let Item::Inst { srcloc, .. } = item {
                    *srcloc = vc.srclocs[i];
                }
            }
        }
    }
}

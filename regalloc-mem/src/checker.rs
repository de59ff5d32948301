//! A symbolic checker of allocations (after regalloc2's `checker.rs`): it verifies that every
//! use of a vreg finds that vreg's current value in the vreg's location.
//!
//! The abstract state maps each location (register or slot) to the set of vregs whose current
//! value it holds. A def of `v` puts `{v}` in `v`'s location and removes `v` from every other
//! location; a copy makes its destination hold what its source holds (plus the destination
//! vreg); a fixed-register write empties the register; a call empties its callee's clobbers,
//! or, when it may re-enter, every location, and then restores its saved vregs; spills around
//! a call copy a register to its home slot before and back after. States meet by
//! intersection at block entries, iterated to a fixed point. Slots are checked as offsets
//! (before [`Allocation::rebase_slots`](crate::Allocation::rebase_slots)).
//!
//! [`check`] trusts each call's [`CallInfo`](crate::CallInfo): what the callee clobbers is a
//! whole-program fact. [`check_summaries`] checks those facts: every call that does not
//! re-enter its caller declares at least the registers and slots that any function it may
//! reach, transitively, writes.

use std::collections::{BTreeSet, HashMap};

use crate::{regs_of, AllocFunction, Allocation, Loc, Operand, VReg};

/// An allocation bug: at instruction `inst`, what went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckError {
    pub inst: usize,
    pub msg: String,
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "inst {}: {}", self.inst, self.msg)
    }
}

type State = HashMap<Loc, BTreeSet<VReg>>;

fn meet(a: &mut State, b: &State) -> bool {
    let before = a.len() + a.values().map(|s| s.len()).sum::<usize>();
    a.retain(|l, s| match b.get(l) {
        Some(t) => {
            s.retain(|v| t.contains(v));
            !s.is_empty()
        }
        None => false,
    });
    before != a.len() + a.values().map(|s| s.len()).sum::<usize>()
}

fn holds(st: &State, l: Loc, v: VReg) -> bool {
    st.get(&l).is_some_and(|s| s.contains(&v))
}

fn forget(st: &mut State, v: VReg) {
    for s in st.values_mut() {
        s.remove(&v);
    }
}

/// Checks `alloc` against `f`.
pub fn check(f: &impl AllocFunction, alloc: &Allocation) -> Result<(), CheckError> {
    let nb = f.num_blocks();
    if nb == 0 {
        return Ok(());
    }
    let mut inn: Vec<Option<State>> = vec![None; nb];
    inn[0] = Some(State::new());
    let mut work = vec![0usize];
    let mut queued = vec![false; nb];
    queued[0] = true;
    while let Some(b) = work.pop() {
        queued[b] = false;
        let mut st = inn[b].clone().expect("visited block");
        for i in f.block_insts(b) {
            step(f, alloc, i, &mut st)?;
        }
        for &s in f.block_succs(b) {
            let changed = match &mut inn[s] {
                Some(x) => meet(x, &st),
                x @ None => {
                    *x = Some(st.clone());
                    true
                }
            };
            if changed && !queued[s] {
                queued[s] = true;
                work.push(s);
            }
        }
    }
    Ok(())
}

fn step(
    f: &impl AllocFunction,
    alloc: &Allocation,
    i: usize,
    st: &mut State,
) -> Result<(), CheckError> {
    let err = |msg: String| Err(CheckError { inst: i, msg });
    let (mut uses, mut defs, mut mv) = (Vec::new(), Vec::new(), Vec::new());
    f.inst_uses(i, &mut uses);
    f.inst_defs(i, &mut defs);
    f.inst_moves(i, &mut mv);
    for &u in &uses {
        let l = alloc.loc(u);
        if !holds(st, l, u) {
            return err(format!("{u} is not in its location {l}"));
        }
    }
    let rdefs = f.inst_reg_defs(i);
    // Copies read the state before the instruction.
    let loc_of = |o: Operand| match o {
        Operand::V(v) => alloc.loc(v),
        Operand::R(r) => Loc::Reg(r),
    };
    let copied: Vec<(Operand, BTreeSet<VReg>)> = mv
        .iter()
        .map(|&(s, d)| {
            let mut set = st.get(&loc_of(s)).cloned().unwrap_or_default();
            if let Operand::V(v) = d {
                set.insert(v);
            }
            (d, set)
        })
        .collect();
    if let Some(c) = f.call_info(i) {
        if c.reenters {
            let saves = alloc.call_saves.get(&i).map(|s| &s[..]).unwrap_or(&[]);
            for &v in saves {
                if !holds(st, alloc.loc(v), v) {
                    return err(format!("saved {v} is not in its location"));
                }
            }
            // A save restores its location's whole contents.
            let before = std::mem::take(st);
            for &v in saves {
                let l = alloc.loc(v);
                if matches!(l, Loc::Reg(r) if rdefs >> r & 1 != 0) {
                    return err(format!("restoring {v} overwrites a result in {l}"));
                }
                st.insert(l, before[&l].clone());
            }
        } else {
            // Spills store registers to their home slots, which the call must leave alone.
            let spills = alloc.call_spills.get(&i).map(|s| &s[..]).unwrap_or(&[]);
            for &(v, home) in spills {
                let l = alloc.loc(v);
                if !holds(st, l, v) {
                    return err(format!("spilled {v} is not in its location"));
                }
                let held = st[&l].clone();
                st.insert(Loc::Slot(home), held);
            }
            for r in regs_of(c.clobbers) {
                st.remove(&Loc::Reg(r));
            }
            let limit = 8 * c.slot_clobbers as u64;
            st.retain(|l, _| !matches!(l, Loc::Slot(o) if *o < limit));
            for &(v, home) in spills {
                let l = alloc.loc(v);
                if matches!(l, Loc::Reg(r) if rdefs >> r & 1 != 0) {
                    return err(format!("reloading {v} overwrites a result in {l}"));
                }
                match st.get(&Loc::Slot(home)).cloned() {
                    Some(held) => st.insert(l, held),
                    None => return err(format!("the call clobbers {v}'s home slot {home}")),
                };
            }
        }
    }
    for r in regs_of(rdefs) {
        st.remove(&Loc::Reg(r));
    }
    for &d in &defs {
        forget(st, d);
    }
    for &d in &defs {
        if !mv.iter().any(|&(_, x)| x == Operand::V(d)) {
            st.insert(alloc.loc(d), BTreeSet::from([d]));
        }
    }
    for (d, set) in copied {
        st.insert(loc_of(d), set);
    }
    Ok(())
}

/// One function of a whole program, for [`check_summaries`]: its code and allocation, and per
/// call instruction the functions it may call (an indirect call: every possible target).
pub struct ProgramFunction<'a, F> {
    pub code: &'a F,
    pub alloc: &'a Allocation,
    pub calls: Vec<(usize, Vec<usize>)>,
}

/// Checks the clobber summaries of calls (see the module docs). Functions are indices into
/// `funcs`; `None` is a function without code (an import lowered elsewhere), writing nothing
/// the allocator hands out. Slots are offsets from the shared slot area (the coloring
/// allocator's), checked against each call's `slot_clobbers`.
pub fn check_summaries<F: AllocFunction>(
    funcs: &[Option<ProgramFunction<'_, F>>],
) -> Result<(), String> {
    // What each function writes itself: its vregs' registers, its fixed-register defs, its
    // slots; then, to a fixed point, what its callees write.
    let mut writes: Vec<(crate::RegSet, u32)> = funcs
        .iter()
        .map(|f| {
            f.as_ref().map_or((0, 0), |f| {
                let mut regs = (0..f.code.num_blocks())
                    .flat_map(|b| f.code.block_insts(b))
                    .fold(0, |r, i| r | f.code.inst_reg_defs(i));
                for l in &f.alloc.locs {
                    if let Loc::Reg(r) = l {
                        regs |= 1 << r;
                    }
                }
                (regs, f.alloc.num_slots)
            })
        })
        .collect();
    let mut changed = true;
    while changed {
        changed = false;
        for (k, f) in funcs.iter().enumerate() {
            let Some(f) = f else { continue };
            for (_, targets) in &f.calls {
                for &t in targets {
                    let (r, s) = writes[t];
                    let w = &mut writes[k];
                    if r & !w.0 != 0 || s > w.1 {
                        *w = (w.0 | r, w.1.max(s));
                        changed = true;
                    }
                }
            }
        }
    }
    for (k, f) in funcs.iter().enumerate() {
        let Some(f) = f else { continue };
        for (i, targets) in &f.calls {
            let Some(c) = f.code.call_info(*i).filter(|c| !c.reenters) else {
                continue;
            };
            for &t in targets {
                let (r, s) = writes[t];
                if r & !c.clobbers != 0 {
                    return Err(format!(
                        "function {k}, inst {i}: the call may reach function {t}, which writes \
                         registers {:?} the call does not declare",
                        regs_of(r & !c.clobbers).collect::<Vec<_>>()
                    ));
                }
                if s > c.slot_clobbers {
                    return Err(format!(
                        "function {k}, inst {i}: the call may reach function {t}, which writes \
                         slots up to {s}, above the declared {}",
                        c.slot_clobbers
                    ));
                }
            }
        }
    }
    Ok(())
}

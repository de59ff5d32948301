//! Mutable globals (above all the shadow stack pointer every C/Rust module has) kept in SSA
//! values within a block: a `global.get` after a `global.get` or `global.set` of the same global,
//! with no call in between, reads the known value; a `global.set` overwritten by a later one
//! before anything could observe it (a call, an instruction that may trap, the end of the
//! block) is dropped, and so is a `global.set` of the value the global is known to hold. Only calls change globals, so the forwarding needs no other care.
//! Block-local for now: the cross-block version needs SSA construction over the CFG, and the
//! inliner already puts the usual prologue/epilogue pairs into one block.

use crate::util::{Aliases, FunctionPass};
use std::collections::BTreeMap;
use zkc_ir::{Function, GlobalId, Inst, Module, Op, Value};

pub fn pass(_: &Module) -> FunctionPass {
    Box::new(|f, r| {
        let (gets, sets) = promote(f);
        r.add("gets forwarded", gets as u64);
        r.add("sets removed", sets as u64);
    })
}

/// Whether `op` could let someone see the globals' values (or change them).
fn observes(op: &Op) -> bool {
    !op.is_pure()
        && !matches!(
            op,
            Op::GlobalGet(_) | Op::GlobalSet(_) | Op::MemorySize | Op::TableSize(_)
        )
}

fn promote(f: &mut Function) -> (usize, usize) {
    let mut aliases = Aliases::new();
    let (mut gets, mut sets) = (0, 0);
    for bi in 0..f.layout.len() {
        let b = f.layout[bi];
        let insts = std::mem::take(&mut f.blocks[b].insts);
        let mut known: BTreeMap<GlobalId, Value> = BTreeMap::new();
        let mut pending: BTreeMap<GlobalId, usize> = BTreeMap::new();
        let mut drop = vec![false; insts.len()];
        for (k, &i) in insts.iter().enumerate() {
            let op = f.insts[i].op.clone();
            match op {
                Op::GlobalGet(g) => {
                    let r = f.insts[i].results[0];
                    if let Some(&v) = known.get(&g) {
                        aliases.set(r, v);
                        drop[k] = true;
                        gets += 1;
                    } else {
                        known.insert(g, r);
                    }
                }
                Op::GlobalSet(g) => {
                    let v = aliases.resolve(f.insts[i].args[0]);
                    if known.get(&g) == Some(&v) {
                        // The global holds this value already.
                        drop[k] = true;
                        sets += 1;
                        continue;
                    }
                    if let Some(prev) = pending.insert(g, k) {
                        drop[prev] = true;
                        sets += 1;
                    }
                    known.insert(g, v);
                }
                Op::Call(_) | Op::CallIndirect { .. } => {
                    known.clear();
                    pending.clear();
                }
                ref op if observes(op) => pending.clear(),
                _ => {}
            }
        }
        let kept: Vec<Inst> = insts
            .iter()
            .zip(&drop)
            .filter(|(_, d)| !**d)
            .map(|(&i, _)| i)
            .collect();
        f.blocks[b].insts = kept;
    }
    aliases.apply(f);
    (gets, sets)
}

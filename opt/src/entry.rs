//! `entry-values`: the value a mutable global holds when a function of a linked program is
//! entered, where every way into the function brings the same constant. Above all the shadow
//! stack pointer: C and Rust code compute their stack frames from it, so in the function
//! `main` is inlined into (entered once, from the program's entry, with the global at its
//! initial value) every stack address becomes a constant. Constant addresses need no bounds
//! check when they lie inside the initial memory (the backend proves that at compile time),
//! fold into the memory operand, and are told apart from other constant addresses, so that
//! `forward` can bring a value stored to a stack slot (an inlined `__multi3`'s 128-bit result
//! behind its return pointer) back to the load that reads it past stores to the program's data.
//!
//! **Why it holds.** Only [`Module::program_entry`] enters a linked program, once, with every
//! global at its initial value; its exports are reached only by the program's own calls. A
//! function is entered by its direct calls alone when no element segment, `ref.func` or
//! constant expression names it, it is not the entry, and it is not recursive (no call
//! graph cycle through it). Functions are visited callers first; at each call site the global's
//! value is known when the call sits in the caller's entry block (which no branch enters)
//! and, from the caller's own entry value, only `global.set`s of constants or of `+ - * & | ^`
//! of known values come before it: a call before it may have changed the global (callees
//! restore the stack pointer, but nothing here proves it). When every call site brings the same
//! value, the `global.get`s of the function's entry block before any `global.set` of the
//! global or any call read that value and become that constant.
//!
//! Interprocedural constant propagation of this kind is classic (Callahan, Cooper, Kennedy and
//! Torczon, "Interprocedural constant propagation", 1986); this is its smallest useful case.

use crate::util::const_of;
use crate::PassReport;
use std::collections::HashMap;
use zkc_ir::callgraph::sccs;
use zkc_ir::{
    semantics, ConstExpr, EntityRef, FuncId, Function, GlobalId, GlobalInit, Inst, Module, Op,
    Type, Value,
};

pub fn run(m: &mut Module) -> PassReport {
    let mut r = PassReport::new("entry-values");
    let Some(entry) = m.program_entry() else {
        return r;
    };
    let n = m.funcs.len();
    let ids: Vec<FuncId> = m.funcs.iter().map(|(id, _)| id).collect();
    // Entered otherwise than by a direct call: through a table or a reference.
    let mut referenced = vec![false; n];
    for (_, e) in m.elems.iter() {
        for f in e.items.iter().flatten() {
            referenced[f.index()] = true;
        }
    }
    for (_, g) in m.globals.iter() {
        if let GlobalInit::Const(ConstExpr::RefFunc(f)) = g.init {
            referenced[f.index()] = true;
        }
    }
    // Each body's calls (callee, instruction) and `ref.func`s, read side by side.
    type Reads = (Vec<(FuncId, Inst)>, Vec<FuncId>);
    let reads: Vec<Reads> = {
        use rayon::prelude::*;
        (m.funcs.values().collect::<Vec<_>>().par_iter())
            .map(|d| {
                let (mut calls, mut refs) = (Vec::new(), Vec::new());
                let Some(f) = d.body() else {
                    return (calls, refs);
                };
                for &b in &f.layout {
                    for &i in &f.blocks[b].insts {
                        match f.insts[i].op {
                            Op::Call(g) => calls.push((g, i)),
                            Op::RefFunc(g) => refs.push(g),
                            _ => {}
                        }
                    }
                }
                (calls, refs)
            })
            .collect()
    };
    let mut succs = vec![Vec::new(); n];
    let mut calls: Vec<Vec<(FuncId, Inst)>> = vec![Vec::new(); n];
    for (&id, (cs, refs)) in ids.iter().zip(reads) {
        for (g, i) in cs {
            succs[id.index()].push(g.index());
            calls[g.index()].push((id, i));
        }
        for g in refs {
            referenced[g.index()] = true;
        }
    }
    let comp = sccs(&succs);
    let mut size = HashMap::new();
    for &c in &comp {
        *size.entry(c).or_insert(0) += 1;
    }
    let recursive = |f: usize| size[&comp[f]] > 1 || succs[f].contains(&f);
    // Callers first: a component's callees have smaller ids.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&f| std::cmp::Reverse(comp[f]));

    let globals: Vec<(GlobalId, Type, u64)> = m
        .globals
        .iter()
        .filter(|(_, g)| g.mutable && g.ty.is_int())
        .filter_map(|(id, g)| match g.init {
            GlobalInit::Const(ConstExpr::Value { ty, bits }) => Some((id, ty, bits)),
            _ => None,
        })
        .collect();
    for (g, ty, init) in globals {
        let mut at_entry: Vec<Option<u64>> = vec![None; n];
        let mut scans: Vec<Option<Scan>> = (0..n).map(|_| None).collect();
        if calls[entry.index()].is_empty() && !referenced[entry.index()] {
            at_entry[entry.index()] = Some(init);
        }
        for &f in &order {
            if f == entry.index() || referenced[f] || recursive(f) || calls[f].is_empty() {
                continue;
            }
            // The callers' entry values are final (callers first): scan each caller once.
            let mut first = None;
            let mut same = true;
            for &(p, call) in &calls[f] {
                let scan = scans[p.index()].get_or_insert_with(|| {
                    let body = m.funcs[p].body().expect("a caller has a body");
                    Scan::of(body, g, at_entry[p.index()])
                });
                let v = scan.at_calls.get(&call).copied();
                if v.is_none() || (first.is_some() && v != first) {
                    same = false;
                    break;
                }
                first = v;
            }
            if same {
                at_entry[f] = first;
            }
        }
        for &id in &ids {
            let (Some(c), Some(f)) = (at_entry[id.index()], m.funcs[id].body_mut()) else {
                continue;
            };
            if id == entry {
                continue;
            }
            let gets = Scan::of(f, g, None).gets;
            for &i in &gets {
                f.insts[i].op = Op::Const { ty, bits: c };
            }
            r.add("global reads made constant", gets.len() as u64);
            if !gets.is_empty() {
                r.add("arithmetic folded", fold(f) as u64);
            }
        }
    }
    r
}

/// What one walk of a function's entry block, when no branch enters it, finds of `g`: the
/// value it holds before each call there, where known, and the `global.get`s that read the
/// value it had on entry.
struct Scan {
    at_calls: HashMap<Inst, u64>,
    gets: Vec<Inst>,
}

impl Scan {
    /// The walk of `f`'s entry block with `g` holding `entry` there (`None`: unknown).
    fn of(f: &Function, g: GlobalId, entry: Option<u64>) -> Scan {
        let mut scan = Scan {
            at_calls: HashMap::new(),
            gets: Vec::new(),
        };
        let Some(&b0) = f.layout.first() else {
            return scan;
        };
        let entered = f.layout.iter().any(|&b| {
            f.blocks[b]
                .term
                .as_ref()
                .is_some_and(|t| t.targets().any(|c| c.block == b0))
        });
        if entered {
            return scan;
        }
        let mut known: HashMap<Value, u64> = HashMap::new();
        let mut current = entry;
        let mut untouched = true;
        for &i in &f.blocks[b0].insts {
            let d = &f.insts[i];
            let arg = |k: usize| known.get(&d.args[k]).copied();
            let value = match d.op {
                Op::Const { bits, .. } => Some(bits),
                Op::GlobalGet(h) if h == g => {
                    if untouched {
                        scan.gets.push(i);
                    }
                    current
                }
                Op::GlobalSet(h) if h == g => {
                    current = arg(0);
                    untouched = false;
                    None
                }
                Op::Binary { op, ty } => match (arg(0), arg(1)) {
                    (Some(a), Some(b)) => semantics::fold_binary(op, ty, a, b),
                    _ => None,
                },
                Op::Call(_) | Op::CallIndirect { .. } => {
                    if let Some(c) = current {
                        scan.at_calls.insert(i, c);
                    }
                    current = None;
                    untouched = false;
                    None
                }
                _ => None,
            };
            if let (Some(v), Some(&r)) = (value, d.results.first()) {
                known.insert(r, v);
            }
        }
        scan
    }
}

/// Folds the integer arithmetic whose operands are all constants into constants, to a fixed
/// point, so that the stack addresses computed from a constant stack pointer are constants for
/// the passes that run before the e-graph (which folds the rest of the program's constants).
fn fold(f: &mut Function) -> usize {
    let mut folded = 0;
    loop {
        let mut changed = false;
        for bi in 0..f.layout.len() {
            let b = f.layout[bi];
            for k in 0..f.blocks[b].insts.len() {
                let i = f.blocks[b].insts[k];
                let Op::Binary { op, ty } = f.insts[i].op else {
                    continue;
                };
                let args = &f.insts[i].args;
                let (Some(a), Some(c)) = (const_of(f, args[0]), const_of(f, args[1])) else {
                    continue;
                };
                if let Some(bits) = semantics::fold_binary(op, ty, a, c) {
                    f.insts[i].op = Op::Const { ty, bits };
                    f.insts[i].args.clear();
                    folded += 1;
                    changed = true;
                }
            }
        }
        if !changed {
            return folded;
        }
    }
}

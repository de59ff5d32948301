//! `devirt`: a `call_indirect` at a constant index into a table nothing ever writes is a direct
//! `call` (or is left alone when the entry is null, out of bounds or of another signature: it
//! traps at run time as before).
//!
//! A table's contents are known when it is defined by the module (not imported), no
//! instruction writes it (`table.set`, `table.fill`, `table.grow`, `table.init`, `table.copy`
//! into it) and its active element segments have constant offsets inside its initial size:
//! then every entry is what the segments, applied in order, put there (wasm 2.0 §4.5.4
//! instantiation, steps 14–15). A direct call is cheaper (no bounds or signature check, no
//! jump through the table), lets `inline` see the callee, and gives the backend a precise call
//! graph: its recursive components and per-function clobbers no longer include every function
//! of the signature.

use crate::util::const_of;
use crate::PassReport;
use zkc_ir::{ConstExpr, ElemMode, EntityRef, FuncId, Module, Op};

/// The contents of each table that never changes.
fn fixed_tables(m: &Module) -> Vec<Option<Vec<Option<FuncId>>>> {
    let mut tables: Vec<Option<Vec<Option<FuncId>>>> = m
        .tables
        .iter()
        .map(|(_, t)| t.import.is_none().then(|| vec![None; t.min as usize]))
        .collect();
    for (_, d) in m.funcs.iter() {
        let Some(f) = d.body() else { continue };
        for (_, inst) in f.insts.iter() {
            let written = match inst.op {
                Op::TableSet(t) | Op::TableFill(t) | Op::TableGrow(t) => t,
                Op::TableInit { table, .. } => table,
                Op::TableCopy { dst, .. } => dst,
                _ => continue,
            };
            tables[written.index()] = None;
        }
    }
    for (_, e) in m.elems.iter() {
        let ElemMode::Active { table, offset } = &e.mode else {
            continue;
        };
        let t = &mut tables[table.index()];
        let Some(entries) = t else { continue };
        let start = match offset {
            ConstExpr::Value { bits, .. } => *bits as u32 as usize,
            _ => usize::MAX,
        };
        match start.checked_add(e.items.len()) {
            Some(end) if end <= entries.len() => entries[start..end].copy_from_slice(&e.items),
            _ => *t = None,
        }
    }
    tables
}

pub fn run(m: &mut Module) -> PassReport {
    let mut r = PassReport::new("devirt");
    let tables = fixed_tables(m);
    let sigs = m.sigs.clone();
    let func_sigs: Vec<_> = m.funcs.iter().map(|(_, d)| d.sig.clone()).collect();
    crate::util::for_each_body(
        m,
        &mut r,
        Box::new(move |f, r| {
            let insts: Vec<_> = f.insts.keys().collect();
            for i in insts {
                let Op::CallIndirect { table, sig } = f.insts[i].op else {
                    continue;
                };
                let Some(&index) = f.insts[i].args.last() else {
                    continue;
                };
                let Some(k) = const_of(f, index) else {
                    continue;
                };
                let callee = tables[table.index()]
                    .as_ref()
                    .and_then(|entries| entries.get(k as u32 as usize).copied().flatten())
                    .filter(|g| func_sigs[g.index()] == sigs[sig]);
                if let Some(g) = callee {
                    let data = &mut f.insts[i];
                    data.op = Op::Call(g);
                    data.args.pop();
                    r.add("calls made direct", 1);
                }
            }
        }),
    );
    r
}

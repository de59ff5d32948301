//! The text of the backend's stages for `--dump-after`: the code over vregs after `isel` and
//! `hoist`, each function's allocation and allocated code after `regalloc` (the whole
//! program's assembly after `emit` is [`crate::write_asm`]'s). Operands are written in the
//! assembly's syntax ([`crate::asm`]), vregs as `vN`.

use std::collections::HashMap;
use std::fmt::Write;

use zkc_ir::{EntityRef, Module};
use zkc_regalloc_mem::Allocation;

use super::allocate::Selected;
use super::layout::Layout;
use super::vcode::{MoveSrc, VCode, VInst, VA, VB, VS};
use super::{emit, CodegenOptions, ALLOCATABLE};
use crate::asm::{op_text, Writer};
use crate::program::{Program, Sym, Symbols};

/// Every selected function's code over vregs (`isel`, `hoist`).
pub(crate) fn selected(
    module: &Module,
    layout: &Layout,
    names: &Symbols,
    vcs: &[Option<VCode>],
) -> String {
    let mut out = String::new();
    for (id, f) in module.funcs.iter() {
        if let Some(vc) = &vcs[id.index()] {
            let label = layout.func_labels[id.index()];
            selected_function(&mut out, module, &f.name, vc, names, label);
        }
    }
    out
}

/// Every function's allocation and allocated code (`regalloc`).
pub(crate) fn allocated(
    module: &Module,
    layout: &Layout,
    names: &mut Symbols,
    funcs: &Selected,
    opts: &CodegenOptions,
) -> String {
    let mut out = String::new();
    for (id, f) in module.funcs.iter() {
        if let Some((vc, alloc)) = &funcs[id.index()] {
            let label = layout.func_labels[id.index()];
            allocated_function(
                &mut out, module, &f.name, vc, alloc, layout, names, label, opts,
            );
        }
    }
    out
}

fn selected_function(
    out: &mut String,
    m: &Module,
    name: &str,
    vc: &VCode,
    names: &Symbols,
    label: Sym,
) {
    let _ = writeln!(
        out,
        "; function @{name}: {} vregs, {} blocks",
        vc.num_vregs,
        vc.blocks.len()
    );
    let _ = writeln!(out, "{}:", names.name(label));
    let empty = rustc_hash::FxHashMap::default();
    let w = Writer {
        names,
        aliases: &empty,
        tables: &Default::default(),
    };
    for b in &vc.blocks {
        if b.label != label {
            let edge = if b.edge { " ; edge" } else { "" };
            let _ = writeln!(out, "{}:{edge}", names.name(b.label));
        }
        for i in b.start..b.end {
            match &vc.insts[i] {
                VInst::Label(l) => {
                    let _ = writeln!(out, "{}:", names.name(*l));
                    continue;
                }
                inst => {
                    out.push('\t');
                    out.push_str(&inst_text(&w, inst));
                }
            }
            if let Some(c) = vc.insts[i].comment(m) {
                let _ = write!(out, " ; {}", c.replace(['\n', '\r'], " "));
            }
            out.push('\n');
        }
    }
    out.push('\n');
}

/// One instruction over vregs; machine operands as the assembly writes them.
fn inst_text(w: &Writer, inst: &VInst) -> String {
    let text =
        |r: Result<String, crate::program::LayoutError>| r.unwrap_or_else(|e| format!("<{e}>"));
    let v = |v: &zkc_regalloc_mem::VReg| format!("v{}", v.0);
    match inst {
        VInst::Op {
            op,
            a,
            b,
            store,
            width,
            flow,
        } => {
            let a = match a {
                VA::V(x) => v(x),
                VA::C => "c".into(),
                VA::Imm(x) => text(w.value(x)),
                VA::Reg(r) => text(Writer::reg(*r)),
                VA::Mem(x) => format!("[{}]", text(w.value(x))),
            };
            let b = match b {
                VB::V(x) => v(x),
                VB::C => "c".into(),
                VB::Imm(x) => text(w.value(x)),
                VB::Reg(r) => text(Writer::reg(*r)),
                VB::Mem(x) => format!("[{}]", text(w.value(x))),
                VB::Ind(off) => text(Writer::ind(*width, *off)),
                VB::Table(k) => format!("{width}[a + jump table {k}]"),
            };
            let store = match store {
                VS::None => None,
                VS::V(x) => Some(v(x)),
                VS::Reg(r) => Some(text(Writer::reg(*r))),
                VS::Mem(x) => Some(format!("[{}]", text(w.value(x)))),
                VS::Ind(off) => Some(text(Writer::ind(*width, *off))),
            };
            op_text(op.name(), &a, &b, store.as_deref(), flow, false, &|t| {
                w.target(t)
            })
        }
        VInst::Label(l) => format!("{}:", w.names.name(*l)),
        VInst::Call {
            label,
            args,
            rets,
            info,
            ..
        } => format!(
            "call {} ; {args} args, {rets} results{}",
            w.names.name(*label),
            if info.reenters { ", re-enters" } else { "" }
        ),
        VInst::CallInd {
            table,
            sig,
            args,
            rets,
            info,
            ..
        } => format!(
            "call_indirect [r2 + {table:#x}] ; signature {sig}, {args} args, {rets} results{}",
            if info.reenters { ", re-enters" } else { "" }
        ),
        VInst::Ret { ra, rets } => format!(
            "ret {} ; {rets} results",
            ra.as_ref().map_or("r1".to_string(), v)
        ),
        VInst::Jump(l) => format!("jump({})", w.names.name(*l)),
        VInst::RetToBios => "ret_to_bios".into(),
        VInst::ParMove(moves) => {
            let m: Vec<String> = moves
                .iter()
                .map(|(s, d)| match s {
                    MoveSrc::V(s) => format!("{} <- {}", v(d), v(s)),
                    MoveSrc::Imm(k) => format!("{} <- {}", v(d), text(w.value(&(*k).into()))),
                })
                .collect();
            format!("parmove {}", m.join(", "))
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn allocated_function(
    out: &mut String,
    m: &Module,
    name: &str,
    vc: &VCode,
    alloc: &Allocation,
    layout: &Layout,
    names: &mut Symbols,
    label: Sym,
    opts: &CodegenOptions,
) {
    use std::fmt::Write;
    let regs: Vec<String> = zkc_regalloc_mem::regs_of(alloc.clobbers & ALLOCATABLE)
        .map(|r| format!("r{r}"))
        .collect();
    let _ = writeln!(
        out,
        "; function @{name}: {} vregs, {} slots, writes {}",
        vc.num_vregs,
        alloc.num_slots,
        if regs.is_empty() {
            "no allocatable register".to_string()
        } else {
            regs.join(" ")
        }
    );
    let mut locs = String::new();
    for (v, l) in alloc.locs.iter().enumerate() {
        let _ = write!(locs, " v{v}={}", l);
        if locs.len() > 90 {
            let _ = writeln!(out, ";{locs}");
            locs.clear();
        }
    }
    if !locs.is_empty() {
        let _ = writeln!(out, ";{locs}");
    }
    for (i, saves) in sorted(&alloc.call_saves) {
        let s: Vec<String> = saves
            .iter()
            .map(|v| format!("{v}={}", alloc.loc(*v)))
            .collect();
        let _ = writeln!(out, "; saves around inst {i}: {}", s.join(" "));
    }
    for (i, spills) in sorted(&alloc.call_spills) {
        let s: Vec<String> = spills
            .iter()
            .map(|&(v, home)| format!("{v}={}@{}", alloc.loc(v), zkc_regalloc_mem::Loc::Slot(home)))
            .collect();
        let _ = writeln!(out, "; spills around inst {i}: {}", s.join(" "));
    }
    // The function alone, written with the program's names (lent to it).
    let mut p = Program {
        symbols: std::mem::take(names),
        ..Program::default()
    };
    emit::emit(m, vc, alloc, layout, label, name, opts, &mut p);
    let text = crate::write_asm(&p);
    *names = p.symbols;
    match text {
        Ok(text) => {
            for line in text.lines().skip(1) {
                out.push_str(line);
                out.push('\n');
            }
        }
        Err(e) => {
            let _ = writeln!(out, "; (cannot print: {e})");
        }
    }
    out.push('\n');
}

fn sorted<V>(m: &HashMap<usize, V>) -> Vec<(usize, &V)> {
    let mut v: Vec<_> = m.iter().map(|(k, v)| (*k, v)).collect();
    v.sort_by_key(|x| x.0);
    v
}

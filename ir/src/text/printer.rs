//! The `.zir` printer. Its output is the canonical text: `parse_module` accepts it and printing
//! the parsed module gives the same text back.

use crate::entities::{FuncId, GlobalId};
use crate::function::{BlockCall, Function, TermKind};
use crate::module::{
    ConstExpr, DataMode, ElemMode, ExportKind, FuncDef, GlobalInit, ImportName, Module,
};
use crate::ops::Op;
use crate::types::Type;
use std::fmt::Write;

/// Whether `name` can be written without quotes: `[A-Za-z_$][A-Za-z0-9_.$]*`.
fn is_bare(name: &str) -> bool {
    let mut bytes = name.bytes();
    match bytes.next() {
        Some(c) if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {}
        _ => return false,
    }
    bytes.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'$'))
}

/// A quoted string: printable ASCII except `"` and `\` as is, every other byte as `\xx`.
pub(crate) fn quoted(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    s.push('"');
    for &b in bytes {
        if (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' {
            s.push(b as char);
        } else {
            let _ = write!(s, "\\{b:02x}");
        }
    }
    s.push('"');
    s
}

/// A name with its sigil: `@fac`, `%"a b"`.
pub(crate) fn sigil_name(sigil: char, name: &str) -> String {
    if is_bare(name) {
        format!("{sigil}{name}")
    } else {
        format!("{sigil}{}", quoted(name.as_bytes()))
    }
}

fn func_name(m: &Module, f: FuncId) -> String {
    match m.funcs.get(f) {
        Some(d) => sigil_name('@', &d.name),
        None => sigil_name('@', &format!("?{f}")),
    }
}

fn global_name(m: &Module, g: GlobalId) -> String {
    match m.globals.get(g) {
        Some(d) => sigil_name('%', &d.name),
        None => sigil_name('%', &format!("?{g}")),
    }
}

/// A constant of type `ty`: integers as signed decimal, floats as raw bits in hex.
fn constant(ty: Type, bits: u64) -> String {
    match ty {
        Type::I32 => (bits as u32 as i32).to_string(),
        Type::I64 => (bits as i64).to_string(),
        Type::F32 => format!("{:#010x}", bits as u32),
        Type::F64 => format!("{bits:#018x}"),
        Type::FuncRef | Type::ExternRef => format!("{bits:#x}"),
    }
}

fn const_expr(m: &Module, e: &ConstExpr) -> String {
    match *e {
        ConstExpr::Value { ty, bits } => format!("{ty}.const {}", constant(ty, bits)),
        ConstExpr::GlobalGet(g) => format!("global.get {}", global_name(m, g)),
        ConstExpr::RefNull(ty) => format!("{ty}.null"),
        ConstExpr::RefFunc(f) => format!("ref.func {}", func_name(m, f)),
        ConstExpr::Binary { op, ty, ref args } => format!(
            "{ty}.{}({}, {})",
            op.name(),
            const_expr(m, &args[0]),
            const_expr(m, &args[1])
        ),
    }
}

fn import_name(i: &ImportName) -> String {
    format!(
        "{} {}",
        quoted(i.module.as_bytes()),
        quoted(i.field.as_bytes())
    )
}

fn limits(out: &mut String, min: u32, max: Option<u32>, import: &Option<ImportName>) {
    let _ = write!(out, " {min}");
    if let Some(max) = max {
        let _ = write!(out, " max {max}");
    }
    if let Some(i) = import {
        let _ = write!(out, " import {}", import_name(i));
    }
    out.push('\n');
}

fn values(vals: &[crate::Value]) -> String {
    let mut s = String::new();
    for (i, v) in vals.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{v}");
    }
    s
}

fn block_call(c: &BlockCall) -> String {
    if c.args.is_empty() {
        c.block.to_string()
    } else {
        format!("{}({})", c.block, values(&c.args))
    }
}

/// Writes one function item (without a leading blank line).
fn write_function(out: &mut String, m: &Module, id: FuncId) {
    let Some(decl) = m.funcs.get(id) else { return };
    let name = sigil_name('@', &decl.name);
    let body = match &decl.def {
        FuncDef::Import(i) => {
            let _ = writeln!(out, "import func {name}{} = {}", decl.sig, import_name(i));
            return;
        }
        FuncDef::Body(body) => body,
    };
    let _ = writeln!(out, "func {name}{} {{", decl.sig);
    write_body(out, m, body);
    out.push_str("}\n");
}

fn write_body(out: &mut String, m: &Module, f: &Function) {
    for &b in &f.layout {
        let Some(data) = f.blocks.get(b) else {
            continue;
        };
        let _ = write!(out, "{b}");
        if !data.params.is_empty() {
            out.push('(');
            for (i, &p) in data.params.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let ty = f.values.get(p).map_or(Type::I32, |d| d.ty);
                let _ = write!(out, "{p}: {ty}");
            }
            out.push(')');
        }
        out.push_str(":\n");
        for &inst in &data.insts {
            let Some(d) = f.insts.get(inst) else { continue };
            out.push_str("    ");
            if d.srcloc.offset().is_some() {
                let _ = write!(out, "{} ", d.srcloc);
            }
            if !d.results.is_empty() {
                let _ = write!(out, "{} = ", values(&d.results));
            }
            out.push_str(&d.op.mnemonic());
            write_operands(out, m, &d.op, &d.args);
            out.push('\n');
        }
        if let Some(t) = &data.term {
            out.push_str("    ");
            if t.srcloc.offset().is_some() {
                let _ = write!(out, "{} ", t.srcloc);
            }
            match &t.kind {
                TermKind::Jump(c) => {
                    let _ = write!(out, "jump {}", block_call(c));
                }
                TermKind::Brif {
                    cond,
                    then_dest,
                    else_dest,
                } => {
                    let _ = write!(
                        out,
                        "brif {cond}, {}, {}",
                        block_call(then_dest),
                        block_call(else_dest)
                    );
                }
                TermKind::BrTable {
                    index,
                    targets,
                    default,
                } => {
                    let ts: Vec<String> = targets.iter().map(block_call).collect();
                    let _ = write!(
                        out,
                        "br_table {index}, [{}], {}",
                        ts.join(", "),
                        block_call(default)
                    );
                }
                TermKind::Return(vals) if vals.is_empty() => out.push_str("return"),
                TermKind::Return(vals) => {
                    let _ = write!(out, "return {}", values(vals));
                }
                TermKind::Trap(code) => {
                    let _ = write!(out, "trap {}", code.name());
                }
            }
            out.push('\n');
        }
    }
}

/// The operands after the mnemonic, with their leading space.
fn write_operands(out: &mut String, m: &Module, op: &Op, args: &[crate::Value]) {
    // Entity immediates first, then the value operands.
    let imms: Vec<String> = match op {
        Op::Const { ty, bits } => {
            let _ = write!(out, " {}", constant(*ty, *bits));
            return;
        }
        Op::Call(f) => {
            let _ = write!(out, " {}({})", func_name(m, *f), values(args));
            return;
        }
        Op::CallIndirect { table, sig } => {
            let _ = write!(out, " {table}, {sig}");
            if let Some((callee, rest)) = args.split_last() {
                let _ = write!(out, ", {callee}({})", values(rest));
            }
            return;
        }
        Op::GlobalGet(g) | Op::GlobalSet(g) => vec![global_name(m, *g)],
        Op::MemoryInit(d) | Op::DataDrop(d) => vec![d.to_string()],
        Op::TableSize(t)
        | Op::TableGet(t)
        | Op::TableSet(t)
        | Op::TableGrow(t)
        | Op::TableFill(t) => vec![t.to_string()],
        Op::RefFunc(f) => vec![func_name(m, *f)],
        Op::TableInit { table, elem } => vec![table.to_string(), elem.to_string()],
        Op::TableCopy { dst, src } => vec![dst.to_string(), src.to_string()],
        Op::ElemDrop(e) => vec![e.to_string()],
        _ => vec![],
    };
    let all: Vec<String> = imms
        .into_iter()
        .chain(args.iter().map(|v| v.to_string()))
        .collect();
    if !all.is_empty() {
        let _ = write!(out, " {}", all.join(", "));
    }
    if let Op::Load { offset, notrap, .. } | Op::Store { offset, notrap, .. } = op {
        if *offset != 0 {
            let _ = write!(out, " offset={offset}");
        }
        if *notrap {
            out.push_str(" notrap");
        }
    }
}

pub fn print_function(m: &Module, id: FuncId) -> String {
    let mut out = String::new();
    write_function(&mut out, m, id);
    out
}

pub fn print_module(m: &Module) -> String {
    let mut out = String::new();
    for (id, sig) in m.sigs.iter() {
        let _ = writeln!(out, "type {id} = {sig}");
    }
    if let Some(mem) = &m.memory {
        out.push_str("memory");
        limits(&mut out, mem.min, mem.max, &mem.import);
    }
    for (id, t) in m.tables.iter() {
        let _ = write!(out, "table {id}");
        if t.ty != Type::FuncRef {
            let _ = write!(out, " {}", t.ty);
        }
        limits(&mut out, t.min, t.max, &t.import);
    }
    for (_, g) in m.globals.iter() {
        let mutable = if g.mutable { "mut " } else { "" };
        let init = match &g.init {
            GlobalInit::Const(e) => const_expr(m, e),
            GlobalInit::Import(i) => format!("import {}", import_name(i)),
        };
        let _ = writeln!(
            out,
            "global {}: {mutable}{} = {init}",
            sigil_name('%', &g.name),
            g.ty
        );
    }
    for (id, d) in m.data.iter() {
        let mode = match &d.mode {
            DataMode::Active { offset } => format!("active {}", const_expr(m, offset)),
            DataMode::Passive => "passive".into(),
        };
        let _ = writeln!(out, "data {id} {mode} = {}", quoted(&d.bytes));
    }
    for (id, e) in m.elems.iter() {
        let mode = match &e.mode {
            ElemMode::Active { table, offset } => {
                format!("active {table} {}", const_expr(m, offset))
            }
            ElemMode::Passive => "passive".into(),
            ElemMode::Declared => "declared".into(),
        };
        let items: Vec<String> = e
            .items
            .iter()
            .map(|i| i.map_or_else(|| "null".to_string(), |f| func_name(m, f)))
            .collect();
        let _ = writeln!(out, "elem {id} {mode} = [{}]", items.join(", "));
    }
    for (id, f) in m.funcs.iter() {
        if matches!(f.def, FuncDef::Body(_)) && !out.is_empty() {
            out.push('\n');
        }
        write_function(&mut out, m, id);
    }
    for e in &m.exports {
        let kind = match e.kind {
            ExportKind::Func(f) => format!("func {}", func_name(m, f)),
            ExportKind::Global(g) => format!("global {}", global_name(m, g)),
            ExportKind::Memory => "memory".into(),
            ExportKind::Table(t) => format!("table {t}"),
        };
        let _ = writeln!(out, "export {} {kind}", quoted(e.name.as_bytes()));
    }
    if let Some(f) = m.start {
        let _ = writeln!(out, "start {}", func_name(m, f));
    }
    out
}

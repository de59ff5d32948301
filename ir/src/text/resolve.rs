//! Turns the syntax tree into a [`Module`]: resolves names (items may refer to later items),
//! keeps entity numbering (`v7` is `Value::new(7)`), and gives each instruction the result
//! types its operation implies. It checks only what it needs to build the IR; types, dominance
//! and arities of branches are the verifier's business.

use super::ast::{self, At};
use super::lexer::Located;
use super::printer::sigil_name;
use crate::entities::{Block, DataId, ElemId, FuncId, GlobalId, SigId, TableId, Value};
use crate::function::{BlockCall, Function, InstData, TermKind, Terminator, ValueData, ValueDef};
use crate::module::{
    ConstExpr, DataMode, DataSegment, ElemMode, ElemSegment, Export, ExportKind, FuncDecl, FuncDef,
    GlobalDecl, GlobalInit, MemoryDecl, Module, TableDecl,
};
use crate::ops::{valid_width, BinaryOp, CmpOp, ConvOp, Op, TrapCode, UnaryOp};
use crate::types::Type;
use cranelift_entity::{EntityRef, PrimaryMap};
use smallvec::SmallVec;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Implementation limit on value and block numbers, so that a text cannot make the parser
/// allocate unbounded placeholder arenas.
pub const MAX_ENTITY_NUMBER: u32 = 1 << 22;

type Res<T> = Result<T, Located>;

fn err<T>(pos: usize, message: impl Into<String>) -> Res<T> {
    Err(Located::new(pos, message))
}

/// Every operation without entity immediates, by mnemonic. Built from `Op::mnemonic`, so the
/// parser accepts exactly what the printer prints.
fn mnemonics() -> &'static HashMap<String, Op> {
    static TABLE: OnceLock<HashMap<String, Op>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut ops = vec![
            Op::MemorySize,
            Op::MemoryGrow,
            Op::MemoryCopy,
            Op::MemoryFill,
        ];
        ops.extend([Op::Uart, Op::PubOut, Op::RefFromBits(Type::ExternRef)]);
        for ty in Type::ALL {
            ops.extend(
                UnaryOp::ALL
                    .iter()
                    .filter(|o| o.valid_for(ty))
                    .map(|&op| Op::Unary { op, ty }),
            );
            ops.extend(
                BinaryOp::ALL
                    .iter()
                    .filter(|o| o.valid_for(ty))
                    .map(|&op| Op::Binary { op, ty }),
            );
            ops.extend(
                CmpOp::ALL
                    .iter()
                    .filter(|o| o.valid_for(ty))
                    .map(|&op| Op::Compare { op, ty }),
            );
            ops.push(Op::Select { ty });
            if ty.is_ref() {
                ops.extend([Op::RefIsNull(ty), Op::RefToBits(ty)]);
            }
            for width in [1, 2, 4, 8].into_iter().filter(|&w| valid_width(ty, w)) {
                let full = u32::from(width) * 8 == ty.bits();
                if !full {
                    ops.push(Op::Load {
                        ty,
                        width,
                        signed: true,
                        offset: 0,
                        notrap: false,
                    });
                }
                ops.push(Op::Load {
                    ty,
                    width,
                    signed: false,
                    offset: 0,
                    notrap: false,
                });
                ops.push(Op::Store {
                    ty,
                    width,
                    offset: 0,
                    notrap: false,
                });
            }
        }
        ops.extend(ConvOp::ALL.iter().map(|&c| Op::Convert(c)));
        for width in [1, 2, 4, 8] {
            ops.extend([Op::MachLoad { width }, Op::MachStore { width }]);
        }
        ops.into_iter().map(|op| (op.mnemonic(), op)).collect()
    })
}

fn lookup_mnemonic(m: &At<&str>) -> Res<Op> {
    if let Some(op) = mnemonics().get(m.node) {
        return Ok(op.clone());
    }
    if let Some((ty, name)) = m.node.split_once('.') {
        if let Some(ty) = Type::from_name(ty) {
            let other_type = UnaryOp::from_name(name).is_some()
                || BinaryOp::from_name(name).is_some()
                || CmpOp::from_name(name).is_some();
            if other_type {
                return err(
                    m.pos,
                    format!(
                        "`{}` does not exist: `{name}` is not an {ty} operation",
                        m.node
                    ),
                );
            }
        }
    }
    err(m.pos, format!("unknown operation `{}`", m.node))
}

/// Parses an integer literal: decimal or `0x` hex, optionally negative.
fn int(lit: &At<&str>) -> Res<i128> {
    let (neg, digits) = match lit.node.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, lit.node),
    };
    let parsed = match digits.strip_prefix("0x") {
        Some(hex) if !hex.is_empty() && hex.bytes().all(|c| c.is_ascii_hexdigit()) => {
            u128::from_str_radix(hex, 16).ok()
        }
        Some(_) => None,
        None if digits.bytes().all(|c| c.is_ascii_digit()) => digits.parse::<u128>().ok(),
        None => None,
    };
    match parsed {
        Some(v) if v <= u64::MAX as u128 => Ok(if neg { -(v as i128) } else { v as i128 }),
        Some(_) => err(
            lit.pos,
            format!("integer literal `{}` is too large", lit.node),
        ),
        None => err(lit.pos, format!("bad integer literal `{}`", lit.node)),
    }
}

/// The raw bits of a constant of type `ty`: any value of the signed or unsigned range of the
/// type's width, so `i32.const -1` and `i32.const 0xffffffff` are the same constant.
fn const_bits(ty: Type, lit: &At<&str>) -> Res<u64> {
    let v = int(lit)?;
    let bits = ty.bits();
    if v < -(1i128 << (bits - 1)) || v >= 1i128 << bits {
        return err(
            lit.pos,
            format!("integer literal `{}` is out of range for {ty}", lit.node),
        );
    }
    Ok(ty.truncate(v as i64 as u64))
}

fn u32_lit(lit: &At<&str>) -> Res<u32> {
    let v = int(lit)?;
    u32::try_from(v).or_else(|_| {
        err(
            lit.pos,
            format!("integer literal `{}` is out of range for u32", lit.node),
        )
    })
}

/// Module-level names and numbered entities, known before any body is built.
struct Names {
    funcs: HashMap<String, FuncId>,
    globals: HashMap<String, GlobalId>,
}

impl Names {
    fn func(&self, n: &At<String>) -> Res<FuncId> {
        match self.funcs.get(&n.node) {
            Some(&f) => Ok(f),
            None => err(
                n.pos,
                format!("unknown function {}", sigil_name('@', &n.node)),
            ),
        }
    }

    fn global(&self, n: &At<String>) -> Res<GlobalId> {
        match self.globals.get(&n.node) {
            Some(&g) => Ok(g),
            None => err(
                n.pos,
                format!("unknown global {}", sigil_name('%', &n.node)),
            ),
        }
    }
}

fn entity<E: EntityRef + std::fmt::Display, V>(
    map: &PrimaryMap<E, V>,
    n: &At<u32>,
    what: &str,
) -> Res<E> {
    let e = E::new(n.node as usize);
    if map.is_valid(e) {
        Ok(e)
    } else {
        err(n.pos, format!("unknown {what} {e}"))
    }
}

/// Checks that numbered items come in order 0, 1, 2...
fn next_id<E: EntityRef + std::fmt::Display>(id: &At<u32>, count: usize) -> Res<()> {
    if id.node as usize == count {
        Ok(())
    } else {
        err(
            id.pos,
            format!(
                "expected {} here, found {}: items are numbered in order",
                E::new(count),
                E::new(id.node as usize)
            ),
        )
    }
}

fn const_expr(names: &Names, e: &ast::ConstExpr) -> Res<ConstExpr> {
    Ok(match e {
        ast::ConstExpr::Value { ty, lit } => ConstExpr::Value {
            ty: *ty,
            bits: const_bits(*ty, lit)?,
        },
        ast::ConstExpr::GlobalGet(n) => ConstExpr::GlobalGet(names.global(n)?),
        ast::ConstExpr::RefNull(ty) => ConstExpr::RefNull(*ty),
        ast::ConstExpr::RefFunc(n) => ConstExpr::RefFunc(names.func(n)?),
        ast::ConstExpr::Binary(m, args) => match lookup_mnemonic(m)? {
            Op::Binary { op, ty } if ConstExpr::binary_allowed(op, ty) => ConstExpr::Binary {
                op,
                ty,
                args: Box::new([const_expr(names, &args[0])?, const_expr(names, &args[1])?]),
            },
            _ => return err(m.pos, format!("`{}` is not a constant operation", m.node)),
        },
    })
}

pub fn build(items: Vec<ast::Item>) -> Res<Module> {
    // Names first, so any item may refer to any other.
    let mut names = Names {
        funcs: HashMap::new(),
        globals: HashMap::new(),
    };
    for item in &items {
        match item {
            ast::Item::Global { name, .. } => {
                let id = GlobalId::new(names.globals.len());
                if names.globals.insert(name.node.clone(), id).is_some() {
                    return err(
                        name.pos,
                        format!("duplicate global name {}", sigil_name('%', &name.node)),
                    );
                }
            }
            ast::Item::ImportFunc { name, .. } | ast::Item::Func { name, .. } => {
                let id = FuncId::new(names.funcs.len());
                if names.funcs.insert(name.node.clone(), id).is_some() {
                    return err(
                        name.pos,
                        format!("duplicate function name {}", sigil_name('@', &name.node)),
                    );
                }
            }
            _ => {}
        }
    }

    let mut m = Module::new();
    // Numbered items and declarations; segments may name tables declared later, so those
    // are counted first.
    let table_count = items
        .iter()
        .filter(|i| matches!(i, ast::Item::Table { .. }))
        .count();
    let mut bodies = Vec::new();
    let mut start_pos = None;
    for item in items {
        match item {
            ast::Item::Type { id, sig } => {
                next_id::<SigId>(&id, m.sigs.len())?;
                m.sigs.push(sig);
            }
            ast::Item::Memory { pos, limits } => {
                if m.memory.is_some() {
                    return err(pos, "second memory: a module has at most one");
                }
                let max = limits.max.as_ref().map(u32_lit).transpose()?;
                m.memory = Some(MemoryDecl {
                    min: u32_lit(&limits.min)?,
                    max,
                    import: limits.import,
                });
            }
            ast::Item::Table { id, ty, limits } => {
                next_id::<TableId>(&id, m.tables.len())?;
                let max = limits.max.as_ref().map(u32_lit).transpose()?;
                let ty = match ty {
                    None => Type::FuncRef,
                    Some(t) if t.node.is_ref() => t.node,
                    Some(t) => {
                        return err(t.pos, format!("a table holds references, not {}", t.node))
                    }
                };
                m.tables.push(TableDecl {
                    ty,
                    min: u32_lit(&limits.min)?,
                    max,
                    import: limits.import,
                });
            }
            ast::Item::Global {
                name,
                mutable,
                ty,
                init,
            } => {
                let init = match init {
                    ast::GlobalInit::Const(e) => GlobalInit::Const(const_expr(&names, &e)?),
                    ast::GlobalInit::Import(i) => GlobalInit::Import(i),
                };
                m.globals.push(GlobalDecl {
                    name: name.node,
                    ty,
                    mutable,
                    init,
                });
            }
            ast::Item::Data { id, offset, bytes } => {
                next_id::<DataId>(&id, m.data.len())?;
                let mode = match offset {
                    Some(e) => DataMode::Active {
                        offset: const_expr(&names, &e)?,
                    },
                    None => DataMode::Passive,
                };
                m.data.push(DataSegment { mode, bytes });
            }
            ast::Item::Elem { id, mode, items } => {
                next_id::<ElemId>(&id, m.elems.len())?;
                let mode = match mode {
                    ast::ElemMode::Active { table, offset } => {
                        if table.node as usize >= table_count {
                            return err(table.pos, format!("unknown table t{}", table.node));
                        }
                        let table = TableId::new(table.node as usize);
                        ElemMode::Active {
                            table,
                            offset: const_expr(&names, &offset)?,
                        }
                    }
                    ast::ElemMode::Passive => ElemMode::Passive,
                    ast::ElemMode::Declared => ElemMode::Declared,
                };
                let items = items
                    .iter()
                    .map(|i| i.as_ref().map(|n| names.func(n)).transpose());
                m.elems.push(ElemSegment {
                    mode,
                    items: items.collect::<Res<_>>()?,
                });
            }
            ast::Item::ImportFunc { name, sig, import } => {
                m.funcs.push(FuncDecl {
                    name: name.node,
                    sig,
                    def: FuncDef::Import(import),
                });
            }
            ast::Item::Func { name, sig, blocks } => {
                let id = m.funcs.push(FuncDecl {
                    name: name.node,
                    sig,
                    def: FuncDef::Body(Function::new()),
                });
                bodies.push((id, blocks));
            }
            ast::Item::Export { name, kind } => {
                let kind = match kind {
                    ast::ExportKind::Func(n) => ExportKind::Func(names.func(&n)?),
                    ast::ExportKind::Global(n) => ExportKind::Global(names.global(&n)?),
                    ast::ExportKind::Memory => ExportKind::Memory,
                    ast::ExportKind::Table(t) => {
                        if t.node as usize >= table_count {
                            return err(t.pos, format!("unknown table t{}", t.node));
                        }
                        ExportKind::Table(TableId::new(t.node as usize))
                    }
                };
                m.exports.push(Export { name, kind });
            }
            ast::Item::Start(n) => {
                if start_pos.is_some() {
                    return err(n.pos, "second start function: a module has at most one");
                }
                start_pos = Some(n.pos);
                m.start = Some(names.func(&n)?);
            }
        }
    }
    for (id, blocks) in bodies {
        let body = build_body(&m, &names, blocks)?;
        m.funcs[id].def = FuncDef::Body(body);
    }
    Ok(m)
}

/// The result types of `op`, whose entities are known to exist.
fn result_types(m: &Module, op: &Op) -> Vec<Type> {
    use Type::*;
    match op {
        Op::Call(f) => m.funcs[*f].sig.results.clone(),
        Op::CallIndirect { sig, .. } => m.sigs[*sig].results.clone(),
        Op::GlobalGet(g) => vec![m.globals[*g].ty],
        Op::Const { ty, .. }
        | Op::Binary { ty, .. }
        | Op::Select { ty }
        | Op::Load { ty, .. }
        | Op::RefNull(ty) => vec![*ty],
        Op::RefFunc(_) => vec![FuncRef],
        Op::RefToBits(_) => vec![I64],
        Op::RefFromBits(ty) => vec![*ty],
        Op::TableGet(t) => vec![m.tables[*t].ty],
        Op::RefIsNull(_) | Op::TableGrow(_) => vec![I32],
        Op::Unary {
            op: UnaryOp::Eqz, ..
        }
        | Op::Compare { .. } => vec![I32],
        Op::Unary { ty, .. } => vec![*ty],
        Op::Convert(c) => vec![c.types().1],
        Op::MemorySize | Op::MemoryGrow | Op::TableSize(_) => vec![I32],
        Op::MachLoad { .. } => vec![I64],
        Op::Store { .. }
        | Op::GlobalSet(_)
        | Op::MemoryCopy
        | Op::MemoryFill
        | Op::MemoryInit(_)
        | Op::DataDrop(_)
        | Op::TableInit { .. }
        | Op::TableCopy { .. }
        | Op::TableSet(_)
        | Op::TableFill(_)
        | Op::ElemDrop(_)
        | Op::MachStore { .. }
        | Op::Uart
        | Op::PubOut => vec![],
    }
}

/// The operation of an instruction line and its value operands, as written.
fn resolve_op(m: &Module, names: &Names, body: ast::InstBody) -> Res<(Op, Vec<At<u32>>)> {
    use ast::InstBody as B;
    Ok(match body {
        B::Const { ty, lit } => (
            Op::Const {
                ty,
                bits: const_bits(ty, &lit)?,
            },
            vec![],
        ),
        B::Plain {
            mnemonic,
            args,
            offset,
            notrap,
        } => {
            let mut op = lookup_mnemonic(&mnemonic)?;
            if let Some(lit) = offset {
                match &mut op {
                    Op::Load { offset, .. } | Op::Store { offset, .. } => *offset = u32_lit(&lit)?,
                    _ => return err(lit.pos, format!("`{}` takes no offset", mnemonic.node)),
                }
            }
            if let Some(at) = notrap {
                match &mut op {
                    Op::Load { notrap, .. } | Op::Store { notrap, .. } => *notrap = true,
                    _ => return err(at, format!("`{}` takes no `notrap`", mnemonic.node)),
                }
            }
            (op, args)
        }
        B::GlobalGet(g) => (Op::GlobalGet(names.global(&g)?), vec![]),
        B::GlobalSet(g, v) => (Op::GlobalSet(names.global(&g)?), vec![v]),
        B::MemoryInit(d, args) => (Op::MemoryInit(entity(&m.data, &d, "data segment")?), args),
        B::DataDrop(d) => (Op::DataDrop(entity(&m.data, &d, "data segment")?), vec![]),
        B::TableSize(t) => (Op::TableSize(entity(&m.tables, &t, "table")?), vec![]),
        B::TableOp(t, kind, args) => {
            let t = entity(&m.tables, &t, "table")?;
            let op = match kind {
                ast::TableOpKind::Get => Op::TableGet(t),
                ast::TableOpKind::Set => Op::TableSet(t),
                ast::TableOpKind::Grow => Op::TableGrow(t),
                ast::TableOpKind::Fill => Op::TableFill(t),
            };
            (op, args)
        }
        B::RefNull(ty) => (Op::RefNull(ty), vec![]),
        B::RefFunc(f) => (Op::RefFunc(names.func(&f)?), vec![]),
        B::TableInit(t, e, args) => {
            let table = entity(&m.tables, &t, "table")?;
            (
                Op::TableInit {
                    table,
                    elem: entity(&m.elems, &e, "element segment")?,
                },
                args,
            )
        }
        B::TableCopy(d, s, args) => {
            let dst = entity(&m.tables, &d, "table")?;
            (
                Op::TableCopy {
                    dst,
                    src: entity(&m.tables, &s, "table")?,
                },
                args,
            )
        }
        B::ElemDrop(e) => (
            Op::ElemDrop(entity(&m.elems, &e, "element segment")?),
            vec![],
        ),
        B::Call(f, args) => (Op::Call(names.func(&f)?), args),
        B::CallIndirect(t, s, callee, mut args) => {
            let table = entity(&m.tables, &t, "table")?;
            let sig = entity(&m.sigs, &s, "signature")?;
            args.push(callee);
            (Op::CallIndirect { table, sig }, args)
        }
    })
}

fn build_body(m: &Module, names: &Names, blocks: Vec<ast::Block>) -> Res<Function> {
    let mut f = Function::new();
    // Blocks: every header, in textual order; skipped numbers stay out of the layout.
    let mut block_pos: HashMap<u32, usize> = HashMap::new();
    let mut max_block = None;
    let mut max_value = None;
    let mut defined: HashMap<u32, usize> = HashMap::new();
    let mut define = |v: &At<u32>, max: &mut Option<u32>| -> Res<()> {
        if v.node >= MAX_ENTITY_NUMBER {
            return err(
                v.pos,
                format!(
                    "value number v{} exceeds the limit of {MAX_ENTITY_NUMBER}",
                    v.node
                ),
            );
        }
        if defined.insert(v.node, v.pos).is_some() {
            return err(v.pos, format!("value v{} is defined twice", v.node));
        }
        *max = (*max).max(Some(v.node));
        Ok(())
    };
    for b in &blocks {
        if b.id.node >= MAX_ENTITY_NUMBER {
            return err(
                b.id.pos,
                format!(
                    "block number block{} exceeds the limit of {MAX_ENTITY_NUMBER}",
                    b.id.node
                ),
            );
        }
        if block_pos.insert(b.id.node, b.id.pos).is_some() {
            return err(b.id.pos, format!("block{} is defined twice", b.id.node));
        }
        max_block = max_block.max(Some(b.id.node));
        for (v, _) in &b.params {
            define(v, &mut max_value)?;
        }
        for inst in &b.insts {
            for v in &inst.results {
                define(v, &mut max_value)?;
            }
        }
    }
    for _ in 0..max_block.map_or(0, |n| n + 1) {
        f.create_detached_block();
    }
    for _ in 0..max_value.map_or(0, |n| n + 1) {
        f.values.push(ValueData {
            ty: Type::I32,
            def: ValueDef::Detached,
        });
    }
    let use_value = |v: &At<u32>| -> Res<Value> {
        if defined.contains_key(&v.node) {
            Ok(Value::new(v.node as usize))
        } else {
            err(v.pos, format!("use of undefined value v{}", v.node))
        }
    };
    let use_values = |vs: &[At<u32>]| vs.iter().map(use_value).collect::<Res<Vec<Value>>>();
    let block_call = |c: &ast::BlockCall| -> Res<BlockCall> {
        if !block_pos.contains_key(&c.block.node) {
            return err(c.block.pos, format!("unknown block block{}", c.block.node));
        }
        Ok(BlockCall::new(
            Block::new(c.block.node as usize),
            use_values(&c.args)?,
        ))
    };

    for b in blocks {
        let block = Block::new(b.id.node as usize);
        f.layout.push(block);
        for (i, (v, ty)) in b.params.iter().enumerate() {
            let value = Value::new(v.node as usize);
            f.values[value] = ValueData {
                ty: *ty,
                def: ValueDef::Param(block, i as u32),
            };
            f.blocks[block].params.push(value);
        }
        for inst in b.insts {
            let (op, args) = resolve_op(m, names, inst.body)?;
            let name = op.mnemonic();
            let tys = result_types(m, &op);
            if tys.len() != inst.results.len() {
                let pos = inst.results.first().map_or(inst.pos, |r| r.pos);
                return err(
                    pos,
                    format!(
                        "`{name}` has {}, but the line names {}",
                        plural(tys.len(), "result"),
                        inst.results.len()
                    ),
                );
            }
            if let Ok(t) = m.op_types(&op) {
                if t.args.len() != args.len() {
                    return err(
                        inst.pos,
                        format!(
                            "`{name}` takes {}, found {}",
                            plural(t.args.len(), "operand"),
                            args.len()
                        ),
                    );
                }
            }
            let args: SmallVec<[Value; 3]> = args.iter().map(use_value).collect::<Res<_>>()?;
            let results: SmallVec<[Value; 1]> = inst
                .results
                .iter()
                .map(|r| Value::new(r.node as usize))
                .collect();
            let id = f.insts.push(InstData {
                op,
                args,
                results: results.clone(),
                srcloc: inst.srcloc,
            });
            for (i, (&r, ty)) in results.iter().zip(tys).enumerate() {
                f.values[r] = ValueData {
                    ty,
                    def: ValueDef::Result(id, i as u32),
                };
            }
            f.blocks[block].insts.push(id);
        }
        if let Some((srcloc, kind)) = b.term {
            let kind = match kind {
                ast::TermKind::Jump(c) => TermKind::Jump(block_call(&c)?),
                ast::TermKind::Brif {
                    cond,
                    then_dest,
                    else_dest,
                } => TermKind::Brif {
                    cond: use_value(&cond)?,
                    then_dest: block_call(&then_dest)?,
                    else_dest: block_call(&else_dest)?,
                },
                ast::TermKind::BrTable {
                    index,
                    targets,
                    default,
                } => TermKind::BrTable {
                    index: use_value(&index)?,
                    targets: targets.iter().map(block_call).collect::<Res<_>>()?,
                    default: block_call(&default)?,
                },
                ast::TermKind::Return(vals) => TermKind::Return(use_values(&vals)?),
                ast::TermKind::Trap(code) => match TrapCode::from_name(code.node) {
                    Some(c) => TermKind::Trap(c),
                    None => return err(code.pos, format!("unknown trap code `{}`", code.node)),
                },
            };
            f.blocks[block].term = Some(Terminator::new(kind, srcloc));
        }
    }
    Ok(f)
}

/// `1 result`, `2 results`.
fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

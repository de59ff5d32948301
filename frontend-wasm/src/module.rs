//! Module-level translation: sections to `zkc_ir::Module` declarations. Function bodies are
//! collected here and translated by [`crate::func`] once every declaration (and the name
//! section, which follows the code section) is known.

use crate::error::FrontendError;
use crate::func::{renumber_sigs, FuncTranslator};
use crate::types::{ref_type, val_type, Types};
use std::collections::HashSet;
use wasmparser::{
    CompositeInnerType, DataKind, ElementItems, ElementKind, ExternalKind, FunctionBody,
    KnownCustom, Name, Operator, Parser, Payload, RefType, TableInit, TypeRef, ValType,
};
use zkc_ir::{
    ConstExpr, DataMode, DataSegment, ElemMode, ElemSegment, Export, ExportKind, FuncDecl, FuncDef,
    FuncId, Function, GlobalDecl, GlobalId, GlobalInit, ImportName, MemoryDecl, Module, Signature,
    SrcLoc, TableDecl, TableId, Type,
};

pub fn translate_module(bytes: &[u8]) -> Result<Module, FrontendError> {
    let mut m = Module::new();
    let mut types = Types::default();
    let mut bodies: Vec<FunctionBody> = Vec::new();
    let mut num_imported_funcs = 0u32;
    let mut func_names: Vec<(u32, String)> = Vec::new();
    let mut global_names: Vec<(u32, String)> = Vec::new();

    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::TypeSection(r) => {
                for group in r.into_iter_with_offsets() {
                    let (offset, group) = group?;
                    for sub in group.into_types() {
                        let CompositeInnerType::Func(ft) = &sub.composite_type.inner else {
                            return Err(FrontendError::unsupported("GC", offset));
                        };
                        let conv = |tys: &[ValType]| -> Result<Vec<Type>, (u64, ValType)> {
                            tys.iter()
                                .map(|&t| val_type(t, offset).map_err(|_| (offset, t)))
                                .collect()
                        };
                        let sig = conv(ft.params())
                            .and_then(|p| Ok(Signature::new(p, conv(ft.results())?)));
                        types.0.push(sig);
                    }
                }
            }
            Payload::ImportSection(r) => {
                for imp in r.into_imports_with_offsets() {
                    let (offset, imp) = imp?;
                    let name = ImportName::new(imp.module, imp.name).at(SrcLoc::new(offset as u32));
                    match imp.ty {
                        TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                            let sig = types.sig(t, offset)?.clone();
                            let n = m.funcs.len();
                            m.funcs.push(FuncDecl {
                                name: format!("f{n}"),
                                sig,
                                def: FuncDef::Import(name),
                            });
                            num_imported_funcs += 1;
                        }
                        TypeRef::Global(g) => {
                            let ty = val_type(g.content_type, offset)?;
                            let n = m.globals.len();
                            m.globals.push(GlobalDecl {
                                name: format!("g{n}"),
                                ty,
                                mutable: g.mutable,
                                init: GlobalInit::Import(name),
                            });
                        }
                        TypeRef::Memory(mem) => m.memory = Some(memory(mem, Some(name), offset)?),
                        TypeRef::Table(t) => {
                            let t = table(t, Some(name), offset)?;
                            m.tables.push(t);
                        }
                        TypeRef::Tag(_) => {
                            return Err(FrontendError::unsupported("exceptions", offset))
                        }
                    }
                }
            }
            Payload::FunctionSection(r) => {
                for f in r.into_iter_with_offsets() {
                    let (offset, t) = f?;
                    let sig = types.sig(t, offset)?.clone();
                    let n = m.funcs.len();
                    m.funcs.push(FuncDecl {
                        name: format!("f{n}"),
                        sig,
                        def: FuncDef::Body(Function::new()),
                    });
                }
            }
            Payload::TableSection(r) => {
                for t in r.into_iter_with_offsets() {
                    let (offset, t) = t?;
                    if let TableInit::Expr(_) = t.init {
                        return Err(FrontendError::unsupported("function references", offset));
                    }
                    let t = table(t.ty, None, offset)?;
                    m.tables.push(t);
                }
            }
            Payload::MemorySection(r) => {
                for mem in r.into_iter_with_offsets() {
                    let (offset, mem) = mem?;
                    if m.memory.is_some() {
                        return Err(FrontendError::unsupported("multiple memories", offset));
                    }
                    m.memory = Some(memory(mem, None, offset)?);
                }
            }
            Payload::TagSection(r) => {
                return Err(FrontendError::unsupported("exceptions", r.range().start));
            }
            Payload::GlobalSection(r) => {
                for g in r.into_iter_with_offsets() {
                    let (offset, g) = g?;
                    let ty = val_type(g.ty.content_type, offset)?;
                    let init = const_expr(&g.init_expr)?;
                    let n = m.globals.len();
                    m.globals.push(GlobalDecl {
                        name: format!("g{n}"),
                        ty,
                        mutable: g.ty.mutable,
                        init: GlobalInit::Const(init),
                    });
                }
            }
            Payload::ExportSection(r) => {
                for e in r.into_iter_with_offsets() {
                    let (offset, e) = e?;
                    let kind = match e.kind {
                        ExternalKind::Func | ExternalKind::FuncExact => {
                            ExportKind::Func(FuncId::from_u32(e.index))
                        }
                        ExternalKind::Global => ExportKind::Global(GlobalId::from_u32(e.index)),
                        ExternalKind::Memory => ExportKind::Memory,
                        ExternalKind::Table => ExportKind::Table(TableId::from_u32(e.index)),
                        ExternalKind::Tag => {
                            return Err(FrontendError::unsupported("exceptions", offset))
                        }
                    };
                    m.exports.push(Export {
                        name: e.name.to_string(),
                        kind,
                    });
                }
            }
            Payload::StartSection { func, .. } => m.start = Some(FuncId::from_u32(func)),
            Payload::ElementSection(r) => {
                for e in r.into_iter_with_offsets() {
                    let (offset, e) = e?;
                    let mode = match e.kind {
                        ElementKind::Passive => ElemMode::Passive,
                        ElementKind::Declared => ElemMode::Declared,
                        ElementKind::Active {
                            table_index,
                            offset_expr,
                        } => ElemMode::Active {
                            table: TableId::from_u32(table_index.unwrap_or(0)),
                            offset: const_expr(&offset_expr)?,
                        },
                    };
                    let mut items = Vec::new();
                    match e.items {
                        ElementItems::Functions(r) => {
                            for f in r {
                                items.push(Some(FuncId::from_u32(f?)));
                            }
                        }
                        ElementItems::Expressions(ty, r) => {
                            ref_type(ty, offset)?;
                            for expr in r.into_iter_with_offsets() {
                                let (offset, expr) = expr?;
                                let mut ops = expr.get_operators_reader();
                                let item = match ops.read()? {
                                    Operator::RefFunc { function_index } => {
                                        Some(FuncId::from_u32(function_index))
                                    }
                                    Operator::RefNull { .. } => None,
                                    _ => {
                                        return Err(FrontendError::unsupported(
                                            "global.get in an element expression",
                                            offset,
                                        ))
                                    }
                                };
                                items.push(item);
                            }
                        }
                    }
                    m.elems.push(ElemSegment { mode, items });
                }
            }
            Payload::DataSection(r) => {
                for d in r {
                    let d = d?;
                    let mode = match d.kind {
                        DataKind::Passive => DataMode::Passive,
                        DataKind::Active { offset_expr, .. } => DataMode::Active {
                            offset: const_expr(&offset_expr)?,
                        },
                    };
                    m.data.push(DataSegment {
                        mode,
                        bytes: d.data.to_vec(),
                    });
                }
            }
            Payload::CodeSectionEntry(body) => bodies.push(body),
            Payload::CustomSection(c) => {
                if let KnownCustom::Name(names) = c.as_known() {
                    // A malformed name section is ignored, as the spec asks of custom sections.
                    let _ = read_names(names, &mut func_names, &mut global_names);
                }
            }
            Payload::ModuleSection {
                unchecked_range, ..
            }
            | Payload::ComponentSection {
                unchecked_range, ..
            } => {
                return Err(FrontendError::unsupported(
                    "component model",
                    unchecked_range.start,
                ));
            }
            _ => {}
        }
    }

    apply_names(m.funcs.values_mut().map(|f| &mut f.name), func_names);
    apply_names(m.globals.values_mut().map(|g| &mut g.name), global_names);

    // The bodies side by side on rayon's threads, each reading the module; then, in their
    // order, the signatures they added and the bodies go into it (the first error in that
    // order is the one reported): the same module whatever the number of threads.
    use rayon::prelude::*;
    let base = m.sigs.len();
    let translated: Vec<_> = (bodies.par_iter().enumerate())
        .map_init(FuncTranslator::new, |translator, (i, body)| {
            let id = FuncId::from_u32(num_imported_funcs + i as u32);
            translator.translate(&m, &types, id, body)
        })
        .collect();
    for (i, t) in translated.into_iter().enumerate() {
        let (mut f, new_sigs) = t?;
        renumber_sigs(&mut m, base, &mut f, &new_sigs);
        m.funcs[FuncId::from_u32(num_imported_funcs + i as u32)].def = FuncDef::Body(f);
    }
    Ok(m)
}

fn memory(
    mem: wasmparser::MemoryType,
    import: Option<ImportName>,
    offset: u64,
) -> Result<MemoryDecl, FrontendError> {
    if mem.memory64 {
        return Err(FrontendError::unsupported("memory64", offset));
    }
    if mem.shared {
        return Err(FrontendError::unsupported("threads", offset));
    }
    let min = u32::try_from(mem.initial)
        .map_err(|_| FrontendError::invalid("memory size out of range", Some(offset)))?;
    let max = match mem.maximum {
        Some(x) => Some(
            u32::try_from(x)
                .map_err(|_| FrontendError::invalid("memory size out of range", Some(offset)))?,
        ),
        None => None,
    };
    Ok(MemoryDecl { min, max, import })
}

fn table(
    t: wasmparser::TableType,
    import: Option<ImportName>,
    offset: u64,
) -> Result<TableDecl, FrontendError> {
    if t.table64 {
        return Err(FrontendError::unsupported("memory64", offset));
    }
    let ty = ref_type(t.element_type, offset)?;
    let min = u32::try_from(t.initial)
        .map_err(|_| FrontendError::invalid("table size out of range", Some(offset)))?;
    let max = t.maximum.and_then(|x| u32::try_from(x).ok());
    Ok(TableDecl {
        ty,
        min,
        max,
        import,
    })
}

/// A constant expression, evaluated on a stack as wasm does: one value, or the `add`, `sub`
/// and `mul` trees of the extended-constant-expressions proposal.
fn const_expr(e: &wasmparser::ConstExpr) -> Result<ConstExpr, FrontendError> {
    let mut ops = e.get_operators_reader();
    let offset = ops.original_position();
    let mut stack: Vec<ConstExpr> = Vec::new();
    loop {
        let c = match ops.read()? {
            Operator::End => break,
            Operator::I32Const { value } => ConstExpr::Value {
                ty: Type::I32,
                bits: value as u32 as u64,
            },
            Operator::I64Const { value } => ConstExpr::Value {
                ty: Type::I64,
                bits: value as u64,
            },
            Operator::F32Const { value } => ConstExpr::Value {
                ty: Type::F32,
                bits: value.bits() as u64,
            },
            Operator::F64Const { value } => ConstExpr::Value {
                ty: Type::F64,
                bits: value.bits(),
            },
            Operator::GlobalGet { global_index } => {
                ConstExpr::GlobalGet(GlobalId::from_u32(global_index))
            }
            Operator::RefNull { hty } => {
                let r = RefType::new(true, hty)
                    .ok_or_else(|| FrontendError::unsupported("function references", offset))?;
                ConstExpr::RefNull(ref_type(r, offset)?)
            }
            Operator::RefFunc { function_index } => {
                ConstExpr::RefFunc(FuncId::from_u32(function_index))
            }
            op => {
                use zkc_ir::BinaryOp::{Add, Mul, Sub};
                let (op, ty) = match op {
                    Operator::I32Add => (Add, Type::I32),
                    Operator::I32Sub => (Sub, Type::I32),
                    Operator::I32Mul => (Mul, Type::I32),
                    Operator::I64Add => (Add, Type::I64),
                    Operator::I64Sub => (Sub, Type::I64),
                    Operator::I64Mul => (Mul, Type::I64),
                    op => {
                        return Err(FrontendError::unsupported(
                            format!("constant expression with {op:?}"),
                            offset,
                        ))
                    }
                };
                let (Some(b), Some(a)) = (stack.pop(), stack.pop()) else {
                    return Err(FrontendError::invalid("constant expression", Some(offset)));
                };
                ConstExpr::Binary {
                    op,
                    ty,
                    args: Box::new([a, b]),
                }
            }
        };
        stack.push(c);
    }
    match (stack.pop(), stack.is_empty()) {
        (Some(c), true) => Ok(c),
        _ => Err(FrontendError::invalid("constant expression", Some(offset))),
    }
}

fn read_names(
    names: wasmparser::NameSectionReader,
    funcs: &mut Vec<(u32, String)>,
    globals: &mut Vec<(u32, String)>,
) -> wasmparser::Result<()> {
    for name in names {
        let (map, out) = match name? {
            Name::Function(map) => (map, &mut *funcs),
            Name::Global(map) => (map, &mut *globals),
            _ => continue,
        };
        for n in map {
            let n = n?;
            out.push((n.index, n.name.to_string()));
        }
    }
    Ok(())
}

/// Gives the named entities their names, made unique by appending `.1`, `.2`, ...; unnamed
/// entities keep their default `f{index}`/`g{index}` (also made unique).
fn apply_names<'a>(slots: impl Iterator<Item = &'a mut String>, names: Vec<(u32, String)>) {
    let mut slots: Vec<&mut String> = slots.collect();
    for (index, name) in names {
        if let Some(slot) = slots.get_mut(index as usize) {
            if !name.is_empty() {
                **slot = name;
            }
        }
    }
    let mut used: HashSet<String> = HashSet::new();
    for slot in slots {
        if !used.contains(slot.as_str()) {
            used.insert(slot.clone());
            continue;
        }
        let base = slot.clone();
        let mut k = 1;
        while used.contains(&format!("{base}.{k}")) {
            k += 1;
        }
        *slot = format!("{base}.{k}");
        used.insert(slot.clone());
    }
}

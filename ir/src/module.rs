//! A module: everything a wasm32 command module declares, in zkc's own terms.
//!
//! Index spaces follow wasm (imported functions and globals first), so a `FuncId` is the wasm
//! function index and `call_indirect` table contents can be read straight off the element
//! segments.

use crate::entities::{DataId, ElemId, FuncId, GlobalId, SigId, TableId};
use crate::function::{Function, SrcLoc};
use crate::ops::{valid_width, BinaryOp, CmpOp, Op, UnaryOp};
use crate::types::{Signature, Type};
use cranelift_entity::{EntityRef, PrimaryMap};

/// The module and field name an import is bound to. Text: `"wasi_snapshot_preview1" "fd_write"`.
/// Displayed as in the text, with ` at 0x1f` when it came from a wasm binary.
#[derive(Clone, Debug)]
pub struct ImportName {
    pub module: String,
    pub field: String,
    /// Where the import is declared in the wasm binary (so that an error about it can point
    /// there); not part of the name: equality and hashing ignore it.
    pub srcloc: SrcLoc,
}

impl ImportName {
    pub fn new(module: impl Into<String>, field: impl Into<String>) -> Self {
        ImportName {
            module: module.into(),
            field: field.into(),
            srcloc: SrcLoc::NONE,
        }
    }

    /// The same name, declared at `srcloc`.
    pub fn at(self, srcloc: SrcLoc) -> Self {
        ImportName { srcloc, ..self }
    }
}

impl PartialEq for ImportName {
    fn eq(&self, other: &Self) -> bool {
        (&self.module, &self.field) == (&other.module, &other.field)
    }
}

impl Eq for ImportName {}

impl std::hash::Hash for ImportName {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (&self.module, &self.field).hash(state)
    }
}

impl std::fmt::Display for ImportName {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{:?} {:?}", self.module, self.field)?;
        match self.srcloc.offset() {
            Some(o) => write!(f, " at {o:#x}"),
            None => Ok(()),
        }
    }
}

/// A function: imported (no body) or defined here.
#[derive(Clone, Debug)]
pub struct FuncDecl {
    /// Unique within the module: from the name section, or `f{index}`.
    pub name: String,
    pub sig: Signature,
    pub def: FuncDef,
}

#[derive(Clone, Debug)]
pub enum FuncDef {
    Import(ImportName),
    Body(Function),
}

impl FuncDecl {
    pub fn body(&self) -> Option<&Function> {
        match &self.def {
            FuncDef::Body(f) => Some(f),
            FuncDef::Import(_) => None,
        }
    }

    pub fn body_mut(&mut self) -> Option<&mut Function> {
        match &mut self.def {
            FuncDef::Body(f) => Some(f),
            FuncDef::Import(_) => None,
        }
    }

    pub fn import(&self) -> Option<&ImportName> {
        match &self.def {
            FuncDef::Import(i) => Some(i),
            FuncDef::Body(_) => None,
        }
    }
}

/// A constant initializer (global init, segment offset).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ConstExpr {
    /// `i32.const 5`: raw bits, truncated to the type's width.
    Value { ty: Type, bits: u64 },
    /// `global.get %g` of an imported immutable global.
    GlobalGet(GlobalId),
    /// `funcref.null`, `externref.null`.
    RefNull(Type),
    /// `ref.func @f`.
    RefFunc(FuncId),
    /// `i32.add(c1, c2)`: `add`, `sub` or `mul` of two i32 or i64 constant expressions
    /// (wasm's extended constant expressions), wrapping as the instructions do.
    Binary {
        op: BinaryOp,
        ty: Type,
        args: Box<[ConstExpr; 2]>,
    },
}

impl ConstExpr {
    /// Whether `op` may appear in an extended constant expression of type `ty`.
    pub fn binary_allowed(op: BinaryOp, ty: Type) -> bool {
        ty.is_int() && matches!(op, BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul)
    }

    /// The expression's bits, reading each `global.get` through `global` (whose error is the
    /// caller's): a reference is its function's index plus one, null 0, the bits every
    /// executor gives references; operations as [`crate::semantics`] defines them.
    pub fn eval<E>(&self, global: &mut dyn FnMut(GlobalId) -> Result<u64, E>) -> Result<u64, E> {
        Ok(match self {
            ConstExpr::Value { ty, bits } => ty.truncate(*bits),
            ConstExpr::GlobalGet(g) => global(*g)?,
            ConstExpr::RefNull(_) => 0,
            ConstExpr::RefFunc(f) => f.index() as u64 + 1,
            ConstExpr::Binary { op, ty, args } => {
                let (a, b) = (args[0].eval(global)?, args[1].eval(global)?);
                crate::semantics::fold_binary(*op, *ty, a, b)
                    .expect("add, sub and mul are total (ConstExpr::binary_allowed)")
            }
        })
    }
}

#[derive(Clone, Debug)]
pub enum GlobalInit {
    Const(ConstExpr),
    Import(ImportName),
}

#[derive(Clone, Debug)]
pub struct GlobalDecl {
    /// Unique within the module: from the name section, or `g{index}`.
    pub name: String,
    pub ty: Type,
    pub mutable: bool,
    pub init: GlobalInit,
}

/// The one linear memory, sizes in 64 KiB pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryDecl {
    pub min: u32,
    pub max: Option<u32>,
    pub import: Option<ImportName>,
}

/// A table of references, sizes in entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableDecl {
    /// The element type: `Type::FuncRef` or `Type::ExternRef`.
    pub ty: Type,
    pub min: u32,
    pub max: Option<u32>,
    pub import: Option<ImportName>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataMode {
    Active { offset: ConstExpr },
    Passive,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataSegment {
    pub mode: DataMode,
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElemMode {
    Active {
        table: TableId,
        offset: ConstExpr,
    },
    Passive,
    /// Declarative segments only declare functions referable; they are dropped at start.
    Declared,
}

/// An element segment. Its items are function references or nulls, so a segment of only
/// nulls can initialize a table of either reference type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElemSegment {
    pub mode: ElemMode,
    /// `None` is a null reference.
    pub items: Vec<Option<FuncId>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportKind {
    Func(FuncId),
    Global(GlobalId),
    Memory,
    Table(TableId),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    pub name: String,
    pub kind: ExportKind,
}

/// The name of a linked program's entry function ([`Module::program_entry`]).
pub const PROGRAM_ENTRY: &str = "__zkc_start";

#[derive(Clone, Debug, Default)]
pub struct Module {
    /// Interned signatures referenced by `call_indirect`; equal signatures have equal ids, so a
    /// signature check compares ids.
    pub sigs: PrimaryMap<SigId, Signature>,
    pub funcs: PrimaryMap<FuncId, FuncDecl>,
    pub globals: PrimaryMap<GlobalId, GlobalDecl>,
    pub memory: Option<MemoryDecl>,
    pub tables: PrimaryMap<TableId, TableDecl>,
    pub data: PrimaryMap<DataId, DataSegment>,
    pub elems: PrimaryMap<ElemId, ElemSegment>,
    pub exports: Vec<Export>,
    pub start: Option<FuncId>,
}

/// Operand and result types of an operation, as the verifier checks them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpTypes {
    pub args: Vec<Type>,
    pub results: Vec<Type>,
}

impl Module {
    pub fn new() -> Self {
        Self::default()
    }

    /// Returns the id of `sig`, adding it if it is new.
    pub fn intern_sig(&mut self, sig: &Signature) -> SigId {
        match self.sigs.iter().find(|(_, s)| *s == sig) {
            Some((id, _)) => id,
            None => self.sigs.push(sig.clone()),
        }
    }

    /// The entry of a module linked as a program (`zkc_runtime::link` adds it): the function
    /// named [`PROGRAM_ENTRY`], which the backend runs once, from the initial state. Nothing
    /// else enters such a module: its exports are reached only by the calls its code makes.
    pub fn program_entry(&self) -> Option<FuncId> {
        self.func_by_name(PROGRAM_ENTRY)
    }

    pub fn func_by_name(&self, name: &str) -> Option<FuncId> {
        self.funcs
            .iter()
            .find(|(_, f)| f.name == name)
            .map(|(id, _)| id)
    }

    pub fn export_func(&self, name: &str) -> Option<FuncId> {
        self.exports.iter().find_map(|e| match e.kind {
            ExportKind::Func(f) if e.name == name => Some(f),
            _ => None,
        })
    }

    /// The operand and result types `op` requires in this module, or why it is ill-formed
    /// (an entity that does not exist, an operation that does not exist at that type).
    pub fn op_types(&self, op: &Op) -> Result<OpTypes, String> {
        use Type::*;
        let t = |args: Vec<Type>, results: Vec<Type>| Ok(OpTypes { args, results });
        let data = |d: DataId| {
            if self.data.is_valid(d) {
                Ok(())
            } else {
                Err(format!("unknown data segment {d}"))
            }
        };
        let elem = |e: ElemId| {
            if self.elems.is_valid(e) {
                Ok(())
            } else {
                Err(format!("unknown element segment {e}"))
            }
        };
        let table = |tb: TableId| {
            if self.tables.is_valid(tb) {
                Ok(())
            } else {
                Err(format!("unknown table {tb}"))
            }
        };
        let elem_ty = |tb: TableId| table(tb).map(|()| self.tables[tb].ty);
        let ref_ty = |ty: Type| {
            if ty.is_ref() {
                Ok(())
            } else {
                Err(format!("{ty} is not a reference type"))
            }
        };
        let memory = || {
            if self.memory.is_some() {
                Ok(())
            } else {
                Err("the module has no memory".to_string())
            }
        };
        match op {
            Op::Const { ty, .. } if ty.is_ref() => Err(format!("{ty} has no constants")),
            Op::Const { ty, .. } => t(vec![], vec![*ty]),
            Op::Unary { op, ty } => {
                if !op.valid_for(*ty) {
                    return Err(format!("{ty}.{} does not exist", op.name()));
                }
                let r = if *op == UnaryOp::Eqz { I32 } else { *ty };
                t(vec![*ty], vec![r])
            }
            Op::Binary { op, ty } => {
                if !op.valid_for(*ty) {
                    return Err(format!("{ty}.{} does not exist", op.name()));
                }
                let _: BinaryOp = *op;
                t(vec![*ty, *ty], vec![*ty])
            }
            Op::Compare { op, ty } => {
                if !op.valid_for(*ty) {
                    return Err(format!("{ty}.{} does not exist", op.name()));
                }
                let _: CmpOp = *op;
                t(vec![*ty, *ty], vec![I32])
            }
            Op::Convert(c) => {
                let (a, r) = c.types();
                t(vec![a], vec![r])
            }
            Op::Select { ty } => t(vec![*ty, *ty, I32], vec![*ty]),
            Op::RefNull(ty) => ref_ty(*ty).and(t(vec![], vec![*ty])),
            Op::RefIsNull(ty) => ref_ty(*ty).and(t(vec![*ty], vec![I32])),
            Op::RefToBits(ty) => ref_ty(*ty).and(t(vec![*ty], vec![I64])),
            Op::RefFromBits(ExternRef) => t(vec![I64], vec![ExternRef]),
            Op::RefFromBits(ty) => Err(format!("{ty}.from_bits does not exist")),
            Op::RefFunc(f) => match self.funcs.get(*f) {
                Some(_) => t(vec![], vec![FuncRef]),
                None => Err(format!("unknown function {f}")),
            },
            Op::Load { ty, width, .. } => {
                memory()?;
                if !valid_width(*ty, *width) {
                    return Err(format!("{ty} has no {}-byte load", width));
                }
                t(vec![I32], vec![*ty])
            }
            Op::Store { ty, width, .. } => {
                memory()?;
                if !valid_width(*ty, *width) {
                    return Err(format!("{ty} has no {}-byte store", width));
                }
                t(vec![I32, *ty], vec![])
            }
            Op::GlobalGet(g) => match self.globals.get(*g) {
                Some(d) => t(vec![], vec![d.ty]),
                None => Err(format!("unknown global {g}")),
            },
            Op::GlobalSet(g) => match self.globals.get(*g) {
                Some(d) if d.mutable => t(vec![d.ty], vec![]),
                Some(d) => Err(format!("global %{} is immutable", d.name)),
                None => Err(format!("unknown global {g}")),
            },
            Op::MemorySize => memory().and(t(vec![], vec![I32])),
            Op::MemoryGrow => memory().and(t(vec![I32], vec![I32])),
            Op::MemoryCopy | Op::MemoryFill => memory().and(t(vec![I32, I32, I32], vec![])),
            Op::MemoryInit(d) => memory().and(data(*d)).and(t(vec![I32, I32, I32], vec![])),
            Op::DataDrop(d) => data(*d).and(t(vec![], vec![])),
            Op::TableSize(tb) => table(*tb).and(t(vec![], vec![I32])),
            Op::TableGet(tb) => t(vec![I32], vec![elem_ty(*tb)?]),
            Op::TableSet(tb) => t(vec![I32, elem_ty(*tb)?], vec![]),
            Op::TableGrow(tb) => t(vec![elem_ty(*tb)?, I32], vec![I32]),
            Op::TableFill(tb) => t(vec![I32, elem_ty(*tb)?, I32], vec![]),
            Op::TableInit { table: tb, elem: e } => {
                let ty = elem_ty(*tb)?;
                elem(*e)?;
                if ty != FuncRef && self.elems[*e].items.iter().any(|i| i.is_some()) {
                    return Err(format!("{e} holds functions, table {tb} holds {ty}"));
                }
                t(vec![I32, I32, I32], vec![])
            }
            Op::TableCopy { dst, src } => {
                let (d, s) = (elem_ty(*dst)?, elem_ty(*src)?);
                if d != s {
                    return Err(format!(
                        "table.copy from {s} table {src} to {d} table {dst}"
                    ));
                }
                t(vec![I32, I32, I32], vec![])
            }
            Op::ElemDrop(e) => elem(*e).and(t(vec![], vec![])),
            Op::Call(f) => match self.funcs.get(*f) {
                Some(d) => t(d.sig.params.clone(), d.sig.results.clone()),
                None => Err(format!("unknown function {f}")),
            },
            Op::CallIndirect { table: tb, sig } => {
                if elem_ty(*tb)? != FuncRef {
                    return Err(format!(
                        "call_indirect through {tb}, which is not a funcref table"
                    ));
                }
                match self.sigs.get(*sig) {
                    Some(s) => {
                        let mut args = s.params.clone();
                        args.push(I32);
                        t(args, s.results.clone())
                    }
                    None => Err(format!("unknown signature {sig}")),
                }
            }
            Op::MachLoad { width } => {
                if !matches!(width, 1 | 2 | 4 | 8) {
                    return Err(format!("no {width}-byte machine load"));
                }
                t(vec![I64], vec![I64])
            }
            Op::MachStore { width } => {
                if !matches!(width, 1 | 2 | 4 | 8) {
                    return Err(format!("no {width}-byte machine store"));
                }
                t(vec![I64, I64], vec![])
            }
            Op::Uart => t(vec![I32], vec![]),
            Op::PubOut => t(vec![I32, I32], vec![]),
        }
    }
}

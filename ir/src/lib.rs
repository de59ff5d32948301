//! zkc's SSA intermediate representation.
//!
//! A [`Module`] holds functions, globals, one linear memory, tables and segments; a
//! [`Function`] body is SSA with block parameters over arenas of `u32` entities
//! ([`Value`], [`Inst`], [`Block`]). The IR covers all of wasm's integer and float semantics
//! plus a few machine-level operations the ZisK runtime needs (see [`ops`]).

pub mod callgraph;
pub mod cfg;
pub mod entities;
pub mod function;
pub mod module;
pub mod ops;
pub mod parallel_move;
pub mod ranges;
pub mod semantics;
pub mod types;

pub use cranelift_entity::{EntityRef, PrimaryMap, SecondaryMap};
pub use entities::{Block, DataId, ElemId, FuncId, GlobalId, Inst, SigId, TableId, Value};
pub use function::{
    BlockCall, BlockData, Function, InstData, SrcLoc, TermKind, Terminator, ValueData, ValueDef,
};
pub use module::{
    ConstExpr, DataMode, DataSegment, ElemMode, ElemSegment, Export, ExportKind, FuncDecl, FuncDef,
    GlobalDecl, GlobalInit, ImportName, MemoryDecl, Module, OpTypes, TableDecl, PROGRAM_ENTRY,
};
pub use ops::{BinaryOp, CmpOp, ConvOp, Op, TrapCode, UnaryOp, Width};
pub use types::{Signature, Type};

pub mod interp;
pub mod ssa;
pub mod text;
pub mod verify;

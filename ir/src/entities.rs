//! Entity references: every IR object is a `u32` index into an arena.
//!
//! Following Cranelift (`cranelift/codegen/src/ir/entities.rs`), each kind of entity has its own
//! newtype so that a `Value` can never be used where a `Block` is meant. Arenas are
//! `cranelift_entity::PrimaryMap`s, side tables are `SecondaryMap`s. The `Display` of an entity
//! is its text syntax.

use cranelift_entity::entity_impl;

/// An SSA value: a block parameter or an instruction result. Text: `v3`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Value(u32);
entity_impl!(Value, "v");

/// A basic block. Text: `block2`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Block(u32);
entity_impl!(Block, "block");

/// A non-terminator instruction. Instructions have no text name of their own.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Inst(u32);
entity_impl!(Inst, "inst");

/// A function of the module, imported or defined; same index space as wasm's.
/// Text: the function's name with the `@` sigil (`@main`).
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncId(u32);
entity_impl!(FuncId, "f");

/// A global variable. Text: the global's name with the `%` sigil (`%__stack_pointer`).
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GlobalId(u32);
entity_impl!(GlobalId, "g");

/// An interned function signature, used by `call_indirect`. Text: `sig1`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SigId(u32);
entity_impl!(SigId, "sig");

/// A table of function references. Text: `t0`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableId(u32);
entity_impl!(TableId, "t");

/// A data segment. Text: `d0`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DataId(u32);
entity_impl!(DataId, "d");

/// An element segment. Text: `e0`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ElemId(u32);
entity_impl!(ElemId, "e");

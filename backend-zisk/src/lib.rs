//! ZisK code generation: a linked zkc IR module to a ZisK [`Program`] ([`codegen::compile`];
//! its stages, value representation, conventions and memory layout are in its docs).
//!
//! The machine itself (operations and their costs, instructions, programs, the ROM, both
//! output formats, the emulator) is the crate `zkc_zisk_machine`; its modules and main types
//! are re-exported here, so that a user of the backend needs one crate.

pub mod codegen;

pub use asm::write_asm;
pub use emu::{EmuError, Emulator, Outcome, Status};
pub use inst::{ASrc, BSrc, DataSection, Inst, Store};
pub use ops::Op;
pub use program::{
    AllocCost, DataDecl, Flow, InstKind, Item, Layout, OpInst, Program, Target, Value,
};
pub use rom::{Rom, Symbol};
pub use stats::Stats;
pub use zkc_zisk_machine::{asm, emu, frops, inst, mem_map, ops, program, rom, stats, zisk_bin};

//! ZisK code generation: a linked zkc IR module to a ZisK [`Program`] ([`codegen::compile`];
//! its stages, value representation, conventions and memory layout are in its docs).
//!
//! The machine itself (operations and their costs, instructions, programs, the ROM, both
//! output formats, the emulator) is the crate `zkc_zisk_machine`; its modules and main types
//! are re-exported here, so that a user of the backend needs one crate.

pub mod codegen;

pub use zkc_zisk_machine::*;

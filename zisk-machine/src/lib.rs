//! The ZisK machine inside zkc: what code generation targets, the optimizer's cost model and
//! the allocator's costs read, and what runs and measures the result.
//!
//! zkc's target is the native instruction set of the ZisK zkVM 1.4.0-alpha. This crate models
//! that machine from upstream's facts (each module names the zisk-core / zisk-asm / ziskemu file
//! it follows; see also `/work/shared/zisk/TARGET.md`) and provides both output formats real
//! ZisK accepts plus an emulator whose costs match `ziskemu -X` to the unit:
//!
//! - [`ops`]: the operations ([`Op`]): name, opcode, proving class, cost, semantics;
//! - [`inst`]: one instruction ([`Inst`]) with every field that affects execution;
//! - [`mem_map`]: the memory map; [`rom`]: a whole [`Rom`], BIOS included;
//! - [`program`]: what the instruction selector produces, a [`Program`] of labels,
//!   instructions with symbolic targets and data declarations, and its layout into a [`Rom`]
//!   with the assembler's rules ([`Program::layout`]); [`sym`]: the names of its labels and
//!   data, `u32` ids into the program's table;
//! - [`asm`]: the program as ZisK assembly text for `ziskemu -z` ([`write_asm`]);
//! - [`zisk_bin`]: the ziskbin ELF container for `ziskemu -e`, writer and reader
//!   ([`zisk_bin::write_elf`], [`zisk_bin::read_elf`]);
//! - [`emu`]: the [`Emulator`]; [`stats`]: the cost model and the `-X` report ([`Stats`]);
//!
//! For the instruction selector: build a [`Program`] ([`Program::label`], [`Program::op`] with
//! [`OpInst`], [`Program::inst`] for `call`/`ret`/`jump`/`ret_to_bios` and comments,
//! [`Program::data`] with [`DataDecl`]), then [`write_asm`] it, or [`Program::layout`] it and
//! [`zisk_bin::write_elf`] the ROM. Both give the same addresses: the conformance test checks
//! that upstream's assembler builds our layout, instruction for instruction, from our text.
//!
//! For the CLI: [`Emulator::new`] takes a ROM and the input file's bytes
//! ([`emu::legacy_input`] builds them from raw stdin bytes, like `ziskemu --legacy-inputs`);
//! [`Emulator::run`] stops at `end` or a step limit and returns an [`Outcome`], or an
//! [`EmuError`] with pc, step and address; [`Emulator::stats`] gives the [`Stats`]
//! (`steps`, [`Stats::variable_cost`], ...) and [`Stats::format_like_ziskemu`] the `-X` report;
//! [`Emulator::pc_costs`] the per-instruction counts (and, with [`Emulator::enable_profile`], costs) for profiles, and
//! [`Emulator::call_stacks`] the costs by call stack of a profiled ROM with function symbols
//! ([`Rom::symbols`], which the ziskbin ELF carries as its symbol table). Running an ELF the way
//! `zkc emu app.elf --stdin FILE --stats` does:
//!
//! ```no_run
//! use zkc_zisk_machine::{emu, zisk_bin, Emulator};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let rom = zisk_bin::read_elf(&std::fs::read("app.elf")?)?;
//! let input = emu::legacy_input(&std::fs::read("stdin.bin")?);
//! let mut emulator = Emulator::new(&rom, &input)?;
//! let outcome = emulator.run(u64::MAX)?;
//! print!("{}", emulator.console_as_printed());
//! print!("{}", emulator.stats().format_like_ziskemu());
//! # let _ = outcome; Ok(()) }
//! ```
//!
//! Not modelled: the precompiles other than those zkc emits (`keccak` and `sha256` for its
//! accelerator runtime, `dma_memcpy` and `dma_xmemset` for bulk memory, see [`ops`]), and
//! `sp`-relative operands (the assembler rejects them). The tests compare everything else with
//! the real `ziskemu` 1.4.0-alpha (`tests/conformance.rs`, `tests/upstream_examples.rs`).

pub mod asm;
mod bigint;
pub mod emu;
pub mod frops;
pub mod inst;
pub mod mem_map;
pub mod ops;
pub mod program;
pub mod rom;
pub mod stats;
pub mod sym;
pub mod zisk_bin;

pub use asm::{write_asm, write_asm_with_margin};
pub use emu::{EmuError, Emulator, Outcome, Status};
pub use inst::{ASrc, BSrc, DataSection, Inst, Store};
pub use ops::Op;
pub use program::{
    AllocCost, DataDecl, Flow, InstKind, Item, Layout, OpInst, Program, Target, ToSym, Value,
};
pub use rom::{Rom, Symbol};
pub use stats::Stats;
pub use sym::{Sym, Symbols};

//! Code generation: a linked zkc IR module to a ZisK [`Program`], in the stages that
//! [`compile_dumping`] runs in order, each one `--dump-after` away ([`Stage`]):
//!
//! 0. `layout::plan`: the static area (memory size and bound words, globals, tables, segment
//!    lengths), the memory image, the ROM data, how far instantiation gets, the call graph.
//! 1. [`Stage::Isel`] (`isel`): every function into [`vcode::VCode`], ZisK operations over
//!    virtual registers.
//! 2. [`Stage::Hoist`] (`hoist`): back-edge block-parameter moves placed before the branch
//!    (coloring allocator only).
//! 3. [`Stage::Regalloc`] (`allocate`): every function allocated ([`Allocator`]; coloring
//!    callees first with the whole program's clobber summaries), the slot area placed.
//! 4. [`Stage::Emit`] (`emit`, then `stubs`): the functions with their locations, then
//!    `_start`, the trap handlers and the data linked around them.
//!
//! # Representation of values
//!
//! Every IR value is one 64-bit location. An **i32 keeps only its low 32 bits meaningful; the
//! upper 32 bits are unspecified**. So `i32.add`/`sub`/`mul`/`and`/`or`/`xor` use the 64-bit
//! ops (`add` is the cheapest ALU op), `i32.wrap_i64` is a copy, comparisons, shifts, rotations,
//! divisions and bit counts use the `_w` forms (which read the low 32 bits), and the places that
//! need the full value zero-extend explicitly: addresses (`and 0xffffffff`) and
//! `i64.extend_i32_u`, unless the upper bits are known (see "Bounds checks"); an i32 addition,
//! subtraction or multiplication that reaches an address uses the `_w` op. Constants are never materialised: they are immediates in the operand that
//! uses them. f32/f64 values are their bit patterns (only moves, loads, stores, selects,
//! reinterpretations; float arithmetic is not supported yet).
//!
//! # Machine conventions
//!
//! - `r1`: return address (`call`); a function that calls keeps it in a vreg from its entry,
//!   which stays in `r1` when every call the vreg crosses re-enters (their saves restore it).
//! - `r2`..`r9`: scratch inside one lowered IR instruction (`r2` also breaks parallel-move
//!   cycles); never allocated.
//! - `r10`..`r29`: arguments and results (`i`th in `r10+i`); arguments and results past the
//!   20th in fixed memory words (`Layout::extra_args`).
//! - `r39`: the software stack pointer (saves around re-entering calls, growing upwards).
//! - Allocatable ([`ALLOCATABLE`]): `r1` and `r10`..`r38`. A call clobbers `r1` (its return
//!   address) like the callee's other registers. The argument registers are allocatable
//!   where they are not in use, so a value computed for an argument, or a parameter, may live in
//!   its argument register and its copy vanish.
//! - Across calls (interprocedural, whole program): a function's *clobbers* are the registers
//!   it writes and the clobbers of the calls it makes, computed callees first over the call
//!   graph's components; a value live across a call avoids exactly its callee's clobbers
//!   (or, split, is stored to a home slot before the calls that clobber its register and
//!   loaded back after).
//!   Slots likewise: the slot area is shared by all functions, a function's slots and its
//!   callees' start at offset 0, and a value live across a call lives above the callee's
//!   highest slot, so functions never active at the same time overlay their slots. Calls inside
//!   a component save and restore what is live across them (see `zkc_regalloc_mem`).
//!
//! # Memory layout
//!
//! - `RAM_ADDR ..`: the static area, initialised by code at `_start` (no RAM data): memory size
//!   and bounds words, globals, tables, then the functions' static frames, then the software
//!   stack up to `SYS_ADDR`.
//! - ROM data after the code: passive segments, and each function's jump tables (label words,
//!   read by `copyb(r2, 8[a + table]), setpc(0)`; they cost no code at `_start`).
//! - linear memory at `Layout::mem_base`: as low as possible so that its first active data
//!   segment lands at `GENERAL_RAM_ADDR`, where the assembler places the (only) RAM data
//!   declaration, the image of the active data segments; never below `OUTPUT_ADDR + 0x1000`.
//!   Its byte `i` is at `mem_base + i`.
//!
//! # Tables and references
//!
//! A reference is one 64-bit value like any other: 0 is null, function `f` is `f + 1`, the
//! host's externref `n` is `n + 1` (the interpreter's bits, so the spec driver reads results
//! the same way). A funcref table is an array of (code address, signature id) pairs in the
//! static area, so `call_indirect` costs what it did before tables could change: a bounds
//! check, one load and compare of the signature, one jump through the code word; null
//! entries jump to the null-element trap with signature MAX. Where the program reads
//! references back (`table.get`), every funcref table also keeps one reference word per
//! entry; an externref table is only those words. Writing a reference into a pair looks its
//! code address and signature up in the ROM table of function descriptors `__zkc_funcref`
//! (16 bytes per reference, null first); passive element segments are ROM words of
//! references with a length word that `elem.drop` zeroes (active and declared segments start
//! dropped). A table the program grows reserves up to [`TABLE_GROWTH`] more entries (never
//! past its maximum) and keeps its size in a word, which `call_indirect`, `table.size` and
//! the bounds checks read; other tables have a constant size.
//!
//! # Bounds checks
//!
//! An access of `k` bytes at offset `o` is in bounds when `zext(addr) <= memsize - (o + k)`; the
//! word `bound[o + k]` holds that difference (signed; updated by `memory.grow`), so the check is
//! one compare-and-branch: `lt([bound], r2), j(trap)`. Accesses at constant displacements
//! from one sign-extended value share its checks and read `[p + d + offset]` (`checks`,
//! "Displaced accesses"). An address whose upper bits nothing
//! knows (an `i32.wrap_i64` of a pointer, as Go's code addresses memory) is checked as it is,
//! without its zero-extension: a raw value below the bound is the address; one above branches
//! to a path after the function's blocks (labels `{function}_w{n}`) that zero-extends it into
//! `r2`, checks that, does the access from `r2` and jumps back.
//!
//! # Traps and exit
//!
//! A trap prints `trap: MESSAGE\n` on the console, stores its state in the exit word and returns
//! to the BIOS (which publishes the public output). The exit word is the u64 at
//! [`EXIT_WORD`] (`OUTPUT_ADDR + 256`, just past the 256 published bytes): the exit status in
//! the low 32 bits, and `1 + index in TrapCode::ALL` in the high 32 bits after a trap.
//! Instantiation is decided at compile time (segment offsets are constants): when an active
//! segment is out of bounds, the image holds the segments before it and `_start` jumps to its
//! trap instead of calling the entry.

mod allocate;
mod checks;
mod dump;
mod emit;
mod exit;
mod ext;
mod hoist;
mod isel;
mod layout;
mod stubs;
pub mod vcode;

use rustc_hash::FxHashSet as HashSet;
use std::borrow::Cow;
use std::fmt;

use zkc_ir::{FuncDef, FuncId, Function, Module, TrapCode};
use zkc_regalloc_mem::{reg_range, RegSet};

use crate::program::Program;

pub use exit::{decode_exit_word, Exit, EXIT_WORD};
pub use layout::TABLE_GROWTH;
pub(crate) use layout::{bound_word, Layout};
pub use vcode::WRAPPED_TAG;

/// The function name of the code at `_start` (the static area's initialisation and the call of
/// the entry): not a function of the module.
pub const ENTRY_NAME: &str = "__zkc_entry";
/// Number of arguments/results passed in registers.
pub const ARG_REGS: usize = 20;
/// First argument register.
pub const ARG_REG0: u8 = 10;
/// The software stack pointer.
pub const SP_REG: u8 = 39;
/// Registers the allocator may assign (see the module docs).
pub const ALLOCATABLE: RegSet = reg_range(10, 38) | 1 << 1;

/// The backend's stages, in the order they run.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    Isel,
    Hoist,
    Regalloc,
    Emit,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Isel, Stage::Hoist, Stage::Regalloc, Stage::Emit];

    /// The name `--dump-after` knows it by.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Isel => "isel",
            Stage::Hoist => "hoist",
            Stage::Regalloc => "regalloc",
            Stage::Emit => "emit",
        }
    }
}

#[derive(Clone, Debug)]
pub struct CodegenOptions {
    /// Check every linear-memory access against the memory size (wasm semantics).
    pub bounds_checks: bool,
    /// Which register allocator to run.
    pub allocator: Allocator,
    /// Return as upstream's RISC-V transpiler does, `and(~1, ra)` with `set_pc` (its `jalr`),
    /// which `ziskemu -S` needs to follow calls and returns; else `copyb(0, ra)` with
    /// `set_pc`, the return ZisK's own ROM code uses (zisk-core `rom_layout.rs`), 55 cheaper
    /// (a step without a binary operation; zkc's return addresses are always aligned, so the
    /// mask changes nothing).
    pub upstream_returns: bool,
}

impl Default for CodegenOptions {
    fn default() -> Self {
        CodegenOptions {
            bounds_checks: true,
            allocator: Allocator::default(),
            upstream_returns: false,
        }
    }
}

/// The register allocators (`zkc_regalloc_mem`).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Allocator {
    /// The first allocator: every vreg its own static slot.
    Slots,
    /// Registers for the most valuable live ranges, reused and overlaid slots for the rest,
    /// copies coalesced (`zkc_regalloc_mem::coloring`).
    #[default]
    Coloring,
}

/// Why a module cannot be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodegenError {
    /// A construct the backend does not implement.
    Unsupported {
        what: String,
        func: Option<String>,
        offset: Option<u32>,
    },
    /// An implementation limit (static area, ROM) was exceeded.
    Limit(String),
    /// The module has no entry point.
    NoEntry,
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            CodegenError::Unsupported { what, func, offset } => {
                write!(f, "unsupported: {what}")?;
                if let Some(func) = func {
                    write!(f, " in @{func}")?;
                }
                if let Some(o) = offset {
                    write!(f, " at wasm offset {o:#x}")?;
                }
                Ok(())
            }
            CodegenError::Limit(s) => write!(f, "implementation limit: {s}"),
            CodegenError::NoEntry => {
                write!(
                    f,
                    "no entry: the module exports no `_start` (and has no `__zkc_start`)"
                )
            }
        }
    }
}

impl std::error::Error for CodegenError {}

pub(crate) fn unsupported(what: impl Into<String>) -> CodegenError {
    CodegenError::Unsupported {
        what: what.into(),
        func: None,
        offset: None,
    }
}

/// The prefix of the handlers a check jumps to when it fails ([`trap_label`]).
pub(crate) const TRAP_PREFIX: &str = "__trap_";
/// The prefix of the signature-mismatch paths of `call_indirect` ([`bad_signature_label`]).
const BAD_SIGNATURE_PREFIX: &str = "__ci_bad_";

/// The label of the handler a check jumps to when it fails with `code` (`__trap_heap_oob`).
pub fn trap_label(code: TrapCode) -> String {
    format!("{TRAP_PREFIX}{}", code.name())
}

/// The label of the path a `call_indirect` through table `table` takes when the entry's
/// signature differs: it tells a null entry from a wrong one and jumps to their traps.
fn bad_signature_label(table: usize) -> String {
    format!("{BAD_SIGNATURE_PREFIX}{table}")
}

/// Whether the function symbol `name` is code zkc adds to every program (the entry, trap
/// handlers, signature-mismatch paths), not a function of the module or its runtime.
pub fn is_zkc_code(name: &str) -> bool {
    name == ENTRY_NAME || name.starts_with(TRAP_PREFIX) || name.starts_with(BAD_SIGNATURE_PREFIX)
}

/// Compiles a linked module (every import resolved, except `zisk.*` machine imports).
pub fn compile(module: &Module, opts: &CodegenOptions) -> Result<Program, CodegenError> {
    compile_dumping(module, opts, &[], &mut |_, _| {})
}

/// What [`compile_dumping`] calls when a stage has run: with the stage's text when the stage
/// is one of those asked for, so that the caller can print it (and time the stages).
pub type StageDone<'a> = dyn FnMut(Stage, Option<String>) + 'a;

/// The allocated code of every function, as ZisK assembly with each function's allocation
/// summary (`--dump-after regalloc`).
pub fn dump_allocated(module: &Module, opts: &CodegenOptions) -> Result<String, CodegenError> {
    let mut out = String::new();
    compile_dumping(module, opts, &[Stage::Regalloc], &mut |_, text| {
        if let Some(text) = text {
            out = text;
        }
    })?;
    Ok(out)
}

/// [`compile`], calling `done` when each stage has run, with its text for the stages of
/// `after`.
pub fn compile_dumping(
    module: &Module,
    opts: &CodegenOptions,
    after: &[Stage],
    done: &mut StageDone,
) -> Result<Program, CodegenError> {
    compile_stages(Cow::Borrowed(module), opts, after, done)
}

/// [`compile_dumping`] of a module it owns, whose function bodies it frees one by one as they
/// are selected: a large module's IR is not held with its selected code.
pub fn compile_dumping_owned(
    module: Module,
    opts: &CodegenOptions,
    after: &[Stage],
    done: &mut StageDone,
) -> Result<Program, CodegenError> {
    compile_stages(Cow::Owned(module), opts, after, done)
}

fn compile_stages(
    mut module: Cow<'_, Module>,
    opts: &CodegenOptions,
    after: &[Stage],
    done: &mut StageDone,
) -> Result<Program, CodegenError> {
    let mut show = |stage: Stage, text: &mut dyn FnMut() -> String| {
        done(stage, after.contains(&stage).then(text));
    };
    let mut plan = layout::plan(&module)?;

    // An owned module's bodies are taken out and each is freed as soon as its function is
    // selected, so that the whole module's IR and its whole selected code never exist at once
    // (together they were the compile's peak: 677 MiB on a 4.6 MB Go module, 435 MiB since).
    // What follows selection needs only the functions' names, signatures and kinds.
    let mut vcs = match &mut module {
        Cow::Owned(m) => {
            let bodies: Vec<Option<Function>> = (m.funcs.values_mut())
                .map(|d| d.body_mut().map(std::mem::take))
                .collect();
            isel::select_functions(m, bodies, &mut plan, opts)
        }
        Cow::Borrowed(m) => {
            let bodies: Vec<Option<&Function>> = m.funcs.values().map(|d| d.body()).collect();
            isel::select_functions(m, bodies, &mut plan, opts)
        }
    }?;
    show(Stage::Isel, &mut || {
        dump::selected(&module, &plan.layout, &plan.symbols, &vcs)
    });
    let imports = used_imports_check(&module, &plan.called);
    if opts.allocator == Allocator::Coloring {
        use rayon::prelude::*;
        vcs.par_iter_mut()
            .flatten()
            .for_each(hoist::hoist_back_edge_moves);
    }
    show(Stage::Hoist, &mut || {
        dump::selected(&module, &plan.layout, &plan.symbols, &vcs)
    });

    // The allocation's slots, then the software stack of its saves, take the rest of the
    // static area.
    let alloc_area = plan.statics.arena.next..plan.statics.arena.end;
    let funcs = allocate::allocate(vcs, &plan.layout, opts, &mut plan.statics)?;
    show(Stage::Regalloc, &mut || {
        dump::allocated(&module, &plan.layout, &mut plan.symbols, &funcs, opts)
    });

    let mut program = stubs::start(&mut plan, alloc_area);
    emit::emit_functions(&module, &plan.layout, funcs, opts, &mut program);
    imports?;
    let program = stubs::link(plan, program)?;
    show(Stage::Emit, &mut || {
        crate::write_asm(&program).unwrap_or_else(|e| format!("; (cannot print: {e})\n"))
    });
    Ok(program)
}

/// Every import that is called (`called`: [`layout::Plan::called`]) must be a machine import
/// the selector knows.
fn used_imports_check(module: &Module, called: &[FuncId]) -> Result<(), CodegenError> {
    let called: HashSet<FuncId> = called.iter().copied().collect();
    for (id, f) in module.funcs.iter() {
        if let FuncDef::Import(name) = &f.def {
            let known = name.module == "zisk" && isel::is_machine_import(&name.field);
            if called.contains(&id) && !known && name.module == "zisk" {
                return Err(unsupported(format!("machine import zisk.{}", name.field)));
            }
        }
    }
    Ok(())
}

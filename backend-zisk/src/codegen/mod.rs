//! Code generation: a linked zkc IR module to a ZisK [`Program`].
//!
//! The pipeline is instruction selection (`isel`) of every function into [`vcode::VCode`] (ZisK
//! operations over virtual registers); allocation of every function, callees first
//! ([`Allocator`]: a side table of locations and of saves around re-entering calls, see
//! `zkc_regalloc_mem`); placement of the shared slot area; and emission (`emit`) into the
//! [`Program`]. [`dump_allocated`] prints the allocated VCode (`--dump-after regalloc`).
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
//!   and bounds words, globals, tables, jump tables, then the functions' static frames, then the
//!   software stack up to `SYS_ADDR`.
//! - linear memory at `Layout::mem_base`: as low as possible so that its first active data
//!   segment lands at `GENERAL_RAM_ADDR`, where the assembler places the (only) RAM data
//!   declaration, the image of the active data segments; never below `OUTPUT_ADDR + 0x1000`.
//!   Its byte `i` is at `mem_base + i`. Passive segments are ROM data.
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
//! one compare-and-branch: `lt([bound], r2), j(trap)`.
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

mod checks;
mod emit;
mod ext;
mod hoist;
mod isel;
pub mod vcode;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use zkc_ir::{
    ConstExpr, DataMode, ElemMode, EntityRef, FuncDef, FuncId, GlobalInit, Module, Op as IrOp,
    TrapCode,
};
use zkc_regalloc_mem::{coloring, reg_range, Allocation, CallInfo, RegSet, SlotArena};

use crate::mem_map::*;
use crate::program::{DataDecl, Flow, InstKind, OpInst, Program, Value};
use crate::{ASrc, BSrc, Op, Store};

/// The function name of the code at `_start` (the static area's initialisation and the call of
/// the entry): not a function of the module.
pub const ENTRY_NAME: &str = "__zkc_entry";
/// Where the exit state is stored (see the module docs).
pub const EXIT_WORD: u64 = OUTPUT_ADDR + 256;
/// Number of arguments/results passed in registers.
pub const ARG_REGS: usize = 20;
/// First argument register.
pub const ARG_REG0: u8 = 10;
/// The software stack pointer.
pub const SP_REG: u8 = 39;
/// Registers the allocator may assign (see the module docs).
pub const ALLOCATABLE: RegSet = reg_range(10, 38) | 1 << 1;
/// Bytes at the top of RAM left to the ZisK libraries.
const RAM_TOP_RESERVE: u64 = 0x10_0000;

#[derive(Clone, Debug)]
pub struct CodegenOptions {
    /// Check every linear-memory access against the memory size (wasm semantics).
    pub bounds_checks: bool,
    /// Which register allocator to run.
    pub allocator: Allocator,
}

impl Default for CodegenOptions {
    fn default() -> Self {
        CodegenOptions {
            bounds_checks: true,
            allocator: Allocator::default(),
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

fn unsupported(what: impl Into<String>) -> CodegenError {
    CodegenError::Unsupported {
        what: what.into(),
        func: None,
        offset: None,
    }
}

/// Addresses of everything in the static area, and module facts the selector needs.
pub(crate) struct Layout {
    pub size_word: u64,
    pub pages_word: u64,
    pub mem_base: u64,
    pub max_pages: u64,
    /// The initial memory size in bytes (memory never shrinks).
    pub mem_min: u64,
    /// `offset + width` → the bound word (none when the size is fixed).
    pub bounds: BTreeMap<u64, u64>,
    /// The memory's size in bytes when nothing can change it (no `memory.grow` in the module,
    /// or no room to grow): bounds checks compare with constants, not bound words, which saves
    /// the memory read of each (11 of its cost, TARGET.md §3).
    pub fixed_size: Option<u64>,
    pub extra_args: u64,
    pub globals: Vec<u64>,
    pub tables: Vec<TableLayout>,
    /// Per element segment that `table.init` or `elem.drop` names: the word holding its
    /// current length, and its ROM symbol if passive (one reference per word).
    pub elem_len: Vec<u64>,
    pub elem_sym: Vec<Option<String>>,
    /// Per data segment: the word holding its current length, and its ROM symbol if passive.
    pub seg_len: Vec<u64>,
    pub seg_sym: Vec<Option<String>>,
    pub func_labels: Vec<String>,
    /// Call-graph component of each function.
    pub scc: Vec<usize>,
    /// The signature id of each function for indirect calls.
    pub func_sig_id: Vec<u64>,
    /// The functions a `call_indirect` may reach: those of element segments and those
    /// `ref.func` names (sorted).
    pub table_funcs: Vec<usize>,
}

impl Layout {
    /// The functions a `call_indirect` through signature id `sig` may call: the one home of
    /// that fact for the call graph, `reenters` and the allocation's clobber summaries.
    pub fn indirect_targets(&self, sig: u64) -> impl Iterator<Item = usize> + Clone + '_ {
        self.table_funcs
            .iter()
            .copied()
            .filter(move |&g| self.func_sig_id[g] == sig)
    }

    pub fn mem_size_word(&self) -> u64 {
        self.size_word
    }
    pub fn mem_pages_word(&self) -> u64 {
        self.pages_word
    }
}

/// Where a table lives (see the module docs, "Tables and references").
pub(crate) struct TableLayout {
    /// Entry 0 of the (code address, signature) pairs of a funcref table.
    pub entries: Option<u64>,
    /// Entry 0 of the reference words (one per entry): externref tables, and funcref tables
    /// when the program reads references out of a table (`table.get`).
    pub refs: Option<u64>,
    /// The size at instantiation.
    pub min: u64,
    /// The word holding the current size of a table the program grows; else the size is
    /// always `min`.
    pub size_word: Option<u64>,
    /// Entries reserved.
    pub capacity: u64,
}

/// The ROM table of function descriptors: for the reference `r`, the code address and the
/// signature id at `FUNC_DESC + 16 * r` (null: the null-element trap and signature MAX).
pub(crate) const FUNC_DESC: &str = "__zkc_funcref";
/// Entries a growable table may gain beyond its initial size (capped by its maximum).
pub const TABLE_GROWTH: u64 = 4096;

/// The bound word of accesses that end `k` bytes past their address (offset included) in a
/// memory of `mem_size` bytes: the first address that fails, `mem_size - k + 1`, or 0 when
/// every address fails.
pub(crate) fn bound_word(mem_size: u64, k: u64) -> u64 {
    (mem_size + 1).saturating_sub(k)
}

/// Static-area allocator shared by the module layout and the frames.
pub(crate) struct Statics {
    pub arena: SlotArena,
    /// `(address, value)` words set by the `_start` code.
    pub init: Vec<(u64, Value)>,
}

impl Statics {
    fn word(&mut self, init: Value) -> Result<u64, CodegenError> {
        let a = self.arena.alloc().map_err(|_| static_full())?;
        if init != Value::Lit(0) {
            self.init.push((a, init));
        }
        Ok(a)
    }
}

pub(crate) fn static_full() -> CodegenError {
    CodegenError::Limit("static area (frames and tables, 4 MiB) is full".into())
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The label of the handler a check jumps to when it fails with `code` (`__trap_heap_oob`).
pub fn trap_label(code: TrapCode) -> String {
    format!("__trap_{}", code.name())
}

fn const_bits(m: &Module, e: &ConstExpr) -> Result<u64, CodegenError> {
    match e {
        ConstExpr::Value { bits, .. } => Ok(*bits),
        ConstExpr::GlobalGet(g) => match &m.globals[*g].init {
            GlobalInit::Const(c) => const_bits(m, c),
            GlobalInit::Import(_) => Err(unsupported("imported global in an initializer")),
        },
        ConstExpr::RefNull(_) => Ok(0),
        ConstExpr::RefFunc(f) => Ok(f.index() as u64 + 1),
        ConstExpr::Binary { op, ty, args } => {
            let (a, b) = (const_bits(m, &args[0])?, const_bits(m, &args[1])?);
            let r = match op {
                zkc_ir::BinaryOp::Add => a.wrapping_add(b),
                zkc_ir::BinaryOp::Sub => a.wrapping_sub(b),
                zkc_ir::BinaryOp::Mul => a.wrapping_mul(b),
                _ => return Err(unsupported(format!("{ty}.{} in a constant", op.name()))),
            };
            Ok(ty.truncate(r))
        }
    }
}

/// How far instantiation gets (wasm 2.0, "Instantiation", steps 14-15): it applies the active
/// element segments, then the active data segments, in order, each checked against the table
/// or memory size before it writes anything; the first out of bounds traps, so the segments
/// before it are in the initial state and `_start` never runs.
struct Instantiation {
    /// Element segments `0..elems` and data segments `0..data` are applied.
    elems: usize,
    data: usize,
    /// The trap, with what caused it.
    trap: Option<(TrapCode, String)>,
}

fn instantiation(module: &Module) -> Result<Instantiation, CodegenError> {
    for (id, e) in module.elems.iter() {
        if let ElemMode::Active { table, offset } = &e.mode {
            let off = const_bits(module, offset)? & 0xffff_ffff;
            if off + e.items.len() as u64 > u64::from(module.tables[*table].min) {
                return Ok(Instantiation {
                    elems: id.index(),
                    data: 0,
                    trap: Some((
                        TrapCode::TableOutOfBounds,
                        format!(
                            "instantiation traps: element segment {} out of bounds",
                            id.index()
                        ),
                    )),
                });
            }
        }
    }
    let mem_size = module
        .memory
        .as_ref()
        .map_or(0, |m| u64::from(m.min) * 65536);
    for (id, seg) in module.data.iter() {
        if let DataMode::Active { offset } = &seg.mode {
            let off = const_bits(module, offset)? & 0xffff_ffff;
            if off + seg.bytes.len() as u64 > mem_size {
                return Ok(Instantiation {
                    elems: module.elems.len(),
                    data: id.index(),
                    trap: Some((
                        TrapCode::MemoryOutOfBounds,
                        format!(
                            "instantiation traps: data segment {} out of bounds",
                            id.index()
                        ),
                    )),
                });
            }
        }
    }
    Ok(Instantiation {
        elems: module.elems.len(),
        data: module.data.len(),
        trap: None,
    })
}

/// Compiles a linked module (every import resolved, except `zisk.*` machine imports).
pub fn compile(module: &Module, opts: &CodegenOptions) -> Result<Program, CodegenError> {
    compile_inner(module, opts, None)
}

/// The allocated code of every function, as ZisK assembly with each function's allocation
/// summary (`--dump-after regalloc`).
pub fn dump_allocated(module: &Module, opts: &CodegenOptions) -> Result<String, CodegenError> {
    let mut out = String::new();
    compile_dumping(module, opts, &mut out)?;
    Ok(out)
}

/// [`compile`], appending [`dump_allocated`]'s text to `dump` on the way.
pub fn compile_dumping(
    module: &Module,
    opts: &CodegenOptions,
    dump: &mut String,
) -> Result<Program, CodegenError> {
    compile_inner(module, opts, Some(dump))
}

fn compile_inner(
    module: &Module,
    opts: &CodegenOptions,
    dump: Option<&mut String>,
) -> Result<Program, CodegenError> {
    let entry = module
        .func_by_name("__zkc_start")
        .or_else(|| module.export_func("_start"))
        .ok_or(CodegenError::NoEntry)?;
    let mut statics = Statics {
        arena: SlotArena::new(RAM_ADDR, RAM_ADDR + STACK_SIZE),
        init: vec![],
    };

    // Memory.
    let (min_pages, max_decl) = match &module.memory {
        Some(m) => {
            if m.import.is_some() {
                return Err(unsupported("imported memory"));
            }
            (m.min as u64, m.max.map(u64::from).unwrap_or(65536))
        }
        None => (0, 0),
    };
    let init = instantiation(module)?;
    let mut image_start = u64::MAX;
    let mut image_end = 0u64;
    let mut actives = Vec::new();
    for (_, seg) in module.data.iter().take(init.data) {
        if let DataMode::Active { offset } = &seg.mode {
            let off = const_bits(module, offset)? & 0xffff_ffff;
            // An empty segment writes nothing: it has no place in the image (nor in its range).
            if !seg.bytes.is_empty() {
                image_start = image_start.min(off & !7);
                image_end = image_end.max(off + seg.bytes.len() as u64);
                actives.push((off, &seg.bytes));
            }
        }
    }
    if image_start == u64::MAX {
        image_start = 0;
    }
    let mem_base = (GENERAL_RAM_ADDR.saturating_sub(image_start)).max(OUTPUT_ADDR + 0x1000);
    let ram_end = RAM_ADDR + RAM_SIZE - RAM_TOP_RESERVE;
    let max_pages = max_decl.min((ram_end - mem_base) / 65536);
    if min_pages > max_pages {
        return Err(CodegenError::Limit(format!(
            "initial memory of {min_pages} pages does not fit in ZisK RAM ({max_pages} pages)"
        )));
    }
    let mem_size = min_pages * 65536;
    let mem_size_word = statics.word(Value::Lit(mem_size))?;
    let mem_pages_word = statics.word(Value::Lit(min_pages))?;
    debug_assert_eq!(mem_pages_word, mem_size_word + 8);

    // Bound words, one per distinct offset + width, unless the size is fixed.
    let mut ks = BTreeSet::new();
    let mut max_args = 0usize;
    let mut grows = false;
    for (_, f) in module.funcs.iter() {
        max_args = max_args.max(f.sig.params.len()).max(f.sig.results.len());
        if let Some(body) = f.body() {
            for (_, inst) in body.insts.iter() {
                match inst.op {
                    IrOp::Load { width, offset, .. } | IrOp::Store { width, offset, .. } => {
                        ks.insert(offset as u64 + width as u64);
                    }
                    IrOp::MemoryGrow => grows = true,
                    _ => {}
                }
            }
        }
    }
    let fixed_size = (!grows || max_pages == min_pages).then_some(mem_size);
    let mut bounds = BTreeMap::new();
    for k in ks.into_iter().filter(|_| fixed_size.is_none()) {
        let w = statics.word(Value::Lit(bound_word(mem_size, k)))?;
        bounds.insert(k, w);
    }
    let extra_args = statics.arena.next;
    for _ in ARG_REGS..max_args {
        statics.word(Value::Lit(0))?;
    }

    // Globals.
    let mut globals = Vec::new();
    for (_, g) in module.globals.iter() {
        let init = match &g.init {
            GlobalInit::Const(c) => const_bits(module, c)?,
            GlobalInit::Import(i) => {
                return Err(unsupported(format!(
                    "imported global {}.{}",
                    i.module, i.field
                )))
            }
        };
        globals.push(statics.word(Value::Lit(init))?);
    }

    // Function labels and signature ids.
    let func_labels: Vec<String> = module
        .funcs
        .iter()
        .map(|(id, f)| format!("f{}_{}", id.index(), sanitize(&f.name)))
        .collect();
    let func_sig_id: Vec<u64> = module
        .funcs
        .iter()
        .map(|(_, f)| {
            module
                .sigs
                .iter()
                .find(|(_, s)| **s == f.sig)
                .map(|(id, _)| id.index() as u64)
                .unwrap_or(u64::MAX - 1)
        })
        .collect();

    // Tables: entries (code, sig), null entries point at the null trap with signature MAX;
    // reference words where the program reads them; a size word where it grows the table.
    let mut grows = BTreeSet::new();
    let mut reads_funcrefs = false;
    let mut funcref_writes = false;
    let mut ref_funcs: Vec<usize> = Vec::new();
    // Segments that table.init or elem.drop name; the others need no length word or ROM.
    let mut used_elems = BTreeSet::new();
    for (_, g) in module.globals.iter() {
        if let GlobalInit::Const(ConstExpr::RefFunc(f)) = g.init {
            ref_funcs.push(f.index());
        }
    }
    for (_, f) in module.funcs.iter() {
        for (_, inst) in f.body().iter().flat_map(|b| b.insts.iter()) {
            let funcref = |t: &zkc_ir::TableId| module.tables[*t].ty == zkc_ir::Type::FuncRef;
            match &inst.op {
                IrOp::TableGrow(t) => {
                    grows.insert(t.index());
                    funcref_writes |= funcref(t);
                }
                IrOp::TableGet(t) => reads_funcrefs |= funcref(t),
                IrOp::TableSet(t) | IrOp::TableFill(t) | IrOp::TableInit { table: t, .. } => {
                    funcref_writes |= funcref(t)
                }
                IrOp::RefFunc(f) => ref_funcs.push(f.index()),
                _ => {}
            }
            match &inst.op {
                IrOp::TableInit { elem: e, .. } | IrOp::ElemDrop(e) => {
                    used_elems.insert(e.index());
                }
                _ => {}
            }
        }
    }
    let null_code = || Value::Sym(trap_label(TrapCode::UninitializedElement), 0);
    let mut tables = Vec::new();
    for (_, t) in module.tables.iter() {
        if t.import.is_some() {
            return Err(unsupported("imported table"));
        }
        let min = t.min as u64;
        let grown = grows.contains(&tables.len());
        let capacity = if grown {
            (min + TABLE_GROWTH).min(t.max.map_or(u64::MAX, u64::from))
        } else {
            min
        };
        let funcref = t.ty == zkc_ir::Type::FuncRef;
        let entries = if funcref {
            let base = statics.arena.next;
            for k in 0..capacity {
                let init = k < min;
                statics.word(if init { null_code() } else { Value::Lit(0) })?;
                statics.word(Value::Lit(if init { u64::MAX } else { 0 }))?;
            }
            Some(base)
        } else {
            None
        };
        let refs = if !funcref || reads_funcrefs {
            let base = statics.arena.next;
            for _ in 0..capacity {
                statics.word(Value::Lit(0))?;
            }
            Some(base)
        } else {
            None
        };
        let size_word = if grown {
            Some(statics.word(Value::Lit(min))?)
        } else {
            None
        };
        tables.push(TableLayout {
            entries,
            refs,
            min,
            size_word,
            capacity,
        });
    }
    let mut elem_len = Vec::new();
    let mut elem_sym = Vec::new();
    let mut rom_elems = Vec::new();
    for (id, e) in module.elems.iter() {
        let bits = |item: &Option<FuncId>| Value::Lit(item.map_or(0, |f| f.index() as u64 + 1));
        let used = used_elems.contains(&id.index());
        match &e.mode {
            ElemMode::Active { table, offset } => {
                let off = const_bits(module, offset)? & 0xffff_ffff;
                let tl = &tables[table.index()];
                let applied = if id.index() < init.elems {
                    e.items.as_slice()
                } else {
                    &[]
                };
                for (i, item) in applied.iter().enumerate() {
                    let k = off + i as u64;
                    let mut set = |a: u64, v: Value| {
                        statics.init.retain(|(w, _)| *w != a);
                        if v != Value::Lit(0) {
                            statics.init.push((a, v));
                        }
                    };
                    if let Some(base) = tl.entries {
                        let (code, sig) = match item {
                            Some(f) => (
                                Value::Sym(func_labels[f.index()].clone(), 0),
                                func_sig_id[f.index()],
                            ),
                            None => (null_code(), u64::MAX),
                        };
                        set(base + 16 * k, code);
                        set(base + 16 * k + 8, Value::Lit(sig));
                    }
                    if let Some(refs) = tl.refs {
                        set(refs + 8 * k, bits(item));
                    }
                }
                elem_len.push(if used {
                    statics.word(Value::Lit(0))?
                } else {
                    0
                });
                elem_sym.push(None);
            }
            ElemMode::Declared => {
                elem_len.push(if used {
                    statics.word(Value::Lit(0))?
                } else {
                    0
                });
                elem_sym.push(None);
            }
            ElemMode::Passive if !used => {
                elem_len.push(0);
                elem_sym.push(None);
            }
            ElemMode::Passive => {
                elem_len.push(statics.word(Value::Lit(e.items.len() as u64))?);
                let name = format!("__elem_{}", id.index());
                let words: Vec<Value> = e.items.iter().map(bits).collect();
                rom_elems.push(DataDecl {
                    name: name.clone(),
                    is_const: true,
                    len: words.len().max(1),
                    words,
                });
                elem_sym.push(Some(name));
            }
        }
    }
    if funcref_writes {
        let mut words = vec![null_code(), Value::Lit(u64::MAX)];
        for (id, f) in module.funcs.iter() {
            let callable = f.import().is_none_or(|i| i.module != "zisk");
            words.push(if callable {
                Value::Sym(func_labels[id.index()].clone(), 0)
            } else {
                Value::Sym(trap_label(TrapCode::Unreachable), 0)
            });
            words.push(Value::Lit(func_sig_id[id.index()]));
        }
        rom_elems.push(DataDecl {
            name: FUNC_DESC.into(),
            is_const: true,
            len: words.len(),
            words,
        });
    }

    // Data segments: lengths (active ones are dropped after instantiation); passive in ROM.
    let mut seg_len = Vec::new();
    let mut seg_sym = Vec::new();
    let mut rom_data = Vec::new();
    for (id, seg) in module.data.iter() {
        match seg.mode {
            DataMode::Active { .. } => {
                seg_len.push(statics.word(Value::Lit(0))?);
                seg_sym.push(None);
            }
            DataMode::Passive => {
                seg_len.push(statics.word(Value::Lit(seg.bytes.len() as u64))?);
                let name = format!("__data_{}", id.index());
                rom_data.push(DataDecl::from_bytes(&name, true, &seg.bytes));
                seg_sym.push(Some(name));
            }
        }
    }

    // Call graph components (call_indirect may reach every table function of its signature).
    let n = module.funcs.len();
    let mut table_funcs: Vec<usize> = Vec::new();
    for (_, e) in module.elems.iter() {
        table_funcs.extend(e.items.iter().flatten().map(|f| f.index()));
    }
    // `table.set` and friends may put any referenced function in a table.
    table_funcs.extend(ref_funcs);
    table_funcs.sort_unstable();
    table_funcs.dedup();
    let mut layout = Layout {
        size_word: mem_size_word,
        pages_word: mem_pages_word,
        mem_base,
        max_pages,
        fixed_size,
        mem_min: mem_size,
        bounds,
        extra_args,
        globals,
        tables,
        elem_len,
        elem_sym,
        seg_len,
        seg_sym,
        func_labels,
        scc: Vec::new(),
        func_sig_id,
        table_funcs,
    };
    let mut succs = vec![Vec::new(); n];
    for (id, f) in module.funcs.iter() {
        if let Some(body) = f.body() {
            for &b in &body.layout {
                for &i in &body.blocks[b].insts {
                    match &body.insts[i].op {
                        IrOp::Call(g) => succs[id.index()].push(g.index()),
                        IrOp::CallIndirect { sig, .. } => {
                            succs[id.index()].extend(layout.indirect_targets(sig.index() as u64))
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    layout.scc = zkc_ir::callgraph::sccs(&succs);

    // Functions: selection, allocation (callees first), emission. The allocation's slots, then
    // the software stack of its saves, take the rest of the static area.
    let alloc_area = statics.arena.next..statics.arena.end;
    let funcs = select_and_allocate(module, &layout, opts, &mut statics)?;
    if let Some(out) = dump {
        for (id, f) in module.funcs.iter() {
            if let Some((vc, alloc)) = &funcs[id.index()] {
                dump_function(out, &f.name, vc, alloc, &layout.func_labels[id.index()]);
            }
        }
    }
    let mut body_program = Program::default();
    for (id, f) in module.funcs.iter() {
        match &f.def {
            FuncDef::Body(_) => {
                let (vc, alloc) = funcs[id.index()].as_ref().expect("selected");
                emit::emit(
                    vc,
                    alloc,
                    &layout.func_labels[id.index()],
                    &f.name,
                    &mut body_program,
                );
            }
            FuncDef::Import(name) => {
                // Machine imports are lowered at their call sites; nothing else may remain.
                if name.module != "zisk" {
                    // Only an error if called; emit a stub that traps as unreachable.
                    body_program.function(&layout.func_labels[id.index()], &f.name);
                    body_program.inst(
                        InstKind::Jump(trap_label(TrapCode::Unreachable)),
                        Some(&format!("unresolved import {}.{}", name.module, name.field)),
                    );
                }
            }
        }
    }
    used_imports_check(module)?;

    // The entry.
    let mut p = Program {
        alloc_area,
        functions: body_program.functions,
        ..Program::default()
    };
    p.function("_start", ENTRY_NAME);
    let imm = |v: Value| ASrc::Imm(v);
    let stack_start = statics.arena.next;
    p.inst(
        InstKind::Op(
            OpInst::new(
                Op::CopyB,
                imm(Value::Lit(0)),
                BSrc::Imm(Value::Lit(stack_start)),
            )
            .to(Store::Reg(SP_REG)),
        ),
        Some("software stack pointer"),
    );
    for (addr, v) in &statics.init {
        p.op(
            OpInst::new(Op::CopyB, imm(Value::Lit(0)), BSrc::Imm(v.clone()))
                .to(Store::Mem(Value::Lit(*addr))),
        );
    }
    match init.trap {
        None => {
            p.inst(
                InstKind::Call(layout.func_labels[entry.index()].clone()),
                Some("entry"),
            );
            p.inst(InstKind::RetToBios, Some("exit 0"));
        }
        Some((code, why)) => {
            p.inst(InstKind::Jump(trap_label(code)), Some(&why));
        }
    }
    p.items.extend(body_program.items);

    // Trap handlers.
    for (i, &code) in TrapCode::ALL.iter().enumerate() {
        p.function(&trap_label(code), &trap_label(code));
        let msg = format!("trap: {}\n", code.message());
        for b in msg.bytes() {
            p.op(OpInst::new(
                Op::CopyB,
                imm(Value::Lit(UART_ADDR)),
                BSrc::Imm(Value::Lit(b as u64)),
            )
            .to(Store::Ind(0))
            .width(1));
        }
        p.op(OpInst::new(
            Op::CopyB,
            imm(Value::Lit(0)),
            BSrc::Imm(Value::Lit((i as u64 + 1) << 32)),
        )
        .to(Store::Mem(Value::Lit(EXIT_WORD))));
        p.inst(InstKind::RetToBios, None);
    }
    // The signature-mismatch path of call_indirect: null entries have signature MAX.
    for (t, tl) in layout.tables.iter().enumerate() {
        let Some(base) = tl.entries else { continue };
        let bad = format!("__ci_bad_{t}");
        p.function(&bad, &bad);
        p.op(OpInst::new(Op::CopyB, ASrc::Reg(2), BSrc::Ind(base as i64 + 8)).width(8));
        p.op(
            OpInst::new(Op::Eq, ASrc::C, BSrc::Imm(Value::Lit(u64::MAX))).flow(Flow::Branch {
                taken: crate::Target::Label(trap_label(TrapCode::UninitializedElement)),
                not_taken: crate::Target::Label(trap_label(TrapCode::BadSignature)),
            }),
        );
    }

    if statics.arena.next + 0x1_0000 > statics.arena.end {
        return Err(static_full());
    }

    // Data: the memory image at GENERAL_RAM_ADDR, passive segments in ROM.
    if image_end > image_start {
        let mut image = vec![0u8; (image_end - image_start) as usize];
        for (off, bytes) in &actives {
            let s = (*off - image_start) as usize;
            image[s..s + bytes.len()].copy_from_slice(bytes);
        }
        let pad = mem_base + image_start - GENERAL_RAM_ADDR;
        debug_assert_eq!(pad % 8, 0);
        if pad > 0 {
            p.data(DataDecl::zeroed("__mem_pad", false, (pad / 8) as usize));
        }
        p.data(DataDecl::from_bytes("__mem_image", false, &image));
    }
    for d in rom_data.into_iter().chain(rom_elems) {
        p.data(d);
    }
    Ok(p)
}

type Selected = Vec<Option<(vcode::VCode, Allocation)>>;

/// Registers every call may write: the return address and the scratch registers.
const CALL_FIXED_CLOBBERS: RegSet = reg_range(1, 9);

/// Selects every function, then allocates them with `opts.allocator` (coloring: call-graph
/// components callees first, so that each call knows its callee's clobbers) and places the
/// slot area.
fn select_and_allocate(
    module: &Module,
    layout: &Layout,
    opts: &CodegenOptions,
    statics: &mut Statics,
) -> Result<Selected, CodegenError> {
    let n = module.funcs.len();
    let mut vcs: Vec<Option<vcode::VCode>> = (0..n).map(|_| None).collect();
    for (id, f) in module.funcs.iter() {
        if let FuncDef::Body(body) = &f.def {
            let vc = isel::compile_function(module, layout, opts, id, body, statics).map_err(
                |e| match e {
                    CodegenError::Unsupported {
                        what,
                        func: None,
                        offset,
                    } => CodegenError::Unsupported {
                        what,
                        func: Some(f.name.clone()),
                        offset,
                    },
                    e => e,
                },
            )?;
            vcs[id.index()] = Some(vc);
        }
    }
    let mut out: Selected = (0..n).map(|_| None).collect();
    let check = |vc: &vcode::VCode, alloc: &Allocation, k: usize| {
        if cfg!(debug_assertions) {
            if let Err(e) = zkc_regalloc_mem::checker::check(vc, alloc) {
                panic!(
                    "allocation of {} fails the checker: {e}",
                    layout.func_labels[k]
                );
            }
        }
    };
    match opts.allocator {
        Allocator::Slots => {
            for (k, vc) in vcs.into_iter().enumerate() {
                if let Some(vc) = vc {
                    let alloc = zkc_regalloc_mem::allocate(&vc, &mut statics.arena)
                        .map_err(|_| static_full())?;
                    check(&vc, &alloc, k);
                    out[k] = Some((vc, alloc));
                }
            }
        }
        Allocator::Coloring => {
            let cfg = coloring::Config {
                allocatable: ALLOCATABLE,
                read_cost: 11,
                write_cost: 18,
                step_cost: crate::ops::MAIN_COST,
            };
            let ncomp = layout.scc.iter().max().map_or(0, |m| m + 1);
            let mut members = vec![Vec::new(); ncomp];
            for (f, &c) in layout.scc.iter().enumerate() {
                members[c].push(f);
            }
            // Per function: (clobbered registers, slots 0..k written).
            let mut summary: Vec<(RegSet, u32)> = vec![(CALL_FIXED_CLOBBERS, 0); n];
            // Summaries of the possible targets of a `call_indirect`, by signature; cached
            // only once every target's component is done (a target in the component being
            // allocated has no final summary yet: such a call re-enters and clobbers all).
            let mut by_sig: HashMap<u64, (RegSet, u32)> = HashMap::new();
            let mut done = vec![false; n];
            for comp in members {
                let (mut clob, mut hw) = (CALL_FIXED_CLOBBERS, 0u32);
                for &f in &comp {
                    let Some(mut vc) = vcs[f].take() else {
                        continue;
                    };
                    hoist::hoist_back_edge_moves(&mut vc);
                    for inst in vc.insts.iter_mut() {
                        let (callees, info): (Option<(RegSet, u32)>, &mut CallInfo) = match inst {
                            vcode::VInst::Call { callee, info, .. } => {
                                (Some(summary[*callee]), info)
                            }
                            vcode::VInst::CallInd { sig, info, .. } => {
                                let s = match by_sig.get(sig) {
                                    Some(&s) => s,
                                    None => {
                                        let targets = layout.indirect_targets(*sig);
                                        let s = targets
                                            .clone()
                                            .fold((CALL_FIXED_CLOBBERS, 0), |(c, h), g| {
                                                (c | summary[g].0, h.max(summary[g].1))
                                            });
                                        if targets.clone().all(|g| done[g]) {
                                            by_sig.insert(*sig, s);
                                        }
                                        s
                                    }
                                };
                                (Some(s), info)
                            }
                            _ => (None, &mut CallInfo::default()),
                        };
                        if let Some((c, h)) = callees {
                            // The component writes what every callee writes; a call that may
                            // re-enter may also reach callees outside the component (done,
                            // so `c` and `h` hold their summaries), whose writes the
                            // allocation of this function does not see.
                            clob |= c;
                            hw = hw.max(h);
                            if info.reenters {
                                info.clobbers = reg_range(1, 39);
                                info.slot_clobbers = 0;
                            } else {
                                info.clobbers = c | CALL_FIXED_CLOBBERS;
                                info.slot_clobbers = h;
                            }
                        }
                    }
                    let alloc = coloring::allocate(&vc, &cfg);
                    check(&vc, &alloc, f);
                    clob |= alloc.clobbers;
                    hw = hw.max(alloc.slot_clobbers);
                    out[f] = Some((vc, alloc));
                }
                for &f in &comp {
                    summary[f] = (clob, hw);
                    done[f] = true;
                }
            }
            if cfg!(debug_assertions) {
                check_summaries(layout, &out);
            }
            let area = summary.iter().map(|s| s.1).max().unwrap_or(0);
            let base = statics.arena.next;
            for _ in 0..area {
                statics.arena.alloc().map_err(|_| static_full())?;
            }
            for (_, alloc) in out.iter_mut().flatten() {
                alloc.rebase_slots(base);
            }
        }
    }
    Ok(out)
}

/// Checks that every call declares what its possible callees write (the whole-program half of
/// the allocation checker; debug builds and tests).
fn check_summaries(layout: &Layout, selected: &Selected) {
    use zkc_regalloc_mem::checker::{self, ProgramFunction};
    let funcs: Vec<Option<ProgramFunction<vcode::VCode>>> = selected
        .iter()
        .map(|f| {
            f.as_ref().map(|(vc, alloc)| ProgramFunction {
                code: vc,
                alloc,
                calls: (vc.insts.iter().enumerate())
                    .filter_map(|(i, inst)| match inst {
                        vcode::VInst::Call { callee, .. } => Some((i, vec![*callee])),
                        vcode::VInst::CallInd { sig, .. } => {
                            Some((i, layout.indirect_targets(*sig).collect()))
                        }
                        _ => None,
                    })
                    .collect(),
            })
        })
        .collect();
    if let Err(e) = checker::check_summaries(&funcs) {
        panic!("allocation fails the summary checker: {e}");
    }
}

fn dump_function(out: &mut String, name: &str, vc: &vcode::VCode, alloc: &Allocation, label: &str) {
    use std::fmt::Write;
    let regs: Vec<String> = zkc_regalloc_mem::regs_of(alloc.clobbers & ALLOCATABLE)
        .map(|r| format!("r{r}"))
        .collect();
    let _ = writeln!(
        out,
        "; function @{name}: {} vregs, {} slots, writes {}",
        vc.num_vregs,
        alloc.num_slots,
        if regs.is_empty() {
            "no allocatable register".to_string()
        } else {
            regs.join(" ")
        }
    );
    let mut locs = String::new();
    for (v, l) in alloc.locs.iter().enumerate() {
        let _ = write!(locs, " v{v}={}", l);
        if locs.len() > 90 {
            let _ = writeln!(out, ";{locs}");
            locs.clear();
        }
    }
    if !locs.is_empty() {
        let _ = writeln!(out, ";{locs}");
    }
    for (i, saves) in sorted(&alloc.call_saves) {
        let s: Vec<String> = saves
            .iter()
            .map(|v| format!("{v}={}", alloc.loc(*v)))
            .collect();
        let _ = writeln!(out, "; saves around inst {i}: {}", s.join(" "));
    }
    for (i, spills) in sorted(&alloc.call_spills) {
        let s: Vec<String> = spills
            .iter()
            .map(|&(v, home)| format!("{v}={}@{}", alloc.loc(v), zkc_regalloc_mem::Loc::Slot(home)))
            .collect();
        let _ = writeln!(out, "; spills around inst {i}: {}", s.join(" "));
    }
    let mut p = Program::default();
    emit::emit(vc, alloc, label, name, &mut p);
    match crate::write_asm(&p) {
        Ok(text) => {
            for line in text.lines().skip(1) {
                out.push_str(line);
                out.push('\n');
            }
        }
        Err(e) => {
            let _ = writeln!(out, "; (cannot print: {e})");
        }
    }
    out.push('\n');
}

fn sorted<V>(m: &HashMap<usize, V>) -> Vec<(usize, &V)> {
    let mut v: Vec<_> = m.iter().map(|(k, v)| (*k, v)).collect();
    v.sort_by_key(|x| x.0);
    v
}

/// Every import that is called must be a machine import the selector knows.
fn used_imports_check(module: &Module) -> Result<(), CodegenError> {
    let mut called: HashMap<FuncId, ()> = HashMap::new();
    for (_, f) in module.funcs.iter() {
        if let Some(body) = f.body() {
            for (_, inst) in body.insts.iter() {
                if let IrOp::Call(g) = inst.op {
                    called.insert(g, ());
                }
            }
        }
    }
    for (id, f) in module.funcs.iter() {
        if let FuncDef::Import(name) = &f.def {
            let known =
                name.module == "zisk" && isel::MACHINE_IMPORTS.contains(&name.field.as_str());
            if called.contains_key(&id) && !known && name.module == "zisk" {
                return Err(unsupported(format!("machine import zisk.{}", name.field)));
            }
        }
    }
    Ok(())
}

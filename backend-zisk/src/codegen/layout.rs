//! The static layout: everything the program keeps at fixed addresses before any function is
//! selected — the memory's size and bound words, globals, tables, element and data segment
//! lengths, the extra-argument words — with the `_start` code's initial values, the image of the
//! active data segments, the ROM data (passive segments, function descriptors), how far
//! instantiation gets, and the call graph's components (the module docs of `codegen` describe
//! the layout; the instantiation rule is wasm 2.0 §4.5.4 steps 14–15).

use std::collections::{BTreeMap, BTreeSet};

use zkc_ir::{
    ConstExpr, DataMode, ElemMode, EntityRef, FuncId, GlobalInit, Module, Op as IrOp, TrapCode,
};
use zkc_regalloc_mem::SlotArena;

use super::{bad_signature_label, trap_label, unsupported, CodegenError, ARG_REGS};
use crate::mem_map::*;
use crate::program::{DataDecl, Sym, Symbols, Value};

/// Bytes at the top of RAM left to the ZisK libraries.
const RAM_TOP_RESERVE: u64 = 0x10_0000;

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
    pub elem_sym: Vec<Option<Sym>>,
    /// Per data segment: the word holding its current length, and its ROM symbol if passive.
    pub seg_len: Vec<u64>,
    pub seg_sym: Vec<Option<Sym>>,
    /// Each function's label (`f{index}_{name}`), which its blocks' labels derive from.
    pub func_labels: Vec<Sym>,
    /// The trap handlers' labels ([`trap_label`]), by `TrapCode` (in `TrapCode::ALL`'s order).
    pub traps: Vec<Sym>,
    /// The signature-mismatch path of each table ([`bad_signature_label`]).
    pub bad_signature: Vec<Sym>,
    /// The ROM table of function descriptors ([`FUNC_DESC`]).
    pub func_desc: Sym,
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

    /// The label of the handler of `code`.
    pub fn trap(&self, code: TrapCode) -> Sym {
        self.traps[code as usize]
    }

    /// Whether `s` labels a trap handler.
    pub fn is_trap(&self, s: Sym) -> bool {
        self.traps.contains(&s)
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
    pub(crate) fn word(&mut self, init: Value) -> Result<u64, CodegenError> {
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

/// The bits of a constant expression; the backend has no imported globals.
fn const_bits(m: &Module, e: &ConstExpr) -> Result<u64, CodegenError> {
    e.eval(&mut |g| match &m.globals[g].init {
        GlobalInit::Const(c) => const_bits(m, c),
        GlobalInit::Import(_) => Err(unsupported("imported global in an initializer")),
    })
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

/// What the static layout decides for a module, before selection.
pub(crate) struct Plan {
    pub layout: Layout,
    /// The static area so far; allocation (slots, the software stack) takes the rest.
    pub statics: Statics,
    /// The function `_start` calls.
    pub entry: FuncId,
    /// The trap instantiation ends in, if any (then `_start` jumps to it instead of the entry).
    pub trap: Option<(TrapCode, String)>,
    /// The names of the program's symbols so far: what the layout names, to which selection
    /// adds the functions' local labels.
    pub symbols: Symbols,
    /// The image of the applied active data segments: linear-memory offset of its first
    /// byte (a multiple of 8) and its bytes.
    pub image: Option<(u64, Vec<u8>)>,
    /// Passive data and element segments and the function descriptors, in ROM.
    pub rom: Vec<DataDecl>,
    /// The functions a `call` anywhere in a body names (dead code included), with repeats.
    pub called: Vec<FuncId>,
}

/// Lays out the static area of `module` (see the module docs).
pub(crate) fn plan(module: &Module) -> Result<Plan, CodegenError> {
    let entry = module
        .program_entry()
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

    // What the functions' bodies use, gathered on rayon's threads.
    let facts = BodyFacts::gather(module);
    // Bound words, one per distinct offset + width, unless the size is fixed.
    let ks: BTreeSet<u64> = facts
        .iter()
        .flat_map(|f| f.accesses.iter().copied())
        .collect();
    let grows = facts.iter().any(|f| f.grows_memory);
    let max_args = (module.funcs.iter())
        .map(|(_, f)| f.sig.params.len().max(f.sig.results.len()))
        .max()
        .unwrap_or(0);
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

    // Symbols: function labels, trap handlers, signature-mismatch paths.
    let mut symbols = Symbols::default();
    let func_labels: Vec<Sym> = module
        .funcs
        .iter()
        .map(|(id, f)| symbols.intern(&format!("f{}_{}", id.index(), sanitize(&f.name))))
        .collect();
    let traps: Vec<Sym> = (TrapCode::ALL.iter().enumerate())
        .map(|(k, &code)| {
            debug_assert_eq!(code as usize, k, "TrapCode::ALL is in declaration order");
            symbols.intern(&trap_label(code))
        })
        .collect();
    let trap = |code: TrapCode| traps[code as usize];
    let bad_signature: Vec<Sym> = (0..module.tables.len())
        .map(|t| symbols.intern(&bad_signature_label(t)))
        .collect();
    let func_desc = symbols.intern(FUNC_DESC);
    // The first of the module's signatures equal to each function's.
    let mut sig_ids: rustc_hash::FxHashMap<&zkc_ir::Signature, u64> = Default::default();
    for (id, s) in module.sigs.iter() {
        sig_ids.entry(s).or_insert(id.index() as u64);
    }
    let func_sig_id: Vec<u64> = (module.funcs.iter())
        .map(|(_, f)| sig_ids.get(&f.sig).copied().unwrap_or(u64::MAX - 1))
        .collect();

    // Tables: entries (code, sig), null entries point at the null trap with signature MAX;
    // reference words where the program reads them; a size word where it grows the table.
    let grows: BTreeSet<usize> = (facts.iter())
        .flat_map(|f| f.grown_tables.iter().copied())
        .collect();
    let funcref = |t: usize| module.tables[zkc_ir::TableId::new(t)].ty == zkc_ir::Type::FuncRef;
    let reads_funcrefs = facts
        .iter()
        .any(|f| f.read_tables.iter().any(|&t| funcref(t)));
    let funcref_writes = (facts.iter())
        .any(|f| (f.written_tables.iter().chain(&f.grown_tables)).any(|&t| funcref(t)));
    let mut ref_funcs: Vec<usize> = Vec::new();
    // Segments that table.init or elem.drop name; the others need no length word or ROM.
    let used_elems: BTreeSet<usize> = (facts.iter())
        .flat_map(|f| f.used_elems.iter().copied())
        .collect();
    for (_, g) in module.globals.iter() {
        if let GlobalInit::Const(ConstExpr::RefFunc(f)) = g.init {
            ref_funcs.push(f.index());
        }
    }
    ref_funcs.extend(facts.iter().flat_map(|f| f.ref_funcs.iter().copied()));
    let null_code = || Value::Sym(trap(TrapCode::UninitializedElement), 0);
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
    // An active segment's item replaces the table word's initial value: the word's earlier
    // write is dropped and the new one (unless zero) goes last, as if removed from and pushed
    // onto `statics.init`; the dropped writes are removed once, after the segments (a search
    // of `init` per item was quadratic in the table's size).
    let mut written: rustc_hash::FxHashMap<u64, usize> = (statics.init.iter().enumerate())
        .map(|(i, &(a, _))| (a, i))
        .collect();
    let mut dropped = vec![false; statics.init.len()];
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
                        if let Some(i) = written.remove(&a) {
                            dropped[i] = true;
                        }
                        if v != Value::Lit(0) {
                            written.insert(a, statics.init.len());
                            dropped.resize(statics.init.len() + 1, false);
                            statics.init.push((a, v));
                        }
                    };
                    if let Some(base) = tl.entries {
                        let (code, sig) = match item {
                            Some(f) => (
                                Value::Sym(func_labels[f.index()], 0),
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
                let name = symbols.intern(&format!("__elem_{}", id.index()));
                let words: Vec<Value> = e.items.iter().map(bits).collect();
                rom_elems.push(DataDecl {
                    name,
                    is_const: true,
                    len: words.len().max(1),
                    words,
                });
                elem_sym.push(Some(name));
            }
        }
    }
    let mut i = 0;
    statics.init.retain(|_| {
        i += 1;
        !dropped.get(i - 1).copied().unwrap_or(false)
    });
    if funcref_writes {
        let mut words = vec![null_code(), Value::Lit(u64::MAX)];
        for (id, f) in module.funcs.iter() {
            let callable = f.import().is_none_or(|i| i.module != "zisk");
            words.push(if callable {
                Value::Sym(func_labels[id.index()], 0)
            } else {
                Value::Sym(trap(TrapCode::Unreachable), 0)
            });
            words.push(Value::Lit(func_sig_id[id.index()]));
        }
        rom_elems.push(DataDecl {
            name: func_desc,
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
                let name = symbols.intern(&format!("__data_{}", id.index()));
                rom_data.push(DataDecl::from_bytes(name, true, &seg.bytes));
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
        traps,
        bad_signature,
        func_desc,
        scc: Vec::new(),
        func_sig_id,
        table_funcs,
    };
    let succs: Vec<Vec<usize>> = (facts.iter())
        .map(|f| {
            let mut out = Vec::with_capacity(f.calls.len());
            for &c in &f.calls {
                match c {
                    Callee::Direct(g) => out.push(g),
                    Callee::Indirect(sig) => out.extend(layout.indirect_targets(sig)),
                }
            }
            out
        })
        .collect();
    debug_assert_eq!(succs.len(), n);
    layout.scc = zkc_ir::callgraph::sccs(&succs);

    let image = (image_end > image_start).then(|| {
        let mut image = vec![0u8; (image_end - image_start) as usize];
        for (off, bytes) in &actives {
            let s = (*off - image_start) as usize;
            image[s..s + bytes.len()].copy_from_slice(bytes);
        }
        (image_start, image)
    });
    rom_data.extend(rom_elems);
    Ok(Plan {
        layout,
        statics,
        entry,
        trap: init.trap,
        symbols,
        image,
        rom: rom_data,
        called: facts.into_iter().flat_map(|f| f.called).collect(),
    })
}

/// What the layout needs to know of one function's body (an import's is empty).
#[derive(Default)]
struct BodyFacts {
    /// `offset + width` of the loads and stores.
    accesses: Vec<u64>,
    grows_memory: bool,
    /// Tables grown, written (`table.set`, `table.fill`, `table.init`) and read (`table.get`).
    grown_tables: Vec<usize>,
    written_tables: Vec<usize>,
    read_tables: Vec<usize>,
    /// Functions named by `ref.func`.
    ref_funcs: Vec<usize>,
    /// Element segments named by `table.init` or `elem.drop`.
    used_elems: Vec<usize>,
    /// The calls of the laid-out blocks, in order: the call graph's edges.
    calls: Vec<Callee>,
    /// Functions a `call` anywhere in the body names (see [`Plan::called`]).
    called: Vec<FuncId>,
}

#[derive(Clone, Copy)]
enum Callee {
    Direct(usize),
    /// A `call_indirect` of this signature.
    Indirect(u64),
}

impl BodyFacts {
    /// The facts of every function, in module order: one pass over each body (every
    /// instruction of its arena, and the calls of its laid-out blocks), on rayon's threads.
    fn gather(module: &Module) -> Vec<BodyFacts> {
        use rayon::prelude::*;
        let funcs: Vec<_> = module.funcs.values().collect();
        funcs
            .par_iter()
            .map(|f| f.body().map_or_else(BodyFacts::default, BodyFacts::of))
            .collect()
    }

    fn of(body: &zkc_ir::Function) -> BodyFacts {
        let mut f = BodyFacts::default();
        for (_, inst) in body.insts.iter() {
            match &inst.op {
                IrOp::Load { width, offset, .. } | IrOp::Store { width, offset, .. } => {
                    f.accesses.push(*offset as u64 + *width as u64)
                }
                IrOp::MemoryGrow => f.grows_memory = true,
                IrOp::TableGrow(t) => f.grown_tables.push(t.index()),
                IrOp::TableGet(t) => f.read_tables.push(t.index()),
                IrOp::TableSet(t) | IrOp::TableFill(t) => f.written_tables.push(t.index()),
                IrOp::TableInit { table, elem } => {
                    f.written_tables.push(table.index());
                    f.used_elems.push(elem.index());
                }
                IrOp::ElemDrop(e) => f.used_elems.push(e.index()),
                IrOp::RefFunc(g) => f.ref_funcs.push(g.index()),
                IrOp::Call(g) => f.called.push(*g),
                _ => {}
            }
        }
        f.accesses.sort_unstable();
        f.accesses.dedup();
        for &b in &body.layout {
            for &i in &body.blocks[b].insts {
                match &body.insts[i].op {
                    IrOp::Call(g) => f.calls.push(Callee::Direct(g.index())),
                    IrOp::CallIndirect { sig, .. } => {
                        f.calls.push(Callee::Indirect(sig.index() as u64))
                    }
                    _ => {}
                }
            }
        }
        f
    }
}

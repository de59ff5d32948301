//! The program the instruction selector produces: labels, instructions with symbolic targets
//! and data declarations, in order; and the layout step that turns it into a [`Rom`].
//!
//! The layout follows the ZisK assembler (zisk-asm 1.4.0-alpha `assembler.rs`
//! `assemble_with_symbols` / `layout_data`), so a program gets the same addresses whether it is
//! written as assembly text ([`crate::asm`]) and assembled by `ziskemu -z`, or laid out here
//! and written as a ziskbin ELF ([`crate::zisk_bin`]):
//!
//! - without a `_start` label, a launcher is put first: `copyb(0, 0) -> r3`,
//!   `copyb(0, SYS_ADDR) -> r2`, `call main` (or `_zisk_main`), `ret_to_bios`;
//!   with one, `_start` must label the first instruction;
//! - instruction `i` is at `ROM_ADDR + 4 * i`;
//! - `const` data follows the code, from the next 32-byte boundary, and non-`const` data starts
//!   at `GENERAL_RAM_ADDR`, each packed in declaration order, one 8-byte word per element, each
//!   section padded with zeros to a multiple of 4 words;
//! - registers are normalised as `ZiskInstBuilder` does (zisk_inst_builder.rs): `r0` is the
//!   immediate 0 (a store to it is dropped) and r40..r63 are memory at `REG_FIRST + 8 * n`;
//! - an instruction without a jump falls through with `j(4, 4)`.
//!
//! Besides, for profiles and `ziskemu -S`, a program knows which labels start functions
//! ([`Program::functions`], the ROM's function symbols) and the wasm offset of every
//! instruction's code ([`Program::wasm_offsets`]); neither changes the code.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use std::fmt;

use crate::inst::{ASrc, BSrc, DataSection, Inst, Store};
use crate::mem_map::*;
use crate::ops::Op;
use crate::rom::{Rom, Symbol, BIOS_FINALIZE_ADDR};
pub use crate::sym::{Sym, SymName, Symbols};

/// A number operand: a literal, or the address of a label or data declaration plus a byte
/// offset (ziskasm.md "Number format").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    Lit(u64),
    Sym(Sym, i64),
}

impl From<u64> for Value {
    fn from(v: u64) -> Value {
        Value::Lit(v)
    }
}

/// A jump target: a label, or a byte offset from the instruction. The offsets a program
/// writes are small (a few instructions, or a precompile's static argument), so they are 32
/// bits: a [`Flow`] is 16 bytes instead of 32 (with the thin comment pointer of
/// [`Item::Inst`], an item is 112 bytes instead of 136), and a large program's items (800k on a
/// Go module) are the largest part of the backend's memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Label(Sym),
    Offset(i32),
}

/// How control leaves an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flow {
    /// To the next instruction (`j(4, 4)`).
    Next,
    /// `j(taken, not_taken)`: to `taken` when the flag is set, else to `not_taken`.
    Branch { taken: Target, not_taken: Target },
    /// `setpc(offset)`: to `c + offset`.
    SetPc(i32),
}

/// One operation with symbolic operands.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OpInst {
    pub op: Op,
    pub a: ASrc<Value>,
    pub b: BSrc<Value>,
    pub store: Store<Value>,
    /// Width of the indirect operand or store, if any (1, 2, 4 or 8).
    pub ind_width: u8,
    pub flow: Flow,
    pub end: bool,
}

impl OpInst {
    /// The operation of [`InstKind::TableJump`] through the table at `table`.
    pub fn table_jump(table: u64) -> OpInst {
        OpInst::new(Op::CopyB, ASrc::Reg(2), BSrc::Ind(table as i64))
            .width(8)
            .flow(Flow::SetPc(0))
    }

    /// `op(a, b)`, not stored, falling through.
    pub fn new(op: Op, a: ASrc<Value>, b: BSrc<Value>) -> OpInst {
        OpInst {
            op,
            a,
            b,
            store: Store::None,
            ind_width: 0,
            flow: Flow::Next,
            end: false,
        }
    }

    /// `-> store`.
    pub fn to(self, store: Store<Value>) -> OpInst {
        OpInst { store, ..self }
    }

    /// The width of the indirect operand or store.
    pub fn width(self, ind_width: u8) -> OpInst {
        OpInst { ind_width, ..self }
    }

    /// `j(label)`: to `label` when the flag is set, else to the next instruction.
    pub fn branch(self, label: Sym) -> OpInst {
        self.flow(Flow::Branch {
            taken: Target::Label(label),
            not_taken: Target::Offset(INST_SIZE as i32),
        })
    }

    pub fn flow(self, flow: Flow) -> OpInst {
        OpInst { flow, ..self }
    }

    /// `, end`.
    pub fn end(self) -> OpInst {
        OpInst { end: true, ..self }
    }
}

/// An instruction of the program, including the assembler's pseudo-instructions.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum InstKind {
    Op(OpInst),
    /// `call L`: r1 = return address, jump to `L` (`flag` with `store_pc`).
    Call(Sym),
    /// `ret`: `and(0xffff_ffff_ffff_fffe, r1), setpc(0)`.
    Ret,
    /// `jump(L)`: `copyb(0, L), setpc(0)`.
    Jump(Sym),
    /// `ret_to_bios`: a static jump to the BIOS output finalization.
    RetToBios,
    /// `copyb(r2, 8[a + T]), setpc(0)`: a jump to the code address held by the word at byte
    /// offset `r2` of jump table `T`, a `const` data declaration (in ROM) of label words. The
    /// table's address is known only once the program is laid out, and the assembler takes
    /// only a number as an indirect offset: [`OpInst::table_jump`] is the operation at that
    /// address.
    TableJump(Sym),
}

/// A program item.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Item {
    /// Names the next instruction.
    Label(Sym),
    /// An instruction, with the origin it came from (IR value, wasm offset) as a comment.
    /// `by_alloc`: the register allocation added it (a move, a save or restore, the jump of
    /// an edge block that only holds moves): a perfect allocation would not execute it (see
    /// [`Program::allocation_costs`]). `srcloc`: the wasm byte offset of the code it was
    /// selected for, when known ([`Program::wasm_offsets`]). The comment is a thin pointer
    /// (most instructions have none, and a large program has 800k items).
    Inst {
        kind: InstKind,
        comment: Option<Box<String>>,
        by_alloc: bool,
        srcloc: Option<u32>,
    },
    Data(DataDecl),
}

/// `[const] u64 NAME[N] = v0, v1, ...`: `N` 8-byte words, in ROM when `is_const`, else RAM.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DataDecl {
    pub name: Sym,
    pub is_const: bool,
    /// Initial values; the declaration is `len` words, the ones past `words` are zero.
    pub words: Vec<Value>,
    pub len: usize,
}

impl DataDecl {
    /// Bytes packed little-endian into words, as wasm data segments must be (every element of
    /// a declaration takes 8 bytes whatever its type, ziskasm.md "Data declarations").
    pub fn from_bytes(name: Sym, is_const: bool, bytes: &[u8]) -> DataDecl {
        let words: Vec<Value> = bytes
            .chunks(8)
            .map(|c| {
                let mut w = [0u8; 8];
                w[..c.len()].copy_from_slice(c);
                Value::Lit(u64::from_le_bytes(w))
            })
            .collect();
        let len = words.len().max(1);
        DataDecl {
            name,
            is_const,
            words,
            len,
        }
    }

    /// `len` zero words: reserves space, e.g. to place the next declaration at an offset.
    pub fn zeroed(name: Sym, is_const: bool, len: usize) -> DataDecl {
        DataDecl {
            name,
            is_const,
            words: Vec::new(),
            len,
        }
    }
}

/// A program's items, in order, held in chunks: a compiler emits its functions side by side,
/// each into a chunk of its own, and a chunk joins the program as it is ([`Items::append`]).
/// Copying every function's items into one buffer was a tenth of a large program's compile
/// (800k items of 112 bytes on a Go module: the copy, and the pages of the buffer it filled).
#[derive(Clone, Debug, Default)]
pub struct Items {
    chunks: Vec<Vec<Item>>,
    len: usize,
}

/// Where [`Items`] hold an item: its chunk, and its index in the chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ItemPos(u32, u32);

impl Items {
    /// Appends an item to the last chunk.
    pub fn push(&mut self, item: Item) {
        match self.chunks.last_mut() {
            Some(last) => last.push(item),
            None => self.chunks.push(vec![item]),
        }
        self.len += 1;
    }

    /// Moves `other`'s items after these, its chunks as they are, leaving it empty.
    pub fn append(&mut self, other: &mut Items) {
        self.chunks
            .extend(other.chunks.drain(..).filter(|c| !c.is_empty()));
        self.len += std::mem::take(&mut other.len);
    }

    /// Room for `n` more items in the last chunk.
    pub fn reserve(&mut self, n: usize) {
        match self.chunks.last_mut() {
            Some(last) => last.reserve(n),
            None => self.chunks.push(Vec::with_capacity(n)),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = &Item> + '_ {
        self.chunks.iter().flatten()
    }

    pub fn get(&self, pos: ItemPos) -> &Item {
        &self.chunks[pos.0 as usize][pos.1 as usize]
    }

    pub fn last_mut(&mut self) -> Option<&mut Item> {
        self.chunks.iter_mut().rev().find_map(|c| c.last_mut())
    }

    /// The items from the `first`th on (the last few, cheaply).
    pub fn since_mut(&mut self, first: usize) -> impl Iterator<Item = &mut Item> + '_ {
        let mut skip = first;
        let mut from = 0;
        for (c, chunk) in self.chunks.iter().enumerate() {
            if skip < chunk.len() {
                from = c;
                break;
            }
            skip -= chunk.len();
            from = c + 1;
        }
        (self.chunks[from..].iter_mut().enumerate())
            .flat_map(move |(j, c)| c[if j == 0 { skip } else { 0 }..].iter_mut())
    }
}

impl From<Vec<Item>> for Items {
    fn from(items: Vec<Item>) -> Items {
        Items {
            len: items.len(),
            chunks: vec![items],
        }
    }
}

impl Extend<Item> for Items {
    fn extend<I: IntoIterator<Item = Item>>(&mut self, items: I) {
        for item in items {
            self.push(item);
        }
    }
}

impl<'a> IntoIterator for &'a Items {
    type Item = &'a Item;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<Item>>>;
    fn into_iter(self) -> Self::IntoIter {
        self.chunks.iter().flatten()
    }
}

/// The same items, however they are chunked.
impl PartialEq for Items {
    fn eq(&self, other: &Items) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for Items {}

/// A whole program.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Program {
    pub items: Items,
    /// The names of the labels and data declarations the items name.
    pub symbols: Symbols,
    /// The RAM the register allocation owns (its memory slots and the software stack of
    /// saves); empty when the program has none. Only [`Program::allocation_costs`] reads it.
    pub alloc_area: std::ops::Range<u64>,
    /// The labels that start a function, with its name as the module gives it (mangled, as
    /// in the name section): a function's code runs from its label to the next one of
    /// these. They are the function symbols of the laid-out ROM ([`Rom::symbols`]).
    pub functions: BTreeMap<Sym, String>,
}

/// A symbol given by its name (interned in the program's [`Symbols`]) or as one already.
pub trait ToSym {
    fn to_sym(self, symbols: &mut Symbols) -> Sym;
}

impl ToSym for Sym {
    fn to_sym(self, _: &mut Symbols) -> Sym {
        self
    }
}

impl ToSym for &str {
    fn to_sym(self, symbols: &mut Symbols) -> Sym {
        symbols.intern(self)
    }
}

impl ToSym for &String {
    fn to_sym(self, symbols: &mut Symbols) -> Sym {
        symbols.intern(self)
    }
}

/// What the register allocation costs in one instruction, per execution, and what its
/// accesses to static words cost ([`Program::allocation_costs`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocCost {
    pub pc: u64,
    /// The allocation added the whole instruction (its step, op and memory).
    pub added: bool,
    /// MEMORY of its accesses to the allocation's RAM: memory slots and saves.
    pub memory: u64,
    /// MEMORY of its constant-address accesses to the static words below that RAM (globals,
    /// bound words, table sizes): not allocation's, but what keeping them in registers would
    /// save at most.
    pub static_memory: u64,
}

/// Why a program cannot be laid out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LayoutError {
    Empty,
    NoEntry,
    StartNotFirst,
    DuplicateSymbol(String),
    UndefinedSymbol(String),
    BadSymbolName(String),
    DanglingLabel(String),
    BadDataSize(String),
    BadRegister(u8),
    BadIndWidth(u8),
    /// Valid in the model but not expressible in ZisK assembly text.
    NotWritable(String),
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayoutError::Empty => write!(f, "empty program: no instructions"),
            LayoutError::NoEntry => write!(f, "program has no `_start`, `main` or `_zisk_main`"),
            LayoutError::StartNotFirst => write!(f, "`_start` must label the first instruction"),
            LayoutError::DuplicateSymbol(s) => write!(f, "duplicate symbol `{s}`"),
            LayoutError::UndefinedSymbol(s) => write!(f, "undefined symbol `{s}`"),
            LayoutError::BadSymbolName(s) => write!(f, "`{s}` cannot be a ZisK assembly symbol"),
            LayoutError::DanglingLabel(s) => write!(f, "label `{s}` has no instruction after it"),
            LayoutError::BadDataSize(s) => write!(f, "data `{s}` has more values than words"),
            LayoutError::BadRegister(r) => write!(f, "register r{r} out of range r0..r{MAX_REG}"),
            LayoutError::BadIndWidth(w) => write!(f, "indirect width {w} is not 1, 2, 4 or 8"),
            LayoutError::NotWritable(s) => write!(f, "cannot write as ZisK assembly: {s}"),
        }
    }
}

impl std::error::Error for LayoutError {}

/// A laid-out program: the ROM, and the address of every label and data declaration named by
/// its text ([`Symbols::intern`]; derived names are left out).
#[derive(Clone, Debug)]
pub struct Layout {
    pub rom: Rom,
    pub symbols: FxHashMap<String, u64>,
}

/// Where the laid-out program holds its instruction `i`.
pub fn inst_addr(i: usize) -> u64 {
    ROM_ADDR + INST_SIZE * i as u64
}

/// The launcher the assembler synthesises when there is no `_start` (assembler.rs
/// `synth_launcher`).
fn launcher(start: Sym, entry: Sym) -> Vec<Item> {
    let inst = |kind| Item::Inst {
        kind,
        comment: None,
        by_alloc: false,
        srcloc: None,
    };
    let set = |reg, v| {
        let op = OpInst::new(
            Op::CopyB,
            ASrc::Imm(Value::Lit(0)),
            BSrc::Imm(Value::Lit(v)),
        );
        inst(InstKind::Op(op.to(Store::Reg(reg))))
    };
    vec![
        Item::Label(start),
        set(3, 0),
        set(2, SYS_ADDR),
        inst(InstKind::Call(entry)),
        inst(InstKind::RetToBios),
    ]
}

impl Program {
    /// The symbol named `name` ([`Symbols::intern`]).
    pub fn sym(&mut self, name: &str) -> Sym {
        self.symbols.intern(name)
    }

    /// Appends a label.
    pub fn label(&mut self, label: impl ToSym) -> &mut Program {
        let s = label.to_sym(&mut self.symbols);
        self.items.push(Item::Label(s));
        self
    }

    /// Appends the label that starts the function `name` ([`Program::functions`]).
    pub fn function(&mut self, label: impl ToSym, name: &str) -> &mut Program {
        let s = label.to_sym(&mut self.symbols);
        self.functions.insert(s, name.to_string());
        self.label(s)
    }

    /// Per instruction with a known wasm offset ([`Item::Inst`]): its address and the offset.
    /// The program must have its `_start`.
    pub fn wasm_offsets(&self) -> Vec<(u64, u32)> {
        self.items
            .iter()
            .filter_map(|i| match i {
                Item::Inst { srcloc, .. } => Some(*srcloc),
                _ => None,
            })
            .enumerate()
            .filter_map(|(i, s)| Some((inst_addr(i), s?)))
            .collect()
    }

    /// Appends an instruction.
    pub fn inst(&mut self, kind: InstKind, comment: Option<&str>) -> &mut Program {
        self.items.push(Item::Inst {
            kind,
            comment: comment.map(|c| Box::new(c.to_string())),
            by_alloc: false,
            srcloc: None,
        });
        self
    }

    /// Appends an instruction the register allocation added (see [`Item::Inst`]).
    pub fn alloc_inst(&mut self, kind: InstKind, comment: Option<&str>) -> &mut Program {
        self.inst(kind, comment);
        if let Some(Item::Inst { by_alloc, .. }) = self.items.last_mut() {
            *by_alloc = true;
        }
        self
    }

    /// Per instruction that costs the register allocation something: whether the allocation
    /// added it, and the MEMORY of its accesses to [`Program::alloc_area`] per execution (an
    /// 8-byte slot read costs 11, a write 18: `stats.rs`); and per instruction that reads or
    /// writes a static word below that area at a constant address, what that costs. Together with a profiled run
    /// ([`crate::Emulator::pc_costs`]) this is what allocation costs, and the rest a floor
    /// no allocation of this code goes below. The program must have its `_start`.
    pub fn allocation_costs(&self) -> Vec<AllocCost> {
        let area = &self.alloc_area;
        let in_area = |x: u64| area.contains(&x);
        let in_static = |x: u64| (RAM_ADDR..area.start).contains(&x);
        let mut out = Vec::new();
        let code = self.items.iter().filter_map(|i| match i {
            Item::Inst { kind, by_alloc, .. } => Some((kind, *by_alloc)),
            _ => None,
        });
        for (i, (kind, added)) in code.enumerate() {
            let (mut memory, mut static_memory) = (0, 0);
            if let InstKind::Op(o) = kind {
                let (read, write) = (crate::stats::MEM_READ, crate::stats::MEM_WRITE);
                let reads = [
                    match &o.a {
                        ASrc::Mem(Value::Lit(x)) => Some(*x),
                        _ => None,
                    },
                    match &o.b {
                        BSrc::Mem(Value::Lit(x)) => Some(*x),
                        _ => None,
                    },
                ];
                let write_at = match &o.store {
                    Store::Mem(Value::Lit(x)) => Some(*x),
                    _ => None,
                };
                let accesses = reads
                    .map(|r| (r, read))
                    .into_iter()
                    .chain([(write_at, write)]);
                for (addr, cost) in accesses {
                    match addr {
                        Some(x) if in_area(x) => memory += cost,
                        Some(x) if in_static(x) => static_memory += cost,
                        _ => {}
                    }
                }
                // An added instruction's indirect accesses are saves and restores.
                if added {
                    memory += matches!(o.b, BSrc::Ind(_)) as u64 * read;
                    memory += matches!(o.store, Store::Ind(_)) as u64 * write;
                }
            }
            if added || memory > 0 || static_memory > 0 {
                out.push(AllocCost {
                    pc: inst_addr(i),
                    added,
                    memory,
                    static_memory,
                });
            }
        }
        out
    }

    /// Appends an operation without a comment.
    pub fn op(&mut self, op: OpInst) -> &mut Program {
        self.inst(InstKind::Op(op), None)
    }

    /// Appends a data declaration.
    pub fn data(&mut self, decl: DataDecl) -> &mut Program {
        self.items.push(Item::Data(decl));
        self
    }

    /// The labels, in order, with the index of the instruction each names.
    pub(crate) fn labels(&self) -> Result<Vec<(Sym, usize)>, LayoutError> {
        let scan = self.scan();
        match scan.dangling {
            Some(l) => Err(LayoutError::DanglingLabel(self.name(l).to_string())),
            None => Ok(scan.labels),
        }
    }

    /// The name of `s` ([`Symbols::name`]).
    pub fn name(&self, s: Sym) -> SymName<'_> {
        self.symbols.name(s)
    }

    /// One pass over the items: what [`Program::labels`] and [`Program::place`] need (a large
    /// program's items are a hundred megabytes and more, so one pass instead of four). The
    /// chunks are scanned on rayon's threads, each label with the index in its chunk of the
    /// instruction it names (the chunk's count when that instruction is in a later chunk),
    /// then joined in order: the same scan as one in order, whatever the threads.
    fn scan(&self) -> Scan<'_> {
        use rayon::prelude::*;
        let parts: Vec<Scan<'_>> = (self.items.chunks.par_iter().enumerate())
            .map(|(c, chunk)| {
                let mut part = Scan {
                    code: Vec::with_capacity(chunk.len()),
                    labels: Vec::new(),
                    decls: Vec::new(),
                    dangling: None,
                };
                for (k, item) in chunk.iter().enumerate() {
                    match item {
                        Item::Label(l) => part.labels.push((*l, part.code.len())),
                        Item::Inst { .. } => part.code.push(ItemPos(c as u32, k as u32)),
                        Item::Data(d) => part.decls.push(d),
                    }
                }
                part
            })
            .collect();
        let mut scan = Scan {
            code: Vec::with_capacity(parts.iter().map(|p| p.code.len()).sum()),
            labels: Vec::new(),
            decls: Vec::new(),
            dangling: None,
        };
        for part in parts {
            let base = scan.code.len();
            let labels = part.labels.into_iter().map(|(l, i)| (l, base + i));
            scan.labels.extend(labels);
            scan.code.extend(part.code);
            scan.decls.extend(part.decls);
        }
        // Labels no instruction follows: the first is the dangling one.
        let len = scan.code.len();
        let named = scan.labels.partition_point(|&(_, i)| i < len);
        scan.dangling = scan.labels.get(named).map(|&(l, _)| l);
        scan.labels.truncate(named);
        scan
    }

    /// The program the assembler sees: this one when it starts at `_start`, else a copy with
    /// the launcher first. (A borrow, not a copy, in the usual case: a large program's items
    /// are hundreds of megabytes.)
    pub fn with_launcher(&self) -> Result<std::borrow::Cow<'_, Program>, LayoutError> {
        // The usual case without listing every label: `_start` before the first instruction.
        let first = self
            .items
            .iter()
            .position(|i| matches!(i, Item::Inst { .. }));
        let start = self.symbols.get("_start");
        let is_start = |i: &Item| matches!(i, Item::Label(l) if Some(*l) == start);
        if first.is_some_and(|k| self.items.iter().take(k).any(is_start)) {
            return Ok(std::borrow::Cow::Borrowed(self));
        }
        let labels = self.labels()?;
        if labels.iter().any(|(l, _)| Some(*l) == start) {
            return Err(LayoutError::StartNotFirst);
        }
        let entry = ["main", "_zisk_main"]
            .into_iter()
            .filter_map(|e| self.symbols.get(e))
            .find(|e| labels.iter().any(|(l, _)| l == e))
            .ok_or(LayoutError::NoEntry)?;
        let mut symbols = self.symbols.clone();
        let mut items = Items::from(launcher(symbols.intern("_start"), entry));
        items.extend(self.items.iter().cloned());
        Ok(std::borrow::Cow::Owned(Program {
            items,
            symbols,
            alloc_area: self.alloc_area.clone(),
            functions: self.functions.clone(),
        }))
    }

    /// Lays the program out into a ROM with the BIOS, as `ziskemu -z` would.
    pub fn layout(&self) -> Result<Layout, LayoutError> {
        let Placed {
            program,
            mut rom,
            addrs,
            ..
        } = self.place()?;
        for inst in encode_insts(&program, &addrs) {
            let (pc, inst, comment) = inst?;
            rom.insts.insert(pc, inst);
            if let Some(c) = comment {
                rom.comments.insert(pc, c.to_string());
            }
        }
        let symbols = (program.symbols.texts())
            .filter_map(|(name, s)| Some((name.to_string(), addrs.get(s)?)))
            .collect();
        Ok(Layout { rom, symbols })
    }

    /// The layout without the program's instructions, which [`Placed::insts`] encodes one at
    /// a time: what [`crate::zisk_bin::write_program_elf`] writes without holding the ROM.
    pub fn place(&self) -> Result<Placed<'_>, LayoutError> {
        let program = self.with_launcher()?;
        let Scan {
            code,
            labels,
            decls,
            dangling,
        } = program.scan();
        let len = code.len();
        if len == 0 {
            return Err(LayoutError::Empty);
        }
        let names = &program.symbols;
        if let Some(l) = dangling {
            return Err(LayoutError::DanglingLabel(names.name(l).to_string()));
        }
        let mut addrs = Addrs::new(names);
        let mut define = |s: Sym, addr: u64| {
            if !names.is_valid(s) {
                return Err(LayoutError::BadSymbolName(names.name(s).to_string()));
            }
            match addrs.0.get_mut(s.index()) {
                Some(a) if *a == UNDEFINED => {
                    *a = addr;
                    Ok(())
                }
                Some(_) => Err(LayoutError::DuplicateSymbol(names.name(s).to_string())),
                None => Err(LayoutError::UndefinedSymbol(names.name(s).to_string())),
            }
        };
        for (label, i) in labels {
            define(label, inst_addr(i))?;
        }
        let ro_base = inst_addr(len).next_multiple_of(32);
        let (mut ro_len, mut rw_len) = (0u64, 0u64);
        for d in &decls {
            if d.words.len() > d.len || d.len == 0 {
                return Err(LayoutError::BadDataSize(names.name(d.name).to_string()));
            }
            let (base, len) = if d.is_const {
                (ro_base, &mut ro_len)
            } else {
                (GENERAL_RAM_ADDR, &mut rw_len)
            };
            define(d.name, base + 8 * *len)?;
            *len += d.len as u64;
        }

        let start = names.get("_start").and_then(|s| addrs.get(s));
        let mut rom = Rom::with_bios(start.expect("the launcher is `_start`"));
        rom.symbols = function_symbols(&program.functions, &addrs, inst_addr(len));
        let (mut ro, mut rw) = (Vec::new(), Vec::new());
        for d in &decls {
            let words = if d.is_const { &mut ro } else { &mut rw };
            for k in 0..d.len {
                let word = d.words.get(k).map(|v| resolve(&program, &addrs, v));
                words.push(word.transpose()?.unwrap_or(0));
            }
        }
        for (words, addr, out) in [
            (ro, ro_base, &mut rom.ro_data),
            (rw, GENERAL_RAM_ADDR, &mut rom.rw_data),
        ] {
            if !words.is_empty() {
                let mut words = words;
                words.resize(words.len().next_multiple_of(4), 0);
                out.push(DataSection { addr, words });
            }
        }
        drop(decls);
        Ok(Placed {
            program,
            rom,
            addrs,
            len,
            code,
        })
    }
}

/// What [`Program::scan`] finds.
struct Scan<'p> {
    /// Where `items` hold each instruction.
    code: Vec<ItemPos>,
    /// Each label with the index of the instruction it names.
    labels: Vec<(Sym, usize)>,
    decls: Vec<&'p DataDecl>,
    /// The first label that no instruction follows.
    dangling: Option<Sym>,
}

/// What an address of [`Addrs`] is before its symbol is defined.
const UNDEFINED: u64 = u64::MAX;

/// Every symbol's address, by [`Sym`].
struct Addrs(Vec<u64>);

impl Addrs {
    fn new(names: &Symbols) -> Addrs {
        Addrs(vec![UNDEFINED; names.len()])
    }

    fn get(&self, s: Sym) -> Option<u64> {
        self.0.get(s.index()).copied().filter(|&a| a != UNDEFINED)
    }
}

/// A program placed at its addresses ([`Program::place`]).
pub struct Placed<'p> {
    program: std::borrow::Cow<'p, Program>,
    /// The BIOS, the data and the function symbols: the ROM but the program's instructions.
    pub rom: Rom,
    /// Every label's and data name's address.
    addrs: Addrs,
    /// The number of the program's instructions, at `ROM_ADDR` on.
    pub len: usize,
    /// Where the program's items hold each instruction.
    code: Vec<ItemPos>,
}

impl Placed<'_> {
    /// The address of label or data declaration `s`.
    pub fn address(&self, s: Sym) -> Option<u64> {
        self.addrs.get(s)
    }

    /// The program's instructions in address order, each with its comment.
    pub fn insts(
        &self,
    ) -> impl Iterator<Item = Result<(u64, Inst, Option<&str>), LayoutError>> + '_ {
        encode_insts(&self.program, &self.addrs)
    }

    /// The instructions of [`Placed::insts`] cut in runs of `n`, each handed to `f` on
    /// rayon's threads with the address of the instruction before it (`None` for the first
    /// run): `f`'s results in address order, or the first error in address order, so the
    /// same whatever the number of threads.
    pub fn map_runs<R: Send>(
        &self,
        n: usize,
        f: impl Fn(Option<u64>, &mut dyn Iterator<Item = (u64, Inst, Option<&str>)>) -> R + Sync,
    ) -> Result<Vec<R>, LayoutError> {
        use rayon::prelude::*;
        let runs: Vec<Result<R, LayoutError>> = (self.code.par_chunks(n).enumerate())
            .map(|(c, run)| {
                let first = c * n;
                let mut error = None;
                let mut insts = (run.iter().enumerate())
                    .map(|(j, &k)| {
                        let Item::Inst { kind, comment, .. } = self.program.items.get(k) else {
                            unreachable!("the scan lists instructions")
                        };
                        let program = &self.program;
                        encode_at(
                            first + j,
                            kind,
                            comment.as_deref().map(String::as_str),
                            program,
                            &self.addrs,
                        )
                    })
                    .map_while(|i| i.map_err(|e| error = Some(e)).ok());
                let r = f(first.checked_sub(1).map(inst_addr), &mut insts);
                match error {
                    Some(e) => Err(e),
                    None => Ok(r),
                }
            })
            .collect();
        runs.into_iter().collect()
    }
}

/// The address of the symbol `s`.
fn address(program: &Program, addrs: &Addrs, s: Sym) -> Result<u64, LayoutError> {
    (addrs.get(s)).ok_or_else(|| LayoutError::UndefinedSymbol(program.name(s).to_string()))
}

fn resolve(program: &Program, addrs: &Addrs, v: &Value) -> Result<u64, LayoutError> {
    match v {
        Value::Lit(n) => Ok(*n),
        Value::Sym(s, off) => address(program, addrs, *s).map(|a| a.wrapping_add_signed(*off)),
    }
}

/// The instructions of `program` in order, each with its comment.
fn code(program: &Program) -> impl Iterator<Item = (&InstKind, Option<&str>)> {
    program.items.iter().filter_map(|i| match i {
        Item::Inst { kind, comment, .. } => Some((kind, comment.as_deref().map(String::as_str))),
        _ => None,
    })
}

/// The instructions of `program` (its `_start` first) resolved with `symbols`, each at its
/// address with its comment.
fn encode_insts<'a>(
    program: &'a Program,
    addrs: &'a Addrs,
) -> impl Iterator<Item = Result<(u64, Inst, Option<&'a str>), LayoutError>> + 'a {
    code(program)
        .enumerate()
        .map(|(i, (kind, comment))| encode_at(i, kind, comment, program, addrs))
}

/// Instruction `i` of a program, `kind`, resolved with `symbols`, at its address with its
/// comment.
fn encode_at<'a>(
    i: usize,
    kind: &InstKind,
    comment: Option<&'a str>,
    program: &Program,
    addrs: &Addrs,
) -> Result<(u64, Inst, Option<&'a str>), LayoutError> {
    let pc = inst_addr(i);
    let address = |l: Sym| address(program, addrs, l);
    let resolve = |v: &Value| resolve(program, addrs, v);
    let relative = |l: Sym| address(l).map(|a| a as i64 - pc as i64);
    let inst = encode(kind, &address, &resolve, &relative)?;
    Ok((pc, inst, comment))
}

/// The function symbols of a laid-out program: each function's name, address and size (up to
/// the next function, or `code_end`), in address order. Labels without an address (not in
/// the program) are left out.
fn function_symbols(
    functions: &BTreeMap<Sym, String>,
    addrs: &Addrs,
    code_end: u64,
) -> Vec<Symbol> {
    let mut starts: Vec<(u64, &str)> = functions
        .iter()
        .filter_map(|(label, name)| Some((addrs.get(*label)?, name.as_str())))
        .collect();
    starts.sort();
    let ends: Vec<u64> = starts
        .iter()
        .skip(1)
        .map(|s| s.0)
        .chain([code_end])
        .collect();
    starts
        .into_iter()
        .zip(ends)
        .map(|((addr, name), end)| Symbol {
            name: name.to_string(),
            addr,
            size: end - addr,
        })
        .collect()
}

/// A register operand as the builder encodes it (zisk_inst_builder.rs `src_a`, `store`): r0 is
/// `zero` (the immediate 0, or no store), r40..r63 are memory at `REG_FIRST + 8 * n`.
fn register<T>(r: u8, zero: T, reg: fn(u8) -> T, mem: fn(u64) -> T) -> Result<T, LayoutError> {
    match r {
        0 => Ok(zero),
        1..=REGS_IN_MAIN_TO => Ok(reg(r)),
        _ if r <= MAX_REG => Ok(mem(REG_FIRST + 8 * r as u64)),
        _ => Err(LayoutError::BadRegister(r)),
    }
}

fn encode(
    kind: &InstKind,
    address: &dyn Fn(Sym) -> Result<u64, LayoutError>,
    resolve: &dyn Fn(&Value) -> Result<u64, LayoutError>,
    relative: &dyn Fn(Sym) -> Result<i64, LayoutError>,
) -> Result<Inst, LayoutError> {
    let target = |t: &Target| match t {
        Target::Offset(o) => Ok(i64::from(*o)),
        Target::Label(l) => relative(*l),
    };
    let imm = |v| ASrc::Imm(v);
    Ok(match kind {
        InstKind::Call(l) => {
            let mut i = Inst::new(Op::Flag, imm(0), BSrc::Imm(0), Store::Reg(1));
            i.store_pc = true;
            i.jmp_offset1 = relative(*l)?;
            i
        }
        InstKind::Ret => {
            let mut i = Inst::new(Op::And, imm(!1), BSrc::Reg(1), Store::None);
            i.set_pc = true;
            i.jmp_offset1 = 0;
            i
        }
        InstKind::Jump(l) => static_jump(address(*l)?),
        InstKind::RetToBios => static_jump(BIOS_FINALIZE_ADDR),
        InstKind::TableJump(t) => {
            let op = InstKind::Op(OpInst::table_jump(address(*t)?));
            return encode(&op, address, resolve, relative);
        }
        InstKind::Op(o) => {
            let a = match &o.a {
                ASrc::C => ASrc::C,
                ASrc::Step => ASrc::Step,
                ASrc::Mem(v) => ASrc::Mem(resolve(v)?),
                ASrc::Imm(v) => ASrc::Imm(resolve(v)?),
                ASrc::Reg(r) => register(*r, ASrc::Imm(0), ASrc::Reg, ASrc::Mem)?,
            };
            let b = match &o.b {
                BSrc::C => BSrc::C,
                BSrc::Ind(off) => BSrc::Ind(*off),
                BSrc::Mem(v) => BSrc::Mem(resolve(v)?),
                BSrc::Imm(v) => BSrc::Imm(resolve(v)?),
                BSrc::Reg(r) => register(*r, BSrc::Imm(0), BSrc::Reg, BSrc::Mem)?,
            };
            let store = match &o.store {
                Store::None => Store::None,
                Store::Ind(off) => Store::Ind(*off),
                Store::Mem(v) => Store::Mem(resolve(v)?),
                Store::Reg(r) => register(*r, Store::None, Store::Reg, Store::Mem)?,
            };
            let mut i = Inst::new(o.op, a, b, store);
            if matches!(o.b, BSrc::Ind(_)) || matches!(o.store, Store::Ind(_)) {
                if !matches!(o.ind_width, 1 | 2 | 4 | 8) {
                    return Err(LayoutError::BadIndWidth(o.ind_width));
                }
                i.ind_width = o.ind_width;
            }
            match &o.flow {
                Flow::Next => {}
                Flow::Branch { taken, not_taken } => {
                    i.jmp_offset1 = target(taken)?;
                    i.jmp_offset2 = target(not_taken)?;
                }
                Flow::SetPc(off) => {
                    i.set_pc = true;
                    i.jmp_offset1 = i64::from(*off);
                }
            }
            i.end = o.end;
            i
        }
    })
}

/// `copyb(0, addr), setpc(0)` (assembler.rs `emit_static_jump`).
fn static_jump(addr: u64) -> Inst {
    let mut i = Inst::new(Op::CopyB, ASrc::Imm(0), BSrc::Imm(addr), Store::None);
    i.set_pc = true;
    i.jmp_offset1 = 0;
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: u32) -> Vec<Item> {
        (0..n).map(|k| Item::Label(Sym(k))).collect()
    }

    /// Chunks joined by `append` read as one sequence: by position, from an index on, and
    /// equal to the same items in one chunk.
    #[test]
    fn chunks_read_as_one_sequence() {
        let all = labels(7);
        let mut items = Items::from(all[..2].to_vec());
        for part in [&all[2..2], &all[2..5], &all[5..]] {
            items.append(&mut Items::from(part.to_vec()));
        }
        assert_eq!(items.len(), 7);
        assert_eq!(items, Items::from(all.clone()));
        assert!(items.iter().eq(all.iter()));
        assert_eq!(items.get(ItemPos(1, 1)), &all[3]);
        assert_eq!(items.get(ItemPos(2, 1)), &all[6]);
        for first in 0..=7 {
            let tail: Vec<Item> = items.since_mut(first).map(|i| i.clone()).collect();
            assert_eq!(tail, all[first..], "from {first}");
        }
        items.push(Item::Label(Sym(7)));
        assert_eq!(items.last_mut(), Some(&mut Item::Label(Sym(7))));
        assert_ne!(items, Items::from(all));
    }

    /// Scanning chunks on their own: a label at the end of a chunk names the next chunk's
    /// first instruction, one after the last instruction is dangling.
    #[test]
    fn scan_joins_labels_across_chunks() {
        let inst = || Item::Inst {
            kind: InstKind::Ret,
            comment: None,
            by_alloc: false,
            srcloc: None,
        };
        let l = |k| Item::Label(Sym(k));
        let mut p = Program::default();
        for chunk in [
            vec![l(0), inst(), l(1)],
            vec![l(2)],
            vec![inst(), inst(), l(3)],
            vec![l(4)],
        ] {
            p.items.append(&mut Items::from(chunk));
        }
        let scan = p.scan();
        assert_eq!(scan.labels, [(Sym(0), 0), (Sym(1), 1), (Sym(2), 1)]);
        assert_eq!(scan.code, [ItemPos(0, 1), ItemPos(2, 0), ItemPos(2, 1)]);
        assert_eq!(scan.dangling, Some(Sym(3)));
    }
}

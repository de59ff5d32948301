//! The reference interpreter: runs an IR [`Module`] with exact wasm semantics. It is the oracle
//! every later stage is tested against (frontend, optimizer and backend differential tests, the
//! wasm spec test runner).
//!
//! # Design
//! Each defined function is compiled once, at instantiation, into flat code
//! ([`compile`]): every SSA value gets a frame slot, every operation is resolved to a `fn`
//! pointer over raw bits ([`crate::semantics`]), branches carry pre-resolved target pcs and
//! pre-sequentialized block-argument moves. Values are `u64`s in one register stack shared by
//! all frames; an `i32`/`f32` is its 32 bits zero-extended (the upper half is always zero), an
//! `i64`/`f64` uses all 64 bits. Calls push an explicit [`Frame`], never a Rust stack frame, so
//! recursion depth is bounded by [`Limits::max_call_depth`] (a wasm "call stack exhausted"
//! trap), not by the host's stack.
//!
//! Fuel counts executed IR instructions, each terminator included (block-argument moves are
//! free); it is a budget for the whole life of an [`Instance`].
//!
//! Instantiation follows wasm 2.0: imports are resolved through the [`Host`], globals are
//! initialized, active element segments and then active data segments are copied in order (an
//! out-of-bounds segment traps; what was copied before stays), active and declared segments are
//! dropped, and the start function runs.
//!
//! The machine-level operations are modeled simply: `zisk.load`/`zisk.store` use a sparse
//! byte map (unwritten bytes read as 0), `zisk.uart` and `zisk.pubout` go to the host.

mod compile;
mod host;
mod wasi;
mod zkvm;

pub use host::{unknown_import, Host, NoHost, SpectestHost};
pub use wasi::{run_command, run_command_with, CommandOutcome, Exit, WasiHost};

use crate::entities::{FuncId, GlobalId, TableId};
use crate::function::SrcLoc;
use crate::module::{ConstExpr, DataMode, ElemMode, ExportKind, FuncDef, GlobalInit, Module};
use crate::ops::TrapCode;
use crate::types::{Signature, Type};
use compile::{CFunc, Ins, LoadKind};
use cranelift_entity::EntityRef;
use std::collections::HashMap;
use std::fmt;

/// A wasm value. Integers are kept as unsigned bit patterns, floats as their raw bits (so NaN
/// payloads survive and `Eq` compares bits).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Val {
    I32(u32),
    I64(u64),
    /// Bits of an `f32`.
    F32(u32),
    /// Bits of an `f64`.
    F64(u64),
    /// A function reference; `None` is null.
    FuncRef(Option<FuncId>),
    /// A host reference (the spec tests' `ref.extern N`); `None` is null.
    ExternRef(Option<u32>),
}

impl Val {
    pub fn ty(self) -> Type {
        match self {
            Val::I32(_) => Type::I32,
            Val::I64(_) => Type::I64,
            Val::F32(_) => Type::F32,
            Val::F64(_) => Type::F64,
            Val::FuncRef(_) => Type::FuncRef,
            Val::ExternRef(_) => Type::ExternRef,
        }
    }

    /// The raw bits, zero-extended to 64; a reference is 0 for null, else its index + 1 (see
    /// [`Type`]).
    pub fn bits(self) -> u64 {
        match self {
            Val::I32(x) | Val::F32(x) => x as u64,
            Val::I64(x) | Val::F64(x) => x,
            Val::FuncRef(f) => f.map_or(0, |f| f.index() as u64 + 1),
            Val::ExternRef(x) => x.map_or(0, |x| x as u64 + 1),
        }
    }

    /// A value of type `ty` from raw bits (truncated to the type's width).
    pub fn from_bits(ty: Type, bits: u64) -> Val {
        match ty {
            Type::I32 => Val::I32(bits as u32),
            Type::I64 => Val::I64(bits),
            Type::F32 => Val::F32(bits as u32),
            Type::F64 => Val::F64(bits),
            Type::FuncRef => Val::FuncRef(bits.checked_sub(1).map(|i| FuncId::new(i as usize))),
            Type::ExternRef => Val::ExternRef(bits.checked_sub(1).map(|x| x as u32)),
        }
    }

    /// The zero of type `ty`.
    pub fn zero(ty: Type) -> Val {
        Val::from_bits(ty, 0)
    }

    pub fn i32(x: i32) -> Val {
        Val::I32(x as u32)
    }
    pub fn i64(x: i64) -> Val {
        Val::I64(x as u64)
    }
    pub fn f32(x: f32) -> Val {
        Val::F32(x.to_bits())
    }
    pub fn f64(x: f64) -> Val {
        Val::F64(x.to_bits())
    }

    pub fn as_i32(self) -> Option<i32> {
        match self {
            Val::I32(x) => Some(x as i32),
            _ => None,
        }
    }
    pub fn as_i64(self) -> Option<i64> {
        match self {
            Val::I64(x) => Some(x as i64),
            _ => None,
        }
    }
    pub fn as_f32(self) -> Option<f32> {
        match self {
            Val::F32(x) => Some(f32::from_bits(x)),
            _ => None,
        }
    }
    pub fn as_f64(self) -> Option<f64> {
        match self {
            Val::F64(x) => Some(f64::from_bits(x)),
            _ => None,
        }
    }
}

impl fmt::Display for Val {
    /// `i32:-1`, `i64:42`, `f32:1.5`, `f64:nan:0x7ff8000000000000` (NaNs show their bits).
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match *self {
            Val::I32(x) => write!(f, "i32:{}", x as i32),
            Val::I64(x) => write!(f, "i64:{}", x as i64),
            Val::F32(x) if f32::from_bits(x).is_nan() => write!(f, "f32:nan:{x:#010x}"),
            Val::F64(x) if f64::from_bits(x).is_nan() => write!(f, "f64:nan:{x:#018x}"),
            Val::F32(x) => write!(f, "f32:{:?}", f32::from_bits(x)),
            Val::F64(x) => write!(f, "f64:{:?}", f64::from_bits(x)),
            Val::FuncRef(None) => write!(f, "funcref:null"),
            Val::FuncRef(Some(x)) => write!(f, "funcref:{x}"),
            Val::ExternRef(None) => write!(f, "externref:null"),
            Val::ExternRef(Some(x)) => write!(f, "externref:{x}"),
        }
    }
}

/// Why a run stopped before returning.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Trap {
    /// A wasm trap; `Display` is the spec test suite's message.
    Wasm(TrapCode),
    /// The program asked to exit (WASI `proc_exit`).
    Exit(i32),
    /// The fuel budget ([`Limits::fuel`]) is spent.
    OutOfFuel,
    /// The host failed, or the embedder misused the API (e.g. wrong argument types).
    Host(String),
    /// An operation the interpreter does not model.
    Unsupported(String),
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Trap::Wasm(c) => f.write_str(c.message()),
            Trap::Exit(c) => write!(f, "exit with code {c}"),
            Trap::OutOfFuel => f.write_str("out of fuel"),
            Trap::Host(m) => write!(f, "host error: {m}"),
            Trap::Unsupported(m) => write!(f, "unsupported: {m}"),
        }
    }
}

impl std::error::Error for Trap {}

impl From<TrapCode> for Trap {
    fn from(c: TrapCode) -> Self {
        Trap::Wasm(c)
    }
}

/// Why instantiation failed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum InstError {
    /// An import is missing or has the wrong type (wasm's "unlinkable").
    Link(String),
    /// The module is malformed in a way the verifier should have caught.
    Invalid(String),
    /// A segment was out of bounds, or the start function trapped.
    Trap(Trap),
}

impl fmt::Display for InstError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            InstError::Link(m) => write!(f, "link error: {m}"),
            InstError::Invalid(m) => write!(f, "invalid module: {m}"),
            InstError::Trap(t) => write!(f, "trap during instantiation: {t}"),
        }
    }
}

impl std::error::Error for InstError {}

/// Resource limits of an instance. Build with `Limits { fuel: n, ..Limits::default() }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Instructions the instance may execute over its whole life.
    pub fuel: u64,
    /// Frames that may be active at once; one more call traps "call stack exhausted".
    pub max_call_depth: usize,
    /// Cap on linear memory size in pages, on top of the memory's own maximum.
    pub max_memory_pages: u32,
    /// Cap on the register stack (all active frames' slots); exceeding it is a stack overflow.
    pub max_stack_slots: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: 10_000_000_000,
            max_call_depth: 10_000,
            max_memory_pages: 65536,
            max_stack_slots: 1 << 25,
        }
    }
}

impl Limits {
    pub fn with_fuel(fuel: u64) -> Self {
        Limits {
            fuel,
            ..Limits::default()
        }
    }
}

/// Bytes in a wasm page.
pub const PAGE_SIZE: usize = 65536;

/// A linear memory. Its size is always a whole number of pages.
#[derive(Clone, Debug, Default)]
pub struct Memory {
    bytes: Vec<u8>,
    max_pages: u32,
}

impl Memory {
    fn new(pages: u32, max_pages: u32) -> Memory {
        Memory {
            bytes: vec![0; pages as usize * PAGE_SIZE],
            max_pages,
        }
    }

    pub fn pages(&self) -> u32 {
        (self.bytes.len() / PAGE_SIZE) as u32
    }

    /// The effective maximum in pages (the declared one, capped by [`Limits`]).
    pub fn max_pages(&self) -> u32 {
        self.max_pages
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }

    /// `len` bytes at `addr`, or an out-of-bounds trap.
    pub fn read(&self, addr: u32, len: u32) -> Result<&[u8], Trap> {
        let a = addr as usize;
        self.bytes
            .get(a..a + len as usize)
            .ok_or(Trap::Wasm(TrapCode::MemoryOutOfBounds))
    }

    pub fn write(&mut self, addr: u32, data: &[u8]) -> Result<(), Trap> {
        let a = addr as usize;
        match self.bytes.get_mut(a..a + data.len()) {
            Some(dst) => {
                dst.copy_from_slice(data);
                Ok(())
            }
            None => Err(Trap::Wasm(TrapCode::MemoryOutOfBounds)),
        }
    }

    pub fn read_u32(&self, addr: u32) -> Result<u32, Trap> {
        Ok(u32::from_le_bytes(self.read(addr, 4)?.try_into().unwrap()))
    }

    pub fn write_u32(&mut self, addr: u32, v: u32) -> Result<(), Trap> {
        self.write(addr, &v.to_le_bytes())
    }

    pub fn write_u64(&mut self, addr: u32, v: u64) -> Result<(), Trap> {
        self.write(addr, &v.to_le_bytes())
    }

    /// `memory.grow`: the old size in pages, or `None` past the maximum or when the host
    /// cannot allocate.
    pub fn grow(&mut self, delta: u32) -> Option<u32> {
        let old = self.pages();
        let new = old as u64 + delta as u64;
        if new > self.max_pages as u64 {
            return None;
        }
        let add = delta as usize * PAGE_SIZE;
        self.bytes.try_reserve(add).ok()?;
        self.bytes.resize(self.bytes.len() + add, 0);
        Some(old)
    }
}

/// A table: its entries as reference bits (0 is null, see [`Val::bits`]).
#[derive(Clone, Debug)]
struct Table {
    elems: Vec<u64>,
    ty: Type,
    /// The effective maximum: the declared one, capped by [`MAX_TABLE_ENTRIES`].
    max: u32,
}

/// The interpreter's cap on a table's size; `table.grow` past it fails (returns -1).
pub const MAX_TABLE_ENTRIES: u32 = 10_000_000;

/// The reference bits of an element segment item.
fn item_bits(item: Option<FuncId>) -> u64 {
    item.map_or(0, |f| f.index() as u64 + 1)
}

/// A suspended caller.
#[derive(Clone, Copy, Debug)]
struct Frame {
    func: usize,
    /// The pc after the call.
    pc: usize,
    base: usize,
    /// The call site in the caller, for its result slots.
    site: usize,
}

const NOT_IMPORTED: u32 = u32::MAX;

/// An instantiated module.
pub struct Instance<'m, H: Host> {
    module: &'m Module,
    host: H,
    limits: Limits,
    /// Compiled body per function (empty for imports).
    code: Vec<CFunc>,
    /// Host index per function, `NOT_IMPORTED` for defined ones.
    host_index: Vec<u32>,
    /// Canonical signature per function: equal signatures, equal numbers.
    func_sig: Vec<u32>,
    mem: Memory,
    globals: Vec<u64>,
    tables: Vec<Table>,
    data_dropped: Vec<bool>,
    elem_dropped: Vec<bool>,
    stack: Vec<u64>,
    frames: Vec<Frame>,
    fuel_used: u64,
    mach: HashMap<u64, u8>,
    backtrace: Vec<BacktraceFrame>,
}

/// Where a run stopped abnormally: a function and the source location of the instruction.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct BacktraceFrame {
    pub func: FuncId,
    pub srcloc: SrcLoc,
}

fn check_limits(
    what: &str,
    actual: (u32, Option<u32>),
    declared: (u32, Option<u32>),
) -> Result<(), InstError> {
    let ok = actual.0 >= declared.0
        && match declared.1 {
            None => true,
            Some(dm) => matches!(actual.1, Some(am) if am <= dm),
        };
    if ok {
        Ok(())
    } else {
        Err(InstError::Link(format!(
            "incompatible import type for {what}"
        )))
    }
}

impl<'m, H: Host> Instance<'m, H> {
    /// Instantiates `module`: resolves imports, compiles every function, initializes globals,
    /// tables and memory, and runs the start function.
    pub fn new(module: &'m Module, mut host: H, limits: Limits) -> Result<Self, InstError> {
        // Signatures compared structurally, through canonical numbers.
        let mut canon: HashMap<&Signature, u32> = HashMap::new();
        let mut intern = |s: &'m Signature| {
            let n = canon.len() as u32;
            *canon.entry(s).or_insert(n)
        };
        let sig_canon: Vec<u32> = module.sigs.values().map(&mut intern).collect();
        let func_sig: Vec<u32> = module.funcs.values().map(|f| intern(&f.sig)).collect();

        let mut host_index = vec![NOT_IMPORTED; module.funcs.len()];
        for (id, f) in module.funcs.iter() {
            if let FuncDef::Import(name) = &f.def {
                host_index[id.index()] =
                    host.resolve_func(name, &f.sig).map_err(InstError::Link)?;
            }
        }

        let ctx = compile::Ctx {
            module,
            sig_canon: &sig_canon,
        };
        let mut code = Vec::with_capacity(module.funcs.len());
        for (id, f) in module.funcs.iter() {
            code.push(match f.body() {
                Some(body) => compile::compile(&ctx, id, body).map_err(InstError::Invalid)?,
                None => CFunc::default(),
            });
        }

        let mut globals: Vec<u64> = Vec::with_capacity(module.globals.len());
        for (_, g) in module.globals.iter() {
            let v = match &g.init {
                GlobalInit::Import(name) => {
                    let v = host
                        .global(name, g.ty, g.mutable)
                        .map_err(InstError::Link)?;
                    if v.ty() != g.ty {
                        return Err(InstError::Link(format!(
                            "incompatible import type for global \"{}\" \"{}\"",
                            name.module, name.field
                        )));
                    }
                    v.bits()
                }
                GlobalInit::Const(c) => eval_const(c, &globals)?,
            };
            globals.push(v);
        }

        let mem = match &module.memory {
            None => Memory::default(),
            Some(decl) => {
                let (min, max) = match &decl.import {
                    Some(name) => {
                        let lim = host.memory(name).map_err(InstError::Link)?;
                        check_limits("memory", lim, (decl.min, decl.max))?;
                        lim
                    }
                    None => (decl.min, decl.max),
                };
                let cap = max.unwrap_or(65536).min(65536).min(limits.max_memory_pages);
                if min > cap {
                    return Err(InstError::Link(format!(
                        "memory of {min} pages exceeds the limit of {cap}"
                    )));
                }
                Memory::new(min, cap)
            }
        };

        let mut tables = Vec::with_capacity(module.tables.len());
        for (_, t) in module.tables.iter() {
            let (min, max) = match &t.import {
                Some(name) => {
                    let lim = host.table(name).map_err(InstError::Link)?;
                    check_limits("table", lim, (t.min, t.max))?;
                    lim
                }
                None => (t.min, t.max),
            };
            let max = max.unwrap_or(u32::MAX).min(MAX_TABLE_ENTRIES);
            if min > max {
                return Err(InstError::Link(format!(
                    "table of {min} entries exceeds the limit of {max}"
                )));
            }
            tables.push(Table {
                elems: vec![0; min as usize],
                ty: t.ty,
                max,
            });
        }

        let mut inst = Instance {
            module,
            host,
            limits,
            code,
            host_index,
            func_sig,
            mem,
            globals,
            tables,
            data_dropped: vec![false; module.data.len()],
            elem_dropped: vec![false; module.elems.len()],
            stack: Vec::new(),
            frames: Vec::new(),
            fuel_used: 0,
            mach: HashMap::new(),
            backtrace: Vec::new(),
        };

        for (id, seg) in module.elems.iter() {
            match &seg.mode {
                ElemMode::Active { table, offset } => {
                    let off = eval_const(offset, &inst.globals)? as u32 as usize;
                    let t = inst
                        .tables
                        .get_mut(table.index())
                        .ok_or_else(|| InstError::Invalid(format!("unknown table {table}")))?;
                    let dst = t
                        .elems
                        .get_mut(off..off + seg.items.len())
                        .ok_or(InstError::Trap(Trap::Wasm(TrapCode::TableOutOfBounds)))?;
                    for (d, &item) in dst.iter_mut().zip(&seg.items) {
                        *d = item_bits(item);
                    }
                    inst.elem_dropped[id.index()] = true;
                }
                ElemMode::Declared => inst.elem_dropped[id.index()] = true,
                ElemMode::Passive => {}
            }
        }
        for (id, seg) in module.data.iter() {
            if let DataMode::Active { offset } = &seg.mode {
                let off = eval_const(offset, &inst.globals)? as u32;
                inst.mem.write(off, &seg.bytes).map_err(InstError::Trap)?;
                inst.data_dropped[id.index()] = true;
            }
        }
        if let Some(start) = module.start {
            inst.invoke(start, &[]).map_err(InstError::Trap)?;
        }
        Ok(inst)
    }

    pub fn module(&self) -> &'m Module {
        self.module
    }

    pub fn host(&self) -> &H {
        &self.host
    }

    pub fn host_mut(&mut self) -> &mut H {
        &mut self.host
    }

    pub fn into_host(self) -> H {
        self.host
    }

    pub fn memory(&self) -> &Memory {
        &self.mem
    }

    pub fn memory_mut(&mut self) -> &mut Memory {
        &mut self.mem
    }

    pub fn global_value(&self, g: GlobalId) -> Val {
        Val::from_bits(self.module.globals[g].ty, self.globals[g.index()])
    }

    /// The value of the exported global `name`.
    pub fn export_global(&self, name: &str) -> Option<Val> {
        self.module.exports.iter().find_map(|e| match e.kind {
            ExportKind::Global(g) if e.name == name => Some(self.global_value(g)),
            _ => None,
        })
    }

    /// The current entries of table `t`.
    pub fn table(&self, t: TableId) -> Vec<Val> {
        let t = &self.tables[t.index()];
        t.elems.iter().map(|&b| Val::from_bits(t.ty, b)).collect()
    }

    /// Instructions executed so far, over all invocations.
    pub fn fuel_used(&self) -> u64 {
        self.fuel_used
    }

    /// After an invocation that ended in a trap (or exit, or fuel exhaustion): the
    /// instruction that stopped it, then each caller's call, innermost first. Empty after a
    /// successful invocation.
    pub fn backtrace(&self) -> &[BacktraceFrame] {
        &self.backtrace
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Writes bytes into the sparse machine memory that `zisk.load` reads.
    pub fn mach_write(&mut self, addr: u64, bytes: &[u8]) {
        for (i, &b) in bytes.iter().enumerate() {
            self.mach.insert(addr.wrapping_add(i as u64), b);
        }
    }

    /// Calls the exported function `name`.
    pub fn invoke_export(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Trap> {
        let f = self
            .module
            .exports
            .iter()
            .find_map(|e| match e.kind {
                ExportKind::Func(f) if e.name == name => Some(f),
                _ => None,
            })
            .ok_or_else(|| Trap::Host(format!("no exported function \"{name}\"")))?;
        self.invoke(f, args)
    }

    /// Calls function `f` with `args`, which must match its parameter types.
    pub fn invoke(&mut self, f: FuncId, args: &[Val]) -> Result<Vec<Val>, Trap> {
        let decl = self
            .module
            .funcs
            .get(f)
            .ok_or_else(|| Trap::Host(format!("no function {f}")))?;
        let arg_tys: Vec<Type> = args.iter().map(|a| a.ty()).collect();
        if arg_tys != decl.sig.params {
            return Err(Trap::Host(format!(
                "@{} takes {}, invoked with {:?}",
                decl.name, decl.sig, arg_tys
            )));
        }
        let hi = self.host_index[f.index()];
        if hi != NOT_IMPORTED {
            self.backtrace.clear();
            return self.host.call(hi, args, &mut self.mem);
        }
        self.run(f.index(), args)
    }

    /// The interpreter loop.
    fn run(&mut self, fid: usize, args: &[Val]) -> Result<Vec<Val>, Trap> {
        let Instance {
            module,
            host,
            limits,
            code,
            host_index,
            func_sig,
            mem,
            globals,
            tables,
            data_dropped,
            elem_dropped,
            stack,
            frames,
            fuel_used,
            mach,
            backtrace,
        } = self;
        let module: &Module = module;
        frames.clear();
        let budget = limits.fuel.saturating_sub(*fuel_used);
        let mut fuel = budget;
        let mut cf: &CFunc = &code[fid];
        let mut f = fid;
        let mut base = 0usize;
        let mut pc = 0usize;
        if stack.len() < cf.nslots as usize {
            stack.resize(cf.nslots as usize, 0);
        }
        for (i, a) in args.iter().enumerate() {
            stack[i] = a.bits();
        }
        let mut fr: &mut [u64] = &mut stack[base..base + cf.nslots as usize];

        let result: Result<Vec<Val>, Trap> = 'run: loop {
            macro_rules! r {
                ($s:expr) => {
                    fr[$s as usize]
                };
            }
            macro_rules! trap {
                ($c:expr) => {
                    break 'run Err(Trap::Wasm($c))
                };
            }
            macro_rules! take_edge {
                ($e:expr) => {{
                    let ed = &cf.edges[$e as usize];
                    for &(d, s) in &cf.moves[ed.ms as usize..ed.me as usize] {
                        fr[d as usize] = fr[s as usize];
                    }
                    pc = ed.pc as usize;
                }};
            }
            macro_rules! load {
                ($n:literal, $a:expr, $off:expr) => {{
                    let ea = (r!($a) as u32 as usize) + $off as usize;
                    match mem.bytes.get(ea..ea + $n) {
                        Some(b) => <[u8; $n]>::try_from(b).unwrap(),
                        None => trap!(TrapCode::MemoryOutOfBounds),
                    }
                }};
            }
            macro_rules! store {
                ($n:literal, $a:expr, $v:expr, $off:expr) => {{
                    let ea = (r!($a) as u32 as usize) + $off as usize;
                    let v = r!($v).to_le_bytes();
                    match mem.bytes.get_mut(ea..ea + $n) {
                        Some(b) => b.copy_from_slice(&v[..$n]),
                        None => trap!(TrapCode::MemoryOutOfBounds),
                    }
                }};
            }
            // Enters defined function `$callee` from call site `$site` of the current function.
            macro_rules! call {
                ($callee:expr, $site:expr) => {{
                    let callee = $callee;
                    if frames.len() + 1 >= limits.max_call_depth {
                        trap!(TrapCode::StackOverflow);
                    }
                    let ccf = &code[callee];
                    let nb = base + cf.nslots as usize;
                    let need = nb + ccf.nslots as usize;
                    if need > stack.len() {
                        if need > limits.max_stack_slots {
                            trap!(TrapCode::StackOverflow);
                        }
                        let grown = (stack.len() * 2).clamp(need, limits.max_stack_slots.max(need));
                        stack.resize(grown, 0);
                    }
                    let s = &cf.calls[$site as usize];
                    for k in 0..s.nargs as usize {
                        stack[nb + k] = stack[base + cf.lists[s.args as usize + k] as usize];
                    }
                    frames.push(Frame {
                        func: f,
                        pc,
                        base,
                        site: $site as usize,
                    });
                    f = callee;
                    cf = ccf;
                    base = nb;
                    pc = 0;
                    fr = &mut stack[base..base + cf.nslots as usize];
                }};
            }
            // Calls imported function `$callee` from call site `$site`.
            macro_rules! call_host {
                ($callee:expr, $site:expr) => {{
                    let callee: usize = $callee;
                    let s = &cf.calls[$site as usize];
                    let sig = &module.funcs[FuncId::new(callee)].sig;
                    let args: Vec<Val> = sig
                        .params
                        .iter()
                        .enumerate()
                        .map(|(k, &ty)| Val::from_bits(ty, r!(cf.lists[s.args as usize + k])))
                        .collect();
                    match host.call(host_index[callee], &args, mem) {
                        Ok(res) => {
                            let tys: Vec<Type> = res.iter().map(|v| v.ty()).collect();
                            if tys != sig.results {
                                break 'run Err(Trap::Host(format!(
                                    "host function @{} returned {:?}, expected {}",
                                    module.funcs[FuncId::new(callee)].name,
                                    tys,
                                    sig
                                )));
                            }
                            for (k, v) in res.iter().enumerate() {
                                r!(cf.lists[s.rets as usize + k]) = v.bits();
                            }
                        }
                        Err(t) => break 'run Err(t),
                    }
                }};
            }

            let ins = cf.code[pc];
            pc += 1;
            if fuel == 0 {
                break 'run Err(Trap::OutOfFuel);
            }
            fuel -= 1;
            match ins {
                Ins::Const { d, v } => r!(d) = v,
                Ins::Un { f, d, a } => r!(d) = f(r!(a)),
                Ins::UnT { f, d, a } => match f(r!(a)) {
                    Ok(v) => r!(d) = v,
                    Err(c) => trap!(c),
                },
                Ins::Bin { f, d, a, b } => r!(d) = f(r!(a), r!(b)),
                Ins::BinT { f, d, a, b } => match f(r!(a), r!(b)) {
                    Ok(v) => r!(d) = v,
                    Err(c) => trap!(c),
                },
                Ins::I32Add { d, a, b } => r!(d) = (r!(a) as u32).wrapping_add(r!(b) as u32) as u64,
                Ins::I64Add { d, a, b } => r!(d) = r!(a).wrapping_add(r!(b)),
                Ins::Select { d, a, b, c } => r!(d) = if r!(c) != 0 { r!(a) } else { r!(b) },
                Ins::Load32 { d, a, off } => r!(d) = u32::from_le_bytes(load!(4, a, off)) as u64,
                Ins::Load64 { d, a, off } => r!(d) = u64::from_le_bytes(load!(8, a, off)),
                Ins::LoadX { k, d, a, off } => {
                    r!(d) = match k {
                        LoadKind::I32S8 => i8::from_le_bytes(load!(1, a, off)) as i32 as u32 as u64,
                        LoadKind::I32U8 => u8::from_le_bytes(load!(1, a, off)) as u64,
                        LoadKind::I32S16 => {
                            i16::from_le_bytes(load!(2, a, off)) as i32 as u32 as u64
                        }
                        LoadKind::I32U16 => u16::from_le_bytes(load!(2, a, off)) as u64,
                        LoadKind::I64S8 => i8::from_le_bytes(load!(1, a, off)) as i64 as u64,
                        LoadKind::I64U8 => u8::from_le_bytes(load!(1, a, off)) as u64,
                        LoadKind::I64S16 => i16::from_le_bytes(load!(2, a, off)) as i64 as u64,
                        LoadKind::I64U16 => u16::from_le_bytes(load!(2, a, off)) as u64,
                        LoadKind::I64S32 => i32::from_le_bytes(load!(4, a, off)) as i64 as u64,
                    }
                }
                Ins::Store8 { a, v, off } => store!(1, a, v, off),
                Ins::Store16 { a, v, off } => store!(2, a, v, off),
                Ins::Store32 { a, v, off } => store!(4, a, v, off),
                Ins::Store64 { a, v, off } => store!(8, a, v, off),
                Ins::GlobalGet { d, g } => r!(d) = globals[g as usize],
                Ins::GlobalSet { g, a } => globals[g as usize] = r!(a),
                Ins::MemSize { d } => r!(d) = mem.pages() as u64,
                Ins::MemGrow { d, a } => {
                    r!(d) = mem.grow(r!(a) as u32).unwrap_or(u32::MAX) as u64;
                }
                Ins::MemCopy { a, b, c } => {
                    let (dst, src, n) = (r!(a) as usize, r!(b) as usize, r!(c) as usize);
                    let len = mem.bytes.len();
                    if src + n > len || dst + n > len {
                        trap!(TrapCode::MemoryOutOfBounds);
                    }
                    mem.bytes.copy_within(src..src + n, dst);
                }
                Ins::MemFill { a, b, c } => {
                    let (dst, val, n) = (r!(a) as usize, r!(b) as u8, r!(c) as usize);
                    match mem.bytes.get_mut(dst..dst + n) {
                        Some(m) => m.fill(val),
                        None => trap!(TrapCode::MemoryOutOfBounds),
                    }
                }
                Ins::MemInit { seg, a, b, c } => {
                    let (dst, src, n) = (r!(a) as usize, r!(b) as usize, r!(c) as usize);
                    let data: &[u8] = if data_dropped[seg as usize] {
                        &[]
                    } else {
                        &module.data[crate::DataId::new(seg as usize)].bytes
                    };
                    match (data.get(src..src + n), mem.bytes.get_mut(dst..dst + n)) {
                        (Some(s), Some(m)) => m.copy_from_slice(s),
                        _ => trap!(TrapCode::MemoryOutOfBounds),
                    }
                }
                Ins::DataDrop { seg } => data_dropped[seg as usize] = true,
                Ins::TableSize { d, t } => r!(d) = tables[t as usize].elems.len() as u64,
                Ins::TableInit { t, e, l } => {
                    let l = l as usize;
                    let (dst, src, n) = (
                        r!(cf.lists[l]) as usize,
                        r!(cf.lists[l + 1]) as usize,
                        r!(cf.lists[l + 2]) as usize,
                    );
                    let items: &[Option<FuncId>] = if elem_dropped[e as usize] {
                        &[]
                    } else {
                        &module.elems[crate::ElemId::new(e as usize)].items
                    };
                    match (
                        items.get(src..src + n),
                        tables[t as usize].elems.get_mut(dst..dst + n),
                    ) {
                        (Some(s), Some(m)) => {
                            for (d, &item) in m.iter_mut().zip(s) {
                                *d = item_bits(item);
                            }
                        }
                        _ => trap!(TrapCode::TableOutOfBounds),
                    }
                }
                Ins::TableCopy { dt, st, l } => {
                    let l = l as usize;
                    let (dst, src, n) = (
                        r!(cf.lists[l]) as usize,
                        r!(cf.lists[l + 1]) as usize,
                        r!(cf.lists[l + 2]) as usize,
                    );
                    let (dlen, slen) = (
                        tables[dt as usize].elems.len(),
                        tables[st as usize].elems.len(),
                    );
                    if src + n > slen || dst + n > dlen {
                        trap!(TrapCode::TableOutOfBounds);
                    }
                    if dt == st {
                        tables[dt as usize].elems.copy_within(src..src + n, dst);
                    } else {
                        let items = tables[st as usize].elems[src..src + n].to_vec();
                        tables[dt as usize].elems[dst..dst + n].copy_from_slice(&items);
                    }
                }
                Ins::ElemDrop { e } => elem_dropped[e as usize] = true,
                Ins::IsNull { d, a } => r!(d) = (r!(a) == 0) as u64,
                Ins::TableGet { d, t, a } => match tables[t as usize].elems.get(r!(a) as usize) {
                    Some(&v) => r!(d) = v,
                    None => trap!(TrapCode::TableOutOfBounds),
                },
                Ins::TableSet { t, a, b } => {
                    let v = r!(b);
                    match tables[t as usize].elems.get_mut(r!(a) as usize) {
                        Some(e) => *e = v,
                        None => trap!(TrapCode::TableOutOfBounds),
                    }
                }
                Ins::TableGrow { d, t, a, b } => {
                    let (v, n) = (r!(a), r!(b) as u32);
                    let table = &mut tables[t as usize];
                    let old = table.elems.len();
                    let new = old as u64 + n as u64;
                    r!(d) =
                        if new > table.max as u64 || table.elems.try_reserve(n as usize).is_err() {
                            u32::MAX as u64
                        } else {
                            table.elems.resize(new as usize, v);
                            old as u64
                        };
                }
                Ins::TableFill { t, l } => {
                    let l = l as usize;
                    let (dst, v, n) = (
                        r!(cf.lists[l]) as usize,
                        r!(cf.lists[l + 1]),
                        r!(cf.lists[l + 2]) as usize,
                    );
                    match tables[t as usize].elems.get_mut(dst..dst + n) {
                        Some(m) => m.fill(v),
                        None => trap!(TrapCode::TableOutOfBounds),
                    }
                }
                Ins::Call { f: callee, site } => call!(callee as usize, site),
                Ins::CallHost { f: callee, site } => call_host!(callee as usize, site),
                Ins::CallIndirect { t, sig, i, site } => {
                    let idx = r!(i) as u32 as usize;
                    let callee = match tables[t as usize].elems.get(idx) {
                        None => trap!(TrapCode::UndefinedElement),
                        Some(0) => trap!(TrapCode::UninitializedElement),
                        Some(&c) => c as usize - 1,
                    };
                    if func_sig[callee] != sig {
                        trap!(TrapCode::BadSignature);
                    }
                    if host_index[callee] == NOT_IMPORTED {
                        call!(callee, site)
                    } else {
                        call_host!(callee, site)
                    }
                }
                Ins::MachLoad { w, d, a } => {
                    let addr = r!(a);
                    let mut v = 0u64;
                    for k in 0..w as u64 {
                        let byte = mach.get(&addr.wrapping_add(k)).copied().unwrap_or(0);
                        v |= (byte as u64) << (8 * k);
                    }
                    r!(d) = v;
                }
                Ins::MachStore { w, a, v } => {
                    let (addr, val) = (r!(a), r!(v));
                    for k in 0..w as u64 {
                        mach.insert(addr.wrapping_add(k), (val >> (8 * k)) as u8);
                    }
                }
                Ins::Uart { a } => {
                    if let Err(t) = host.uart(r!(a) as u8) {
                        break 'run Err(t);
                    }
                }
                Ins::PubOut { a, b } => {
                    if let Err(t) = host.pubout(r!(a) as u32, r!(b) as u32) {
                        break 'run Err(t);
                    }
                }
                Ins::Jump { e } => take_edge!(e),
                Ins::Brif { c, t, e } => take_edge!(if r!(c) != 0 { t } else { e }),
                Ins::BrTable { i, l, n } => {
                    let k = (r!(i) as u32).min(n);
                    take_edge!(cf.lists[(l + k) as usize])
                }
                Ins::Ret { l, n } => match frames.pop() {
                    None => {
                        let tys = &module.funcs[FuncId::new(f)].sig.results;
                        break 'run Ok(tys
                            .iter()
                            .enumerate()
                            .map(|(k, &ty)| Val::from_bits(ty, r!(cf.lists[l as usize + k])))
                            .collect());
                    }
                    Some(caller) => {
                        let ccf = &code[caller.func];
                        let s = &ccf.calls[caller.site];
                        for k in 0..(n.min(s.nrets)) as usize {
                            stack[caller.base + ccf.lists[s.rets as usize + k] as usize] =
                                stack[base + cf.lists[l as usize + k] as usize];
                        }
                        f = caller.func;
                        cf = ccf;
                        base = caller.base;
                        pc = caller.pc;
                        fr = &mut stack[base..base + cf.nslots as usize];
                    }
                },
                Ins::Trap { code } => trap!(code),
            }
        };
        *fuel_used += budget - fuel;
        backtrace.clear();
        if result.is_err() {
            // `pc` is one past the instruction that stopped the run; callers' saved pcs are one
            // past their call.
            let site = |func: usize, pc: usize| BacktraceFrame {
                func: FuncId::new(func),
                srcloc: code[func].srclocs[pc - 1],
            };
            backtrace.push(site(f, pc));
            backtrace.extend(frames.iter().rev().map(|fr| site(fr.func, fr.pc)));
        }
        result
    }
}

fn eval_const(c: &ConstExpr, globals: &[u64]) -> Result<u64, InstError> {
    c.eval(&mut |g| {
        globals.get(g.index()).copied().ok_or_else(|| {
            InstError::Invalid(format!(
                "constant expression reads {g} before it is defined"
            ))
        })
    })
}

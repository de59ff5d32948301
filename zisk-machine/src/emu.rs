//! The ZisK emulator: runs a [`Rom`] with ziskemu's semantics and cost accounting.
//!
//! Facts from ziskemu 1.4.0-alpha (`emu.rs` `step`, `source_a`, `source_b`, `store_c`;
//! `emu_context.rs`) and zisk-core `mem.rs` (`Mem::read`, `Mem::write`):
//! - execution starts at `ROM_ENTRY` with all registers, `c` and the step counter 0;
//! - the input (a multiple of 8 bytes) is at `INPUT_ADDR + 8`; `INPUT_ADDR` itself reads 0
//!   (the free input), and the rest of the input region reads as 0;
//! - RAM is the only writable memory; ROM data is readable; a 1-byte store to `UART_ADDR`
//!   prints the byte;
//! - a read is served from RAM if it fits there, else from a read section (the input, ROM data)
//!   that holds all of it, else as zero inside the input region; anything else is an error,
//!   as is a write outside RAM or a jump where there is no instruction;
//! - `halt` marks the run failed (with `a` as the exit code) and execution goes on to its `end`.
//!
//! Costs are counted on every step ([`crate::stats`]); per-instruction execution counts are
//! kept too, for profiles.
//!
//! A profiled run also keeps the call stack when the ROM names its functions
//! ([`Rom::symbols`]), and charges every step to the stack it ran under
//! ([`Emulator::call_stacks`]). Calls and returns are recognised as ziskemu's per-function
//! report recognises them (ziskemu 1.4.0-alpha `stats/call_return.md`): arriving at a
//! function's first instruction is a call (zkc's `call` is `flag` with `store_pc`, its
//! `call_indirect` a jump through the table after setting `r1`; both leave the return address
//! in `r1`), and a return ([`Inst::is_return`]) pops the frames down to the one whose return
//! address it jumps to. Anything else that leaves the innermost
//! function (a jump to a trap handler or back to the BIOS) unwinds to the innermost frame of
//! the function it lands in, or pushes that function when no frame has it.

use std::collections::HashMap;
use std::fmt;

use crate::bigint;
use crate::frops::is_frop;
use crate::inst::{ASrc, BSrc, Inst, Store};
use crate::mem_map::*;
use crate::ops::{Op, ADD_HI_COST, MAIN_COST};
use crate::rom::{Rom, RomError};
use crate::stats::{Counters, Stats, Zone};

/// A run-time error, with where it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmuError {
    pub kind: EmuErrorKind,
    pub pc: u64,
    pub step: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmuErrorKind {
    InvalidRead {
        addr: u64,
        width: u8,
    },
    InvalidWrite {
        addr: u64,
        width: u8,
    },
    NoInstruction,
    /// A precompile operand not aligned to 8 bytes (ziskemu panics).
    UnalignedPrecompile {
        addr: u64,
    },
    /// A precompile's operands outside its domain: a zero modulus, a curve sum of two points
    /// with the same x or a doubling of a point with y = 0 (ziskemu panics or fails).
    PrecompileDomain {
        op: Op,
    },
}

impl fmt::Display for EmuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            EmuErrorKind::InvalidRead { addr, width } => {
                write!(f, "invalid memory read of {width} bytes at 0x{addr:x}")?
            }
            EmuErrorKind::InvalidWrite { addr, width } => {
                write!(f, "invalid memory write of {width} bytes at 0x{addr:x}")?
            }
            EmuErrorKind::NoInstruction => write!(f, "no instruction at pc")?,
            EmuErrorKind::UnalignedPrecompile { addr } => {
                write!(f, "precompile operand 0x{addr:x} not aligned to 8 bytes")?
            }
            EmuErrorKind::PrecompileDomain { op } => {
                write!(f, "{op} on operands outside its domain")?
            }
        }
        write!(f, " (pc=0x{:x}, step={})", self.pc, self.step)
    }
}

impl std::error::Error for EmuError {}

/// Why the emulator cannot start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// The input is not a multiple of 8 bytes or is too large (emu_context.rs).
    BadInput(usize),
    Rom(RomError),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::BadInput(n) => {
                write!(
                    f,
                    "input size {n} is not a multiple of 8 bytes or exceeds the input region"
                )
            }
            LoadError::Rom(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for LoadError {}

/// How a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// An instruction with `end` ran.
    Ended,
    /// It ended after a `halt`: a failed execution (exit code, where the halt ran).
    Failed { code: u64, pc: u64, step: u64 },
    /// The step limit was reached first.
    StepLimit,
}

/// The result of [`Emulator::run`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub steps: u64,
}

/// The upstream `--legacy-inputs` layout of raw bytes: their length as a little-endian u64,
/// the bytes, zero padding to a multiple of 8 (ziskemu `emulator.rs`).
pub fn legacy_input(raw: &[u8]) -> Vec<u8> {
    let mut v = (raw.len() as u64).to_le_bytes().to_vec();
    v.extend_from_slice(raw);
    v.resize(v.len().next_multiple_of(8), 0);
    v
}

/// A contiguous run of instructions, 4 bytes apart.
struct Code {
    start: u64,
    insts: Vec<Option<Inst>>,
    counts: Vec<u64>,
    /// VARIABLE cost charged to each instruction; empty unless profiling.
    costs: Vec<u64>,
    /// The function of each instruction (see [`Stacks`]); empty unless keeping call stacks.
    funcs: Vec<u32>,
}

/// The call stacks of a profiled run. Functions are numbered as [`Rom::symbols`] from 1; 0 is
/// code outside every function (the BIOS).
struct Stacks {
    /// The call tree: per node, its parent, its function, and the VARIABLE charged while it
    /// was the innermost frame. Node 0, the root, is the BIOS.
    nodes: Vec<StackNode>,
    children: HashMap<(u32, u32), u32>,
    /// The frames, outermost (the root) first.
    frames: Vec<Frame>,
    /// The previous instruction was a return.
    after_ret: bool,
}

struct StackNode {
    parent: u32,
    func: u32,
    cost: u64,
}

struct Frame {
    node: u32,
    /// Where the function returns to (`u64::MAX`: nowhere known).
    ret: u64,
}

impl Stacks {
    fn new() -> Stacks {
        Stacks {
            nodes: vec![StackNode {
                parent: 0,
                func: 0,
                cost: 0,
            }],
            children: HashMap::new(),
            frames: vec![Frame {
                node: 0,
                ret: u64::MAX,
            }],
            after_ret: false,
        }
    }

    fn top(&self) -> &Frame {
        self.frames.last().expect("the root frame stays")
    }

    fn push(&mut self, func: u32, ret: u64) {
        let parent = self.top().node;
        let next = self.nodes.len() as u32;
        let node = *self.children.entry((parent, func)).or_insert(next);
        if node == next {
            self.nodes.push(StackNode {
                parent,
                func,
                cost: 0,
            });
        }
        self.frames.push(Frame { node, ret });
    }

    /// Updates the stack for the instruction about to run at `pc`, in function `func`
    /// (`entry`: at its first instruction), with `r1` holding `ra`.
    fn arrive(&mut self, pc: u64, func: u32, entry: bool, ra: u64) {
        if std::mem::take(&mut self.after_ret) {
            if let Some(i) = self.frames.iter().rposition(|f| f.ret == pc) {
                self.frames.truncate(i.max(1));
            }
        }
        if entry {
            self.push(func, ra);
        } else if self.nodes[self.top().node as usize].func != func {
            match self
                .frames
                .iter()
                .rposition(|f| self.nodes[f.node as usize].func == func)
            {
                Some(i) => self.frames.truncate(i + 1),
                None => self.push(func, u64::MAX),
            }
        }
    }
}

/// Instructions further apart than this start a new [`Code`] block.
const MAX_CODE_GAP: u64 = 1 << 16;

/// A readable data section (ROM data or the input).
struct ReadSection {
    start: u64,
    bytes: Vec<u8>,
}

/// The emulator state.
pub struct Emulator<'r> {
    rom: &'r Rom,
    code: Vec<Code>,
    block: usize,
    regs: [u64; REGS_IN_MAIN_TO as usize + 1],
    ram: Vec<u8>,
    sections: Vec<ReadSection>,
    pc: u64,
    c: u64,
    step: u64,
    ended: bool,
    /// Whether per-instruction costs are collected.
    profiling: bool,
    /// The call stacks, when profiling a ROM with function symbols.
    stacks: Option<Box<Stacks>>,
    failure: Option<Status>,
    console: Vec<u8>,
    counters: Counters,
}

/// The little-endian value of `width` bytes at `at`; the caller checked the bounds.
#[inline(always)]
fn load(bytes: &[u8], at: usize, width: u8) -> u64 {
    fn get<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
        bytes[at..at + N].try_into().expect("slice of N bytes")
    }
    match width {
        1 => bytes[at] as u64,
        2 => u16::from_le_bytes(get(bytes, at)) as u64,
        4 => u32::from_le_bytes(get(bytes, at)) as u64,
        _ => u64::from_le_bytes(get(bytes, at)),
    }
}

/// Stores the low `width` bytes of `value` at `at`; the caller checked the bounds.
#[inline(always)]
fn store(bytes: &mut [u8], at: usize, width: u8, value: u64) {
    match width {
        1 => bytes[at] = value as u8,
        2 => bytes[at..at + 2].copy_from_slice(&(value as u16).to_le_bytes()),
        4 => bytes[at..at + 4].copy_from_slice(&(value as u32).to_le_bytes()),
        _ => bytes[at..at + 8].copy_from_slice(&value.to_le_bytes()),
    }
}

impl<'r> Emulator<'r> {
    /// Loads `rom` with `input` (the bytes ziskemu's `-i` copies to `INPUT_ADDR + 8`).
    pub fn new(rom: &'r Rom, input: &[u8]) -> Result<Emulator<'r>, LoadError> {
        if !input.len().is_multiple_of(8) || input.len() as u64 > MAX_INPUT_SIZE - 8 {
            return Err(LoadError::BadInput(input.len()));
        }
        rom.validate().map_err(LoadError::Rom)?;
        let mut ram = vec![0u8; RAM_SIZE as usize];
        for s in &rom.rw_data {
            for (i, w) in s.words.iter().enumerate() {
                let at = (s.addr - RAM_ADDR) as usize + 8 * i;
                ram[at..at + 8].copy_from_slice(&w.to_le_bytes());
            }
        }
        // The free input word and the input make one section (mem.rs `add_read_section`
        // merges sections that touch).
        let mut input_bytes = vec![0u8; 8];
        input_bytes.extend_from_slice(input);
        let mut sections = vec![ReadSection {
            start: INPUT_ADDR,
            bytes: input_bytes,
        }];
        for s in &rom.ro_data {
            let bytes = s
                .words
                .iter()
                .flat_map(|w| w.to_le_bytes())
                .collect::<Vec<u8>>();
            match sections
                .iter_mut()
                .find(|t| t.start + t.bytes.len() as u64 == s.addr)
            {
                Some(prev) => prev.bytes.extend_from_slice(&bytes),
                None => sections.push(ReadSection {
                    start: s.addr,
                    bytes,
                }),
            }
        }
        sections.sort_by_key(|s| s.start);

        let mut code: Vec<Code> = Vec::new();
        for (&addr, inst) in &rom.insts {
            match code.last_mut() {
                Some(c)
                    if addr % 4 == c.start % 4
                        && addr - c.start < (c.insts.len() as u64 * 4) + MAX_CODE_GAP =>
                {
                    let i = ((addr - c.start) / 4) as usize;
                    c.insts.resize(i + 1, None);
                    c.insts[i] = Some(*inst);
                }
                _ => code.push(Code {
                    start: addr,
                    insts: vec![Some(*inst)],
                    counts: Vec::new(),
                    costs: Vec::new(),
                    funcs: Vec::new(),
                }),
            }
        }
        for c in &mut code {
            c.counts = vec![0; c.insts.len()];
        }
        Ok(Emulator {
            rom,
            code,
            block: 0,
            regs: [0; REGS_IN_MAIN_TO as usize + 1],
            ram,
            sections,
            pc: ROM_ENTRY,
            c: 0,
            step: 0,
            ended: false,
            profiling: false,
            stacks: None,
            failure: None,
            console: Vec::new(),
            counters: Counters::default(),
        })
    }

    /// The block and index of the instruction at `pc`.
    #[inline(always)]
    fn locate(&mut self, pc: u64) -> Option<(usize, usize)> {
        if let Some(c) = self.code.get(self.block) {
            let off = pc.wrapping_sub(c.start);
            if off.is_multiple_of(4) && ((off / 4) as usize) < c.insts.len() {
                return Some((self.block, (off / 4) as usize));
            }
        }
        let block = self.code.iter().position(|c| {
            let off = pc.wrapping_sub(c.start);
            off % 4 == 0 && ((off / 4) as usize) < c.insts.len()
        })?;
        self.block = block;
        Some((
            block,
            (pc.wrapping_sub(self.code[block].start) / 4) as usize,
        ))
    }

    fn error(&self, kind: EmuErrorKind) -> EmuError {
        EmuError {
            kind,
            pc: self.pc,
            step: self.step,
        }
    }

    #[inline(always)]
    fn read(&mut self, addr: u64, width: u8) -> Result<u64, EmuError> {
        let invalid = EmuErrorKind::InvalidRead { addr, width };
        let zone = Zone::of(addr).ok_or_else(|| self.error(invalid.clone()))?;
        let w = width as u64;
        let ram_off = addr.wrapping_sub(RAM_ADDR);
        let value =
            if ram_off <= RAM_SIZE - w {
                load(&self.ram, ram_off as usize, width)
            } else if let Some(s) = self.sections.iter().find(|s| {
                addr >= s.start && (addr - s.start).saturating_add(w) <= s.bytes.len() as u64
            }) {
                load(&s.bytes, (addr - s.start) as usize, width)
            } else if addr >= INPUT_ADDR + 8 && addr - INPUT_ADDR <= MAX_INPUT_SIZE - w {
                0
            } else {
                return Err(self.error(invalid));
            };
        self.counters.read(zone, addr, width);
        Ok(value)
    }

    #[inline(always)]
    fn write(&mut self, addr: u64, width: u8, value: u64) -> Result<(), EmuError> {
        let off = addr.wrapping_sub(RAM_ADDR);
        if off > RAM_SIZE - width as u64 {
            return Err(self.error(EmuErrorKind::InvalidWrite { addr, width }));
        }
        store(&mut self.ram, off as usize, width, value);
        if addr == UART_ADDR && width == 1 {
            self.console.push(value as u8);
        }
        self.counters.write(addr, width, value);
        Ok(())
    }

    /// The effect of a precompile on memory, each of its word accesses charged as an aligned
    /// read or write; the result is its operand-dependent cost. `ext` is the instruction's
    /// `jmp_offset1`. (zisk_ops.rs: `opc_keccak` permutes the 25 words at `b` and `ops_keccak`
    /// charges 25 reads and 25 writes there; `opc_sha256` compresses the 8-word block at `b`
    /// into the 4-word state at `a` and `ops_sha256` charges reads of both and writes of the
    /// state; the DMA operations in [`Emulator::dma`].)
    fn precompile(&mut self, op: Op, a: u64, b: u64, ext: i64) -> Result<u64, EmuError> {
        if matches!(op, Op::DmaMemCpy | Op::DmaXMemSet) {
            return self.dma(op, a, b, ext as u8);
        }
        let two = matches!(
            op,
            Op::Sha256
                | Op::Secp256k1Add
                | Op::Secp256r1Add
                | Op::Bn254CurveAdd
                | Op::Blake2b
                | Op::Bls12381CurveAdd
                | Op::Bls12381ComplexAdd
                | Op::Bls12381ComplexSub
                | Op::Bls12381ComplexMul
                | Op::Bn254ComplexAdd
                | Op::Bn254ComplexSub
                | Op::Bn254ComplexMul
        );
        let operands: &[u64] = if two { &[a, b] } else { &[b] };
        if let Some(&addr) = operands.iter().find(|&&addr| addr & 7 != 0) {
            return Err(self.error(EmuErrorKind::UnalignedPrecompile { addr }));
        }
        match op {
            Op::Keccak => {
                let mut state = [0u64; 25];
                for (i, w) in state.iter_mut().enumerate() {
                    *w = self.read(b + 8 * i as u64, 8)?;
                }
                keccak::Keccak::new().with_f1600(|f1600| f1600(&mut state));
                for (i, &w) in state.iter().enumerate() {
                    self.write(b + 8 * i as u64, 8, w)?;
                }
            }
            Op::Sha256 => {
                // The state is 8 u32 words packed little-endian in 4 u64s, the block its 64
                // bytes in memory order (ziskos `syscall_sha256_f`).
                let mut state = [0u32; 8];
                for i in 0..4 {
                    let w = self.read(a + 8 * i as u64, 8)?;
                    state[2 * i] = w as u32;
                    state[2 * i + 1] = (w >> 32) as u32;
                }
                let mut block = [0u8; 64];
                for i in 0..8 {
                    let w = self.read(b + 8 * i as u64, 8)?;
                    block[8 * i..8 * i + 8].copy_from_slice(&w.to_le_bytes());
                }
                sha2::compress256(&mut state, &[block.into()]);
                for i in 0..4 {
                    let w = state[2 * i] as u64 | (state[2 * i + 1] as u64) << 32;
                    self.write(a + 8 * i as u64, 8, w)?;
                }
            }
            Op::Arith256Mod => self.mul_add_mod::<4>(op, b)?,
            Op::Arith384Mod => self.mul_add_mod::<6>(op, b)?,
            Op::Secp256k1Add
            | Op::Secp256k1Dbl
            | Op::Secp256r1Add
            | Op::Secp256r1Dbl
            | Op::Bn254CurveAdd
            | Op::Bn254CurveDbl => {
                let curve = match op {
                    Op::Secp256k1Add | Op::Secp256k1Dbl => bigint::Curve::Secp256k1,
                    Op::Secp256r1Add | Op::Secp256r1Dbl => bigint::Curve::Secp256r1,
                    _ => bigint::Curve::Bn254,
                };
                self.curve_op::<4>(op, curve, a, b)?;
            }
            Op::Bls12381CurveAdd | Op::Bls12381CurveDbl => {
                self.curve_op::<6>(op, bigint::Curve::Bls12381, a, b)?;
            }
            Op::Bls12381ComplexAdd | Op::Bls12381ComplexSub | Op::Bls12381ComplexMul => {
                self.complex::<6>(op, bigint::Curve::Bls12381, a, b)?;
            }
            Op::Bn254ComplexAdd | Op::Bn254ComplexSub | Op::Bn254ComplexMul => {
                self.complex::<4>(op, bigint::Curve::Bn254, a, b)?;
            }
            Op::Blake2b => {
                // One round, of index `ext` (0..9, no chaining bits), on the work vector at `a`
                // with the message at `b` (zisk_ops.rs `opc_blake2b`, `ops_blake2b`).
                if !(0..10).contains(&ext) {
                    return Err(self.error(EmuErrorKind::PrecompileDomain { op }));
                }
                let mut v = [0u64; 16];
                let mut m = [0u64; 16];
                for (i, w) in v.iter_mut().enumerate() {
                    *w = self.read(a + 8 * i as u64, 8)?;
                }
                for (i, w) in m.iter_mut().enumerate() {
                    *w = self.read(b + 8 * i as u64, 8)?;
                }
                bigint::blake2b_round(&mut v, &m, ext as usize);
                for (i, &w) in v.iter().enumerate() {
                    self.write(a + 8 * i as u64, 8, w)?;
                }
            }
            _ => unreachable!("{op} is not a modelled precompile"),
        }
        Ok(0)
    }

    /// An Fp2 operation of `curve` (N words a part): the element at `a` (real part, then
    /// imaginary) op the one at `b`, into `a` (zisk_ops.rs `opc_bls12_381_complex_*`,
    /// `opc_bn254_complex_*`).
    fn complex<const N: usize>(
        &mut self,
        op: Op,
        curve: bigint::Curve,
        a: u64,
        b: u64,
    ) -> Result<(), EmuError> {
        let kind = match op {
            Op::Bls12381ComplexAdd | Op::Bn254ComplexAdd => bigint::Complex::Add,
            Op::Bls12381ComplexSub | Op::Bn254ComplexSub => bigint::Complex::Sub,
            _ => bigint::Complex::Mul,
        };
        let half = 8 * N as u64;
        let f1 = [self.read_words::<N>(a)?, self.read_words::<N>(a + half)?];
        let f2 = [self.read_words::<N>(b)?, self.read_words::<N>(b + half)?];
        let [c0, c1] = bigint::complex_op(curve, kind, &f1, &f2);
        self.write_words(a, &c0)?;
        self.write_words(a + half, &c1)
    }

    /// `arith256_mod` (N = 4) or `arith384_mod` (N = 6): five pointers at `b`, to a, b, c, m
    /// (read, N words each) and d (written), d = (a * b + c) mod m.
    fn mul_add_mod<const N: usize>(&mut self, op: Op, b: u64) -> Result<(), EmuError> {
        let mut ptr = [0u64; 5];
        for (i, p) in ptr.iter_mut().enumerate() {
            *p = self.read(b + 8 * i as u64, 8)?;
            if *p & 7 != 0 {
                return Err(self.error(EmuErrorKind::UnalignedPrecompile { addr: *p }));
            }
        }
        let mut x = [[0u64; N]; 4];
        for (k, n) in x.iter_mut().enumerate() {
            *n = self.read_words(ptr[k])?;
        }
        let d = bigint::mul_add_mod(&x[0], &x[1], &x[2], &x[3])
            .ok_or_else(|| self.error(EmuErrorKind::PrecompileDomain { op }))?;
        self.write_words(ptr[4], &d)
    }

    /// A curve precompile with coordinates of N words: the point at `a` plus the point at `b`
    /// into `a`, or (a `_dbl`) the point at `b` doubled into `b`; each point is x then y.
    fn curve_op<const N: usize>(
        &mut self,
        op: Op,
        curve: bigint::Curve,
        a: u64,
        b: u64,
    ) -> Result<(), EmuError> {
        let dbl = matches!(
            op,
            Op::Secp256k1Dbl | Op::Secp256r1Dbl | Op::Bn254CurveDbl | Op::Bls12381CurveDbl
        );
        let y = 8 * N as u64;
        let p1 = if dbl { b } else { a };
        let mut pts = [[0u64; N]; 4];
        pts[0] = self.read_words(p1)?;
        pts[1] = self.read_words(p1 + y)?;
        if !dbl {
            pts[2] = self.read_words(b)?;
            pts[3] = self.read_words(b + y)?;
        }
        let p3 = bigint::curve_op(curve, &pts, dbl)
            .ok_or_else(|| self.error(EmuErrorKind::PrecompileDomain { op }))?;
        self.write_words(p1, &p3[0])?;
        self.write_words(p1 + y, &p3[1])
    }

    /// The N little-endian words of a number at `addr`, each an aligned read.
    fn read_words<const N: usize>(&mut self, addr: u64) -> Result<[u64; N], EmuError> {
        let mut n = [0u64; N];
        for (i, w) in n.iter_mut().enumerate() {
            *w = self.read(addr + 8 * i as u64, 8)?;
        }
        Ok(n)
    }

    /// Writes a number as aligned words at `addr`.
    fn write_words(&mut self, addr: u64, n: &[u64]) -> Result<(), EmuError> {
        for (i, &w) in n.iter().enumerate() {
            self.write(addr + 8 * i as u64, 8, w)?;
        }
        Ok(())
    }

    /// `dma_memcpy` (`count` bytes from `b`, in RAM or a read section, to `a`, as `memmove`;
    /// `count` is the word at `EXTRA_PARAMS_ADDR`) and `dma_xmemset` (`b` bytes at `a` set to
    /// `fill`), into RAM, each read charged in the zone of its address, with
    /// what ziskemu charges (zisk-core `operations/dma_memcpy.rs` `ops_dma_memcpys`,
    /// `dma_memset.rs` `ops_dma_xmemset`): the destination's partial first and last words are
    /// read and written ("pre" and "post", `DMA_PRE_POST_COST` each), the source words they
    /// take are read, and the whole words between are read and written in a loop that costs
    /// `DMA_64_ALIGNED_MEMCPY_COST` per 8 words when source and destination are equally
    /// aligned, else `DMA_UNALIGNED_MEMCPY_COST` per word plus one (memset:
    /// `DMA_64_ALIGNED_MEMSET_COST` per 8 words, no reads).
    fn dma(&mut self, op: Op, a: u64, b: u64, fill: u8) -> Result<u64, EmuError> {
        const PRE_POST: u64 = 104;
        let copy = op == Op::DmaMemCpy;
        let count = if copy {
            self.counters.read(Zone::Ram, EXTRA_PARAMS_ADDR, 8);
            load(&self.ram, (EXTRA_PARAMS_ADDR - RAM_ADDR) as usize, 8)
        } else {
            b
        };
        if count == 0 {
            return Ok(0);
        }
        let in_ram = |addr: u64| {
            addr.checked_sub(RAM_ADDR)
                .filter(|off| off.checked_add(count).is_some_and(|end| end <= RAM_SIZE))
                .map(|off| off as usize)
        };
        let dst = in_ram(a).ok_or_else(|| {
            self.error(EmuErrorKind::InvalidWrite {
                addr: a,
                width: count.min(255) as u8,
            })
        })?;
        let n = count as usize;
        if !copy {
            self.ram[dst..dst + n].fill(fill);
        } else if let Some(src) = in_ram(b) {
            self.ram.copy_within(src..src + n, dst);
        } else {
            // From a read section (ROM data, the input), which never overlaps RAM.
            let section = self.sections.iter().find(|s| {
                b >= s.start && (b - s.start).saturating_add(count) <= s.bytes.len() as u64
            });
            let Some(section) = section else {
                return Err(self.error(EmuErrorKind::InvalidRead {
                    addr: b,
                    width: count.min(255) as u8,
                }));
            };
            let at = (b - section.start) as usize;
            self.ram[dst..dst + n].copy_from_slice(&section.bytes[at..at + n]);
        }

        let c = &mut self.counters;
        let mut words = |read: bool, addr: u64, k: u64| {
            for i in 0..k {
                if read {
                    let zone = Zone::of(addr + 8 * i).unwrap_or(Zone::Ram);
                    c.read(zone, addr + 8 * i, 8);
                } else {
                    c.write(addr + 8 * i, 8, 0);
                }
            }
        };
        let offset_a = a & 7;
        let offset_b = b & 7;
        let pre = ((8 - offset_a) & 7).min(count);
        let post = (count - pre) & 7;
        if pre > 0 {
            words(true, a - offset_a, 1);
            if copy {
                words(true, b - offset_b, 1 + (offset_b + pre > 8) as u64);
            }
            words(false, a - offset_a, 1);
        }
        if post > 0 {
            let a_end = (a + count - 1) & !7;
            words(true, a_end, 1);
            if copy {
                let extra = ((16 - offset_a - pre) & 7) < post;
                let b_end = (b + count - 1) & !7;
                words(true, b_end - 8 * extra as u64, 1 + extra as u64);
            }
            words(false, a_end, 1);
        }
        let loops = (count - pre - post) >> 3;
        let mut variable = PRE_POST * ((pre > 0) as u64 + (post > 0) as u64);
        if loops > 0 {
            let (dst64, src64) = ((a + pre) & !7, (b + pre) & !7);
            if !copy {
                words(false, dst64, loops);
                variable += loops.div_ceil(8) * 35;
            } else if offset_a == offset_b {
                words(true, src64, loops);
                words(false, dst64, loops);
                variable += loops.div_ceil(8) * 67;
            } else {
                words(true, src64, loops + 1);
                words(false, dst64, loops);
                variable += (loops + 1) * 42;
            }
        }
        self.counters.variable[op.code() as usize] += variable;
        Ok(variable)
    }

    /// Runs until an `end` instruction or until `max_steps` steps have run in total.
    pub fn run(&mut self, max_steps: u64) -> Result<Outcome, EmuError> {
        while !self.ended && self.step < max_steps {
            self.step_once()?;
        }
        let status = match (self.ended, self.failure) {
            (false, _) => Status::StepLimit,
            (true, Some(failure)) => failure,
            (true, None) => Status::Ended,
        };
        Ok(Outcome {
            status,
            steps: self.step,
        })
    }

    /// Charges each instruction its exact share of VARIABLE from now on (see
    /// [`Emulator::pc_costs`]), and each call stack when the ROM has function symbols (see
    /// [`Emulator::call_stacks`]); the run gets slower. Call before the first step.
    pub fn enable_profile(&mut self) {
        self.profiling = true;
        let rom = self.rom;
        for c in &mut self.code {
            c.costs = vec![0; c.insts.len()];
            if !rom.symbols.is_empty() {
                c.funcs = (0..c.insts.len())
                    .map(|i| {
                        rom.function_at(c.start + 4 * i as u64)
                            .map_or(0, |k| k as u32 + 1)
                    })
                    .collect();
            }
        }
        if !rom.symbols.is_empty() {
            self.stacks = Some(Box::new(Stacks::new()));
        }
    }

    #[inline(always)]
    fn step_once(&mut self) -> Result<(), EmuError> {
        let memory_before = if self.profiling {
            self.counters.memory_cost()
        } else {
            0
        };
        let (block, index) = self
            .locate(self.pc)
            .ok_or_else(|| self.error(EmuErrorKind::NoInstruction))?;
        let inst =
            self.code[block].insts[index].ok_or_else(|| self.error(EmuErrorKind::NoInstruction))?;
        if let Some(s) = self.stacks.as_deref_mut() {
            let func = self.code[block].funcs[index];
            let entry = func > 0 && self.rom.symbols[func as usize - 1].addr == self.pc;
            s.arrive(self.pc, func, entry, self.regs[1]);
        }
        let a = match inst.a {
            ASrc::C => self.c,
            ASrc::Mem(addr) => self.read(addr, 8)?,
            ASrc::Imm(v) => v,
            ASrc::Step => self.step,
            ASrc::Reg(r) => self.regs[r as usize],
        };
        let b = match inst.b {
            BSrc::C => self.c,
            BSrc::Mem(addr) => self.read(addr, 8)?,
            BSrc::Imm(v) => v,
            BSrc::Ind(off) => self.read(a.wrapping_add(off as u64), inst.ind_width)?,
            BSrc::Reg(r) => self.regs[r as usize],
        };
        let (c, flag) = inst.op.eval(a, b);
        let variable = if inst.op.is_precompile() {
            self.precompile(inst.op, a, b, inst.jmp_offset1)?
        } else {
            0
        };
        if inst.op == Op::Halt && self.failure.is_none() {
            self.failure = Some(Status::Failed {
                code: a,
                pc: self.pc,
                step: self.step,
            });
        }
        let code = inst.op.code();
        let op_cost = if is_frop(code, a, b) {
            self.counters.frops[code as usize] += 1;
            0
        } else {
            self.counters.ops[code as usize] += 1;
            let hi = |v: u64| v >> 32;
            if inst.op == Op::Add
                && hi(a) == 0
                && hi(c) == 0
                && (hi(b) == 0 || hi(b) == 0xffff_ffff)
            {
                self.counters.add_hi += 1;
                ADD_HI_COST
            } else {
                inst.op.cost() + variable
            }
        };
        let value = if inst.store_pc {
            self.pc.wrapping_add(inst.jmp_offset2 as u64)
        } else {
            c
        };
        match inst.store {
            Store::None => {}
            Store::Mem(addr) => self.write(addr, 8, value)?,
            Store::Ind(off) => self.write(a.wrapping_add(off as u64), inst.ind_width, value)?,
            Store::Reg(r) => self.regs[r as usize] = value,
        }
        self.c = c;
        self.code[block].counts[index] += 1;
        if self.profiling {
            let memory = self.counters.memory_cost() - memory_before;
            let cost = MAIN_COST + op_cost + memory;
            self.code[block].costs[index] += cost;
            if let Some(s) = self.stacks.as_deref_mut() {
                let node = s.top().node as usize;
                s.nodes[node].cost += cost;
                s.after_ret = inst.is_return();
            }
        }
        self.pc = if inst.set_pc {
            c.wrapping_add(inst.jmp_offset1 as u64)
        } else if flag {
            self.pc.wrapping_add(inst.jmp_offset1 as u64)
        } else {
            self.pc.wrapping_add(inst.jmp_offset2 as u64)
        };
        self.ended = inst.end;
        self.step += 1;
        Ok(())
    }

    /// Steps run so far.
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// Bytes stored to the UART, in order.
    pub fn console(&self) -> &[u8] {
        &self.console
    }

    /// The console as ziskemu prints it: each byte as the character of that code point
    /// (`Mem::write` prints `val as u8 as char`), so bytes from 0x80 come out as UTF-8 pairs.
    pub fn console_as_printed(&self) -> String {
        self.console.iter().map(|&b| b as char).collect()
    }

    /// The public output: the first 64 u32 words at `OUTPUT_ADDR` (ziskemu `get_output_32`,
    /// what `ziskemu -c` prints).
    pub fn public_output(&self) -> Vec<u32> {
        let base = (OUTPUT_ADDR - RAM_ADDR) as usize;
        (0..PUBLIC_OUTPUT_WORDS)
            .map(|i| load(&self.ram, base + 4 * i, 4) as u32)
            .collect()
    }

    /// The 8 bytes of RAM at `addr` (0 outside RAM), e.g. zkc's exit word.
    pub fn read_u64(&self, addr: u64) -> u64 {
        let Some(off) = addr.checked_sub(RAM_ADDR).map(|o| o as usize) else {
            return 0;
        };
        match self.ram.get(off..off + 8) {
            Some(b) => u64::from_le_bytes(b.try_into().expect("8 bytes")),
            None => 0,
        }
    }

    /// Register `r` (r1..r39; r0 reads 0).
    pub fn reg(&self, r: u8) -> u64 {
        self.regs.get(r as usize).copied().unwrap_or(0)
    }

    /// What `ziskemu -X -c` prints to stdout for the run so far: the console, the cost report,
    /// the 64 public output words (one per line, 8 hex digits).
    pub fn stdout_like_ziskemu(&self) -> String {
        let mut out = self.console_as_printed();
        out += &self.stats().format_like_ziskemu();
        for w in self.public_output() {
            out += &format!("{w:08x}\n");
        }
        out
    }

    /// The costs so far.
    pub fn stats(&self) -> Stats {
        let mut regions = [0u64; 5];
        for c in &self.code {
            for (i, &n) in c.counts.iter().enumerate() {
                regions[rom_region(c.start + 4 * i as u64)] += n;
            }
        }
        Stats::new(&self.counters, self.step, regions, self.rom)
    }

    /// Per call stack that ran, in a profiled run of a ROM with function symbols: its
    /// functions, outermost first, as indices into [`Rom::symbols`] (`None`: code outside
    /// them, the BIOS, always the outermost), and the VARIABLE charged to the steps that ran
    /// with it. The costs add up to those of [`Emulator::pc_costs`]. Empty otherwise.
    pub fn call_stacks(&self) -> Vec<(Vec<Option<usize>>, u64)> {
        let Some(s) = &self.stacks else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (n, node) in s.nodes.iter().enumerate().filter(|(_, n)| n.cost > 0) {
            let mut path = Vec::new();
            let mut k = n;
            loop {
                let func = s.nodes[k].func as usize;
                path.push(func.checked_sub(1));
                if k == 0 {
                    break;
                }
                k = s.nodes[k].parent as usize;
            }
            path.reverse();
            out.push((path, node.cost));
        }
        out
    }

    /// Per instruction that ran: (address, executions, VARIABLE cost charged to it). The costs
    /// are zero unless [`Emulator::enable_profile`] was called before the run. They add up to
    /// VARIABLE less the one-time cost of the initialised data words.
    pub fn pc_costs(&self) -> Vec<(u64, u64, u64)> {
        self.code
            .iter()
            .flat_map(|c| {
                c.counts
                    .iter()
                    .enumerate()
                    .filter(|(_, &n)| n > 0)
                    .map(move |(i, &n)| {
                        (
                            c.start + 4 * i as u64,
                            n,
                            c.costs.get(i).copied().unwrap_or(0),
                        )
                    })
            })
            .collect()
    }
}

/// The ROM REGIONS bucket of a pc (ziskemu stats.rs `steps_by_rom_region`).
fn rom_region(pc: u64) -> usize {
    match pc {
        _ if pc < ROM_ADDR => 0,
        _ if pc < ZISKLIB_ROM_ADDR => 1,
        _ if pc < FLOAT_LIB_ROM_ADDR => 2,
        _ if pc < ROM_ADDR + ROM_SIZE => 3,
        _ => 4,
    }
}

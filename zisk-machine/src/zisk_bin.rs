//! The ziskbin container: a [`Rom`] in a minimal ELF that `ziskemu -e` and `cargo-zisk` load.
//!
//! Format from zisk-asm 1.4.0-alpha `ziskbin.md` and zisk-core `ziskbin.rs` (version 3):
//!
//! ```text
//! ELF64 LE, e_machine 0x5a4b, sections: null, .ziskrom (PROGBITS), .shstrtab
//! .ziskrom := "ZKRM" version:u8 profile:u8 inst_count ro_count rw_count
//!             (addr_delta inst)*  (addr word_count word:u64le*)*  zkvmcall_count id*
//! inst     := op:u8 flags(7 bits per byte, bit 7 = more, at most 4 bytes) payloads
//! ```
//!
//! Numbers are LEB128; signed ones zig-zag first. A field is present only when it differs from
//! its default (0, or 4 for the jump offsets), in flag order f0..f22: a_src, a_offset_imm0,
//! a_use_sp_imm1, b_src, b_offset_imm0, b_use_sp_imm1, store, store_offset, store_pc,
//! store_use_sp, set_pc, end, ind_width, jmp_offset1, jmp_offset2, verbose, riscv_inst, index,
//! sorted_pc_list_index, next_internal_inst, external_ref_addr, meta_rs1, meta_rd. We write
//! the behavioural fields, the comment as `verbose` and the metadata of returns (below); we
//! read all of them and keep the behavioural ones.
//!
//! A ROM with function symbols ([`Rom::symbols`]) also gets an ELF symbol table, `.symtab`
//! with its `.strtab`: one `STT_FUNC` symbol per function, absolute (`SHN_ABS`), its value the
//! ROM address and its size the function's bytes. That is what `ziskemu -S` reads to name
//! its per-function report (ziskemu 1.4.0-alpha `elf_symbol_reader.rs`: the symbols of kind
//! text with type `STT_FUNC`, address and size as the ELF gives them, names demangled there).
//! Without symbols the file is the three sections upstream's `rom_to_elf` writes.
//!
//! Every return ([`Inst::is_return`]) carries the RISC-V metadata `meta_rs1 = 1` (through `ra`)
//! and `meta_rd = 0` (f21, f22), which upstream's transpiler gives a `ret`: ziskemu's call
//! stack takes an instruction for a return only with them (`stats/stats.rs` `check_roi` and the
//! call/return detection after it), and its per-function report stops at the first transfer
//! between functions it cannot explain. The metadata changes nothing that runs; zkc's
//! `call_indirect` (a jump through a table) is still such a transfer.

use std::fmt;

use crate::inst::codes::*;
use crate::inst::{ASrc, BSrc, DataSection, Inst, Store};
use crate::mem_map::ROM_ENTRY;
use crate::ops::Op;
use crate::program::{LayoutError, Program};
use crate::rom::{Rom, Symbol};

/// The private ELF machine number of ziskbin (ziskbin.rs `EM_ZISK`).
pub const EM_ZISK: u16 = 0x5a4b;
const MAGIC: &[u8; 4] = b"ZKRM";
const VERSION: u8 = 3;
const SECTION_NAME: &[u8] = b".ziskrom";
/// Flags f0..f22 are defined (ziskbin.rs `FLAG_DEFINED_MASK`).
const FLAG_DEFINED_MASK: u32 = (1 << 23) - 1;
const DEFAULT_JUMP: i64 = 4;
/// ELF constants of the symbol table (the System V gABI).
const SHT_SYMTAB: u64 = 2;
const SHT_STRTAB: u32 = 3;
const STB_GLOBAL_FUNC: u8 = 0x12;
const STT_FUNC: u8 = 2;
const SHN_ABS: u16 = 0xfff1;
const SYM_SIZE: usize = 24;
/// The `meta_rs1` and `meta_rd` of a return: through `ra` (x1), linking nothing (x0).
const META_RETURN: (u8, u8) = (1, 0);

/// A malformed or unsupported ziskbin file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZiskBinError {
    /// Byte offset in the container (or the ELF file, for ELF errors).
    pub offset: usize,
    pub what: String,
}

impl fmt::Display for ZiskBinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ziskbin: {} (at byte {})", self.what, self.offset)
    }
}

impl std::error::Error for ZiskBinError {}

fn put_uvarint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_svarint(out: &mut Vec<u8>, v: i64) {
    put_uvarint(out, ((v << 1) ^ (v >> 63)) as u64);
}

/// The raw `ZiskInst` fields of a source: (src code, offset_imm0, use_sp_imm1).
fn raw_a(a: ASrc) -> (u64, u64, u64) {
    match a {
        ASrc::C => (SRC_C, 0, 0),
        ASrc::Mem(addr) => (SRC_MEM, addr, 0),
        ASrc::Imm(v) => (SRC_IMM, v & 0xffff_ffff, v >> 32),
        ASrc::Step => (SRC_STEP, 0, 0),
        ASrc::Reg(r) => (SRC_REG, r as u64, 0),
    }
}

fn raw_b(b: BSrc) -> (u64, u64, u64) {
    match b {
        BSrc::C => (SRC_C, 0, 0),
        BSrc::Mem(addr) => (SRC_MEM, addr, 0),
        BSrc::Imm(v) => (SRC_IMM, v & 0xffff_ffff, v >> 32),
        BSrc::Ind(off) => (SRC_IND, off as u64, 0),
        BSrc::Reg(r) => (SRC_REG, r as u64, 0),
    }
}

fn raw_store(s: Store) -> (u64, i64) {
    match s {
        Store::None => (STORE_NONE, 0),
        Store::Mem(addr) => (STORE_MEM, addr as i64),
        Store::Ind(off) => (STORE_IND, off),
        Store::Reg(r) => (STORE_REG, r as i64),
    }
}

/// Appends `inst` to `out`; `payload` is scratch space (one allocation for all instructions).
fn encode_inst(inst: &Inst, comment: Option<&str>, payload: &mut Vec<u8>, out: &mut Vec<u8>) {
    out.push(inst.op.code());
    let mut flags = 0u32;
    payload.clear();
    let (a_src, a0, a1) = raw_a(inst.a);
    let (b_src, b0, b1) = raw_b(inst.b);
    let (store, store_offset) = raw_store(inst.store);
    for (bit, v) in [
        (0, a_src),
        (1, a0),
        (2, a1),
        (3, b_src),
        (4, b0),
        (5, b1),
        (6, store),
    ] {
        if v != 0 {
            flags |= 1 << bit;
            put_uvarint(payload, v);
        }
    }
    if store_offset != 0 {
        flags |= 1 << 7;
        put_svarint(payload, store_offset);
    }
    for (bit, set) in [(8, inst.store_pc), (10, inst.set_pc), (11, inst.end)] {
        if set {
            flags |= 1 << bit;
        }
    }
    if inst.ind_width != 0 {
        flags |= 1 << 12;
        put_uvarint(payload, inst.ind_width as u64);
    }
    for (bit, j) in [(13, inst.jmp_offset1), (14, inst.jmp_offset2)] {
        if j != DEFAULT_JUMP {
            flags |= 1 << bit;
            put_svarint(payload, j);
        }
    }
    if let Some(c) = comment.filter(|c| !c.is_empty()) {
        flags |= 1 << 15;
        put_uvarint(payload, c.len() as u64);
        payload.extend_from_slice(c.as_bytes());
    }
    if inst.is_return() {
        flags |= 1 << 21 | 1 << 22;
        payload.push(META_RETURN.0);
        payload.push(META_RETURN.1);
    }
    // The flag bitmap's 7-bits-per-byte layout is LEB128's.
    put_uvarint(out, flags as u64);
    out.extend_from_slice(payload);
}

/// The `.ziskrom` container of `rom` (faithful profile, comments as `verbose`).
pub fn encode_rom(rom: &Rom) -> Vec<u8> {
    let insts = (rom.insts.iter())
        .map(|(&addr, &inst)| (addr, inst, rom.comments.get(&addr).map(String::as_str)));
    encode_container(rom, rom.insts.len(), insts, 0)
}

/// The container of `rom`'s data and of the `count` instructions of `insts`, each at its
/// address (ascending) with its comment, after `room` zero bytes.
fn encode_container<'c>(
    rom: &Rom,
    count: usize,
    insts: impl Iterator<Item = (u64, Inst, Option<&'c str>)>,
    room: usize,
) -> Vec<u8> {
    let mut out = container_header(rom, count, room);
    out.reserve(12 * count + data_size(rom));
    put_records(0, insts, &mut out);
    put_container_end(rom, &mut out);
    out
}

/// The container's header for `rom` and `count` instructions after `room` zero bytes (where
/// [`elf`] writes its header, so that the container is not copied after it).
fn container_header(rom: &Rom, count: usize, room: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(room + 64);
    out.resize(room, 0);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.push(0);
    put_uvarint(&mut out, count as u64);
    put_uvarint(&mut out, rom.ro_data.len() as u64);
    put_uvarint(&mut out, rom.rw_data.len() as u64);
    out
}

/// The instruction records of `insts` (ascending addresses, the first after `prev`); the
/// address of the last one (`prev` if none).
fn put_records<'c>(
    mut prev: u64,
    insts: impl Iterator<Item = (u64, Inst, Option<&'c str>)>,
    out: &mut Vec<u8>,
) -> u64 {
    let mut payload = Vec::new();
    for (addr, inst, comment) in insts {
        put_uvarint(out, addr - prev);
        prev = addr;
        encode_inst(&inst, comment, &mut payload, out);
    }
    prev
}

/// The container's data sections and zkvmcall IDs, after the instructions.
/// About the bytes of the container's end ([`put_container_end`]): the data words and their
/// segments' headers.
fn data_size(rom: &Rom) -> usize {
    (rom.ro_data.iter().chain(&rom.rw_data))
        .map(|s| 8 * s.words.len() + 20)
        .sum::<usize>()
        + 10
}

fn put_container_end(rom: &Rom, out: &mut Vec<u8>) {
    for s in rom.ro_data.iter().chain(&rom.rw_data) {
        put_uvarint(out, s.addr);
        put_uvarint(out, s.words.len() as u64);
        for w in &s.words {
            out.extend_from_slice(&w.to_le_bytes());
        }
    }
    put_uvarint(out, rom.zkvmcalls.len() as u64);
    for &id in &rom.zkvmcalls {
        put_uvarint(out, id as u64);
    }
}

/// The `.symtab` and `.strtab` contents of `symbols`: the null symbol, then one global
/// function symbol each.
fn symbol_table(symbols: &[Symbol]) -> (Vec<u8>, Vec<u8>) {
    let (mut symtab, mut strtab) = (vec![0u8; SYM_SIZE], vec![0u8]);
    for s in symbols {
        symtab.extend_from_slice(&(strtab.len() as u32).to_le_bytes());
        symtab.push(STB_GLOBAL_FUNC);
        symtab.push(0); // st_other
        symtab.extend_from_slice(&SHN_ABS.to_le_bytes());
        symtab.extend_from_slice(&s.addr.to_le_bytes());
        symtab.extend_from_slice(&s.size.to_le_bytes());
        strtab.extend_from_slice(s.name.as_bytes());
        strtab.push(0);
    }
    (symtab, strtab)
}

/// `rom` as a ziskbin ELF file (ziskbin.rs `rom_to_elf`), with its symbol table when it has
/// function symbols.
pub fn write_elf(rom: &Rom) -> Vec<u8> {
    let insts = (rom.insts.iter())
        .map(|(&addr, &inst)| (addr, inst, rom.comments.get(&addr).map(String::as_str)));
    let container = encode_container(rom, rom.insts.len(), insts, EHSIZE);
    elf(vec![container], &rom.symbols).concat()
}

/// The ziskbin ELF file of `program` laid out ([`Program::layout`]), the same bytes as
/// [`write_elf`] of its ROM, written without holding the ROM: the instructions are encoded as
/// they are laid out (a large program's ROM takes a hundred megabytes and most of the time of
/// the layout), in runs of [`ENCODE_RUN`] side by side on rayon's threads.
pub fn write_program_elf(program: &Program) -> Result<Vec<u8>, LayoutError> {
    Ok(program_elf_parts(program)?.concat())
}

/// [`write_program_elf`]'s bytes as consecutive parts, to be written one after the other: the
/// runs of instructions as they were encoded, without copying them into one buffer (on a Go
/// module, 11 MB copied and faulted in on one thread at the end of the compile, issue 17).
pub fn program_elf_parts(program: &Program) -> Result<Vec<Vec<u8>>, LayoutError> {
    let placed = program.place()?;
    let rom = &placed.rom;
    let mut head = container_header(rom, rom.insts.len() + placed.len, EHSIZE);
    // The BIOS comes before the program (`ROM_ENTRY` < `ROM_ADDR`).
    let bios = (rom.insts.iter())
        .map(|(&addr, &inst)| (addr, inst, rom.comments.get(&addr).map(String::as_str)));
    let bios_end = put_records(0, bios, &mut head);
    let runs = placed.map_runs(ENCODE_RUN, |prev, insts| {
        let mut out = Vec::with_capacity(12 * ENCODE_RUN);
        put_records(prev.unwrap_or(bios_end), insts, &mut out);
        out
    })?;
    let mut tail = Vec::with_capacity(data_size(rom));
    put_container_end(rom, &mut tail);
    let mut parts = Vec::with_capacity(runs.len() + 2);
    parts.push(head);
    parts.extend(runs);
    parts.push(tail);
    Ok(elf(parts, &rom.symbols))
}

/// Instructions encoded in one piece by [`write_program_elf`].
const ENCODE_RUN: usize = 1 << 14;

/// The size of the ELF header.
const EHSIZE: usize = 64;

/// The ELF file of the container in `parts`, one after the other, after the first part's
/// first [`EHSIZE`] bytes (where the header goes), with the function `symbols`: the parts,
/// the header written and the sections after the container added to the last one.
fn elf(mut parts: Vec<Vec<u8>>, symbols: &[Symbol]) -> Vec<Vec<u8>> {
    let (last, before) = parts.split_last_mut().expect("a container");
    let base: usize = before.iter().map(Vec::len).sum();
    let out = last;
    let blob = (base + out.len() - EHSIZE) as u64;
    let mut shstrtab = b"\0.ziskrom\0.shstrtab\0".to_vec();
    // (name, type, offset, size, link, info, align, entsize) of null, .ziskrom (PROGBITS),
    // .shstrtab, and .symtab, .strtab when there are symbols
    let mut headers = vec![
        (0, 0, 0, 0, 0, 0, 1, 0),
        (1, 1, EHSIZE as u64, blob, 0, 0, 1, 0),
        (10, SHT_STRTAB, 0, 0, 0, 0, 1, 0),
    ];
    if !symbols.is_empty() {
        let (symtab, strtab) = symbol_table(symbols);
        // The rest in one growth at most (the container's buffer is sized for about its own).
        out.reserve(8 + symtab.len() + strtab.len() + 64 + 64 * 5);
        shstrtab.extend_from_slice(b".symtab\0.strtab\0");
        let end = base + out.len() - EHSIZE;
        out.resize(out.len() + end.next_multiple_of(8) - end, 0);
        let at = (base + out.len()) as u64;
        headers.push((
            20,
            SHT_SYMTAB as u32,
            at,
            symtab.len() as u64,
            4,
            1,
            8,
            SYM_SIZE as u64,
        ));
        out.extend_from_slice(&symtab);
        let at = (base + out.len()) as u64;
        headers.push((28, SHT_STRTAB, at, strtab.len() as u64, 0, 0, 1, 0));
        out.extend_from_slice(&strtab);
    }
    headers[2].2 = (base + out.len()) as u64;
    headers[2].3 = shstrtab.len() as u64;
    out.extend_from_slice(&shstrtab);
    let off_sh = (base + out.len()) as u64;
    let w16 = |out: &mut Vec<u8>, v: u16| out.extend_from_slice(&v.to_le_bytes());
    let w32 = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_le_bytes());
    let w64 = |out: &mut Vec<u8>, v: u64| out.extend_from_slice(&v.to_le_bytes());
    for (name, typ, off, size, link, info, align, entsize) in &headers {
        w32(out, *name);
        w32(out, *typ);
        w64(out, 0); // sh_flags
        w64(out, 0); // sh_addr
        w64(out, *off);
        w64(out, *size);
        w32(out, *link);
        w32(out, *info);
        w64(out, *align);
        w64(out, *entsize);
    }
    let mut header = Vec::with_capacity(EHSIZE);
    header.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    w16(&mut header, 2); // ET_EXEC
    w16(&mut header, EM_ZISK);
    w32(&mut header, 1);
    w64(&mut header, ROM_ENTRY);
    w64(&mut header, 0); // e_phoff
    w64(&mut header, off_sh);
    w32(&mut header, 0); // e_flags
    w16(&mut header, EHSIZE as u16);
    w16(&mut header, 0); // e_phentsize
    w16(&mut header, 0); // e_phnum
    w16(&mut header, 64); // e_shentsize
    w16(&mut header, headers.len() as u16); // e_shnum
    w16(&mut header, 2); // e_shstrndx
    parts[0][..EHSIZE].copy_from_slice(&header);
    parts
}

/// A cursor over the container.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn err<T>(&self, what: impl Into<String>) -> Result<T, ZiskBinError> {
        Err(ZiskBinError {
            offset: self.pos,
            what: what.into(),
        })
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], ZiskBinError> {
        match self.pos.checked_add(n).filter(|&end| end <= self.buf.len()) {
            Some(end) => {
                let s = &self.buf[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => self.err(format!("truncated: {n} more bytes expected")),
        }
    }

    fn u8(&mut self) -> Result<u8, ZiskBinError> {
        Ok(self.take(1)?[0])
    }

    fn uvarint(&mut self) -> Result<u64, ZiskBinError> {
        let mut v = 0u64;
        for k in 0..10 {
            let b = self.u8()?;
            if k == 9 && b > 1 {
                return self.err("varint exceeds 64 bits");
            }
            v |= ((b & 0x7f) as u64) << (7 * k);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        self.err("varint longer than 10 bytes")
    }

    fn svarint(&mut self) -> Result<i64, ZiskBinError> {
        let u = self.uvarint()?;
        Ok((u >> 1) as i64 ^ -((u & 1) as i64))
    }

    fn string(&mut self) -> Result<String, ZiskBinError> {
        let len = self.uvarint()?;
        let len = usize::try_from(len).or_else(|_| self.err("string too long"))?;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).or_else(|_| self.err("string is not UTF-8"))
    }

    fn flags(&mut self) -> Result<u32, ZiskBinError> {
        let mut flags = 0u32;
        for k in 0..4 {
            let b = self.u8()?;
            flags |= ((b & 0x7f) as u32) << (7 * k);
            if b & 0x80 == 0 {
                if flags & !FLAG_DEFINED_MASK != 0 {
                    return self.err("reserved flag bits set");
                }
                return Ok(flags);
            }
        }
        self.err("flag bitmap longer than 4 bytes")
    }

    fn inst(&mut self) -> Result<(Inst, Option<String>), ZiskBinError> {
        let code = self.u8()?;
        let op = match Op::from_code(code) {
            Some(op) => op,
            None => return self.err(format!("opcode 0x{code:02x} is not supported by zkc")),
        };
        let f = self.flags()?;
        let has = |n: u32| f & (1 << n) != 0;
        let mut raw = [0u64; 7];
        for (bit, v) in raw.iter_mut().enumerate() {
            if has(bit as u32) {
                *v = self.uvarint()?;
            }
        }
        let [a_src, a0, a1, b_src, b0, b1, store] = raw;
        let store_offset = if has(7) { self.svarint()? } else { 0 };
        if has(9) {
            return self.err("sp-relative store is not supported");
        }
        let ind_width = if has(12) { self.uvarint()? } else { 0 };
        let jmp_offset1 = if has(13) {
            self.svarint()?
        } else {
            DEFAULT_JUMP
        };
        let jmp_offset2 = if has(14) {
            self.svarint()?
        } else {
            DEFAULT_JUMP
        };
        let comment = if has(15) { Some(self.string()?) } else { None };
        if has(16) {
            self.string()?;
        }
        for bit in 17..=20 {
            if has(bit) {
                self.uvarint()?;
            }
        }
        for bit in 21..=22 {
            if has(bit) {
                self.u8()?;
            }
        }
        let reg = |r: u64, what: &str| match u8::try_from(r) {
            Ok(r) => Ok(r),
            Err(_) => self.err(format!("{what} register {r} out of range")),
        };
        let a = match a_src {
            SRC_C => ASrc::C,
            SRC_MEM if a1 == 0 => ASrc::Mem(a0),
            SRC_IMM => ASrc::Imm(a0 | (a1 << 32)),
            SRC_STEP => ASrc::Step,
            SRC_REG if a1 == 0 => ASrc::Reg(reg(a0, "a")?),
            _ => return self.err(format!("unsupported a_src {a_src} (sp flag {a1})")),
        };
        let b = match b_src {
            SRC_C => BSrc::C,
            SRC_MEM if b1 == 0 => BSrc::Mem(b0),
            SRC_IMM => BSrc::Imm(b0 | (b1 << 32)),
            SRC_IND if b1 == 0 => BSrc::Ind(b0 as i64),
            SRC_REG if b1 == 0 => BSrc::Reg(reg(b0, "b")?),
            _ => return self.err(format!("unsupported b_src {b_src} (sp flag {b1})")),
        };
        let store = match store {
            STORE_NONE => Store::None,
            STORE_MEM => Store::Mem(store_offset as u64),
            STORE_IND => Store::Ind(store_offset),
            STORE_REG => Store::Reg(reg(store_offset as u64, "store")?),
            _ => return self.err(format!("unsupported store {store}")),
        };
        let ind_width = match u8::try_from(ind_width) {
            Ok(w) => w,
            Err(_) => return self.err(format!("indirect width {ind_width} out of range")),
        };
        let inst = Inst {
            op,
            a,
            b,
            store,
            store_pc: has(8),
            set_pc: has(10),
            ind_width,
            jmp_offset1,
            jmp_offset2,
            end: has(11),
        };
        Ok((inst, comment))
    }

    fn section(&mut self) -> Result<DataSection, ZiskBinError> {
        let addr = self.uvarint()?;
        let n = self.uvarint()?;
        let len = usize::try_from(n).ok().and_then(|n| n.checked_mul(8));
        let bytes = match len {
            Some(len) => self.take(len)?,
            None => return self.err("section length overflow"),
        };
        let words = bytes
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect();
        Ok(DataSection { addr, words })
    }
}

/// Decodes a `.ziskrom` container.
pub fn decode_rom(blob: &[u8]) -> Result<Rom, ZiskBinError> {
    let mut r = Reader { buf: blob, pos: 0 };
    if r.take(4)? != MAGIC {
        return r.err("bad magic, expected \"ZKRM\"");
    }
    let version = r.u8()?;
    if version != VERSION {
        return r.err(format!("unsupported version {version}, expected {VERSION}"));
    }
    let _profile = r.u8()?;
    let (inst_count, ro_count, rw_count) = (r.uvarint()?, r.uvarint()?, r.uvarint()?);
    let mut rom = Rom::default();
    let mut addr = 0u64;
    for _ in 0..inst_count {
        let delta = r.uvarint()?;
        addr = match addr.checked_add(delta).filter(|_| delta > 0) {
            Some(a) => a,
            None => return r.err(format!("bad instruction address delta {delta}")),
        };
        let (inst, comment) = r.inst()?;
        rom.insts.insert(addr, inst);
        if let Some(c) = comment {
            rom.comments.insert(addr, c);
        }
    }
    for _ in 0..ro_count {
        rom.ro_data.push(r.section()?);
    }
    for _ in 0..rw_count {
        rom.rw_data.push(r.section()?);
    }
    let n = r.uvarint()?;
    for _ in 0..n {
        let id = r.uvarint()?;
        match u16::try_from(id) {
            Ok(id) if rom.zkvmcalls.last().is_none_or(|&prev| id > prev) => rom.zkvmcalls.push(id),
            _ => return r.err(format!("zkvmcall ID {id} out of range or not ascending")),
        }
    }
    if r.pos != blob.len() {
        return r.err(format!("{} trailing bytes", blob.len() - r.pos));
    }
    Ok(rom)
}

/// Reads a ziskbin ELF (ours, or upstream's `zisk2zisk --elf`) into a [`Rom`], with the
/// function symbols of its symbol table if it has one.
pub fn read_elf(elf: &[u8]) -> Result<Rom, ZiskBinError> {
    let err = |offset: usize, what: &str| {
        Err(ZiskBinError {
            offset,
            what: what.to_string(),
        })
    };
    let field = |at: usize, n: usize| -> Result<u64, ZiskBinError> {
        match at.checked_add(n).and_then(|end| elf.get(at..end)) {
            Some(b) => Ok(b.iter().rev().fold(0u64, |v, &x| (v << 8) | x as u64)),
            None => Err(ZiskBinError {
                offset: at,
                what: "ELF file truncated".to_string(),
            }),
        }
    };
    if elf.get(0..6) != Some(&[0x7f, b'E', b'L', b'F', 2, 1]) {
        return err(0, "not a 64-bit little-endian ELF file");
    }
    if field(18, 2)? != EM_ZISK as u64 {
        return err(18, "not a ziskbin ELF (e_machine is not 0x5a4b)");
    }
    let shoff = field(0x28, 8)? as usize;
    let shentsize = field(0x3a, 2)? as usize;
    let shnum = field(0x3c, 2)? as usize;
    let shstrndx = field(0x3e, 2)? as usize;
    // (name, type, link, the contents, their offset)
    let section = |i: usize| -> Result<(u64, u64, usize, &[u8], usize), ZiskBinError> {
        let h = shoff.saturating_add(i.saturating_mul(shentsize));
        let (name, typ, off, size, link) = (
            field(h, 4)?,
            field(h.saturating_add(4), 4)?,
            field(h.saturating_add(0x18), 8)? as usize,
            field(h.saturating_add(0x20), 8)? as usize,
            field(h.saturating_add(0x28), 4)? as usize,
        );
        match off.checked_add(size).filter(|&end| end <= elf.len()) {
            Some(end) => Ok((name, typ, link, &elf[off..end], off)),
            None => Err(ZiskBinError {
                offset: h,
                what: "section outside the file".to_string(),
            }),
        }
    };
    let (_, _, _, names, _) = section(shstrndx)?;
    let mut rom = None;
    let mut symbols = Vec::new();
    for i in 0..shnum {
        let (name, typ, link, data, off) = section(i)?;
        let name = names.get(name as usize..).unwrap_or(&[]);
        if name.starts_with(SECTION_NAME) && name.get(SECTION_NAME.len()) == Some(&0) {
            rom = Some(decode_rom(data).map_err(|e| ZiskBinError {
                offset: e.offset + off,
                what: e.what,
            })?);
        } else if typ == SHT_SYMTAB {
            symbols = read_symbols(data, section(link)?.3, off)?;
        }
    }
    match rom {
        Some(mut rom) => {
            rom.symbols = symbols;
            Ok(rom)
        }
        None => err(0, "no .ziskrom section"),
    }
}

/// The function symbols of a symbol table (`symtab`, its names in `strtab`; `at` is its file
/// offset, for errors), in address order.
fn read_symbols(symtab: &[u8], strtab: &[u8], at: usize) -> Result<Vec<Symbol>, ZiskBinError> {
    let bad = |i: usize, what: &str| ZiskBinError {
        offset: at + i * SYM_SIZE,
        what: what.to_string(),
    };
    let mut out = Vec::new();
    for (i, sym) in symtab.chunks_exact(SYM_SIZE).enumerate().skip(1) {
        if sym[4] & 0xf != STT_FUNC {
            continue;
        }
        let word = |at: usize| u64::from_le_bytes(sym[at..at + 8].try_into().expect("8 bytes"));
        let name_at = u32::from_le_bytes(sym[..4].try_into().expect("4 bytes")) as usize;
        let name = strtab
            .get(name_at..)
            .and_then(|s| s.split(|&b| b == 0).next())
            .ok_or_else(|| bad(i, "symbol name outside the string table"))?;
        let name =
            String::from_utf8(name.to_vec()).map_err(|_| bad(i, "symbol name is not UTF-8"))?;
        out.push(Symbol {
            name,
            addr: word(8),
            size: word(16),
        });
    }
    out.sort_by_key(|s| s.addr);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem_map::ROM_ADDR;

    fn sample() -> Rom {
        let mut rom = Rom::with_bios(ROM_ADDR);
        let mut i = Inst::new(
            Op::Add,
            ASrc::Imm(u64::MAX - 5),
            BSrc::Ind(-24),
            Store::Ind(-8),
        );
        i.ind_width = 2;
        i.jmp_offset1 = -1_000_000;
        rom.insts.insert(ROM_ADDR, i);
        rom.comments.insert(ROM_ADDR, "v7 @0x2a".to_string());
        let mut j = Inst::new(
            Op::Flag,
            ASrc::Step,
            BSrc::Mem(0xa043_0000),
            Store::Mem(0xa043_0008),
        );
        j.store_pc = true;
        j.end = true;
        rom.insts.insert(ROM_ADDR + 4, j);
        rom.ro_data.push(DataSection {
            addr: ROM_ADDR + 32,
            words: vec![1, u64::MAX, 0, 3],
        });
        rom.rw_data.push(DataSection {
            addr: 0xa043_0000,
            words: vec![7; 4],
        });
        rom.symbols = vec![
            Symbol {
                name: "_ZN4core3fmt5write17h0123456789abcdefE".to_string(),
                addr: ROM_ADDR,
                size: 4,
            },
            Symbol {
                name: "f1".to_string(),
                addr: ROM_ADDR + 4,
                size: 4,
            },
        ];
        rom
    }

    #[test]
    fn elf_round_trip() {
        let mut rom = sample();
        let elf = write_elf(&rom);
        assert_eq!(u16::from_le_bytes([elf[18], elf[19]]), EM_ZISK);
        assert_eq!(read_elf(&elf).unwrap(), rom);
        // Without symbols: upstream's three sections, no symbol table.
        rom.symbols.clear();
        let bare = write_elf(&rom);
        assert_eq!(u16::from_le_bytes([bare[0x3c], bare[0x3d]]), 3);
        assert_eq!(read_elf(&bare).unwrap(), rom);
        assert!(bare.len() < elf.len());
    }

    #[test]
    fn varints_round_trip_extremes() {
        for v in [0, 1, 127, 128, u64::MAX] {
            let mut out = Vec::new();
            put_uvarint(&mut out, v);
            assert_eq!(Reader { buf: &out, pos: 0 }.uvarint().unwrap(), v);
        }
        for v in [0, -1, 4, i64::MIN, i64::MAX] {
            let mut out = Vec::new();
            put_svarint(&mut out, v);
            assert_eq!(Reader { buf: &out, pos: 0 }.svarint().unwrap(), v);
        }
    }

    #[test]
    fn rejects_bad_input_with_context() {
        let blob = encode_rom(&sample());
        let err = decode_rom(&blob[..blob.len() - 3]).unwrap_err();
        assert!(err.what.contains("truncated"), "{err}");
        let mut trailing = blob.clone();
        trailing.push(0);
        assert!(decode_rom(&trailing).unwrap_err().what.contains("trailing"));
        let mut wrong_version = blob;
        wrong_version[4] = 2;
        assert!(decode_rom(&wrong_version)
            .unwrap_err()
            .what
            .contains("version 2"));
        assert!(read_elf(b"\x7fELF").is_err());
    }

    #[test]
    fn rejects_truncated_files() {
        // Flipped bytes are covered by tests/emulator.rs `damaged_roms_fail_cleanly`; the last
        // 20 bytes are fields of the last section header that nothing reads.
        let elf = write_elf(&sample());
        for cut in 0..elf.len() - 20 {
            assert!(read_elf(&elf[..cut]).is_err(), "cut at {cut}");
        }
    }
}

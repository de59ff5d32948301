//! A whole ZisK ROM: instructions by address (BIOS included), initialised ROM and RAM data.
//!
//! This is what the emulator runs and what the ziskbin container holds (zisk-core
//! `zisk_rom.rs` `ZiskRom`: `insts`, `ro_data_64`, `rw_data_64`, `zkvmcalls`). The BIOS is
//! the fixed boot code of zisk-core `rom_layout.rs` (`add_end_and_lib`, then
//! `add_entry_exit_jmp`, without the `float` feature, as ziskemu is built): it jumps over the
//! `end` at `ROM_EXIT`, stores `marchid` and `mtvec`, calls the program with the return
//! address in r1, and on return publishes the first 32 output words with `pubout`, reads the
//! input every 128 MiB and jumps to `ROM_EXIT`.

use std::collections::BTreeMap;
use std::fmt;

use crate::inst::{ASrc, BSrc, DataSection, Inst, Store};
use crate::mem_map::*;
use crate::ops::Op;

/// A ROM: what `ziskemu` loads from `-z` or `-e`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rom {
    pub insts: BTreeMap<u64, Inst>,
    /// The origin of an instruction (IR value, wasm offset, source line), by address.
    pub comments: BTreeMap<u64, String>,
    /// Read-only data (`ro_data_64`), in ROM.
    pub ro_data: Vec<DataSection>,
    /// Initialised RAM (`rw_data_64`).
    pub rw_data: Vec<DataSection>,
    /// zkvmcall IDs the guest uses, strictly ascending (ziskbin.md §4.1); none for zkc.
    pub zkvmcalls: Vec<u16>,
    /// The functions, in address order: what `ziskemu -S` reads from an ELF's symbol table
    /// to name its per-function costs, and what zkc's profiles name their frames by.
    pub symbols: Vec<Symbol>,
}

/// A function symbol: its code is the `size` bytes from `addr`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub addr: u64,
    pub size: u64,
}

/// Address of the block `add_entry_exit_jmp` emits: after the entry jump and `end`.
pub const BIOS_BLOCK_ADDR: u64 = ROM_ENTRY + 8;
/// The BIOS output finalization; the call into the program leaves this in r1 and
/// `ret_to_bios` jumps here (zisk-asm assembler.rs `BIOS_FINALIZE_OFFSET` = 0x14).
pub const BIOS_FINALIZE_ADDR: u64 = BIOS_BLOCK_ADDR + 0x14;
/// The input reads the BIOS does at the end, one every 128 MiB (rom_layout.rs
/// `INPUT_ANCHOR_STEP`, `INPUT_ANCHOR_READS`).
const INPUT_ANCHOR_STEP: u64 = (1 << 24) * 8;
const INPUT_ANCHOR_READS: u64 = MAX_INPUT_SIZE / INPUT_ANCHOR_STEP - 1;
/// RISC-V exit ecall number the trap handler checks (rom_layout.rs `CAUSE_EXIT`).
const CAUSE_EXIT: u64 = 93;
/// The trap handler stored in `mtvec` (rom_layout.rs `ECALL_HANDLER_ADDR`).
pub const ECALL_HANDLER_ADDR: u64 = BIOS_BLOCK_ADDR + 4 * (13 + INPUT_ANCHOR_READS + 1);

impl Rom {
    /// A ROM holding the BIOS that enters the program at `entry`.
    pub fn with_bios(entry: u64) -> Rom {
        let mut rom = Rom::default();
        for (i, (inst, comment)) in bios(entry).into_iter().enumerate() {
            let addr = ROM_ENTRY + 4 * i as u64;
            rom.insts.insert(addr, inst);
            rom.comments.insert(addr, comment.to_string());
        }
        rom
    }

    /// The function of [`Rom::symbols`] whose code holds `pc`, if any.
    pub fn function_at(&self, pc: u64) -> Option<usize> {
        let k = self
            .symbols
            .partition_point(|s| s.addr <= pc)
            .checked_sub(1)?;
        (pc - self.symbols[k].addr < self.symbols[k].size).then_some(k)
    }

    /// Number of initialised 8-byte words in ROM data (zisk_rom.rs `get_rom_init_64bit_words`).
    pub fn rom_init_words(&self) -> u64 {
        self.ro_data.iter().map(|s| s.words.len() as u64).sum()
    }

    /// Number of initialised 8-byte words in RAM (zisk_rom.rs `get_ram_init_64bit_words`).
    pub fn ram_init_words(&self) -> u64 {
        self.rw_data.iter().map(|s| s.words.len() as u64).sum()
    }

    /// Checks what the emulator and the prover rely on: register numbers, indirect widths,
    /// RAM data inside RAM. Upstream panics on these; we report them.
    pub fn validate(&self) -> Result<(), RomError> {
        for (&addr, inst) in &self.insts {
            let bad = |what: String| Err(RomError { addr, what });
            let reg_ok = |r: u8| (1..=REGS_IN_MAIN_TO).contains(&r);
            if let ASrc::Reg(r) = inst.a {
                if !reg_ok(r) {
                    return bad(format!(
                        "a source register r{r} is not a main-trace register"
                    ));
                }
            }
            if let BSrc::Reg(r) = inst.b {
                if !reg_ok(r) {
                    return bad(format!(
                        "b source register r{r} is not a main-trace register"
                    ));
                }
            }
            if let Store::Reg(r) = inst.store {
                if !reg_ok(r) {
                    return bad(format!("store register r{r} is not a main-trace register"));
                }
            }
            if inst.uses_ind() && !matches!(inst.ind_width, 1 | 2 | 4 | 8) {
                return bad(format!(
                    "indirect width {} is not 1, 2, 4 or 8",
                    inst.ind_width
                ));
            }
        }
        for s in &self.rw_data {
            let end = s.addr as u128 + 8 * s.words.len() as u128;
            if s.addr < RAM_ADDR || end > (RAM_ADDR + RAM_SIZE) as u128 {
                return Err(RomError {
                    addr: s.addr,
                    what: "RAM data section outside RAM".to_string(),
                });
            }
        }
        for s in self.ro_data.iter().chain(&self.rw_data) {
            if s.addr % 8 != 0 {
                return Err(RomError {
                    addr: s.addr,
                    what: "data section not 8-byte aligned".to_string(),
                });
            }
        }
        Ok(())
    }
}

/// An instruction or data section the machine cannot run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RomError {
    pub addr: u64,
    pub what: String,
}

impl fmt::Display for RomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid ROM at 0x{:x}: {}", self.addr, self.what)
    }
}

impl std::error::Error for RomError {}

/// The BIOS instructions from `ROM_ENTRY` on, exactly as rom_layout.rs builds them.
fn bios(entry: u64) -> Vec<(Inst, &'static str)> {
    let imm = |v| ASrc::Imm(v);
    let bimm = |v| BSrc::Imm(v);
    let with = |mut i: Inst, j1: i64, j2: i64| {
        i.jmp_offset1 = j1;
        i.jmp_offset2 = j2;
        i
    };
    let copyb = |b, store| Inst::new(Op::CopyB, imm(0), b, store);
    let mut end = with(copyb(bimm(0), Store::None), 0, 0);
    end.end = true;
    let mut call = with(copyb(bimm(entry), Store::Reg(1)), 0, 4);
    call.set_pc = true;
    call.store_pc = true;
    let mut output_len = with(copyb(bimm(32), Store::Reg(11)), 0, 4);
    output_len.ind_width = 4;
    let mut load_output = with(
        Inst::new(Op::CopyB, ASrc::Reg(13), BSrc::Ind(0), Store::None),
        0,
        4,
    );
    load_output.ind_width = 8;
    let to_finalize = BIOS_FINALIZE_ADDR as i64;

    let mut v = vec![
        (
            with(copyb(bimm(0), Store::None), 8, 8),
            "Jump over end instruction",
        ),
        (end, "end"),
        (
            copyb(bimm(ARCH_ID_ZISK), Store::Mem(ARCH_ID_CSR_ADDR)),
            "Set marchid",
        ),
        (
            copyb(bimm(ECALL_HANDLER_ADDR), Store::Mem(MTVEC)),
            "Set mtvec",
        ),
        (
            with(copyb(bimm(INPUT_ADDR), Store::Reg(10)), 0, 4),
            "Set 1st Param (pInput)",
        ),
        (
            with(copyb(bimm(OUTPUT_ADDR), Store::Reg(11)), 0, 4),
            "Set 2nd Param (pOutput)",
        ),
        (call, "CALL to entry"),
        (output_len, "Set reg11 to output data length = 32"),
        (with(copyb(bimm(0), Store::Reg(12)), 0, 4), "Set reg12 to 0"),
        (
            with(copyb(bimm(OUTPUT_ADDR), Store::Reg(13)), 0, 4),
            "Set reg13 to OUTPUT_ADDR",
        ),
        (
            with(
                Inst::new(Op::Eq, ASrc::Reg(11), BSrc::Reg(12), Store::None),
                20,
                4,
            ),
            "If reg11==reg12 jump to end",
        ),
        (load_output, "Set c to mem(output_data[index]), a=index"),
        (
            with(
                Inst::new(Op::PubOut, ASrc::Reg(12), BSrc::C, Store::None),
                0,
                4,
            ),
            "Public output, set c to output_data[index], a=index",
        ),
        (
            with(
                Inst::new(Op::Add, ASrc::Reg(13), bimm(8), Store::Reg(13)),
                0,
                4,
            ),
            "Set reg13 to reg13 + 8",
        ),
        (
            with(
                Inst::new(Op::Add, ASrc::Reg(12), bimm(1), Store::Reg(12)),
                4,
                -16,
            ),
            "Set reg12 to reg12 + 1",
        ),
    ];
    for k in 1..=INPUT_ANCHOR_READS {
        let mut read = Inst::new(
            Op::CopyB,
            imm(INPUT_ADDR + k * INPUT_ANCHOR_STEP),
            BSrc::Ind(0),
            Store::None,
        );
        read.ind_width = 8;
        v.push((read, "Read input every 128M"));
    }
    let mut exit = with(copyb(bimm(ROM_EXIT), Store::None), 0, 0);
    exit.set_pc = true;
    v.push((exit, "jump to end successfully"));
    v.push((
        with(
            Inst::new(Op::Eq, ASrc::Reg(17), bimm(CAUSE_EXIT), Store::None),
            8,
            4,
        ),
        "beq r17, 93 # Check if is exit",
    ));
    let mut ret = with(
        Inst::new(Op::CopyB, imm(0), BSrc::Reg(1), Store::None),
        0,
        4,
    );
    ret.set_pc = true;
    v.push((ret, "ret"));
    let here = (ROM_ENTRY + 4 * v.len() as u64) as i64;
    v.push((
        with(
            Inst::new(Op::Eq, ASrc::Reg(10), bimm(0), Store::None),
            to_finalize - here,
            4,
        ),
        "beq r10, 0 # Exit code 0: jump to output, then end",
    ));
    let mut halt = with(
        Inst::new(Op::Halt, ASrc::Reg(10), bimm(0), Store::None),
        0,
        0,
    );
    halt.end = true;
    v.push((halt, "halt # Nonzero exit code: failed execution"));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bios_layout_matches_rom_layout_rs() {
        let rom = Rom::with_bios(ROM_ADDR);
        assert_eq!(ECALL_HANDLER_ADDR, 0x107c);
        assert_eq!(BIOS_FINALIZE_ADDR, 0x101c);
        assert!(rom.insts[&ROM_EXIT].end);
        let call = rom.insts[&(BIOS_BLOCK_ADDR + 0x10)];
        assert!(call.set_pc && call.store_pc && call.b == BSrc::Imm(ROM_ADDR));
        assert!(rom.insts[&ECALL_HANDLER_ADDR].op == Op::Eq);
        assert_eq!(rom.insts.keys().last(), Some(&(ECALL_HANDLER_ADDR + 12)));
        rom.validate().unwrap();
    }
}

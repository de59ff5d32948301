//! The ZisK memory map.
//!
//! Every constant here is a fact of `zisk-core-1.4.0-alpha/src/mem.rs` unless its comment names
//! another file. The emulator, the layout step and the BIOS all take their addresses from here.

/// First BIOS instruction; the emulator always boots here (mem.rs `ROM_ENTRY`).
pub const ROM_ENTRY: u64 = 0x1000;
/// The BIOS `end` instruction every program finishes on (mem.rs `ROM_EXIT`).
pub const ROM_EXIT: u64 = 0x1004;
/// Program input, read-only; the free input word sits at `INPUT_ADDR` itself and the input file
/// is copied from `INPUT_ADDR + 8` (mem.rs, ziskemu `emu_context.rs`).
pub const INPUT_ADDR: u64 = 0x1000_0000;
/// Size of the input region: reads anywhere inside it are valid and return 0 past the input.
pub const MAX_INPUT_SIZE: u64 = 0x8000_0000;
/// First program instruction (mem.rs `ROM_ADDR`).
pub const ROM_ADDR: u64 = 0x9000_0000;
/// ROM size; `ROM_ADDR ..= ROM_ADDR_MAX` is the ROM zone of the cost model.
pub const ROM_SIZE: u64 = 0x0800_0000;
/// Last ROM address (mem.rs `ROM_ADDR_MAX`).
pub const ROM_ADDR_MAX: u64 = ROM_ADDR + ROM_SIZE - 1;
/// The ZisK library's ROM (mem.rs `ZISKLIB_ROM_ADDR`); used for the ROM REGIONS report.
pub const ZISKLIB_ROM_ADDR: u64 = FLOAT_LIB_ROM_ADDR - 0x10_0000;
/// The float library's ROM (mem.rs `FLOAT_LIB_ROM_ADDR`); used for the ROM REGIONS report.
pub const FLOAT_LIB_ROM_ADDR: u64 = ROM_ADDR + ROM_SIZE - 0x10_0000;
/// RAM, the only writable memory (mem.rs `RAM_ADDR`, ziskemu's single write section).
pub const RAM_ADDR: u64 = 0xa000_0000;
/// RAM size: 512 MiB.
pub const RAM_SIZE: u64 = 0x2000_0000;
/// The RISC-V stack area at the bottom of RAM (mem.rs `STACK_SIZE`).
pub const STACK_SIZE: u64 = 0x40_0000;
/// System area: the register file image, UART, CSRs (mem.rs `SYS_ADDR`).
pub const SYS_ADDR: u64 = RAM_ADDR + STACK_SIZE;
/// A 1-byte store here prints that byte on the console (mem.rs `UART_ADDR`, `Mem::write`).
pub const UART_ADDR: u64 = SYS_ADDR + 0x200;
/// Where `dma_memcpy` reads its byte count (mem.rs `EXTRA_PARAMS_ADDR`).
pub const EXTRA_PARAMS_ADDR: u64 = SYS_ADDR + 0x0f00;
/// Public output region (mem.rs `OUTPUT_ADDR`).
pub const OUTPUT_ADDR: u64 = SYS_ADDR + 0x1_0000;
/// Size of the public output region.
pub const OUTPUT_MAX_SIZE: u64 = 0x2_0000;
/// Free RAM; the assembler packs non-`const` data from here (mem.rs `GENERAL_RAM_ADDR`).
pub const GENERAL_RAM_ADDR: u64 = OUTPUT_ADDR + OUTPUT_MAX_SIZE;
/// Number of public output words `ziskemu -c` prints (zisk-core `ZISK_PUBLICS`).
pub const PUBLIC_OUTPUT_WORDS: usize = 64;
/// Where the register image starts; r40..r63 are memory at `REG_FIRST + 8 * n`
/// (zisk_registers.rs `REG_FIRST`, zisk_inst_builder.rs `src_a`).
pub const REG_FIRST: u64 = SYS_ADDR;
/// Main-trace registers are r1..=r39 (zisk_registers.rs `REGS_IN_MAIN_TO`).
pub const REGS_IN_MAIN_TO: u8 = 39;
/// Highest register the assembly language accepts (zisk-asm parser.rs `MAX_REG`).
pub const MAX_REG: u8 = 63;
/// Bytes between consecutive instructions (zisk-asm assembler.rs `INST_SIZE`).
pub const INST_SIZE: u64 = 4;
/// CSR image (mem.rs `CSR_ADDR`); the BIOS writes `marchid` and `mtvec` there.
pub const CSR_ADDR: u64 = SYS_ADDR + 0x8000;
/// `mtvec` CSR slot (mem.rs `MTVEC`).
pub const MTVEC: u64 = CSR_ADDR + 0x305 * 8;
/// `marchid` CSR slot (mem.rs `ARCH_ID_CSR_ADDR`).
pub const ARCH_ID_CSR_ADDR: u64 = CSR_ADDR + 0xF12 * 8;
/// The value the BIOS stores in `marchid` (mem.rs `ARCH_ID_ZISK`).
pub const ARCH_ID_ZISK: u64 = 0xFFF_EEEE;

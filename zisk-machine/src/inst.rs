//! The ZisK instruction: every field of upstream's `ZiskInst` that affects execution.
//!
//! Facts from zisk-core 1.4.0-alpha `zisk_inst.rs` (field list, `SRC_*` / `STORE_*` codes) and
//! ziskemu `emu.rs` (`source_a`, `source_b`, `store_c`, `get_next_pc`). One step is
//!
//! ```text
//! a = source_a; b = source_b; (c, flag) = op(a, b)
//! store (c, or pc + jmp_offset2 when store_pc)
//! pc = set_pc ? c + jmp_offset1 : pc + (flag ? jmp_offset1 : jmp_offset2)
//! stop after an instruction whose `end` is set
//! ```
//!
//! Upstream packs a 64-bit immediate into `*_offset_imm0` (low half) and `*_use_sp_imm1` (high
//! half); here it is one `u64`. The `sp`-relative forms (`*_use_sp`) are not modelled: the
//! assembler rejects them and ziskemu's `sp` is always 0.
//!
//! Sources and stores are generic over the address type `A`, so the same enums serve the
//! resolved machine (`A = u64`) and the symbolic program of [`crate::program`].

use crate::ops::Op;

/// Where operand `a` comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ASrc<A = u64> {
    /// `c` of the previous instruction (`SRC_C` = 0).
    C,
    /// The 8 bytes at a constant address (`SRC_MEM` = 1).
    Mem(A),
    /// A 64-bit immediate (`SRC_IMM` = 2).
    Imm(A),
    /// The step counter (`SRC_STEP` = 3).
    Step,
    /// Main-trace register r1..r39 (`SRC_REG` = 6).
    Reg(u8),
}

/// Where operand `b` comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BSrc<A = u64> {
    /// `c` of the previous instruction (`SRC_C` = 0).
    C,
    /// The 8 bytes at a constant address (`SRC_MEM` = 1).
    Mem(A),
    /// A 64-bit immediate (`SRC_IMM` = 2).
    Imm(A),
    /// `ind_width` bytes at `a + offset`, zero-extended (`SRC_IND` = 5).
    Ind(i64),
    /// Main-trace register r1..r39 (`SRC_REG` = 6).
    Reg(u8),
}

/// Where `c` (or the return address, with `store_pc`) goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Store<A = u64> {
    /// Not stored (`STORE_NONE` = 0).
    None,
    /// 8 bytes at a constant address (`STORE_MEM` = 1).
    Mem(A),
    /// `ind_width` bytes at `a + offset` (`STORE_IND` = 2).
    Ind(i64),
    /// Main-trace register r1..r39 (`STORE_REG` = 3).
    Reg(u8),
}

/// Upstream's source and store codes (zisk_inst.rs).
pub mod codes {
    pub const SRC_C: u64 = 0;
    pub const SRC_MEM: u64 = 1;
    pub const SRC_IMM: u64 = 2;
    pub const SRC_STEP: u64 = 3;
    pub const SRC_IND: u64 = 5;
    pub const SRC_REG: u64 = 6;
    pub const STORE_NONE: u64 = 0;
    pub const STORE_MEM: u64 = 1;
    pub const STORE_IND: u64 = 2;
    pub const STORE_REG: u64 = 3;
}

/// One resolved ZisK instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Inst {
    pub op: Op,
    pub a: ASrc,
    pub b: BSrc,
    pub store: Store,
    /// Store `pc + jmp_offset2` instead of `c` (a call's return address).
    pub store_pc: bool,
    /// Next pc is `c + jmp_offset1`.
    pub set_pc: bool,
    /// Width in bytes of the indirect load and store (1, 2, 4 or 8); one field for both.
    pub ind_width: u8,
    pub jmp_offset1: i64,
    pub jmp_offset2: i64,
    pub end: bool,
}

impl Inst {
    /// `op(a, b) -> store` falling through to the next instruction, as the assembler encodes
    /// it (`j(4, 4)`, assembler.rs `encode_op`; a precompile never raises the flag and proving
    /// requires its `jmp_offset1` to be 0, so it is `j(0, 4)`).
    pub fn new(op: Op, a: ASrc, b: BSrc, store: Store) -> Inst {
        Inst {
            op,
            a,
            b,
            store,
            store_pc: false,
            set_pc: false,
            ind_width: 0,
            jmp_offset1: if op.is_precompile() { 0 } else { 4 },
            jmp_offset2: 4,
            end: false,
        }
    }

    /// Whether the instruction is a return: a jump with `set_pc`, without `store_pc` (a `jalr`
    /// that links), to `and(~1, x)` as upstream's transpiler writes a `ret` and ziskemu's
    /// per-function report recognises one (ziskemu 1.4.0-alpha `stats/call_return.md`), or to
    /// `copyb(0, x)` of a register or a memory word, as ZisK's own ROM code returns
    /// (zisk-core `rom_layout.rs`) and zkc does by default. (zkc's other jumps through a
    /// register, of `br_table` and `call_indirect`, read their target indirectly.)
    pub fn is_return(&self) -> bool {
        self.set_pc
            && !self.store_pc
            && match self.op {
                Op::And => self.a == ASrc::Imm(!1),
                Op::CopyB => matches!(self.b, BSrc::Reg(_) | BSrc::Mem(_)),
                _ => false,
            }
    }

    /// Whether the instruction accesses memory indirectly, so `ind_width` must be valid.
    pub fn uses_ind(&self) -> bool {
        matches!(self.b, BSrc::Ind(_)) || matches!(self.store, Store::Ind(_))
    }
}

/// Initialised memory: 8-byte words placed at `addr + 8 * i` (zisk_rom.rs `DataSection64`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DataSection {
    pub addr: u64,
    pub words: Vec<u64>,
}

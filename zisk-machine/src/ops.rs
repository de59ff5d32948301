//! The ZisK operations zkc can emit: name, opcode, proving class, cost and semantics.
//!
//! Facts from zisk-core 1.4.0-alpha: the opcode table is `define_ops!` in `zisk_ops.rs`, the
//! semantics are the `op_*` functions of `ops_core.rs` (and `opc_halt` in `zisk_ops.rs`), the
//! costs are `zisk_ops_costs.rs` (`ZISK_COSTS_VERSION` 1). Every operation yields `(c, flag)`;
//! flag is false except for `flag`, the comparisons, `unal8`, and the divisions by zero.
//!
//! Of the precompiles (the operations whose `input_size` is nonzero), zkc models those it
//! emits: `keccak` (Keccak-f[1600] on 25 words at `b`), `sha256` (the SHA-256 compression
//! of the 4-word state at `a` with the 8-word block at `b`), `arith256_mod` (`d = (a * b + c)
//! mod m` on 256-bit numbers, `b` the address of five pointers `[a, b, c, m, d]`) and
//! `secp256k1_add`, `secp256r1_add` and `bn254_curve_add` (the affine sum of the points at `a`
//! and `b` into `a`), `secp256k1_dbl`, `secp256r1_dbl` and `bn254_curve_dbl` (the point at `b`
//! doubled in place) for its
//! accelerator runtime, `blake2b` (one round of BLAKE2b's compression on the 16-word work
//! vector at `a` with the 16 message words at `b`, the round index in `jmp_offset1`; zkc
//! emits no chained rounds), and
//! `dma_memcpy` (`count` bytes from `b` to `a`, `count` read at `EXTRA_PARAMS_ADDR`) and
//! `dma_xmemset` (`b` bytes at `a` set to the byte in `jmp_offset1`) for `memory.copy`,
//! `memory.init` and `memory.fill`. Their effect on memory, the memory accesses and the operand-dependent cost
//! they are charged are the emulator's (`zisk_ops.rs` `opc_keccak`, `opc_sha256`,
//! `opc_arith256_mod`, `opc_secp256k1_*`, `opc_bn254_curve_*`, `ops_*`;
//! `operations/dma_memcpy.rs`, `dma_memset.rs`); their fixed cost goes to PRECOMPILES. The
//! others (arith256, the other curves, the rest of the DMA family) are not modelled. The
//! BLS12-381 and BN254 Fp2 operations (`bls12_381_complex_*`, `bn254_complex_*`: the element
//! at `a` op the one at `b`, into `a`) are modelled too.

use std::fmt;

/// Cost of one main-trace step: `MAIN_COST` = ceil(245 / 4) (zisk_ops_costs.rs).
pub const MAIN_COST: u64 = 62;
/// `BINARY_COST` = ceil(219 / 4): BinaryHuge, 4 lanes.
const BINARY: u64 = 55;
/// `BINARY_ADD_COST` = ceil(83 / 4): BinaryAddHuge, 4 lanes.
const BINARY_ADD: u64 = 21;
/// `BINARY_E_COST` = ceil(110 / 2): BinaryExtensionLarge, 2 lanes.
const BINARY_E: u64 = 55;
/// `ARITHAM32_COST` and `ARITHA32_COST`.
const ARITH: u64 = 97;
/// `KECCAK_COST` = ceil(615 * 135 / 2): 135 clocks per slot of two Keccak-f.
const KECCAK: u64 = (615 * 135_u64).div_ceil(2);
/// `SHA256_COST` = 72 * 122.
const SHA256: u64 = 72 * 122;
/// `ARITH_256_COST` = 54 * 16: the Arith256 state machine (arith256, arith256_mod).
const ARITH_256: u64 = 54 * 16;
/// `ARITH_SECP256K1_COST` = 72 * 16: the ArithSecp256K1 state machine.
const ARITH_SECP256K1: u64 = 72 * 16;
/// `ARITH_BN254_COST` = 78 * 16: the ArithBn254 state machine (curve and complex ops).
const ARITH_BN254: u64 = 78 * 16;
/// `ARITH_EQ_COST` = 90 * 16: the ArithEq state machine (secp256r1's curve operations).
const ARITH_EQ: u64 = 90 * 16;
/// `ARITH_EQ_384_COST` = 80 * 24: the ArithEq384 state machine (arith384_mod, BLS12-381's curve
/// and complex ops).
const ARITH_EQ_384: u64 = 80 * 24;
/// `BLAKE2B_COST` = 8 * 233: one round of BLAKE2b's compression.
const BLAKE2B: u64 = 8 * 233;
/// `DMA_COST`: one Dma instance proves every DMA operation; the rest of a DMA operation's cost
/// depends on its operands (`Emulator`, zisk-core `operations/dma_memcpy.rs`, `dma_memset.rs`).
const DMA: u64 = 63;
/// `ADD_U_W_COST`: a step plus `and` plus `add`.
const ADD_U_W: u64 = MAIN_COST + BINARY + BINARY_ADD;
/// `SH_ADD_U_W_COST`: a step plus `and` plus `sh<n>add`.
const SH_ADD_U_W: u64 = MAIN_COST + BINARY + BINARY;
/// Cost of an `add` that BinaryAddHi proves (`BINARY_ADD_HI_COST` = ceil(93 / 8), ziskemu
/// `emu_costs.rs`): hi32(a) = hi32(c) = 0 and hi32(b) all zeros or all ones (ziskemu
/// `stats.rs` `cheap_variant`).
pub const ADD_HI_COST: u64 = 12;

/// Which state machine proves an operation (zisk_inst.rs `ZiskOperationType`). Frequent
/// operations are looked up only for `Binary`, `BinaryE` and `Arith` (ziskemu `stats.rs`
/// `is_frops`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpClass {
    Internal,
    Binary,
    BinaryE,
    Arith,
    PubOut,
    /// A precompile: charged to PRECOMPILES, reported under COST BY PRECOMPILED OPCODE.
    Precompile,
}

macro_rules! ops {
    ($($variant:ident $name:literal $code:literal $class:ident $cost:expr;)*) => {
        /// A ZisK operation. The discriminant is the opcode.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Op {
            $($variant = $code,)*
        }

        impl Op {
            /// Every modelled operation, in opcode order.
            pub const ALL: &'static [Op] = &[$(Op::$variant,)*];

            /// The assembly name (`ZiskOp::name`).
            pub const fn name(self) -> &'static str {
                match self {
                    $(Op::$variant => $name,)*
                }
            }

            /// The state machine that proves it.
            pub const fn class(self) -> OpClass {
                match self {
                    $(Op::$variant => OpClass::$class,)*
                }
            }

            /// The per-execution cost (`ZiskOp::cost`).
            pub const fn cost(self) -> u64 {
                match self {
                    $(Op::$variant => $cost,)*
                }
            }

            /// The operation with this opcode, if zkc models it.
            pub const fn from_code(code: u8) -> Option<Op> {
                match code {
                    $($code => Some(Op::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

ops! {
    Flag "flag" 0x00 Internal 0;
    CopyB "copyb" 0x01 Internal 0;
    Minu "minu" 0x02 Binary BINARY;
    Min "min" 0x03 Binary BINARY;
    Maxu "maxu" 0x04 Binary BINARY;
    Max "max" 0x05 Binary BINARY;
    Ltu "ltu" 0x06 Binary BINARY;
    Lt "lt" 0x07 Binary BINARY;
    Eq "eq" 0x09 Binary BINARY;
    Add "add" 0x0a Binary BINARY_ADD;
    Sub "sub" 0x0b Binary BINARY;
    Leu "leu" 0x0c Binary BINARY;
    Le "le" 0x0d Binary BINARY;
    And "and" 0x0e Binary BINARY;
    Or "or" 0x0f Binary BINARY;
    Xor "xor" 0x10 Binary BINARY;
    MinuW "minu_w" 0x12 Binary BINARY;
    MinW "min_w" 0x13 Binary BINARY;
    MaxuW "maxu_w" 0x14 Binary BINARY;
    MaxW "max_w" 0x15 Binary BINARY;
    LtuW "ltu_w" 0x16 Binary BINARY;
    LtW "lt_w" 0x17 Binary BINARY;
    EqW "eq_w" 0x19 Binary BINARY;
    AddW "add_w" 0x1a Binary BINARY;
    SubW "sub_w" 0x1b Binary BINARY;
    LeuW "leu_w" 0x1c Binary BINARY;
    LeW "le_w" 0x1d Binary BINARY;
    Sll "sll" 0x21 BinaryE BINARY_E;
    Srl "srl" 0x22 BinaryE BINARY_E;
    Sra "sra" 0x23 BinaryE BINARY_E;
    SllW "sll_w" 0x24 BinaryE BINARY_E;
    SrlW "srl_w" 0x25 BinaryE BINARY_E;
    SraW "sra_w" 0x26 BinaryE BINARY_E;
    SignExtendB "signextend_b" 0x27 BinaryE BINARY_E;
    SignExtendH "signextend_h" 0x28 BinaryE BINARY_E;
    SignExtendW "signextend_w" 0x29 BinaryE BINARY_E;
    Rev8 "rev8" 0x30 BinaryE BINARY_E;
    Pack "pack" 0x31 BinaryE BINARY_E;
    PackH "pack_h" 0x32 BinaryE BINARY_E;
    PackW "pack_w" 0x33 BinaryE BINARY_E;
    Rol "rol" 0x34 BinaryE BINARY_E;
    RolW "rol_w" 0x35 BinaryE BINARY_E;
    Ror "ror" 0x36 BinaryE BINARY_E;
    RorW "ror_w" 0x37 BinaryE BINARY_E;
    Clz "clz" 0x38 BinaryE BINARY_E;
    ClzW "clz_w" 0x39 BinaryE BINARY_E;
    Ctz "ctz" 0x3a BinaryE BINARY_E;
    CtzW "ctz_w" 0x3b BinaryE BINARY_E;
    Cpop "cpop" 0x3c BinaryE BINARY_E;
    CpopW "cpop_w" 0x3d BinaryE BINARY_E;
    OrcB "orc_b" 0x3e BinaryE BINARY_E;
    Bclr "bclr" 0x3f BinaryE BINARY_E;
    Bext "bext" 0x40 BinaryE BINARY_E;
    Binv "binv" 0x41 BinaryE BINARY_E;
    Bset "bset" 0x42 BinaryE BINARY_E;
    SllUW "sll_u_w" 0x43 BinaryE BINARY_E;
    Brev8 "brev8" 0x52 Binary BINARY;
    Andn "andn" 0x53 Binary BINARY;
    Orn "orn" 0x54 Binary BINARY;
    Xnor "xnor" 0x55 Binary BINARY;
    Sh1add "sh1add" 0x56 Binary BINARY;
    Sh2add "sh2add" 0x57 Binary BINARY;
    Sh3add "sh3add" 0x58 Binary BINARY;
    Unal8 "unal8" 0x5a Binary BINARY;
    AddUW "add_u_w" 0x90 BinaryE ADD_U_W;
    Sh1addUW "sh1add_u_w" 0x91 BinaryE SH_ADD_U_W;
    Sh2addUW "sh2add_u_w" 0x92 BinaryE SH_ADD_U_W;
    Sh3addUW "sh3add_u_w" 0x93 BinaryE SH_ADD_U_W;
    Clmul "clmul" 0x95 BinaryE BINARY_E;
    ClmulH "clmul_h" 0x96 BinaryE BINARY_E;
    ClmulR "clmul_r" 0x97 BinaryE BINARY_E;
    Xperm4 "xperm4" 0x98 BinaryE BINARY_E;
    Xperm8 "xperm8" 0x99 BinaryE BINARY_E;
    CzeroEqz "czero_eqz" 0x9a BinaryE BINARY_E;
    CzeroNez "czero_nez" 0x9b BinaryE BINARY_E;
    PubOut "pubout" 0xa0 PubOut 0;
    Mulu "mulu" 0xb0 Arith ARITH;
    Muluh "muluh" 0xb1 Arith ARITH;
    Mulsuh "mulsuh" 0xb3 Arith ARITH;
    Mul "mul" 0xb4 Arith ARITH;
    Mulh "mulh" 0xb5 Arith ARITH;
    MulW "mul_w" 0xb6 Arith ARITH;
    Divu "divu" 0xb8 Arith ARITH;
    Remu "remu" 0xb9 Arith ARITH;
    Div "div" 0xba Arith ARITH;
    Rem "rem" 0xbb Arith ARITH;
    DivuW "divu_w" 0xbc Arith ARITH;
    RemuW "remu_w" 0xbd Arith ARITH;
    DivW "div_w" 0xbe Arith ARITH;
    RemW "rem_w" 0xbf Arith ARITH;
    DmaMemCpy "dma_memcpy" 0xd0 Precompile DMA;
    DmaXMemSet "dma_xmemset" 0xd9 Precompile DMA;
    Arith384Mod "arith384_mod" 0xe2 Precompile ARITH_EQ_384;
    Bls12381CurveAdd "bls12_381_curve_add" 0xe3 Precompile ARITH_EQ_384;
    Bls12381CurveDbl "bls12_381_curve_dbl" 0xe4 Precompile ARITH_EQ_384;
    Bls12381ComplexAdd "bls12_381_complex_add" 0xe5 Precompile ARITH_EQ_384;
    Bls12381ComplexSub "bls12_381_complex_sub" 0xe6 Precompile ARITH_EQ_384;
    Bls12381ComplexMul "bls12_381_complex_mul" 0xe7 Precompile ARITH_EQ_384;
    Secp256r1Add "secp256r1_add" 0xe8 Precompile ARITH_EQ;
    Secp256r1Dbl "secp256r1_dbl" 0xe9 Precompile ARITH_EQ;
    Blake2b "blake2b" 0xea Precompile BLAKE2B;
    Keccak "keccak" 0xf1 Precompile KECCAK;
    Arith256Mod "arith256_mod" 0xf3 Precompile ARITH_256;
    Secp256k1Add "secp256k1_add" 0xf4 Precompile ARITH_SECP256K1;
    Secp256k1Dbl "secp256k1_dbl" 0xf5 Precompile ARITH_SECP256K1;
    Sha256 "sha256" 0xf9 Precompile SHA256;
    Bn254CurveAdd "bn254_curve_add" 0xfa Precompile ARITH_BN254;
    Bn254CurveDbl "bn254_curve_dbl" 0xfb Precompile ARITH_BN254;
    Bn254ComplexAdd "bn254_complex_add" 0xfc Precompile ARITH_BN254;
    Bn254ComplexSub "bn254_complex_sub" 0xfd Precompile ARITH_BN254;
    Bn254ComplexMul "bn254_complex_mul" 0xfe Precompile ARITH_BN254;
    Halt "halt" 0xff Internal 0;
}

impl Op {
    /// The opcode.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// Whether it is a precompile (zisk_ops.rs `is_precompiled`: nonzero `input_size`).
    pub const fn is_precompile(self) -> bool {
        matches!(self.class(), OpClass::Precompile)
    }

    /// The operation with this assembly name.
    pub fn from_name(name: &str) -> Option<Op> {
        Op::ALL.iter().copied().find(|op| op.name() == name)
    }

    /// `(c, flag)` for operands `a` and `b` (ops_core.rs). `halt` yields `(0, false)`; the
    /// emulator records the failure itself (zisk_ops.rs `opc_halt`). The precompiles also yield
    /// `(0, false)`; their effect on memory is the emulator's.
    #[inline(always)]
    pub fn eval(self, a: u64, b: u64) -> (u64, bool) {
        let sext32 = |v: u32| v as i32 as u64;
        let cmp = |t: bool| (t as u64, t);
        let c = match self {
            Op::Flag => return (0, true),
            Op::CopyB | Op::PubOut => b,
            Op::Halt
            | Op::Keccak
            | Op::Sha256
            | Op::Arith256Mod
            | Op::Secp256k1Add
            | Op::Secp256k1Dbl
            | Op::Bn254CurveAdd
            | Op::Bn254CurveDbl
            | Op::Bn254ComplexAdd
            | Op::Bn254ComplexSub
            | Op::Bn254ComplexMul
            | Op::Blake2b
            | Op::Secp256r1Add
            | Op::Secp256r1Dbl
            | Op::Arith384Mod
            | Op::Bls12381CurveAdd
            | Op::Bls12381CurveDbl
            | Op::Bls12381ComplexAdd
            | Op::Bls12381ComplexSub
            | Op::Bls12381ComplexMul => 0,
            Op::DmaMemCpy | Op::DmaXMemSet => a,
            Op::Minu => a.min(b),
            Op::Min => (a as i64).min(b as i64) as u64,
            Op::Maxu => a.max(b),
            Op::Max => (a as i64).max(b as i64) as u64,
            Op::MinuW => sext32((a as u32).min(b as u32)),
            Op::MinW => (a as i32).min(b as i32) as u64,
            Op::MaxuW => sext32((a as u32).max(b as u32)),
            Op::MaxW => (a as i32).max(b as i32) as u64,
            Op::Ltu => return cmp(a < b),
            Op::Lt => return cmp((a as i64) < (b as i64)),
            Op::Eq => return cmp(a == b),
            Op::Leu => return cmp(a <= b),
            Op::Le => return cmp((a as i64) <= (b as i64)),
            Op::LtuW => return cmp((a as u32) < (b as u32)),
            Op::LtW => return cmp((a as i32) < (b as i32)),
            Op::EqW => return cmp(a as u32 == b as u32),
            Op::LeuW => return cmp((a as u32) <= (b as u32)),
            Op::LeW => return cmp((a as i32) <= (b as i32)),
            Op::Unal8 => return cmp((a | b) & 7 != 0),
            Op::Add => a.wrapping_add(b),
            Op::Sub => a.wrapping_sub(b),
            Op::AddW => sext32((a as u32).wrapping_add(b as u32)),
            Op::SubW => sext32((a as u32).wrapping_sub(b as u32)),
            Op::And => a & b,
            Op::Or => a | b,
            Op::Xor => a ^ b,
            Op::Andn => a & !b,
            Op::Orn => a | !b,
            Op::Xnor => !(a ^ b),
            Op::Sh1add => b.wrapping_add(a << 1),
            Op::Sh2add => b.wrapping_add(a << 2),
            Op::Sh3add => b.wrapping_add(a << 3),
            Op::Brev8 => u64::from_le_bytes(b.to_le_bytes().map(u8::reverse_bits)),
            Op::Sll => a << (b & 63),
            Op::Srl => a >> (b & 63),
            Op::Sra => ((a as i64) >> (b & 63)) as u64,
            Op::SllW => sext32((a as u32) << (b & 31)),
            Op::SrlW => sext32((a as u32) >> (b & 31)),
            Op::SraW => ((a as i32) >> (b & 31)) as u64,
            Op::SignExtendB => b as i8 as u64,
            Op::SignExtendH => b as i16 as u64,
            Op::SignExtendW => b as i32 as u64,
            Op::Rev8 => b.swap_bytes(),
            Op::Pack => (a & 0xffff_ffff) | (b << 32),
            Op::PackH => (a & 0xff) | ((b & 0xff) << 8),
            Op::PackW => sext32(((a & 0xffff) | ((b & 0xffff) << 16)) as u32),
            Op::Rol => a.rotate_left((b & 63) as u32),
            Op::RolW => sext32((a as u32).rotate_left((b & 31) as u32)),
            Op::Ror => a.rotate_right((b & 63) as u32),
            Op::RorW => sext32((a as u32).rotate_right((b & 31) as u32)),
            Op::Clz => b.leading_zeros() as u64,
            Op::ClzW => (b as u32).leading_zeros() as u64,
            Op::Ctz => b.trailing_zeros() as u64,
            Op::CtzW => (b as u32).trailing_zeros() as u64,
            Op::Cpop => b.count_ones() as u64,
            Op::CpopW => (b as u32).count_ones() as u64,
            Op::OrcB => u64::from_le_bytes(b.to_le_bytes().map(|x| if x != 0 { 0xff } else { 0 })),
            Op::Bclr => a & !(1 << (b & 63)),
            Op::Bext => (a >> (b & 63)) & 1,
            Op::Binv => a ^ (1 << (b & 63)),
            Op::Bset => a | (1 << (b & 63)),
            Op::SllUW => (a & 0xffff_ffff) << (b & 63),
            Op::AddUW => b.wrapping_add(a & 0xffff_ffff),
            Op::Sh1addUW => b.wrapping_add((a & 0xffff_ffff) << 1),
            Op::Sh2addUW => b.wrapping_add((a & 0xffff_ffff) << 2),
            Op::Sh3addUW => b.wrapping_add((a & 0xffff_ffff) << 3),
            Op::Clmul => (0..64)
                .filter(|i| (b >> i) & 1 == 1)
                .fold(0, |acc, i| acc ^ (a << i)),
            Op::ClmulH => (1..64)
                .filter(|i| (b >> i) & 1 == 1)
                .fold(0, |acc, i| acc ^ (a >> (64 - i))),
            Op::ClmulR => (0..64)
                .filter(|i| (b >> i) & 1 == 1)
                .fold(0, |acc, i| acc ^ (a >> (63 - i))),
            Op::Xperm4 => (0..16).fold(0, |acc, i| {
                let index = (b >> (i * 4)) & 0xf;
                acc | (((a >> (index * 4)) & 0xf) << (i * 4))
            }),
            Op::Xperm8 => (0..8).fold(0, |acc, i| {
                let index = (b >> (i * 8)) & 0xff;
                let byte = if index < 8 {
                    (a >> (index * 8)) & 0xff
                } else {
                    0
                };
                acc | (byte << (i * 8))
            }),
            Op::CzeroEqz => {
                if b == 0 {
                    0
                } else {
                    a
                }
            }
            Op::CzeroNez => {
                if b != 0 {
                    0
                } else {
                    a
                }
            }
            Op::Mulu => a.wrapping_mul(b),
            Op::Mul => (a as i64).wrapping_mul(b as i64) as u64,
            Op::MulW => (a as i32).wrapping_mul(b as i32) as u64,
            Op::Muluh => ((a as u128 * b as u128) >> 64) as u64,
            Op::Mulh => ((a as i64 as i128 * b as i64 as i128) >> 64) as u64,
            Op::Mulsuh => ((a as i64 as i128).wrapping_mul(b as i128) >> 64) as u64,
            Op::Divu if b == 0 => return (u64::MAX, true),
            Op::Divu => a / b,
            Op::Div if b == 0 => return (u64::MAX, true),
            Op::Div => (a as i64).wrapping_div(b as i64) as u64,
            Op::Remu if b == 0 => return (a, true),
            Op::Remu => a % b,
            Op::Rem if b == 0 => return (a, true),
            Op::Rem => (a as i64).wrapping_rem(b as i64) as u64,
            Op::DivuW if b as u32 == 0 => return (u64::MAX, true),
            Op::DivuW => sext32(a as u32 / b as u32),
            Op::DivW if b as u32 == 0 => return (u64::MAX, true),
            Op::DivW => (a as i32).wrapping_div(b as i32) as u64,
            Op::RemuW if b as u32 == 0 => return (a as i32 as u64, true),
            Op::RemuW => sext32(a as u32 % b as u32),
            Op::RemW if b as u32 == 0 => return (a as i32 as u64, true),
            Op::RemW => (a as i32).wrapping_rem(b as i32) as u64,
        };
        (c, false)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_round_trip() {
        for &op in Op::ALL {
            assert_eq!(Op::from_code(op.code()), Some(op));
            assert_eq!(Op::from_name(op.name()), Some(op));
        }
        assert_eq!(Op::from_code(0x08), None);
        assert_eq!(
            Op::from_code(0xf2),
            None,
            "arith256 is a precompile zkc does not model"
        );
        assert_eq!(Op::Arith256Mod.cost(), 864);
        assert_eq!(Op::Secp256k1Add.cost(), 1152);
        assert_eq!(Op::Bn254CurveDbl.cost(), 1248);
        assert_eq!(Op::Blake2b.cost(), 1864);
        assert_eq!(Op::Secp256r1Dbl.cost(), 1440);
        assert_eq!(Op::Bls12381ComplexMul.cost(), 1920);
        assert_eq!(Op::Bn254ComplexMul.cost(), 1248);
        assert_eq!(Op::Keccak.cost(), 41_513);
        assert_eq!(Op::Sha256.cost(), 8_784);
    }

    #[test]
    fn division_by_zero_raises_the_flag() {
        assert_eq!(Op::Divu.eval(7, 0), (u64::MAX, true));
        assert_eq!(Op::Remu.eval(7, 0), (7, true));
        assert_eq!(
            Op::RemW.eval(0x1_8000_0000, 0x1_0000_0000),
            (0xffff_ffff_8000_0000, true)
        );
        assert_eq!(
            Op::Div.eval(i64::MIN as u64, u64::MAX),
            (i64::MIN as u64, false)
        );
        assert_eq!(Op::Rem.eval(i64::MIN as u64, u64::MAX), (0, false));
        assert_eq!(
            Op::DivW.eval(0x8000_0000, 0xffff_ffff),
            (0xffff_ffff_8000_0000, false)
        );
    }

    #[test]
    fn word_ops_sign_extend() {
        assert_eq!(Op::AddW.eval(0x7fff_ffff, 1).0, 0xffff_ffff_8000_0000);
        assert_eq!(Op::SrlW.eval(0x8000_0000, 0).0, 0xffff_ffff_8000_0000);
        assert_eq!(Op::DivuW.eval(0xffff_fffe, 1).0, 0xffff_ffff_ffff_fffe);
        assert_eq!(Op::ClzW.eval(0, 1).0, 31);
    }

    #[test]
    fn comparisons_set_c_and_flag() {
        assert_eq!(Op::Lt.eval(u64::MAX, 0), (1, true));
        assert_eq!(Op::Ltu.eval(u64::MAX, 0), (0, false));
        assert_eq!(Op::Flag.eval(5, 6), (0, true));
    }
}

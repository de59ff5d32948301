//! The meaning of every pure and trapping value operation, as plain functions over raw bits:
//! the one home of integer and float semantics, which the interpreter runs, the optimizer's
//! constant folding applies ([`fold_unary`], [`fold_binary`], [`fold_compare`]) and constant
//! expressions evaluate with ([`crate::ConstExpr::eval`]).
//!
//! Values are `u64` bit patterns: an `i32` or `f32` keeps its 32 bits zero-extended (the upper
//! half is always zero), an `i64` or `f64` uses all 64. Each operation is resolved once, when a
//! function is compiled, to a non-capturing closure (a `fn` pointer), so the interpreter loop
//! dispatches with a single indirect call and never matches on `(op, type)` again.
//!
//! Float semantics are Rust's `f32`/`f64` (IEEE 754, round-to-nearest-even), which is what wasm
//! specifies; the wasm-specific rules are written out: `min`/`max` propagate NaN and order
//! `-0 < +0`, `nearest` rounds ties to even, `abs`/`neg`/`copysign` only touch the sign bit.
//!
//! Every NaN that an arithmetic operation (including `min`/`max`, the roundings, `sqrt`,
//! `demote`/`promote`) produces is the positive canonical NaN (`0x7fc00000`,
//! `0x7ff8000000000000`). Wasm allows that (a canonical NaN is also an arithmetic NaN), and it
//! makes results bit-identical on every host: x86 and ARM FPUs disagree on the sign of a fresh
//! NaN. Bit operations (`abs`, `neg`, `copysign`, reinterpret, loads, stores) keep NaN bits.

use crate::ops::{BinaryOp, CmpOp, ConvOp, TrapCode, UnaryOp};
use crate::types::Type;

pub type UnFn = fn(u64) -> u64;
pub type TrapUnFn = fn(u64) -> Result<u64, TrapCode>;
pub type BinFn = fn(u64, u64) -> u64;
pub type TrapBinFn = fn(u64, u64) -> Result<u64, TrapCode>;

/// A resolved one-operand operation.
pub enum Un {
    Pure(UnFn),
    Trap(TrapUnFn),
}

/// A resolved two-operand operation.
pub enum Bin {
    Pure(BinFn),
    Trap(TrapBinFn),
}

#[inline(always)]
fn s32(x: u64) -> i32 {
    x as u32 as i32
}
#[inline(always)]
fn u32b(x: i32) -> u64 {
    x as u32 as u64
}
#[inline(always)]
fn f32v(x: u64) -> f32 {
    f32::from_bits(x as u32)
}
/// Bits of an arithmetic result: every NaN becomes the positive canonical NaN.
#[inline(always)]
fn f32b(x: f32) -> u64 {
    if x.is_nan() {
        CANON_NAN32
    } else {
        x.to_bits() as u64
    }
}
#[inline(always)]
fn f64v(x: u64) -> f64 {
    f64::from_bits(x)
}
/// Bits of an arithmetic result: every NaN becomes the positive canonical NaN.
#[inline(always)]
fn f64b(x: f64) -> u64 {
    if x.is_nan() {
        CANON_NAN64
    } else {
        x.to_bits()
    }
}

const CANON_NAN32: u64 = 0x7fc0_0000;
const CANON_NAN64: u64 = 0x7ff8_0000_0000_0000;
const SIGN32: u64 = 0x8000_0000;
const SIGN64: u64 = 0x8000_0000_0000_0000;

fn fmin32(a: u64, b: u64) -> u64 {
    let (x, y) = (f32v(a), f32v(b));
    if x.is_nan() || y.is_nan() {
        f32b(x + y)
    } else if x == y {
        a | b // min(-0, +0) = -0
    } else if x < y {
        a
    } else {
        b
    }
}

fn fmax32(a: u64, b: u64) -> u64 {
    let (x, y) = (f32v(a), f32v(b));
    if x.is_nan() || y.is_nan() {
        f32b(x + y)
    } else if x == y {
        a & b // max(-0, +0) = +0
    } else if x > y {
        a
    } else {
        b
    }
}

fn fmin64(a: u64, b: u64) -> u64 {
    let (x, y) = (f64v(a), f64v(b));
    if x.is_nan() || y.is_nan() {
        f64b(x + y)
    } else if x == y {
        a | b
    } else if x < y {
        a
    } else {
        b
    }
}

fn fmax64(a: u64, b: u64) -> u64 {
    let (x, y) = (f64v(a), f64v(b));
    if x.is_nan() || y.is_nan() {
        f64b(x + y)
    } else if x == y {
        a & b
    } else if x > y {
        a
    } else {
        b
    }
}

pub fn unary(op: UnaryOp, ty: Type) -> Option<Un> {
    use Type::*;
    use UnaryOp::*;
    let f: UnFn = match (op, ty) {
        (Clz, I32) => |a| (a as u32).leading_zeros() as u64,
        (Ctz, I32) => |a| (a as u32).trailing_zeros() as u64,
        (Popcnt, I32) => |a| (a as u32).count_ones() as u64,
        (Eqz, I32 | I64) => |a| (a == 0) as u64,
        (Extend8S, I32) => |a| u32b(a as u8 as i8 as i32),
        (Extend16S, I32) => |a| u32b(a as u16 as i16 as i32),
        (Clz, I64) => |a| a.leading_zeros() as u64,
        (Ctz, I64) => |a| a.trailing_zeros() as u64,
        (Popcnt, I64) => |a| a.count_ones() as u64,
        (Extend8S, I64) => |a| a as u8 as i8 as i64 as u64,
        (Extend16S, I64) => |a| a as u16 as i16 as i64 as u64,
        (Extend32S, I64) => |a| a as u32 as i32 as i64 as u64,
        (Abs, F32) => |a| a & !SIGN32,
        (Neg, F32) => |a| a ^ SIGN32,
        (Sqrt, F32) => |a| f32b(f32v(a).sqrt()),
        (Ceil, F32) => |a| f32b(f32v(a).ceil()),
        (Floor, F32) => |a| f32b(f32v(a).floor()),
        (Trunc, F32) => |a| f32b(f32v(a).trunc()),
        (Nearest, F32) => |a| f32b(f32v(a).round_ties_even()),
        (Abs, F64) => |a| a & !SIGN64,
        (Neg, F64) => |a| a ^ SIGN64,
        (Sqrt, F64) => |a| f64b(f64v(a).sqrt()),
        (Ceil, F64) => |a| f64b(f64v(a).ceil()),
        (Floor, F64) => |a| f64b(f64v(a).floor()),
        (Trunc, F64) => |a| f64b(f64v(a).trunc()),
        (Nearest, F64) => |a| f64b(f64v(a).round_ties_even()),
        _ => return None,
    };
    Some(Un::Pure(f))
}

pub fn binary(op: BinaryOp, ty: Type) -> Option<Bin> {
    use BinaryOp::*;
    use TrapCode::{IntDivByZero, IntOverflow};
    use Type::*;
    let t: TrapBinFn = match (op, ty) {
        (DivS, I32) => |a, b| {
            let (a, b) = (s32(a), s32(b));
            if b == 0 {
                Err(IntDivByZero)
            } else if a == i32::MIN && b == -1 {
                Err(IntOverflow)
            } else {
                Ok(u32b(a / b))
            }
        },
        (DivU, I32) => |a, b| a.checked_div(b).ok_or(IntDivByZero),
        (RemS, I32) => |a, b| {
            if b == 0 {
                Err(IntDivByZero)
            } else {
                Ok(u32b(s32(a).wrapping_rem(s32(b))))
            }
        },
        (RemU, I32) => |a, b| a.checked_rem(b).ok_or(IntDivByZero),
        (DivS, I64) => |a, b| {
            let (a, b) = (a as i64, b as i64);
            if b == 0 {
                Err(IntDivByZero)
            } else if a == i64::MIN && b == -1 {
                Err(IntOverflow)
            } else {
                Ok((a / b) as u64)
            }
        },
        (DivU, I64) => |a, b| a.checked_div(b).ok_or(IntDivByZero),
        (RemS, I64) => |a, b| {
            if b == 0 {
                Err(IntDivByZero)
            } else {
                Ok((a as i64).wrapping_rem(b as i64) as u64)
            }
        },
        (RemU, I64) => |a, b| a.checked_rem(b).ok_or(IntDivByZero),
        _ => {
            let f: BinFn = match (op, ty) {
                (Add, I32) => |a, b| (a as u32).wrapping_add(b as u32) as u64,
                (Sub, I32) => |a, b| (a as u32).wrapping_sub(b as u32) as u64,
                (Mul, I32) => |a, b| (a as u32).wrapping_mul(b as u32) as u64,
                (And, I32 | I64) => |a, b| a & b,
                (Or, I32 | I64) => |a, b| a | b,
                (Xor, I32 | I64) => |a, b| a ^ b,
                (Shl, I32) => |a, b| (a as u32).wrapping_shl(b as u32) as u64,
                (ShrS, I32) => |a, b| u32b(s32(a).wrapping_shr(b as u32)),
                (ShrU, I32) => |a, b| (a as u32).wrapping_shr(b as u32) as u64,
                (Rotl, I32) => |a, b| (a as u32).rotate_left(b as u32 % 32) as u64,
                (Rotr, I32) => |a, b| (a as u32).rotate_right(b as u32 % 32) as u64,
                (Add, I64) => |a, b| a.wrapping_add(b),
                (Sub, I64) => |a, b| a.wrapping_sub(b),
                (Mul, I64) => |a, b| a.wrapping_mul(b),
                (Shl, I64) => |a, b| a.wrapping_shl(b as u32),
                (ShrS, I64) => |a, b| (a as i64).wrapping_shr(b as u32) as u64,
                (ShrU, I64) => |a, b| a.wrapping_shr(b as u32),
                (Rotl, I64) => |a, b| a.rotate_left((b % 64) as u32),
                (Rotr, I64) => |a, b| a.rotate_right((b % 64) as u32),
                (MulHiU, I64) => |a, b| ((a as u128 * b as u128) >> 64) as u64,
                (Add, F32) => |a, b| f32b(f32v(a) + f32v(b)),
                (Sub, F32) => |a, b| f32b(f32v(a) - f32v(b)),
                (Mul, F32) => |a, b| f32b(f32v(a) * f32v(b)),
                (Div, F32) => |a, b| f32b(f32v(a) / f32v(b)),
                (Min, F32) => fmin32,
                (Max, F32) => fmax32,
                (Copysign, F32) => |a, b| (a & !SIGN32) | (b & SIGN32),
                (Add, F64) => |a, b| f64b(f64v(a) + f64v(b)),
                (Sub, F64) => |a, b| f64b(f64v(a) - f64v(b)),
                (Mul, F64) => |a, b| f64b(f64v(a) * f64v(b)),
                (Div, F64) => |a, b| f64b(f64v(a) / f64v(b)),
                (Min, F64) => fmin64,
                (Max, F64) => fmax64,
                (Copysign, F64) => |a, b| (a & !SIGN64) | (b & SIGN64),
                _ => return None,
            };
            return Some(Bin::Pure(f));
        }
    };
    Some(Bin::Trap(t))
}

pub fn compare(op: CmpOp, ty: Type) -> Option<BinFn> {
    use CmpOp::*;
    use Type::*;
    Some(match (op, ty) {
        (Eq, I32 | I64) => |a, b| (a == b) as u64,
        (Ne, I32 | I64) => |a, b| (a != b) as u64,
        (LtS, I32) => |a, b| (s32(a) < s32(b)) as u64,
        (GtS, I32) => |a, b| (s32(a) > s32(b)) as u64,
        (LeS, I32) => |a, b| (s32(a) <= s32(b)) as u64,
        (GeS, I32) => |a, b| (s32(a) >= s32(b)) as u64,
        (LtS, I64) => |a, b| ((a as i64) < (b as i64)) as u64,
        (GtS, I64) => |a, b| ((a as i64) > (b as i64)) as u64,
        (LeS, I64) => |a, b| ((a as i64) <= (b as i64)) as u64,
        (GeS, I64) => |a, b| ((a as i64) >= (b as i64)) as u64,
        // Unsigned i32 values are zero-extended, so the u64 order is the u32 order.
        (LtU, I32 | I64) => |a, b| (a < b) as u64,
        (GtU, I32 | I64) => |a, b| (a > b) as u64,
        (LeU, I32 | I64) => |a, b| (a <= b) as u64,
        (GeU, I32 | I64) => |a, b| (a >= b) as u64,
        (Eq, F32) => |a, b| (f32v(a) == f32v(b)) as u64,
        (Ne, F32) => |a, b| (f32v(a) != f32v(b)) as u64,
        (Lt, F32) => |a, b| (f32v(a) < f32v(b)) as u64,
        (Gt, F32) => |a, b| (f32v(a) > f32v(b)) as u64,
        (Le, F32) => |a, b| (f32v(a) <= f32v(b)) as u64,
        (Ge, F32) => |a, b| (f32v(a) >= f32v(b)) as u64,
        (Eq, F64) => |a, b| (f64v(a) == f64v(b)) as u64,
        (Ne, F64) => |a, b| (f64v(a) != f64v(b)) as u64,
        (Lt, F64) => |a, b| (f64v(a) < f64v(b)) as u64,
        (Gt, F64) => |a, b| (f64v(a) > f64v(b)) as u64,
        (Le, F64) => |a, b| (f64v(a) <= f64v(b)) as u64,
        (Ge, F64) => |a, b| (f64v(a) >= f64v(b)) as u64,
        _ => return None,
    })
}

/// Checks a trapping float-to-int truncation's operand: NaN is an invalid conversion, a value
/// whose truncation falls outside `(lo, hi)` (both exclusive) overflows.
#[inline(always)]
fn trunc_check(x: f64, lo: f64, hi: f64) -> Result<(), TrapCode> {
    if x.is_nan() {
        Err(TrapCode::BadConversion)
    } else if x > lo && x < hi {
        Ok(())
    } else {
        Err(TrapCode::IntOverflow)
    }
}

// Exclusive bounds: every float strictly between them truncates into the target range. An
// f32 operand widens to f64 exactly, so one set of bounds serves both float types.
const I32_LO: f64 = -2147483649.0;
const I32_HI: f64 = 2147483648.0;
const U32_HI: f64 = 4294967296.0;
const I64_HI: f64 = 9223372036854775808.0;
const U64_HI: f64 = 18446744073709551616.0;

/// `-2^63` is itself a valid i64, so the signed 64-bit lower bound is checked inclusively.
fn trunc_check_i64s(x: f64) -> Result<(), TrapCode> {
    if x.is_nan() {
        Err(TrapCode::BadConversion)
    } else if (-I64_HI..I64_HI).contains(&x) {
        Ok(())
    } else {
        Err(TrapCode::IntOverflow)
    }
}

pub fn convert(op: ConvOp) -> Un {
    use ConvOp::*;
    let t: TrapUnFn = match op {
        I32TruncF32S => |a| {
            let x = f32v(a) as f64;
            trunc_check(x, I32_LO, I32_HI).map(|()| u32b(x as i32))
        },
        I32TruncF64S => |a| {
            let x = f64v(a);
            trunc_check(x, I32_LO, I32_HI).map(|()| u32b(x as i32))
        },
        I32TruncF32U => |a| {
            let x = f32v(a) as f64;
            trunc_check(x, -1.0, U32_HI).map(|()| x as u32 as u64)
        },
        I32TruncF64U => |a| {
            let x = f64v(a);
            trunc_check(x, -1.0, U32_HI).map(|()| x as u32 as u64)
        },
        I64TruncF32S => |a| {
            let x = f32v(a) as f64;
            trunc_check_i64s(x).map(|()| x as i64 as u64)
        },
        I64TruncF64S => |a| {
            let x = f64v(a);
            trunc_check_i64s(x).map(|()| x as i64 as u64)
        },
        I64TruncF32U => |a| {
            let x = f32v(a) as f64;
            trunc_check(x, -1.0, U64_HI).map(|()| x as u64)
        },
        I64TruncF64U => |a| {
            let x = f64v(a);
            trunc_check(x, -1.0, U64_HI).map(|()| x as u64)
        },
        _ => {
            // Rust's float-to-int `as` saturates and maps NaN to 0: exactly `trunc_sat`.
            let f: UnFn = match op {
                I32WrapI64 => |a| a & 0xffff_ffff,
                I64ExtendI32S => |a| s32(a) as i64 as u64,
                I64ExtendI32U => |a| a,
                I32TruncSatF32S => |a| u32b(f32v(a) as i32),
                I32TruncSatF32U => |a| f32v(a) as u32 as u64,
                I32TruncSatF64S => |a| u32b(f64v(a) as i32),
                I32TruncSatF64U => |a| f64v(a) as u32 as u64,
                I64TruncSatF32S => |a| f32v(a) as i64 as u64,
                I64TruncSatF32U => |a| f32v(a) as u64,
                I64TruncSatF64S => |a| f64v(a) as i64 as u64,
                I64TruncSatF64U => |a| f64v(a) as u64,
                F32ConvertI32S => |a| f32b(s32(a) as f32),
                F32ConvertI32U => |a| f32b(a as u32 as f32),
                F32ConvertI64S => |a| f32b(a as i64 as f32),
                F32ConvertI64U => |a| f32b(a as f32),
                F64ConvertI32S => |a| f64b(s32(a) as f64),
                F64ConvertI32U => |a| f64b(a as u32 as f64),
                F64ConvertI64S => |a| f64b(a as i64 as f64),
                F64ConvertI64U => |a| f64b(a as f64),
                F32DemoteF64 => |a| f32b(f64v(a) as f32),
                F64PromoteF32 => |a| f64b(f32v(a) as f64),
                // Raw bits are shared between an int and a float of the same width.
                I32ReinterpretF32 | I64ReinterpretF64 | F32ReinterpretI32 | F64ReinterpretI64 => {
                    |a| a
                }
                _ => unreachable!("trapping conversions are handled above"),
            };
            return Un::Pure(f);
        }
    };
    Un::Trap(t)
}

/// `op` on a constant when it is pure and does not trap there (the constant folder's view).
pub fn fold_unary(op: UnaryOp, ty: Type, a: u64) -> Option<u64> {
    match unary(op, ty)? {
        Un::Pure(f) => Some(f(a)),
        Un::Trap(f) => f(a).ok(),
    }
}

/// `op` on constants when it does not trap there (division by zero, overflow: `None`).
pub fn fold_binary(op: BinaryOp, ty: Type, a: u64, b: u64) -> Option<u64> {
    match binary(op, ty)? {
        Bin::Pure(f) => Some(f(a, b)),
        Bin::Trap(f) => f(a, b).ok(),
    }
}

/// The comparison on constants: 1 or 0.
pub fn fold_compare(op: CmpOp, ty: Type, a: u64, b: u64) -> Option<u64> {
    Some(compare(op, ty)?(a, b))
}

/// The conversion of a constant when it does not trap there.
pub fn fold_convert(op: ConvOp, a: u64) -> Option<u64> {
    match convert(op) {
        Un::Pure(f) => Some(f(a)),
        Un::Trap(f) => f(a).ok(),
    }
}

//! Exact IEEE-754 `f32`/`f64` for ZisK, which has no floating-point unit.
//!
//! [`lower_floats`] rewrites a module so that no float type or float operation is left: an
//! `f32` becomes the `i32` of its bits, an `f64` the `i64` of its bits, everywhere (values,
//! block parameters, signatures, globals, constants, loads and stores, `select`), and every
//! float operation becomes integer code, either inline or a call to a routine that the pass
//! adds to the module (named `__zkc_sf_*`, generated on first use, once per module). The
//! routines are ordinary IR functions, so the optimizer and the allocator treat them like user
//! code (inlining, constant folding of float constants through them, ...).
//!
//! # Semantics
//! Wasm 2.0 numerics (§4.3.3, "Floating-Point Operations") defer to IEEE 754-2019 with
//! round-to-nearest, ties-to-even (§4.3), gradual underflow (subnormals), signed zeros and
//! infinities, and these wasm rules:
//! - NaNs (§4.3.3, "NaN propagation"): an arithmetic result that is NaN may be any arithmetic
//!   NaN when an operand is a NaN and must be canonical otherwise. Every routine returns the
//!   positive canonical NaN (`0x7fc00000`, `0x7ff8000000000000`), which satisfies both rules
//!   and is bit-identical with the reference interpreter (`zkc_ir::interp`), so differential
//!   tests compare bits. `abs`, `neg`, `copysign`, reinterpretations, loads and stores only
//!   move bits and keep NaN payloads.
//! - `min`/`max` (§4.3.3 `fmin`/`fmax`): NaN if either operand is NaN; `−0 < +0`.
//! - `nearest` rounds ties to even; `ceil`/`floor`/`trunc` keep the sign of zero results.
//! - Trapping truncations (§4.3.4 `trunc`): NaN traps `bad_toint` ("invalid conversion to
//!   integer"), a value whose truncation is out of range traps `int_ovf`; the saturating ones
//!   (`trunc_sat`) map NaN to 0 and clamp.
//! - Conversions from integers and `demote` round to nearest-even; `promote` is exact.
//!
//! # Design
//! The routines follow the classic structure of a software float library (Berkeley SoftFloat
//! by J. Hauser is the well-known reference; no code is taken from it): unpack the fields,
//! dispatch the rare classes (NaN, infinity, zero, subnormal) to side blocks so that the common
//! normal-operand path is straight-line code, compute an exact or sticky ("jammed") integer
//! significand, and round once in a shared `round_pack` step. `round_pack` takes the
//! significand with its leading one at bit 62 and 62 − p round/sticky bits below the result's
//! last place, so one 64-bit word serves both formats; a single unsigned comparison of the
//! exponent sends both the underflow and the overflow cases to its slow path.
//!
//! - `f64.add`/`sub`: operands ordered by magnitude, the smaller one shifted right with a
//!   sticky bit (`shift_right_jam`), add or subtract, normalize with `clz`, round. `sub` is
//!   `add` with the sign of the second operand flipped inline.
//! - `f64.mul`: 53×53-bit significands; the 128-bit product's high half comes from
//!   the IR's `i64.mul_hi_u` (not a wasm instruction: ZisK's `muluh`, one step), its low half
//!   is one `i64.mul` (only whether it is zero matters).
//! - `f64.div`: long division by 64-bit `div_u`/`rem_u`, 11 quotient bits per step (the
//!   remainder stays below 2^53), 55 quotient bits plus a sticky bit from the last remainder.
//! - `f64.sqrt`: the 28-bit integer square root of the top of the 110-bit radicand by
//!   Newton's iteration (`div_u`, from an AM-GM start above the root), the next 27 bits from
//!   the first-order expansion (one more `div_u`), and a 128-bit square (`mul_hi_u`) deciding the
//!   last bit and the sticky bit.
//! - `f32` `add`/`sub`/`mul`/`div` are the same generators in the f32 format, computed in
//!   64-bit registers: the 24×24-bit product is exact in one `i64.mul`, one `div_u` gives 40
//!   quotient bits. `f32.sqrt` widens to f64 (exact), takes the f64 root and narrows: rounding
//!   twice is innocuous when the wide format has at least 2p + 2 bits (53 ≥ 2·24 + 2;
//!   S. A. Figueroa, "When is double rounding innocuous?", SIGNUM Newsletter 30(3), 1995).
//! - `min`/`max`, `ceil`/`floor`/`trunc`/`nearest` work directly on the bits of either
//!   format (masking the fraction bits below the binary point, with a carry into the exponent
//!   when rounding away from zero).
//! - Comparisons are inline and branch-free: a non-NaN float maps to an order-preserving
//!   two's-complement key `(abs ^ s) − s` (`s` the sign spread over the word; ±0 both map to
//!   0), compared signed, and-ed with "neither operand is NaN" (`abs <= inf`).
//! - `abs`/`neg`/`copysign` are inline bit operations; reinterpretations disappear.
//! - Truncations to integers: f64 routines (f32 operands are promoted first, exactly) that
//!   shift the significand into place and check the range on the magnitude. Conversions from
//!   integers: `clz` normalization and `round_pack` (i32 sources are extended to i64 inline).
//!
//! # Signatures and `call_indirect`
//! Lowering maps `(f32) -> ()` and `(i32) -> ()` to the same signature, and a `call_indirect`
//! that must trap "indirect call type mismatch" would then succeed. [`SigPlan`] keeps the
//! check exact: among the signatures that take part in indirect calls (those of
//! `call_indirect` and of functions in element segments), a float signature whose lowered form
//! collides with one already taken gets trailing padding `i32` parameters (passed as 0 by every
//! caller, ignored by the callee) until it is unique. Collisions are rare, so usually nothing
//! is padded; an embedder invoking an exported function whose signature was padded passes the
//! extra zeros (compare the lowered signature's length with the original's).
//!
//! # Cost shape
//! `cargo run -p zkc-softfloat --example costs` prints the IR instructions each lowered
//! operation executes (in the interpreter, call and constants included) on typical and special
//! operands.

mod builder;
mod lower;
mod routines;

pub use lower::{int_type, SigPlan};
pub use routines::{Fmt, RoundMode, Rt, PREFIX};

use std::fmt;
use zkc_ir::Module;

/// Why a module could not be lowered: it uses a float operation that does not exist (a
/// malformed module the verifier would also reject).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LowerError {
    Invalid(String),
}

impl fmt::Display for LowerError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            LowerError::Invalid(m) => write!(f, "float lowering: {m}"),
        }
    }
}

impl std::error::Error for LowerError {}

/// Rewrites every float type and operation of `module` into integer IR (see the crate docs).
pub fn lower_floats(module: &mut Module) -> Result<(), LowerError> {
    lower::lower_module(module)
}

/// `Ok` when no float type or float operation is left in `module`; else where one is.
pub fn float_free(module: &Module) -> Result<(), String> {
    use zkc_ir::{ConstExpr, GlobalInit, Op};
    let sig_ok = |s: &zkc_ir::Signature| !s.params.iter().chain(&s.results).any(|t| t.is_float());
    for s in module.sigs.values() {
        if !sig_ok(s) {
            return Err(format!("signature {s}"));
        }
    }
    for g in module.globals.values() {
        let init_float =
            matches!(&g.init, GlobalInit::Const(ConstExpr::Value { ty, .. }) if ty.is_float());
        if g.ty.is_float() || init_float {
            return Err(format!("global %{}", g.name));
        }
    }
    for f in module.funcs.values() {
        if !sig_ok(&f.sig) {
            return Err(format!("signature of @{}", f.name));
        }
        let Some(body) = f.body() else { continue };
        for &b in &body.layout {
            for &v in &body.blocks[b].params {
                if body.value_type(v).is_float() {
                    return Err(format!("@{} {b}: parameter {v}", f.name));
                }
            }
            for &i in &body.blocks[b].insts {
                let d = &body.insts[i];
                let float_op = match &d.op {
                    Op::Const { ty, .. }
                    | Op::Unary { ty, .. }
                    | Op::Binary { ty, .. }
                    | Op::Compare { ty, .. }
                    | Op::Select { ty }
                    | Op::Load { ty, .. }
                    | Op::Store { ty, .. } => ty.is_float(),
                    Op::Convert(c) => {
                        let (a, r) = c.types();
                        a.is_float() || r.is_float()
                    }
                    _ => false,
                };
                let float_val = d.results.iter().any(|&v| body.value_type(v).is_float());
                if float_op || float_val {
                    return Err(format!("@{} {b}: {}", f.name, d.op.mnemonic()));
                }
            }
        }
    }
    Ok(())
}

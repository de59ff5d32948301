//! Exact IEEE-754 `f32`/`f64` for ZisK, which has no floating-point unit.
//!
//! (docs being written)

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
    let sig_ok = |s: &zkc_ir::Signature| s.params.iter().chain(&s.results).all(|t| t.is_int());
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

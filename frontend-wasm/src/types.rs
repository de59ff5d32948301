//! Wasm types as zkc IR types: value types, reference types and the types section.

use crate::error::FrontendError;
use wasmparser::{RefType, ValType};
use zkc_ir::{Signature, Type};

/// Converts a wasm value type: the number types and wasm 2.0's `funcref` and `externref`.
pub fn val_type(ty: ValType, offset: u64) -> Result<Type, FrontendError> {
    match ty {
        ValType::I32 => Ok(Type::I32),
        ValType::I64 => Ok(Type::I64),
        ValType::F32 => Ok(Type::F32),
        ValType::F64 => Ok(Type::F64),
        ValType::V128 => Err(FrontendError::unsupported("SIMD", offset)),
        ValType::Ref(r) => ref_type(r, offset),
    }
}

/// `funcref` and `externref`. A typed function reference (`(ref null $t)`, `(ref func)`) is
/// a `funcref` to zkc; other heap types (GC, exceptions) are refused.
pub fn ref_type(r: RefType, offset: u64) -> Result<Type, FrontendError> {
    use wasmparser::{AbstractHeapType as A, HeapType as H};
    match r.heap_type() {
        H::Abstract {
            shared: false,
            ty: A::Func | A::NoFunc,
        }
        | H::Concrete(_)
        | H::Exact(_) => Ok(Type::FuncRef),
        H::Abstract {
            shared: false,
            ty: A::Extern | A::NoExtern,
        } => Ok(Type::ExternRef),
        _ => {
            let mut e = FrontendError::unsupported("GC", offset);
            e.message = format!("values of type {}", ref_name(r));
            Err(e)
        }
    }
}

/// The module's types section, as zkc signatures; `Err` holds the offset and reference type of
/// the first non-number type (refused only when something uses the type).
#[derive(Default)]
pub struct Types(pub(crate) Vec<Result<Signature, (u64, ValType)>>);

impl Types {
    pub fn sig(&self, index: u32, use_offset: u64) -> Result<&Signature, FrontendError> {
        match self.0.get(index as usize) {
            Some(Ok(s)) => Ok(s),
            Some(Err((_, ty))) => val_type(*ty, use_offset).map(|_| unreachable!()),
            None => Err(FrontendError::invalid(
                format!("unknown type {index}"),
                Some(use_offset),
            )),
        }
    }
}

fn ref_name(r: RefType) -> &'static str {
    if r.is_func_ref() {
        "funcref"
    } else if r.is_extern_ref() {
        "externref"
    } else {
        "a reference type"
    }
}

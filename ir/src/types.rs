//! Value types and signatures.

use std::fmt;

/// The four wasm number types and wasm 2.0's two reference types.
///
/// A reference is an opaque value; its bits (how the interpreter and the backends hold it)
/// are `0` for null, `index + 1` for a function reference to function `index`
/// (`funcref`), and `n + 1` for the host's `externref` number `n`. Numbers and references
/// never convert into one another: the only operations on references are `T.null`,
/// `T.is_null`, `ref.func`, `T.select`, globals, block parameters, calls and tables.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum Type {
    I32,
    I64,
    F32,
    F64,
    /// A nullable reference to a function (wasm's `funcref`).
    FuncRef,
    /// A nullable reference to a host object (wasm's `externref`).
    ExternRef,
}

impl Type {
    pub const ALL: [Type; 6] = [
        Type::I32,
        Type::I64,
        Type::F32,
        Type::F64,
        Type::FuncRef,
        Type::ExternRef,
    ];
    /// The number types.
    pub const NUM: [Type; 4] = [Type::I32, Type::I64, Type::F32, Type::F64];

    pub fn name(self) -> &'static str {
        match self {
            Type::I32 => "i32",
            Type::I64 => "i64",
            Type::F32 => "f32",
            Type::F64 => "f64",
            Type::FuncRef => "funcref",
            Type::ExternRef => "externref",
        }
    }

    pub fn from_name(s: &str) -> Option<Type> {
        Type::ALL.into_iter().find(|t| t.name() == s)
    }

    pub fn is_int(self) -> bool {
        matches!(self, Type::I32 | Type::I64)
    }

    pub fn is_float(self) -> bool {
        matches!(self, Type::F32 | Type::F64)
    }

    pub fn is_ref(self) -> bool {
        matches!(self, Type::FuncRef | Type::ExternRef)
    }

    /// Width in bits (a reference is held in 64).
    pub fn bits(self) -> u32 {
        match self {
            Type::I32 | Type::F32 => 32,
            Type::I64 | Type::F64 | Type::FuncRef | Type::ExternRef => 64,
        }
    }

    /// Keeps the low `bits()` bits of a raw 64-bit pattern (the canonical form of a constant).
    pub fn truncate(self, bits: u64) -> u64 {
        if self.bits() == 32 {
            bits & 0xffff_ffff
        } else {
            bits
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A function type: parameter and result types. Text: `(i32, i64) -> (i32)`; a single result
/// prints without parentheses, no result prints no arrow.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub struct Signature {
    pub params: Vec<Type>,
    pub results: Vec<Type>,
}

impl Signature {
    pub fn new(params: Vec<Type>, results: Vec<Type>) -> Self {
        Signature { params, results }
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("(")?;
        for (i, t) in self.params.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{t}")?;
        }
        f.write_str(")")?;
        match self.results.as_slice() {
            [] => Ok(()),
            [t] => write!(f, " -> {t}"),
            ts => {
                f.write_str(" -> (")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str(")")
            }
        }
    }
}

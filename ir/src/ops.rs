//! Operations. Their text names are wasm's own mnemonics (`i32.add`, `i64.extend_i32_u`,
//! `f64.convert_i32_s`), so a wasm reader recognizes every line of an IR dump.
//!
//! Pure operations (`Op::is_pure`) have no effect and cannot trap: the optimizer may treat them
//! as a dataflow graph. Every other operation (loads, stores, calls, trapping arithmetic,
//! machine-level I/O) keeps its position in its block.

use crate::entities::{DataId, ElemId, FuncId, GlobalId, SigId, TableId};
use crate::types::Type;

/// Declares a field-less enum together with its text names.
macro_rules! named_enum {
    ($(#[$m:meta])* $name:ident { $($var:ident = $text:literal,)* }) => {
        $(#[$m])*
        #[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
        pub enum $name { $($var,)* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var,)*];
            /// The text name.
            pub fn name(self) -> &'static str {
                match self { $($name::$var => $text,)* }
            }
            /// Looks a text name up.
            pub fn from_name(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$var),)* _ => None }
            }
        }
    };
}

named_enum! {
    /// One-operand operations whose result has the operand's type, and `eqz` (result i32).
    UnaryOp {
        Clz = "clz", Ctz = "ctz", Popcnt = "popcnt", Eqz = "eqz",
        Extend8S = "extend8_s", Extend16S = "extend16_s", Extend32S = "extend32_s",
        Abs = "abs", Neg = "neg", Sqrt = "sqrt", Ceil = "ceil", Floor = "floor",
        Trunc = "trunc", Nearest = "nearest",
    }
}

named_enum! {
    /// Two-operand operations whose operands and result share one type.
    BinaryOp {
        Add = "add", Sub = "sub", Mul = "mul",
        DivS = "div_s", DivU = "div_u", RemS = "rem_s", RemU = "rem_u",
        And = "and", Or = "or", Xor = "xor",
        Shl = "shl", ShrS = "shr_s", ShrU = "shr_u", Rotl = "rotl", Rotr = "rotr",
        Div = "div", Min = "min", Max = "max", Copysign = "copysign",
        MulHiU = "mul_hi_u",
    }
}

named_enum! {
    /// Comparisons; the result is an i32 0 or 1.
    CmpOp {
        Eq = "eq", Ne = "ne",
        LtS = "lt_s", LtU = "lt_u", GtS = "gt_s", GtU = "gt_u",
        LeS = "le_s", LeU = "le_u", GeS = "ge_s", GeU = "ge_u",
        Lt = "lt", Gt = "gt", Le = "le", Ge = "ge",
    }
}

named_enum! {
    /// Conversions between types; the name is the full wasm mnemonic.
    ConvOp {
        I32WrapI64 = "i32.wrap_i64",
        I64ExtendI32S = "i64.extend_i32_s", I64ExtendI32U = "i64.extend_i32_u",
        I32TruncF32S = "i32.trunc_f32_s", I32TruncF32U = "i32.trunc_f32_u",
        I32TruncF64S = "i32.trunc_f64_s", I32TruncF64U = "i32.trunc_f64_u",
        I64TruncF32S = "i64.trunc_f32_s", I64TruncF32U = "i64.trunc_f32_u",
        I64TruncF64S = "i64.trunc_f64_s", I64TruncF64U = "i64.trunc_f64_u",
        I32TruncSatF32S = "i32.trunc_sat_f32_s", I32TruncSatF32U = "i32.trunc_sat_f32_u",
        I32TruncSatF64S = "i32.trunc_sat_f64_s", I32TruncSatF64U = "i32.trunc_sat_f64_u",
        I64TruncSatF32S = "i64.trunc_sat_f32_s", I64TruncSatF32U = "i64.trunc_sat_f32_u",
        I64TruncSatF64S = "i64.trunc_sat_f64_s", I64TruncSatF64U = "i64.trunc_sat_f64_u",
        F32ConvertI32S = "f32.convert_i32_s", F32ConvertI32U = "f32.convert_i32_u",
        F32ConvertI64S = "f32.convert_i64_s", F32ConvertI64U = "f32.convert_i64_u",
        F64ConvertI32S = "f64.convert_i32_s", F64ConvertI32U = "f64.convert_i32_u",
        F64ConvertI64S = "f64.convert_i64_s", F64ConvertI64U = "f64.convert_i64_u",
        F32DemoteF64 = "f32.demote_f64", F64PromoteF32 = "f64.promote_f32",
        I32ReinterpretF32 = "i32.reinterpret_f32", I64ReinterpretF64 = "i64.reinterpret_f64",
        F32ReinterpretI32 = "f32.reinterpret_i32", F64ReinterpretI64 = "f64.reinterpret_i64",
    }
}

named_enum! {
    /// Why a program stopped abnormally. The message is the one the wasm spec tests expect.
    TrapCode {
        Unreachable = "unreachable",
        IntDivByZero = "int_divz",
        IntOverflow = "int_ovf",
        MemoryOutOfBounds = "heap_oob",
        TableOutOfBounds = "table_oob",
        UndefinedElement = "undef_elem",
        UninitializedElement = "null_elem",
        BadSignature = "bad_sig",
        StackOverflow = "stk_ovf",
        BadConversion = "bad_toint",
    }
}

impl TrapCode {
    /// The message wasm engines (and the spec test suite) use for this trap.
    pub fn message(self) -> &'static str {
        match self {
            TrapCode::Unreachable => "unreachable",
            TrapCode::IntDivByZero => "integer divide by zero",
            TrapCode::IntOverflow => "integer overflow",
            TrapCode::MemoryOutOfBounds => "out of bounds memory access",
            TrapCode::TableOutOfBounds => "out of bounds table access",
            TrapCode::UndefinedElement => "undefined element",
            TrapCode::UninitializedElement => "uninitialized element",
            TrapCode::BadSignature => "indirect call type mismatch",
            TrapCode::StackOverflow => "call stack exhausted",
            TrapCode::BadConversion => "invalid conversion to integer",
        }
    }
}

impl ConvOp {
    /// (operand type, result type).
    pub fn types(self) -> (Type, Type) {
        use ConvOp::*;
        use Type::*;
        match self {
            I32WrapI64 => (I64, I32),
            I64ExtendI32S | I64ExtendI32U => (I32, I64),
            I32TruncF32S | I32TruncF32U | I32TruncSatF32S | I32TruncSatF32U | I32ReinterpretF32 => {
                (F32, I32)
            }
            I32TruncF64S | I32TruncF64U | I32TruncSatF64S | I32TruncSatF64U => (F64, I32),
            I64TruncF32S | I64TruncF32U | I64TruncSatF32S | I64TruncSatF32U => (F32, I64),
            I64TruncF64S | I64TruncF64U | I64TruncSatF64S | I64TruncSatF64U | I64ReinterpretF64 => {
                (F64, I64)
            }
            F32ConvertI32S | F32ConvertI32U | F32ReinterpretI32 => (I32, F32),
            F32ConvertI64S | F32ConvertI64U => (I64, F32),
            F64ConvertI32S | F64ConvertI32U => (I32, F64),
            F64ConvertI64S | F64ConvertI64U | F64ReinterpretI64 => (I64, F64),
            F32DemoteF64 => (F64, F32),
            F64PromoteF32 => (F32, F64),
        }
    }

    /// Whether the conversion traps on NaN or out-of-range input.
    pub fn can_trap(self) -> bool {
        use ConvOp::*;
        matches!(
            self,
            I32TruncF32S
                | I32TruncF32U
                | I32TruncF64S
                | I32TruncF64U
                | I64TruncF32S
                | I64TruncF32U
                | I64TruncF64S
                | I64TruncF64U
        )
    }
}

impl UnaryOp {
    /// Whether the operation exists for operands of type `ty`.
    pub fn valid_for(self, ty: Type) -> bool {
        use UnaryOp::*;
        match self {
            Clz | Ctz | Popcnt | Eqz | Extend8S | Extend16S => ty.is_int(),
            Extend32S => ty == Type::I64,
            Abs | Neg | Sqrt | Ceil | Floor | Trunc | Nearest => ty.is_float(),
        }
    }
}

impl BinaryOp {
    /// Whether the operation exists for operands of type `ty`.
    pub fn valid_for(self, ty: Type) -> bool {
        use BinaryOp::*;
        match self {
            Add | Sub | Mul => !ty.is_ref(),
            DivS | DivU | RemS | RemU | And | Or | Xor | Shl | ShrS | ShrU | Rotl | Rotr => {
                ty.is_int()
            }
            Div | Min | Max | Copysign => ty.is_float(),
            // Not a wasm instruction: the high 64 bits of the unsigned 128-bit product (ZisK's
            // `muluh`), for the soft-float routines.
            MulHiU => ty == Type::I64,
        }
    }

    /// Integer division and remainder trap on a zero divisor (and `div_s` on overflow).
    pub fn can_trap(self, ty: Type) -> bool {
        use BinaryOp::*;
        ty.is_int() && matches!(self, DivS | DivU | RemS | RemU)
    }
}

impl CmpOp {
    /// `y op' x` for `x op y`: the comparison with its operands swapped.
    pub fn swapped(self) -> CmpOp {
        use CmpOp::*;
        match self {
            LtS => GtS,
            GtS => LtS,
            LeS => GeS,
            GeS => LeS,
            LtU => GtU,
            GtU => LtU,
            LeU => GeU,
            GeU => LeU,
            Lt => Gt,
            Gt => Lt,
            Le => Ge,
            Ge => Le,
            Eq | Ne => self,
        }
    }

    /// `!(x op y)` as one comparison, for integers (a float comparison with a NaN operand is
    /// false both ways: those have none).
    pub fn negated(self) -> Option<CmpOp> {
        use CmpOp::*;
        Some(match self {
            Eq => Ne,
            Ne => Eq,
            LtS => GeS,
            GeS => LtS,
            LeS => GtS,
            GtS => LeS,
            LtU => GeU,
            GeU => LtU,
            LeU => GtU,
            GtU => LeU,
            Lt | Gt | Le | Ge => return None,
        })
    }

    /// Whether the comparison exists for operands of type `ty`.
    pub fn valid_for(self, ty: Type) -> bool {
        use CmpOp::*;
        match self {
            Eq | Ne => !ty.is_ref(),
            LtS | LtU | GtS | GtU | LeS | LeU | GeS | GeU => ty.is_int(),
            Lt | Gt | Le | Ge => ty.is_float(),
        }
    }
}

/// Access width of a linear-memory load or store, in bytes: 1, 2, 4 or 8.
pub type Width = u8;

/// An operation with its immediates. Value operands live in `InstData::args`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Op {
    /// `i32.const 7`, `f64.const 0x3ff0000000000000` (raw bits, canonical: truncated to the
    /// type's width). No operands.
    Const { ty: Type, bits: u64 },
    /// `i32.clz x`.
    Unary { op: UnaryOp, ty: Type },
    /// `i64.add x, y`.
    Binary { op: BinaryOp, ty: Type },
    /// `i32.lt_u x, y`: result i32.
    Compare { op: CmpOp, ty: Type },
    /// `i64.extend_i32_u x`.
    Convert(ConvOp),
    /// `i32.select a, b, c`: `c != 0 ? a : b` (wasm's operand order); also over references
    /// (`funcref.select`).
    Select { ty: Type },
    /// `funcref.null`, `externref.null` (wasm's `ref.null func|extern`): the null reference.
    RefNull(Type),
    /// `funcref.is_null r` (wasm's `ref.is_null`): i32 1 when `r` is null, else 0.
    RefIsNull(Type),
    /// `ref.func @f`: a reference to function `f`.
    RefFunc(FuncId),
    /// `funcref.to_bits r`: the i64 representation of a reference (0 for null, else
    /// index plus one). Not a wasm operation: for embedders, such as the spec-test driver,
    /// that pass references out of compiled code.
    RefToBits(Type),
    /// `externref.from_bits x`: the host reference whose representation is the i64 `x`
    /// (0 is null). Only for `externref`, whose values are the host's to choose.
    RefFromBits(Type),
    /// `i32.load8_u addr offset=4`: loads `width` bytes at `addr + offset` from linear memory,
    /// extended to `ty` (sign-extended when `signed`). Operand: i32 address. `notrap` (text:
    /// `notrap` after the offset) records that a check before it proved the access inside the
    /// memory (`opt`'s loop versioning), so the backend emits no bounds check for it; the
    /// interpreter checks it all the same, and a wrong mark shows as a divergence there.
    Load {
        ty: Type,
        width: Width,
        signed: bool,
        offset: u32,
        notrap: bool,
    },
    /// `i32.store8 addr, x offset=4`. Operands: i32 address, value of type `ty`; `notrap` as
    /// for loads.
    Store {
        ty: Type,
        width: Width,
        offset: u32,
        notrap: bool,
    },
    /// `global.get %g`.
    GlobalGet(GlobalId),
    /// `global.set %g, x`.
    GlobalSet(GlobalId),
    /// `memory.size`: pages, i32.
    MemorySize,
    /// `memory.grow n`: old size in pages or -1.
    MemoryGrow,
    /// `memory.copy dst, src, n`.
    MemoryCopy,
    /// `memory.fill dst, byte, n`.
    MemoryFill,
    /// `memory.init d0, dst, src, n`.
    MemoryInit(DataId),
    /// `data.drop d0`.
    DataDrop(DataId),
    /// `table.size t0`.
    TableSize(TableId),
    /// `table.get t0, i`: entry `i` (out of bounds traps `table_oob`).
    TableGet(TableId),
    /// `table.set t0, i, r`.
    TableSet(TableId),
    /// `table.grow t0, r, n`: appends `n` entries set to `r`; the old size, or -1 (and no
    /// change) past the table's maximum.
    TableGrow(TableId),
    /// `table.fill t0, i, r, n`: sets entries `i..i + n` to `r`.
    TableFill(TableId),
    /// `table.init t0, e0, dst, src, n`.
    TableInit { table: TableId, elem: ElemId },
    /// `table.copy t0, t1, dst, src, n` (destination table first).
    TableCopy { dst: TableId, src: TableId },
    /// `elem.drop e0`.
    ElemDrop(ElemId),
    /// `call @f(args)`.
    Call(FuncId),
    /// `call_indirect t0, sig1, index(args)`: the callee index is the last operand.
    CallIndirect { table: TableId, sig: SigId },
    /// `zisk.load64 addr`: reads `width` bytes at an absolute ZisK address (i64 operand),
    /// zero-extended to i64. For the runtime (input region, system memory).
    MachLoad { width: Width },
    /// `zisk.store8 addr, x`: writes the low `width` bytes of an i64 at an absolute ZisK address.
    MachStore { width: Width },
    /// `zisk.uart x`: writes the low byte of an i32 to the console.
    Uart,
    /// `zisk.pubout index, x`: publishes the i32 `x` as public output word `index`.
    PubOut,
}

impl Op {
    /// Pure: no effect, no trap, result determined by the operands.
    pub fn is_pure(&self) -> bool {
        match self {
            // `ref.null`, `ref.func` and `ref.is_null` have no effect either, but stay ordered
            // until the optimizer's e-graph has nodes for them.
            Op::Const { .. } | Op::Unary { .. } | Op::Compare { .. } | Op::Select { .. } => true,
            Op::Binary { op, ty } => !op.can_trap(*ty),
            Op::Convert(c) => !c.can_trap(),
            _ => false,
        }
    }

    /// Mnemonic for the type-prefixed families, e.g. `i64.load16_s`.
    pub fn mnemonic(&self) -> String {
        match self {
            Op::Const { ty, .. } => format!("{ty}.const"),
            Op::Unary { op, ty } => format!("{ty}.{}", op.name()),
            Op::Binary { op, ty } => format!("{ty}.{}", op.name()),
            Op::Compare { op, ty } => format!("{ty}.{}", op.name()),
            Op::Convert(c) => c.name().to_string(),
            Op::Select { ty } => format!("{ty}.select"),
            Op::RefNull(ty) => format!("{ty}.null"),
            Op::RefIsNull(ty) => format!("{ty}.is_null"),
            Op::RefFunc(_) => "ref.func".into(),
            Op::RefToBits(ty) => format!("{ty}.to_bits"),
            Op::RefFromBits(ty) => format!("{ty}.from_bits"),
            Op::Load {
                ty, width, signed, ..
            } => {
                if u32::from(*width) * 8 == ty.bits() {
                    format!("{ty}.load")
                } else {
                    format!("{ty}.load{}_{}", width * 8, if *signed { 's' } else { 'u' })
                }
            }
            Op::Store { ty, width, .. } => {
                if u32::from(*width) * 8 == ty.bits() {
                    format!("{ty}.store")
                } else {
                    format!("{ty}.store{}", width * 8)
                }
            }
            Op::GlobalGet(_) => "global.get".into(),
            Op::GlobalSet(_) => "global.set".into(),
            Op::MemorySize => "memory.size".into(),
            Op::MemoryGrow => "memory.grow".into(),
            Op::MemoryCopy => "memory.copy".into(),
            Op::MemoryFill => "memory.fill".into(),
            Op::MemoryInit(_) => "memory.init".into(),
            Op::DataDrop(_) => "data.drop".into(),
            Op::TableSize(_) => "table.size".into(),
            Op::TableGet(_) => "table.get".into(),
            Op::TableSet(_) => "table.set".into(),
            Op::TableGrow(_) => "table.grow".into(),
            Op::TableFill(_) => "table.fill".into(),
            Op::TableInit { .. } => "table.init".into(),
            Op::TableCopy { .. } => "table.copy".into(),
            Op::ElemDrop(_) => "elem.drop".into(),
            Op::Call(_) => "call".into(),
            Op::CallIndirect { .. } => "call_indirect".into(),
            Op::MachLoad { width } => format!("zisk.load{}", width * 8),
            Op::MachStore { width } => format!("zisk.store{}", width * 8),
            Op::Uart => "zisk.uart".into(),
            Op::PubOut => "zisk.pubout".into(),
        }
    }
}

/// Whether `width` bytes is a legal linear-memory access of a value of type `ty`.
pub fn valid_width(ty: Type, width: Width) -> bool {
    match ty {
        Type::I32 => matches!(width, 1 | 2 | 4),
        Type::I64 => matches!(width, 1 | 2 | 4 | 8),
        Type::F32 => width == 4,
        Type::F64 => width == 8,
        Type::FuncRef | Type::ExternRef => false,
    }
}

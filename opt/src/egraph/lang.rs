//! The e-graph language of pure IR operations, constant folding, and the ZisK cost function.

use egg::{Analysis, CostFunction, DidMerge, EGraph, FromOp, FromOpError, Id, Language};
use std::fmt;
use std::str::FromStr;
use zkc_ir::{BinaryOp, CmpOp, ConvOp, Op, Type, UnaryOp, Value};
use zkc_zisk_machine::Op as ZOp;

/// A typed constant: raw bits truncated to the type. Text: `i32#-1`, `f64#0x3ff0000000000000`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Konst {
    pub ty: Type,
    pub bits: u64,
}

impl Konst {
    pub fn new(ty: Type, bits: u64) -> Self {
        Konst {
            ty,
            bits: ty.truncate(bits),
        }
    }
    /// The value sign-extended from the type's width.
    pub fn signed(self) -> i64 {
        match self.ty.bits() {
            32 => self.bits as u32 as i32 as i64,
            _ => self.bits as i64,
        }
    }
}

impl fmt::Display for Konst {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.ty.is_int() {
            write!(f, "{}#{}", self.ty, self.signed())
        } else {
            write!(f, "{}#{:#x}", self.ty, self.bits)
        }
    }
}

impl FromStr for Konst {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let (t, n) = s.split_once('#').ok_or(())?;
        let ty = Type::from_name(t).ok_or(())?;
        let bits = if let Some(h) = n.strip_prefix("0x") {
            u64::from_str_radix(h, 16).map_err(|_| ())?
        } else if let Ok(x) = n.parse::<i64>() {
            x as u64
        } else {
            n.parse::<u64>().map_err(|_| ())?
        };
        Ok(Konst::new(ty, bits))
    }
}

/// An opaque IR value: a block parameter, another block's value, an effectful result.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Leaf(pub Value);

impl fmt::Display for Leaf {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for Leaf {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let n: u32 = s.strip_prefix('v').ok_or(())?.parse().map_err(|_| ())?;
        Ok(Leaf(zkc_ir::EntityRef::new(n as usize)))
    }
}

/// A pure operation with its type; text is the IR mnemonic (`i32.add`).
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum Key {
    Un(UnaryOp, Type),
    Bin(BinaryOp, Type),
    Cmp(CmpOp, Type),
    Conv(ConvOp),
    Select(Type),
}

impl Key {
    pub fn op(self) -> Op {
        match self {
            Key::Un(op, ty) => Op::Unary { op, ty },
            Key::Bin(op, ty) => Op::Binary { op, ty },
            Key::Cmp(op, ty) => Op::Compare { op, ty },
            Key::Conv(c) => Op::Convert(c),
            Key::Select(ty) => Op::Select { ty },
        }
    }

    pub fn of(op: &Op) -> Option<Key> {
        Some(match *op {
            Op::Unary { op, ty } => Key::Un(op, ty),
            Op::Binary { op, ty } => Key::Bin(op, ty),
            Op::Compare { op, ty } => Key::Cmp(op, ty),
            Op::Convert(c) => Key::Conv(c),
            Op::Select { ty } => Key::Select(ty),
            _ => return None,
        })
    }

    /// Result type.
    pub fn result_ty(self) -> Type {
        match self {
            Key::Un(UnaryOp::Eqz, _) | Key::Cmp(..) => Type::I32,
            Key::Un(_, ty) | Key::Bin(_, ty) | Key::Select(ty) => ty,
            Key::Conv(c) => c.types().1,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.op().mnemonic())
    }
}

impl FromStr for Key {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        if let Some(c) = ConvOp::from_name(s) {
            return if c.can_trap() {
                Err(())
            } else {
                Ok(Key::Conv(c))
            };
        }
        let (t, n) = s.split_once('.').ok_or(())?;
        let ty = Type::from_name(t).ok_or(())?;
        let key = if n == "select" {
            Key::Select(ty)
        } else if let Some(op) = UnaryOp::from_name(n).filter(|o| o.valid_for(ty)) {
            Key::Un(op, ty)
        } else if let Some(op) = BinaryOp::from_name(n).filter(|o| o.valid_for(ty)) {
            Key::Bin(op, ty)
        } else if let Some(op) = CmpOp::from_name(n).filter(|o| o.valid_for(ty)) {
            Key::Cmp(op, ty)
        } else {
            return Err(());
        };
        if key.op().is_pure() {
            Ok(key)
        } else {
            Err(())
        }
    }
}

/// The pure operations of the IR, over constants and opaque leaves.
///
/// `egg::define_language!` would make the discriminant the variant alone, so every rule rooted
/// at a binary operation would scan every binary e-class of the graph. Written out here, the
/// discriminant is the operation itself ([`ZirOp`]): a rule looks only at the e-classes that
/// hold its root operation (the search is the same, the e-graph's time is a fraction).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Clone)]
pub enum Zir {
    Const(Konst),
    Leaf(Leaf),
    Op1(Key, [Id; 1]),
    Op2(Key, [Id; 2]),
    Op3(Key, [Id; 3]),
}

/// What a [`Zir`] e-node is, without its operands: the e-graph's index of e-classes by
/// operation.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ZirOp {
    Const,
    Leaf,
    Op(Key, u8),
}

impl Language for Zir {
    type Discriminant = ZirOp;

    fn discriminant(&self) -> ZirOp {
        match self {
            Zir::Const(_) => ZirOp::Const,
            Zir::Leaf(_) => ZirOp::Leaf,
            Zir::Op1(k, _) => ZirOp::Op(*k, 1),
            Zir::Op2(k, _) => ZirOp::Op(*k, 2),
            Zir::Op3(k, _) => ZirOp::Op(*k, 3),
        }
    }

    fn matches(&self, other: &Self) -> bool {
        match (self, other) {
            (Zir::Const(a), Zir::Const(b)) => a == b,
            (Zir::Leaf(a), Zir::Leaf(b)) => a == b,
            (Zir::Op1(a, _), Zir::Op1(b, _))
            | (Zir::Op2(a, _), Zir::Op2(b, _))
            | (Zir::Op3(a, _), Zir::Op3(b, _)) => a == b,
            _ => false,
        }
    }

    fn children(&self) -> &[Id] {
        match self {
            Zir::Const(_) | Zir::Leaf(_) => &[],
            Zir::Op1(_, ids) => ids,
            Zir::Op2(_, ids) => ids,
            Zir::Op3(_, ids) => ids,
        }
    }

    fn children_mut(&mut self) -> &mut [Id] {
        match self {
            Zir::Const(_) | Zir::Leaf(_) => &mut [],
            Zir::Op1(_, ids) => ids,
            Zir::Op2(_, ids) => ids,
            Zir::Op3(_, ids) => ids,
        }
    }
}

impl fmt::Display for Zir {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Zir::Const(k) => fmt::Display::fmt(k, f),
            Zir::Leaf(l) => fmt::Display::fmt(l, f),
            Zir::Op1(k, _) | Zir::Op2(k, _) | Zir::Op3(k, _) => fmt::Display::fmt(k, f),
        }
    }
}

/// The s-expression syntax of patterns and tests: a constant (`i32#-1`), a leaf (`v3`), or an
/// operation's mnemonic with one to three operands.
impl FromOp for Zir {
    type Error = FromOpError;

    fn from_op(op: &str, children: Vec<Id>) -> Result<Self, FromOpError> {
        if children.is_empty() {
            if let Ok(k) = op.parse() {
                return Ok(Zir::Const(k));
            }
            if let Ok(l) = op.parse() {
                return Ok(Zir::Leaf(l));
            }
        } else if let Ok(k) = op.parse::<Key>() {
            match *children.as_slice() {
                [a] => return Ok(Zir::Op1(k, [a])),
                [a, b] => return Ok(Zir::Op2(k, [a, b])),
                [a, b, c] => return Ok(Zir::Op3(k, [a, b, c])),
                _ => {}
            }
        }
        Err(FromOpError::new(op, children))
    }
}

/// The e-node of a pure IR operation over `kids`.
pub fn node_of(op: &Op, kids: &[Id], _result_ty: Type) -> Zir {
    if let Op::Const { ty, bits } = *op {
        return Zir::Const(Konst::new(ty, bits));
    }
    let k = Key::of(op).expect("pure op");
    match kids {
        [a] => Zir::Op1(k, [*a]),
        [a, b] => Zir::Op2(k, [*a, *b]),
        [a, b, c] => Zir::Op3(k, [*a, *b, *c]),
        _ => unreachable!("pure ops take 1 to 3 operands"),
    }
}

/// The IR operation of an e-node and its result type.
pub fn op_of(node: &Zir, _arg_tys: &[Type]) -> (Op, Type) {
    match node {
        Zir::Op1(k, _) | Zir::Op2(k, _) | Zir::Op3(k, _) => (k.op(), k.result_ty()),
        Zir::Const(k) => (
            Op::Const {
                ty: k.ty,
                bits: k.bits,
            },
            k.ty,
        ),
        Zir::Leaf(_) => unreachable!("leaves are not emitted"),
    }
}

/// Per-class facts: the constant value, and whether the value is 0 or 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Facts {
    pub konst: Option<Konst>,
    pub boolean: bool,
}

/// Constant folding with wasm's exact semantics.
#[derive(Default)]
pub struct Fold;

impl Analysis<Zir> for Fold {
    type Data = Facts;

    fn make(egraph: &mut EGraph<Zir, Self>, enode: &Zir, _id: Id) -> Facts {
        let k = |i: &Id| egraph[*i].data.konst;
        let b = |i: &Id| egraph[*i].data.boolean;
        let konst = match enode {
            Zir::Const(c) => Some(*c),
            Zir::Leaf(_) => None,
            Zir::Op1(key, [a]) => k(a).and_then(|a| eval(*key, &[a])),
            Zir::Op2(key, [a, c]) => match (k(a), k(c)) {
                (Some(a), Some(c)) => eval(*key, &[a, c]),
                _ => None,
            },
            Zir::Op3(key, [a, c, d]) => match (k(a), k(c), k(d)) {
                (Some(a), Some(c), Some(d)) => eval(*key, &[a, c, d]),
                _ => None,
            },
        };
        let boolean = match konst {
            Some(c) => c.ty == Type::I32 && c.bits <= 1,
            None => match enode {
                Zir::Op1(Key::Un(UnaryOp::Eqz, _), _) | Zir::Op2(Key::Cmp(..), _) => true,
                Zir::Op2(Key::Bin(BinaryOp::And, Type::I32), [x, y]) => b(x) || b(y),
                Zir::Op2(Key::Bin(BinaryOp::Or | BinaryOp::Xor, Type::I32), [x, y]) => b(x) && b(y),
                Zir::Op3(Key::Select(Type::I32), [x, y, _]) => b(x) && b(y),
                _ => false,
            },
        };
        Facts { konst, boolean }
    }

    fn merge(&mut self, to: &mut Facts, from: Facts) -> DidMerge {
        let mut changed_to = false;
        if to.konst.is_none() && from.konst.is_some() {
            to.konst = from.konst;
            changed_to = true;
        }
        debug_assert!(
            from.konst.is_none() || to.konst == from.konst,
            "merged classes with different constants: {to:?} {from:?}"
        );
        if !to.boolean && from.boolean {
            to.boolean = true;
            changed_to = true;
        }
        DidMerge(
            changed_to,
            to.konst != from.konst || to.boolean != from.boolean,
        )
    }

    fn modify(egraph: &mut EGraph<Zir, Self>, id: Id) {
        if let Some(c) = egraph[id].data.konst {
            let cid = egraph.add(Zir::Const(c));
            egraph.union(id, cid);
        }
    }
}

/// Evaluates an integer operation on constants by [`zkc_ir::semantics`]; `None` for floats
/// and conversions from floats (not folded: their NaN bits are the backend's business) and
/// for operations that would trap.
pub fn eval(key: Key, a: &[Konst]) -> Option<Konst> {
    use zkc_ir::semantics::{fold_binary, fold_compare, fold_convert, fold_unary};
    match key {
        Key::Select(ty) => Some(if a[2].bits != 0 {
            a[0]
        } else {
            Konst::new(ty, a[1].bits)
        }),
        Key::Conv(c @ (ConvOp::I32WrapI64 | ConvOp::I64ExtendI32U | ConvOp::I64ExtendI32S)) => {
            Some(Konst::new(c.types().1, fold_convert(c, a[0].bits)?))
        }
        Key::Un(op, ty) if ty.is_int() => Some(Konst::new(
            if op == UnaryOp::Eqz { Type::I32 } else { ty },
            fold_unary(op, ty, a[0].bits)?,
        )),
        Key::Bin(op, ty) if ty.is_int() => {
            Some(Konst::new(ty, fold_binary(op, ty, a[0].bits, a[1].bits)?))
        }
        Key::Cmp(op, ty) if ty.is_int() => Some(Konst::new(
            Type::I32,
            fold_compare(op, ty, a[0].bits, a[1].bits)?,
        )),
        _ => None,
    }
}

/// One ZisK step (TARGET.md §3: VARIABLE = 62 × steps + op costs + memory costs); the costs
/// are the machine's ([`zkc_zisk_machine::ops`]).
pub const STEP: u64 = zkc_zisk_machine::ops::MAIN_COST;
/// `add` (TARGET.md §2).
pub const COST_ADD: u64 = ZOp::Add.cost();
/// Every other ALU op, shifts, bit counts, sign extensions, compares.
pub const COST_ALU: u64 = ZOp::Ltu.cost();
/// `mul*`, `div*`, `rem*`.
pub const COST_MUL: u64 = ZOp::Mul.cost();
/// A float operation: a call into the soft-float runtime, far more than any integer op.
pub const COST_FLOAT: u64 = 2000;
/// Tie-breaker for forms ZisK does not have directly (`gt`, `ge`, `ne`): the canonical
/// swapped form wins when costs are otherwise equal.
pub const NONCANONICAL: u64 = 1;

/// Extraction cost: ZisK VARIABLE cost of computing the value. Constants are free (64-bit
/// immediates in any operand), leaves are free (already computed), `i32.wrap_i64` is free (i32
/// values live in 64-bit locations, only the low half meaningful) but counted 1 so extraction
/// never prefers a wrap for nothing. Costs saturate.
pub struct ZiskCost;

impl ZiskCost {
    pub fn node_cost(node: &Zir) -> u64 {
        let key = match node {
            Zir::Const(_) | Zir::Leaf(_) => return 0,
            Zir::Op1(k, _) | Zir::Op2(k, _) | Zir::Op3(k, _) => *k,
        };
        match key {
            Key::Conv(ConvOp::I32WrapI64) => 1,
            Key::Conv(ConvOp::I64ExtendI32S | ConvOp::I64ExtendI32U) => STEP + COST_ALU,
            Key::Conv(_) => COST_FLOAT,
            Key::Select(_) => 2 * STEP + COST_ALU,
            Key::Un(_, ty) | Key::Bin(_, ty) | Key::Cmp(_, ty) if ty.is_float() => COST_FLOAT,
            Key::Bin(BinaryOp::Add, _) => STEP + COST_ADD,
            Key::Bin(BinaryOp::Mul | BinaryOp::MulHiU, _) => STEP + COST_MUL,
            Key::Cmp(CmpOp::GtS | CmpOp::GtU | CmpOp::GeS | CmpOp::GeU | CmpOp::Ne, _) => {
                STEP + COST_ALU + NONCANONICAL
            }
            _ => STEP + COST_ALU,
        }
    }
}

impl CostFunction<Zir> for ZiskCost {
    type Cost = u64;
    fn cost<C>(&mut self, enode: &Zir, mut costs: C) -> u64
    where
        C: FnMut(Id) -> u64,
    {
        enode
            .children()
            .iter()
            .fold(Self::node_cost(enode), |acc, &c| {
                acc.saturating_add(costs(c))
            })
    }
}

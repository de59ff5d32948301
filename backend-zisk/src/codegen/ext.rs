//! Upper-bits facts: which integer values are already the zero- or sign-extension of their low
//! 32 bits, so that an address needs no `and 0xffffffff` before it is checked and used.
//!
//! An i32 keeps only its low 32 bits meaningful (module docs), so a wasm address is normally
//! zero-extended before its bounds check. Linear memory is smaller than 2 GiB (ZisK RAM is
//! 512 MiB), so an in-bounds address is below 2^31, where the zero- and the sign-extension
//! agree; an address whose low 32 bits are 2^31 or more is out of bounds either way, and its
//! sign-extension, read unsigned, is above every bound word. So the check
//! `leu([bound], addr)` is exact for an address that is either extension ([`Ext::any`]), and
//! the access can use it directly.
//!
//! Table indices (`br_table`, `call_indirect`) need none of this for correctness: their checks
//! compare the low 32 bits (`leu_w`) and an index of unknown upper bits is scaled by one `sll_w`
//! of its low bits; an extended one by `sll`, which the frequent-operation table makes free for
//! small indices (see [`narrowed`]).
//!
//! Most values are one or the other already: loads (zero-extended), the `_w` shifts, rotations,
//! divisions and bit counts (sign-extended), comparisons. Additions, subtractions and
//! multiplications use the 64-bit ops (`add` costs 21, `add_w` 55), whose upper bits are
//! garbage; the ones whose result reaches an address (through `and`/`or`/`xor`/`select` and
//! block parameters) are selected as `add_w`/`sub_w`/`mul_w` instead ([`ExtFacts::narrow`]):
//! 34 more for the addition, one `and` step (62 + 55) less for each access.
//!
//! Where the value ranges ([`zkc_ir::ranges`]) prove that an i32 addition or subtraction does
//! not wrap, the 64-bit op on sign-extended operands computes the sign extension of the i32
//! result: it is selected instead of the `_w` op (21 instead of 55) and its result is
//! sign-extended all the same ([`ExtFacts::exact`]). For that, an i32 constant reaching a block
//! parameter is sign-extended there, so that a counter starting at a negative constant stays
//! sign-extended around its loop.
//!
//! The facts are a forward dataflow over the SSA values (optimistic at block parameters,
//! iterated to the greatest fixpoint); for an i64 they say the same thing of the whole value.

use rustc_hash::FxHashSet as HashSet;

use zkc_ir::ranges::{Range, Ranges};
use zkc_ir::{
    BinaryOp, Block, ConvOp, Function, Inst, Op as IrOp, SecondaryMap, TermKind, Type, UnaryOp,
    Value, ValueDef,
};

/// What is known of a value's upper 32 bits.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Ext(u8);

impl Ext {
    /// Nothing known.
    pub const NONE: Ext = Ext(0);
    /// The upper 32 bits are zero.
    pub const ZERO: Ext = Ext(1);
    /// The upper 32 bits repeat bit 31.
    pub const SIGN: Ext = Ext(2);
    /// Both: the value is below 2^31.
    pub const BOTH: Ext = Ext(3);

    /// The facts of the 64-bit constant `bits`.
    pub fn of_bits(bits: u64) -> Ext {
        let z = if bits >> 32 == 0 {
            Ext::ZERO
        } else {
            Ext::NONE
        };
        let s = if bits as i32 as i64 as u64 == bits {
            Ext::SIGN
        } else {
            Ext::NONE
        };
        z | s
    }

    /// Either extension: usable as an address without masking.
    pub fn any(self) -> bool {
        self.0 != 0
    }
}

impl Ext {
    /// Whether every fact of `other` is one of `self`'s.
    pub fn contains(self, other: Ext) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for Ext {
    type Output = Ext;
    fn bitor(self, o: Ext) -> Ext {
        Ext(self.0 | o.0)
    }
}

impl std::ops::BitAnd for Ext {
    type Output = Ext;
    fn bitand(self, o: Ext) -> Ext {
        Ext(self.0 & o.0)
    }
}

pub(crate) struct ExtFacts {
    pub ext: SecondaryMap<Value, Ext>,
    /// i32 additions, subtractions and multiplications to select as their `_w` op.
    pub narrow: HashSet<Inst>,
    /// Values that come from outside the function's arithmetic (entry parameters, call
    /// results, globals) and reach an address: sign-extended where they are defined
    /// (`signextend_w` instead of their copy), once, rather than masked at every access.
    pub sext: HashSet<Value>,
    /// i32 additions and subtractions that cannot wrap, of sign-extended operands (or
    /// constants, sign-extended for them): the 64-bit op gives their sign-extended result.
    pub exact: HashSet<Inst>,
    /// i32 additions (of [`Self::narrow`], not [`Self::exact`]) that only address memory and
    /// whose 64-bit sum is checked exactly as their i32 result would be (module docs): the
    /// 64-bit op instead of `add_w`.
    pub address_sums: HashSet<Inst>,
    pub ranges: Ranges,
}

/// The values that reach a block parameter: per parameter, the argument of every edge.
fn incoming(f: &Function) -> SecondaryMap<Block, Vec<Vec<Value>>> {
    let mut inc: SecondaryMap<Block, Vec<Vec<Value>>> = f.block_map(Default::default());
    for &b in &f.layout {
        let Some(t) = &f.blocks[b].term else { continue };
        for call in t.targets() {
            let n = f.blocks[call.block].params.len();
            let slot = &mut inc[call.block];
            slot.resize(n, Vec::new());
            for (k, &a) in call.args.iter().enumerate() {
                slot[k].push(a);
            }
        }
    }
    inc
}

pub(crate) fn analyze(f: &Function) -> ExtFacts {
    let inc = incoming(f);
    let (narrow, sext) = narrowed(f, &inc);
    let ranges = Ranges::compute(f);
    let no_wrap: HashSet<Inst> = f
        .insts
        .iter()
        .filter(|(_, d)| cannot_wrap(d, &ranges))
        .map(|(i, _)| i)
        .collect();
    let order = zkc_ir::cfg::reverse_postorder(f);
    let mut ext: SecondaryMap<Value, Ext> = SecondaryMap::with_default(Ext::BOTH);
    if let Some(entry) = f.entry() {
        for &p in &f.blocks[entry].params {
            ext[p] = if sext.contains(&p) {
                Ext::SIGN
            } else {
                Ext::NONE
            };
        }
    }
    let facts = |ext: &SecondaryMap<Value, Ext>, i: Inst| {
        let exact = no_wrap.contains(&i) && signed_operands(f, i, ext);
        match transfer(f, i, ext, narrow.contains(&i), exact) {
            // The sign extension of a non-negative result is its zero extension too.
            Ext::SIGN if exact && ranges.of(f.insts[i].results[0]).lo >= 0 => Ext::BOTH,
            e => e,
        }
    };
    loop {
        let mut changed = false;
        for &b in &order {
            for &i in &f.blocks[b].insts {
                let e = facts(&ext, i);
                for &r in &f.insts[i].results {
                    ext[r] = if sext.contains(&r) { Ext::SIGN } else { e };
                }
            }
            let Some(t) = &f.blocks[b].term else { continue };
            for call in t.targets() {
                for (&a, &p) in call.args.iter().zip(&f.blocks[call.block].params) {
                    let e = ext[p] & param_arg(f, a, &ext);
                    if e != ext[p] {
                        ext[p] = e;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    let exact: HashSet<Inst> = no_wrap
        .into_iter()
        .filter(|&i| signed_operands(f, i, &ext))
        .collect();
    let address_sums = address_sums(f, &narrow, &exact, &ext, &ranges);
    ExtFacts {
        ext,
        narrow,
        sext,
        exact,
        address_sums,
        ranges,
    }
}

/// The narrowed i32 additions whose 64-bit sum stays in `[-2^31, 2^32)` and that only address
/// memory (module docs).
fn address_sums(
    f: &Function,
    narrow: &HashSet<Inst>,
    exact: &HashSet<Inst>,
    ext: &SecondaryMap<Value, Ext>,
    ranges: &Ranges,
) -> HashSet<Inst> {
    // Values with a use other than an access's address.
    let mut other_use: SecondaryMap<Value, bool> = f.value_map(Default::default());
    for &b in &f.layout {
        for &i in &f.blocks[b].insts {
            let access = matches!(f.insts[i].op, IrOp::Load { .. } | IrOp::Store { .. });
            for (k, &a) in f.insts[i].args.iter().enumerate() {
                if !(access && k == 0) {
                    other_use[a] = true;
                }
            }
        }
        if let Some(t) = &f.blocks[b].term {
            for v in t.uses() {
                other_use[v] = true;
            }
        }
    }
    let held = Held {
        f,
        narrow,
        exact,
        ext,
        ranges,
    };
    // An operand of the sum: a constant is written sign-extended for it.
    let operand = |v: Value| match const_bits(f, v) {
        Some((_, bits)) => {
            let c = bits as u32 as i32 as i64;
            Some((c, c))
        }
        None => held.interval(v, Held::DEPTH),
    };
    narrow
        .iter()
        .copied()
        .filter(|i| !exact.contains(i))
        .filter(|&i| {
            let d = &f.insts[i];
            if !matches!(
                d.op,
                IrOp::Binary {
                    op: BinaryOp::Add,
                    ty: Type::I32
                }
            ) || other_use[d.results[0]]
            {
                return false;
            }
            let (Some(a), Some(b)) = (operand(d.args[0]), operand(d.args[1])) else {
                return false;
            };
            a.0 + b.0 >= -(1 << 31) && a.1 + b.1 < 1 << 32
        })
        .collect()
}

/// What the 64-bit registers of i32 values hold, as intervals.
struct Held<'a> {
    f: &'a Function,
    narrow: &'a HashSet<Inst>,
    exact: &'a HashSet<Inst>,
    ext: &'a SecondaryMap<Value, Ext>,
    ranges: &'a Ranges,
}

impl Held<'_> {
    /// How many 64-bit additions deep [`Held::interval`] looks.
    const DEPTH: u32 = 4;

    /// The interval of `v`'s register: its range where an extension holds it (the whole
    /// 32-bit range, unsigned, for a zero-extended value of unknown sign); for an i32 addition
    /// or subtraction selected as the 64-bit op (neither narrowed nor exact), the exact sum or
    /// difference of its operands' registers (a constant operand is written as its bits), `depth`
    /// such operations deep.
    fn interval(&self, v: Value, depth: u32) -> Option<(i64, i64)> {
        let (ext, r) = (self.ext[v], self.ranges.of(v));
        if ext.contains(Ext::SIGN) || (ext.contains(Ext::ZERO) && r.lo >= 0) {
            return Some((r.lo, r.hi));
        }
        if ext.contains(Ext::ZERO) {
            return Some((0, u32::MAX as i64));
        }
        let ValueDef::Result(i, _) = self.f.values[v].def else {
            return None;
        };
        let d = &self.f.insts[i];
        let IrOp::Binary {
            op: op @ (BinaryOp::Add | BinaryOp::Sub),
            ty: Type::I32,
        } = d.op
        else {
            return None;
        };
        if depth == 0 || self.narrow.contains(&i) || self.exact.contains(&i) {
            return None;
        }
        let operand = |a: Value| match const_bits(self.f, a) {
            Some((_, bits)) => Some((bits as i64, bits as i64)),
            None => self.interval(a, depth - 1),
        };
        let (a, b) = (operand(d.args[0])?, operand(d.args[1])?);
        Some(match op {
            BinaryOp::Add => (a.0 + b.0, a.1 + b.1),
            _ => (a.0 - b.1, a.1 - b.0),
        })
    }
}

/// What argument `a` brings to a block parameter: an i32 constant is sign-extended there
/// (`Ctx::par_move`), so a negative one is `SIGN` only.
fn param_arg(f: &Function, a: Value, ext: &SecondaryMap<Value, Ext>) -> Ext {
    match const_bits(f, a) {
        Some((Type::I32, bits)) if (bits as u32 as i32) < 0 => Ext::SIGN,
        Some((Type::I32, _)) => Ext::BOTH,
        _ => ext[a],
    }
}

/// Whether `d` is an i32 addition or subtraction that cannot wrap: the ranges give its result
/// a range short of the whole type only when its operands' ranges (as refined where it is)
/// keep it from wrapping (`zkc_ir::ranges`).
fn cannot_wrap(d: &zkc_ir::InstData, ranges: &Ranges) -> bool {
    matches!(
        d.op,
        IrOp::Binary {
            op: BinaryOp::Add | BinaryOp::Sub,
            ty: Type::I32,
        }
    ) && ranges.of(d.results[0]) != Range::full(Type::I32)
}

/// Whether both operands of `i` are sign-extended or constants (which the selector writes
/// sign-extended for it).
fn signed_operands(f: &Function, i: Inst, ext: &SecondaryMap<Value, Ext>) -> bool {
    f.insts[i]
        .args
        .iter()
        .all(|&a| const_bits(f, a).is_some() || ext[a].contains(Ext::SIGN))
}

fn const_bits(f: &Function, v: Value) -> Option<(Type, u64)> {
    match f.values[v].def {
        ValueDef::Result(i, _) => match f.insts[i].op {
            IrOp::Const { ty, bits } => Some((ty, bits)),
            _ => None,
        },
        _ => None,
    }
}

/// The facts of instruction `i`'s results from its operands' facts.
fn transfer(
    f: &Function,
    i: Inst,
    ext: &SecondaryMap<Value, Ext>,
    narrow: bool,
    exact: bool,
) -> Ext {
    let d = &f.insts[i];
    let arg = |k: usize| ext[d.args[k]];
    match &d.op {
        IrOp::Const { bits, ty } if ty.is_int() => Ext::of_bits(*bits),
        IrOp::Binary { op, ty } if ty.is_int() => {
            let w = *ty == Type::I32;
            match op {
                BinaryOp::Add | BinaryOp::Sub if exact => Ext::SIGN,
                BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul if w && narrow => Ext::SIGN,
                BinaryOp::And => {
                    let z = (arg(0) | arg(1)) & Ext::ZERO;
                    z | (arg(0) & arg(1) & Ext::SIGN)
                }
                BinaryOp::Or | BinaryOp::Xor => arg(0) & arg(1),
                BinaryOp::Shl
                | BinaryOp::ShrS
                | BinaryOp::ShrU
                | BinaryOp::Rotl
                | BinaryOp::Rotr
                | BinaryOp::DivS
                | BinaryOp::DivU
                | BinaryOp::RemS
                | BinaryOp::RemU
                    if w =>
                {
                    Ext::SIGN
                }
                _ => Ext::NONE,
            }
        }
        IrOp::Compare { .. } => Ext::BOTH,
        IrOp::Unary { op, ty } if ty.is_int() => match op {
            UnaryOp::Eqz | UnaryOp::Clz | UnaryOp::Ctz | UnaryOp::Popcnt => Ext::BOTH,
            UnaryOp::Extend8S | UnaryOp::Extend16S | UnaryOp::Extend32S => Ext::SIGN,
            _ => Ext::NONE,
        },
        IrOp::Convert(c) => match c {
            ConvOp::I32WrapI64 => arg(0),
            ConvOp::I64ExtendI32U => Ext::ZERO,
            ConvOp::I64ExtendI32S => Ext::SIGN,
            _ => Ext::NONE,
        },
        IrOp::Select { ty } if ty.is_int() => arg(0) & arg(1),
        IrOp::Load {
            ty, width, signed, ..
        } if ty.is_int() => match (*signed, *width) {
            (false, 1 | 2) => Ext::BOTH,
            (false, 4) => Ext::ZERO,
            (true, 1 | 2) => Ext::SIGN,
            (true, 4) if *ty == Type::I64 => Ext::SIGN,
            (true, 4) => Ext::ZERO,
            _ => Ext::NONE,
        },
        IrOp::MemorySize | IrOp::TableSize(_) => Ext::BOTH,
        IrOp::MemoryGrow => Ext::ZERO,
        IrOp::MachLoad { width } if *width < 8 => Ext::ZERO,
        _ => Ext::NONE,
    }
}

/// The i32 additions, subtractions and multiplications whose results reach an address or a
/// table index, and the values from outside that reach an address.
///
/// An index needs no extension (`scaled_index` shifts its low bits), but an extended one is
/// scaled by `sll`, which is free for small operands (a frequent operation, `frops.rs`) where
/// `sll_w` of a value with garbage upper bits is not: narrowing an addition for it costs 34 and
/// saves 55. Sign-extending a parameter or a call's result for it would cost a whole step, so
/// only addresses do that.
fn narrowed(
    f: &Function,
    inc: &SecondaryMap<Block, Vec<Vec<Value>>>,
) -> (HashSet<Inst>, HashSet<Value>) {
    const INDEX: u8 = 1;
    const ADDRESS: u8 = 2 | INDEX;
    let mut narrow = HashSet::default();
    let mut sext = HashSet::default();
    let mut seen: SecondaryMap<Value, u8> = f.value_map(Default::default());
    let mut work: Vec<(Value, u8)> = Vec::new();
    for &b in &f.layout {
        for &i in &f.blocks[b].insts {
            match f.insts[i].op {
                IrOp::Load { .. } | IrOp::Store { .. } => work.push((f.insts[i].args[0], ADDRESS)),
                IrOp::CallIndirect { .. } => {
                    work.extend(f.insts[i].args.last().map(|&v| (v, INDEX)))
                }
                _ => {}
            }
        }
        if let Some(TermKind::BrTable { index, .. }) = f.blocks[b].term.as_ref().map(|t| &t.kind) {
            work.push((*index, INDEX));
        }
    }
    while let Some((v, mode)) = work.pop() {
        if seen[v] & mode == mode {
            continue;
        }
        seen[v] |= mode;
        match f.values[v].def {
            ValueDef::Result(i, _) => match f.insts[i].op {
                IrOp::Binary {
                    op: BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul,
                    ty: Type::I32,
                } => {
                    narrow.insert(i);
                }
                // `and` with a constant is zero-extended already (i32 constants are).
                IrOp::Binary {
                    op: BinaryOp::And, ..
                } if f.insts[i].args.iter().any(|&a| is_const(f, a)) => {}
                IrOp::Binary {
                    op: BinaryOp::And | BinaryOp::Or | BinaryOp::Xor,
                    ..
                } => work.extend(f.insts[i].args.iter().map(|&a| (a, mode))),
                IrOp::Select { .. } => work.extend(f.insts[i].args[..2].iter().map(|&a| (a, mode))),
                IrOp::Call(_) | IrOp::CallIndirect { .. } | IrOp::GlobalGet(_)
                    if mode == ADDRESS =>
                {
                    sext.insert(v);
                }
                _ => {}
            },
            ValueDef::Param(b, _) if Some(b) == f.entry() => {
                if mode == ADDRESS {
                    sext.insert(v);
                }
            }
            ValueDef::Param(b, k) => {
                if let Some(args) = inc[b].get(k as usize) {
                    work.extend(args.iter().map(|&a| (a, mode)));
                }
            }
            ValueDef::Detached => {}
        }
    }
    (narrow, sext)
}

fn is_const(f: &Function, v: Value) -> bool {
    const_bits(f, v).is_some()
}

//! Value ranges: for every i32 and i64 value of a function, an interval of its signed value
//! and a stride (every value it takes is `lo + k * stride`).
//!
//! The analysis is abstract interpretation over the SSA graph (Cousot & Cousot, POPL 1977):
//! transfer functions per operation, block parameters joined over their incoming edges, each
//! edge refined by the branch that takes it (`brif x < n` tells the `then` edge `x <= n - 1`,
//! and `x != 0` at an interval's end moves that end by one stride). A parameter that keeps
//! growing is widened to the next *threshold* (the constants it is compared with, less what
//! was added to it on the way, one either side), aligned to its stride, as in Blanchet et al.,
//! "A static analyzer for large safety-critical software" (PLDI 2003). The stride is what makes a counted loop precise:
//! `i = -192; do { ..; i += 8 } while (i != 0)` gives `i` in `[-192, -8]` step 8, where an
//! interval alone could not exclude the values past 0.
//!
//! A range is sound for the wasm value, whatever its register holds: arithmetic that can
//! wrap gives the whole type. Instruction selection reads the ranges to prove that an i32
//! addition cannot wrap (so the 64-bit op computes it) and that an address lies inside the
//! initial memory (so it needs no bounds check).

use crate::{
    BinaryOp, Block, CmpOp, ConvOp, Function, Op, SecondaryMap, TermKind, Type, UnaryOp, Value,
    ValueDef,
};

/// The signed values `lo, lo + stride, .., hi` (`stride` 0: the single value `lo`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Range {
    pub lo: i64,
    pub hi: i64,
    pub stride: u64,
}

/// How often a block parameter may grow before it is widened.
const GROWTHS_BEFORE_WIDENING: u32 = 2;
/// Rounds over the function after which widening skips a value's own thresholds (a parameter
/// stepping through many of them would take a round each) and stops only at the defaults.
const ROUNDS_WITH_THRESHOLDS: u32 = 8;
/// Rounds after which a growing parameter gets its whole type at once.
const ROUNDS_BEFORE_GIVING_UP: u32 = 16;
/// Facts a block keeps from the branches above it (the nearest ones): a long chain of
/// single-predecessor blocks would otherwise copy ever longer lists.
const MAX_FACTS: usize = 16;

impl Range {
    /// Every value of `ty` (i32: `[-2^31, 2^31 - 1]`).
    pub fn full(ty: Type) -> Range {
        let (lo, hi) = bounds(ty);
        Range { lo, hi, stride: 1 }
    }

    pub fn constant(c: i64) -> Range {
        Range {
            lo: c,
            hi: c,
            stride: 0,
        }
    }

    pub fn new(lo: i64, hi: i64) -> Range {
        Range {
            lo,
            hi,
            stride: if lo == hi { 0 } else { 1 },
        }
    }

    /// Whether every value lies in `[lo, hi]`.
    pub fn within(&self, lo: i64, hi: i64) -> bool {
        self.lo >= lo && self.hi <= hi
    }

    /// The smallest range holding both.
    pub fn join(self, o: Range) -> Range {
        let stride = gcd(gcd(self.stride, o.stride), self.lo.abs_diff(o.lo));
        Range {
            lo: self.lo.min(o.lo),
            hi: self.hi.max(o.hi),
            stride,
        }
    }

    /// `[lo, hi]` of `ty` (i128 arithmetic) with `stride`, or the whole type if it does not fit.
    fn fit(ty: Type, lo: i128, hi: i128, stride: u64) -> Range {
        let (tlo, thi) = bounds(ty);
        if lo >= tlo as i128 && hi <= thi as i128 && lo <= hi {
            let (lo, hi) = (lo as i64, hi as i64);
            Range {
                lo,
                hi,
                stride: if lo == hi { 0 } else { stride.max(1) },
            }
        } else {
            Range::full(ty)
        }
    }

    /// The values of `self` in `[lo, hi]`, their stride kept; `None` if there are none.
    fn clamp(self, lo: i64, hi: i64) -> Option<Range> {
        let s = self.stride.max(1) as i128;
        let (base, lo, hi) = (self.lo as i128, lo as i128, hi as i128);
        // The first value >= lo and the last <= hi of the stride class.
        let first = if lo <= base {
            base
        } else {
            base + (lo - base + s - 1) / s * s
        };
        let last_bound = hi.min(self.hi as i128);
        if first > last_bound {
            return None;
        }
        let last = base + (last_bound - base) / s * s;
        let (lo, hi) = (first as i64, last as i64);
        Some(Range {
            lo,
            hi,
            stride: if lo == hi { 0 } else { self.stride },
        })
    }
}

fn bounds(ty: Type) -> (i64, i64) {
    match ty {
        Type::I32 => (i32::MIN as i64, i32::MAX as i64),
        _ => (i64::MIN, i64::MAX),
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The ranges of a function's integer values (`None`: a value no path reaches, or not an
/// integer).
pub struct Ranges {
    ranges: SecondaryMap<Value, Option<Range>>,
    types: SecondaryMap<Value, Option<Type>>,
}

impl Ranges {
    /// The range of `v`: the whole type where nothing better is known.
    pub fn of(&self, v: Value) -> Range {
        match (self.ranges[v], self.types[v]) {
            (Some(r), _) => r,
            (None, Some(ty)) => Range::full(ty),
            (None, None) => Range::full(Type::I64),
        }
    }

    /// Computes the ranges of `f`.
    pub fn compute(f: &Function) -> Ranges {
        let mut a = Analysis {
            f,
            r: f.value_map(Default::default()),
            growths: f.value_map(Default::default()),
            thresholds: thresholds(f),
            rounds: 0,
            single: single_predecessors(f),
            facts: f.block_map(Default::default()),
        };
        let order = crate::cfg::reverse_postorder(f);
        if let Some(entry) = f.entry() {
            for &p in &f.blocks[entry].params {
                a.r[p] = int_type(f, p).map(Range::full);
            }
        }
        loop {
            let mut changed = false;
            for &b in &order {
                a.facts[b] = a.entry_facts(b);
                for &i in &f.blocks[b].insts {
                    for &res in &f.insts[i].results {
                        a.r[res] = a.transfer(b, i, res);
                    }
                }
                changed |= a.edges(b);
            }
            if !changed {
                break;
            }
            a.rounds += 1;
        }
        let mut types = f.value_map(Default::default());
        for (v, d) in f.values.iter() {
            types[v] = Some(d.ty).filter(|t| t.is_int());
        }
        Ranges { ranges: a.r, types }
    }
}

fn int_type(f: &Function, v: Value) -> Option<Type> {
    Some(f.value_type(v)).filter(|t| t.is_int())
}

/// Each value's thresholds: the constants it is compared with, one either side, less what
/// was added to it on the way (`i + 4 != 192` gives `i` the thresholds 187, 188 and 189).
/// Per value, not every constant of the function: with those a large function's thresholds
/// lie a few units apart, and a counter stepping through them takes a round each until
/// [`ROUNDS_WITH_THRESHOLDS`] runs out. Every value also stops at -1, 0 and 1
/// ([`DEFAULT_THRESHOLDS`]).
fn thresholds(f: &Function) -> SecondaryMap<Value, Vec<i64>> {
    let mut t: SecondaryMap<Value, Vec<i64>> = f.value_map(Default::default());
    for (_, d) in f.insts.iter() {
        if !matches!(d.op, Op::Compare { .. }) {
            continue;
        }
        for (x, y) in [(d.args[0], d.args[1]), (d.args[1], d.args[0])] {
            let Some(c) = const_value(f, y) else {
                continue;
            };
            // Through additions and subtractions of constants, a few deep.
            let (mut v, mut c) = (x, c as i128);
            for _ in 0..4 {
                t[v].extend(
                    [c - 1, c, c + 1].map(|c| c.clamp(i64::MIN as i128, i64::MAX as i128) as i64),
                );
                let ValueDef::Result(i, _) = f.values[v].def else {
                    break;
                };
                let a = &f.insts[i].args;
                match f.insts[i].op {
                    Op::Binary {
                        op: BinaryOp::Add, ..
                    } => match (const_value(f, a[0]), const_value(f, a[1])) {
                        (None, Some(k)) => (v, c) = (a[0], c - k as i128),
                        (Some(k), None) => (v, c) = (a[1], c - k as i128),
                        _ => break,
                    },
                    Op::Binary {
                        op: BinaryOp::Sub, ..
                    } => match const_value(f, a[1]) {
                        Some(k) => (v, c) = (a[0], c + k as i128),
                        None => break,
                    },
                    _ => break,
                }
            }
        }
    }
    for (_, list) in t.iter_mut() {
        list.sort_unstable();
        list.dedup();
    }
    t
}

/// Where every growing value may stop.
const DEFAULT_THRESHOLDS: [i64; 3] = [-1, 0, 1];

/// The signed value of an integer constant.
fn const_value(f: &Function, v: Value) -> Option<i64> {
    let ValueDef::Result(i, _) = f.values[v].def else {
        return None;
    };
    match f.insts[i].op {
        Op::Const { ty, bits } if ty.is_int() => Some(signed(ty, bits)),
        _ => None,
    }
}

/// The signed value of a constant's bits.
fn signed(ty: Type, bits: u64) -> i64 {
    match ty {
        Type::I32 => bits as u32 as i32 as i64,
        _ => bits as i64,
    }
}

struct Analysis<'a> {
    f: &'a Function,
    r: SecondaryMap<Value, Option<Range>>,
    growths: SecondaryMap<Value, u32>,
    thresholds: SecondaryMap<Value, Vec<i64>>,
    rounds: u32,
    single: SecondaryMap<Block, Option<InEdge>>,
    /// Per block, what the branches into it say of values defined above it: the refinements
    /// of its single predecessor's branch and that predecessor's own facts.
    facts: SecondaryMap<Block, Vec<(Value, Range)>>,
}

/// A block's one edge in: the predecessor, and the branch condition that takes it (the
/// value, and whether the edge is the `then` one).
type InEdge = (Block, Option<(Value, bool)>);

/// Per block, its one edge in, if it has only one.
fn single_predecessors(f: &Function) -> SecondaryMap<Block, Option<InEdge>> {
    let mut count: SecondaryMap<Block, u32> = f.block_map(Default::default());
    let mut single = f.block_map(Default::default());
    for &b in &f.layout {
        let Some(t) = &f.blocks[b].term else { continue };
        let cond = match &t.kind {
            TermKind::Brif { cond, .. } => Some(*cond),
            _ => None,
        };
        for (k, call) in t.targets().enumerate() {
            count[call.block] += 1;
            single[call.block] = Some((b, cond.map(|c| (c, k == 0))));
        }
    }
    for (b, n) in count.iter() {
        if *n != 1 {
            single[b] = None;
        }
    }
    // The entry is also entered from the function's start, by no branch.
    if let Some(entry) = f.entry() {
        single[entry] = None;
    }
    single
}

impl Analysis<'_> {
    /// The range of `v` where block `b` uses it.
    fn get(&self, b: Block, v: Value) -> Option<Range> {
        match self.facts[b].iter().find(|(w, _)| *w == v) {
            Some(&(_, r)) => Some(r),
            None => self.r[v],
        }
    }

    /// The facts block `b` starts with (see `facts`).
    fn entry_facts(&self, b: Block) -> Vec<(Value, Range)> {
        let Some((p, cond)) = self.single[b] else {
            return Vec::new();
        };
        let mut facts = self.facts[p].clone();
        let Some((c, holds)) = cond else {
            return facts;
        };
        let mut refined = vec![c];
        if let ValueDef::Result(i, _) = self.f.values[c].def {
            let d = &self.f.insts[i];
            if matches!(
                d.op,
                Op::Compare { .. }
                    | Op::Unary {
                        op: UnaryOp::Eqz,
                        ..
                    }
            ) {
                refined.extend(d.args.iter().copied());
            }
        }
        for v in refined {
            if let Some(r) = self.refine(p, v, c, holds) {
                facts.retain(|(w, _)| *w != v);
                facts.push((v, r));
            }
        }
        if facts.len() > MAX_FACTS {
            facts.drain(..facts.len() - MAX_FACTS);
        }
        facts
    }

    /// Result `res` of instruction `i` in block `b`; `None` while an operand is unreached.
    fn transfer(&self, b: Block, i: crate::Inst, res: Value) -> Option<Range> {
        let f = self.f;
        let ty = int_type(f, res)?;
        let d = &f.insts[i];
        let full = Some(Range::full(ty));
        let arg = |n: usize| self.get(b, d.args[n]);
        let r = match &d.op {
            Op::Const { bits, .. } => Range::constant(signed(ty, *bits)),
            Op::Binary { op, .. } => {
                let (x, y) = (arg(0)?, arg(1)?);
                binary(*op, ty, x, y)
            }
            Op::Compare { .. } => Range::new(0, 1),
            Op::Unary { op, .. } => match op {
                UnaryOp::Eqz => Range::new(0, 1),
                UnaryOp::Clz | UnaryOp::Ctz | UnaryOp::Popcnt => {
                    Range::new(0, if ty == Type::I32 { 32 } else { 64 })
                }
                UnaryOp::Extend8S => narrow_to(arg(0)?, -128, 127),
                UnaryOp::Extend16S => narrow_to(arg(0)?, -32768, 32767),
                UnaryOp::Extend32S => narrow_to(arg(0)?, i32::MIN as i64, i32::MAX as i64),
                _ => return full,
            },
            Op::Convert(c) => match c {
                ConvOp::I32WrapI64 => narrow_to(arg(0)?, i32::MIN as i64, i32::MAX as i64),
                ConvOp::I64ExtendI32S => arg(0)?,
                ConvOp::I64ExtendI32U => match arg(0)? {
                    x if x.lo >= 0 => x,
                    _ => Range::new(0, u32::MAX as i64),
                },
                _ => return full,
            },
            Op::Select { .. } => arg(0)?.join(arg(1)?),
            Op::Load { width, signed, .. } => match (signed, width) {
                (false, 1) => Range::new(0, 255),
                (false, 2) => Range::new(0, 65535),
                (true, 1) => Range::new(-128, 127),
                (true, 2) => Range::new(-32768, 32767),
                (false, 4) if ty == Type::I64 => Range::new(0, u32::MAX as i64),
                (true, 4) if ty == Type::I64 => Range::new(i32::MIN as i64, i32::MAX as i64),
                _ => return full,
            },
            Op::MemorySize => Range::new(0, 65536),
            Op::MemoryGrow => Range::new(-1, 65536),
            _ => return full,
        };
        Some(r)
    }

    /// Joins what `b`'s edges carry into their targets' parameters; whether one grew.
    fn edges(&mut self, b: Block) -> bool {
        let f = self.f;
        let Some(t) = &f.blocks[b].term else {
            return false;
        };
        let mut changed = false;
        let mut edge = |this: &mut Self, call: &crate::BlockCall, cond: Option<(Value, bool)>| {
            for (&a, &p) in call.args.iter().zip(&f.blocks[call.block].params) {
                let Some(ty) = int_type(f, p) else { continue };
                let Some(mut r) = this.get(b, a) else {
                    continue;
                };
                if let Some((c, holds)) = cond {
                    match this.refine(b, a, c, holds) {
                        Some(x) => r = x,
                        // The branch is never taken with these operands.
                        None => return,
                    }
                }
                changed |= this.grow(p, ty, r);
            }
        };
        match &t.kind {
            TermKind::Jump(c) => edge(self, c, None),
            TermKind::Brif {
                cond,
                then_dest,
                else_dest,
            } => {
                edge(self, then_dest, Some((*cond, true)));
                edge(self, else_dest, Some((*cond, false)));
            }
            _ => {
                for c in t.targets() {
                    edge(self, c, None);
                }
            }
        }
        changed
    }

    /// The range of `v` (used in block `b`) on an edge taken when `cond` is non-zero (`holds`)
    /// or zero; `None`
    /// when no value of `v` takes it (and `cond` is understood), else `v`'s range narrowed.
    fn refine(&self, b: Block, v: Value, cond: Value, holds: bool) -> Option<Range> {
        let f = self.f;
        let r = self.get(b, v)?;
        // `x op y`, with `y` absent for 0: `eqz x` is `x == 0`, any other condition `c != 0`.
        let (op, x, y) = match f.values[cond].def {
            ValueDef::Result(i, _) => {
                let d = &f.insts[i];
                match d.op {
                    Op::Compare { op, ty } if ty.is_int() => (op, d.args[0], Some(d.args[1])),
                    Op::Unary {
                        op: UnaryOp::Eqz, ..
                    } => (CmpOp::Eq, d.args[0], None),
                    _ => (CmpOp::Ne, cond, None),
                }
            }
            _ => (CmpOp::Ne, cond, None),
        };
        let rx = self.get(b, x)?;
        let ry = match y {
            Some(y) => self.get(b, y)?,
            None => Range::constant(0),
        };
        // `v op other` holds (after swapping so that `v` is on the left).
        let (op, other) = if v == x {
            (op, ry)
        } else if Some(v) == y {
            (op.swapped(), rx)
        } else {
            return Some(r);
        };
        let op = if holds {
            op
        } else {
            op.negated().unwrap_or(op)
        };
        let (lo, hi) = (r.lo, r.hi);
        match op {
            CmpOp::Eq => {
                let (lo2, hi2) = (other.lo.max(lo), other.hi.min(hi));
                r.clamp(lo2, hi2)
            }
            CmpOp::Ne if other.stride == 0 && lo == other.lo => r.clamp(lo.saturating_add(1), hi),
            CmpOp::Ne if other.stride == 0 && hi == other.lo => r.clamp(lo, hi.saturating_sub(1)),
            CmpOp::LtS => r.clamp(lo, other.hi.saturating_sub(1)),
            CmpOp::LeS => r.clamp(lo, other.hi),
            CmpOp::GtS => r.clamp(other.lo.saturating_add(1), hi),
            CmpOp::GeS => r.clamp(other.lo, hi),
            // Unsigned: below a non-negative bound means non-negative too.
            CmpOp::LtU if other.lo >= 0 => r.clamp(0, other.hi.saturating_sub(1)),
            CmpOp::LeU if other.lo >= 0 => r.clamp(0, other.hi),
            CmpOp::GtU | CmpOp::GeU if lo >= 0 && other.lo >= 0 => {
                let min = if op == CmpOp::GtU {
                    other.lo.saturating_add(1)
                } else {
                    other.lo
                };
                r.clamp(min, hi)
            }
            _ => Some(r),
        }
    }

    /// Joins `r` into parameter `p`; widens after [`GROWTHS_BEFORE_WIDENING`] growths.
    fn grow(&mut self, p: Value, ty: Type, r: Range) -> bool {
        let Some(old) = self.r[p] else {
            self.r[p] = Some(r);
            return true;
        };
        let mut new = old.join(r);
        if new == old {
            return false;
        }
        self.growths[p] += 1;
        if self.rounds >= ROUNDS_BEFORE_GIVING_UP {
            new = Range::full(ty);
        } else if self.growths[p] > GROWTHS_BEFORE_WIDENING {
            new = self.widen(p, ty, old, new);
        }
        self.r[p] = Some(new);
        true
    }

    /// `new` with each end that moved past `old` pushed to the next threshold (the type's
    /// bound past the last), kept in `new`'s stride class.
    fn widen(&self, p: Value, ty: Type, old: Range, new: Range) -> Range {
        let (tlo, thi) = bounds(ty);
        let s = new.stride.max(1) as i128;
        let mut thresholds: Vec<i64> = DEFAULT_THRESHOLDS.to_vec();
        if self.rounds < ROUNDS_WITH_THRESHOLDS {
            thresholds.extend_from_slice(&self.thresholds[p]);
            thresholds.sort_unstable();
        }
        let mut w = new;
        if new.hi > old.hi {
            let t = thresholds
                .iter()
                .copied()
                .find(|&t| t >= new.hi && t <= thi)
                .unwrap_or(thi);
            w.hi = (new.lo as i128 + (t as i128 - new.lo as i128) / s * s) as i64;
        }
        if new.lo < old.lo {
            let t = thresholds
                .iter()
                .rev()
                .copied()
                .find(|&t| t <= new.lo && t >= tlo)
                .unwrap_or(tlo);
            // The lowest value >= t of the class of `new.hi`.
            w.lo = (new.hi as i128 - (new.hi as i128 - t as i128) / s * s) as i64;
        }
        w
    }
}

/// `x` if it lies in `[lo, hi]`, else all of `[lo, hi]`.
fn narrow_to(x: Range, lo: i64, hi: i64) -> Range {
    if x.within(lo, hi) {
        x
    } else {
        Range::new(lo, hi)
    }
}

/// The range of `x op y` in `ty`.
fn binary(op: BinaryOp, ty: Type, x: Range, y: Range) -> Range {
    let bits = if ty == Type::I32 { 32 } else { 64 };
    let (xl, xh, yl, yh) = (x.lo as i128, x.hi as i128, y.lo as i128, y.hi as i128);
    let shift = (y.stride == 0).then(|| (y.lo as u64 % bits) as u32);
    match op {
        BinaryOp::Add => Range::fit(ty, xl + yl, xh + yh, gcd(x.stride, y.stride)),
        BinaryOp::Sub => Range::fit(ty, xl - yh, xh - yl, gcd(x.stride, y.stride)),
        BinaryOp::Mul => {
            let c = [xl * yl, xl * yh, xh * yl, xh * yh];
            let stride = match (x.stride, y.stride) {
                (0, s) => s.saturating_mul(x.lo.unsigned_abs()),
                (s, 0) => s.saturating_mul(y.lo.unsigned_abs()),
                _ => 1,
            };
            Range::fit(
                ty,
                *c.iter().min().unwrap(),
                *c.iter().max().unwrap(),
                stride,
            )
        }
        BinaryOp::Shl => match shift {
            Some(s) if s < 62 => binary(BinaryOp::Mul, ty, x, Range::constant(1 << s)),
            _ => Range::full(ty),
        },
        BinaryOp::ShrU => match shift {
            Some(0) => x,
            Some(s) if x.lo >= 0 => Range::new(x.lo >> s, x.hi >> s),
            Some(s) => Range::new(0, (((1u128 << bits) - 1) >> s) as i64),
            None => Range::full(ty),
        },
        BinaryOp::ShrS => match shift {
            Some(s) => Range::new(x.lo >> s, x.hi >> s),
            None => Range::full(ty),
        },
        BinaryOp::And if x.lo >= 0 || y.lo >= 0 => {
            let hi = match (x.lo >= 0, y.lo >= 0) {
                (true, true) => x.hi.min(y.hi),
                (true, false) => x.hi,
                _ => y.hi,
            };
            Range::new(0, hi)
        }
        BinaryOp::Or | BinaryOp::Xor if x.lo >= 0 && y.lo >= 0 => {
            let top = x.hi.max(y.hi) as u64;
            let ones = if top == 0 {
                0
            } else {
                u64::MAX >> top.leading_zeros()
            };
            let lo = if op == BinaryOp::Or {
                x.lo.max(y.lo)
            } else {
                0
            };
            Range::new(lo, ones as i64)
        }
        BinaryOp::DivU if x.lo >= 0 && y.stride == 0 && y.lo > 0 => {
            Range::new(x.lo / y.lo, x.hi / y.lo)
        }
        // The remainder of a non-negative dividend: below the divisor, and not above the
        // dividend (a negative divisor of `rem_u` is a huge unsigned one: only the latter).
        BinaryOp::RemU if x.lo >= 0 && y.stride == 0 && y.lo > 0 => {
            Range::new(0, x.hi.min(y.lo - 1))
        }
        BinaryOp::RemU if x.lo >= 0 => Range::new(0, x.hi),
        BinaryOp::RemS if x.lo >= 0 && y.stride == 0 && y.lo != 0 => {
            let m = y.lo.unsigned_abs() - 1;
            Range::new(0, x.hi.min(m.min(i64::MAX as u64) as i64))
        }
        _ => Range::full(ty),
    }
}

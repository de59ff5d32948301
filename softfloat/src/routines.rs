//! The soft-float routines, generated as zkc IR functions by [`Fb`].
//!
//! Conventions (see the crate docs for the why):
//! - An f64 is its bits in an i64, an f32 its bits in an i32.
//! - An unpacked finite operand is `(exp, sig)` with `value = sig × 2^(exp − bias − man)`,
//!   `sig` holding the hidden bit at bit `man` (a subnormal takes `exp = 1` and no hidden bit,
//!   or is normalized).
//! - [`round_pack`] takes `sig` with its leading one at bit 62 and the result's biased exponent
//!   minus one in `exp` (Berkeley SoftFloat's convention): the packed result is
//!   `sign | (exp << man) + (rounded sig >> (62 − man))`, the hidden bit carrying into the
//!   exponent field. Everything below bit `62 − man` are round and sticky bits.

use crate::builder::Fb;
use std::collections::HashMap;
use zkc_ir::{FuncDecl, FuncDef, FuncId, Function, Module, Signature, TrapCode, Type, Value};

/// An IEEE-754 binary interchange format, as carried in an integer of `ty`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Fmt {
    F32,
    F64,
}

impl Fmt {
    pub fn int(self) -> Type {
        match self {
            Fmt::F32 => Type::I32,
            Fmt::F64 => Type::I64,
        }
    }
    pub fn bits(self) -> u32 {
        self.int().bits()
    }
    /// Fraction bits.
    pub fn man(self) -> u32 {
        match self {
            Fmt::F32 => 23,
            Fmt::F64 => 52,
        }
    }
    pub fn bias(self) -> u64 {
        match self {
            Fmt::F32 => 127,
            Fmt::F64 => 1023,
        }
    }
    pub fn exp_max(self) -> u64 {
        match self {
            Fmt::F32 => 0xff,
            Fmt::F64 => 0x7ff,
        }
    }
    pub fn sign(self) -> u64 {
        1 << (self.bits() - 1)
    }
    /// All bits but the sign.
    pub fn mag(self) -> u64 {
        self.sign() - 1
    }
    pub fn inf(self) -> u64 {
        self.exp_max() << self.man()
    }
    /// The canonical NaN: positive, quiet, payload zero.
    pub fn qnan(self) -> u64 {
        self.inf() | 1 << (self.man() - 1)
    }
    pub fn one(self) -> u64 {
        self.bias() << self.man()
    }
    pub fn frac(self) -> u64 {
        (1 << self.man()) - 1
    }
    pub fn name(self) -> &'static str {
        match self {
            Fmt::F32 => "f32",
            Fmt::F64 => "f64",
        }
    }
}

#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum RoundMode {
    Ceil,
    Floor,
    Trunc,
    Nearest,
}

/// One routine. `f32.sqrt` widens to f64, computes, and narrows: the double rounding is
/// innocuous since 53 ≥ 2·24 + 2 (Figueroa 1995).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Rt {
    Add64,
    Mul64,
    Div64,
    Sqrt64,
    MinMax {
        fmt: Fmt,
        max: bool,
    },
    Round {
        fmt: Fmt,
        mode: RoundMode,
    },
    Promote,
    Demote,
    /// f64 bits → integer.
    Trunc {
        signed: bool,
        to64: bool,
        sat: bool,
    },
    /// f32 bits → integer, through [`Rt::Promote`] (exact).
    TruncF32 {
        signed: bool,
        to64: bool,
        sat: bool,
    },
    /// i64 (an i32 extended by the caller) → float.
    Convert {
        signed: bool,
        fmt: Fmt,
    },
    F32Add,
    F32Mul,
    F32Div,
    /// Through [`Rt::Sqrt64`].
    F32Sqrt,
}

impl Rt {
    pub fn name(self) -> String {
        let sn = |s: bool| if s { 's' } else { 'u' };
        let sat = |s: bool| if s { "_sat" } else { "" };
        let w = |b: bool| if b { 64 } else { 32 };
        match self {
            Rt::Add64 => "f64_add".into(),
            Rt::Mul64 => "f64_mul".into(),
            Rt::Div64 => "f64_div".into(),
            Rt::Sqrt64 => "f64_sqrt".into(),
            Rt::MinMax { fmt, max } => {
                format!("{}_{}", fmt.name(), if max { "max" } else { "min" })
            }
            Rt::Round { fmt, mode } => {
                format!("{}_{}", fmt.name(), format!("{mode:?}").to_lowercase())
            }
            Rt::Promote => "f64_promote_f32".into(),
            Rt::Demote => "f32_demote_f64".into(),
            Rt::Trunc {
                signed,
                to64,
                sat: s,
            } => {
                format!("i{}_trunc{}_f64_{}", w(to64), sat(s), sn(signed))
            }
            Rt::TruncF32 {
                signed,
                to64,
                sat: s,
            } => {
                format!("i{}_trunc{}_f32_{}", w(to64), sat(s), sn(signed))
            }
            Rt::Convert { signed, fmt } => format!("{}_convert_i64_{}", fmt.name(), sn(signed)),
            Rt::F32Add => "f32_add".into(),
            Rt::F32Mul => "f32_mul".into(),
            Rt::F32Div => "f32_div".into(),
            Rt::F32Sqrt => "f32_sqrt".into(),
        }
    }

    pub fn sig(self) -> Signature {
        use Type::*;
        let s = |p: &[Type], r: Type| Signature::new(p.to_vec(), vec![r]);
        match self {
            Rt::Add64 | Rt::Mul64 | Rt::Div64 => s(&[I64, I64], I64),
            Rt::Sqrt64 => s(&[I64], I64),
            Rt::MinMax { fmt, .. } => s(&[fmt.int(), fmt.int()], fmt.int()),
            Rt::Round { fmt, .. } => s(&[fmt.int()], fmt.int()),
            Rt::Promote => s(&[I32], I64),
            Rt::Demote => s(&[I64], I32),
            Rt::Trunc { to64, .. } => s(&[I64], if to64 { I64 } else { I32 }),
            Rt::TruncF32 { to64, .. } => s(&[I32], if to64 { I64 } else { I32 }),
            Rt::Convert { fmt, .. } => s(&[I64], fmt.int()),
            Rt::F32Add | Rt::F32Mul | Rt::F32Div => s(&[I32, I32], I32),
            Rt::F32Sqrt => s(&[I32], I32),
        }
    }
}

/// Prefix of every routine's function name.
pub const PREFIX: &str = "__zkc_sf_";

/// The routines added to a module so far.
#[derive(Default)]
pub struct Library {
    ids: HashMap<Rt, FuncId>,
}

impl Library {
    /// The routine's function in `m`, generated (with what it calls) on first use.
    pub fn get(&mut self, m: &mut Module, rt: Rt) -> FuncId {
        if let Some(&id) = self.ids.get(&rt) {
            return id;
        }
        let mut name = format!("{PREFIX}{}", rt.name());
        while m.func_by_name(&name).is_some() {
            name.push('_');
        }
        let id = m.funcs.push(FuncDecl {
            name,
            sig: rt.sig(),
            def: FuncDef::Body(Function::new()),
        });
        self.ids.insert(rt, id);
        let body = self.generate(m, rt);
        m.funcs[id].def = FuncDef::Body(body);
        id
    }

    fn generate(&mut self, m: &mut Module, rt: Rt) -> Function {
        match rt {
            Rt::Add64 => add(Fmt::F64),
            Rt::Mul64 => mul(Fmt::F64),
            Rt::Div64 => div(Fmt::F64),
            Rt::F32Add => add(Fmt::F32),
            Rt::F32Mul => mul(Fmt::F32),
            Rt::F32Div => div(Fmt::F32),
            Rt::Sqrt64 => sqrt64(),
            Rt::MinMax { fmt, max } => minmax(fmt, max),
            Rt::Round { fmt, mode } => round_int(fmt, mode),
            Rt::Promote => promote(),
            Rt::Demote => demote(),
            Rt::Trunc { signed, to64, sat } => trunc(signed, to64, sat),
            Rt::TruncF32 { signed, to64, sat } => {
                let p = self.get(m, Rt::Promote);
                let t = self.get(m, Rt::Trunc { signed, to64, sat });
                let (mut b, ps) = Fb::new(&[Type::I32]);
                let x = b.call(p, &[ps[0]], Type::I64);
                let r = b.call(t, &[x], if to64 { Type::I64 } else { Type::I32 });
                b.ret(&[r]);
                b.finish()
            }
            Rt::Convert { signed, fmt } => convert(signed, fmt),
            Rt::F32Sqrt => {
                let inner = Rt::Sqrt64;
                let (p, d, op) = (
                    self.get(m, Rt::Promote),
                    self.get(m, Rt::Demote),
                    self.get(m, inner),
                );
                let n = rt.sig().params.len();
                let (mut b, ps) = Fb::new(&vec![Type::I32; n]);
                let wide: Vec<Value> = ps.iter().map(|&x| b.call(p, &[x], Type::I64)).collect();
                let r = b.call(op, &wide, Type::I64);
                let r = b.call(d, &[r], Type::I32);
                b.ret(&[r]);
                b.finish()
            }
        }
    }
}

const SIGN: u64 = 1 << 63;
const MAG: u64 = !SIGN;
const INF: u64 = 0x7ff0_0000_0000_0000;
const QNAN: u64 = 0x7ff8_0000_0000_0000;
const FRAC: u64 = (1 << 52) - 1;
const HID: u64 = 1 << 52;

/// `x >> d` with every bit shifted out or-ed into bit 0; `d` may exceed 63.
fn shift_right_jam(b: &mut Fb, x: Value, d: Value) -> Value {
    let lost_mask = b.shl(1u64, d);
    let lost_mask = b.sub(lost_mask, 1u64);
    let lost = b.and(x, lost_mask);
    let lost = b.ne(lost, 0u64);
    let lost = b.b64(lost);
    let kept = b.shr_u(x, d);
    let small = b.or(kept, lost);
    let any = b.ne(x, 0u64);
    let any = b.b64(any);
    let in_range = b.lt_u(d, 64u64);
    b.select(in_range, small, any)
}

/// Rounds to nearest, ties to even, and packs (see the module docs for the conventions).
/// `sign` is the sign bit in place for `fmt`, all i64. Leaves the builder in a block where the
/// returned i64 holds the result's bits.
fn round_pack(b: &mut Fb, fmt: Fmt, sign: Value, exp: Value, sig: Value) -> Value {
    let sh = 62 - fmt.man() as u64;
    let half = 1u64 << (sh - 1);
    let emax = fmt.exp_max() - 2;
    let (round, rp) = b.block(&[Type::I64, Type::I64]);
    let (done, dp) = b.block(&[Type::I64]);
    // One unsigned compare sends tiny (negative) and huge exponents to the slow path.
    let unusual = b.ge_u(exp, emax);
    let (slow, _) = b.block(&[]);
    b.brif(unusual, (slow, &[]), (round, &[exp, sig]));

    b.switch_to(slow);
    let tiny = b.lt_s(exp, 0u64);
    let (tb, _) = b.block(&[]);
    let (hb, _) = b.block(&[]);
    b.brif(tiny, (tb, &[]), (hb, &[]));
    b.switch_to(tb);
    let d = b.sub(0u64, exp);
    let s = shift_right_jam(b, sig, d);
    let z = b.konst(Type::I64, 0);
    b.jump(round, &[z, s]);
    b.switch_to(hb);
    let over = b.gt_u(exp, emax);
    let carried = b.add(sig, half);
    let carry = b.lt_s(carried, 0u64);
    let over = b.or(over, carry);
    let inf = b.or(sign, fmt.inf());
    let (ob, _) = b.block(&[]);
    b.brif(over, (ob, &[]), (round, &[exp, sig]));
    b.switch_to(ob);
    b.jump(done, &[inf]);

    b.switch_to(round);
    let (e, s) = (rp[0], rp[1]);
    let rbits = b.and(s, (1u64 << sh) - 1);
    let r = b.add(s, half);
    let r = b.shr_u(r, sh);
    let tie = b.eq(rbits, half);
    let tie = b.b64(tie);
    let keep = b.xor(tie, u64::MAX);
    let r = b.and(r, keep);
    let e = b.shl(e, fmt.man() as u64);
    let m = b.add(e, r);
    let bits = b.or(sign, m);
    b.jump(done, &[bits]);
    b.switch_to(done);
    dp[0]
}

/// Unpacks a finite nonzero magnitude into `(exp, sig)` with the leading one of `sig` at bit
/// `man`; subnormals are normalized (their `exp` goes to zero or below). All i64.
fn unpack_norm(b: &mut Fb, fmt: Fmt, abs: Value) -> (Value, Value) {
    let man = fmt.man() as u64;
    let (join, jp) = b.block(&[Type::I64, Type::I64]);
    let e = b.shr_u(abs, man);
    let f = b.and(abs, fmt.frac());
    let sub = b.eq(e, 0u64);
    let sb = b.branch_off(sub);
    let s = b.or(f, 1u64 << man);
    b.jump(join, &[e, s]);
    b.switch_to(sb);
    let lz = b.clz(f);
    let sh = b.sub(lz, 63 - man);
    let s = b.shl(f, sh);
    let e = b.sub(64 - man, lz);
    b.jump(join, &[e, s]);
    b.switch_to(join);
    (jp[0], jp[1])
}

/// The operand as i64 (f32 bits zero-extended).
fn widen(b: &mut Fb, fmt: Fmt, x: Value) -> Value {
    match fmt {
        Fmt::F32 => b.zext(x),
        Fmt::F64 => x,
    }
}

/// An i64 holding a result's bits, as the format's integer type.
fn narrow(b: &mut Fb, fmt: Fmt, x: Value) -> Value {
    match fmt {
        Fmt::F32 => b.wrap(x),
        Fmt::F64 => x,
    }
}

fn add(fmt: Fmt) -> Function {
    let (mut b, p) = Fb::new(&[fmt.int(), fmt.int()]);
    let (inf_k, mag) = (fmt.inf(), fmt.mag());
    let a = widen(&mut b, fmt, p[0]);
    let c = widen(&mut b, fmt, p[1]);
    let abs_a = b.and(a, mag);
    let abs_c = b.and(c, mag);
    let ia = b.ge_u(abs_a, inf_k);
    let ic = b.ge_u(abs_c, inf_k);
    let special = b.or(ia, ic);
    let sp = b.branch_off(special);

    // Order the operands so that |x| >= |y|.
    let swap = b.lt_u(abs_a, abs_c);
    let x = b.select(swap, c, a);
    let y = b.select(swap, a, c);
    let sign = b.and(x, fmt.sign());
    let diff = b.xor(x, y);
    let diff = b.and(diff, fmt.sign());
    let diff = b.ne(diff, 0u64);
    let (ex, sx) = unpack_raw(&mut b, fmt, x);
    let (ey, sy) = unpack_raw(&mut b, fmt, y);
    // Hidden bit to bit 61: room for the carry of the sum.
    let up = 61 - fmt.man() as u64;
    let sx = b.shl(sx, up);
    let sy = b.shl(sy, up);
    let d = b.sub(ex, ey);
    let sy = shift_right_jam(&mut b, sy, d);
    let dsum = b.sub(sx, sy);
    let ssum = b.add(sx, sy);
    let s = b.select(diff, dsum, ssum);
    // An exact zero: +0, except that (−0) + (−0) is −0.
    let zero = b.eq(s, 0u64);
    let zr = b.select(diff, 0u64, sign);
    let zr = narrow(&mut b, fmt, zr);
    b.ret_if(zero, zr);
    let lz = b.clz(s);
    let n = b.sub(lz, 1u64);
    let s = b.shl(s, n);
    let e = b.sub(ex, n);
    let r = round_pack(&mut b, fmt, sign, e, s);
    let r = narrow(&mut b, fmt, r);
    b.ret(&[r]);

    b.switch_to(sp);
    let na = b.gt_u(abs_a, inf_k);
    let nc = b.gt_u(abs_c, inf_k);
    let nan = b.or(na, nc);
    let q = b.konst(fmt.int(), fmt.qnan());
    b.ret_if(nan, q);
    // Both infinite with opposite signs: NaN; else the infinite one.
    let both = b.eq(abs_a, abs_c);
    let opp = b.xor(a, c);
    let opp = b.and(opp, fmt.sign());
    let opp = b.ne(opp, 0u64);
    let bad = b.and(both, opp);
    b.ret_if(bad, q);
    let r = b.select(ia, p[0], p[1]);
    b.ret(&[r]);
    b.finish()
}

/// `(exp, sig)` of a finite operand (i64) without normalizing: subnormals get exp 1 and no
/// hidden bit.
fn unpack_raw(b: &mut Fb, fmt: Fmt, x: Value) -> (Value, Value) {
    let man = fmt.man() as u64;
    let e = b.shr_u(x, man);
    let e = b.and(e, fmt.exp_max());
    let f = b.and(x, fmt.frac());
    let z = b.eq(e, 0u64);
    let fh = b.or(f, 1u64 << man);
    let s = b.select(z, f, fh);
    let e = b.select(z, 1u64, e);
    (e, s)
}

/// Sign of the product or quotient, magnitudes, and the NaN/infinity test, shared by `mul`
/// and `div`.
struct Operands {
    sign: Value,
    abs_a: Value,
    abs_c: Value,
    ia: Value,
    special: Value,
}

fn operands(b: &mut Fb, fmt: Fmt, p: &[Value]) -> Operands {
    let a = widen(b, fmt, p[0]);
    let c = widen(b, fmt, p[1]);
    let sign = b.xor(a, c);
    let sign = b.and(sign, fmt.sign());
    let abs_a = b.and(a, fmt.mag());
    let abs_c = b.and(c, fmt.mag());
    let ia = b.ge_u(abs_a, fmt.inf());
    let ic = b.ge_u(abs_c, fmt.inf());
    let special = b.or(ia, ic);
    Operands {
        sign,
        abs_a,
        abs_c,
        ia,
        special,
    }
}

fn mul(fmt: Fmt) -> Function {
    let (mut b, p) = Fb::new(&[fmt.int(), fmt.int()]);
    let o = operands(&mut b, fmt, &p);
    let sp = b.branch_off(o.special);
    let za = b.eq(o.abs_a, 0u64);
    let zc = b.eq(o.abs_c, 0u64);
    let zero = b.or(za, zc);
    let zs = narrow(&mut b, fmt, o.sign);
    b.ret_if(zero, zs);
    let (ea, sa) = unpack_norm(&mut b, fmt, o.abs_a);
    let (ec, sc) = unpack_norm(&mut b, fmt, o.abs_c);
    let s = match fmt {
        // 53 × 53 bits: the high half of the 128-bit product (`i64.mul_hi_u`, ZisK's `muluh`),
        // the low half as a sticky bit.
        Fmt::F64 => {
            let sa = b.shl(sa, 10u64);
            let sc = b.shl(sc, 11u64);
            let hi = b.mul_hi_u(sa, sc);
            let lo = b.mul(sa, sc);
            let sticky = b.ne(lo, 0u64);
            let sticky = b.b64(sticky);
            b.or(hi, sticky)
        }
        // 24 × 24 bits: exact in one i64.mul.
        Fmt::F32 => {
            let pr = b.mul(sa, sc);
            b.shl(pr, 15u64)
        }
    };
    let e = b.add(ea, ec);
    let e = b.sub(e, fmt.bias());
    let low = b.lt_u(s, 1u64 << 62);
    let low = b.b64(low);
    let s = b.shl(s, low);
    let e = b.sub(e, low);
    let r = round_pack(&mut b, fmt, o.sign, e, s);
    let r = narrow(&mut b, fmt, r);
    b.ret(&[r]);

    // Infinity times zero, or a NaN operand: NaN; else a signed infinity.
    b.switch_to(sp);
    let inf_k = fmt.inf();
    let na = b.gt_u(o.abs_a, inf_k);
    let nc = b.gt_u(o.abs_c, inf_k);
    let za = b.eq(o.abs_a, 0u64);
    let zc = b.eq(o.abs_c, 0u64);
    let n1 = b.or(na, nc);
    let n2 = b.or(za, zc);
    let nan = b.or(n1, n2);
    let inf = b.or(o.sign, inf_k);
    let r = b.select(nan, fmt.qnan(), inf);
    let r = narrow(&mut b, fmt, r);
    b.ret(&[r]);
    b.finish()
}

fn div(fmt: Fmt) -> Function {
    let (mut b, p) = Fb::new(&[fmt.int(), fmt.int()]);
    let o = operands(&mut b, fmt, &p);
    let sign = o.sign;
    let sp = b.branch_off(o.special);
    let za = b.eq(o.abs_a, 0u64);
    let zc = b.eq(o.abs_c, 0u64);
    let zb = b.branch_off(zc);
    let zs = narrow(&mut b, fmt, sign);
    b.ret_if(za, zs);
    let (ea, sa) = unpack_norm(&mut b, fmt, o.abs_a);
    let (ec, sc) = unpack_norm(&mut b, fmt, o.abs_c);
    let small = b.lt_u(sa, sc);
    let small = b.b64(small);
    let sa = b.shl(sa, small);
    let e = b.sub(ea, ec);
    let e = b.add(e, fmt.bias() - 1);
    let e = b.sub(e, small);
    let s = match fmt {
        // Long division, 11 quotient bits per 64-bit division: the remainder stays below
        // sc < 2^53, so `r << 11` fits. 55 quotient bits, then the sticky remainder.
        Fmt::F64 => {
            let n = b.shl(sa, 10u64);
            let mut q = b.div_u(n, sc);
            let mut r = b.rem_u(n, sc);
            for _ in 0..4 {
                let n = b.shl(r, 11u64);
                let d = b.div_u(n, sc);
                r = b.rem_u(n, sc);
                let qs = b.shl(q, 11u64);
                q = b.or(qs, d);
            }
            let sticky = b.ne(r, 0u64);
            let sticky = b.b64(sticky);
            let s = b.shl(q, 8u64);
            b.or(s, sticky)
        }
        // One division gives 40 quotient bits (sa < 2^25, so sa << 39 fits).
        Fmt::F32 => {
            let n = b.shl(sa, 39u64);
            let q = b.div_u(n, sc);
            let r = b.rem_u(n, sc);
            let sticky = b.ne(r, 0u64);
            let sticky = b.b64(sticky);
            let s = b.shl(q, 23u64);
            b.or(s, sticky)
        }
    };
    let r = round_pack(&mut b, fmt, sign, e, s);
    let r = narrow(&mut b, fmt, r);
    b.ret(&[r]);

    // x / 0: NaN for 0 / 0, else a signed infinity.
    b.switch_to(zb);
    let inf = b.or(sign, fmt.inf());
    let r = b.select(za, fmt.qnan(), inf);
    let r = narrow(&mut b, fmt, r);
    b.ret(&[r]);

    // NaN operand or inf / inf: NaN; inf / x: inf; x / inf: zero.
    b.switch_to(sp);
    let na = b.gt_u(o.abs_a, fmt.inf());
    let nc = b.gt_u(o.abs_c, fmt.inf());
    let both = b.eq(o.abs_a, o.abs_c);
    let n1 = b.or(na, nc);
    let nan = b.or(n1, both);
    let inf = b.or(sign, fmt.inf());
    let r = b.select(o.ia, inf, sign);
    let r = b.select(nan, fmt.qnan(), r);
    let r = narrow(&mut b, fmt, r);
    b.ret(&[r]);
    b.finish()
}

fn sqrt64() -> Function {
    let (mut b, p) = Fb::new(&[Type::I64]);
    let a = p[0];
    // +inf, NaNs and every negative operand (sign bit set) compare >= INF.
    let special = b.ge_u(a, INF);
    let sp = b.branch_off(special);
    let zero = b.eq(a, 0u64);
    b.ret_if(zero, a);
    let (e, s) = unpack_norm(&mut b, Fmt::F64, a);
    // value = s × 2^k with k = e − 1075; make k even.
    let k = b.sub(e, 1075u64);
    let odd = b.and(k, 1u64);
    let s = b.shl(s, odd);
    let k = b.sub(k, odd);
    let half_k = b.shr_s(k, 1u64);
    let e = b.add(half_k, 1048u64);
    // q = floor(sqrt(M)) for M = s × 2^56 (55 bits), in two steps: the integer square root
    // t of N = M >> 54 = 4s by Newton's iteration from above, then the remaining 27 bits from
    // the first-order expansion sqrt(N + x) ≤ t + x / 2t, which overestimates by at most
    // 2^26 / t ≤ 1/2, so the floor is q or q + 1; a 128-bit square decides.
    let n = b.shl(s, 2u64);
    // (N / 2^27 + 2^27) / 2 ≥ sqrt(N) (AM-GM), within 25 %.
    let x0 = b.shr_u(n, 28u64);
    let x0 = b.add(x0, 1u64 << 26);
    let (lp, lpp) = b.block(&[Type::I64]);
    let (out, op) = b.block(&[Type::I64]);
    b.jump(lp, &[x0]);
    b.switch_to(lp);
    let x = lpp[0];
    let d = b.div_u(n, x);
    let y = b.add(x, d);
    let y = b.shr_u(y, 1u64);
    let down = b.lt_u(y, x);
    b.brif(down, (lp, &[y]), (out, &[x]));
    b.switch_to(out);
    let t = op[0];
    let tt = b.mul(t, t);
    let r = b.sub(n, tt);
    let r = b.shl(r, 26u64);
    let c = b.div_u(r, t);
    let hi = b.shl(t, 27u64);
    let cand = b.add(hi, c);
    let sh = b.mul_hi_u(cand, cand);
    let sl = b.mul(cand, cand);
    let mh = b.shr_u(s, 8u64);
    let ml = b.shl(s, 56u64);
    let gt_hi = b.gt_u(sh, mh);
    let eq_hi = b.eq(sh, mh);
    let gt_lo = b.gt_u(sl, ml);
    let gt_lo = b.and(eq_hi, gt_lo);
    let over = b.or(gt_hi, gt_lo);
    let eq_lo = b.eq(sl, ml);
    let exact = b.and(eq_hi, eq_lo);
    // Too big: one less, and inexact (an exact root is never overestimated).
    let over = b.b64(over);
    let q = b.sub(cand, over);
    let inexact = b.eqz(exact);
    let sticky = b.b64(inexact);
    let sticky = b.or(sticky, over);
    let s = b.shl(q, 8u64);
    let s = b.or(s, sticky);
    let zs = b.konst(Type::I64, 0);
    let res = round_pack(&mut b, Fmt::F64, zs, e, s);
    b.ret(&[res]);

    b.switch_to(sp);
    let pinf = b.eq(a, INF);
    let nzero = b.eq(a, SIGN);
    let r = b.select(nzero, a, QNAN);
    let r = b.select(pinf, a, r);
    b.ret(&[r]);
    b.finish()
}

/// Order-preserving key of a non-NaN float: sign-magnitude to two's complement (±0 → 0).
fn key(b: &mut Fb, fmt: Fmt, x: Value, abs: Value) -> Value {
    let s = b.shr_s(x, fmt.bits() as u64 - 1);
    let t = b.xor(abs, s);
    b.sub(t, s)
}

fn minmax(fmt: Fmt, max: bool) -> Function {
    let (mut b, p) = Fb::new(&[fmt.int(), fmt.int()]);
    let (x, y) = (p[0], p[1]);
    let ax = b.and(x, fmt.mag());
    let ay = b.and(y, fmt.mag());
    let nx = b.gt_u(ax, fmt.inf());
    let ny = b.gt_u(ay, fmt.inf());
    let nan = b.or(nx, ny);
    let q = b.konst(fmt.int(), fmt.qnan());
    b.ret_if(nan, q);
    let kx = key(&mut b, fmt, x, ax);
    let ky = key(&mut b, fmt, y, ay);
    let lt = b.lt_s(kx, ky);
    let gt = b.lt_s(ky, kx);
    // Equal keys: equal values or ±0, where min takes −0 (or) and max +0 (and).
    let r = if max {
        let e = b.and(x, y);
        let r = b.select(lt, y, e);
        b.select(gt, x, r)
    } else {
        let e = b.or(x, y);
        let r = b.select(gt, y, e);
        b.select(lt, x, r)
    };
    b.ret(&[r]);
    b.finish()
}

fn round_int(fmt: Fmt, mode: RoundMode) -> Function {
    let t = fmt.int();
    let (mut b, p) = Fb::new(&[t]);
    let a = p[0];
    let abs = b.and(a, fmt.mag());
    let e = b.shr_u(abs, fmt.man() as u64);
    // Already integral (or inf, NaN).
    let big = b.ge_u(e, fmt.bias() + fmt.man() as u64);
    let bb = b.branch_off(big);
    let sign = b.and(a, fmt.sign());
    let neg = b.ne(sign, 0u64);
    let nz = b.ne(abs, 0u64);
    // |a| < 1.
    let small = b.lt_u(e, fmt.bias());
    let sb = b.branch_off(small);
    let sh = b.sub(fmt.bias() + fmt.man() as u64, e);
    let unit = b.shl(1u64, sh);
    let m = b.sub(unit, 1u64);
    let nm = b.xor(m, u64::MAX);
    let down = b.and(a, nm);
    let r = match mode {
        RoundMode::Trunc => down,
        RoundMode::Floor | RoundMode::Ceil => {
            let up = b.add(a, m);
            let up = b.and(up, nm);
            if mode == RoundMode::Floor {
                b.select(neg, up, down)
            } else {
                b.select(neg, down, up)
            }
        }
        RoundMode::Nearest => {
            let half = b.shr_u(unit, 1u64);
            let frac = b.and(a, m);
            let r = b.add(a, half);
            let r = b.and(r, nm);
            let tie = b.eq(frac, half);
            let nu = b.xor(unit, u64::MAX);
            let even = b.and(r, nu);
            b.select(tie, even, r)
        }
    };
    b.ret(&[r]);

    b.switch_to(sb);
    let one = fmt.one();
    let r = match mode {
        RoundMode::Trunc => sign,
        RoundMode::Floor => {
            let c = b.and(neg, nz);
            let m1 = b.konst(t, fmt.sign() | one);
            b.select(c, m1, sign)
        }
        RoundMode::Ceil => {
            let pos = b.eq(sign, 0u64);
            let c = b.and(pos, nz);
            let p1 = b.konst(t, one);
            b.select(c, p1, sign)
        }
        RoundMode::Nearest => {
            let c = b.gt_u(abs, (fmt.bias() - 1) << fmt.man());
            let s1 = b.or(sign, one);
            b.select(c, s1, sign)
        }
    };
    b.ret(&[r]);

    b.switch_to(bb);
    let nan = b.gt_u(abs, fmt.inf());
    let r = b.select(nan, fmt.qnan(), a);
    b.ret(&[r]);
    b.finish()
}

fn promote() -> Function {
    let (mut b, p) = Fb::new(&[Type::I32]);
    let a = b.zext(p[0]);
    let abs = b.and(a, 0x7fff_ffffu64);
    let sign = b.and(a, 0x8000_0000u64);
    let sign = b.shl(sign, 32u64);
    let special = b.ge_u(abs, 0x7f80_0000u64);
    let sp = b.branch_off(special);
    let sub = b.lt_u(abs, 0x0080_0000u64);
    let sb = b.branch_off(sub);
    let w = b.shl(abs, 29u64);
    let w = b.add(w, (1023u64 - 127) << 52);
    let r = b.or(sign, w);
    b.ret(&[r]);

    // Zero or subnormal: normalize (value = abs × 2^−149).
    b.switch_to(sb);
    let zero = b.eq(abs, 0u64);
    b.ret_if(zero, sign);
    let lz = b.clz(abs);
    let sh = b.sub(lz, 11u64);
    let s = b.shl(abs, sh);
    // Leading bit p = 63 − lz; biased exponent p + 874, minus one for the hidden bit.
    let e = b.sub(936u64, lz);
    let e = b.shl(e, 52u64);
    let w = b.add(e, s);
    let r = b.or(sign, w);
    b.ret(&[r]);

    b.switch_to(sp);
    let inf = b.eq(abs, 0x7f80_0000u64);
    let si = b.or(sign, INF);
    let r = b.select(inf, si, QNAN);
    b.ret(&[r]);
    b.finish()
}

fn demote() -> Function {
    let (mut b, p) = Fb::new(&[Type::I64]);
    let a = p[0];
    let abs = b.and(a, MAG);
    let sign = b.shr_u(a, 32u64);
    let sign = b.and(sign, 0x8000_0000u64);
    let special = b.ge_u(abs, INF);
    let sp = b.branch_off(special);
    let (e, s) = unpack_raw(&mut b, Fmt::F64, abs);
    let s = b.shl(s, 10u64);
    let e = b.sub(e, 897u64);
    let r = round_pack(&mut b, Fmt::F32, sign, e, s);
    let r = b.wrap(r);
    b.ret(&[r]);

    b.switch_to(sp);
    let inf = b.eq(abs, INF);
    let si = b.or(sign, 0x7f80_0000u64);
    let r = b.select(inf, si, 0x7fc0_0000u64);
    let r = b.wrap(r);
    b.ret(&[r]);
    b.finish()
}

fn trunc(signed: bool, to64: bool, sat: bool) -> Function {
    let rt = if to64 { Type::I64 } else { Type::I32 };
    let bits = if to64 { 64 } else { 32 };
    let (mut b, p) = Fb::new(&[Type::I64]);
    let a = p[0];
    let abs = b.and(a, MAG);
    let neg = b.lt_s(a, 0u64);
    let nan = b.gt_u(abs, INF);
    if sat {
        let z = b.konst(rt, 0);
        b.ret_if(nan, z);
    } else {
        b.trap_if(nan, TrapCode::BadConversion);
    }
    let e = b.shr_u(abs, 52u64);
    let small = b.lt_u(e, 1023u64);
    let z = b.konst(rt, 0);
    b.ret_if(small, z);
    let (ovf, _) = b.block(&[]);
    let huge = b.ge_u(e, 1023u64 + 64);
    let (k, _) = b.block(&[]);
    b.brif(huge, (ovf, &[]), (k, &[]));
    b.switch_to(k);
    let f = b.and(abs, FRAC);
    let s = b.or(f, HID);
    let s = b.shl(s, 11u64);
    let sh = b.sub(1023u64 + 63, e);
    let mag = b.shr_u(s, sh);
    let negv = b.b64(neg);
    let lim = if signed {
        b.add(negv, (1u64 << (bits - 1)) - 1)
    } else {
        let max = if to64 { u64::MAX } else { u32::MAX as u64 };
        b.select(neg, 0u64, max)
    };
    let bad = b.gt_u(mag, lim);
    let (okb, _) = b.block(&[]);
    b.brif(bad, (ovf, &[]), (okb, &[]));
    b.switch_to(okb);
    let nmag = b.sub(0u64, mag);
    let r = b.select(neg, nmag, mag);
    let r = if to64 { r } else { b.wrap(r) };
    b.ret(&[r]);

    b.switch_to(ovf);
    if sat {
        let (lo, hi) = match (signed, to64) {
            (true, true) => (i64::MIN as u64, i64::MAX as u64),
            (true, false) => (i32::MIN as u32 as u64, i32::MAX as u64),
            (false, true) => (0, u64::MAX),
            (false, false) => (0, u32::MAX as u64),
        };
        let lo = b.konst(rt, lo);
        let hi = b.konst(rt, hi);
        let r = b.select(neg, lo, hi);
        b.ret(&[r]);
    } else {
        b.trap(TrapCode::IntOverflow);
    }
    b.finish()
}

fn convert(signed: bool, fmt: Fmt) -> Function {
    let (mut b, p) = Fb::new(&[Type::I64]);
    let x = p[0];
    let (mag, sign) = if signed {
        let neg = b.lt_s(x, 0u64);
        let n = b.sub(0u64, x);
        let mag = b.select(neg, n, x);
        let sign = b.and(x, SIGN);
        let sign = b.shr_u(sign, 64 - fmt.bits() as u64);
        (mag, sign)
    } else {
        (x, b.konst(Type::I64, 0))
    };
    let zero = b.eq(mag, 0u64);
    let z = b.konst(fmt.int(), 0);
    b.ret_if(zero, z);
    let lz = b.clz(mag);
    let s = b.shl(mag, lz);
    let low = b.and(s, 1u64);
    let s = b.shr_u(s, 1u64);
    let s = b.or(s, low);
    let e = b.sub(fmt.bias() + 62, lz);
    let r = round_pack(&mut b, fmt, sign, e, s);
    let r = if fmt == Fmt::F32 { b.wrap(r) } else { r };
    b.ret(&[r]);
    b.finish()
}

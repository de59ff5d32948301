//! The pass: rewrites every float type and float operation of a module into integer IR.

use crate::routines::{Fmt, Library, RoundMode, Rt};
use crate::LowerError;
use std::collections::{BTreeSet, HashMap, HashSet};
use zkc_ir::{
    BinaryOp, CmpOp, ConstExpr, ConvOp, DataMode, ElemMode, FuncDecl, FuncDef, FuncId, Function,
    GlobalInit, Inst, Module, Op, PrimaryMap, SigId, Signature, SrcLoc, TermKind, Type, UnaryOp,
    Value,
};

/// The integer type that carries a float's bits (identity on integers).
pub fn int_type(t: Type) -> Type {
    match t {
        Type::F32 => Type::I32,
        Type::F64 => Type::I64,
        t => t,
    }
}

fn fmt_of(t: Type) -> Option<Fmt> {
    match t {
        Type::F32 => Some(Fmt::F32),
        Type::F64 => Some(Fmt::F64),
        _ => None,
    }
}

fn int_sig(s: &Signature) -> Signature {
    Signature::new(
        s.params.iter().map(|&t| int_type(t)).collect(),
        s.results.iter().map(|&t| int_type(t)).collect(),
    )
}

fn has_float(s: &Signature) -> bool {
    s.params.iter().chain(&s.results).any(|t| t.is_float())
}

/// How signatures are lowered so that `call_indirect` checks stay exact.
///
/// Mapping floats to integers can make two different signatures equal (`(f32) -> ()` and
/// `(i32) -> ()`), and a call that must trap "indirect call type mismatch" would then succeed.
/// Only the signatures that take part in indirect calls matter: those of `call_indirect`
/// instructions (`Module::sigs`) and of the functions in element segments (the only way into
/// a table). Integer-only signatures keep their form; each float signature among them, in
/// order, takes the fewest trailing padding `i32` parameters that make its lowered form
/// differ from every form already taken. The padding is an ignored argument that callers pass
/// as 0; in practice there is rarely any collision and so no padding at all.
pub struct SigPlan {
    pad: HashMap<Signature, usize>,
}

impl SigPlan {
    pub fn new(m: &Module) -> SigPlan {
        let mut relevant: BTreeSet<Signature> = m.sigs.values().cloned().collect();
        for e in m.elems.values() {
            for f in e.items.iter().flatten() {
                if let Some(d) = m.funcs.get(*f) {
                    relevant.insert(d.sig.clone());
                }
            }
        }
        let mut taken: HashSet<Signature> =
            relevant.iter().filter(|s| !has_float(s)).cloned().collect();
        let mut pad = HashMap::new();
        for s in relevant.iter().filter(|s| has_float(s)) {
            let mut k = 0;
            loop {
                let cand = padded(int_sig(s), k);
                if taken.insert(cand) {
                    break;
                }
                k += 1;
            }
            if k > 0 {
                pad.insert(s.clone(), k);
            }
        }
        SigPlan { pad }
    }

    /// Padding parameters of the original signature `s`.
    pub fn pad(&self, s: &Signature) -> usize {
        self.pad.get(s).copied().unwrap_or(0)
    }

    /// The lowered form of the original signature `s`.
    pub fn lower(&self, s: &Signature) -> Signature {
        padded(int_sig(s), self.pad(s))
    }
}

fn padded(mut s: Signature, k: usize) -> Signature {
    s.params.extend(std::iter::repeat_n(Type::I32, k));
    s
}

fn lower_const(c: &mut ConstExpr) {
    if let ConstExpr::Value { ty, .. } = c {
        *ty = int_type(*ty);
    }
}

/// Calls to the routine a body uses `k`-th are to this function plus `k` until
/// [`lower_module`] has the routine's function.
const ROUTINE_PLACEHOLDER: u32 = u32::MAX / 2;

/// Lowers the module's bodies side by side on rayon's threads (on a Go module this pass was a
/// serial 20 ms, issue 17), then, in the module's order, adds the routines each one calls and
/// points its calls at them: the routines get the functions they got when the bodies were
/// lowered one after the other.
pub fn lower_module(m: &mut Module) -> Result<(), LowerError> {
    use rayon::prelude::*;
    let plan = SigPlan::new(m);
    let n = m.funcs.len();
    let mut bodies: Vec<(FuncId, Function)> = (0..n)
        .map(|i| FuncId::from_u32(i as u32))
        .filter_map(|id| match &mut m.funcs[id].def {
            FuncDef::Body(body) => Some((id, std::mem::take(body))),
            _ => None,
        })
        .collect();
    let lowered: Vec<Result<Vec<Rt>, String>> = {
        let (funcs, sigs) = (&m.funcs, &m.sigs);
        (bodies.par_iter_mut())
            .map(|(id, f)| {
                let mut l = Lowerer {
                    funcs,
                    sigs,
                    plan: &plan,
                    used: Vec::new(),
                };
                l.body(f, plan.pad(&funcs[*id].sig)).map(|()| l.used)
            })
            .collect()
    };
    let mut lib = Library::default();
    let mut failed = None;
    for ((id, mut f), used) in bodies.into_iter().zip(lowered) {
        match used {
            Ok(used) if failed.is_none() => {
                let ids: Vec<FuncId> = used.into_iter().map(|rt| lib.get(m, rt)).collect();
                if !ids.is_empty() {
                    for i in f.insts.values_mut() {
                        if let Op::Call(g) = &mut i.op {
                            if let Some(k) = g.as_u32().checked_sub(ROUTINE_PLACEHOLDER) {
                                *g = ids[k as usize];
                            }
                        }
                    }
                }
            }
            Err(e) if failed.is_none() => failed = Some(format!("@{}: {e}", m.funcs[id].name)),
            _ => {}
        }
        m.funcs[id].def = FuncDef::Body(f);
    }
    if let Some(e) = failed {
        return Err(LowerError::Invalid(e));
    }
    for i in 0..n {
        let id = FuncId::from_u32(i as u32);
        m.funcs[id].sig = plan.lower(&m.funcs[id].sig);
    }
    for s in m.sigs.values_mut() {
        *s = plan.lower(s);
    }
    for g in m.globals.values_mut() {
        g.ty = int_type(g.ty);
        if let GlobalInit::Const(c) = &mut g.init {
            lower_const(c);
        }
    }
    for d in m.data.values_mut() {
        if let DataMode::Active { offset } = &mut d.mode {
            lower_const(offset);
        }
    }
    for e in m.elems.values_mut() {
        if let ElemMode::Active { offset, .. } = &mut e.mode {
            lower_const(offset);
        }
    }
    Ok(())
}

struct Lowerer<'a> {
    funcs: &'a PrimaryMap<FuncId, FuncDecl>,
    sigs: &'a PrimaryMap<SigId, Signature>,
    plan: &'a SigPlan,
    /// The routines the body calls, in the order of first use ([`ROUTINE_PLACEHOLDER`]).
    used: Vec<Rt>,
}

/// Emits instructions before the one being lowered.
struct Emit<'f> {
    f: &'f mut Function,
    out: &'f mut Vec<Inst>,
    loc: SrcLoc,
}

impl Emit<'_> {
    fn op(&mut self, op: Op, args: &[Value], ty: Type) -> Value {
        let i = self.f.make_inst(op, args, &[ty], self.loc);
        self.out.push(i);
        self.f.inst_results(i)[0]
    }
    fn k(&mut self, ty: Type, bits: u64) -> Value {
        self.op(
            Op::Const {
                ty,
                bits: ty.truncate(bits),
            },
            &[],
            ty,
        )
    }
    fn bin(&mut self, op: BinaryOp, ty: Type, a: Value, b: Value) -> Value {
        self.op(Op::Binary { op, ty }, &[a, b], ty)
    }
    fn bink(&mut self, op: BinaryOp, ty: Type, a: Value, k: u64) -> Value {
        let b = self.k(ty, k);
        self.bin(op, ty, a, b)
    }
    fn cmp(&mut self, op: CmpOp, ty: Type, a: Value, b: Value) -> Value {
        self.op(Op::Compare { op, ty }, &[a, b], Type::I32)
    }
}

impl Lowerer<'_> {
    fn rt(&mut self, rt: Rt) -> FuncId {
        let k = match self.used.iter().position(|&r| r == rt) {
            Some(k) => k,
            None => {
                self.used.push(rt);
                self.used.len() - 1
            }
        };
        FuncId::from_u32(ROUTINE_PLACEHOLDER + k as u32)
    }

    fn body(&mut self, f: &mut Function, pad: usize) -> Result<(), String> {
        for v in f.values.values_mut() {
            v.ty = int_type(v.ty);
        }
        let mut alias: HashMap<Value, Value> = HashMap::new();
        for bi in 0..f.layout.len() {
            let block = f.layout[bi];
            let insts = std::mem::take(&mut f.blocks[block].insts);
            let mut out = Vec::with_capacity(insts.len());
            for inst in insts {
                self.inst(f, inst, &mut out, &mut alias)?;
            }
            f.blocks[block].insts = out;
        }
        if !alias.is_empty() {
            let resolve = |mut v: Value| {
                while let Some(&w) = alias.get(&v) {
                    v = w;
                }
                v
            };
            for &block in &f.layout {
                for &i in &f.blocks[block].insts {
                    for a in f.insts[i].args.iter_mut() {
                        *a = resolve(*a);
                    }
                }
                if let Some(t) = f.blocks[block].term.as_mut() {
                    t.map_uses(resolve);
                }
            }
        }
        if pad > 0 {
            pad_entry(f, pad);
        }
        Ok(())
    }

    fn inst(
        &mut self,
        f: &mut Function,
        inst: Inst,
        out: &mut Vec<Inst>,
        alias: &mut HashMap<Value, Value>,
    ) -> Result<(), String> {
        let op = f.insts[inst].op.clone();
        let args = f.insts[inst].args.clone();
        let loc = f.insts[inst].srcloc;
        if let Op::Convert(
            ConvOp::I32ReinterpretF32
            | ConvOp::I64ReinterpretF64
            | ConvOp::F32ReinterpretI32
            | ConvOp::F64ReinterpretI64,
        ) = op
        {
            // Same bits: uses of the result read the operand; the instruction goes.
            alias.insert(f.insts[inst].results[0], args[0]);
            return Ok(());
        }
        let new: Option<(Op, Vec<Value>)> = match op {
            Op::Const { ty, bits } if ty.is_float() => Some((
                Op::Const {
                    ty: int_type(ty),
                    bits,
                },
                args.to_vec(),
            )),
            Op::Unary { op, ty } if ty.is_float() => {
                let fmt = fmt_of(ty).unwrap();
                let t = fmt.int();
                let mut e = Emit { f, out, loc };
                Some(match op {
                    UnaryOp::Abs => {
                        let k = e.k(t, fmt.mag());
                        (
                            Op::Binary {
                                op: BinaryOp::And,
                                ty: t,
                            },
                            vec![args[0], k],
                        )
                    }
                    UnaryOp::Neg => {
                        let k = e.k(t, fmt.sign());
                        (
                            Op::Binary {
                                op: BinaryOp::Xor,
                                ty: t,
                            },
                            vec![args[0], k],
                        )
                    }
                    UnaryOp::Sqrt => {
                        let rt = if fmt == Fmt::F64 {
                            Rt::Sqrt64
                        } else {
                            Rt::F32Sqrt
                        };
                        (Op::Call(self.rt(rt)), args.to_vec())
                    }
                    UnaryOp::Ceil | UnaryOp::Floor | UnaryOp::Trunc | UnaryOp::Nearest => {
                        let mode = match op {
                            UnaryOp::Ceil => RoundMode::Ceil,
                            UnaryOp::Floor => RoundMode::Floor,
                            UnaryOp::Trunc => RoundMode::Trunc,
                            _ => RoundMode::Nearest,
                        };
                        (Op::Call(self.rt(Rt::Round { fmt, mode })), args.to_vec())
                    }
                    _ => return Err(format!("{ty}.{} does not exist", op.name())),
                })
            }
            Op::Binary { op, ty } if ty.is_float() => {
                let fmt = fmt_of(ty).unwrap();
                let t = fmt.int();
                let f64 = fmt == Fmt::F64;
                let arith = |r64, r32| if f64 { r64 } else { r32 };
                Some(match op {
                    BinaryOp::Add => (
                        Op::Call(self.rt(arith(Rt::Add64, Rt::F32Add))),
                        args.to_vec(),
                    ),
                    BinaryOp::Sub => {
                        let id = self.rt(arith(Rt::Add64, Rt::F32Add));
                        let mut e = Emit { f, out, loc };
                        let nb = e.bink(BinaryOp::Xor, t, args[1], fmt.sign());
                        (Op::Call(id), vec![args[0], nb])
                    }
                    BinaryOp::Mul => (
                        Op::Call(self.rt(arith(Rt::Mul64, Rt::F32Mul))),
                        args.to_vec(),
                    ),
                    BinaryOp::Div => (
                        Op::Call(self.rt(arith(Rt::Div64, Rt::F32Div))),
                        args.to_vec(),
                    ),
                    BinaryOp::Min | BinaryOp::Max => {
                        let max = op == BinaryOp::Max;
                        (Op::Call(self.rt(Rt::MinMax { fmt, max })), args.to_vec())
                    }
                    BinaryOp::Copysign => {
                        let mut e = Emit { f, out, loc };
                        let m = e.bink(BinaryOp::And, t, args[0], fmt.mag());
                        let s = e.bink(BinaryOp::And, t, args[1], fmt.sign());
                        (
                            Op::Binary {
                                op: BinaryOp::Or,
                                ty: t,
                            },
                            vec![m, s],
                        )
                    }
                    _ => return Err(format!("{ty}.{} does not exist", op.name())),
                })
            }
            Op::Compare { op, ty } if ty.is_float() => {
                let fmt = fmt_of(ty).unwrap();
                let mut e = Emit { f, out, loc };
                Some(compare(&mut e, fmt, op, args[0], args[1])?)
            }
            Op::Convert(c) => self.convert(f, out, loc, c, args[0]),
            Op::Select { ty } if ty.is_float() => {
                Some((Op::Select { ty: int_type(ty) }, args.to_vec()))
            }
            Op::Load {
                ty,
                width,
                signed,
                offset,
                notrap,
            } if ty.is_float() => Some((
                Op::Load {
                    ty: int_type(ty),
                    width,
                    signed,
                    offset,
                    notrap,
                },
                args.to_vec(),
            )),
            Op::Store {
                ty,
                width,
                offset,
                notrap,
            } if ty.is_float() => Some((
                Op::Store {
                    ty: int_type(ty),
                    width,
                    offset,
                    notrap,
                },
                args.to_vec(),
            )),
            Op::Call(callee) => {
                let k = (self.funcs.get(callee)).map_or(0, |d| self.plan.pad(&d.sig));
                (k > 0).then(|| {
                    let mut e = Emit { f, out, loc };
                    let mut a = args.to_vec();
                    for _ in 0..k {
                        a.push(e.k(Type::I32, 0));
                    }
                    (op.clone(), a)
                })
            }
            Op::CallIndirect { sig, .. } => {
                let k = self.sigs.get(sig).map_or(0, |s| self.plan.pad(s));
                (k > 0).then(|| {
                    let mut e = Emit { f, out, loc };
                    let mut a = args.to_vec();
                    let index = a.pop().expect("call_indirect has a callee index");
                    for _ in 0..k {
                        a.push(e.k(Type::I32, 0));
                    }
                    a.push(index);
                    (op.clone(), a)
                })
            }
            _ => None,
        };
        match new {
            Some((op, args)) => {
                let d = &mut f.insts[inst];
                d.op = op;
                d.args = args.into_iter().collect();
                out.push(inst);
            }
            None => out.push(inst),
        }
        Ok(())
    }

    fn convert(
        &mut self,
        f: &mut Function,
        out: &mut Vec<Inst>,
        loc: SrcLoc,
        c: ConvOp,
        x: Value,
    ) -> Option<(Op, Vec<Value>)> {
        use ConvOp::*;
        let call = |s: &mut Self, rt: Rt, a: Value| Some((Op::Call(s.rt(rt)), vec![a]));
        let tr = |signed, to64, sat| Rt::Trunc { signed, to64, sat };
        let tr32 = |signed, to64, sat| Rt::TruncF32 { signed, to64, sat };
        match c {
            I32ReinterpretF32 | I64ReinterpretF64 | F32ReinterpretI32 | F64ReinterpretI64 => None,
            I32TruncF32S => call(self, tr32(true, false, false), x),
            I32TruncF32U => call(self, tr32(false, false, false), x),
            I64TruncF32S => call(self, tr32(true, true, false), x),
            I64TruncF32U => call(self, tr32(false, true, false), x),
            I32TruncSatF32S => call(self, tr32(true, false, true), x),
            I32TruncSatF32U => call(self, tr32(false, false, true), x),
            I64TruncSatF32S => call(self, tr32(true, true, true), x),
            I64TruncSatF32U => call(self, tr32(false, true, true), x),
            I32TruncF64S => call(self, tr(true, false, false), x),
            I32TruncF64U => call(self, tr(false, false, false), x),
            I64TruncF64S => call(self, tr(true, true, false), x),
            I64TruncF64U => call(self, tr(false, true, false), x),
            I32TruncSatF64S => call(self, tr(true, false, true), x),
            I32TruncSatF64U => call(self, tr(false, false, true), x),
            I64TruncSatF64S => call(self, tr(true, true, true), x),
            I64TruncSatF64U => call(self, tr(false, true, true), x),
            F32ConvertI32S | F32ConvertI32U | F64ConvertI32S | F64ConvertI32U => {
                let signed = matches!(c, F32ConvertI32S | F64ConvertI32S);
                let fmt = if matches!(c, F32ConvertI32S | F32ConvertI32U) {
                    Fmt::F32
                } else {
                    Fmt::F64
                };
                let ext = if signed { I64ExtendI32S } else { I64ExtendI32U };
                let id = self.rt(Rt::Convert { signed, fmt });
                let mut e = Emit { f, out, loc };
                let w = e.op(Op::Convert(ext), &[x], Type::I64);
                Some((Op::Call(id), vec![w]))
            }
            F32ConvertI64S => call(
                self,
                Rt::Convert {
                    signed: true,
                    fmt: Fmt::F32,
                },
                x,
            ),
            F32ConvertI64U => call(
                self,
                Rt::Convert {
                    signed: false,
                    fmt: Fmt::F32,
                },
                x,
            ),
            F64ConvertI64S => call(
                self,
                Rt::Convert {
                    signed: true,
                    fmt: Fmt::F64,
                },
                x,
            ),
            F64ConvertI64U => call(
                self,
                Rt::Convert {
                    signed: false,
                    fmt: Fmt::F64,
                },
                x,
            ),
            F32DemoteF64 => call(self, Rt::Demote, x),
            F64PromoteF32 => call(self, Rt::Promote, x),
            I32WrapI64 | I64ExtendI32S | I64ExtendI32U => None,
        }
    }
}

/// A float comparison as integer code; the last operation is returned for the original
/// instruction to become, so its result value is kept.
fn compare(
    e: &mut Emit,
    fmt: Fmt,
    op: CmpOp,
    a: Value,
    b: Value,
) -> Result<(Op, Vec<Value>), String> {
    let t = fmt.int();
    let and32 = Op::Binary {
        op: BinaryOp::And,
        ty: Type::I32,
    };
    let aa = e.bink(BinaryOp::And, t, a, fmt.mag());
    let ab = e.bink(BinaryOp::And, t, b, fmt.mag());
    match op {
        CmpOp::Eq | CmpOp::Ne => {
            // Equal bits and not NaN, or both zeros.
            let same = e.cmp(CmpOp::Eq, t, a, b);
            let inf = e.k(t, fmt.inf());
            let num = e.cmp(CmpOp::LeU, t, aa, inf);
            let x = e.bin(BinaryOp::And, Type::I32, same, num);
            let o = e.bin(BinaryOp::Or, t, aa, ab);
            let z = e.op(
                Op::Unary {
                    op: UnaryOp::Eqz,
                    ty: t,
                },
                &[o],
                Type::I32,
            );
            let or32 = Op::Binary {
                op: BinaryOp::Or,
                ty: Type::I32,
            };
            if op == CmpOp::Eq {
                Ok((or32, vec![x, z]))
            } else {
                let eq = e.op(or32, &[x, z], Type::I32);
                let one = e.k(Type::I32, 1);
                Ok((
                    Op::Binary {
                        op: BinaryOp::Xor,
                        ty: Type::I32,
                    },
                    vec![eq, one],
                ))
            }
        }
        CmpOp::Lt | CmpOp::Gt | CmpOp::Le | CmpOp::Ge => {
            let mut fb = KeyEmit(e);
            let ka = fb.key(fmt, a, aa);
            let kb = fb.key(fmt, b, ab);
            let e = fb.0;
            let c = match op {
                CmpOp::Lt => e.cmp(CmpOp::LtS, t, ka, kb),
                CmpOp::Gt => e.cmp(CmpOp::LtS, t, kb, ka),
                CmpOp::Le => e.cmp(CmpOp::LeS, t, ka, kb),
                _ => e.cmp(CmpOp::LeS, t, kb, ka),
            };
            let inf = e.k(t, fmt.inf());
            let na = e.cmp(CmpOp::LeU, t, aa, inf);
            let nb = e.cmp(CmpOp::LeU, t, ab, inf);
            let x = e.bin(BinaryOp::And, Type::I32, c, na);
            Ok((and32, vec![x, nb]))
        }
        _ => Err(format!("{}.{} does not exist", fmt.name(), op.name())),
    }
}

struct KeyEmit<'e, 'f>(&'e mut Emit<'f>);

impl KeyEmit<'_, '_> {
    /// The order-preserving key of a non-NaN float: `(abs ^ s) - s` with `s` the sign spread over the word.
    fn key(&mut self, fmt: Fmt, x: Value, abs: Value) -> Value {
        let t = fmt.int();
        let s = self.0.bink(BinaryOp::ShrS, t, x, fmt.bits() as u64 - 1);
        let u = self.0.bin(BinaryOp::Xor, t, abs, s);
        self.0.bin(BinaryOp::Sub, t, u, s)
    }
}

/// Gives the entry block `pad` trailing i32 parameters, through a new entry block so that
/// branches to the old entry (if any) are unaffected.
fn pad_entry(f: &mut Function, pad: usize) {
    let Some(old) = f.entry() else { return };
    let tys: Vec<Type> = f.blocks[old]
        .params
        .iter()
        .map(|&v| f.value_type(v))
        .collect();
    let new = f.create_detached_block();
    let params: Vec<Value> = tys.iter().map(|&t| f.append_block_param(new, t)).collect();
    for _ in 0..pad {
        f.append_block_param(new, Type::I32);
    }
    f.set_terminator(
        new,
        TermKind::Jump(zkc_ir::BlockCall::new(old, params)),
        SrcLoc::NONE,
    );
    f.layout.insert(0, new);
}

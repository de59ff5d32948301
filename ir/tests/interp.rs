//! Tests of the reference interpreter, on modules built with the IR API.

use zkc_ir::interp::{
    run_command, Exit, InstError, Instance, Limits, NoHost, SpectestHost, Trap, Val,
};
use zkc_ir::*;

use BinaryOp as B;
use Type::*;

// ---- building modules ----------------------------------------------------------------------

/// A function under construction: its body and the block being filled.
struct Fb {
    f: Function,
    b: Block,
}

impl Fb {
    /// A new function whose entry block has parameters `params`; returns them too.
    fn new(params: &[Type]) -> (Fb, Vec<Value>) {
        let mut f = Function::new();
        let b = f.create_block();
        let ps = params.iter().map(|&t| f.append_block_param(b, t)).collect();
        (Fb { f, b }, ps)
    }
    fn block(&mut self, params: &[Type]) -> (Block, Vec<Value>) {
        let b = self.f.create_block();
        let ps = params
            .iter()
            .map(|&t| self.f.append_block_param(b, t))
            .collect();
        (b, ps)
    }
    fn switch(&mut self, b: Block) {
        self.b = b;
    }
    fn ins(&mut self, op: Op, args: &[Value], tys: &[Type]) -> Vec<Value> {
        let i = self.f.append_inst(self.b, op, args, tys, SrcLoc::NONE);
        self.f.inst_results(i).to_vec()
    }
    fn op(&mut self, op: Op, args: &[Value], ty: Type) -> Value {
        self.ins(op, args, &[ty])[0]
    }
    fn effect(&mut self, op: Op, args: &[Value]) {
        self.ins(op, args, &[]);
    }
    fn iconst(&mut self, ty: Type, x: i64) -> Value {
        self.op(
            Op::Const {
                ty,
                bits: ty.truncate(x as u64),
            },
            &[],
            ty,
        )
    }
    fn bin(&mut self, op: BinaryOp, ty: Type, a: Value, b: Value) -> Value {
        self.op(Op::Binary { op, ty }, &[a, b], ty)
    }
    fn cmp(&mut self, op: CmpOp, ty: Type, a: Value, b: Value) -> Value {
        self.op(Op::Compare { op, ty }, &[a, b], I32)
    }
    fn term(&mut self, kind: TermKind) {
        self.f.set_terminator(self.b, kind, SrcLoc::NONE);
    }
    fn ret(&mut self, vals: &[Value]) {
        self.term(TermKind::Return(vals.to_vec()));
    }
    fn jump(&mut self, b: Block, args: &[Value]) {
        self.term(TermKind::Jump(BlockCall::new(b, args.to_vec())));
    }
    fn brif(&mut self, c: Value, t: Block, targs: &[Value], e: Block, eargs: &[Value]) {
        self.term(TermKind::Brif {
            cond: c,
            then_dest: BlockCall::new(t, targs.to_vec()),
            else_dest: BlockCall::new(e, eargs.to_vec()),
        });
    }
}

fn add_func(m: &mut Module, name: &str, params: &[Type], results: &[Type], fb: Fb) -> FuncId {
    m.funcs.push(FuncDecl {
        name: name.into(),
        sig: Signature::new(params.to_vec(), results.to_vec()),
        def: FuncDef::Body(fb.f),
    })
}

fn import_func(
    m: &mut Module,
    module: &str,
    field: &str,
    params: &[Type],
    results: &[Type],
) -> FuncId {
    m.funcs.push(FuncDecl {
        name: field.into(),
        sig: Signature::new(params.to_vec(), results.to_vec()),
        def: FuncDef::Import(ImportName::new(module, field)),
    })
}

fn export(m: &mut Module, name: &str, f: FuncId) {
    m.exports.push(Export {
        name: name.into(),
        kind: ExportKind::Func(f),
    });
}

fn with_memory(min: u32, max: Option<u32>) -> Module {
    let mut m = Module::new();
    m.memory = Some(MemoryDecl {
        min,
        max,
        import: None,
    });
    m
}

/// Runs function `f` of `m` with no host.
fn run(m: &Module, f: FuncId, args: &[Val]) -> Result<Vec<Val>, Trap> {
    Instance::new(m, NoHost, Limits::default())
        .unwrap()
        .invoke(f, args)
}

/// Evaluates one operation on `args` in a fresh single-function module.
fn eval(op: Op, args: &[Val]) -> Result<Val, Trap> {
    let m0 = Module::new();
    let tys = m0.op_types(&op).unwrap();
    let (mut fb, ps) = Fb::new(&tys.args);
    let r = fb.op(op, &ps, tys.results[0]);
    fb.ret(&[r]);
    let mut m = Module::new();
    let f = add_func(&mut m, "f", &tys.args, &tys.results, fb);
    run(&m, f, args).map(|v| v[0])
}

fn bin(op: BinaryOp, ty: Type, a: Val, b: Val) -> Result<Val, Trap> {
    eval(Op::Binary { op, ty }, &[a, b])
}
fn un(op: UnaryOp, ty: Type, a: Val) -> Result<Val, Trap> {
    eval(Op::Unary { op, ty }, &[a])
}
fn conv(op: ConvOp, a: Val) -> Result<Val, Trap> {
    eval(Op::Convert(op), &[a])
}
fn trap(c: TrapCode) -> Result<Val, Trap> {
    Err(Trap::Wasm(c))
}

// ---- integer arithmetic ---------------------------------------------------------------------

#[test]
fn integer_division_traps_and_edges() {
    let (i, l) = (Val::i32, Val::i64);
    assert_eq!(
        bin(B::DivS, I32, i(i32::MIN), i(-1)),
        trap(TrapCode::IntOverflow)
    );
    assert_eq!(
        bin(B::DivS, I64, l(i64::MIN), l(-1)),
        trap(TrapCode::IntOverflow)
    );
    assert_eq!(bin(B::DivS, I32, i(7), i(0)), trap(TrapCode::IntDivByZero));
    assert_eq!(bin(B::DivU, I64, l(7), l(0)), trap(TrapCode::IntDivByZero));
    assert_eq!(bin(B::RemS, I32, i(i32::MIN), i(-1)), Ok(i(0)));
    assert_eq!(bin(B::RemS, I64, l(i64::MIN), l(-1)), Ok(l(0)));
    assert_eq!(bin(B::RemU, I32, i(5), i(0)), trap(TrapCode::IntDivByZero));
    assert_eq!(bin(B::DivS, I32, i(-7), i(2)), Ok(i(-3)));
    assert_eq!(bin(B::RemS, I32, i(-7), i(2)), Ok(i(-1)));
    assert_eq!(bin(B::DivU, I32, i(-1), i(2)), Ok(i(0x7fff_ffff)));
    assert_eq!(bin(B::RemU, I64, l(-1), l(10)), Ok(l(5)));
}

#[test]
fn wrapping_shifts_and_rotates() {
    let (i, l) = (Val::i32, Val::i64);
    assert_eq!(bin(B::Add, I32, i(i32::MAX), i(1)), Ok(i(i32::MIN)));
    assert_eq!(bin(B::Mul, I64, l(i64::MAX), l(2)), Ok(l(-2)));
    assert_eq!(bin(B::Sub, I32, i(0), i(1)), Ok(i(-1)));
    assert_eq!(bin(B::Shl, I32, i(1), i(33)), Ok(i(2)));
    assert_eq!(bin(B::ShrS, I32, i(-8), i(35)), Ok(i(-1)));
    assert_eq!(bin(B::ShrU, I32, i(-8), i(32)), Ok(i(-8)));
    assert_eq!(bin(B::Shl, I64, l(1), l(65)), Ok(l(2)));
    assert_eq!(bin(B::ShrU, I64, l(-1), l(127)), Ok(l(1)));
    assert_eq!(bin(B::Rotl, I32, Val::I32(0x8000_0001), i(1)), Ok(i(3)));
    assert_eq!(bin(B::Rotr, I32, i(3), i(33)), Ok(Val::I32(0x8000_0001)));
    assert_eq!(bin(B::Rotl, I64, Val::I64(1 << 63), l(65)), Ok(l(1)));
    assert_eq!(bin(B::Rotr, I64, l(1), l(-1)), Ok(l(2)));
}

#[test]
fn bit_counts_and_extensions() {
    let (i, l) = (Val::i32, Val::i64);
    assert_eq!(un(UnaryOp::Clz, I32, i(0)), Ok(i(32)));
    assert_eq!(un(UnaryOp::Ctz, I32, i(0)), Ok(i(32)));
    assert_eq!(un(UnaryOp::Clz, I64, l(0)), Ok(l(64)));
    assert_eq!(un(UnaryOp::Ctz, I64, l(0)), Ok(l(64)));
    assert_eq!(un(UnaryOp::Clz, I32, i(1)), Ok(i(31)));
    assert_eq!(un(UnaryOp::Popcnt, I32, i(-1)), Ok(i(32)));
    assert_eq!(un(UnaryOp::Popcnt, I64, l(-1)), Ok(l(64)));
    assert_eq!(
        eval(
            Op::Unary {
                op: UnaryOp::Eqz,
                ty: I64
            },
            &[l(0)]
        ),
        Ok(i(1))
    );
    assert_eq!(un(UnaryOp::Extend8S, I32, i(0x80)), Ok(i(-128)));
    assert_eq!(un(UnaryOp::Extend16S, I32, i(0x1_7fff)), Ok(i(0x7fff)));
    assert_eq!(
        un(UnaryOp::Extend32S, I64, l(0x8000_0000)),
        Ok(l(-0x8000_0000))
    );
    assert_eq!(conv(ConvOp::I64ExtendI32S, i(-1)), Ok(l(-1)));
    assert_eq!(conv(ConvOp::I64ExtendI32U, i(-1)), Ok(l(0xffff_ffff)));
    assert_eq!(
        conv(ConvOp::I32WrapI64, l(0x1_2345_6789)),
        Ok(i(0x2345_6789))
    );
}

#[test]
fn comparisons() {
    let i = Val::i32;
    let c = |op, ty, a, b| eval(Op::Compare { op, ty }, &[a, b]);
    assert_eq!(c(CmpOp::LtS, I32, i(-1), i(0)), Ok(i(1)));
    assert_eq!(c(CmpOp::LtU, I32, i(-1), i(0)), Ok(i(0)));
    assert_eq!(
        c(CmpOp::GeS, I64, Val::i64(i64::MIN), Val::i64(0)),
        Ok(i(0))
    );
    let nan = Val::f64(f64::NAN);
    assert_eq!(c(CmpOp::Eq, F64, nan, nan), Ok(i(0)));
    assert_eq!(c(CmpOp::Ne, F64, nan, nan), Ok(i(1)));
    assert_eq!(c(CmpOp::Eq, F32, Val::f32(0.0), Val::f32(-0.0)), Ok(i(1)));
}

// ---- floats ---------------------------------------------------------------------------------

#[test]
fn float_min_max_signed_zero_and_nan() {
    let (p, n) = (Val::f32(0.0), Val::f32(-0.0));
    assert_eq!(bin(B::Min, F32, p, n), Ok(n));
    assert_eq!(bin(B::Min, F32, n, p), Ok(n));
    assert_eq!(bin(B::Max, F32, n, p), Ok(p));
    assert_eq!(bin(B::Max, F32, p, n), Ok(p));
    let (p, n) = (Val::f64(0.0), Val::f64(-0.0));
    assert_eq!(bin(B::Min, F64, p, n), Ok(n));
    assert_eq!(bin(B::Max, F64, n, p), Ok(p));
    let r = bin(B::Min, F64, Val::f64(f64::NAN), Val::f64(1.0)).unwrap();
    assert!(r.as_f64().unwrap().is_nan());
    let r = bin(B::Max, F32, Val::f32(1.0), Val::f32(f32::NAN)).unwrap();
    assert!(r.as_f32().unwrap().is_nan());
    assert_eq!(
        bin(B::Min, F64, Val::f64(1.0), Val::f64(-3.0)),
        Ok(Val::f64(-3.0))
    );
}

#[test]
fn float_rounding_and_sign_ops() {
    let f = |op, x: f64| un(op, F64, Val::f64(x)).unwrap().as_f64().unwrap();
    assert_eq!(f(UnaryOp::Nearest, 2.5), 2.0);
    assert_eq!(f(UnaryOp::Nearest, 3.5), 4.0);
    assert_eq!(f(UnaryOp::Nearest, -0.5).to_bits(), (-0.0f64).to_bits());
    assert_eq!(f(UnaryOp::Ceil, -0.5).to_bits(), (-0.0f64).to_bits());
    assert_eq!(f(UnaryOp::Floor, -0.5), -1.0);
    assert_eq!(f(UnaryOp::Trunc, -1.7), -1.0);
    assert_eq!(f(UnaryOp::Sqrt, 2.25), 1.5);
    assert_eq!(
        un(UnaryOp::Nearest, F32, Val::f32(-2.5)),
        Ok(Val::f32(-2.0))
    );
    // abs/neg/copysign only touch the sign bit, NaN payload included.
    assert_eq!(
        un(UnaryOp::Neg, F32, Val::F32(0x7fc0_1234)),
        Ok(Val::F32(0xffc0_1234))
    );
    assert_eq!(
        un(UnaryOp::Abs, F64, Val::F64(0xfff8_0000_0000_0001)),
        Ok(Val::F64(0x7ff8_0000_0000_0001))
    );
    assert_eq!(
        bin(B::Copysign, F32, Val::f32(1.5), Val::f32(-0.0)),
        Ok(Val::f32(-1.5))
    );
    assert_eq!(
        bin(B::Div, F64, Val::f64(1.0), Val::f64(-0.0)),
        Ok(Val::f64(f64::NEG_INFINITY))
    );
}

#[test]
fn arithmetic_nans_are_canonical() {
    let z = Val::f64(0.0);
    assert_eq!(bin(B::Div, F64, z, z), Ok(Val::F64(0x7ff8_0000_0000_0000)));
    let payload = Val::F32(0xffa0_0001); // negative signaling NaN with a payload
    assert_eq!(
        bin(B::Add, F32, payload, Val::f32(1.0)),
        Ok(Val::F32(0x7fc0_0000))
    );
    assert_eq!(
        bin(B::Max, F32, payload, Val::f32(1.0)),
        Ok(Val::F32(0x7fc0_0000))
    );
    assert_eq!(
        un(UnaryOp::Sqrt, F32, Val::f32(-1.0)),
        Ok(Val::F32(0x7fc0_0000))
    );
    assert_eq!(
        conv(ConvOp::F64PromoteF32, payload),
        Ok(Val::F64(0x7ff8_0000_0000_0000))
    );
    // Bit operations keep the payload.
    assert_eq!(un(UnaryOp::Abs, F32, payload), Ok(Val::F32(0x7fa0_0001)));
}

#[test]
fn float_to_int_truncation() {
    use ConvOp::*;
    let i = Val::i32;
    assert_eq!(
        conv(I32TruncF32S, Val::f32(f32::NAN)),
        trap(TrapCode::BadConversion)
    );
    assert_eq!(
        conv(I32TruncF32S, Val::f32(2147483648.0)),
        trap(TrapCode::IntOverflow)
    );
    assert_eq!(conv(I32TruncF32S, Val::f32(-2147483648.0)), Ok(i(i32::MIN)));
    assert_eq!(
        conv(I32TruncF32S, Val::f32(-2147483904.0)),
        trap(TrapCode::IntOverflow)
    );
    assert_eq!(conv(I32TruncF64S, Val::f64(-2147483648.9)), Ok(i(i32::MIN)));
    assert_eq!(
        conv(I32TruncF64S, Val::f64(-2147483649.0)),
        trap(TrapCode::IntOverflow)
    );
    assert_eq!(conv(I32TruncF64S, Val::f64(2147483647.9)), Ok(i(i32::MAX)));
    assert_eq!(conv(I32TruncF64U, Val::f64(-0.9)), Ok(i(0)));
    assert_eq!(
        conv(I32TruncF64U, Val::f64(-1.0)),
        trap(TrapCode::IntOverflow)
    );
    assert_eq!(conv(I32TruncF64U, Val::f64(4294967295.9)), Ok(i(-1)));
    assert_eq!(
        conv(I32TruncF64U, Val::f64(4294967296.0)),
        trap(TrapCode::IntOverflow)
    );
    assert_eq!(
        conv(I64TruncF64S, Val::f64(-9223372036854775808.0)),
        Ok(Val::i64(i64::MIN))
    );
    assert_eq!(
        conv(I64TruncF64S, Val::f64(9223372036854775808.0)),
        trap(TrapCode::IntOverflow)
    );
    assert_eq!(
        conv(I64TruncF32U, Val::f32(f32::INFINITY)),
        trap(TrapCode::IntOverflow)
    );
    assert_eq!(
        conv(I64TruncF64U, Val::f64(f64::NAN)),
        trap(TrapCode::BadConversion)
    );
    assert_eq!(
        conv(I64TruncF64U, Val::f64(18446744073709549568.0)),
        Ok(Val::I64(18446744073709549568))
    );
    // Saturating: NaN to 0, out of range to the nearest bound.
    assert_eq!(conv(I32TruncSatF32S, Val::f32(f32::NAN)), Ok(i(0)));
    assert_eq!(conv(I32TruncSatF64S, Val::f64(1e10)), Ok(i(i32::MAX)));
    assert_eq!(conv(I32TruncSatF64S, Val::f64(-1e10)), Ok(i(i32::MIN)));
    assert_eq!(conv(I32TruncSatF32U, Val::f32(-5.0)), Ok(i(0)));
    assert_eq!(
        conv(I64TruncSatF64U, Val::f64(1e30)),
        Ok(Val::I64(u64::MAX))
    );
}

#[test]
fn int_to_float_and_reinterpret() {
    use ConvOp::*;
    assert_eq!(
        conv(F32ConvertI32U, Val::i32(-1)),
        Ok(Val::f32(4294967296.0))
    );
    assert_eq!(conv(F64ConvertI64S, Val::i64(-3)), Ok(Val::f64(-3.0)));
    // Round to nearest even: 2^53 + 1 is a tie.
    assert_eq!(
        conv(F64ConvertI64U, Val::I64((1 << 53) + 1)),
        Ok(Val::f64(9007199254740992.0))
    );
    assert_eq!(
        conv(F32ConvertI64U, Val::I64(u64::MAX)),
        Ok(Val::f32(18446744073709551616.0))
    );
    assert_eq!(
        conv(F32DemoteF64, Val::f64(1e300)),
        Ok(Val::f32(f32::INFINITY))
    );
    assert_eq!(conv(F64PromoteF32, Val::f32(1.5)), Ok(Val::f64(1.5)));
    assert_eq!(
        conv(I32ReinterpretF32, Val::f32(-0.0)),
        Ok(Val::I32(0x8000_0000))
    );
    assert_eq!(
        conv(F64ReinterpretI64, Val::I64(0x3ff0_0000_0000_0000)),
        Ok(Val::f64(1.0))
    );
}

#[test]
fn select_picks_by_condition() {
    let op = Op::Select { ty: I64 };
    let (a, b) = (Val::i64(10), Val::i64(20));
    assert_eq!(eval(op.clone(), &[a, b, Val::i32(7)]), Ok(a));
    assert_eq!(eval(op, &[a, b, Val::i32(0)]), Ok(b));
}

// ---- memory ---------------------------------------------------------------------------------

fn load_fn(m: &mut Module, ty: Type, width: u8, signed: bool, offset: u32) -> FuncId {
    let (mut fb, p) = Fb::new(&[I32]);
    let r = fb.op(
        Op::Load {
            ty,
            width,
            signed,
            offset,
            notrap: false,
        },
        &p,
        ty,
    );
    fb.ret(&[r]);
    add_func(m, "load", &[I32], &[ty], fb)
}

fn store_fn(m: &mut Module, ty: Type, width: u8, offset: u32) -> FuncId {
    let (mut fb, p) = Fb::new(&[I32, ty]);
    fb.effect(
        Op::Store {
            ty,
            width,
            offset,
            notrap: false,
        },
        &p,
    );
    fb.ret(&[]);
    add_func(m, "store", &[I32, ty], &[], fb)
}

#[test]
fn loads_stores_and_bounds() {
    let mut m = with_memory(1, None);
    let ld32 = load_fn(&mut m, I32, 4, false, 0);
    let ld32_off = load_fn(&mut m, I32, 4, false, 1);
    let ld8s = load_fn(&mut m, I64, 1, true, 0);
    let ld16u = load_fn(&mut m, I32, 2, false, 0);
    let ld64 = load_fn(&mut m, I64, 8, false, 0);
    let st64 = store_fn(&mut m, I64, 8, 0);
    let st16 = store_fn(&mut m, I32, 2, 4);
    let mut inst = Instance::new(&m, NoHost, Limits::default()).unwrap();
    let i = Val::i32;
    inst.invoke(st64, &[i(8), Val::I64(0x8877_6655_4433_2211)])
        .unwrap();
    assert_eq!(inst.invoke(ld32, &[i(8)]), Ok(vec![i(0x4433_2211)]));
    assert_eq!(inst.invoke(ld32_off, &[i(8)]), Ok(vec![i(0x5544_3322)]));
    assert_eq!(inst.invoke(ld8s, &[i(15)]), Ok(vec![Val::i64(-0x78)]));
    assert_eq!(inst.invoke(ld16u, &[i(14)]), Ok(vec![i(0x8877)]));
    inst.invoke(st16, &[i(4), i(0xabcd_ef01u32 as i32)])
        .unwrap();
    assert_eq!(
        inst.invoke(ld64, &[i(8)]),
        Ok(vec![Val::I64(0x8877_6655_4433_ef01)])
    );
    // The last in-bounds word, one past it, and an address whose offset overflows 32 bits.
    assert_eq!(inst.invoke(ld32, &[i(65532)]), Ok(vec![i(0)]));
    let oob = Err(Trap::Wasm(TrapCode::MemoryOutOfBounds));
    assert_eq!(inst.invoke(ld32, &[i(65533)]), oob);
    assert_eq!(inst.invoke(ld32_off, &[i(-1)]), oob);
    assert_eq!(inst.invoke(ld32_off, &[i(65532)]), oob);
    assert_eq!(inst.invoke(st16, &[i(65531), i(0)]), oob);
    assert_eq!(inst.invoke(ld8s, &[i(65535)]), Ok(vec![Val::i64(0)]));
}

#[test]
fn memory_grow_respects_maximum() {
    let mut m = with_memory(1, Some(3));
    let (mut fb, p) = Fb::new(&[I32]);
    let r = fb.op(Op::MemoryGrow, &p, I32);
    fb.ret(&[r]);
    let grow = add_func(&mut m, "grow", &[I32], &[I32], fb);
    let (mut fb, _) = Fb::new(&[]);
    let r = fb.op(Op::MemorySize, &[], I32);
    fb.ret(&[r]);
    let size = add_func(&mut m, "size", &[], &[I32], fb);
    let ld = load_fn(&mut m, I32, 4, false, 0);
    let mut inst = Instance::new(&m, NoHost, Limits::default()).unwrap();
    let i = Val::i32;
    assert_eq!(inst.invoke(grow, &[i(1)]), Ok(vec![i(1)]));
    assert_eq!(inst.invoke(grow, &[i(2)]), Ok(vec![i(-1)]));
    assert_eq!(inst.invoke(grow, &[i(0)]), Ok(vec![i(2)]));
    assert_eq!(inst.invoke(ld, &[i(2 * 65536 - 4)]), Ok(vec![i(0)]));
    assert_eq!(inst.invoke(grow, &[i(1)]), Ok(vec![i(2)]));
    assert_eq!(inst.invoke(size, &[]), Ok(vec![i(3)]));
    assert_eq!(inst.invoke(grow, &[i(-1)]), Ok(vec![i(-1)]));
    // Without a declared maximum, the 65536-page cap and the limits still apply.
    let mut m2 = with_memory(0, None);
    let (mut fb, p) = Fb::new(&[I32]);
    let r = fb.op(Op::MemoryGrow, &p, I32);
    fb.ret(&[r]);
    let grow = add_func(&mut m2, "grow", &[I32], &[I32], fb);
    let limits = Limits {
        max_memory_pages: 4,
        ..Limits::default()
    };
    let mut inst = Instance::new(&m2, NoHost, limits).unwrap();
    assert_eq!(inst.invoke(grow, &[i(0x10001)]), Ok(vec![i(-1)]));
    assert_eq!(inst.invoke(grow, &[i(5)]), Ok(vec![i(-1)]));
    assert_eq!(inst.invoke(grow, &[i(4)]), Ok(vec![i(0)]));
}

/// A function `(a, b, c) -> ()` running one three-operand memory or table op.
fn op3(m: &mut Module, op: Op) -> FuncId {
    let (mut fb, p) = Fb::new(&[I32, I32, I32]);
    fb.effect(op, &p);
    fb.ret(&[]);
    add_func(m, "op3", &[I32, I32, I32], &[], fb)
}

#[test]
fn bulk_memory_bounds_checked_before_writing() {
    let mut m = with_memory(1, None);
    let d = m.data.push(DataSegment {
        mode: DataMode::Passive,
        bytes: b"abcdef".to_vec(),
    });
    let fill = op3(&mut m, Op::MemoryFill);
    let copy = op3(&mut m, Op::MemoryCopy);
    let init = op3(&mut m, Op::MemoryInit(d));
    let (mut fb, _) = Fb::new(&[]);
    fb.effect(Op::DataDrop(d), &[]);
    fb.ret(&[]);
    let drop = add_func(&mut m, "drop", &[], &[], fb);
    let mut inst = Instance::new(&m, NoHost, Limits::default()).unwrap();
    let i = Val::i32;
    let oob = Err(Trap::Wasm(TrapCode::MemoryOutOfBounds));
    let mem =
        |inst: &Instance<NoHost>, a: usize, n: usize| inst.memory().bytes()[a..a + n].to_vec();

    assert_eq!(inst.invoke(fill, &[i(65530), i(0x55), i(10)]), oob);
    assert_eq!(
        mem(&inst, 65530, 6),
        vec![0; 6],
        "nothing written before the trap"
    );
    assert_eq!(inst.invoke(fill, &[i(65536), i(1), i(0)]), Ok(vec![]));
    assert_eq!(inst.invoke(fill, &[i(65537), i(1), i(0)]), oob);
    inst.invoke(fill, &[i(10), i(0x1ff), i(4)]).unwrap();
    assert_eq!(mem(&inst, 9, 6), vec![0, 0xff, 0xff, 0xff, 0xff, 0]);

    assert_eq!(inst.invoke(init, &[i(100), i(1), i(4)]), Ok(vec![]));
    assert_eq!(mem(&inst, 100, 5), b"bcde\0".to_vec());
    assert_eq!(inst.invoke(init, &[i(100), i(3), i(4)]), oob);
    assert_eq!(inst.invoke(init, &[i(65534), i(0), i(3)]), oob);
    assert_eq!(mem(&inst, 65534, 2), vec![0, 0]);

    // Overlapping copy in both directions.
    inst.invoke(copy, &[i(102), i(100), i(4)]).unwrap();
    assert_eq!(mem(&inst, 100, 6), b"bcbcde".to_vec());
    inst.invoke(copy, &[i(100), i(101), i(5)]).unwrap();
    assert_eq!(mem(&inst, 100, 6), b"cbcdee".to_vec());
    assert_eq!(inst.invoke(copy, &[i(0), i(65535), i(2)]), oob);
    assert_eq!(inst.invoke(copy, &[i(-1), i(0), i(0)]), oob);

    // A dropped segment has length 0.
    inst.invoke(drop, &[]).unwrap();
    assert_eq!(inst.invoke(init, &[i(0), i(0), i(0)]), Ok(vec![]));
    assert_eq!(inst.invoke(init, &[i(0), i(0), i(1)]), oob);
}

#[test]
fn segments_apply_at_instantiation_and_trap_out_of_bounds() {
    let mut m = with_memory(1, None);
    m.data.push(DataSegment {
        mode: DataMode::Active {
            offset: ConstExpr::Value { ty: I32, bits: 8 },
        },
        bytes: vec![1, 2, 3, 4],
    });
    let ld = load_fn(&mut m, I32, 4, false, 0);
    assert_eq!(run(&m, ld, &[Val::i32(8)]), Ok(vec![Val::I32(0x0403_0201)]));
    m.data.push(DataSegment {
        mode: DataMode::Active {
            offset: ConstExpr::Value {
                ty: I32,
                bits: 65535,
            },
        },
        bytes: vec![1, 2],
    });
    let e = Instance::new(&m, NoHost, Limits::default()).err().unwrap();
    assert_eq!(e, InstError::Trap(Trap::Wasm(TrapCode::MemoryOutOfBounds)));

    let mut m = Module::new();
    let (mut fb, _) = Fb::new(&[]);
    fb.ret(&[]);
    let f = add_func(&mut m, "f", &[], &[], fb);
    let t = m.tables.push(TableDecl {
        ty: Type::FuncRef,
        min: 2,
        max: None,
        import: None,
    });
    m.elems.push(ElemSegment {
        mode: ElemMode::Active {
            table: t,
            offset: ConstExpr::Value { ty: I32, bits: 1 },
        },
        items: vec![Some(f), Some(f)],
    });
    let e = Instance::new(&m, NoHost, Limits::default()).err().unwrap();
    assert_eq!(e, InstError::Trap(Trap::Wasm(TrapCode::TableOutOfBounds)));
}

// ---- calls ----------------------------------------------------------------------------------

#[test]
fn call_indirect_traps() {
    let mut m = Module::new();
    // add(a, b) = a + b; neg(a) = -a
    let (mut fb, p) = Fb::new(&[I32, I32]);
    let r = fb.bin(B::Add, I32, p[0], p[1]);
    fb.ret(&[r]);
    let add = add_func(&mut m, "add", &[I32, I32], &[I32], fb);
    let (mut fb, p) = Fb::new(&[I32]);
    let z = fb.iconst(I32, 0);
    let r = fb.bin(B::Sub, I32, z, p[0]);
    fb.ret(&[r]);
    let neg = add_func(&mut m, "neg", &[I32], &[I32], fb);
    let t = m.tables.push(TableDecl {
        ty: Type::FuncRef,
        min: 3,
        max: None,
        import: None,
    });
    m.elems.push(ElemSegment {
        mode: ElemMode::Active {
            table: t,
            offset: ConstExpr::Value { ty: I32, bits: 0 },
        },
        items: vec![Some(add), None, Some(neg)],
    });
    // A structurally equal signature under a different id must still match.
    m.sigs.push(Signature::new(vec![I64], vec![]));
    let sig = m.sigs.push(Signature::new(vec![I32, I32], vec![I32]));
    let (mut fb, p) = Fb::new(&[I32, I32, I32]);
    let r = fb.op(Op::CallIndirect { table: t, sig }, &p, I32);
    fb.ret(&[r]);
    let ci = add_func(&mut m, "ci", &[I32, I32, I32], &[I32], fb);
    let mut inst = Instance::new(&m, NoHost, Limits::default()).unwrap();
    let i = Val::i32;
    assert_eq!(inst.invoke(ci, &[i(2), i(3), i(0)]), Ok(vec![i(5)]));
    let tr = |c| Err(Trap::Wasm(c));
    assert_eq!(
        inst.invoke(ci, &[i(2), i(3), i(1)]),
        tr(TrapCode::UninitializedElement)
    );
    assert_eq!(
        inst.invoke(ci, &[i(2), i(3), i(2)]),
        tr(TrapCode::BadSignature)
    );
    assert_eq!(
        inst.invoke(ci, &[i(2), i(3), i(3)]),
        tr(TrapCode::UndefinedElement)
    );
    assert_eq!(
        inst.invoke(ci, &[i(2), i(3), i(-1)]),
        tr(TrapCode::UndefinedElement)
    );
    assert_eq!(
        inst.invoke(ci, &[i(40), i(2), i(0)]),
        Ok(vec![i(42)]),
        "usable after traps"
    );
}

/// `count(n) = n == 0 ? 0 : count(n - 1) + 1`, not tail-recursive.
fn count_module() -> (Module, FuncId) {
    let mut m = Module::new();
    let (mut fb, p) = Fb::new(&[I64]);
    let (rec, _) = fb.block(&[]);
    let (done, _) = fb.block(&[]);
    let z = fb.op(
        Op::Unary {
            op: UnaryOp::Eqz,
            ty: I64,
        },
        &[p[0]],
        I32,
    );
    fb.brif(z, done, &[], rec, &[]);
    fb.switch(done);
    fb.ret(&[p[0]]);
    fb.switch(rec);
    let one = fb.iconst(I64, 1);
    let n1 = fb.bin(B::Sub, I64, p[0], one);
    let r = fb.op(Op::Call(FuncId::new(0)), &[n1], I64);
    let r1 = fb.bin(B::Add, I64, r, one);
    fb.ret(&[r1]);
    let f = add_func(&mut m, "count", &[I64], &[I64], fb);
    (m, f)
}

#[test]
fn deep_recursion_and_stack_exhaustion() {
    let (m, f) = count_module();
    let mut inst = Instance::new(&m, NoHost, Limits::default()).unwrap();
    assert_eq!(inst.invoke(f, &[Val::i64(9000)]), Ok(vec![Val::i64(9000)]));
    assert_eq!(
        inst.invoke(f, &[Val::i64(10_000_000)]),
        Err(Trap::Wasm(TrapCode::StackOverflow))
    );
    // Far deeper than any Rust stack would allow, when the limit permits it.
    let limits = Limits {
        max_call_depth: 2_000_000,
        ..Limits::default()
    };
    let mut inst = Instance::new(&m, NoHost, limits).unwrap();
    assert_eq!(
        inst.invoke(f, &[Val::i64(1_000_000)]),
        Ok(vec![Val::i64(1_000_000)])
    );
}

#[test]
fn multi_value_calls() {
    let mut m = Module::new();
    let (mut fb, p) = Fb::new(&[I32, I64]);
    fb.ret(&[p[1], p[0]]);
    let swap = add_func(&mut m, "swap", &[I32, I64], &[I64, I32], fb);
    let (mut fb, p) = Fb::new(&[I32, I64]);
    let r = fb.ins(Op::Call(swap), &p, &[I64, I32]);
    let r2 = fb.ins(Op::Call(swap), &[r[1], r[0]], &[I64, I32]);
    fb.ret(&[r2[1], r[0], r2[0]]);
    let f = add_func(&mut m, "f", &[I32, I64], &[I32, I64, I64], fb);
    export(&mut m, "f", f);
    let mut inst = Instance::new(&m, NoHost, Limits::default()).unwrap();
    assert_eq!(
        inst.invoke_export("f", &[Val::i32(1), Val::i64(2)]),
        Ok(vec![Val::i32(1), Val::i64(2), Val::i64(2)])
    );
    assert!(matches!(inst.invoke_export("g", &[]), Err(Trap::Host(_))));
    assert!(matches!(inst.invoke(f, &[Val::i32(1)]), Err(Trap::Host(_))));
}

// ---- control flow ---------------------------------------------------------------------------

/// `rot(a, b, c, n)`: rotates `(a, b, c)` left `n` times through a `br_table` whose looping
/// edge passes the parameters in a cycle, and returns them.
#[test]
fn br_table_block_args_are_a_parallel_copy() {
    let mut m = Module::new();
    let (mut fb, p) = Fb::new(&[I32, I32, I32, I32]);
    let (lp, q) = fb.block(&[I32, I32, I32, I32]);
    let (exit, x) = fb.block(&[I32, I32, I32]);
    fb.jump(lp, &p);
    fb.switch(lp);
    let one = fb.iconst(I32, 1);
    let k1 = fb.bin(B::Sub, I32, q[3], one);
    // index 0 (k == 0) exits with (a, b, c); anything else loops with (b, c, a).
    fb.term(TermKind::BrTable {
        index: q[3],
        targets: vec![BlockCall::new(exit, vec![q[0], q[1], q[2]])],
        default: BlockCall::new(lp, vec![q[1], q[2], q[0], k1]),
    });
    fb.switch(exit);
    fb.ret(&x);
    let rot = add_func(&mut m, "rot", &[I32; 4], &[I32; 3], fb);

    // A two-way swap through `jump` and `brif` as well: swap(a, b, n) swaps n times.
    let (mut fb, p) = Fb::new(&[I32, I32, I32]);
    let (lp, q) = fb.block(&[I32, I32, I32]);
    let (exit, x) = fb.block(&[I32, I32]);
    fb.jump(lp, &[p[0], p[1], p[2]]);
    fb.switch(lp);
    let one = fb.iconst(I32, 1);
    let k1 = fb.bin(B::Sub, I32, q[2], one);
    fb.brif(q[2], lp, &[q[1], q[0], k1], exit, &[q[0], q[1]]);
    fb.switch(exit);
    fb.ret(&x);
    let swap = add_func(&mut m, "swap", &[I32; 3], &[I32; 2], fb);

    let mut inst = Instance::new(&m, NoHost, Limits::default()).unwrap();
    let i = Val::i32;
    let r = |inst: &mut Instance<NoHost>, n| inst.invoke(rot, &[i(1), i(2), i(3), i(n)]).unwrap();
    assert_eq!(r(&mut inst, 0), vec![i(1), i(2), i(3)]);
    assert_eq!(r(&mut inst, 1), vec![i(2), i(3), i(1)]);
    assert_eq!(r(&mut inst, 2), vec![i(3), i(1), i(2)]);
    assert_eq!(r(&mut inst, 3001), vec![i(2), i(3), i(1)]);
    assert_eq!(inst.invoke(swap, &[i(7), i(8), i(5)]), Ok(vec![i(8), i(7)]));
    assert_eq!(inst.invoke(swap, &[i(7), i(8), i(6)]), Ok(vec![i(7), i(8)]));
}

#[test]
fn br_table_index_selects_target_or_default() {
    let mut m = Module::new();
    let (mut fb, p) = Fb::new(&[I32]);
    let blocks: Vec<(Block, Vec<Value>)> = (0..4).map(|_| fb.block(&[I32])).collect();
    let c = |fb: &mut Fb, x| fb.iconst(I32, x);
    let args: Vec<Value> = (0..4).map(|k| c(&mut fb, 10 * k)).collect();
    fb.term(TermKind::BrTable {
        index: p[0],
        targets: (0..3)
            .map(|k| BlockCall::new(blocks[k].0, vec![args[k]]))
            .collect(),
        default: BlockCall::new(blocks[3].0, vec![args[3]]),
    });
    for (b, ps) in &blocks {
        fb.switch(*b);
        fb.ret(ps);
    }
    let f = add_func(&mut m, "f", &[I32], &[I32], fb);
    let mut inst = Instance::new(&m, NoHost, Limits::default()).unwrap();
    for (k, want) in [(0, 0), (1, 10), (2, 20), (3, 30), (-1, 30), (1000, 30)] {
        assert_eq!(inst.invoke(f, &[Val::i32(k)]), Ok(vec![Val::i32(want)]));
    }
}

#[test]
fn trap_terminator_and_globals() {
    let mut m = Module::new();
    let g = m.globals.push(GlobalDecl {
        name: "g".into(),
        ty: I64,
        mutable: true,
        init: GlobalInit::Const(ConstExpr::Value { ty: I64, bits: 5 }),
    });
    let (mut fb, p) = Fb::new(&[I64]);
    let old = fb.op(Op::GlobalGet(g), &[], I64);
    let new = fb.bin(B::Add, I64, old, p[0]);
    fb.effect(Op::GlobalSet(g), &[new]);
    fb.ret(&[old]);
    let bump = add_func(&mut m, "bump", &[I64], &[I64], fb);
    let (mut fb, _) = Fb::new(&[]);
    fb.term(TermKind::Trap(TrapCode::Unreachable));
    let boom = add_func(&mut m, "boom", &[], &[], fb);
    let mut inst = Instance::new(&m, NoHost, Limits::default()).unwrap();
    assert_eq!(inst.invoke(bump, &[Val::i64(3)]), Ok(vec![Val::i64(5)]));
    assert_eq!(inst.global_value(g), Val::i64(8));
    let e = inst.invoke(boom, &[]).unwrap_err();
    assert_eq!(e.to_string(), "unreachable");
}

#[test]
fn spectest_imports() {
    let mut m = Module::new();
    let p = import_func(&mut m, "spectest", "print_i32", &[I32], &[]);
    let g = m.globals.push(GlobalDecl {
        name: "gi".into(),
        ty: I32,
        mutable: false,
        init: GlobalInit::Import(ImportName::new("spectest", "global_i32")),
    });
    let g2 = m.globals.push(GlobalDecl {
        name: "copy".into(),
        ty: I32,
        mutable: false,
        init: GlobalInit::Const(ConstExpr::GlobalGet(g)),
    });
    m.memory = Some(MemoryDecl {
        min: 1,
        max: None,
        import: Some(ImportName::new("spectest", "memory")),
    });
    let (mut fb, _) = Fb::new(&[]);
    let v = fb.op(Op::GlobalGet(g2), &[], I32);
    fb.effect(Op::Call(p), &[v]);
    let s = fb.op(Op::MemorySize, &[], I32);
    fb.ret(&[s]);
    let f = add_func(&mut m, "f", &[], &[I32], fb);
    let mut inst = Instance::new(&m, SpectestHost::default(), Limits::default()).unwrap();
    assert_eq!(inst.invoke(f, &[]), Ok(vec![Val::i32(1)]));
    assert_eq!(inst.host().printed, vec![vec![Val::i32(666)]]);
    assert_eq!(inst.memory().max_pages(), 2);

    // A memory import wanting more than spectest's maximum of 2 pages does not link.
    m.memory.as_mut().unwrap().min = 3;
    let e = Instance::new(&m, SpectestHost::default(), Limits::default())
        .err()
        .unwrap();
    assert!(matches!(e, InstError::Link(_)), "{e}");
}

// ---- WASI -----------------------------------------------------------------------------------

/// A command module with memory, `fd_write`, `fd_read` and `proc_exit` imported, and the
/// data segment `data` at address 1024.
fn wasi_module(data: &[u8]) -> (Module, [FuncId; 3]) {
    let mut m = with_memory(1, None);
    let w = import_func(
        &mut m,
        "wasi_snapshot_preview1",
        "fd_write",
        &[I32; 4],
        &[I32],
    );
    let r = import_func(
        &mut m,
        "wasi_snapshot_preview1",
        "fd_read",
        &[I32; 4],
        &[I32],
    );
    let x = import_func(&mut m, "wasi_snapshot_preview1", "proc_exit", &[I32], &[]);
    m.data.push(DataSegment {
        mode: DataMode::Active {
            offset: ConstExpr::Value {
                ty: I32,
                bits: 1024,
            },
        },
        bytes: data.to_vec(),
    });
    (m, [w, r, x])
}

/// Emits `fd_write(fd, iov = [ptr, len])` using memory at 0..12 for the iovec and result.
fn emit_write(fb: &mut Fb, fd_write: FuncId, fd: i64, ptr: Value, len: Value) -> Value {
    let zero = fb.iconst(I32, 0);
    fb.effect(
        Op::Store {
            ty: I32,
            width: 4,
            offset: 0,
            notrap: false,
        },
        &[zero, ptr],
    );
    fb.effect(
        Op::Store {
            ty: I32,
            width: 4,
            offset: 4,
            notrap: false,
        },
        &[zero, len],
    );
    let fd = fb.iconst(I32, fd);
    let one = fb.iconst(I32, 1);
    let nw = fb.iconst(I32, 8);
    fb.op(Op::Call(fd_write), &[fd, zero, one, nw], I32)
}

#[test]
fn wasi_hello_world() {
    let (mut m, [w, _, _]) = wasi_module(b"hello, world\n");
    let (mut fb, _) = Fb::new(&[]);
    let ptr = fb.iconst(I32, 1024);
    let len = fb.iconst(I32, 13);
    let e = emit_write(&mut fb, w, 1, ptr, len);
    let e2 = emit_write(&mut fb, w, 2, ptr, len);
    let bad = emit_write(&mut fb, w, 7, ptr, len);
    // errno 0, 0, EBADF; bytes written stored at 8.
    let z = fb.iconst(I32, 0);
    let nw = fb.op(
        Op::Load {
            ty: I32,
            width: 4,
            signed: false,
            offset: 8,
            notrap: false,
        },
        &[z],
        I32,
    );
    let s = fb.bin(B::Add, I32, e, e2);
    let s = fb.bin(B::Add, I32, s, bad);
    let (eight, thirteen) = (fb.iconst(I32, 8), fb.iconst(I32, 13));
    let ok1 = fb.cmp(CmpOp::Eq, I32, s, eight);
    let ok2 = fb.cmp(CmpOp::Eq, I32, nw, thirteen);
    let okb = fb.bin(B::And, I32, ok1, ok2);
    let (good, _) = fb.block(&[]);
    let (badb, _) = fb.block(&[]);
    fb.brif(okb, good, &[], badb, &[]);
    fb.switch(badb);
    fb.term(TermKind::Trap(TrapCode::Unreachable));
    fb.switch(good);
    fb.ret(&[]);
    let start = add_func(&mut m, "_start", &[], &[], fb);
    export(&mut m, "_start", start);
    let out = run_command(&m, b"", Limits::default());
    assert_eq!(out.exit, Exit::Code(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello, world\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "hello, world\n");
    assert!(out.fuel_used > 20, "{}", out.fuel_used);
}

#[test]
fn wasi_echo_stdin_and_exit_code() {
    // loop { n = fd_read(0, [4096, 100]); if n == 0 { proc_exit(3) } fd_write(1, [4096, n]) }
    let (mut m, [w, r, x]) = wasi_module(b"");
    let (mut fb, _) = Fb::new(&[]);
    let (lp, _) = fb.block(&[]);
    let (body, _) = fb.block(&[]);
    let (done, _) = fb.block(&[]);
    fb.jump(lp, &[]);
    fb.switch(lp);
    let (z, buf, cap) = (fb.iconst(I32, 0), fb.iconst(I32, 4096), fb.iconst(I32, 100));
    fb.effect(
        Op::Store {
            ty: I32,
            width: 4,
            offset: 16,
            notrap: false,
        },
        &[z, buf],
    );
    fb.effect(
        Op::Store {
            ty: I32,
            width: 4,
            offset: 20,
            notrap: false,
        },
        &[z, cap],
    );
    let (iov, one, nread) = (fb.iconst(I32, 16), fb.iconst(I32, 1), fb.iconst(I32, 24));
    let errno = fb.op(Op::Call(r), &[z, iov, one, nread], I32);
    let n = fb.op(
        Op::Load {
            ty: I32,
            width: 4,
            signed: false,
            offset: 24,
            notrap: false,
        },
        &[z],
        I32,
    );
    let n = fb.bin(B::Or, I32, n, errno);
    fb.brif(n, body, &[], done, &[]);
    fb.switch(body);
    emit_write(&mut fb, w, 1, buf, n);
    fb.jump(lp, &[]);
    fb.switch(done);
    let code = fb.iconst(I32, 3);
    fb.effect(Op::Call(x), &[code]);
    fb.term(TermKind::Trap(TrapCode::Unreachable));
    let start = add_func(&mut m, "_start", &[], &[], fb);
    export(&mut m, "_start", start);
    let input: Vec<u8> = (0..250u32).map(|k| b'a' + (k % 26) as u8).collect();
    let out = run_command(&m, &input, Limits::default());
    assert_eq!(out.exit, Exit::Code(3));
    assert_eq!(out.stdout, input);
    // The same run again uses exactly the same fuel.
    assert_eq!(
        run_command(&m, &input, Limits::default()).fuel_used,
        out.fuel_used
    );
}

#[test]
fn unknown_import_is_a_link_error_naming_it() {
    let mut m = with_memory(1, None);
    import_func(
        &mut m,
        "wasi_snapshot_preview1",
        "fd_frobnicate",
        &[I32],
        &[I32],
    );
    let (mut fb, _) = Fb::new(&[]);
    fb.ret(&[]);
    let start = add_func(&mut m, "_start", &[], &[], fb);
    export(&mut m, "_start", start);
    let out = run_command(&m, b"", Limits::default());
    let Exit::Trap(Trap::Host(msg)) = out.exit else {
        panic!("{:?}", out.exit)
    };
    assert!(
        msg.contains("\"wasi_snapshot_preview1\" \"fd_frobnicate\""),
        "{msg}"
    );
}

// ---- fuel -----------------------------------------------------------------------------------

#[test]
fn fuel_counts_instructions_and_runs_out() {
    // An infinite loop: one add and one jump per iteration.
    let mut m = Module::new();
    let (mut fb, p) = Fb::new(&[I32]);
    let (lp, q) = fb.block(&[I32]);
    fb.jump(lp, &p);
    fb.switch(lp);
    let x = fb.bin(B::Add, I32, q[0], q[0]);
    fb.jump(lp, &[x]);
    let f = add_func(&mut m, "spin", &[I32], &[], fb);
    let mut inst = Instance::new(&m, NoHost, Limits::with_fuel(1001)).unwrap();
    assert_eq!(inst.invoke(f, &[Val::i32(1)]), Err(Trap::OutOfFuel));
    assert_eq!(inst.fuel_used(), 1001);
    assert_eq!(inst.invoke(f, &[Val::i32(1)]), Err(Trap::OutOfFuel));
    assert_eq!(inst.fuel_used(), 1001);

    // Exact count: count(3) runs 4 frames of 3 (base) or 7 (recursive) instructions.
    let (m, f) = count_module();
    let mut inst = Instance::new(&m, NoHost, Limits::default()).unwrap();
    inst.invoke(f, &[Val::i64(3)]).unwrap();
    assert_eq!(inst.fuel_used(), 3 * 7 + 3);
}

/// A hot loop of arithmetic and stores (the interpreter's fast path: locals in registers,
/// a store per iteration) against the same loop in Rust: its result, the memory it leaves and
/// its exact instruction count.
#[test]
fn hot_loop_matches_a_rust_model() {
    // sum = 0; for i in 0..n { sum = sum * 31 + (i ^ (i >> 3)); mem[i & 1023] = sum } ; sum
    let mut m = with_memory(1, None);
    let (mut fb, p) = Fb::new(&[I64]);
    let (lp, q) = fb.block(&[I64, I64]);
    let (exit, x) = fb.block(&[I64]);
    let z = fb.iconst(I64, 0);
    fb.jump(lp, &[z, z]);
    fb.switch(lp);
    let k31 = fb.iconst(I64, 31);
    let k3 = fb.iconst(I64, 3);
    let s = fb.bin(B::Mul, I64, q[1], k31);
    let sh = fb.bin(B::ShrU, I64, q[0], k3);
    let t = fb.bin(B::Xor, I64, q[0], sh);
    let s = fb.bin(B::Add, I64, s, t);
    let a = fb.op(Op::Convert(ConvOp::I32WrapI64), &[q[0]], I32);
    let mask = fb.iconst(I32, 1023 * 8);
    let k8 = fb.iconst(I32, 3);
    let a = fb.bin(B::Shl, I32, a, k8);
    let a = fb.bin(B::And, I32, a, mask);
    fb.effect(
        Op::Store {
            ty: I64,
            width: 8,
            offset: 0,
            notrap: false,
        },
        &[a, s],
    );
    let one = fb.iconst(I64, 1);
    let i1 = fb.bin(B::Add, I64, q[0], one);
    let c = fb.cmp(CmpOp::LtU, I64, i1, p[0]);
    fb.brif(c, lp, &[i1, s], exit, &[s]);
    fb.switch(exit);
    fb.ret(&x);
    let f = add_func(&mut m, "loop", &[I64], &[I64], fb);
    let mut inst = Instance::new(&m, NoHost, Limits::default()).unwrap();
    let n = 100_000u64;
    let got = inst.invoke(f, &[Val::i64(n as i64)]).unwrap();
    let mut mem = vec![0u64; 1024];
    let mut sum = 0u64;
    for i in 0..n {
        sum = sum.wrapping_mul(31).wrapping_add(i ^ (i >> 3));
        mem[(i & 1023) as usize] = sum;
    }
    assert_eq!(got, vec![Val::i64(sum as i64)]);
    for (k, &want) in mem.iter().enumerate() {
        let bytes = &inst.memory().bytes()[8 * k..8 * k + 8];
        assert_eq!(
            u64::from_le_bytes(bytes.try_into().unwrap()),
            want,
            "mem[{k}]"
        );
    }
    // The entry's constant and jump, 16 instructions per iteration (12 of the body, the
    // constant 1, the increment, the compare, the branch), then the return.
    assert_eq!(inst.fuel_used(), 2 + 16 * n + 1);
}

// ---- tables, machine ops, trap reports ------------------------------------------------------

#[test]
fn table_init_copy_size_and_elem_drop() {
    let mut m = Module::new();
    let mut fids = vec![];
    for k in 0..3 {
        let (mut fb, _) = Fb::new(&[]);
        let c = fb.iconst(I32, 100 + k);
        fb.ret(&[c]);
        fids.push(add_func(&mut m, &format!("k{k}"), &[], &[I32], fb));
    }
    let t = m.tables.push(TableDecl {
        ty: Type::FuncRef,
        min: 4,
        max: None,
        import: None,
    });
    let e = m.elems.push(ElemSegment {
        mode: ElemMode::Passive,
        items: vec![Some(fids[0]), None, Some(fids[2])],
    });
    let init = op3(&mut m, Op::TableInit { table: t, elem: e });
    let copy = op3(&mut m, Op::TableCopy { dst: t, src: t });
    let (mut fb, _) = Fb::new(&[]);
    fb.effect(Op::ElemDrop(e), &[]);
    let n = fb.op(Op::TableSize(t), &[], I32);
    fb.ret(&[n]);
    let drop = add_func(&mut m, "drop", &[], &[I32], fb);
    let mut inst = Instance::new(&m, NoHost, Limits::default()).unwrap();
    let i = Val::i32;
    let oob = Err(Trap::Wasm(TrapCode::TableOutOfBounds));
    assert_eq!(inst.invoke(init, &[i(1), i(0), i(3)]), Ok(vec![]));
    assert_eq!(
        funcs(&inst.table(t)),
        [None, Some(fids[0]), None, Some(fids[2])]
    );
    assert_eq!(inst.invoke(init, &[i(2), i(0), i(3)]), oob);
    assert_eq!(inst.invoke(init, &[i(0), i(1), i(3)]), oob);
    assert_eq!(
        funcs(&inst.table(t)),
        [None, Some(fids[0]), None, Some(fids[2])]
    );
    assert_eq!(inst.invoke(copy, &[i(0), i(1), i(3)]), Ok(vec![]));
    assert_eq!(
        funcs(&inst.table(t)),
        [Some(fids[0]), None, Some(fids[2]), Some(fids[2])]
    );
    assert_eq!(inst.invoke(copy, &[i(1), i(0), i(4)]), oob);
    assert_eq!(inst.invoke(drop, &[]), Ok(vec![i(4)]));
    assert_eq!(inst.invoke(init, &[i(0), i(0), i(0)]), Ok(vec![]));
    assert_eq!(inst.invoke(init, &[i(0), i(0), i(1)]), oob);
}

#[test]
fn machine_ops() {
    let (mut m, _) = wasi_module(b"");
    let (mut fb, _) = Fb::new(&[]);
    let addr = fb.iconst(I64, 0xa000_0000);
    let v = fb.iconst(I64, 0x1122_3344_5566_7788);
    fb.effect(Op::MachStore { width: 8 }, &[addr, v]);
    let lo = fb.op(Op::MachLoad { width: 2 }, &[addr], I64);
    let lo = fb.op(Op::Convert(ConvOp::I32WrapI64), &[lo], I32);
    let idx = fb.iconst(I32, 0);
    fb.effect(Op::PubOut, &[idx, lo]);
    let ch = fb.iconst(I32, 0x121); // only the low byte: '!'
    fb.effect(Op::Uart, &[ch]);
    fb.ret(&[]);
    let start = add_func(&mut m, "_start", &[], &[], fb);
    export(&mut m, "_start", start);
    let mut host = zkc_ir::interp::WasiHost::new(b"");
    let mut inst = Instance::new(&m, &mut host, Limits::default()).unwrap();
    inst.invoke_export("_start", &[]).unwrap();
    drop(inst);
    assert_eq!(host.stdout, b"!");
    assert_eq!(host.pubout.get(&0), Some(&0x7788));
    // Without a console, `zisk.uart` is a clean error, not a panic.
    let mut m2 = Module::new();
    let (mut fb, _) = Fb::new(&[]);
    let ch = fb.iconst(I32, 65);
    fb.effect(Op::Uart, &[ch]);
    fb.ret(&[]);
    let f = add_func(&mut m2, "f", &[], &[], fb);
    assert!(matches!(run(&m2, f, &[]), Err(Trap::Unsupported(_))));
}

#[test]
fn backtrace_names_the_trapping_instruction_and_callers() {
    let mut m = Module::new();
    let (mut fb, p) = Fb::new(&[I32]);
    let z = fb.iconst(I32, 0);
    let i = fb.f.append_inst(
        fb.b,
        Op::Binary {
            op: B::DivU,
            ty: I32,
        },
        &[p[0], z],
        &[I32],
        SrcLoc::new(0x42),
    );
    let r = fb.f.inst_results(i)[0];
    fb.ret(&[r]);
    let div = add_func(&mut m, "div", &[I32], &[I32], fb);
    let (mut fb, p) = Fb::new(&[I32]);
    let i =
        fb.f.append_inst(fb.b, Op::Call(div), &p, &[I32], SrcLoc::new(0x99));
    let r = fb.f.inst_results(i)[0];
    fb.ret(&[r]);
    let outer = add_func(&mut m, "outer", &[I32], &[I32], fb);
    let mut inst = Instance::new(&m, NoHost, Limits::default()).unwrap();
    assert_eq!(
        inst.invoke(outer, &[Val::i32(1)]),
        Err(Trap::Wasm(TrapCode::IntDivByZero))
    );
    let bt: Vec<(FuncId, Option<u32>)> = inst
        .backtrace()
        .iter()
        .map(|f| (f.func, f.srcloc.offset()))
        .collect();
    assert_eq!(bt, vec![(div, Some(0x42)), (outer, Some(0x99))]);
}

#[test]
fn start_function_runs_at_instantiation() {
    let mut m = Module::new();
    let g = m.globals.push(GlobalDecl {
        name: "g".into(),
        ty: I32,
        mutable: true,
        init: GlobalInit::Const(ConstExpr::Value { ty: I32, bits: 1 }),
    });
    let (mut fb, _) = Fb::new(&[]);
    let c = fb.iconst(I32, 7);
    fb.effect(Op::GlobalSet(g), &[c]);
    fb.ret(&[]);
    m.start = Some(add_func(&mut m, "init", &[], &[], fb));
    let inst = Instance::new(&m, NoHost, Limits::default()).unwrap();
    assert_eq!(inst.global_value(g), Val::i32(7));
    let (mut fb, _) = Fb::new(&[]);
    fb.term(TermKind::Trap(TrapCode::Unreachable));
    m.start = Some(add_func(&mut m, "bad", &[], &[], fb));
    let e = Instance::new(&m, NoHost, Limits::default()).err().unwrap();
    assert_eq!(e, InstError::Trap(Trap::Wasm(TrapCode::Unreachable)));
}

/// The entries of a funcref table.
fn funcs(table: &[Val]) -> Vec<Option<FuncId>> {
    table
        .iter()
        .map(|v| match v {
            Val::FuncRef(f) => *f,
            other => panic!("{other} in a funcref table"),
        })
        .collect()
}

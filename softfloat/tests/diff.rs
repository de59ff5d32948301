//! Differential tests: every float operation, run natively by the interpreter and after
//! `lower_floats` as integer code, must give the same bits (NaNs included: both produce the
//! canonical NaN) and the same traps, on edge cases of every class and on random operands.

use zkc_ir::interp::{Instance, Limits, NoHost, Trap, Val};
use zkc_ir::{
    BinaryOp, CmpOp, ConvOp, Export, ExportKind, FuncDecl, FuncDef, Function, Module, Op,
    Signature, SrcLoc, TermKind, Type, UnaryOp,
};
use zkc_testkit::Rng;

/// A module with one exported function per float operation: `name(args) = op(args)`.
fn op_module() -> (Module, Vec<(String, Signature)>) {
    let mut ops: Vec<Op> = vec![];
    for ty in [Type::F32, Type::F64] {
        for &op in UnaryOp::ALL.iter().filter(|o| o.valid_for(ty)) {
            ops.push(Op::Unary { op, ty });
        }
        for &op in BinaryOp::ALL.iter().filter(|o| o.valid_for(ty)) {
            ops.push(Op::Binary { op, ty });
        }
        for &op in CmpOp::ALL.iter().filter(|o| o.valid_for(ty)) {
            ops.push(Op::Compare { op, ty });
        }
    }
    for &c in ConvOp::ALL {
        let (a, r) = c.types();
        if a.is_float() || r.is_float() {
            ops.push(Op::Convert(c));
        }
    }
    let mut m = Module::new();
    let mut list = vec![];
    for op in ops {
        let t = m.op_types(&op).unwrap();
        let sig = Signature::new(t.args.clone(), t.results.clone());
        let mut f = Function::new();
        let b = f.create_block();
        let ps: Vec<_> = t
            .args
            .iter()
            .map(|&ty| f.append_block_param(b, ty))
            .collect();
        let i = f.append_inst(b, op.clone(), &ps, &t.results, SrcLoc::NONE);
        let rs = f.inst_results(i).to_vec();
        f.set_terminator(b, TermKind::Return(rs), SrcLoc::NONE);
        let name = op.mnemonic();
        let id = m.funcs.push(FuncDecl {
            name: name.clone(),
            sig: sig.clone(),
            def: FuncDef::Body(f),
        });
        m.exports.push(Export {
            name: name.clone(),
            kind: ExportKind::Func(id),
        });
        list.push((name, sig));
    }
    (m, list)
}

fn edges(ty: Type) -> Vec<u64> {
    let f64s = [
        0.0,
        1.0,
        -1.0,
        0.5,
        -0.5,
        1.5,
        2.5,
        -2.5,
        3.5,
        0.49999999999999994,
        0.1,
        -0.1,
        2.0,
        3.0,
        10.0,
        1e10,
        -1e10,
        4294967295.0,
        4294967296.0,
        4294967295.5,
        2147483647.0,
        2147483647.5,
        2147483648.0,
        -2147483648.0,
        -2147483648.5,
        -2147483649.0,
        -0.9999,
        -1.0000001,
        9223372036854775807.0,
        9223372036854774784.0,
        -9223372036854775808.0,
        -9223372036854777856.0,
        18446744073709551615.0,
        18446744073709549568.0,
        4503599627370496.0,
        4503599627370497.0,
        9007199254740993.0,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        f64::EPSILON,
        1.7976931348623157e308 / 2.0,
        f32::MAX as f64,
        f32::MIN_POSITIVE as f64,
        1e-40,
        1e-45,
        3.4028235677973366e38,
        3.4028234663852886e38 * 1.0000000001,
        std::f64::consts::PI,
        16777217.0,
        16777216.0,
        8388608.5,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    let mut v: Vec<u64> = vec![];
    for x in f64s {
        for s in [1.0, -1.0] {
            let y = x * s;
            v.push(match ty {
                Type::F64 => y.to_bits(),
                _ => (y as f32).to_bits() as u64,
            });
        }
    }
    let raw: &[u64] = match ty {
        Type::F64 => &[
            0x8000_0000_0000_0000,
            1,
            2,
            3,
            0x000f_ffff_ffff_ffff,
            0x0010_0000_0000_0000,
            0x0010_0000_0000_0001,
            0x7fef_ffff_ffff_ffff,
            0x7ff0_0000_0000_0001,
            0x7ff4_0000_0000_0000,
            0x7ff8_0000_0000_0000,
            0xfff8_0000_0000_0000,
            0x7fff_ffff_ffff_ffff,
            0xffff_ffff_ffff_ffff,
            0x8000_0000_0000_0001,
            0x3fe0_0000_0000_0001,
            0x3ff0_0000_0000_0001,
            0x432f_ffff_ffff_ffff,
            0x4330_0000_0000_0000,
            0x4340_0000_0000_0001,
        ],
        _ => &[
            0x8000_0000,
            1,
            2,
            3,
            0x007f_ffff,
            0x0080_0000,
            0x0080_0001,
            0x7f7f_ffff,
            0x7f80_0001,
            0x7fa0_0000,
            0x7fc0_0000,
            0xffc0_0000,
            0x7fff_ffff,
            0xffff_ffff,
            0x8000_0001,
            0x3f00_0001,
            0x3f80_0001,
            0x4b7f_ffff,
            0x4b80_0000,
            0x4b00_0001,
        ],
    };
    v.extend_from_slice(raw);
    if ty.is_int() {
        v = vec![
            0,
            1,
            2,
            3,
            u64::MAX,
            u64::MAX - 1,
            1 << 63,
            (1 << 63) - 1,
            (1 << 63) + 1,
            1 << 31,
            (1 << 31) - 1,
            (1 << 31) + 1,
            1 << 32,
            0xffff_ffff,
            1 << 24,
            (1 << 24) + 1,
            (1 << 24) + 3,
            (1 << 53) + 1,
            (1 << 53) + 3,
            0x0020_0000_0000_0001,
            0xffff_ff80_0000_0001,
            0xffff_ffff_7fff_ffff,
            0x7fff_ff80_0000_0000,
            0x7fff_ffc0_0000_0000,
            0x8000_0080_0000_0001,
        ];
        if ty == Type::I32 {
            for x in v.iter_mut() {
                *x &= 0xffff_ffff;
            }
        }
    }
    v.sort();
    v.dedup();
    v
}

/// A random operand: raw bits, or a "structured" value (random sign, exponent near the
/// interesting range, random fraction), or an edge.
fn random(r: &mut Rng, ty: Type, edges: &[u64]) -> u64 {
    let x = r.next_u64();
    match (x >> 60) & 3 {
        0 => edges[(r.next_u64() % edges.len() as u64) as usize],
        1 => ty.truncate(r.next_u64()),
        _ => match ty {
            Type::F64 => {
                let e = match r.next_u64() % 4 {
                    0 => r.next_u64() % 0x800,
                    1 => 1023 + r.next_u64() % 70,
                    2 => 1023 - 70 + r.next_u64() % 140,
                    _ => r.next_u64() % 60,
                };
                (x & (1 << 63)) | (e << 52) | (r.next_u64() & ((1 << 52) - 1))
            }
            Type::F32 => {
                let e = match r.next_u64() % 4 {
                    0 => r.next_u64() % 0x100,
                    1 => 127 + r.next_u64() % 70,
                    2 => 127 - 30 + r.next_u64() % 60,
                    _ => r.next_u64() % 30,
                };
                ((x >> 32) & (1 << 31)) | (e << 23) | (r.next_u64() & ((1 << 23) - 1))
            }
            Type::I64 => r.next_u64() >> (r.next_u64() % 64),
            Type::I32 => (r.next_u64() >> (r.next_u64() % 64)) & 0xffff_ffff,
            Type::FuncRef | Type::ExternRef => unreachable!("no float routine takes a reference"),
        },
    }
}

fn to_int(v: Val) -> Val {
    match v {
        Val::F32(x) => Val::I32(x),
        Val::F64(x) => Val::I64(x),
        v => v,
    }
}

#[test]
fn lowered_ops_match_native_ops() {
    let (native, list) = op_module();
    let mut lowered = native.clone();
    zkc_softfloat::lower_floats(&mut lowered).unwrap();
    zkc_ir::verify::verify_module(&lowered).unwrap();
    assert!(zkc_softfloat::float_free(&lowered).is_ok());
    let mut ni = Instance::new(&native, NoHost, Limits::default()).unwrap();
    let mut li = Instance::new(&lowered, NoHost, Limits::default()).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let random_cases: usize = std::env::var("SOFTFLOAT_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let mut failures = vec![];
    let mut total = 0;
    for (name, sig) in &list {
        let e: Vec<Vec<u64>> = sig.params.iter().map(|&t| edges(t)).collect();
        let mut cases: Vec<Vec<u64>> = vec![];
        match sig.params.len() {
            1 => cases.extend(e[0].iter().map(|&x| vec![x])),
            _ => {
                for &x in &e[0] {
                    for &y in &e[1] {
                        cases.push(vec![x, y]);
                    }
                }
            }
        }
        for _ in 0..random_cases {
            cases.push(
                sig.params
                    .iter()
                    .zip(&e)
                    .map(|(&t, e)| random(&mut rng, t, e))
                    .collect(),
            );
        }
        let mut bad = 0;
        for c in &cases {
            total += 1;
            let args: Vec<Val> = sig
                .params
                .iter()
                .zip(c)
                .map(|(&t, &x)| Val::from_bits(t, x))
                .collect();
            let want = ni.invoke_export(name, &args);
            assert!(
                !matches!(want, Err(Trap::Host(_))),
                "{name}{args:?}: {want:?}"
            );
            let largs: Vec<Val> = args.iter().map(|&v| to_int(v)).collect();
            let got: Result<Vec<Val>, Trap> = li.invoke_export(name, &largs);
            let want = want.map(|v| v.into_iter().map(to_int).collect::<Vec<_>>());
            if want != got {
                bad += 1;
                if bad <= 5 {
                    failures.push(format!("{name}{args:?}: native {want:?}, lowered {got:?}"));
                }
            }
        }
        if bad > 5 {
            failures.push(format!("{name}: {bad} of {} cases differ", cases.len()));
        }
    }
    eprintln!("{total} cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Square roots: perfect squares (exact results), their neighbours (results just off a
/// rounding boundary) and many positive random operands, for both formats.
#[test]
fn sqrt_is_correctly_rounded() {
    let (native, _) = op_module();
    let mut lowered = native.clone();
    zkc_softfloat::lower_floats(&mut lowered).unwrap();
    let mut ni = Instance::new(&native, NoHost, Limits::default()).unwrap();
    let mut li = Instance::new(&lowered, NoHost, Limits::default()).unwrap();
    let mut rng = Rng(12345);
    let mut check = |ty: Type, bits: u64| {
        let (name, arg, larg) = match ty {
            Type::F64 => ("f64.sqrt", Val::F64(bits), Val::I64(bits)),
            _ => ("f32.sqrt", Val::F32(bits as u32), Val::I32(bits as u32)),
        };
        let want: Vec<u64> = ni
            .invoke_export(name, &[arg])
            .unwrap()
            .iter()
            .map(|v| v.bits())
            .collect();
        let got: Vec<u64> = li
            .invoke_export(name, &[larg])
            .unwrap()
            .iter()
            .map(|v| v.bits())
            .collect();
        assert_eq!(want, got, "{name}({bits:#x})");
    };
    for _ in 0..200_000 {
        let k = rng.next_u64() >> (11 + rng.next_u64() % 40);
        let sq = (k as f64) * (k as f64);
        let scale = f64::from_bits(((rng.next_u64() % 2000) + 23) << 52);
        for x in [sq, sq * scale] {
            let b = x.to_bits();
            for d in [b, b.wrapping_add(1), b.wrapping_sub(1)] {
                check(Type::F64, d & !(1 << 63));
                check(
                    Type::F32,
                    ((f64::from_bits(d) as f32).to_bits() & 0x7fff_ffff) as u64,
                );
            }
        }
        check(Type::F64, rng.next_u64() >> 1);
        check(Type::F32, rng.next_u64() >> 33);
    }
}

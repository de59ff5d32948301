//! Prints the cost shape of each lowered float operation: IR instructions executed by the
//! interpreter (terminators and the call itself included) on typical and special operands.
//!
//! `cargo run -p zkc-softfloat --example costs`

use zkc_ir::interp::{Instance, Limits, NoHost, Val};
use zkc_ir::{
    BinaryOp, CmpOp, ConvOp, Export, ExportKind, FuncDecl, FuncDef, Function, Module, Op,
    Signature, SrcLoc, TermKind, Type, UnaryOp,
};

fn main() {
    let mut ops: Vec<Op> = vec![];
    for ty in [Type::F32, Type::F64] {
        for op in [
            BinaryOp::Add,
            BinaryOp::Sub,
            BinaryOp::Mul,
            BinaryOp::Div,
            BinaryOp::Min,
        ] {
            ops.push(Op::Binary { op, ty });
        }
        for op in [
            UnaryOp::Sqrt,
            UnaryOp::Floor,
            UnaryOp::Nearest,
            UnaryOp::Abs,
        ] {
            ops.push(Op::Unary { op, ty });
        }
        for op in [CmpOp::Eq, CmpOp::Lt] {
            ops.push(Op::Compare { op, ty });
        }
    }
    use ConvOp::*;
    for c in [
        I32TruncF64S,
        I64TruncF64S,
        I64TruncF64U,
        I64TruncSatF64S,
        I32TruncF32S,
        F64ConvertI32S,
        F64ConvertI64S,
        F64ConvertI64U,
        F32ConvertI32S,
        F32ConvertI64S,
        F64PromoteF32,
        F32DemoteF64,
    ] {
        ops.push(Op::Convert(c));
    }
    // One function per operation; `nop` measures the call overhead to subtract.
    let mut m = Module::new();
    let mut names = vec![];
    for op in &ops {
        let t = m.op_types(op).unwrap();
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
            sig: Signature::new(t.args, t.results),
            def: FuncDef::Body(f),
        });
        m.exports.push(Export {
            name: name.clone(),
            kind: ExportKind::Func(id),
        });
        names.push(name);
    }
    zkc_softfloat::lower_floats(&mut m).unwrap();
    zkc_ir::verify::verify_module(&m).unwrap();
    let mut inst = Instance::new(&m, NoHost, Limits::default()).unwrap();
    let f64s: &[(&str, f64, f64)] = &[
        ("typical", 1.2345678901234567, -3.7e2),
        ("typical 2", 6.02214076e23, 1.602176634e-19),
        ("zero", 0.0, 2.0),
        ("subnormal", 1e-310, 3.0),
        ("inf", f64::INFINITY, 2.0),
        ("nan", f64::NAN, 1.0),
    ];
    println!(
        "| operation | {} |",
        f64s.iter().map(|c| c.0).collect::<Vec<_>>().join(" | ")
    );
    println!("|---|{}", "--:|".repeat(f64s.len()));
    for (name, op) in names.iter().zip(&ops) {
        let t = m.op_types(&Op::Call(m.export_func(name).unwrap())).unwrap();
        let mut row = vec![];
        for &(_, x, y) in f64s {
            let arg = |ty: Type, v: f64, int_scale: bool| match ty {
                Type::I32 if int_scale => Val::I32((v.clamp(-2e9, 2e9) as i32) as u32),
                Type::I64 if int_scale => Val::I64(v.clamp(-9e18, 9e18) as i64 as u64),
                Type::I32 => Val::I32((v as f32).to_bits()),
                _ => Val::I64(v.to_bits()),
            };
            // Integer operands of int→float conversions are the values themselves.
            let int_src = matches!(op, Op::Convert(c) if c.types().0.is_int());
            let args: Vec<Val> = t
                .args
                .iter()
                .zip([x, y])
                .map(|(&ty, v)| arg(ty, if int_src { v * 1e6 } else { v }, int_src))
                .collect();
            let before = inst.fuel_used();
            let r = inst.invoke_export(name, &args);
            let used = inst.fuel_used() - before;
            row.push(match r {
                Ok(_) => format!("{used}"),
                Err(_) => format!("{used} (trap)"),
            });
        }
        println!("| {name} | {} |", row.join(" | "));
    }
}

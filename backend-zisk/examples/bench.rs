//! Emulator throughput: `cargo run --release -p zkc-backend-zisk --example bench [STEPS]`.
//!
//! Runs a loop mixing register ALU ops, RAM loads and stores and a compare-and-branch, and
//! prints steps per second. The figure is recorded in `backend-zisk/PERF.md`. With
//! `ZKC_BENCH_ASM=FILE` it also writes the program as ZisK assembly, to time `ziskemu -z`.

use std::time::Instant;

use zkc_backend_zisk::mem_map::GENERAL_RAM_ADDR;
use zkc_backend_zisk::{ASrc, BSrc, Emulator, Flow, Op, OpInst, Program, Store, Target, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let iterations: u64 = match std::env::args().nth(1) {
        Some(s) => s.parse::<u64>()? / 8,
        None => 12_500_000,
    };
    let imm = |v: u64| BSrc::Imm(Value::Lit(v));
    let mut p = Program::default();
    p.label("main");
    p.op(OpInst::new(Op::CopyB, ASrc::Imm(Value::Lit(0)), imm(iterations)).to(Store::Reg(6)));
    p.op(
        OpInst::new(Op::CopyB, ASrc::Imm(Value::Lit(0)), imm(GENERAL_RAM_ADDR)).to(Store::Reg(20)),
    );
    let loop_label = p.sym("loop");
    p.label(loop_label);
    p.op(OpInst::new(Op::Add, ASrc::Reg(5), BSrc::Reg(6)).to(Store::Reg(5)));
    p.op(OpInst::new(Op::Xor, ASrc::Reg(5), imm(0x9e37_79b9)).to(Store::Reg(7)));
    p.op(OpInst::new(Op::CopyB, ASrc::Reg(20), BSrc::Reg(7))
        .to(Store::Ind(8))
        .width(8));
    p.op(OpInst::new(Op::CopyB, ASrc::Reg(20), BSrc::Ind(8))
        .width(8)
        .to(Store::Reg(8)));
    p.op(OpInst::new(Op::Mul, ASrc::Reg(8), imm(3)).to(Store::Reg(9)));
    p.op(OpInst::new(Op::Srl, ASrc::Reg(9), imm(3)).to(Store::Reg(9)));
    p.op(OpInst::new(Op::Sub, ASrc::Reg(6), imm(1)).to(Store::Reg(6)));
    p.op(
        OpInst::new(Op::Eq, ASrc::Reg(6), imm(0)).flow(Flow::Branch {
            taken: Target::Offset(4),
            not_taken: Target::Label(loop_label),
        }),
    );
    p.inst(zkc_backend_zisk::InstKind::Ret, None);
    if let Some(path) = std::env::var_os("ZKC_BENCH_ASM") {
        std::fs::write(path, zkc_backend_zisk::write_asm(&p)?)?;
    }
    let rom = p.layout()?.rom;
    let mut emu = Emulator::new(&rom, &[])?;
    let start = Instant::now();
    let outcome = emu.run(u64::MAX)?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} steps in {secs:.3} s: {:.1} million steps/s (VARIABLE cost {})",
        outcome.steps,
        outcome.steps as f64 / secs / 1e6,
        emu.stats().variable_cost()
    );
    Ok(())
}

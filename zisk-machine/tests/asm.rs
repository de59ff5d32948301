//! The assembly writer's text and the layout's addresses.

mod common;

use common::*;
use zkc_zisk_machine::mem_map::*;
use zkc_zisk_machine::program::{DataDecl, LayoutError};
use zkc_zisk_machine::{write_asm, ASrc, BSrc, Inst, InstKind, Op, Program, Store, Value};

fn sample() -> Program {
    let mut p = Program::default();
    data(&mut p, "table", true, &[1, 0x1234_5678_9abc_def0, 0]);
    p.label("main");
    p.label("entry");
    let s_table = p.sym("table");
    p.op(op(Op::CopyB, ai(0), bsym(s_table, 8)).to(sr(5)));
    let s_entry = p.sym("entry");
    p.inst(
        InstKind::Op(
            op(Op::Add, ar(5), bind(-16))
                .width(4)
                .to(sm(OUTPUT_ADDR))
                .branch(s_entry),
        ),
        Some("v3 @0x2a\nsecond line"),
    );
    p.op(op(Op::Ltu, astep(), bi(u64::MAX))
        .to(sind(0))
        .width(1)
        .end());
    call(&mut p, "entry");
    ret(&mut p);
    let bss = p.sym("bss");
    p.data(DataDecl::zeroed(bss, false, 2));
    p
}

#[test]
fn writes_ziskasm_text() {
    let text = write_asm(&sample()).unwrap();
    let expected = "\
; ZisK assembly written by zkc
const u64 table[3] = 1, 0x123456789abcdef0
u64 bss[2]
main:
\tcopyb(0, table + 8) -> r5
\tadd(r5, 4[a - 16]) -> [0xa0410000], j(main) ; v3 @0x2a second line
\tltu(step, 0xffffffffffffffff) -> 1[a], end
\tcall main ; call
\tret
";
    assert_eq!(text, expected);
}

#[test]
fn layout_follows_the_assembler() {
    let layout = sample().layout().unwrap();
    let rom = &layout.rom;
    // Launcher (4 instructions) first, so main is the fifth instruction.
    assert_eq!(layout.symbols["_start"], ROM_ADDR);
    assert_eq!(layout.symbols["main"], ROM_ADDR + 16);
    assert_eq!(layout.symbols["entry"], ROM_ADDR + 16);
    // 9 instructions end at ROM_ADDR + 36; const data starts at the next 32-byte boundary.
    assert_eq!(layout.symbols["table"], ROM_ADDR + 64);
    assert_eq!(layout.symbols["bss"], GENERAL_RAM_ADDR);
    assert_eq!(rom.ro_data[0].words, vec![1, 0x1234_5678_9abc_def0, 0, 0]);
    assert_eq!(rom.rw_data[0].words, vec![0; 4]);
    let mut add = Inst::new(
        Op::Add,
        ASrc::Reg(5),
        BSrc::Ind(-16),
        Store::Mem(OUTPUT_ADDR),
    );
    add.ind_width = 4;
    add.jmp_offset1 = -4;
    assert_eq!(rom.insts[&(ROM_ADDR + 20)], add);
    let call = rom.insts[&(ROM_ADDR + 28)];
    assert!(call.store_pc && call.op == Op::Flag && call.jmp_offset1 == -12);
    assert_eq!(rom.comments[&(ROM_ADDR + 20)], "v3 @0x2a\nsecond line");
}

#[test]
fn registers_are_normalised_like_the_builder() {
    let mut p = Program::default();
    p.label("main");
    p.op(op(Op::Add, ar(0), br(40)).to(sr(0)));
    p.op(op(Op::Add, ar(63), br(1)).to(sr(41)));
    let rom = p.layout().unwrap().rom;
    assert_eq!(
        rom.insts[&(ROM_ADDR + 16)],
        Inst::new(
            Op::Add,
            ASrc::Imm(0),
            BSrc::Mem(REG_FIRST + 320),
            Store::None
        )
    );
    assert_eq!(
        rom.insts[&(ROM_ADDR + 20)],
        Inst::new(
            Op::Add,
            ASrc::Mem(REG_FIRST + 504),
            BSrc::Reg(1),
            Store::Mem(REG_FIRST + 328)
        )
    );
    let mut bad = Program::default();
    bad.label("main");
    bad.op(op(Op::Add, ar(64), br(1)));
    assert_eq!(bad.layout().unwrap_err(), LayoutError::BadRegister(64));
    assert_eq!(write_asm(&bad).unwrap_err(), LayoutError::BadRegister(64));
}

#[test]
fn rejects_programs_the_assembler_rejects() {
    let mut no_entry = Program::default();
    no_entry.label("f");
    ret(&mut no_entry);
    assert_eq!(no_entry.layout().unwrap_err(), LayoutError::NoEntry);

    let mut late_start = Program::default();
    late_start.label("main");
    ret(&mut late_start);
    late_start.label("_start");
    ret(&mut late_start);
    assert_eq!(late_start.layout().unwrap_err(), LayoutError::StartNotFirst);

    let mut dangling = Program::default();
    dangling.label("main");
    ret(&mut dangling);
    dangling.label("tail");
    assert_eq!(
        dangling.layout().unwrap_err(),
        LayoutError::DanglingLabel("tail".into())
    );

    let mut keyword = Program::default();
    keyword.label("main");
    let s_step = keyword.sym("step");
    keyword.op(op(Op::CopyB, ai(0), BSrc::Imm(Value::Sym(s_step, 0))));
    data(&mut keyword, "step", false, &[1]);
    assert_eq!(
        keyword.layout().unwrap_err(),
        LayoutError::BadSymbolName("step".into())
    );

    let mut undefined = Program::default();
    undefined.label("main");
    jump(&mut undefined, "nowhere");
    assert_eq!(
        undefined.layout().unwrap_err(),
        LayoutError::UndefinedSymbol("nowhere".into())
    );
}

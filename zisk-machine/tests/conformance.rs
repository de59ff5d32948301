//! Conformance against the real `ziskemu` 1.4.0-alpha.
//!
//! Every program of the corpus runs on our emulator and on ziskemu, as assembly (`-z`) and as
//! our ziskbin ELF (`-e`), with `-X -c`: ziskemu's whole stdout (console output, the `-X`
//! report, the public output) must equal what we produce, byte for byte.
//!
//! When upstream's assembler `zisk2zisk` is found (`$ZISK2ZISK` or `PATH`), the ROM it builds
//! from our assembly text must also equal our own layout of the program.
//!
//! ziskemu is taken from `$ZISKEMU`, else from `PATH` or `~/.cargo/bin`. Without it the test
//! prints `SKIPPED: ziskemu not found` and passes, unless `ZKC_REQUIRE_ZISKEMU` is set.

mod common;

use std::process::Command;

use common::*;
use zkc_testkit::{run_ziskemu, skip_without, zisk_tool, ziskemu_or_skip};
use zkc_zisk_machine::emu::legacy_input;
use zkc_zisk_machine::mem_map::*;
use zkc_zisk_machine::program::DataDecl;
use zkc_zisk_machine::{write_asm, zisk_bin, Flow, InstKind, Op, Program, Value};

struct Case {
    name: String,
    program: Program,
    input: Vec<u8>,
}

fn case(name: &str, program: Program) -> Case {
    Case {
        name: name.to_string(),
        program,
        input: Vec::new(),
    }
}

/// Stores `c` of `op(x, y)` for every operand pair into consecutive output words.
fn op_table(ops: &[Op], pairs: &[(u64, u64)]) -> Program {
    let mut p = Program::default();
    p.label("main");
    let mut slot = 0;
    for &o in ops {
        for &(x, y) in pairs {
            set(&mut p, 5, x);
            set(&mut p, 6, y);
            p.op(op(o, ar(5), br(6)).to(sm(OUTPUT_ADDR + 8 * (slot % 32))));
            slot += 1;
        }
    }
    ret(&mut p);
    p
}

const PAIRS: [(u64, u64); 5] = [
    (3, 5),
    (0xffff_ffff_ffff_fffd, 7),
    (0x1234_5678_9abc_def0, 0x0fed_cba9_8765_4321),
    (0x8000_0000_0000_0000, u64::MAX),
    (100, 0),
];

fn corpus() -> Vec<Case> {
    let mut cases = Vec::new();
    let alu: Vec<Op> = Op::ALL
        .iter()
        .copied()
        .filter(|o| !matches!(o, Op::Halt | Op::Flag | Op::PubOut) && !o.is_precompile())
        .collect();
    for (i, chunk) in alu.chunks(5).enumerate() {
        let names: Vec<&str> = chunk.iter().map(|o| o.name()).collect();
        cases.push(case(
            &format!("ops_{i:02}_{}", names.join("_")),
            op_table(chunk, &PAIRS),
        ));
    }
    // Small operands: frequent operations, cheap adds.
    let small = [
        (0, 0),
        (1, 2),
        (40, 8),
        (4000, 60),
        (0xa03f_1008, 16),
        (5, u64::MAX - 3),
    ];
    for (i, chunk) in alu.chunks(10).enumerate() {
        cases.push(case(&format!("frops_{i}"), op_table(chunk, &small)));
    }

    let mut p = Program::default();
    p.label("main");
    print(&mut p, "Hello, ZisK!\n\u{7f}");
    ret(&mut p);
    cases.push(case("uart_hello", p));

    // Every source kind of a and b, every store kind, 64-bit immediates, virtual registers.
    let mut p = Program::default();
    data(&mut p, "slot", false, &[0x1122_3344_5566_7788, 9]);
    p.label("main");
    set(&mut p, 5, 0xdead_beef_0bad_f00d);
    p.op(op(Op::Add, ar(5), bi(0x1_0000_0001)).to(sr(7)));
    let s_slot = p.sym("slot");
    p.op(op(Op::Xor, asym(s_slot, 0), bsym(s_slot, 8)).to(sr(8)));
    let s_slot = p.sym("slot");
    p.op(op(Op::Add, ac(), bc()).to(smsym(s_slot, 8)));
    let s_slot = p.sym("slot");
    p.op(op(Op::Sub, astep(), bmsym(s_slot, 8)).to(sr(9)));
    p.op(op(Op::Or, am(GENERAL_RAM_ADDR), br(9)).to(sr(45)));
    p.op(op(Op::Add, ar(45), br(63)).to(sr(0)));
    p.op(op(Op::Add, ar(0), br(45)).to(sr(10)));
    for (k, r) in [7u8, 8, 9, 10, 45].iter().enumerate() {
        p.op(op(Op::CopyB, ai(0), br(*r)).to(sm(OUTPUT_ADDR + 8 * k as u64)));
    }
    ret(&mut p);
    cases.push(case("sources_and_stores", p));

    // Loads of every width at every offset, from RAM, ROM data and the input.
    for (name, base) in [("ram", None), ("rom", Some(true)), ("input", Some(false))] {
        let mut p = Program::default();
        let words = [
            0x0807_0605_0403_0201,
            0x100f_0e0d_0c0b_0a09,
            0xf1f2_f3f4_f5f6_f7f8,
        ];
        p.label("main");
        match base {
            None => {
                data(&mut p, "buf", false, &words);
                let s_buf = p.sym("buf");
                p.op(op(Op::CopyB, ai(0), bsym(s_buf, 0)).to(sr(20)));
            }
            Some(true) => {
                data(&mut p, "buf", true, &words);
                let s_buf = p.sym("buf");
                p.op(op(Op::CopyB, ai(0), bsym(s_buf, 0)).to(sr(20)));
            }
            Some(false) => set(&mut p, 20, INPUT_ADDR + 8),
        }
        let mut slot = 0;
        for width in [1u8, 2, 4, 8] {
            for offset in 0..8 {
                p.op(op(Op::CopyB, ar(20), bind(offset)).width(width).to(sr(6)));
                p.op(op(Op::Add, ar(6), br(7)).to(sr(7)));
                if offset % 2 == 0 {
                    p.op(op(Op::CopyB, ai(0), br(6)).to(sm(OUTPUT_ADDR + 8 * (slot % 32))));
                    slot += 1;
                }
            }
        }
        p.op(op(Op::CopyB, ai(0), br(7)).to(sm(OUTPUT_ADDR + 8 * 31)));
        ret(&mut p);
        let mut c = case(&format!("loads_{name}"), p);
        c.input = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        cases.push(c);
    }

    // Stores of every width at every offset, clean and dirty bytes, negative offsets.
    let mut p = Program::default();
    p.label("main");
    set(&mut p, 20, OUTPUT_ADDR + 8);
    set(&mut p, 5, 0x0123_4567_89ab_cdef);
    let mut off = 0i64;
    for width in [1u8, 2, 4, 8] {
        for offset in 0..8 {
            p.op(op(Op::Add, ar(5), bi(offset as u64)));
            p.op(op(Op::CopyB, ar(20), bc())
                .to(sind(off + offset))
                .width(width));
            p.op(op(Op::CopyB, ar(20), bi(0x41 + offset as u64))
                .to(sind(off + offset + 3))
                .width(1));
        }
        off += 32;
    }
    p.op(op(Op::CopyB, ar(20), br(5)).to(sind(-8)).width(8));
    ret(&mut p);
    cases.push(case("stores_widths", p));

    // Loops and branches: sum 1..=1000, j(t1, t2) with both targets, backward offsets.
    let mut p = Program::default();
    p.label("main");
    set(&mut p, 5, 0);
    set(&mut p, 6, 1000);
    p.label("loop");
    p.op(op(Op::Add, ar(5), br(6)).to(sr(5)));
    p.op(op(Op::Sub, ar(6), bi(1)).to(sr(6)));
    let s_done = p.sym("done");
    let s_loop = p.sym("loop");
    p.op(op(Op::Eq, ar(6), bi(0)).flow(j(s_done, s_loop)));
    p.label("done");
    p.op(op(Op::CopyB, ai(0), br(5)).to(sm(OUTPUT_ADDR)));
    p.op(op(Op::Lt, ai(u64::MAX), bi(0)).flow(Flow::Branch {
        taken: zkc_zisk_machine::Target::Offset(8),
        not_taken: zkc_zisk_machine::Target::Offset(4),
    }));
    p.op(op(Op::CopyB, ai(0), bi(0xbad)).to(sm(OUTPUT_ADDR + 8)));
    let s_never = p.sym("never");
    p.op(op(Op::Ltu, ar(5), bi(3)).branch(s_never));
    p.op(op(Op::CopyB, ai(0), bi(0x600d)).to(sm(OUTPUT_ADDR + 16)));
    p.label("never");
    ret(&mut p);
    cases.push(case("loop_sum", p));

    // The two precompiles zkc emits: keccak-f twice on a state in RAM (b from an immediate and
    // from a register), sha256 on a state and a block; the results copied to the output.
    let mut p = Program::default();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut words = |n: usize| -> Vec<u64> {
        (0..n)
            .map(|_| {
                x = x.rotate_left(23).wrapping_mul(0x2545_f491_4f6c_dd1d);
                x
            })
            .collect()
    };
    data(&mut p, "st", false, &words(25));
    data(&mut p, "hs", false, &words(4));
    data(&mut p, "blk", false, &words(8));
    p.label("main");
    let s_st = p.sym("st");
    p.op(op(Op::Keccak, ai(0), bsym(s_st, 0)));
    let s_st = p.sym("st");
    p.op(op(Op::CopyB, ai(0), bsym(s_st, 0)).to(sr(5)));
    p.op(op(Op::Keccak, ai(0), br(5)));
    let s_hs = p.sym("hs");
    let s_blk = p.sym("blk");
    p.op(op(Op::Sha256, asym(s_hs, 0), bsym(s_blk, 0)));
    for k in 0..25 {
        let s_st = p.sym("st");
        p.op(op(Op::CopyB, ai(0), bmsym(s_st, 8 * k)).to(sm(OUTPUT_ADDR + 8 * k as u64)));
    }
    for k in 0..4 {
        let s_hs = p.sym("hs");
        p.op(op(Op::CopyB, ai(0), bmsym(s_hs, 8 * k)).to(sm(OUTPUT_ADDR + 200 + 8 * k as u64)));
    }
    ret(&mut p);
    cases.push(case("precompiles", p));

    // DMA copies (count at EXTRA_PARAMS_ADDR) and fills (byte in jmp_offset1) of every length
    // class at every relative alignment, overlapping both ways; the buffer to the output.
    for (name, ops) in [
        (
            "dma_memcpy",
            &[
                (0u64, 100u64, 0u64),
                (8, 136, 1),
                (16, 161, 3),
                (40, 200, 8),
                (64, 264, 9),
                (96, 299, 16),
                (3, 250, 7),
                (5, 301, 64),
                (130, 131, 100),
                (141, 133, 45),
            ][..],
        ),
        (
            "dma_xmemset",
            &[
                (0, 0x5a, 0),
                (1, 0xa5, 1),
                (9, 0x11, 7),
                (24, 0x80, 8),
                (33, 0xff, 19),
                (60, 0x01, 64),
                (130, 0x7e, 77),
            ][..],
        ),
    ] {
        let mut p = Program::default();
        data(&mut p, "buf", false, &words(32));
        p.label("main");
        for &(dst, x, count) in ops {
            if name == "dma_memcpy" {
                p.op(op(Op::CopyB, ai(0), bi(count)).to(sm(EXTRA_PARAMS_ADDR)));
                let s_buf = p.sym("buf");
                p.op(op(
                    Op::DmaMemCpy,
                    asym(s_buf, dst as i64),
                    bsym(s_buf, x as i64),
                )
                .to(sr(5)));
            } else {
                let s_buf = p.sym("buf");
                p.op(
                    op(Op::DmaXMemSet, asym(s_buf, dst as i64), bi(count)).flow(Flow::Branch {
                        taken: zkc_zisk_machine::Target::Offset(x as i32),
                        not_taken: zkc_zisk_machine::Target::Offset(4),
                    }),
                );
            }
        }
        for k in 0..32 {
            let s_buf = p.sym("buf");
            p.op(op(Op::CopyB, ai(0), bmsym(s_buf, 8 * k)).to(sm(OUTPUT_ADDR + 8 * k as u64)));
        }
        ret(&mut p);
        cases.push(case(name, p));
    }

    // A DMA copy out of ROM data, as `memory.init` does, at several alignments.
    let mut p = Program::default();
    data(&mut p, "rom", true, &words(8));
    p.label("main");
    for (k, (from, count)) in [(0u64, 64u64), (3, 17), (13, 5), (1, 40)]
        .iter()
        .enumerate()
    {
        p.op(op(Op::CopyB, ai(0), bi(*count)).to(sm(EXTRA_PARAMS_ADDR)));
        let dst = OUTPUT_ADDR + 64 * k as u64 + k as u64;
        let s_rom = p.sym("rom");
        p.op(op(Op::DmaMemCpy, ai(dst), bsym(s_rom, *from as i64)));
    }
    ret(&mut p);
    cases.push(case("dma_memcpy_rom", p));

    // Jumps through a jump table in ROM (`InstKind::TableJump`: the word at byte offset r2 of
    // a `const` declaration of labels), its address a number in the assembly.
    let mut p = Program::default();
    let s_table = p.sym("jump_table");
    let targets = ["first", "second", "third"].map(|l| Value::Sym(p.sym(l), 0));
    p.data(DataDecl {
        name: s_table,
        is_const: true,
        words: targets.to_vec(),
        len: 3,
    });
    p.label("main");
    set(&mut p, 2, 8);
    p.inst(InstKind::TableJump(s_table), None);
    p.label("first");
    p.op(op(Op::CopyB, ai(0), bi(999)).to(sm(OUTPUT_ADDR + 16)));
    ret(&mut p);
    p.label("second");
    p.op(op(Op::CopyB, ai(0), bi(111)).to(sm(OUTPUT_ADDR)));
    set(&mut p, 2, 16);
    p.inst(InstKind::TableJump(s_table), None);
    p.label("third");
    p.op(op(Op::CopyB, ai(0), bi(222)).to(sm(OUTPUT_ADDR + 8)));
    ret(&mut p);
    cases.push(case("table_jump_rom", p));

    // Calls, nested, with the return address saved on a stack; jump(label); set_pc.
    let mut p = Program::default();
    let s_f1 = p.sym("f1");
    let s_f2 = p.sym("f2");
    let s_table = p.sym("table");
    p.data(DataDecl {
        name: s_table,
        is_const: true,
        words: vec![Value::Sym(s_f1, 0), Value::Sym(s_f2, 0)],
        len: 2,
    });
    p.label("main");
    p.op(op(Op::Sub, ar(2), bi(8)).to(sr(2)));
    p.op(op(Op::CopyB, ar(2), br(1)).to(sind(0)).width(8));
    call(&mut p, "outer");
    p.op(op(Op::CopyB, ai(0), bmsym(s_table, 8)).flow(Flow::SetPc(0)));
    p.label("back");
    p.op(op(Op::CopyB, ar(2), bind(0)).width(8).to(sr(1)));
    p.op(op(Op::Add, ar(2), bi(8)).to(sr(2)));
    ret(&mut p);
    p.label("outer");
    p.op(op(Op::Sub, ar(2), bi(8)).to(sr(2)));
    p.op(op(Op::CopyB, ar(2), br(1)).to(sind(0)).width(8));
    call(&mut p, "f1");
    p.op(op(Op::CopyB, ar(2), bind(0)).width(8).to(sr(1)));
    p.op(op(Op::Add, ar(2), bi(8)).to(sr(2)));
    ret(&mut p);
    p.label("f1");
    p.op(op(Op::Add, ar(10), bi(1)).to(sr(10)));
    p.op(op(Op::CopyB, ai(0), br(10)).to(sm(OUTPUT_ADDR)));
    ret(&mut p);
    p.label("f2");
    p.label("f2_alias");
    p.op(op(Op::Add, ar(10), bi(100)).to(sm(OUTPUT_ADDR + 8)));
    jump(&mut p, "back");
    cases.push(case("calls_jumps_setpc", p));

    // An explicit `_start` that ends by itself, without returning to the BIOS.
    let mut p = Program::default();
    p.label("_start");
    set(&mut p, 5, 7);
    p.op(op(Op::Mul, ar(5), bi(6)).to(sm(OUTPUT_ADDR)));
    p.op(op(Op::CopyB, ai(0), bi(0)).end());
    cases.push(case("explicit_start_end", p));

    // Data sections: const and RAM, zero-filled spacer, symbols as values, byte data.
    let mut p = Program::default();
    let (s_pad, s_msg, s_ptr) = (p.sym("pad"), p.sym("msg"), p.sym("ptr"));
    p.data(DataDecl::zeroed(s_pad, false, 5));
    p.data(DataDecl::from_bytes(s_msg, false, b"data segment!\n"));
    data(&mut p, "k", true, &[0x1111, 0x2222, 0x3333]);
    p.data(DataDecl {
        name: s_ptr,
        is_const: true,
        words: vec![Value::Sym(s_msg, 0)],
        len: 1,
    });
    p.label("main");
    p.op(op(Op::CopyB, ai(0), bmsym(s_ptr, 0)).to(sr(20)));
    set(&mut p, 30, UART_ADDR);
    for k in 0..14 {
        p.op(op(Op::CopyB, ar(20), bind(k)).width(1));
        p.op(op(Op::CopyB, ar(30), bc()).to(sind(0)).width(1));
    }
    let s_k = p.sym("k");
    p.op(op(Op::Add, am(GENERAL_RAM_ADDR), bmsym(s_k, 16)).to(sm(OUTPUT_ADDR)));
    ret(&mut p);
    cases.push(case("data_sections", p));

    // The legacy input layout: echo the input bytes on the console, their count as output.
    let mut p = Program::default();
    p.label("main");
    p.op(op(Op::CopyB, ai(0), bm(INPUT_ADDR + 8)).to(sr(5)));
    set(&mut p, 6, INPUT_ADDR + 16);
    set(&mut p, 30, UART_ADDR);
    let s_out = p.sym("out");
    p.op(op(Op::Eq, ar(5), bi(0)).branch(s_out));
    p.label("echo");
    p.op(op(Op::CopyB, ar(6), bind(0)).width(1));
    p.op(op(Op::CopyB, ar(30), bc()).to(sind(0)).width(1));
    p.op(op(Op::Add, ar(6), bi(1)).to(sr(6)));
    p.op(op(Op::Sub, ar(5), bi(1)).to(sr(5)));
    let s_out = p.sym("out");
    let s_echo = p.sym("echo");
    p.op(op(Op::Eq, ar(5), bi(0)).flow(j(s_out, s_echo)));
    p.label("out");
    p.op(op(Op::CopyB, ai(0), bm(INPUT_ADDR + 8)).to(sm(OUTPUT_ADDR)));
    p.op(op(Op::CopyB, ai(0), bm(INPUT_ADDR)).to(sm(OUTPUT_ADDR + 8)));
    p.op(op(Op::CopyB, ai(0), bm(INPUT_ADDR + 0x1000)).to(sm(OUTPUT_ADDR + 16)));
    ret(&mut p);
    let mut c = case("stdin_echo", p);
    c.input = legacy_input("echo: \u{e9}t\u{e9} input\n".as_bytes());
    cases.push(c);

    // Comparisons carrying the branch, divisions flagging a zero divisor.
    let mut p = Program::default();
    p.label("main");
    let branches = [
        (Op::Ltu, 1, 2),
        (Op::Lt, u64::MAX, 0),
        (Op::Eq, 5, 5),
        (Op::Leu, 3, 3),
        (Op::Le, 4, 3),
        (Op::LtuW, 0x1_0000_0001, 2),
        (Op::EqW, 0x1_0000_0005, 5),
        (Op::Divu, 9, 0),
        (Op::RemW, 9, 0x1_0000_0000),
        (Op::Div, 9, 3),
        (Op::Unal8, 8, 16),
        (Op::Unal8, 8, 17),
    ];
    for (slot, (o, x, y)) in (0u64..).zip(branches) {
        let taken = format!("t{slot}");
        let join = format!("j{slot}");
        let s_taken = p.sym(&taken);
        p.op(op(o, ai(x), bi(y)).branch(s_taken));
        p.op(op(Op::CopyB, ai(0), bi(0xf)).to(sm(OUTPUT_ADDR + 8 * slot)));
        jump(&mut p, &join);
        p.label(&taken);
        p.op(op(Op::CopyB, ai(0), bi(0x7)).to(sm(OUTPUT_ADDR + 8 * slot)));
        p.label(&join);
        let s_next = p.sym(&format!("n{slot}"));
        p.op(op(Op::Flag, ai(0), bi(0)).branch(s_next));
        p.label(&format!("n{slot}"));
    }
    ret(&mut p);
    cases.push(case("flags_and_branches", p));

    // A long loop, for the thousands separators and FROPS shares.
    let mut p = Program::default();
    p.label("main");
    set(&mut p, 5, 0);
    set(&mut p, 6, 30_000);
    set(&mut p, 8, 0x9e37_79b9_7f4a_7c15);
    p.label("spin");
    p.op(op(Op::Mul, ar(8), br(6)).to(sr(8)));
    p.op(op(Op::Xor, ar(8), br(5)).to(sr(5)));
    p.op(op(Op::Srl, ar(5), bi(7)).to(sr(9)));
    p.op(op(Op::Add, ar(5), br(9)).to(sr(5)));
    p.op(op(Op::Sub, ar(6), bi(1)).to(sr(6)));
    let s_spun = p.sym("spun");
    let s_spin = p.sym("spin");
    p.op(op(Op::Eq, ar(6), bi(0)).flow(j(s_spun, s_spin)));
    p.label("spun");
    p.op(op(Op::CopyB, ai(0), br(5)).to(sm(OUTPUT_ADDR)));
    ret(&mut p);
    cases.push(case("long_loop", p));

    // Public output over the whole 64-word window, and a pubout of our own.
    let mut p = Program::default();
    p.label("main");
    for k in 0..40u64 {
        p.op(op(Op::CopyB, ai(0), bi(k * 0x0101_0101_0101 + 1)).to(sm(OUTPUT_ADDR + 8 * k)));
    }
    p.op(op(Op::PubOut, ai(3), bi(77)));
    ret(&mut p);
    cases.push(case("public_output", p));

    // The step counter as a source.
    let mut p = Program::default();
    p.label("main");
    p.op(op(Op::CopyB, ai(0), bi(0)));
    p.op(op(Op::Add, astep(), bi(0)).to(sm(OUTPUT_ADDR)));
    p.op(op(Op::Add, astep(), bc()).to(sm(OUTPUT_ADDR + 8)));
    ret(&mut p);
    cases.push(case("step_source", p));

    cases
}

#[test]
fn corpus_matches_ziskemu() {
    let cases = corpus();
    assert!(cases.len() >= 40, "corpus has {} programs", cases.len());
    // Our side always runs: layout, asm, ELF round trip, emulation.
    let expected: Vec<String> = cases
        .iter()
        .map(|c| {
            let rom = c
                .program
                .layout()
                .unwrap_or_else(|e| panic!("{}: {e}", c.name))
                .rom;
            expected_stdout(&c.name, &rom, &c.input)
        })
        .collect();
    for c in &cases {
        let rom = c.program.layout().unwrap().rom;
        assert_eq!(
            zisk_bin::read_elf(&zisk_bin::write_elf(&rom)).unwrap(),
            rom,
            "{}",
            c.name
        );
    }

    let Some(ziskemu) = ziskemu_or_skip() else {
        return;
    };
    let version = Command::new(&ziskemu)
        .arg("--version")
        .output()
        .expect("ziskemu --version");
    println!(
        "comparing against {} ({})",
        ziskemu.display(),
        String::from_utf8_lossy(&version.stdout).trim()
    );

    // With upstream's assembler at hand, our layout must be the ROM it builds from our text.
    let zisk2zisk = zisk_tool("ZISK2ZISK", "zisk2zisk");
    if zisk2zisk.is_none() {
        skip_without("zisk2zisk (the ROM comparison)");
    }
    let dir = std::env::temp_dir().join(format!("zkc-conformance-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for (c, want) in cases.iter().zip(&expected) {
        let asm = dir.join(format!("{}.zisk", c.name));
        std::fs::write(&asm, write_asm(&c.program).unwrap()).unwrap();
        let elf = dir.join(format!("{}.elf", c.name));
        std::fs::write(&elf, zisk_bin::write_elf(&c.program.layout().unwrap().rom)).unwrap();
        if let Some(zisk2zisk) = &zisk2zisk {
            let upstream_elf = dir.join(format!("{}.upstream.elf", c.name));
            let status = Command::new(zisk2zisk)
                .arg(&asm)
                .arg(&upstream_elf)
                .arg("--elf")
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "zisk2zisk {}", asm.display());
            let mut upstream = zisk_bin::read_elf(&std::fs::read(&upstream_elf).unwrap()).unwrap();
            let mut ours = c.program.layout().unwrap().rom;
            upstream.comments.clear();
            ours.comments.clear();
            // zisk2zisk writes no symbol table.
            ours.symbols.clear();
            if upstream != ours {
                failures.push(format!("{}: zisk2zisk builds a different ROM", c.name));
            }
        }
        let input = (!c.input.is_empty()).then(|| {
            let path = dir.join(format!("{}.bin", c.name));
            std::fs::write(&path, &c.input).unwrap();
            path
        });
        for (flag, file) in [("-z", &asm), ("-e", &elf)] {
            let got = run_ziskemu(&ziskemu, flag, file, input.as_deref());
            if &got != want {
                failures.push(format!(
                    "{} ({flag}):\n--- ziskemu\n{got}\n--- zkc\n{want}",
                    c.name
                ));
            }
        }
    }
    println!("{} programs x 2 formats compared", cases.len());
    if let Some(z) = &zisk2zisk {
        println!(
            "ROMs compared with those {} builds from our assembly",
            z.display()
        );
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    std::fs::remove_dir_all(&dir).ok();
}

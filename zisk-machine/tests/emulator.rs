//! Emulator behaviour that the conformance corpus cannot show: errors, limits, failure exits.

mod common;

use common::*;
use zkc_zisk_machine::emu::{legacy_input, EmuErrorKind, LoadError};
use zkc_zisk_machine::mem_map::*;
use zkc_zisk_machine::rom::ECALL_HANDLER_ADDR;
use zkc_zisk_machine::{zisk_bin, Emulator, Flow, Op, Program, Status};

fn rom_of(p: &Program) -> zkc_zisk_machine::Rom {
    p.layout().expect("layout").rom
}

#[test]
fn invalid_write_reports_pc_step_and_address() {
    let mut p = Program::default();
    p.label("main");
    set(&mut p, 5, ROM_ADDR);
    p.op(op(Op::CopyB, ar(5), bi(1)).to(sind(16)).width(4));
    let rom = rom_of(&p);
    let mut emu = Emulator::new(&rom, &[]).unwrap();
    let err = emu.run(u64::MAX).unwrap_err();
    assert_eq!(
        err.kind,
        EmuErrorKind::InvalidWrite {
            addr: ROM_ADDR + 16,
            width: 4
        }
    );
    // BIOS (6 steps), launcher (3 steps), then `set`, then the store.
    assert_eq!((err.pc, err.step), (ROM_ADDR + 4 * 5, 10));
    assert!(err.to_string().contains("0x90000010"), "{err}");
}

#[test]
fn invalid_read_outside_every_region() {
    let mut p = Program::default();
    p.label("main");
    p.op(op(Op::CopyB, ai(0), bm(0x2000)).to(sr(5)));
    let rom = rom_of(&p);
    let err = Emulator::new(&rom, &[]).unwrap().run(u64::MAX).unwrap_err();
    assert_eq!(
        err.kind,
        EmuErrorKind::InvalidRead {
            addr: 0x2000,
            width: 8
        }
    );
}

#[test]
fn reads_past_the_input_are_zero_but_rom_code_is_not_data() {
    let mut p = Program::default();
    p.label("main");
    p.op(op(Op::CopyB, ai(0), bm(INPUT_ADDR + 0x100_0000)).to(sr(5)));
    p.op(op(Op::CopyB, ai(0), bm(ROM_ADDR)).to(sr(6)));
    let rom = rom_of(&p);
    let mut emu = Emulator::new(&rom, &[1; 16]).unwrap();
    let err = emu.run(u64::MAX).unwrap_err();
    assert_eq!(
        err.kind,
        EmuErrorKind::InvalidRead {
            addr: ROM_ADDR,
            width: 8
        }
    );
    assert_eq!(emu.reg(5), 0);
}

#[test]
fn jumping_nowhere_is_an_error() {
    let mut p = Program::default();
    p.label("main");
    p.op(op(Op::CopyB, ai(0), bi(ROM_ADDR + 0x1000)).flow(Flow::SetPc(0)));
    let rom = rom_of(&p);
    let err = Emulator::new(&rom, &[]).unwrap().run(u64::MAX).unwrap_err();
    assert_eq!(err.kind, EmuErrorKind::NoInstruction);
    assert_eq!(err.pc, ROM_ADDR + 0x1000);
}

#[test]
fn input_must_be_whole_words() {
    let rom = rom_of(&{
        let mut p = Program::default();
        p.label("main");
        ret(&mut p);
        p
    });
    assert!(matches!(
        Emulator::new(&rom, &[0; 7]),
        Err(LoadError::BadInput(7))
    ));
    assert_eq!(
        legacy_input(b"abc"),
        vec![3, 0, 0, 0, 0, 0, 0, 0, b'a', b'b', b'c', 0, 0, 0, 0, 0]
    );
    assert_eq!(legacy_input(b"").len(), 8);
}

#[test]
fn step_limit_stops_an_endless_loop() {
    let mut p = Program::default();
    p.label("main");
    let s_main = p.sym("main");
    p.op(op(Op::Flag, ai(0), bi(0)).branch(s_main));
    let rom = rom_of(&p);
    let mut emu = Emulator::new(&rom, &[]).unwrap();
    let outcome = emu.run(1000).unwrap();
    assert_eq!((outcome.status, outcome.steps), (Status::StepLimit, 1000));
    let hot = emu
        .pc_costs()
        .into_iter()
        .map(|(pc, n, _)| (pc, n))
        .max_by_key(|&(_, n)| n)
        .unwrap();
    assert_eq!(hot, (ROM_ADDR + 16, 1000 - 9));
}

#[test]
fn exit_ecall_with_nonzero_code_fails_through_halt() {
    // The BIOS trap handler: r17 = 93 (exit) and r10 = exit code.
    let mut p = Program::default();
    p.label("main");
    set(&mut p, 17, 93);
    set(&mut p, 10, 3);
    p.op(op(Op::CopyB, ai(0), bi(ECALL_HANDLER_ADDR)).flow(Flow::SetPc(0)));
    let rom = rom_of(&p);
    let outcome = Emulator::new(&rom, &[]).unwrap().run(u64::MAX).unwrap();
    assert!(
        matches!(outcome.status, Status::Failed { code: 3, pc, .. } if pc == ECALL_HANDLER_ADDR + 12)
    );
}

#[test]
fn console_prints_high_bytes_as_ziskemu_does() {
    let mut p = Program::default();
    p.label("main");
    set(&mut p, 30, UART_ADDR);
    p.op(op(Op::CopyB, ar(30), bi(0xe9)).to(sind(0)).width(1));
    ret(&mut p);
    let rom = rom_of(&p);
    let mut emu = Emulator::new(&rom, &[]).unwrap();
    assert_eq!(emu.run(u64::MAX).unwrap().status, Status::Ended);
    assert_eq!(emu.console(), &[0xe9]);
    assert_eq!(emu.console_as_printed().as_bytes(), &[0xc3, 0xa9]);
}

#[test]
fn an_empty_rom_stops_at_the_entry() {
    let rom = zkc_zisk_machine::Rom::default();
    let err = Emulator::new(&rom, &[]).unwrap().run(10).unwrap_err();
    assert_eq!(
        (err.kind, err.pc, err.step),
        (EmuErrorKind::NoInstruction, ROM_ENTRY, 0)
    );
}

#[test]
fn damaged_roms_fail_cleanly() {
    let mut p = Program::default();
    data(&mut p, "k", true, &[5, 6, 7]);
    data(&mut p, "v", false, &[1, 2]);
    p.label("main");
    let s_k = p.sym("k");
    p.op(op(Op::CopyB, ai(0), bsym(s_k, 8)).to(sr(5)));
    let s_v = p.sym("v");
    p.op(op(Op::Add, ar(5), bind(8)).width(8).to(smsym(s_v, 0)));
    p.op(op(Op::Sub, ar(6), bi(1)).to(sr(6)));
    let s_main = p.sym("main");
    p.op(op(Op::Ltu, ar(6), bi(100)).branch(s_main));
    ret(&mut p);
    let elf = zisk_bin::write_elf(&rom_of(&p));
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..elf.len() {
        let mut damaged = elf.clone();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        damaged[i] ^= (seed as u8) | 1;
        if let Ok(rom) = zisk_bin::read_elf(&damaged) {
            if let Ok(mut emu) = Emulator::new(&rom, &[]) {
                let _ = emu.run(10_000);
                let _ = emu.stats().format_like_ziskemu();
            }
        }
    }
}

/// A profiled run charges every step to its call stack: calls push, returns pop to the frame
/// they return to (recursion included), and the costs add up to the per-instruction ones.
#[test]
fn profile_keeps_call_stacks() {
    let mut p = Program::default();
    p.function("main", "main");
    p.op(op(Op::CopyB, ai(0), br(1)).to(sr(20)));
    set(&mut p, 39, RAM_ADDR + 0x1000);
    set(&mut p, 10, 2);
    call(&mut p, "down");
    call(&mut p, "leaf");
    p.op(op(Op::CopyB, ai(0), br(20)).to(sr(1)));
    ret(&mut p);
    // down(n): recurses n times, saving its return address on a stack at r39.
    p.function("down", "down");
    let s_down_done = p.sym("down_done");
    p.op(op(Op::Eq, ar(10), bi(0)).branch(s_down_done));
    p.op(op(Op::CopyB, ar(39), br(1)).to(sind(0)).width(8));
    p.op(op(Op::Add, ar(39), bi(8)).to(sr(39)));
    p.op(op(Op::Add, ar(10), bi(u64::MAX)).to(sr(10)));
    call(&mut p, "down");
    p.op(op(Op::Add, ar(39), bi(8u64.wrapping_neg())).to(sr(39)));
    p.op(op(Op::CopyB, ar(39), bind(0)).to(sr(1)).width(8));
    p.label("down_done");
    ret(&mut p);
    // leaf: a loop of three turns.
    p.function("leaf", "leaf");
    set(&mut p, 11, 3);
    p.label("leaf_loop");
    p.op(op(Op::Add, ar(11), bi(u64::MAX)).to(sr(11)));
    let s_leaf_done = p.sym("leaf_done");
    let s_leaf_loop = p.sym("leaf_loop");
    p.op(op(Op::Eq, ac(), bi(0)).flow(j(s_leaf_done, s_leaf_loop)));
    p.label("leaf_done");
    ret(&mut p);

    let rom = rom_of(&p);
    let names: Vec<&str> = rom.symbols.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["main", "down", "leaf"]);
    let mut emu = Emulator::new(&rom, &[]).unwrap();
    emu.enable_profile();
    assert_eq!(emu.run(10_000).unwrap().status, Status::Ended);
    let stacks = emu.call_stacks();
    let paths: Vec<Vec<Option<usize>>> = stacks.iter().map(|(p, _)| p.clone()).collect();
    let (main, down, leaf) = (Some(0), Some(1), Some(2));
    assert_eq!(
        paths,
        [
            vec![None],
            vec![None, main],
            vec![None, main, down],
            vec![None, main, down, down],
            vec![None, main, down, down, down],
            vec![None, main, leaf],
        ]
    );
    let total = |v: &[u64]| v.iter().sum::<u64>();
    let by_stack: Vec<u64> = stacks.iter().map(|(_, c)| *c).collect();
    let by_pc: Vec<u64> = emu.pc_costs().iter().map(|&(_, _, c)| c).collect();
    assert_eq!(total(&by_stack), total(&by_pc));
    // leaf's loop: 1 + 3 * 2 steps and its return, all under [main, leaf].
    let leaf_pcs = (rom.symbols[2].addr..rom.symbols[2].addr + rom.symbols[2].size)
        .step_by(4)
        .collect::<Vec<_>>();
    let leaf_cost: u64 = emu
        .pc_costs()
        .iter()
        .filter(|(pc, _, _)| leaf_pcs.contains(pc))
        .map(|&(_, _, c)| c)
        .sum();
    assert_eq!(stacks[5].1, leaf_cost);
}

#[test]
fn the_elf_written_while_laying_out_is_the_roms() {
    let mut p = Program::default();
    data(&mut p, "k", true, &[5, 6, 7]);
    data(&mut p, "v", false, &[1, 2]);
    p.function("main", "the main function");
    let s_k = p.sym("k");
    p.op(op(Op::CopyB, ai(0), bsym(s_k, 8)).to(sr(5)));
    call(&mut p, "f");
    let s_main = p.sym("main");
    p.op(op(Op::Ltu, ar(6), bi(100)).branch(s_main));
    ret(&mut p);
    p.function("f", "f");
    let s_v = p.sym("v");
    p.op(op(Op::Add, ar(5), bind(8)).width(8).to(smsym(s_v, 0)));
    ret(&mut p);
    assert_eq!(
        zisk_bin::write_program_elf(&p).unwrap(),
        zisk_bin::write_elf(&rom_of(&p))
    );
    jump(&mut p, "nowhere");
    assert_eq!(
        zisk_bin::write_program_elf(&p).unwrap_err(),
        p.layout().unwrap_err()
    );
}

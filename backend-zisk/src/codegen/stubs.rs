//! The code and data around the functions: `_start` (the software stack pointer, the static
//! area's initial words, the call of the entry or the jump to instantiation's trap), one
//! handler per trap code, the signature-mismatch path of each funcref table's
//! `call_indirect`, the memory image at `GENERAL_RAM_ADDR` and the ROM data (the module docs of
//! `codegen` describe the exit word and the layout).

use zkc_ir::{EntityRef, TrapCode};

use super::exit::trap_exit_word;
use super::layout::{static_full, Plan};
use super::{trap_label, CodegenError, ENTRY_NAME, EXIT_WORD, SP_REG};
use crate::mem_map::*;
use crate::program::{DataDecl, Flow, InstKind, OpInst, Program, Value};
use crate::{ASrc, BSrc, Op, Store};

/// The program up to the functions: `_start`, with the symbols the plan and selection named
/// (taken from `plan`). Emission appends the functions to it (a copy of their code, hundreds of
/// megabytes in a large module, would double the peak memory), then [`link`] the rest;
/// `alloc_area` is the part of the static area allocation had (what profiles call slot
/// accesses).
pub(crate) fn start(plan: &mut Plan, alloc_area: std::ops::Range<u64>) -> Program {
    let mut p = Program {
        alloc_area,
        symbols: std::mem::take(&mut plan.symbols),
        ..Program::default()
    };
    let Plan {
        layout,
        statics,
        entry,
        trap,
        ..
    } = plan;
    // One instruction per initial word of the static area (10k on go_sha256, most of them the
    // words of its funcref tables).
    p.items.reserve(statics.init.len() + 4);
    p.function("_start", ENTRY_NAME);
    let imm = |v: Value| ASrc::Imm(v);
    let stack_start = statics.arena.next;
    p.inst(
        InstKind::Op(
            OpInst::new(
                Op::CopyB,
                imm(Value::Lit(0)),
                BSrc::Imm(Value::Lit(stack_start)),
            )
            .to(Store::Reg(SP_REG)),
        ),
        Some("software stack pointer"),
    );
    for (addr, v) in &statics.init {
        p.op(OpInst::new(Op::CopyB, imm(Value::Lit(0)), BSrc::Imm(*v))
            .to(Store::Mem(Value::Lit(*addr))));
    }
    match trap {
        None => {
            p.inst(
                InstKind::Call(layout.func_labels[entry.index()]),
                Some("entry"),
            );
            p.inst(InstKind::RetToBios, Some("exit 0"));
        }
        Some((code, why)) => {
            p.inst(InstKind::Jump(layout.trap(*code)), Some(why));
        }
    }
    p
}

/// The whole program: `p` (`_start` and the emitted functions, [`start`]), then the trap
/// handlers, the signature-mismatch paths and the data of `plan`.
pub(crate) fn link(plan: Plan, mut p: Program) -> Result<Program, CodegenError> {
    let Plan {
        layout,
        statics,
        image,
        rom,
        ..
    } = plan;
    let imm = |v: Value| ASrc::Imm(v);

    // Trap handlers.
    for &code in TrapCode::ALL {
        p.function(layout.trap(code), &trap_label(code));
        let msg = format!("trap: {}\n", code.message());
        for b in msg.bytes() {
            p.op(OpInst::new(
                Op::CopyB,
                imm(Value::Lit(UART_ADDR)),
                BSrc::Imm(Value::Lit(b as u64)),
            )
            .to(Store::Ind(0))
            .width(1));
        }
        p.op(OpInst::new(
            Op::CopyB,
            imm(Value::Lit(0)),
            BSrc::Imm(Value::Lit(trap_exit_word(code))),
        )
        .to(Store::Mem(Value::Lit(EXIT_WORD))));
        p.inst(InstKind::RetToBios, None);
    }
    // The signature-mismatch path of call_indirect: null entries have signature MAX.
    for (t, tl) in layout.tables.iter().enumerate() {
        let Some(base) = tl.entries else { continue };
        let bad = layout.bad_signature[t];
        let name = p.name(bad).to_string();
        p.function(bad, &name);
        p.op(OpInst::new(Op::CopyB, ASrc::Reg(2), BSrc::Ind(base as i64 + 8)).width(8));
        p.op(
            OpInst::new(Op::Eq, ASrc::C, BSrc::Imm(Value::Lit(u64::MAX))).flow(Flow::Branch {
                taken: crate::Target::Label(layout.trap(TrapCode::UninitializedElement)),
                not_taken: crate::Target::Label(layout.trap(TrapCode::BadSignature)),
            }),
        );
    }

    if statics.arena.next + 0x1_0000 > statics.arena.end {
        return Err(static_full());
    }

    // Data: the memory image at GENERAL_RAM_ADDR, passive segments in ROM.
    if let Some((image_start, image)) = image {
        let pad = layout.mem_base + image_start - GENERAL_RAM_ADDR;
        debug_assert_eq!(pad % 8, 0);
        if pad > 0 {
            let pad_sym = p.sym("__mem_pad");
            p.data(DataDecl::zeroed(pad_sym, false, (pad / 8) as usize));
        }
        let image_sym = p.sym("__mem_image");
        p.data(DataDecl::from_bytes(image_sym, false, &image));
    }
    for d in rom {
        p.data(d);
    }
    Ok(p)
}

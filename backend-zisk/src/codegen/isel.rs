//! Instruction selection: one IR function to [`VCode`], then allocation and emission.

use std::collections::{HashMap, HashSet};

use zkc_ir::{
    BinaryOp, Block, BlockCall, CmpOp, ConvOp, EntityRef, FuncId, Function, Inst, Module,
    Op as IrOp, SecondaryMap, TermKind, TrapCode, Type, UnaryOp, Value as IrValue,
};
use zkc_regalloc_mem::{CallInfo, VReg};

use super::vcode::{MoveSrc, VCode, VInst, VA, VB, VS};
use super::{trap_label, CodegenError, CodegenOptions, Layout, Statics};
use super::{ARG_REG0, ARG_REGS, EXIT_WORD};
use crate::mem_map::*;
use crate::program::{Flow, Target, Value};
use crate::Op;

/// `zisk.*` imports the selector lowers in place.
pub const MACHINE_IMPORTS: &[&str] = &["exit"];

const LOW32: u64 = 0xffff_ffff;

fn lit(v: u64) -> Value {
    Value::Lit(v)
}

fn label_flow(taken: &str, not_taken: &str) -> Flow {
    Flow::Branch {
        taken: Target::Label(taken.into()),
        not_taken: Target::Label(not_taken.into()),
    }
}

fn to_label(taken: &str) -> Flow {
    Flow::Branch {
        taken: Target::Label(taken.into()),
        not_taken: Target::Offset(4),
    }
}

struct Ctx<'a> {
    m: &'a Module,
    l: &'a Layout,
    opts: &'a CodegenOptions,
    fid: FuncId,
    f: &'a Function,
    vc: VCode,
    vreg: SecondaryMap<IrValue, Option<VReg>>,
    consts: SecondaryMap<IrValue, Option<u64>>,
    uses: SecondaryMap<IrValue, u32>,
    fused: HashSet<Inst>,
    ra: Option<VReg>,
    label: String,
    nlocal: u32,
    srcloc: Option<u32>,
    /// The static area, taken from the module for the time of the function.
    statics: Statics,
}

impl<'a> Ctx<'a> {
    fn err(&self, what: impl Into<String>) -> CodegenError {
        CodegenError::Unsupported {
            what: what.into(),
            func: Some(self.m.funcs[self.fid].name.clone()),
            offset: self.srcloc,
        }
    }

    fn local(&mut self) -> String {
        self.nlocal += 1;
        format!("{}_l{}", self.label, self.nlocal)
    }

    fn block_label(&self, b: Block) -> String {
        format!("{}_b{}", self.label, b.index())
    }

    fn v(&mut self, v: IrValue) -> VReg {
        if let Some(r) = self.vreg[v] {
            return r;
        }
        let r = self.vc.new_vreg();
        self.vreg[v] = Some(r);
        r
    }

    fn a(&mut self, v: IrValue) -> VA {
        match self.consts[v] {
            Some(c) => VA::Imm(lit(c)),
            None => VA::V(self.v(v)),
        }
    }

    fn b(&mut self, v: IrValue) -> VB {
        match self.consts[v] {
            Some(c) => VB::Imm(lit(c)),
            None => VB::V(self.v(v)),
        }
    }

    fn dst(&mut self, v: IrValue) -> VS {
        VS::V(self.v(v))
    }

    fn emit(&mut self, op: Op, a: VA, b: VB, store: VS) {
        self.vc.push(VInst::op(op, a, b, store));
    }

    fn emit_f(&mut self, op: Op, a: VA, b: VB, store: VS, flow: Flow) {
        self.vc.push(VInst::Op {
            op,
            a,
            b,
            store,
            width: 0,
            flow,
        });
    }

    fn emit_w(&mut self, op: Op, a: VA, b: VB, store: VS, width: u8) {
        self.vc.push(VInst::Op {
            op,
            a,
            b,
            store,
            width,
            flow: Flow::Next,
        });
    }

    fn copy(&mut self, b: VB, store: VS) {
        self.emit(Op::CopyB, VA::Imm(lit(0)), b, store);
    }

    fn trap_if(&mut self, op: Op, a: VA, b: VB, code: TrapCode) {
        self.emit_f(op, a, b, VS::None, to_label(&trap_label(code)));
    }

    /// Zero-extends an i32 address into `r2` (or gives the constant) and checks `k` bytes from
    /// it (offset included) against the memory size.
    fn address(&mut self, addr: IrValue, k: u64) -> VA {
        let a = match self.consts[addr] {
            Some(c) => VA::Imm(lit(c & LOW32)),
            None => {
                let r = self.a(addr);
                self.emit(Op::And, r, VB::Imm(lit(LOW32)), VS::Reg(2));
                VA::Reg(2)
            }
        };
        if self.opts.bounds_checks {
            let bound = self.l.bounds[&k];
            let b = match &a {
                VA::Imm(v) => VB::Imm(v.clone()),
                _ => VB::Reg(2),
            };
            self.trap_if(Op::Lt, VA::Mem(lit(bound)), b, TrapCode::MemoryOutOfBounds);
        }
        a
    }

    fn arg_loc_b(i: usize, l: &Layout) -> VB {
        if i < ARG_REGS {
            VB::Reg(ARG_REG0 + i as u8)
        } else {
            VB::Mem(lit(l.extra_args + 8 * (i - ARG_REGS) as u64))
        }
    }

    fn arg_loc_s(i: usize, l: &Layout) -> VS {
        if i < ARG_REGS {
            VS::Reg(ARG_REG0 + i as u8)
        } else {
            VS::Mem(lit(l.extra_args + 8 * (i - ARG_REGS) as u64))
        }
    }

    fn lower_inst(&mut self, inst: Inst) -> Result<(), CodegenError> {
        let data = &self.f.insts[inst];
        self.srcloc = data.srcloc.offset();
        let args: Vec<IrValue> = data.args.to_vec();
        let res: Vec<IrValue> = data.results.to_vec();
        let op = data.op.clone();
        match op {
            IrOp::Const { .. } => {}
            IrOp::Binary { op, ty } => {
                if ty.is_float() {
                    return Err(self.err(format!(
                        "float arithmetic ({})",
                        IrOp::Binary { op, ty }.mnemonic()
                    )));
                }
                let w = ty == Type::I32;
                let (a, b, d) = (self.a(args[0]), self.b(args[1]), self.dst(res[0]));
                let pick = |x: Op, y: Op| if w { x } else { y };
                let zop = match op {
                    BinaryOp::Add => Op::Add,
                    BinaryOp::Sub => Op::Sub,
                    BinaryOp::Mul => Op::Mul,
                    BinaryOp::And => Op::And,
                    BinaryOp::Or => Op::Or,
                    BinaryOp::Xor => Op::Xor,
                    BinaryOp::Shl => pick(Op::SllW, Op::Sll),
                    BinaryOp::ShrS => pick(Op::SraW, Op::Sra),
                    BinaryOp::ShrU => pick(Op::SrlW, Op::Srl),
                    BinaryOp::Rotl => pick(Op::RolW, Op::Rol),
                    BinaryOp::Rotr => pick(Op::RorW, Op::Ror),
                    BinaryOp::DivU | BinaryOp::RemU | BinaryOp::DivS | BinaryOp::RemS => {
                        let zop = match op {
                            BinaryOp::DivU => pick(Op::DivuW, Op::Divu),
                            BinaryOp::RemU => pick(Op::RemuW, Op::Remu),
                            BinaryOp::DivS => pick(Op::DivW, Op::Div),
                            _ => pick(Op::RemW, Op::Rem),
                        };
                        if op == BinaryOp::DivS {
                            // b == -1 && a == MIN overflows; otherwise the division is exact.
                            let (m1, min, eq) = if w {
                                (LOW32, 0x8000_0000, Op::EqW)
                            } else {
                                (u64::MAX, 1 << 63, Op::Eq)
                            };
                            self.emit_f(
                                eq,
                                self.b_as_a(&b),
                                VB::Imm(lit(m1)),
                                VS::None,
                                Flow::Branch {
                                    taken: Target::Offset(4),
                                    not_taken: Target::Offset(8),
                                },
                            );
                            self.trap_if(eq, a.clone(), VB::Imm(lit(min)), TrapCode::IntOverflow);
                        }
                        self.emit_f(zop, a, b, d, to_label(&trap_label(TrapCode::IntDivByZero)));
                        return Ok(());
                    }
                    _ => return Err(self.err(IrOp::Binary { op, ty }.mnemonic())),
                };
                self.emit(zop, a, b, d);
            }
            IrOp::Compare { op, ty } => {
                if self.fused.contains(&inst) {
                    return Ok(());
                }
                if ty.is_float() {
                    return Err(self.err("float comparison"));
                }
                let d = self.dst(res[0]);
                let (zop, a, b, negate) = self.compare(op, ty, args[0], args[1]);
                if negate {
                    self.emit(zop, a, b, VS::None);
                    self.emit(Op::Xor, VA::C, VB::Imm(lit(1)), d);
                } else {
                    self.emit(zop, a, b, d);
                }
            }
            IrOp::Unary { op, ty } => {
                if self.fused.contains(&inst) {
                    return Ok(());
                }
                let w = ty == Type::I32;
                let x = self.b(args[0]);
                let d = self.dst(res[0]);
                let zero = VA::Imm(lit(0));
                match op {
                    UnaryOp::Clz => self.emit(if w { Op::ClzW } else { Op::Clz }, zero, x, d),
                    UnaryOp::Ctz => self.emit(if w { Op::CtzW } else { Op::Ctz }, zero, x, d),
                    UnaryOp::Popcnt => self.emit(if w { Op::CpopW } else { Op::Cpop }, zero, x, d),
                    UnaryOp::Eqz => {
                        let xa = self.a(args[0]);
                        self.emit(if w { Op::EqW } else { Op::Eq }, xa, VB::Imm(lit(0)), d)
                    }
                    UnaryOp::Extend8S => self.emit(Op::SignExtendB, zero, x, d),
                    UnaryOp::Extend16S => self.emit(Op::SignExtendH, zero, x, d),
                    UnaryOp::Extend32S => self.emit(Op::SignExtendW, zero, x, d),
                    _ => {
                        return Err(self.err(format!("float {}", IrOp::Unary { op, ty }.mnemonic())))
                    }
                }
            }
            IrOp::Convert(c) => {
                let x = self.b(args[0]);
                let d = self.dst(res[0]);
                match c {
                    ConvOp::I32WrapI64
                    | ConvOp::I32ReinterpretF32
                    | ConvOp::I64ReinterpretF64
                    | ConvOp::F32ReinterpretI32
                    | ConvOp::F64ReinterpretI64 => self.copy(x, d),
                    ConvOp::I64ExtendI32S => self.emit(Op::SignExtendW, VA::Imm(lit(0)), x, d),
                    ConvOp::I64ExtendI32U => {
                        let xa = self.a(args[0]);
                        self.emit(Op::And, xa, VB::Imm(lit(LOW32)), d)
                    }
                    _ => return Err(self.err(format!("float conversion {}", c.name()))),
                }
            }
            IrOp::Select { .. } => {
                let (x, y) = (self.b(args[0]), self.b(args[1]));
                let c = self.a(args[2]);
                let d = self.dst(res[0]);
                self.copy(x, d.clone());
                self.emit_f(
                    Op::EqW,
                    c,
                    VB::Imm(lit(0)),
                    VS::None,
                    Flow::Branch {
                        taken: Target::Offset(4),
                        not_taken: Target::Offset(8),
                    },
                );
                self.copy(y, d);
            }
            IrOp::Load {
                ty,
                width,
                signed,
                offset,
            } => {
                let base = self.address(args[0], offset as u64 + width as u64);
                let d = self.dst(res[0]);
                let ext = match (signed, width) {
                    (true, 1) => Some(Op::SignExtendB),
                    (true, 2) => Some(Op::SignExtendH),
                    (true, 4) if ty == Type::I64 => Some(Op::SignExtendW),
                    _ => None,
                };
                let off = (self.l.mem_base + offset as u64) as i64;
                match ext {
                    None => self.emit_w(Op::CopyB, base, VB::Ind(off), d, width),
                    Some(e) => {
                        self.emit_w(Op::CopyB, base, VB::Ind(off), VS::None, width);
                        self.emit(e, VA::Imm(lit(0)), VB::C, d);
                    }
                }
            }
            IrOp::Store { width, offset, .. } => {
                let base = self.address(args[0], offset as u64 + width as u64);
                let v = self.b(args[1]);
                let off = (self.l.mem_base + offset as u64) as i64;
                self.emit_w(Op::CopyB, base, v, VS::Ind(off), width);
            }
            IrOp::GlobalGet(g) => {
                let d = self.dst(res[0]);
                self.copy(VB::Mem(lit(self.l.globals[g.index()])), d);
            }
            IrOp::GlobalSet(g) => {
                let v = self.b(args[0]);
                self.copy(v, VS::Mem(lit(self.l.globals[g.index()])));
            }
            IrOp::MemorySize => {
                let d = self.dst(res[0]);
                self.copy(VB::Mem(lit(self.l.mem_pages_word())), d);
            }
            IrOp::MemoryGrow => self.lower_grow(args[0], res[0]),
            IrOp::MemoryFill => self.lower_fill(&args),
            IrOp::MemoryCopy => self.lower_copy(&args),
            IrOp::MemoryInit(d) => self.lower_init(d.index(), &args),
            IrOp::DataDrop(d) => {
                let w = self.l.seg_len[d.index()];
                self.copy(VB::Imm(lit(0)), VS::Mem(lit(w)));
            }
            IrOp::TableSize(t) => {
                let d = self.dst(res[0]);
                self.copy(VB::Imm(lit(self.l.tables[t.index()].1)), d);
            }
            IrOp::TableInit { .. } | IrOp::TableCopy { .. } | IrOp::ElemDrop(_) => {
                return Err(self.err(op.mnemonic()));
            }
            IrOp::Call(g) => {
                let callee = &self.m.funcs[g];
                if let Some(imp) = callee.import() {
                    if imp.module == "zisk" && imp.field == "exit" {
                        let s = self.a(args[0]);
                        self.emit(Op::And, s, VB::Imm(lit(LOW32)), VS::Mem(lit(EXIT_WORD)));
                        self.vc.push(VInst::RetToBios);
                        return Ok(());
                    }
                    if imp.module == "zisk" {
                        return Err(self.err(format!("machine import zisk.{}", imp.field)));
                    }
                }
                for (i, &a) in args.iter().enumerate() {
                    let b = self.b(a);
                    self.copy(b, Self::arg_loc_s(i, self.l));
                }
                let reenters = self.l.scc[g.index()] == self.l.scc[self.fid.index()];
                let label = self.l.func_labels[g.index()].clone();
                self.vc.push_c(
                    VInst::Call {
                        label,
                        callee: g.index(),
                        args: args.len(),
                        rets: res.len(),
                        info: CallInfo {
                            reenters,
                            ..CallInfo::default()
                        },
                    },
                    format!("call @{}", callee.name),
                );
                self.results(&res);
            }
            IrOp::CallIndirect { table, sig } => {
                let (idx, params) = args.split_last().expect("call_indirect index");
                for (i, &a) in params.iter().enumerate() {
                    let b = self.b(a);
                    self.copy(b, Self::arg_loc_s(i, self.l));
                }
                let (base, size) = self.l.tables[table.index()];
                let ia = self.a(*idx);
                let ib = self.b(*idx);
                self.trap_if(Op::LeuW, VA::Imm(lit(size)), ib, TrapCode::UndefinedElement);
                self.emit(Op::Sll, ia, VB::Imm(lit(32)), VS::None);
                self.emit(Op::Srl, VA::C, VB::Imm(lit(28)), VS::Reg(2));
                self.emit_w(Op::CopyB, VA::Reg(2), VB::Ind(base as i64 + 8), VS::None, 8);
                let bad = format!("__ci_bad_{}", table.index());
                self.emit_f(
                    Op::Eq,
                    VA::C,
                    VB::Imm(lit(sig.index() as u64)),
                    VS::None,
                    Flow::Branch {
                        taken: Target::Offset(4),
                        not_taken: Target::Label(bad),
                    },
                );
                let fid = self.fid.index();
                let reenters = (0..self.m.funcs.len()).any(|g| {
                    self.l.scc[g] == self.l.scc[fid] && self.l.func_sig_id[g] == sig.index() as u64
                });
                let ret_label = self.local();
                self.vc.push_c(
                    VInst::CallInd {
                        table: base,
                        ret_label,
                        sig: sig.index() as u64,
                        args: params.len(),
                        rets: res.len(),
                        info: CallInfo {
                            reenters,
                            ..CallInfo::default()
                        },
                    },
                    "call_indirect".into(),
                );
                self.results(&res);
            }
            IrOp::MachLoad { width } => {
                let a = self.a(args[0]);
                let d = self.dst(res[0]);
                self.emit_w(Op::CopyB, a, VB::Ind(0), d, width);
            }
            IrOp::MachStore { width } => {
                let a = self.a(args[0]);
                let v = self.b(args[1]);
                self.emit_w(Op::CopyB, a, v, VS::Ind(0), width);
            }
            IrOp::Uart => {
                let v = self.b(args[0]);
                self.emit_w(Op::CopyB, VA::Imm(lit(UART_ADDR)), v, VS::Ind(0), 1);
            }
            IrOp::PubOut => {
                let (i, v) = (self.a(args[0]), self.b(args[1]));
                self.emit(Op::PubOut, i, v, VS::None);
            }
        }
        Ok(())
    }

    fn b_as_a(&self, b: &VB) -> VA {
        match b {
            VB::V(v) => VA::V(*v),
            VB::Imm(x) => VA::Imm(x.clone()),
            VB::Reg(r) => VA::Reg(*r),
            VB::Mem(x) => VA::Mem(x.clone()),
            VB::C => VA::C,
            VB::Ind(_) => unreachable!("indirect operand as a"),
        }
    }

    fn results(&mut self, res: &[IrValue]) {
        for (i, &r) in res.iter().enumerate() {
            let d = self.dst(r);
            self.copy(Self::arg_loc_b(i, self.l), d);
        }
    }

    /// The ZisK compare for `x op y`: (op, a, b, negate).
    fn compare(&mut self, op: CmpOp, ty: Type, x: IrValue, y: IrValue) -> (Op, VA, VB, bool) {
        let w = ty == Type::I32;
        let pick = |a: Op, b: Op| if w { a } else { b };
        let (zop, swap, neg) = match op {
            CmpOp::Eq => (pick(Op::EqW, Op::Eq), false, false),
            CmpOp::Ne => (pick(Op::EqW, Op::Eq), false, true),
            CmpOp::LtS => (pick(Op::LtW, Op::Lt), false, false),
            CmpOp::LtU => (pick(Op::LtuW, Op::Ltu), false, false),
            CmpOp::GtS => (pick(Op::LtW, Op::Lt), true, false),
            CmpOp::GtU => (pick(Op::LtuW, Op::Ltu), true, false),
            CmpOp::LeS => (pick(Op::LeW, Op::Le), false, false),
            CmpOp::LeU => (pick(Op::LeuW, Op::Leu), false, false),
            CmpOp::GeS => (pick(Op::LeW, Op::Le), true, false),
            CmpOp::GeU => (pick(Op::LeuW, Op::Leu), true, false),
            _ => unreachable!("float compare"),
        };
        let (p, q) = if swap { (y, x) } else { (x, y) };
        (zop, self.a(p), self.b(q), neg)
    }

    fn lower_grow(&mut self, delta: IrValue, res: IrValue) {
        let l = self.l;
        let d = self.dst(res);
        let fail = self.local();
        let done = self.local();
        let dl = self.a(delta);
        self.emit(Op::And, dl, VB::Imm(lit(LOW32)), VS::None);
        self.emit(Op::Add, VA::C, VB::Mem(lit(l.mem_pages_word())), VS::Reg(3));
        self.emit_f(
            Op::Ltu,
            VA::Imm(lit(l.max_pages)),
            VB::Reg(3),
            VS::None,
            to_label(&fail),
        );
        self.copy(VB::Mem(lit(l.mem_pages_word())), d.clone());
        self.copy(VB::Reg(3), VS::Mem(lit(l.mem_pages_word())));
        self.emit(Op::Sll, VA::Reg(3), VB::Imm(lit(16)), VS::Reg(4));
        self.copy(VB::Reg(4), VS::Mem(lit(l.mem_size_word())));
        for (&k, &w) in &l.bounds {
            self.emit(
                Op::Add,
                VA::Reg(4),
                VB::Imm(lit(k.wrapping_neg())),
                VS::Mem(lit(w)),
            );
        }
        self.emit_f(
            Op::Flag,
            VA::Imm(lit(0)),
            VB::Imm(lit(0)),
            VS::None,
            to_label(&done),
        );
        self.vc.push(VInst::Label(fail));
        self.copy(VB::Imm(lit(LOW32)), d);
        self.vc.push(VInst::Label(done));
    }

    /// `r3` = zext(dst), `r5` = zext(n), checked: dst + n <= memsize.
    fn range_check(&mut self, dst: IrValue, n: IrValue, reg: u8) {
        let a = self.a(dst);
        self.emit(Op::And, a, VB::Imm(lit(LOW32)), VS::Reg(reg));
        let nn = self.a(n);
        self.emit(Op::And, nn, VB::Imm(lit(LOW32)), VS::Reg(5));
        self.emit(Op::Add, VA::Reg(reg), VB::Reg(5), VS::None);
        self.trap_if(
            Op::Ltu,
            VA::Mem(lit(self.l.mem_size_word())),
            VB::C,
            TrapCode::MemoryOutOfBounds,
        );
    }

    fn jump_to(&mut self, label: &str) {
        self.emit_f(
            Op::Flag,
            VA::Imm(lit(0)),
            VB::Imm(lit(0)),
            VS::None,
            to_label(label),
        );
    }

    fn lower_fill(&mut self, args: &[IrValue]) {
        let mb = self.l.mem_base as i64;
        self.range_check(args[0], args[2], 3);
        let v = self.b(args[1]);
        self.copy(v, VS::Reg(4));
        let (head, done) = (self.local(), self.local());
        self.vc.push(VInst::Label(head.clone()));
        self.emit_f(
            Op::Eq,
            VA::Reg(5),
            VB::Imm(lit(0)),
            VS::None,
            to_label(&done),
        );
        self.emit_w(Op::CopyB, VA::Reg(3), VB::Reg(4), VS::Ind(mb), 1);
        self.emit(Op::Add, VA::Reg(3), VB::Imm(lit(1)), VS::Reg(3));
        self.emit(Op::Add, VA::Reg(5), VB::Imm(lit(u64::MAX)), VS::Reg(5));
        self.jump_to(&head);
        self.vc.push(VInst::Label(done));
    }

    fn lower_copy(&mut self, args: &[IrValue]) {
        let mb = self.l.mem_base as i64;
        self.range_check(args[1], args[2], 4);
        self.range_check(args[0], args[2], 3);
        let (back, head, bhead, done) = (self.local(), self.local(), self.local(), self.local());
        self.emit_f(Op::Ltu, VA::Reg(4), VB::Reg(3), VS::None, to_label(&back));
        self.vc.push(VInst::Label(head.clone()));
        self.emit_f(
            Op::Eq,
            VA::Reg(5),
            VB::Imm(lit(0)),
            VS::None,
            to_label(&done),
        );
        self.emit_w(Op::CopyB, VA::Reg(4), VB::Ind(mb), VS::Reg(6), 1);
        self.emit_w(Op::CopyB, VA::Reg(3), VB::Reg(6), VS::Ind(mb), 1);
        self.emit(Op::Add, VA::Reg(3), VB::Imm(lit(1)), VS::Reg(3));
        self.emit(Op::Add, VA::Reg(4), VB::Imm(lit(1)), VS::Reg(4));
        self.emit(Op::Add, VA::Reg(5), VB::Imm(lit(u64::MAX)), VS::Reg(5));
        self.jump_to(&head);
        self.vc.push(VInst::Label(back));
        self.vc.push(VInst::Label(bhead.clone()));
        self.emit_f(
            Op::Eq,
            VA::Reg(5),
            VB::Imm(lit(0)),
            VS::None,
            to_label(&done),
        );
        self.emit(Op::Add, VA::Reg(5), VB::Imm(lit(u64::MAX)), VS::Reg(5));
        self.emit(Op::Add, VA::Reg(4), VB::Reg(5), VS::Reg(7));
        self.emit_w(Op::CopyB, VA::Reg(7), VB::Ind(mb), VS::Reg(6), 1);
        self.emit(Op::Add, VA::Reg(3), VB::Reg(5), VS::Reg(7));
        self.emit_w(Op::CopyB, VA::Reg(7), VB::Reg(6), VS::Ind(mb), 1);
        self.jump_to(&bhead);
        self.vc.push(VInst::Label(done));
    }

    fn lower_init(&mut self, seg: usize, args: &[IrValue]) {
        let mb = self.l.mem_base as i64;
        let len_word = self.l.seg_len[seg];
        // source range against the segment's current length
        let s = self.a(args[1]);
        self.emit(Op::And, s, VB::Imm(lit(LOW32)), VS::Reg(4));
        let nn = self.a(args[2]);
        self.emit(Op::And, nn, VB::Imm(lit(LOW32)), VS::Reg(5));
        self.emit(Op::Add, VA::Reg(4), VB::Reg(5), VS::None);
        self.trap_if(
            Op::Ltu,
            VA::Mem(lit(len_word)),
            VB::C,
            TrapCode::MemoryOutOfBounds,
        );
        self.range_check(args[0], args[2], 3);
        let Some(sym) = self.l.seg_sym[seg].clone() else {
            // An active (dropped) segment: only n == 0 passed the check.
            return;
        };
        self.emit(Op::Add, VA::Reg(4), VB::Imm(Value::Sym(sym, 0)), VS::Reg(4));
        let (head, done) = (self.local(), self.local());
        self.vc.push(VInst::Label(head.clone()));
        self.emit_f(
            Op::Eq,
            VA::Reg(5),
            VB::Imm(lit(0)),
            VS::None,
            to_label(&done),
        );
        self.emit_w(Op::CopyB, VA::Reg(4), VB::Ind(0), VS::Reg(6), 1);
        self.emit_w(Op::CopyB, VA::Reg(3), VB::Reg(6), VS::Ind(mb), 1);
        self.emit(Op::Add, VA::Reg(3), VB::Imm(lit(1)), VS::Reg(3));
        self.emit(Op::Add, VA::Reg(4), VB::Imm(lit(1)), VS::Reg(4));
        self.emit(Op::Add, VA::Reg(5), VB::Imm(lit(u64::MAX)), VS::Reg(5));
        self.jump_to(&head);
        self.vc.push(VInst::Label(done));
    }

    /// The moves of a block call.
    fn par_move(&mut self, call: &BlockCall) -> Option<VInst> {
        let params = self.f.blocks[call.block].params.clone();
        let mut moves = Vec::new();
        for (&a, &p) in call.args.iter().zip(&params) {
            if self.uses[p] == 0 {
                continue;
            }
            let src = match self.consts[a] {
                Some(c) => MoveSrc::Imm(c),
                None => MoveSrc::V(self.v(a)),
            };
            let dst = self.v(p);
            moves.push((src, dst));
        }
        if moves.is_empty() {
            None
        } else {
            Some(VInst::ParMove(moves))
        }
    }

    /// The label to branch to for `call`: the block itself, or an edge block with its moves.
    fn edge(&mut self, call: &BlockCall, edges: &mut Vec<(String, VInst, String)>) -> String {
        match self.par_move(call) {
            None => self.block_label(call.block),
            Some(mv) => {
                let l = self.local();
                edges.push((l.clone(), mv, self.block_label(call.block)));
                l
            }
        }
    }

    fn lower_block(&mut self, b: Block, next: Option<Block>) -> Result<(), CodegenError> {
        let label = self.block_label(b);
        self.vc.begin_block(label);
        if Some(b) == self.f.entry() {
            if let Some(ra) = self.ra {
                self.vc
                    .push(VInst::op(Op::CopyB, VA::Imm(lit(0)), VB::Reg(1), VS::V(ra)));
            }
            for (i, &p) in self.f.blocks[b].params.clone().iter().enumerate() {
                let d = self.dst(p);
                self.copy(Self::arg_loc_b(i, self.l), d);
            }
        }
        for &inst in &self.f.blocks[b].insts.clone() {
            self.lower_inst(inst)?;
        }
        let term = self.f.blocks[b].term.clone().expect("verified function");
        self.srcloc = term.srcloc.offset();
        let next_label = next.map(|n| self.block_label(n));
        let mut edges: Vec<(String, VInst, String)> = Vec::new();
        let mut succs = Vec::new();
        match &term.kind {
            TermKind::Jump(call) => {
                if let Some(mv) = self.par_move(call) {
                    self.vc.push(mv);
                }
                let t = self.block_label(call.block);
                if next_label.as_deref() != Some(t.as_str()) {
                    self.vc.push(VInst::Jump(t.clone()));
                }
                succs.push(t);
            }
            TermKind::Brif {
                cond,
                then_dest,
                else_dest,
            } => {
                let then_l = self.edge(then_dest, &mut edges);
                let else_l = self.edge(else_dest, &mut edges);
                let fused = match self.f.values[*cond].def {
                    zkc_ir::ValueDef::Result(i, _) if self.fused.contains(&i) => Some(i),
                    _ => None,
                };
                match fused {
                    Some(i) => {
                        let op = self.f.insts[i].op.clone();
                        let args = self.f.insts[i].args.clone();
                        let (zop, a, bb, neg) = match op {
                            IrOp::Compare { op, ty } => self.compare(op, ty, args[0], args[1]),
                            IrOp::Unary {
                                op: UnaryOp::Eqz,
                                ty,
                            } => {
                                let a = self.a(args[0]);
                                let zop = if ty == Type::I32 { Op::EqW } else { Op::Eq };
                                (zop, a, VB::Imm(lit(0)), false)
                            }
                            _ => unreachable!("fused op"),
                        };
                        let flow = if neg {
                            label_flow(&else_l, &then_l)
                        } else {
                            label_flow(&then_l, &else_l)
                        };
                        self.emit_f(zop, a, bb, VS::None, flow);
                    }
                    None => {
                        let c = self.a(*cond);
                        self.emit_f(
                            Op::EqW,
                            c,
                            VB::Imm(lit(0)),
                            VS::None,
                            label_flow(&else_l, &then_l),
                        );
                    }
                }
                succs.push(then_l);
                succs.push(else_l);
            }
            TermKind::BrTable {
                index,
                targets,
                default,
            } => {
                let def_l = self.edge(default, &mut edges);
                succs.push(def_l.clone());
                if targets.is_empty() {
                    self.vc.push(VInst::Jump(def_l));
                } else {
                    let labels: Vec<String> =
                        targets.iter().map(|t| self.edge(t, &mut edges)).collect();
                    let table = self.jump_table(&labels)?;
                    let ib = self.b(*index);
                    let ia = self.a(*index);
                    self.emit_f(
                        Op::LeuW,
                        VA::Imm(lit(labels.len() as u64)),
                        ib,
                        VS::None,
                        to_label(&def_l),
                    );
                    self.emit(Op::Sll, ia, VB::Imm(lit(32)), VS::None);
                    self.emit(Op::Srl, VA::C, VB::Imm(lit(29)), VS::Reg(2));
                    self.vc.push(VInst::Op {
                        op: Op::CopyB,
                        a: VA::Reg(2),
                        b: VB::Ind(table as i64),
                        store: VS::None,
                        width: 8,
                        flow: Flow::SetPc(0),
                    });
                    succs.extend(labels);
                }
            }
            TermKind::Return(vals) => {
                for (i, &v) in vals.iter().enumerate() {
                    let b = self.b(v);
                    self.copy(b, Self::arg_loc_s(i, self.l));
                }
                self.vc.push(VInst::Ret {
                    ra: self.ra,
                    rets: vals.len(),
                });
            }
            TermKind::Trap(code) => self.vc.push(VInst::Jump(trap_label(*code))),
        }
        self.vc.end_block(succs);
        for (l, mv, target) in edges {
            self.vc.begin_block(l);
            self.vc.blocks.last_mut().expect("edge block").edge = true;
            self.vc.push(mv);
            self.vc.push(VInst::Jump(target.clone()));
            self.vc.end_block(vec![target]);
        }
        Ok(())
    }

    fn jump_table(&mut self, labels: &[String]) -> Result<u64, CodegenError> {
        let base = self.statics.arena.next;
        self.vc.table_labels.extend(labels.iter().cloned());
        for l in labels {
            self.statics.word(Value::Sym(l.clone(), 0))?;
        }
        Ok(base)
    }
}

pub(crate) fn compile_function(
    m: &Module,
    l: &Layout,
    opts: &CodegenOptions,
    fid: FuncId,
    f: &Function,
    statics: &mut Statics,
) -> Result<VCode, CodegenError> {
    let mut consts = SecondaryMap::new();
    let mut uses: SecondaryMap<IrValue, u32> = SecondaryMap::new();
    let mut def_block: HashMap<Inst, Block> = HashMap::new();
    let mut has_calls = false;
    for &b in &f.layout {
        for &i in &f.blocks[b].insts {
            def_block.insert(i, b);
            let d = &f.insts[i];
            if let IrOp::Const { bits, .. } = d.op {
                consts[d.results[0]] = Some(bits);
            }
            for &a in &d.args {
                uses[a] += 1;
            }
            match &d.op {
                IrOp::Call(g) if m.funcs[*g].import().is_none_or(|i| i.module != "zisk") => {
                    has_calls = true;
                }
                IrOp::CallIndirect { .. } => has_calls = true,
                _ => {}
            }
        }
        if let Some(t) = &f.blocks[b].term {
            for v in t.uses() {
                uses[v] += 1;
            }
        }
    }
    // Compare-and-branch: a compare whose only use is its own block's brif.
    let mut fused = HashSet::new();
    for &b in &f.layout {
        if let Some(TermKind::Brif { cond, .. }) = f.blocks[b].term.as_ref().map(|t| &t.kind) {
            if let zkc_ir::ValueDef::Result(i, _) = f.values[*cond].def {
                let fusable = matches!(
                    f.insts[i].op,
                    IrOp::Compare {
                        ty: Type::I32 | Type::I64,
                        ..
                    } | IrOp::Unary {
                        op: UnaryOp::Eqz,
                        ..
                    }
                );
                if fusable && uses[*cond] == 1 && def_block.get(&i) == Some(&b) {
                    fused.insert(i);
                }
            }
        }
    }
    let label = l.func_labels[fid.index()].clone();
    let taken = Statics {
        arena: statics.arena.clone(),
        init: std::mem::take(&mut statics.init),
    };
    let mut cx = Ctx {
        m,
        l,
        opts,
        fid,
        f,
        vc: VCode::default(),
        vreg: SecondaryMap::new(),
        consts,
        uses,
        fused,
        ra: None,
        label: label.clone(),
        nlocal: 0,
        srcloc: None,
        statics: taken,
    };
    if has_calls {
        cx.ra = Some(cx.vc.new_vreg());
    }
    let order = zkc_ir::cfg::reverse_postorder(f);
    let reachable: HashSet<Block> = order.iter().copied().collect();
    let blocks: Vec<Block> = f
        .layout
        .iter()
        .copied()
        .filter(|b| reachable.contains(b))
        .collect();
    let result = blocks
        .iter()
        .enumerate()
        .try_for_each(|(k, &b)| cx.lower_block(b, blocks.get(k + 1).copied()));
    *statics = std::mem::replace(
        &mut cx.statics,
        Statics {
            arena: statics.arena.clone(),
            init: vec![],
        },
    );
    result?;
    let mut vc = cx.vc;
    vc.resolve_succs();
    Ok(vc)
}

//! Machine code over virtual registers: ZisK operations whose operands may name a [`VReg`],
//! grouped in blocks, as the instruction selector produces it and the allocator sees it.

use zkc_ir::{EntityRef, FuncId, Module};
use zkc_regalloc_mem::{reg_range, AllocFunction, CallInfo, Operand, RegSet, VReg};

use super::{ARG_REG0, ARG_REGS};

use crate::program::{Flow, Sym, Symbols, Target, Value};
use crate::Op;

/// The labels of a function's own code (its blocks, local branch targets) while it is being
/// selected, on its own thread: `Sym(LOCAL | k)`, block `k` of the IR function for `k` below
/// its block count, else the function's `k - blocks + 1`th local label. Once every function is
/// selected, [`VCode::globalize`] renumbers them as symbols of the program ([`Symbols::derive`]
/// names them `{function}_b{k}` and `{function}_l{n}`).
const LOCAL: u32 = 1 << 31;

/// Operand `a`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VA {
    V(VReg),
    C,
    Imm(Value),
    Reg(u8),
    Mem(Value),
}

/// Operand `b`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VB {
    V(VReg),
    C,
    Imm(Value),
    Reg(u8),
    Mem(Value),
    Ind(i64),
    /// The word at byte offset `a` of the function's `k`-th jump table ([`VCode::tables`]),
    /// read by the `copyb ..., setpc` that jumps through it: emission writes that instruction
    /// as [`InstKind::TableJump`](crate::program::InstKind), the table being in ROM.
    Table(u32),
}

/// Where `c` goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VS {
    None,
    V(VReg),
    Reg(u8),
    Mem(Value),
    Ind(i64),
}

/// A source of a parallel move.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MoveSrc {
    V(VReg),
    Imm(u64),
}

#[derive(Clone, Debug)]
pub enum VInst {
    Op {
        op: Op,
        a: VA,
        b: VB,
        store: VS,
        width: u8,
        flow: Flow,
    },
    /// A label inside a block (the target of a local branch).
    Label(Sym),
    /// `call label`; saves and restores come from the allocation.
    Call {
        label: Sym,
        callee: usize,
        args: usize,
        rets: usize,
        /// Re-entry and the callee's clobbers (filled in before allocation).
        info: CallInfo,
    },
    /// An indirect call through the table entry at `r2 + table` (see `lower_call_indirect`),
    /// to a function of signature `sig`.
    CallInd {
        table: u64,
        ret_label: Sym,
        sig: u64,
        args: usize,
        rets: usize,
        info: CallInfo,
    },
    /// Returns through the return-address vreg, or `r1` in a leaf, with `rets` results in
    /// their registers.
    Ret {
        ra: Option<VReg>,
        rets: usize,
    },
    Jump(Sym),
    RetToBios,
    /// Block-parameter moves, all at once.
    ParMove(Vec<(MoveSrc, VReg)>),
}

impl VInst {
    /// The comment the instruction carries into the program: a call names its callee
    /// (`m`'s function). Computed when written, not stored: most instructions have none, and a
    /// large module's code has millions of them.
    pub fn comment(&self, m: &Module) -> Option<String> {
        match self {
            VInst::Call { callee, .. } => {
                Some(format!("call @{}", m.funcs[FuncId::new(*callee)].name))
            }
            VInst::CallInd { .. } => Some("call_indirect".into()),
            _ => None,
        }
    }

    pub fn op(op: Op, a: VA, b: VB, store: VS) -> VInst {
        VInst::Op {
            op,
            a,
            b,
            store,
            width: 0,
            flow: Flow::Next,
        }
    }
}

#[derive(Clone, Debug)]
pub struct VBlock {
    pub label: Sym,
    pub start: usize,
    pub end: usize,
    pub succ_labels: Vec<Sym>,
    pub succs: Vec<usize>,
    /// An edge block (the moves of one branch edge, then a jump): entered only by branches
    /// and jump tables, never by falling through.
    pub edge: bool,
}

/// A function's machine code over virtual registers.
#[derive(Clone, Debug, Default)]
pub struct VCode {
    pub insts: Vec<VInst>,
    /// The wasm byte offset each instruction was selected for (that of its IR instruction or
    /// terminator), when known: what profiles map costs to source lines through.
    pub srclocs: Vec<Option<u32>>,
    /// The offset [`VCode::push`] records: the selector sets it to each IR instruction's.
    pub srcloc: Option<u32>,
    pub blocks: Vec<VBlock>,
    pub num_vregs: u32,
    /// The function's jump tables ([`VB::Table`]): each one's label and the labels it holds
    /// (whose blocks are always emitted).
    pub tables: Vec<(Sym, Vec<Sym>)>,
    /// The IR function's block count and the local labels selection made
    /// ([`VCode::local_label`]): the function's symbols ([`LOCAL`]).
    pub ir_blocks: u32,
    pub locals: u32,
    /// The paths of accesses whose address's raw value failed its bounds check
    /// ([`Wrapped`]). Their labels are the last local labels, named `{function}_w{n}`
    /// ([`WRAPPED_TAG`]), what the bench counts checks by.
    pub wrapped: Vec<Wrapped>,
}

/// The tag of the labels of [`Wrapped`] paths.
pub const WRAPPED_TAG: &str = "_w";

/// The out-of-line path of an access whose address, of unknown upper bits, was checked as its
/// raw value (`isel` `address`): when that check fails, the path zero-extends the value into
/// `r2`, checks that for the trap `trap`, does the access's instructions (`access`, copied:
/// later stages move the function's instructions) again with `r2` for the raw value as their
/// `a`, and jumps back to `back`, the label after them. The allocator does not see it: it
/// reads and writes what the access does, at the same point, where every value is where the
/// allocation put it for the access; emission writes it after the function's blocks.
#[derive(Clone, Debug)]
pub struct Wrapped {
    pub label: Sym,
    pub back: Sym,
    pub trap: Sym,
    pub raw: VReg,
    /// The bound the raw value was checked against.
    pub bound: VA,
    pub access: Vec<VInst>,
}

impl VCode {
    /// Empty, with room for the code of `blocks` of `f`: selection emits 1.0-1.5 instructions
    /// per IR instruction or terminator in most functions (1.39 over all of a Go module's), so
    /// that the vectors rarely grow (growing them was a tenth of selection's time).
    pub fn with_capacity(blocks: &[zkc_ir::Block], f: &zkc_ir::Function) -> VCode {
        let n: usize = blocks.iter().map(|&b| f.blocks[b].insts.len() + 1).sum();
        let n = n + n / 2 + 8;
        VCode {
            insts: Vec::with_capacity(n),
            srclocs: Vec::with_capacity(n),
            blocks: Vec::with_capacity(blocks.len()),
            ir_blocks: f.blocks.len() as u32,
            ..VCode::default()
        }
    }

    /// The label of the IR block `b` ([`LOCAL`]).
    pub fn block_label(&self, b: zkc_ir::Block) -> Sym {
        Sym(LOCAL | b.index() as u32)
    }

    /// A new local label ([`LOCAL`]).
    pub fn local_label(&mut self) -> Sym {
        self.locals += 1;
        Sym(LOCAL | (self.ir_blocks + self.locals - 1))
    }

    /// Names the function's labels in the program's `symbols`, after the function's own label
    /// `func`: the first of them ([`VCode::globalize`] takes it).
    pub fn name_labels(&self, symbols: &mut Symbols, func: Sym) -> Sym {
        let first = symbols.derive(func, "_b", 0, self.ir_blocks);
        let wrapped = self.wrapped.len() as u32;
        symbols.derive(func, "_l", 1, self.locals - wrapped);
        symbols.derive(func, WRAPPED_TAG, 1, wrapped);
        first
    }

    /// Renumbers the function's labels ([`LOCAL`]) from `first` on ([`VCode::name_labels`]).
    pub fn globalize(&mut self, first: Sym) {
        let g = |s: &mut Sym| *s = global(*s, first);
        let value = |v: &mut Value| {
            if let Value::Sym(s, _) = v {
                g(s)
            }
        };
        let target = |t: &mut Target| {
            if let Target::Label(s) = t {
                g(s)
            }
        };
        let wrapped = self.wrapped.iter_mut().flat_map(|w| w.access.iter_mut());
        for inst in self.insts.iter_mut().chain(wrapped) {
            match inst {
                VInst::Op {
                    a, b, store, flow, ..
                } => {
                    if let VA::Imm(v) | VA::Mem(v) = a {
                        value(v);
                    }
                    if let VB::Imm(v) | VB::Mem(v) = b {
                        value(v);
                    }
                    if let VS::Mem(v) = store {
                        value(v);
                    }
                    if let Flow::Branch { taken, not_taken } = flow {
                        target(taken);
                        target(not_taken);
                    }
                }
                VInst::Label(s) | VInst::Jump(s) | VInst::CallInd { ret_label: s, .. } => g(s),
                VInst::Call { .. } | VInst::Ret { .. } | VInst::RetToBios | VInst::ParMove(_) => {}
            }
        }
        for b in &mut self.blocks {
            g(&mut b.label);
            b.succ_labels.iter_mut().for_each(g);
        }
        for (table, labels) in &mut self.tables {
            g(table);
            labels.iter_mut().for_each(g);
        }
        for w in &mut self.wrapped {
            g(&mut w.label);
            g(&mut w.back);
            if let VA::Imm(v) | VA::Mem(v) = &mut w.bound {
                value(v);
            }
        }
    }

    pub fn new_vreg(&mut self) -> VReg {
        self.num_vregs += 1;
        VReg(self.num_vregs - 1)
    }

    pub fn push(&mut self, inst: VInst) {
        self.insts.push(inst);
        self.srclocs.push(self.srcloc);
    }

    pub fn begin_block(&mut self, label: Sym) {
        let start = self.insts.len();
        self.blocks.push(VBlock {
            label,
            start,
            end: start,
            succ_labels: vec![],
            succs: vec![],
            edge: false,
        });
    }

    pub fn end_block(&mut self, succ_labels: Vec<Sym>) {
        let end = self.insts.len();
        let b = self.blocks.last_mut().expect("open block");
        b.end = end;
        b.succ_labels = succ_labels;
    }

    /// Resolves successor labels to block indices (labels of other functions, traps: none).
    pub fn resolve_succs(&mut self) {
        let index: rustc_hash::FxHashMap<Sym, usize> = (self.blocks.iter().enumerate())
            .map(|(i, b)| (b.label, i))
            .collect();
        let succs: Vec<Vec<usize>> = (self.blocks.iter())
            .map(|b| {
                (b.succ_labels.iter())
                    .filter_map(|l| index.get(l).copied())
                    .collect()
            })
            .collect();
        for (b, succs) in self.blocks.iter_mut().zip(succs) {
            b.succs = succs;
        }
    }
}

/// `s`, a label of the function's own ([`LOCAL`]) numbered from `first`, or a symbol of the
/// program.
fn global(s: Sym, first: Sym) -> Sym {
    if s.0 & LOCAL != 0 {
        Sym(first.0 + (s.0 & !LOCAL))
    } else {
        s
    }
}

/// The registers holding the first `n` arguments or results.
pub fn arg_regs(n: usize) -> RegSet {
    if n == 0 {
        0
    } else {
        reg_range(ARG_REG0, ARG_REG0 + n.min(ARG_REGS) as u8 - 1)
    }
}

impl VInst {
    /// `Some((source, destination))` when this is a plain copy between vregs or registers.
    pub fn as_move(&self) -> Option<(Operand, Operand)> {
        let VInst::Op {
            op: Op::CopyB,
            b,
            store,
            width: 0,
            flow: Flow::Next,
            ..
        } = self
        else {
            return None;
        };
        let s = match b {
            VB::V(v) => Operand::V(*v),
            VB::Reg(r) => Operand::R(*r),
            _ => return None,
        };
        let d = match store {
            VS::V(v) => Operand::V(*v),
            VS::Reg(r) => Operand::R(*r),
            _ => return None,
        };
        matches!((s, d), (Operand::V(_), _) | (_, Operand::V(_))).then_some((s, d))
    }

    /// Whether the instruction reads `lastc`.
    pub fn reads_c(&self) -> bool {
        matches!(
            self,
            VInst::Op { a: VA::C, .. } | VInst::Op { b: VB::C, .. }
        )
    }
}

fn a_uses(a: &VA, out: &mut Vec<VReg>) {
    if let VA::V(v) = a {
        out.push(*v);
    }
}

impl AllocFunction for VCode {
    fn num_vregs(&self) -> usize {
        self.num_vregs as usize
    }
    fn num_blocks(&self) -> usize {
        self.blocks.len()
    }
    fn block_insts(&self, b: usize) -> std::ops::Range<usize> {
        self.blocks[b].start..self.blocks[b].end
    }
    fn block_succs(&self, b: usize) -> &[usize] {
        &self.blocks[b].succs
    }
    fn inst_uses(&self, i: usize, out: &mut Vec<VReg>) {
        match &self.insts[i] {
            VInst::Op { a, b, .. } => {
                a_uses(a, out);
                if let VB::V(v) = b {
                    out.push(*v);
                }
            }
            VInst::Ret { ra: Some(v), .. } => out.push(*v),
            VInst::ParMove(moves) => {
                for (s, _) in moves {
                    if let MoveSrc::V(v) = s {
                        out.push(*v);
                    }
                }
            }
            _ => {}
        }
    }
    fn inst_defs(&self, i: usize, out: &mut Vec<VReg>) {
        match &self.insts[i] {
            VInst::Op {
                store: VS::V(v), ..
            } => out.push(*v),
            VInst::ParMove(moves) => out.extend(moves.iter().map(|(_, d)| *d)),
            _ => {}
        }
    }
    fn inst_reg_uses(&self, i: usize) -> RegSet {
        match &self.insts[i] {
            VInst::Op { a, b, .. } => {
                let ra = match a {
                    VA::Reg(r) => 1 << r,
                    _ => 0,
                };
                ra | match b {
                    VB::Reg(r) => 1 << r,
                    _ => 0,
                }
            }
            VInst::Call { args, .. } => arg_regs(*args),
            VInst::CallInd { args, .. } => arg_regs(*args) | 1 << 2,
            VInst::Ret { rets, ra } => arg_regs(*rets) | if ra.is_none() { 1 << 1 } else { 0 },
            _ => 0,
        }
    }
    fn inst_reg_defs(&self, i: usize) -> RegSet {
        match &self.insts[i] {
            VInst::Op {
                store: VS::Reg(r), ..
            } => 1 << r,
            // The return address the call leaves in `r1` is one of its clobbers ([`CallInfo`]),
            // which saves around a re-entering call restore.
            VInst::Call { rets, .. } | VInst::CallInd { rets, .. } => arg_regs(*rets),
            _ => 0,
        }
    }
    fn inst_moves(&self, i: usize, out: &mut Vec<(Operand, Operand)>) {
        match &self.insts[i] {
            VInst::ParMove(moves) => {
                for (s, d) in moves {
                    if let MoveSrc::V(v) = s {
                        out.push((Operand::V(*v), Operand::V(*d)));
                    }
                }
            }
            inst => out.extend(inst.as_move()),
        }
    }
    fn call_info(&self, i: usize) -> Option<CallInfo> {
        match &self.insts[i] {
            VInst::Call { info, .. } | VInst::CallInd { info, .. } => Some(*info),
            _ => None,
        }
    }
}

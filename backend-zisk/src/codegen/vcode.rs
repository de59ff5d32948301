//! Machine code over virtual registers: ZisK operations whose operands may name a [`VReg`],
//! grouped in blocks, as the instruction selector produces it and the allocator sees it.

use zkc_regalloc_mem::{AllocFunction, CallInfo, VReg};

use crate::program::{Flow, Value};
use crate::Op;

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
    Label(String),
    /// `call label`; saves and restores come from the allocation.
    Call {
        label: String,
        reenters: bool,
    },
    /// An indirect call through the table entry at `r2 + table` (see `lower_call_indirect`).
    CallInd {
        table: u64,
        ret_label: String,
        reenters: bool,
    },
    /// Returns through the return-address vreg, or `r1` in a leaf.
    Ret {
        ra: Option<VReg>,
    },
    Jump(String),
    RetToBios,
    /// Block-parameter moves, all at once.
    ParMove(Vec<(MoveSrc, VReg)>),
}

impl VInst {
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
    pub label: String,
    pub start: usize,
    pub end: usize,
    pub succ_labels: Vec<String>,
    pub succs: Vec<usize>,
}

/// A function's machine code over virtual registers.
#[derive(Clone, Debug, Default)]
pub struct VCode {
    pub insts: Vec<VInst>,
    pub comments: Vec<Option<String>>,
    pub blocks: Vec<VBlock>,
    pub num_vregs: u32,
}

impl VCode {
    pub fn new_vreg(&mut self) -> VReg {
        self.num_vregs += 1;
        VReg(self.num_vregs - 1)
    }

    pub fn push(&mut self, inst: VInst) {
        self.insts.push(inst);
        self.comments.push(None);
    }

    pub fn push_c(&mut self, inst: VInst, comment: String) {
        self.insts.push(inst);
        self.comments.push(Some(comment));
    }

    pub fn begin_block(&mut self, label: String) {
        let start = self.insts.len();
        self.blocks.push(VBlock {
            label,
            start,
            end: start,
            succ_labels: vec![],
            succs: vec![],
        });
    }

    pub fn end_block(&mut self, succ_labels: Vec<String>) {
        let end = self.insts.len();
        let b = self.blocks.last_mut().expect("open block");
        b.end = end;
        b.succ_labels = succ_labels;
    }

    /// Resolves successor labels to block indices (labels of other functions, traps: none).
    pub fn resolve_succs(&mut self) {
        let index: std::collections::HashMap<String, usize> = self
            .blocks
            .iter()
            .enumerate()
            .map(|(i, b)| (b.label.clone(), i))
            .collect();
        for b in &mut self.blocks {
            b.succs = b
                .succ_labels
                .iter()
                .filter_map(|l| index.get(l).copied())
                .collect();
        }
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
            VInst::Ret { ra: Some(v) } => out.push(*v),
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
    fn call_info(&self, i: usize) -> Option<CallInfo> {
        match &self.insts[i] {
            VInst::Call { reenters, .. } | VInst::CallInd { reenters, .. } => Some(CallInfo {
                reenters: *reenters,
            }),
            _ => None,
        }
    }
}

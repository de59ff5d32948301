//! A function body in SSA form with block parameters (no phi nodes).
//!
//! Values, instructions and blocks live in arenas; a block lists its parameters, its
//! instructions in execution order, and one terminator. `layout` gives the block order; the
//! first block is the entry, whose parameters are the function's parameters. Entities that are
//! not reachable from `layout` (values of removed block parameters, instructions that a pass
//! dropped) may stay in the arenas: they are garbage, never printed, and the verifier rejects any
//! use of them.

use crate::entities::{Block, Inst, Value};
use crate::ops::{Op, TrapCode};
use crate::types::Type;
use cranelift_entity::{PrimaryMap, SecondaryMap};
use smallvec::SmallVec;
use std::fmt;

/// A wasm byte offset (from the start of the module) that an instruction came from.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct SrcLoc(Option<u32>);

impl SrcLoc {
    pub const NONE: SrcLoc = SrcLoc(None);
    pub fn new(offset: u32) -> Self {
        SrcLoc(Some(offset))
    }
    pub fn offset(self) -> Option<u32> {
        self.0
    }
}

impl fmt::Display for SrcLoc {
    /// Text: `@0x002a`; nothing when unknown.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.0 {
            Some(o) => write!(f, "@{o:#06x}"),
            None => Ok(()),
        }
    }
}

/// Where a value comes from.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum ValueDef {
    /// The `n`th parameter of a block.
    Param(Block, u32),
    /// The `n`th result of an instruction.
    Result(Inst, u32),
    /// Defined nowhere (a removed block parameter, or a number the text skipped).
    Detached,
}

#[derive(Clone, Debug)]
pub struct ValueData {
    pub ty: Type,
    pub def: ValueDef,
}

#[derive(Clone, Debug)]
pub struct InstData {
    pub op: Op,
    pub args: SmallVec<[Value; 3]>,
    pub results: SmallVec<[Value; 1]>,
    pub srcloc: SrcLoc,
}

/// A branch target with the arguments passed to the target's parameters.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BlockCall {
    pub block: Block,
    pub args: Vec<Value>,
}

impl BlockCall {
    pub fn new(block: Block, args: Vec<Value>) -> Self {
        BlockCall { block, args }
    }
}

/// How a block ends.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum TermKind {
    /// `jump block1(v2)`.
    Jump(BlockCall),
    /// `brif v0, block1(..), block2(..)`: to the first target when the i32 `cond` is not zero.
    Brif {
        cond: Value,
        then_dest: BlockCall,
        else_dest: BlockCall,
    },
    /// `br_table v0, [block1, block2(v3)], block4`: the i32 `index` selects a target, out of
    /// range goes to `default`.
    BrTable {
        index: Value,
        targets: Vec<BlockCall>,
        default: BlockCall,
    },
    /// `return v1, v2`.
    Return(Vec<Value>),
    /// `trap heap_oob`.
    Trap(TrapCode),
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Terminator {
    pub kind: TermKind,
    pub srcloc: SrcLoc,
}

impl Terminator {
    pub fn new(kind: TermKind, srcloc: SrcLoc) -> Self {
        Terminator { kind, srcloc }
    }

    /// The branch targets, in order.
    pub fn targets(&self) -> impl Iterator<Item = &BlockCall> {
        let (first, rest): (Option<&BlockCall>, &[BlockCall]) = match &self.kind {
            TermKind::Jump(c) => (Some(c), &[]),
            TermKind::Brif {
                then_dest,
                else_dest,
                ..
            } => (Some(then_dest), std::slice::from_ref(else_dest)),
            TermKind::BrTable {
                targets, default, ..
            } => (Some(default), targets.as_slice()),
            TermKind::Return(_) | TermKind::Trap(_) => (None, &[]),
        };
        first.into_iter().chain(rest.iter())
    }

    /// The `k`-th branch target, in the order of [`Terminator::targets`], in constant time.
    pub fn target(&self, k: usize) -> &BlockCall {
        match (&self.kind, k) {
            (TermKind::Jump(c), 0) => c,
            (TermKind::Brif { then_dest, .. }, 0) => then_dest,
            (TermKind::Brif { else_dest, .. }, 1) => else_dest,
            (TermKind::BrTable { default, .. }, 0) => default,
            (TermKind::BrTable { targets, .. }, k) => &targets[k - 1],
            _ => panic!("terminator has no target {k}"),
        }
    }

    /// [`Terminator::target`], mutable.
    pub fn target_mut(&mut self, k: usize) -> &mut BlockCall {
        match (&mut self.kind, k) {
            (TermKind::Jump(c), 0) => c,
            (TermKind::Brif { then_dest, .. }, 0) => then_dest,
            (TermKind::Brif { else_dest, .. }, 1) => else_dest,
            (TermKind::BrTable { default, .. }, 0) => default,
            (TermKind::BrTable { targets, .. }, k) => &mut targets[k - 1],
            _ => panic!("terminator has no target {k}"),
        }
    }

    /// The branch targets, in the order of [`Terminator::targets`].
    pub fn targets_mut(&mut self) -> impl Iterator<Item = &mut BlockCall> {
        let (first, rest): (Option<&mut BlockCall>, &mut [BlockCall]) = match &mut self.kind {
            TermKind::Jump(c) => (Some(c), &mut []),
            TermKind::Brif {
                then_dest,
                else_dest,
                ..
            } => (Some(then_dest), std::slice::from_mut(else_dest)),
            TermKind::BrTable {
                targets, default, ..
            } => (Some(default), targets.as_mut_slice()),
            TermKind::Return(_) | TermKind::Trap(_) => (None, &mut []),
        };
        first.into_iter().chain(rest.iter_mut())
    }

    /// Every value the terminator reads: its own operand, then the block-call arguments.
    pub fn uses(&self) -> Vec<Value> {
        let mut v = match &self.kind {
            TermKind::Brif { cond, .. } => vec![*cond],
            TermKind::BrTable { index, .. } => vec![*index],
            TermKind::Return(vals) => vals.clone(),
            TermKind::Jump(_) | TermKind::Trap(_) => vec![],
        };
        for t in self.targets() {
            v.extend_from_slice(&t.args);
        }
        v
    }

    /// Rewrites every value the terminator reads.
    pub fn map_uses(&mut self, mut f: impl FnMut(Value) -> Value) {
        match &mut self.kind {
            TermKind::Brif { cond, .. } => *cond = f(*cond),
            TermKind::BrTable { index, .. } => *index = f(*index),
            TermKind::Return(vals) => vals.iter_mut().for_each(|v| *v = f(*v)),
            TermKind::Jump(_) | TermKind::Trap(_) => {}
        }
        for t in self.targets_mut() {
            t.args.iter_mut().for_each(|v| *v = f(*v));
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct BlockData {
    pub params: Vec<Value>,
    pub insts: Vec<Inst>,
    /// `None` only while a block is being built; the verifier rejects it.
    pub term: Option<Terminator>,
}

/// A function body.
#[derive(Clone, Debug, Default)]
pub struct Function {
    pub values: PrimaryMap<Value, ValueData>,
    pub insts: PrimaryMap<Inst, InstData>,
    pub blocks: PrimaryMap<Block, BlockData>,
    /// Block order; `layout[0]` is the entry block.
    pub layout: Vec<Block>,
}

impl Function {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn entry(&self) -> Option<Block> {
        self.layout.first().copied()
    }

    /// Creates a block and appends it to the layout.
    pub fn create_block(&mut self) -> Block {
        let b = self.blocks.push(BlockData::default());
        self.layout.push(b);
        b
    }

    /// Creates a block that is not (yet) in the layout.
    pub fn create_detached_block(&mut self) -> Block {
        self.blocks.push(BlockData::default())
    }

    pub fn append_block_param(&mut self, block: Block, ty: Type) -> Value {
        let n = self.blocks[block].params.len() as u32;
        let v = self.values.push(ValueData {
            ty,
            def: ValueDef::Param(block, n),
        });
        self.blocks[block].params.push(v);
        v
    }

    /// Removes parameter `index` of `block`; the value becomes detached. Callers fix the branches.
    pub fn remove_block_param(&mut self, block: Block, index: usize) {
        let v = self.blocks[block].params.remove(index);
        self.values[v].def = ValueDef::Detached;
        for (i, &p) in self.blocks[block].params.iter().enumerate().skip(index) {
            self.values[p].def = ValueDef::Param(block, i as u32);
        }
    }

    /// Creates an instruction with results of the given types, not yet placed in a block.
    pub fn make_inst(
        &mut self,
        op: Op,
        args: &[Value],
        result_tys: &[Type],
        srcloc: SrcLoc,
    ) -> Inst {
        let inst = self.insts.push(InstData {
            op,
            args: SmallVec::from_slice(args),
            results: SmallVec::new(),
            srcloc,
        });
        for (i, &ty) in result_tys.iter().enumerate() {
            let v = self.values.push(ValueData {
                ty,
                def: ValueDef::Result(inst, i as u32),
            });
            self.insts[inst].results.push(v);
        }
        inst
    }

    /// Creates an instruction and appends it to `block`.
    pub fn append_inst(
        &mut self,
        block: Block,
        op: Op,
        args: &[Value],
        result_tys: &[Type],
        srcloc: SrcLoc,
    ) -> Inst {
        let inst = self.make_inst(op, args, result_tys, srcloc);
        self.blocks[block].insts.push(inst);
        inst
    }

    pub fn set_terminator(&mut self, block: Block, kind: TermKind, srcloc: SrcLoc) {
        self.blocks[block].term = Some(Terminator::new(kind, srcloc));
    }

    pub fn value_type(&self, v: Value) -> Type {
        self.values[v].ty
    }

    pub fn inst_results(&self, inst: Inst) -> &[Value] {
        &self.insts[inst].results
    }

    /// The blocks that `block`'s terminator can branch to.
    pub fn successors(&self, block: Block) -> impl Iterator<Item = Block> + '_ {
        (self.blocks[block].term.iter()).flat_map(|t| t.targets().map(|c| c.block))
    }

    /// A map over every block of the function, each `default` (a map grown index by index
    /// reallocates and copies itself as it goes: a tenth of a pass's time on large functions).
    pub fn block_map<V: Clone>(&self, default: V) -> SecondaryMap<Block, V> {
        let mut m = SecondaryMap::with_default(default);
        m.resize(self.blocks.len());
        m
    }

    /// A map over every value of the function, each `default` ([`Function::block_map`]).
    pub fn value_map<V: Clone>(&self, default: V) -> SecondaryMap<Value, V> {
        let mut m = SecondaryMap::with_default(default);
        m.resize(self.values.len());
        m
    }

    /// A map over every instruction of the function, each `default` ([`Function::block_map`]).
    pub fn inst_map<V: Clone>(&self, default: V) -> SecondaryMap<Inst, V> {
        let mut m = SecondaryMap::with_default(default);
        m.resize(self.insts.len());
        m
    }
}

//! Lowers a [`Function`] once into flat, compact code for the interpreter loop.
//!
//! Every SSA value gets a slot in the function's frame (entry parameters first, so arguments
//! are copied straight to slots `0..n`). Instructions name their operands by slot; the
//! operation itself is already resolved to a `fn` pointer (see [`crate::semantics`]). Blocks
//! are laid out one after another in `layout` order and a branch names an [`Edge`]: the target
//! pc plus the moves that pass the block arguments. Block arguments have parallel-copy
//! semantics (`jump block1(v2, v1)` swaps), so each edge's moves are sequentialized here, once,
//! using one scratch slot per frame to break cycles.

use crate::entities::{Block, FuncId, Value};
use crate::function::{BlockCall, Function, SrcLoc, TermKind};
use crate::module::Module;
use crate::ops::{Op, TrapCode};
use crate::semantics::{self, Bin, BinFn, TrapBinFn, TrapUnFn, Un, UnFn};
use crate::types::Type;
use cranelift_entity::{EntityRef, SecondaryMap};

/// Kinds of linear-memory loads: result width, access width, signedness.
#[derive(Copy, Clone, Debug)]
pub(crate) enum LoadKind {
    I32S8,
    I32U8,
    I32S16,
    I32U16,
    I64S8,
    I64U8,
    I64S16,
    I64U16,
    I64S32,
}

/// One interpreter instruction. Slot operands are `u32` indices into the current frame.
#[derive(Copy, Clone, Debug)]
pub(crate) enum Ins {
    Const {
        d: u32,
        v: u64,
    },
    Un {
        f: UnFn,
        d: u32,
        a: u32,
    },
    UnT {
        f: TrapUnFn,
        d: u32,
        a: u32,
    },
    Bin {
        f: BinFn,
        d: u32,
        a: u32,
        b: u32,
    },
    BinT {
        f: TrapBinFn,
        d: u32,
        a: u32,
        b: u32,
    },
    I32Add {
        d: u32,
        a: u32,
        b: u32,
    },
    I64Add {
        d: u32,
        a: u32,
        b: u32,
    },
    Select {
        d: u32,
        a: u32,
        b: u32,
        c: u32,
    },
    /// 4-byte load, zero-extended (i32, f32, i64.load32_u).
    Load32 {
        d: u32,
        a: u32,
        off: u32,
    },
    Load64 {
        d: u32,
        a: u32,
        off: u32,
    },
    LoadX {
        k: LoadKind,
        d: u32,
        a: u32,
        off: u32,
    },
    Store8 {
        a: u32,
        v: u32,
        off: u32,
    },
    Store16 {
        a: u32,
        v: u32,
        off: u32,
    },
    Store32 {
        a: u32,
        v: u32,
        off: u32,
    },
    Store64 {
        a: u32,
        v: u32,
        off: u32,
    },
    GlobalGet {
        d: u32,
        g: u32,
    },
    GlobalSet {
        g: u32,
        a: u32,
    },
    MemSize {
        d: u32,
    },
    MemGrow {
        d: u32,
        a: u32,
    },
    MemCopy {
        a: u32,
        b: u32,
        c: u32,
    },
    MemFill {
        a: u32,
        b: u32,
        c: u32,
    },
    MemInit {
        seg: u32,
        a: u32,
        b: u32,
        c: u32,
    },
    DataDrop {
        seg: u32,
    },
    TableSize {
        d: u32,
        t: u32,
    },
    /// Operand slots `dst, src, n` at `lists[l..l + 3]`.
    TableInit {
        t: u32,
        e: u32,
        l: u32,
    },
    TableCopy {
        dt: u32,
        st: u32,
        l: u32,
    },
    ElemDrop {
        e: u32,
    },
    IsNull {
        d: u32,
        a: u32,
    },
    TableGet {
        d: u32,
        t: u32,
        a: u32,
    },
    TableSet {
        t: u32,
        a: u32,
        b: u32,
    },
    TableGrow {
        d: u32,
        t: u32,
        a: u32,
        b: u32,
    },
    /// Operand slots `dst, value, n` at `lists[l..l + 3]`.
    TableFill {
        t: u32,
        l: u32,
    },
    /// Call of a function defined in the module; `site` indexes `calls`.
    Call {
        f: u32,
        site: u32,
    },
    /// Call of an imported function.
    CallHost {
        f: u32,
        site: u32,
    },
    /// `sig` is the canonical signature index (see `Instance::func_sig`).
    CallIndirect {
        t: u32,
        sig: u32,
        i: u32,
        site: u32,
    },
    MachLoad {
        w: u8,
        d: u32,
        a: u32,
    },
    MachStore {
        w: u8,
        a: u32,
        v: u32,
    },
    Uart {
        a: u32,
    },
    PubOut {
        a: u32,
        b: u32,
    },
    Jump {
        e: u32,
    },
    Brif {
        c: u32,
        t: u32,
        e: u32,
    },
    /// Edge indices at `lists[l..l + n]`, then the default edge.
    BrTable {
        i: u32,
        l: u32,
        n: u32,
    },
    /// Returned slots at `lists[l..l + n]`.
    Ret {
        l: u32,
        n: u32,
    },
    Trap {
        code: TrapCode,
    },
}

/// A branch: the target pc and the sequentialized moves `moves[ms..me]`.
#[derive(Clone, Debug)]
pub(crate) struct Edge {
    pub pc: u32,
    pub ms: u32,
    pub me: u32,
}

/// A call site: argument slots `lists[args..args + nargs]`, result slots
/// `lists[rets..rets + nrets]`.
#[derive(Clone, Debug)]
pub(crate) struct CallSite {
    pub args: u32,
    pub nargs: u32,
    pub rets: u32,
    pub nrets: u32,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct CFunc {
    pub code: Vec<Ins>,
    /// The source location of each instruction of `code`, for trap reports.
    pub srclocs: Vec<SrcLoc>,
    /// Frame size in slots, including the scratch slot.
    pub nslots: u32,
    pub edges: Vec<Edge>,
    /// `(dst, src)` slot pairs.
    pub moves: Vec<(u32, u32)>,
    pub lists: Vec<u32>,
    pub calls: Vec<CallSite>,
}

/// What the compiler needs to know about the module beyond the function itself.
pub(crate) struct Ctx<'a> {
    pub module: &'a Module,
    /// Canonical signature index of each `SigId` of the module.
    pub sig_canon: &'a [u32],
}

struct Builder<'a> {
    func: &'a Function,
    name: &'a str,
    slot: SecondaryMap<Value, u32>,
    out: CFunc,
    /// Edge index → target block, resolved to a pc at the end.
    edge_blocks: Vec<Block>,
    scratch: u32,
}

const NO_SLOT: u32 = u32::MAX;

pub(crate) fn compile(ctx: &Ctx, fid: FuncId, func: &Function) -> Result<CFunc, String> {
    let name = &ctx.module.funcs[fid].name;
    let entry = func
        .entry()
        .ok_or_else(|| format!("@{name} has no blocks"))?;
    let mut b = Builder {
        func,
        name,
        slot: SecondaryMap::with_default(NO_SLOT),
        out: CFunc::default(),
        edge_blocks: vec![],
        scratch: 0,
    };
    let mut n = 0u32;
    let mut def = |b: &mut Builder, v: Value| {
        b.slot[v] = n;
        n += 1;
    };
    for &p in &func.blocks[entry].params {
        def(&mut b, p);
    }
    for &blk in &func.layout {
        if blk != entry {
            for &p in &func.blocks[blk].params {
                def(&mut b, p);
            }
        }
        for &i in &func.blocks[blk].insts {
            for &r in &func.insts[i].results {
                def(&mut b, r);
            }
        }
    }
    b.scratch = n;
    b.out.nslots = n + 1;

    let mut block_pc: SecondaryMap<Block, u32> = SecondaryMap::with_default(NO_SLOT);
    for &blk in &func.layout {
        block_pc[blk] = b.out.code.len() as u32;
        b.block(ctx, blk)?;
    }
    for (e, blk) in b.edge_blocks.iter().enumerate() {
        let pc = block_pc[*blk];
        if pc == NO_SLOT {
            return Err(format!(
                "@{}: branch to {blk}, which is not in the layout",
                b.name
            ));
        }
        b.out.edges[e].pc = pc;
    }
    Ok(b.out)
}

impl Builder<'_> {
    fn s(&self, v: Value) -> Result<u32, String> {
        match self.slot.get(v) {
            Some(&s) if s != NO_SLOT => Ok(s),
            _ => Err(format!("@{}: use of undefined value {v}", self.name)),
        }
    }

    fn list(&mut self, vals: &[Value]) -> Result<u32, String> {
        let start = self.out.lists.len() as u32;
        for &v in vals {
            let s = self.s(v)?;
            self.out.lists.push(s);
        }
        Ok(start)
    }

    fn edge(&mut self, call: &BlockCall) -> Result<u32, String> {
        let params = &self.func.blocks[call.block].params;
        if params.len() != call.args.len() {
            return Err(format!(
                "@{}: {} takes {} arguments, branch passes {}",
                self.name,
                call.block,
                params.len(),
                call.args.len()
            ));
        }
        let mut pending = Vec::with_capacity(params.len());
        for (&p, &a) in params.iter().zip(&call.args) {
            let (d, s) = (self.s(p)?, self.s(a)?);
            if d != s {
                pending.push((d, s));
            }
        }
        let ms = self.out.moves.len() as u32;
        self.out
            .moves
            .extend(crate::parallel_move::sequentialize(&pending, self.scratch));
        let me = self.out.moves.len() as u32;
        self.out.edges.push(Edge { pc: 0, ms, me });
        self.edge_blocks.push(call.block);
        Ok(self.out.edges.len() as u32 - 1)
    }

    fn block(&mut self, ctx: &Ctx, blk: Block) -> Result<(), String> {
        let func = self.func;
        for &inst in &func.blocks[blk].insts {
            let data = &func.insts[inst];
            let args: Vec<u32> = data
                .args
                .iter()
                .map(|&v| self.s(v))
                .collect::<Result<_, _>>()?;
            let res: Vec<u32> = data
                .results
                .iter()
                .map(|&v| self.s(v))
                .collect::<Result<_, _>>()?;
            let bad = || {
                format!(
                    "@{}: malformed `{}` in {blk}",
                    self.name,
                    data.op.mnemonic()
                )
            };
            let arg = |i: usize| args.get(i).copied().ok_or_else(bad);
            let d = || res.first().copied().ok_or_else(bad);
            let ins = match &data.op {
                Op::Const { ty, bits } => Ins::Const {
                    d: d()?,
                    v: ty.truncate(*bits),
                },
                Op::Unary { op, ty } => match semantics::unary(*op, *ty).ok_or_else(bad)? {
                    Un::Pure(f) => Ins::Un {
                        f,
                        d: d()?,
                        a: arg(0)?,
                    },
                    Un::Trap(f) => Ins::UnT {
                        f,
                        d: d()?,
                        a: arg(0)?,
                    },
                },
                Op::Binary { op, ty } => {
                    let (d, a, b) = (d()?, arg(0)?, arg(1)?);
                    use crate::ops::BinaryOp::Add;
                    match (op, ty) {
                        (Add, Type::I32) => Ins::I32Add { d, a, b },
                        (Add, Type::I64) => Ins::I64Add { d, a, b },
                        _ => match semantics::binary(*op, *ty).ok_or_else(bad)? {
                            Bin::Pure(f) => Ins::Bin { f, d, a, b },
                            Bin::Trap(f) => Ins::BinT { f, d, a, b },
                        },
                    }
                }
                Op::Compare { op, ty } => {
                    let f = semantics::compare(*op, *ty).ok_or_else(bad)?;
                    Ins::Bin {
                        f,
                        d: d()?,
                        a: arg(0)?,
                        b: arg(1)?,
                    }
                }
                Op::Convert(c) => match semantics::convert(*c) {
                    Un::Pure(f) => Ins::Un {
                        f,
                        d: d()?,
                        a: arg(0)?,
                    },
                    Un::Trap(f) => Ins::UnT {
                        f,
                        d: d()?,
                        a: arg(0)?,
                    },
                },
                Op::Select { .. } => Ins::Select {
                    d: d()?,
                    a: arg(0)?,
                    b: arg(1)?,
                    c: arg(2)?,
                },
                Op::Load {
                    ty,
                    width,
                    signed,
                    offset,
                    ..
                } => {
                    let (d, a, off) = (d()?, arg(0)?, *offset);
                    use LoadKind::*;
                    let k = |k| Ins::LoadX { k, d, a, off };
                    match (ty, width, signed) {
                        (_, 4, false) | (Type::I32 | Type::F32, 4, _) => Ins::Load32 { d, a, off },
                        (_, 8, _) => Ins::Load64 { d, a, off },
                        (Type::I32, 1, true) => k(I32S8),
                        (Type::I32, 1, false) => k(I32U8),
                        (Type::I32, 2, true) => k(I32S16),
                        (Type::I32, 2, false) => k(I32U16),
                        (Type::I64, 1, true) => k(I64S8),
                        (Type::I64, 1, false) => k(I64U8),
                        (Type::I64, 2, true) => k(I64S16),
                        (Type::I64, 2, false) => k(I64U16),
                        (Type::I64, 4, true) => k(I64S32),
                        _ => return Err(bad()),
                    }
                }
                Op::Store { width, offset, .. } => {
                    let (a, v, off) = (arg(0)?, arg(1)?, *offset);
                    match width {
                        1 => Ins::Store8 { a, v, off },
                        2 => Ins::Store16 { a, v, off },
                        4 => Ins::Store32 { a, v, off },
                        8 => Ins::Store64 { a, v, off },
                        _ => return Err(bad()),
                    }
                }
                Op::GlobalGet(g) => Ins::GlobalGet {
                    d: d()?,
                    g: g.index() as u32,
                },
                Op::GlobalSet(g) => Ins::GlobalSet {
                    g: g.index() as u32,
                    a: arg(0)?,
                },
                Op::MemorySize => Ins::MemSize { d: d()? },
                Op::MemoryGrow => Ins::MemGrow {
                    d: d()?,
                    a: arg(0)?,
                },
                Op::MemoryCopy => Ins::MemCopy {
                    a: arg(0)?,
                    b: arg(1)?,
                    c: arg(2)?,
                },
                Op::MemoryFill => Ins::MemFill {
                    a: arg(0)?,
                    b: arg(1)?,
                    c: arg(2)?,
                },
                Op::MemoryInit(seg) => Ins::MemInit {
                    seg: seg.index() as u32,
                    a: arg(0)?,
                    b: arg(1)?,
                    c: arg(2)?,
                },
                Op::DataDrop(seg) => Ins::DataDrop {
                    seg: seg.index() as u32,
                },
                Op::TableSize(t) => Ins::TableSize {
                    d: d()?,
                    t: t.index() as u32,
                },
                Op::TableInit { table, elem } => {
                    if args.len() != 3 {
                        return Err(bad());
                    }
                    let l = self.list(&data.args)?;
                    Ins::TableInit {
                        t: table.index() as u32,
                        e: elem.index() as u32,
                        l,
                    }
                }
                Op::TableCopy { dst, src } => {
                    if args.len() != 3 {
                        return Err(bad());
                    }
                    let l = self.list(&data.args)?;
                    Ins::TableCopy {
                        dt: dst.index() as u32,
                        st: src.index() as u32,
                        l,
                    }
                }
                Op::ElemDrop(e) => Ins::ElemDrop {
                    e: e.index() as u32,
                },
                Op::RefNull(_) => Ins::Const { d: d()?, v: 0 },
                Op::RefFunc(f) => Ins::Const {
                    d: d()?,
                    v: f.index() as u64 + 1,
                },
                Op::RefToBits(_) | Op::RefFromBits(_) => Ins::Un {
                    f: |x| x,
                    d: d()?,
                    a: arg(0)?,
                },
                Op::RefIsNull(_) => Ins::IsNull {
                    d: d()?,
                    a: arg(0)?,
                },
                Op::TableGet(t) => Ins::TableGet {
                    d: d()?,
                    t: t.index() as u32,
                    a: arg(0)?,
                },
                Op::TableSet(t) => Ins::TableSet {
                    t: t.index() as u32,
                    a: arg(0)?,
                    b: arg(1)?,
                },
                Op::TableGrow(t) => Ins::TableGrow {
                    d: d()?,
                    t: t.index() as u32,
                    a: arg(0)?,
                    b: arg(1)?,
                },
                Op::TableFill(t) => {
                    if args.len() != 3 {
                        return Err(bad());
                    }
                    let l = self.list(&data.args)?;
                    Ins::TableFill {
                        t: t.index() as u32,
                        l,
                    }
                }
                Op::Call(f) => {
                    let callee = ctx.module.funcs.get(*f).ok_or_else(bad)?;
                    if callee.sig.params.len() != args.len()
                        || callee.sig.results.len() != res.len()
                    {
                        return Err(bad());
                    }
                    let site = self.site(&data.args, &data.results)?;
                    let f = f.index() as u32;
                    match callee.body() {
                        Some(_) => Ins::Call { f, site },
                        None => Ins::CallHost { f, site },
                    }
                }
                Op::CallIndirect { table, sig } => {
                    let (&i, rest) = data.args.split_last().ok_or_else(bad)?;
                    let sig = *ctx.sig_canon.get(sig.index()).ok_or_else(bad)?;
                    let site = self.site(rest, &data.results)?;
                    Ins::CallIndirect {
                        t: table.index() as u32,
                        sig,
                        i: self.s(i)?,
                        site,
                    }
                }
                Op::MachLoad { width } => Ins::MachLoad {
                    w: *width,
                    d: d()?,
                    a: arg(0)?,
                },
                Op::MachStore { width } => Ins::MachStore {
                    w: *width,
                    a: arg(0)?,
                    v: arg(1)?,
                },
                Op::Uart => Ins::Uart { a: arg(0)? },
                Op::PubOut => Ins::PubOut {
                    a: arg(0)?,
                    b: arg(1)?,
                },
            };
            self.out.code.push(ins);
            self.out.srclocs.push(data.srcloc);
        }
        let term = func.blocks[blk]
            .term
            .as_ref()
            .ok_or_else(|| format!("@{}: {blk} has no terminator", self.name))?;
        let ins = match &term.kind {
            TermKind::Jump(c) => Ins::Jump { e: self.edge(c)? },
            TermKind::Brif {
                cond,
                then_dest,
                else_dest,
            } => {
                let c = self.s(*cond)?;
                Ins::Brif {
                    c,
                    t: self.edge(then_dest)?,
                    e: self.edge(else_dest)?,
                }
            }
            TermKind::BrTable {
                index,
                targets,
                default,
            } => {
                let i = self.s(*index)?;
                let edges: Vec<u32> = targets
                    .iter()
                    .chain(std::iter::once(default))
                    .map(|c| self.edge(c))
                    .collect::<Result<_, _>>()?;
                let l = self.out.lists.len() as u32;
                self.out.lists.extend_from_slice(&edges);
                Ins::BrTable {
                    i,
                    l,
                    n: targets.len() as u32,
                }
            }
            TermKind::Return(vals) => Ins::Ret {
                l: self.list(vals)?,
                n: vals.len() as u32,
            },
            TermKind::Trap(code) => Ins::Trap { code: *code },
        };
        self.out.code.push(ins);
        self.out.srclocs.push(term.srcloc);
        Ok(())
    }

    fn site(&mut self, args: &[Value], results: &[Value]) -> Result<u32, String> {
        let a = self.list(args)?;
        let r = self.list(results)?;
        self.out.calls.push(CallSite {
            args: a,
            nargs: args.len() as u32,
            rets: r,
            nrets: results.len() as u32,
        });
        Ok(self.out.calls.len() as u32 - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::Ins;

    #[test]
    fn instructions_stay_compact() {
        // Three slots and a `fn` pointer; the dispatch loop copies one per step.
        assert!(
            std::mem::size_of::<Ins>() <= 24,
            "{}",
            std::mem::size_of::<Ins>()
        );
    }
}

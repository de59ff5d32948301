//! Function-body translation: one pass over the operators, after wasmtime's
//! `crates/cranelift/src/translate/code_translator.rs`.
//!
//! The translator keeps an explicit value stack (IR values standing for wasm's operand stack)
//! and an explicit control stack of `block`/`loop`/`if` frames, each knowing its branch target
//! and the arity of its parameters and results. Locals are SSA variables ([`crate::ssa`]);
//! joins are block parameters. After an unconditional transfer (`br`, `br_table`, `return`,
//! `unreachable`) the translator is in *unreachable* mode: it emits nothing and only tracks the
//! nesting of the constructs it skips, so no unreachable block is ever created.
//!
//! Blocks are created *detached* and enter the layout when code starts being emitted into them,
//! so the layout order is the order of the wasm code. The block after a `block`/`loop`/`if` is
//! created only when something branches to it; when the only way to reach the `end` is falling
//! through, translation simply continues in the current block.

use crate::error::FrontendError;
use crate::types::{ref_type, val_type, Types};
use wasmparser::{BlockType, FunctionBody, MemArg, Operator};
use zkc_ir::ssa::{remove_trivial_params, SsaBuilder};
use zkc_ir::EntityRef;
use zkc_ir::{
    BinaryOp, Block, BlockCall, CmpOp, ConvOp, DataId, ElemId, FuncId, Function, GlobalId, Module,
    Op, SigId, Signature, SrcLoc, TableId, TermKind, TrapCode, Type, UnaryOp, Value,
};

enum FrameKind {
    /// The function body; branching to it returns.
    Function,
    Block,
    Loop {
        header: Block,
    },
    If {
        /// The block whose terminator is the `brif` of the `if`.
        head: Block,
        /// The values of the `if`'s parameters, pushed again at `else`.
        param_values: Vec<Value>,
        /// Whether an `else` was seen.
        has_else: bool,
        /// The false edge goes straight to the destination (no `else` seen yet, and the
        /// parameter types equal the result types); `else` retargets it.
        else_to_dest: bool,
        /// The block created for the `else` arm when the false edge cannot go to the destination.
        else_block: Option<Block>,
    },
    /// A construct inside unreachable code: only its nesting is tracked.
    Dead,
}

struct Frame {
    kind: FrameKind,
    /// The block after the `end` (for the function frame: the return block), created on demand.
    dest: Option<Block>,
    params: Vec<Type>,
    results: Vec<Type>,
    /// Stack height below the frame's parameters.
    base: usize,
}

/// Reusable state for translating function bodies.
pub struct FuncTranslator {
    stack: Vec<Value>,
    control: Vec<Frame>,
}

struct State<'m> {
    module: &'m Module,
    /// The signatures of `call_indirect`s that `module.sigs` lacks, in the order met: the
    /// function refers to the `k`th as `SigId(module.sigs.len() + k)` until the caller interns
    /// them ([`renumber_sigs`]). Functions are translated side by side, each reading the module.
    new_sigs: Vec<Signature>,
    types: &'m Types,
    func: Function,
    ssa: SsaBuilder,
    stack: Vec<Value>,
    control: Vec<Frame>,
    /// The block being filled; meaningful only when `reachable`.
    cur: Block,
    reachable: bool,
    /// Offset of the operator being translated.
    loc: SrcLoc,
    offset: u64,
    /// Number of results of the function.
    num_results: usize,
}

impl FuncTranslator {
    pub fn new() -> Self {
        FuncTranslator {
            stack: Vec::new(),
            control: Vec::new(),
        }
    }

    /// The IR of function `id`'s body, and the signatures it uses that `module` lacks (see
    /// [`renumber_sigs`]).
    pub fn translate(
        &mut self,
        module: &Module,
        types: &Types,
        id: FuncId,
        body: &FunctionBody,
    ) -> Result<(Function, Vec<Signature>), FrontendError> {
        let sig = module.funcs[id].sig.clone();
        let mut func = Function::new();
        let entry = func.create_block();
        let mut var_types = Vec::new();
        for &ty in &sig.params {
            var_types.push(ty);
        }
        let params: Vec<Value> = sig
            .params
            .iter()
            .map(|&ty| func.append_block_param(entry, ty))
            .collect();
        let mut locals = body.get_locals_reader()?;
        for _ in 0..locals.get_count() {
            let offset = locals.original_position();
            let (n, ty) = locals.read()?;
            let ty = val_type(ty, offset)?;
            var_types.extend(std::iter::repeat_n(ty, n as usize));
        }
        let mut ssa = SsaBuilder::new(var_types, entry);
        for (i, &p) in params.iter().enumerate() {
            ssa.def_var(i as u32, entry, p);
        }
        self.stack.clear();
        self.control.clear();
        let mut st = State {
            module,
            new_sigs: Vec::new(),
            types,
            func,
            ssa,
            stack: std::mem::take(&mut self.stack),
            control: std::mem::take(&mut self.control),
            cur: entry,
            reachable: true,
            loc: SrcLoc::NONE,
            offset: 0,
            num_results: sig.results.len(),
        };
        st.control.push(Frame {
            kind: FrameKind::Function,
            dest: None,
            params: vec![],
            results: sig.results.clone(),
            base: 0,
        });
        let mut ops = body.get_operators_reader()?;
        while !ops.eof() {
            let (op, offset) = ops.read_with_offset()?;
            st.offset = offset;
            st.loc = SrcLoc::new(offset as u32);
            st.op(op)?;
        }
        let State {
            mut func,
            mut ssa,
            stack,
            control,
            new_sigs,
            ..
        } = st;
        ssa.finish(&mut func);
        remove_trivial_params(&mut func);
        self.stack = stack;
        self.control = control;
        Ok((func, new_sigs))
    }
}

/// Interns the signatures a function translated with [`FuncTranslator::translate`] used and
/// the module lacked (`new`, numbered from `base`, the module's count of signatures then), and
/// renumbers its `call_indirect`s to them. Done for the functions in their order, this numbers
/// the module's signatures as translating them one after the other would.
pub fn renumber_sigs(module: &mut Module, base: usize, func: &mut Function, new: &[Signature]) {
    if new.is_empty() {
        return;
    }
    let ids: Vec<SigId> = new.iter().map(|s| module.intern_sig(s)).collect();
    for (_, d) in func.insts.iter_mut() {
        if let Op::CallIndirect { sig, .. } = &mut d.op {
            if sig.index() >= base {
                *sig = ids[sig.index() - base];
            }
        }
    }
}

impl Default for FuncTranslator {
    fn default() -> Self {
        Self::new()
    }
}

impl State<'_> {
    fn pop(&mut self) -> Value {
        self.stack
            .pop()
            .expect("validated: operand stack underflow")
    }

    fn popn(&mut self, n: usize) -> Vec<Value> {
        let at = self.stack.len() - n;
        self.stack.split_off(at)
    }

    fn peekn(&self, n: usize) -> &[Value] {
        &self.stack[self.stack.len() - n..]
    }

    fn ins(&mut self, op: Op, args: &[Value], results: &[Type]) -> &[Value] {
        let inst = self.func.append_inst(self.cur, op, args, results, self.loc);
        self.func.inst_results(inst)
    }

    fn push1(&mut self, op: Op, args: &[Value], ty: Type) {
        let v = self.ins(op, args, &[ty])[0];
        self.stack.push(v);
    }

    fn unary(&mut self, op: UnaryOp, ty: Type) {
        let a = self.pop();
        let rty = if op == UnaryOp::Eqz { Type::I32 } else { ty };
        self.push1(Op::Unary { op, ty }, &[a], rty);
    }

    fn binary(&mut self, op: BinaryOp, ty: Type) {
        let b = self.pop();
        let a = self.pop();
        self.push1(Op::Binary { op, ty }, &[a, b], ty);
    }

    fn compare(&mut self, op: CmpOp, ty: Type) {
        let b = self.pop();
        let a = self.pop();
        self.push1(Op::Compare { op, ty }, &[a, b], Type::I32);
    }

    fn convert(&mut self, op: ConvOp) {
        let a = self.pop();
        self.push1(Op::Convert(op), &[a], op.types().1);
    }

    fn constant(&mut self, ty: Type, bits: u64) {
        self.push1(
            Op::Const {
                ty,
                bits: ty.truncate(bits),
            },
            &[],
            ty,
        );
    }

    fn load(&mut self, ty: Type, width: u8, signed: bool, m: MemArg) -> Result<(), FrontendError> {
        let offset = self.mem_offset(&m)?;
        let a = self.pop();
        self.push1(
            Op::Load {
                ty,
                width,
                signed,
                offset,
                notrap: false,
            },
            &[a],
            ty,
        );
        Ok(())
    }

    fn store(&mut self, ty: Type, width: u8, m: MemArg) -> Result<(), FrontendError> {
        let offset = self.mem_offset(&m)?;
        let v = self.pop();
        let a = self.pop();
        self.ins(
            Op::Store {
                ty,
                width,
                offset,
                notrap: false,
            },
            &[a, v],
            &[],
        );
        Ok(())
    }

    fn mem_offset(&self, m: &MemArg) -> Result<u32, FrontendError> {
        match m.target {
            wasmparser::MemArgTarget::Memory(mem) => self.memory_index(mem)?,
            wasmparser::MemArgTarget::Array(_) => return self.unsupported("GC", "array access"),
        }
        u32::try_from(m.offset).map_err(|_| FrontendError::unsupported("memory64", self.offset))
    }

    fn memory_index(&self, mem: u32) -> Result<(), FrontendError> {
        if mem != 0 {
            return Err(FrontendError::unsupported("multiple memories", self.offset));
        }
        Ok(())
    }

    fn unsupported<T>(&self, feature: &str, what: &str) -> Result<T, FrontendError> {
        let mut e = FrontendError::unsupported(feature, self.offset);
        e.message = what.to_string();
        Err(e)
    }

    /// Ends the current block with `kind` and records its edges.
    fn terminate(&mut self, kind: TermKind) {
        self.func.set_terminator(self.cur, kind, self.loc);
        self.ssa.declare_edges(&self.func, self.cur);
    }

    /// Places `block` in the layout and continues there.
    fn switch_to(&mut self, block: Block) {
        self.func.layout.push(block);
        self.cur = block;
        self.reachable = true;
    }

    fn new_block(&mut self) -> Block {
        self.func.create_detached_block()
    }

    fn block_type(&self, bt: BlockType) -> Result<(Vec<Type>, Vec<Type>), FrontendError> {
        match bt {
            BlockType::Empty => Ok((vec![], vec![])),
            BlockType::Type(t) => Ok((vec![], vec![val_type(t, self.offset)?])),
            BlockType::FuncType(i) => {
                let s = self.types.sig(i, self.offset)?;
                Ok((s.params.clone(), s.results.clone()))
            }
        }
    }

    /// The destination block of frame `idx`, created with parameters for the results.
    fn dest_of(&mut self, idx: usize) -> Block {
        if let Some(b) = self.control[idx].dest {
            return b;
        }
        let results = std::mem::take(&mut self.control[idx].results);
        let b = self.make_dest(&results);
        self.control[idx].results = results;
        self.control[idx].dest = Some(b);
        b
    }

    fn make_dest(&mut self, results: &[Type]) -> Block {
        let b = self.func.create_detached_block();
        for &ty in results {
            self.func.append_block_param(b, ty);
        }
        b
    }

    /// The block and arity a branch to relative depth `depth` targets.
    fn branch_target(&mut self, depth: u32) -> (Block, usize) {
        let idx = self.control.len() - 1 - depth as usize;
        match &self.control[idx].kind {
            FrameKind::Loop { header } => (*header, self.control[idx].params.len()),
            _ => {
                let n = self.control[idx].results.len();
                (self.dest_of(idx), n)
            }
        }
    }

    fn is_function_frame(&self, depth: u32) -> bool {
        depth as usize == self.control.len() - 1
    }

    fn do_return(&mut self) {
        let n = self.num_results;
        let vals = self.peekn(n).to_vec();
        self.terminate(TermKind::Return(vals));
        self.reachable = false;
    }

    fn op(&mut self, op: Operator) -> Result<(), FrontendError> {
        if !self.reachable {
            return self.op_unreachable(op);
        }
        use BinaryOp as B;
        use CmpOp as C;
        use ConvOp as V;
        use Type::*;
        use UnaryOp as U;
        match op {
            Operator::Unreachable => {
                self.terminate(TermKind::Trap(TrapCode::Unreachable));
                self.reachable = false;
            }
            Operator::Nop => {}
            Operator::Block { blockty } => {
                let (params, results) = self.block_type(blockty)?;
                let base = self.stack.len() - params.len();
                self.control.push(Frame {
                    kind: FrameKind::Block,
                    dest: None,
                    params,
                    results,
                    base,
                });
            }
            Operator::Loop { blockty } => {
                let (params, results) = self.block_type(blockty)?;
                let header = self.new_block();
                let header_params: Vec<Value> = params
                    .iter()
                    .map(|&t| self.func.append_block_param(header, t))
                    .collect();
                let args = self.popn(params.len());
                let base = self.stack.len();
                self.terminate(TermKind::Jump(BlockCall::new(header, args)));
                self.switch_to(header);
                self.stack.extend(header_params);
                self.control.push(Frame {
                    kind: FrameKind::Loop { header },
                    dest: None,
                    params,
                    results,
                    base,
                });
            }
            Operator::If { blockty } => {
                let (params, results) = self.block_type(blockty)?;
                let cond = self.pop();
                let base = self.stack.len() - params.len();
                let param_values = self.peekn(params.len()).to_vec();
                let then_block = self.new_block();
                let head = self.cur;
                let else_to_dest = params == results;
                let mut frame = Frame {
                    kind: FrameKind::Block,
                    dest: None,
                    params,
                    results,
                    base,
                };
                let (else_block, else_call) = if else_to_dest {
                    let dest = self.make_dest(&frame.results);
                    frame.dest = Some(dest);
                    (None, BlockCall::new(dest, param_values.clone()))
                } else {
                    let b = self.new_block();
                    (Some(b), BlockCall::new(b, vec![]))
                };
                frame.kind = FrameKind::If {
                    head,
                    param_values,
                    has_else: false,
                    else_to_dest,
                    else_block,
                };
                self.terminate(TermKind::Brif {
                    cond,
                    then_dest: BlockCall::new(then_block, vec![]),
                    else_dest: else_call,
                });
                self.ssa.seal(&mut self.func, then_block);
                self.switch_to(then_block);
                self.control.push(frame);
            }
            Operator::Else => self.else_()?,
            Operator::End => self.end()?,
            Operator::Br { relative_depth } => {
                if self.is_function_frame(relative_depth) {
                    self.do_return();
                } else {
                    let (target, n) = self.branch_target(relative_depth);
                    let args = self.peekn(n).to_vec();
                    self.terminate(TermKind::Jump(BlockCall::new(target, args)));
                    self.reachable = false;
                }
            }
            Operator::BrIf { relative_depth } => {
                let cond = self.pop();
                let (target, n) = self.branch_target(relative_depth);
                let args = self.peekn(n).to_vec();
                let next = self.new_block();
                self.terminate(TermKind::Brif {
                    cond,
                    then_dest: BlockCall::new(target, args),
                    else_dest: BlockCall::new(next, vec![]),
                });
                self.ssa.seal(&mut self.func, next);
                self.switch_to(next);
            }
            Operator::BrTable { targets } => {
                let index = self.pop();
                let mut calls = Vec::with_capacity(targets.len() as usize);
                for depth in targets.targets() {
                    let (b, n) = self.branch_target(depth?);
                    calls.push(BlockCall::new(b, self.peekn(n).to_vec()));
                }
                let (b, n) = self.branch_target(targets.default());
                let default = BlockCall::new(b, self.peekn(n).to_vec());
                self.terminate(TermKind::BrTable {
                    index,
                    targets: calls,
                    default,
                });
                self.reachable = false;
            }
            Operator::Return => self.do_return(),
            Operator::Call { function_index } => {
                let f = FuncId::from_u32(function_index);
                let sig = self.module.funcs[f].sig.clone();
                let args = self.popn(sig.params.len());
                let res = self.ins(Op::Call(f), &args, &sig.results).to_vec();
                self.stack.extend(res);
            }
            Operator::CallIndirect {
                type_index,
                table_index,
            } => {
                let sig = self.types.sig(type_index, self.offset)?.clone();
                let sig_id = match self.module.sigs.iter().find(|(_, s)| **s == sig) {
                    Some((id, _)) => id,
                    None => {
                        let k =
                            (self.new_sigs.iter().position(|s| *s == sig)).unwrap_or_else(|| {
                                self.new_sigs.push(sig.clone());
                                self.new_sigs.len() - 1
                            });
                        SigId::new(self.module.sigs.len() + k)
                    }
                };
                let index = self.pop();
                let mut args = self.popn(sig.params.len());
                args.push(index);
                let op = Op::CallIndirect {
                    table: TableId::from_u32(table_index),
                    sig: sig_id,
                };
                let res = self.ins(op, &args, &sig.results).to_vec();
                self.stack.extend(res);
            }
            Operator::Drop => {
                self.pop();
            }
            Operator::Select => self.select(),
            Operator::TypedSelect { ty } => {
                val_type(ty, self.offset)?;
                self.select();
            }
            Operator::TypedSelectMulti { .. } => {
                return self.unsupported("multi-value select", "select with several result types")
            }
            Operator::LocalGet { local_index } => {
                let v = self.ssa.use_var(&mut self.func, local_index, self.cur);
                self.stack.push(v);
            }
            Operator::LocalSet { local_index } => {
                let v = self.pop();
                self.ssa.def_var(local_index, self.cur, v);
            }
            Operator::LocalTee { local_index } => {
                let v = *self.stack.last().expect("validated");
                self.ssa.def_var(local_index, self.cur, v);
            }
            Operator::GlobalGet { global_index } => {
                let g = GlobalId::from_u32(global_index);
                let ty = self.module.globals[g].ty;
                self.push1(Op::GlobalGet(g), &[], ty);
            }
            Operator::GlobalSet { global_index } => {
                let v = self.pop();
                self.ins(Op::GlobalSet(GlobalId::from_u32(global_index)), &[v], &[]);
            }
            Operator::I32Load { memarg } => self.load(I32, 4, false, memarg)?,
            Operator::I64Load { memarg } => self.load(I64, 8, false, memarg)?,
            Operator::F32Load { memarg } => self.load(F32, 4, false, memarg)?,
            Operator::F64Load { memarg } => self.load(F64, 8, false, memarg)?,
            Operator::I32Load8S { memarg } => self.load(I32, 1, true, memarg)?,
            Operator::I32Load8U { memarg } => self.load(I32, 1, false, memarg)?,
            Operator::I32Load16S { memarg } => self.load(I32, 2, true, memarg)?,
            Operator::I32Load16U { memarg } => self.load(I32, 2, false, memarg)?,
            Operator::I64Load8S { memarg } => self.load(I64, 1, true, memarg)?,
            Operator::I64Load8U { memarg } => self.load(I64, 1, false, memarg)?,
            Operator::I64Load16S { memarg } => self.load(I64, 2, true, memarg)?,
            Operator::I64Load16U { memarg } => self.load(I64, 2, false, memarg)?,
            Operator::I64Load32S { memarg } => self.load(I64, 4, true, memarg)?,
            Operator::I64Load32U { memarg } => self.load(I64, 4, false, memarg)?,
            Operator::I32Store { memarg } => self.store(I32, 4, memarg)?,
            Operator::I64Store { memarg } => self.store(I64, 8, memarg)?,
            Operator::F32Store { memarg } => self.store(F32, 4, memarg)?,
            Operator::F64Store { memarg } => self.store(F64, 8, memarg)?,
            Operator::I32Store8 { memarg } => self.store(I32, 1, memarg)?,
            Operator::I32Store16 { memarg } => self.store(I32, 2, memarg)?,
            Operator::I64Store8 { memarg } => self.store(I64, 1, memarg)?,
            Operator::I64Store16 { memarg } => self.store(I64, 2, memarg)?,
            Operator::I64Store32 { memarg } => self.store(I64, 4, memarg)?,
            Operator::MemorySize { mem } => {
                self.memory_index(mem)?;
                self.push1(Op::MemorySize, &[], I32);
            }
            Operator::MemoryGrow { mem } => {
                self.memory_index(mem)?;
                let n = self.pop();
                self.push1(Op::MemoryGrow, &[n], I32);
            }
            Operator::I32Const { value } => self.constant(I32, value as u32 as u64),
            Operator::I64Const { value } => self.constant(I64, value as u64),
            Operator::F32Const { value } => self.constant(F32, value.bits() as u64),
            Operator::F64Const { value } => self.constant(F64, value.bits()),

            Operator::I32Eqz => self.unary(U::Eqz, I32),
            Operator::I32Eq => self.compare(C::Eq, I32),
            Operator::I32Ne => self.compare(C::Ne, I32),
            Operator::I32LtS => self.compare(C::LtS, I32),
            Operator::I32LtU => self.compare(C::LtU, I32),
            Operator::I32GtS => self.compare(C::GtS, I32),
            Operator::I32GtU => self.compare(C::GtU, I32),
            Operator::I32LeS => self.compare(C::LeS, I32),
            Operator::I32LeU => self.compare(C::LeU, I32),
            Operator::I32GeS => self.compare(C::GeS, I32),
            Operator::I32GeU => self.compare(C::GeU, I32),
            Operator::I64Eqz => self.unary(U::Eqz, I64),
            Operator::I64Eq => self.compare(C::Eq, I64),
            Operator::I64Ne => self.compare(C::Ne, I64),
            Operator::I64LtS => self.compare(C::LtS, I64),
            Operator::I64LtU => self.compare(C::LtU, I64),
            Operator::I64GtS => self.compare(C::GtS, I64),
            Operator::I64GtU => self.compare(C::GtU, I64),
            Operator::I64LeS => self.compare(C::LeS, I64),
            Operator::I64LeU => self.compare(C::LeU, I64),
            Operator::I64GeS => self.compare(C::GeS, I64),
            Operator::I64GeU => self.compare(C::GeU, I64),
            Operator::F32Eq => self.compare(C::Eq, F32),
            Operator::F32Ne => self.compare(C::Ne, F32),
            Operator::F32Lt => self.compare(C::Lt, F32),
            Operator::F32Gt => self.compare(C::Gt, F32),
            Operator::F32Le => self.compare(C::Le, F32),
            Operator::F32Ge => self.compare(C::Ge, F32),
            Operator::F64Eq => self.compare(C::Eq, F64),
            Operator::F64Ne => self.compare(C::Ne, F64),
            Operator::F64Lt => self.compare(C::Lt, F64),
            Operator::F64Gt => self.compare(C::Gt, F64),
            Operator::F64Le => self.compare(C::Le, F64),
            Operator::F64Ge => self.compare(C::Ge, F64),

            Operator::I32Clz => self.unary(U::Clz, I32),
            Operator::I32Ctz => self.unary(U::Ctz, I32),
            Operator::I32Popcnt => self.unary(U::Popcnt, I32),
            Operator::I32Add => self.binary(B::Add, I32),
            Operator::I32Sub => self.binary(B::Sub, I32),
            Operator::I32Mul => self.binary(B::Mul, I32),
            Operator::I32DivS => self.binary(B::DivS, I32),
            Operator::I32DivU => self.binary(B::DivU, I32),
            Operator::I32RemS => self.binary(B::RemS, I32),
            Operator::I32RemU => self.binary(B::RemU, I32),
            Operator::I32And => self.binary(B::And, I32),
            Operator::I32Or => self.binary(B::Or, I32),
            Operator::I32Xor => self.binary(B::Xor, I32),
            Operator::I32Shl => self.binary(B::Shl, I32),
            Operator::I32ShrS => self.binary(B::ShrS, I32),
            Operator::I32ShrU => self.binary(B::ShrU, I32),
            Operator::I32Rotl => self.binary(B::Rotl, I32),
            Operator::I32Rotr => self.binary(B::Rotr, I32),
            Operator::I64Clz => self.unary(U::Clz, I64),
            Operator::I64Ctz => self.unary(U::Ctz, I64),
            Operator::I64Popcnt => self.unary(U::Popcnt, I64),
            Operator::I64Add => self.binary(B::Add, I64),
            Operator::I64Sub => self.binary(B::Sub, I64),
            Operator::I64Mul => self.binary(B::Mul, I64),
            Operator::I64DivS => self.binary(B::DivS, I64),
            Operator::I64DivU => self.binary(B::DivU, I64),
            Operator::I64RemS => self.binary(B::RemS, I64),
            Operator::I64RemU => self.binary(B::RemU, I64),
            Operator::I64And => self.binary(B::And, I64),
            Operator::I64Or => self.binary(B::Or, I64),
            Operator::I64Xor => self.binary(B::Xor, I64),
            Operator::I64Shl => self.binary(B::Shl, I64),
            Operator::I64ShrS => self.binary(B::ShrS, I64),
            Operator::I64ShrU => self.binary(B::ShrU, I64),
            Operator::I64Rotl => self.binary(B::Rotl, I64),
            Operator::I64Rotr => self.binary(B::Rotr, I64),
            Operator::F32Abs => self.unary(U::Abs, F32),
            Operator::F32Neg => self.unary(U::Neg, F32),
            Operator::F32Ceil => self.unary(U::Ceil, F32),
            Operator::F32Floor => self.unary(U::Floor, F32),
            Operator::F32Trunc => self.unary(U::Trunc, F32),
            Operator::F32Nearest => self.unary(U::Nearest, F32),
            Operator::F32Sqrt => self.unary(U::Sqrt, F32),
            Operator::F32Add => self.binary(B::Add, F32),
            Operator::F32Sub => self.binary(B::Sub, F32),
            Operator::F32Mul => self.binary(B::Mul, F32),
            Operator::F32Div => self.binary(B::Div, F32),
            Operator::F32Min => self.binary(B::Min, F32),
            Operator::F32Max => self.binary(B::Max, F32),
            Operator::F32Copysign => self.binary(B::Copysign, F32),
            Operator::F64Abs => self.unary(U::Abs, F64),
            Operator::F64Neg => self.unary(U::Neg, F64),
            Operator::F64Ceil => self.unary(U::Ceil, F64),
            Operator::F64Floor => self.unary(U::Floor, F64),
            Operator::F64Trunc => self.unary(U::Trunc, F64),
            Operator::F64Nearest => self.unary(U::Nearest, F64),
            Operator::F64Sqrt => self.unary(U::Sqrt, F64),
            Operator::F64Add => self.binary(B::Add, F64),
            Operator::F64Sub => self.binary(B::Sub, F64),
            Operator::F64Mul => self.binary(B::Mul, F64),
            Operator::F64Div => self.binary(B::Div, F64),
            Operator::F64Min => self.binary(B::Min, F64),
            Operator::F64Max => self.binary(B::Max, F64),
            Operator::F64Copysign => self.binary(B::Copysign, F64),

            Operator::I32WrapI64 => self.convert(V::I32WrapI64),
            Operator::I32TruncF32S => self.convert(V::I32TruncF32S),
            Operator::I32TruncF32U => self.convert(V::I32TruncF32U),
            Operator::I32TruncF64S => self.convert(V::I32TruncF64S),
            Operator::I32TruncF64U => self.convert(V::I32TruncF64U),
            Operator::I64ExtendI32S => self.convert(V::I64ExtendI32S),
            Operator::I64ExtendI32U => self.convert(V::I64ExtendI32U),
            Operator::I64TruncF32S => self.convert(V::I64TruncF32S),
            Operator::I64TruncF32U => self.convert(V::I64TruncF32U),
            Operator::I64TruncF64S => self.convert(V::I64TruncF64S),
            Operator::I64TruncF64U => self.convert(V::I64TruncF64U),
            Operator::F32ConvertI32S => self.convert(V::F32ConvertI32S),
            Operator::F32ConvertI32U => self.convert(V::F32ConvertI32U),
            Operator::F32ConvertI64S => self.convert(V::F32ConvertI64S),
            Operator::F32ConvertI64U => self.convert(V::F32ConvertI64U),
            Operator::F32DemoteF64 => self.convert(V::F32DemoteF64),
            Operator::F64ConvertI32S => self.convert(V::F64ConvertI32S),
            Operator::F64ConvertI32U => self.convert(V::F64ConvertI32U),
            Operator::F64ConvertI64S => self.convert(V::F64ConvertI64S),
            Operator::F64ConvertI64U => self.convert(V::F64ConvertI64U),
            Operator::F64PromoteF32 => self.convert(V::F64PromoteF32),
            Operator::I32ReinterpretF32 => self.convert(V::I32ReinterpretF32),
            Operator::I64ReinterpretF64 => self.convert(V::I64ReinterpretF64),
            Operator::F32ReinterpretI32 => self.convert(V::F32ReinterpretI32),
            Operator::F64ReinterpretI64 => self.convert(V::F64ReinterpretI64),

            Operator::I32Extend8S => self.unary(U::Extend8S, I32),
            Operator::I32Extend16S => self.unary(U::Extend16S, I32),
            Operator::I64Extend8S => self.unary(U::Extend8S, I64),
            Operator::I64Extend16S => self.unary(U::Extend16S, I64),
            Operator::I64Extend32S => self.unary(U::Extend32S, I64),

            Operator::I32TruncSatF32S => self.convert(V::I32TruncSatF32S),
            Operator::I32TruncSatF32U => self.convert(V::I32TruncSatF32U),
            Operator::I32TruncSatF64S => self.convert(V::I32TruncSatF64S),
            Operator::I32TruncSatF64U => self.convert(V::I32TruncSatF64U),
            Operator::I64TruncSatF32S => self.convert(V::I64TruncSatF32S),
            Operator::I64TruncSatF32U => self.convert(V::I64TruncSatF32U),
            Operator::I64TruncSatF64S => self.convert(V::I64TruncSatF64S),
            Operator::I64TruncSatF64U => self.convert(V::I64TruncSatF64U),

            Operator::MemoryInit { data_index, mem } => {
                self.memory_index(mem)?;
                let args = self.popn(3);
                self.ins(Op::MemoryInit(DataId::from_u32(data_index)), &args, &[]);
            }
            Operator::DataDrop { data_index } => {
                self.ins(Op::DataDrop(DataId::from_u32(data_index)), &[], &[]);
            }
            Operator::MemoryCopy { dst_mem, src_mem } => {
                self.memory_index(dst_mem)?;
                self.memory_index(src_mem)?;
                let args = self.popn(3);
                self.ins(Op::MemoryCopy, &args, &[]);
            }
            Operator::MemoryFill { mem } => {
                self.memory_index(mem)?;
                let args = self.popn(3);
                self.ins(Op::MemoryFill, &args, &[]);
            }
            Operator::TableInit { elem_index, table } => {
                let args = self.popn(3);
                let op = Op::TableInit {
                    table: TableId::from_u32(table),
                    elem: ElemId::from_u32(elem_index),
                };
                self.ins(op, &args, &[]);
            }
            Operator::ElemDrop { elem_index } => {
                self.ins(Op::ElemDrop(ElemId::from_u32(elem_index)), &[], &[]);
            }
            Operator::TableCopy {
                dst_table,
                src_table,
            } => {
                let args = self.popn(3);
                let op = Op::TableCopy {
                    dst: TableId::from_u32(dst_table),
                    src: TableId::from_u32(src_table),
                };
                self.ins(op, &args, &[]);
            }
            Operator::TableSize { table } => {
                self.push1(Op::TableSize(TableId::from_u32(table)), &[], I32);
            }
            Operator::RefNull { hty } => {
                let r = wasmparser::RefType::new(true, hty).ok_or_else(|| {
                    FrontendError::unsupported("function references", self.offset)
                })?;
                let ty = ref_type(r, self.offset)?;
                self.push1(Op::RefNull(ty), &[], ty);
            }
            Operator::RefIsNull => {
                let r = self.pop();
                let ty = self.func.value_type(r);
                self.push1(Op::RefIsNull(ty), &[r], I32);
            }
            Operator::RefFunc { function_index } => {
                self.push1(
                    Op::RefFunc(FuncId::from_u32(function_index)),
                    &[],
                    Type::FuncRef,
                );
            }
            Operator::TableGet { table } => {
                let t = TableId::from_u32(table);
                let i = self.pop();
                let ty = self.module.tables[t].ty;
                self.push1(Op::TableGet(t), &[i], ty);
            }
            Operator::TableSet { table } => {
                let args = self.popn(2);
                self.ins(Op::TableSet(TableId::from_u32(table)), &args, &[]);
            }
            Operator::TableGrow { table } => {
                let args = self.popn(2);
                self.push1(Op::TableGrow(TableId::from_u32(table)), &args, I32);
            }
            Operator::TableFill { table } => {
                let args = self.popn(3);
                self.ins(Op::TableFill(TableId::from_u32(table)), &args, &[]);
            }
            other => match feature_of(&other) {
                Some(f) => return self.unsupported(f, &op_name(&other)),
                None => return Err(unsupported_op(&other, self.offset)),
            },
        }
        Ok(())
    }

    fn select(&mut self) {
        let c = self.pop();
        let b = self.pop();
        let a = self.pop();
        let ty = self.func.value_type(a);
        self.push1(Op::Select { ty }, &[a, b, c], ty);
    }

    fn op_unreachable(&mut self, op: Operator) -> Result<(), FrontendError> {
        match op {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                self.control.push(Frame {
                    kind: FrameKind::Dead,
                    dest: None,
                    params: vec![],
                    results: vec![],
                    base: 0,
                });
                Ok(())
            }
            Operator::Else => self.else_(),
            Operator::End => self.end(),
            // Refuse unsupported operators even in dead code, so acceptance does not depend
            // on reachability.
            other => match feature_of(&other) {
                Some(f) => self.unsupported(f, &op_name(&other)),
                None => Ok(()),
            },
        }
    }

    fn else_(&mut self) -> Result<(), FrontendError> {
        let idx = self.control.len() - 1;
        if matches!(self.control[idx].kind, FrameKind::Dead) {
            return Ok(());
        }
        // The `then` arm falls through to the destination.
        if self.reachable {
            let n = self.control[idx].results.len();
            let dest = self.dest_of(idx);
            let args = self.popn(n);
            self.terminate(TermKind::Jump(BlockCall::new(dest, args)));
        }
        let base = self.control[idx].base;
        let dest = self.control[idx].dest;
        let FrameKind::If {
            head,
            param_values,
            has_else,
            else_to_dest,
            else_block,
        } = &mut self.control[idx].kind
        else {
            unreachable!("validated: else without if")
        };
        *has_else = true;
        let values = param_values.clone();
        let head = *head;
        let else_block = match else_block.take() {
            Some(b) => b,
            None => {
                debug_assert!(*else_to_dest);
                *else_to_dest = false;
                let b = self.func.create_detached_block();
                let dest = dest.expect("created with the false edge");
                let term = self.func.blocks[head]
                    .term
                    .as_mut()
                    .expect("if head has its brif");
                if let TermKind::Brif { else_dest, .. } = &mut term.kind {
                    *else_dest = BlockCall::new(b, vec![]);
                }
                self.ssa.retarget_edge(&self.func, head, dest, b);
                b
            }
        };
        self.stack.truncate(base);
        self.stack.extend(values);
        self.ssa.seal(&mut self.func, else_block);
        self.switch_to(else_block);
        Ok(())
    }

    fn end(&mut self) -> Result<(), FrontendError> {
        let frame = self.control.pop().expect("validated: end without a frame");
        match frame.kind {
            FrameKind::Dead => return Ok(()),
            FrameKind::Function => {
                if self.reachable {
                    self.do_return();
                }
                if let Some(exit) = frame.dest {
                    // Branches to the function label (`br_if`/`br_table`) go to this block.
                    self.ssa.seal(&mut self.func, exit);
                    self.switch_to(exit);
                    let params = self.func.blocks[exit].params.clone();
                    self.terminate(TermKind::Return(params));
                    self.reachable = false;
                }
                return Ok(());
            }
            FrameKind::Loop { header } => self.ssa.seal(&mut self.func, header),
            FrameKind::Block | FrameKind::If { .. } => {}
        }
        let n = frame.results.len();
        let Some(dest) = frame.dest else {
            // Nothing branches here: the results are already on the stack (or the end is
            // unreachable).
            if !self.reachable {
                self.stack.truncate(frame.base);
            }
            return Ok(());
        };
        if self.reachable {
            let args = self.popn(n);
            self.terminate(TermKind::Jump(BlockCall::new(dest, args)));
        }
        self.stack.truncate(frame.base);
        if !self.ssa.has_preds(dest) {
            self.reachable = false;
            return Ok(());
        }
        self.ssa.seal(&mut self.func, dest);
        self.switch_to(dest);
        let params = self.func.blocks[dest].params.clone();
        self.stack.extend(params);
        Ok(())
    }
}

/// The proposal an operator belongs to, for the operators zkc refuses.
fn feature_of(op: &Operator) -> Option<&'static str> {
    match op {
        Operator::TypedSelectMulti { .. } => Some("multi-value select"),
        Operator::CallRef { .. }
        | Operator::ReturnCallRef { .. }
        | Operator::RefAsNonNull
        | Operator::BrOnNull { .. }
        | Operator::BrOnNonNull { .. } => Some("function references"),
        _ => None,
    }
}

fn op_name(op: &Operator) -> String {
    let s = format!("{op:?}");
    s.split([' ', '{', '(']).next().unwrap_or("").to_string()
}

/// Operators of proposals the validator was told to reject never get here; this is the
/// fallback for anything else.
fn unsupported_op(op: &Operator, offset: u64) -> FrontendError {
    let mut e = FrontendError::unsupported("operator", offset);
    e.message = format!("operator {}", op_name(op));
    e
}

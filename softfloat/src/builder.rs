//! A small builder over [`Function`] for writing the routines in Rust: integer operations on
//! values or immediates, and structured early exits (`ret_if`, `trap_if`) so straight-line code
//! reads top to bottom.

use zkc_ir::{
    BinaryOp, Block, BlockCall, CmpOp, ConvOp, FuncId, Function, Op, SrcLoc, TermKind, TrapCode,
    Type, UnaryOp, Value,
};

/// An operand: an SSA value, or an immediate of the other operand's type.
#[derive(Copy, Clone)]
pub(crate) enum A {
    V(Value),
    K(u64),
}

impl From<Value> for A {
    fn from(v: Value) -> A {
        A::V(v)
    }
}
impl From<u64> for A {
    fn from(k: u64) -> A {
        A::K(k)
    }
}
impl From<i64> for A {
    fn from(k: i64) -> A {
        A::K(k as u64)
    }
}
impl From<u32> for A {
    fn from(k: u32) -> A {
        A::K(k as u64)
    }
}
impl From<i32> for A {
    fn from(k: i32) -> A {
        // An i32 immediate is its 32 bits; `Type::truncate` keeps i64 immediates whole.
        A::K(k as i64 as u64)
    }
}

pub(crate) struct Fb {
    pub f: Function,
    cur: Block,
}

impl Fb {
    /// A function with an entry block taking `params`.
    pub fn new(params: &[Type]) -> (Fb, Vec<Value>) {
        let mut f = Function::new();
        let b = f.create_block();
        let vs = params.iter().map(|&t| f.append_block_param(b, t)).collect();
        (Fb { f, cur: b }, vs)
    }

    pub fn finish(self) -> Function {
        self.f
    }

    fn inst(&mut self, op: Op, args: &[Value], tys: &[Type]) -> Option<Value> {
        let i = self.f.append_inst(self.cur, op, args, tys, SrcLoc::NONE);
        self.f.inst_results(i).first().copied()
    }

    pub fn konst(&mut self, ty: Type, bits: u64) -> Value {
        let bits = ty.truncate(bits);
        self.inst(Op::Const { ty, bits }, &[], &[ty]).unwrap()
    }

    fn val(&mut self, a: A, ty: Type) -> Value {
        match a {
            A::V(v) => v,
            A::K(k) => self.konst(ty, k),
        }
    }

    /// The type of a binary operation: that of its value operand (i64 for two immediates).
    fn ty2(&self, a: A, b: A) -> Type {
        match (a, b) {
            (A::V(v), _) | (_, A::V(v)) => self.f.value_type(v),
            _ => Type::I64,
        }
    }

    pub fn bin(&mut self, op: BinaryOp, a: impl Into<A>, b: impl Into<A>) -> Value {
        let (a, b) = (a.into(), b.into());
        let ty = self.ty2(a, b);
        let (a, b) = (self.val(a, ty), self.val(b, ty));
        self.inst(Op::Binary { op, ty }, &[a, b], &[ty]).unwrap()
    }

    pub fn cmp(&mut self, op: CmpOp, a: impl Into<A>, b: impl Into<A>) -> Value {
        let (a, b) = (a.into(), b.into());
        let ty = self.ty2(a, b);
        let (a, b) = (self.val(a, ty), self.val(b, ty));
        self.inst(Op::Compare { op, ty }, &[a, b], &[Type::I32])
            .unwrap()
    }

    pub fn un(&mut self, op: UnaryOp, a: Value) -> Value {
        let ty = self.f.value_type(a);
        let r = if op == UnaryOp::Eqz { Type::I32 } else { ty };
        self.inst(Op::Unary { op, ty }, &[a], &[r]).unwrap()
    }

    pub fn conv(&mut self, op: ConvOp, a: Value) -> Value {
        let r = op.types().1;
        self.inst(Op::Convert(op), &[a], &[r]).unwrap()
    }

    /// `c != 0 ? a : b`.
    pub fn select(&mut self, c: Value, a: impl Into<A>, b: impl Into<A>) -> Value {
        let (a, b) = (a.into(), b.into());
        let ty = self.ty2(a, b);
        let (a, b) = (self.val(a, ty), self.val(b, ty));
        self.inst(Op::Select { ty }, &[a, b, c], &[ty]).unwrap()
    }

    pub fn call(&mut self, f: FuncId, args: &[Value], result: Type) -> Value {
        self.inst(Op::Call(f), args, &[result]).unwrap()
    }

    // Integer shorthands.
    pub fn add(&mut self, a: impl Into<A>, b: impl Into<A>) -> Value {
        self.bin(BinaryOp::Add, a, b)
    }
    pub fn sub(&mut self, a: impl Into<A>, b: impl Into<A>) -> Value {
        self.bin(BinaryOp::Sub, a, b)
    }
    pub fn mul(&mut self, a: impl Into<A>, b: impl Into<A>) -> Value {
        self.bin(BinaryOp::Mul, a, b)
    }
    /// The high 64 bits of the unsigned 128-bit product (ZisK `muluh`).
    pub fn mul_hi_u(&mut self, a: impl Into<A>, b: impl Into<A>) -> Value {
        self.bin(BinaryOp::MulHiU, a, b)
    }
    pub fn and(&mut self, a: impl Into<A>, b: impl Into<A>) -> Value {
        self.bin(BinaryOp::And, a, b)
    }
    pub fn or(&mut self, a: impl Into<A>, b: impl Into<A>) -> Value {
        self.bin(BinaryOp::Or, a, b)
    }
    pub fn xor(&mut self, a: impl Into<A>, b: impl Into<A>) -> Value {
        self.bin(BinaryOp::Xor, a, b)
    }
    pub fn shl(&mut self, a: impl Into<A>, b: impl Into<A>) -> Value {
        self.bin(BinaryOp::Shl, a, b)
    }
    pub fn shr_u(&mut self, a: impl Into<A>, b: impl Into<A>) -> Value {
        self.bin(BinaryOp::ShrU, a, b)
    }
    pub fn shr_s(&mut self, a: impl Into<A>, b: impl Into<A>) -> Value {
        self.bin(BinaryOp::ShrS, a, b)
    }
    pub fn div_u(&mut self, a: impl Into<A>, b: impl Into<A>) -> Value {
        self.bin(BinaryOp::DivU, a, b)
    }
    pub fn rem_u(&mut self, a: impl Into<A>, b: impl Into<A>) -> Value {
        self.bin(BinaryOp::RemU, a, b)
    }
    pub fn eq(&mut self, a: impl Into<A>, b: impl Into<A>) -> Value {
        self.cmp(CmpOp::Eq, a, b)
    }
    pub fn ne(&mut self, a: impl Into<A>, b: impl Into<A>) -> Value {
        self.cmp(CmpOp::Ne, a, b)
    }
    pub fn lt_u(&mut self, a: impl Into<A>, b: impl Into<A>) -> Value {
        self.cmp(CmpOp::LtU, a, b)
    }
    pub fn gt_u(&mut self, a: impl Into<A>, b: impl Into<A>) -> Value {
        self.cmp(CmpOp::GtU, a, b)
    }
    pub fn ge_u(&mut self, a: impl Into<A>, b: impl Into<A>) -> Value {
        self.cmp(CmpOp::GeU, a, b)
    }
    pub fn lt_s(&mut self, a: impl Into<A>, b: impl Into<A>) -> Value {
        self.cmp(CmpOp::LtS, a, b)
    }
    pub fn eqz(&mut self, a: Value) -> Value {
        self.un(UnaryOp::Eqz, a)
    }
    pub fn clz(&mut self, a: Value) -> Value {
        self.un(UnaryOp::Clz, a)
    }
    /// An i32 truth value as an i64 0 or 1.
    pub fn b64(&mut self, c: Value) -> Value {
        self.conv(ConvOp::I64ExtendI32U, c)
    }
    pub fn wrap(&mut self, a: Value) -> Value {
        self.conv(ConvOp::I32WrapI64, a)
    }
    pub fn zext(&mut self, a: Value) -> Value {
        self.conv(ConvOp::I64ExtendI32U, a)
    }

    // Control flow.

    /// A new block with parameters of the given types (not current).
    pub fn block(&mut self, tys: &[Type]) -> (Block, Vec<Value>) {
        let b = self.f.create_block();
        let vs = tys
            .iter()
            .map(|&t| self.f.append_block_param(b, t))
            .collect();
        (b, vs)
    }

    pub fn switch_to(&mut self, b: Block) {
        self.cur = b;
    }

    fn term(&mut self, kind: TermKind) {
        self.f.set_terminator(self.cur, kind, SrcLoc::NONE);
    }

    pub fn jump(&mut self, b: Block, args: &[Value]) {
        self.term(TermKind::Jump(BlockCall::new(b, args.to_vec())));
    }

    pub fn brif(&mut self, c: Value, t: (Block, &[Value]), e: (Block, &[Value])) {
        self.term(TermKind::Brif {
            cond: c,
            then_dest: BlockCall::new(t.0, t.1.to_vec()),
            else_dest: BlockCall::new(e.0, e.1.to_vec()),
        });
    }

    pub fn ret(&mut self, vals: &[Value]) {
        self.term(TermKind::Return(vals.to_vec()));
    }

    pub fn trap(&mut self, code: TrapCode) {
        self.term(TermKind::Trap(code));
    }

    /// Returns `v` when `c` is true; building continues on the false path.
    pub fn ret_if(&mut self, c: Value, v: Value) {
        let (t, _) = self.block(&[]);
        let (k, _) = self.block(&[]);
        self.brif(c, (t, &[]), (k, &[]));
        self.switch_to(t);
        self.ret(&[v]);
        self.switch_to(k);
    }

    /// Traps with `code` when `c` is true; building continues on the false path.
    pub fn trap_if(&mut self, c: Value, code: TrapCode) {
        let (t, _) = self.block(&[]);
        let (k, _) = self.block(&[]);
        self.brif(c, (t, &[]), (k, &[]));
        self.switch_to(t);
        self.term(TermKind::Trap(code));
        self.switch_to(k);
    }

    /// Branches to a fresh block when `c` is true and returns it; building continues on the
    /// false path. The caller fills the returned block later (with `switch_to`).
    pub fn branch_off(&mut self, c: Value) -> Block {
        let (t, _) = self.block(&[]);
        let (k, _) = self.block(&[]);
        self.brif(c, (t, &[]), (k, &[]));
        self.switch_to(k);
        t
    }
}

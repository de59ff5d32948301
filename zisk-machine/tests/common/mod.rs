//! Short constructors for test programs.
#![allow(dead_code)]

use zkc_zisk_machine::program::DataDecl;
use zkc_zisk_machine::{
    ASrc, BSrc, Emulator, Flow, InstKind, Op, OpInst, Program, Rom, Status, Store, Sym, Target,
    Value,
};

pub fn ar(n: u8) -> ASrc<Value> {
    ASrc::Reg(n)
}
pub fn ai(v: u64) -> ASrc<Value> {
    ASrc::Imm(Value::Lit(v))
}
pub fn am(v: u64) -> ASrc<Value> {
    ASrc::Mem(Value::Lit(v))
}
pub fn asym(s: Sym, off: i64) -> ASrc<Value> {
    ASrc::Imm(Value::Sym(s, off))
}
pub fn br(n: u8) -> BSrc<Value> {
    BSrc::Reg(n)
}
pub fn bi(v: u64) -> BSrc<Value> {
    BSrc::Imm(Value::Lit(v))
}
pub fn bm(v: u64) -> BSrc<Value> {
    BSrc::Mem(Value::Lit(v))
}
pub fn bsym(s: Sym, off: i64) -> BSrc<Value> {
    BSrc::Imm(Value::Sym(s, off))
}
pub fn bmsym(s: Sym, off: i64) -> BSrc<Value> {
    BSrc::Mem(Value::Sym(s, off))
}
pub fn sr(n: u8) -> Store<Value> {
    Store::Reg(n)
}
pub fn sm(v: u64) -> Store<Value> {
    Store::Mem(Value::Lit(v))
}
pub fn smsym(s: Sym, off: i64) -> Store<Value> {
    Store::Mem(Value::Sym(s, off))
}
pub fn ac() -> ASrc<Value> {
    ASrc::C
}
pub fn astep() -> ASrc<Value> {
    ASrc::Step
}
pub fn bc() -> BSrc<Value> {
    BSrc::C
}
pub fn bind(off: i64) -> BSrc<Value> {
    BSrc::Ind(off)
}
pub fn sind(off: i64) -> Store<Value> {
    Store::Ind(off)
}
pub fn op(op: Op, a: ASrc<Value>, b: BSrc<Value>) -> OpInst {
    OpInst::new(op, a, b)
}
/// `copyb(0, v) -> rN`.
pub fn set(p: &mut Program, reg: u8, v: u64) {
    p.op(op(Op::CopyB, ai(0), bi(v)).to(sr(reg)));
}
pub fn j(taken: Sym, not_taken: Sym) -> Flow {
    Flow::Branch {
        taken: Target::Label(taken),
        not_taken: Target::Label(not_taken),
    }
}
pub fn call(p: &mut Program, label: &str) {
    let label = p.sym(label);
    p.inst(InstKind::Call(label), Some("call"));
}
pub fn ret(p: &mut Program) {
    p.inst(InstKind::Ret, None);
}
pub fn ret_to_bios(p: &mut Program) {
    p.inst(InstKind::RetToBios, None);
}
pub fn jump(p: &mut Program, label: &str) {
    let label = p.sym(label);
    p.inst(InstKind::Jump(label), None);
}
/// Appends the data declaration `name` of `words`.
pub fn data(p: &mut Program, name: &str, is_const: bool, words: &[u64]) {
    let name = p.sym(name);
    p.data(DataDecl {
        name,
        is_const,
        words: words.iter().map(|&w| Value::Lit(w)).collect(),
        len: words.len().max(1),
    });
}
/// Prints `text` byte by byte on the UART (r30 holds the UART address).
pub fn print(p: &mut Program, text: &str) {
    set(p, 30, 0xa040_0200);
    for b in text.bytes() {
        p.op(op(Op::CopyB, ar(30), bi(b as u64))
            .to(Store::Ind(0))
            .width(1));
    }
}

/// What `ziskemu -X -c` prints to stdout for `rom` and `input`, computed by our emulator.
pub fn expected_stdout(name: &str, rom: &Rom, input: &[u8]) -> String {
    let mut emu = Emulator::new(rom, input).unwrap_or_else(|e| panic!("{name}: {e}"));
    let outcome = emu.run(u64::MAX).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(outcome.status, Status::Ended, "{name}");
    emu.stdout_like_ziskemu()
}

//! Instruction selection: one IR function to [`VCode`], then allocation and emission.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use zkc_ir::{
    BinaryOp, Block, BlockCall, CmpOp, ConvOp, EntityRef, FuncId, Function, Inst, Module,
    Op as IrOp, SecondaryMap, TermKind, TrapCode, Type, UnaryOp, Value as IrValue,
};
use zkc_regalloc_mem::{CallInfo, VReg};

use super::checks::Checks;
use super::ext::{self, Ext, ExtFacts};
use super::layout::Plan;
use super::vcode::{MoveSrc, VCode, VInst, Wrapped, VA, VB, VS};
use super::{CodegenError, CodegenOptions, Layout};
use super::{ARG_REG0, ARG_REGS, EXIT_WORD};
use crate::mem_map::*;
use crate::program::{Flow, Sym, Target, Value};
use crate::Op;

/// `zisk.*` imports the selector lowers in place: `exit(status: i32)` ends the run; for the
/// accelerator runtime (`runtime/src/zkvm.zir`), `memcpy(dst: i64, src: i64, n: i64)` a
/// `dma_memcpy` and `zero(dst: i64, n: i64)` a `dma_xmemset` of zeros (absolute addresses),
/// `mem_base() -> i64` the address of linear memory's byte 0, `blake2b_round(v: i64, m: i64,
/// index: i64)` the `blake2b` precompile (an unchained round, `index` a constant in 0..10, its
/// static argument), and the [`PRECOMPILE_IMPORTS`].
const OTHER_IMPORTS: &[&str] = &["exit", "memcpy", "zero", "mem_base", "blake2b_round"];

/// The machine imports that are one precompile on the absolute addresses they take: with one
/// parameter, the precompile's `b` (`keccakf(state)` on the 25 words at `state`,
/// `arith256_mod(params)`/`arith384_mod(params)` on the five pointers at `params`, a curve's
/// `_dbl(p)`); with two, its `a` and `b` (`sha256f(state, block)`, a curve's `_add(p1, p2)`
/// into `p1`, BLS12-381's Fp2 `complex_*(f1, f2)` into `f1`).
const PRECOMPILE_IMPORTS: &[(&str, Op, usize)] = &[
    ("keccakf", Op::Keccak, 1),
    ("sha256f", Op::Sha256, 2),
    ("arith256_mod", Op::Arith256Mod, 1),
    ("secp256k1_add", Op::Secp256k1Add, 2),
    ("secp256k1_dbl", Op::Secp256k1Dbl, 1),
    ("secp256r1_add", Op::Secp256r1Add, 2),
    ("secp256r1_dbl", Op::Secp256r1Dbl, 1),
    ("bn254_curve_add", Op::Bn254CurveAdd, 2),
    ("bn254_curve_dbl", Op::Bn254CurveDbl, 1),
    ("arith384_mod", Op::Arith384Mod, 1),
    ("bls12_381_curve_add", Op::Bls12381CurveAdd, 2),
    ("bls12_381_curve_dbl", Op::Bls12381CurveDbl, 1),
    ("bls12_381_complex_add", Op::Bls12381ComplexAdd, 2),
    ("bls12_381_complex_sub", Op::Bls12381ComplexSub, 2),
    ("bls12_381_complex_mul", Op::Bls12381ComplexMul, 2),
    ("bn254_complex_add", Op::Bn254ComplexAdd, 2),
    ("bn254_complex_sub", Op::Bn254ComplexSub, 2),
    ("bn254_complex_mul", Op::Bn254ComplexMul, 2),
];

/// The precompile of machine import `field` and its number of operands.
fn precompile_import(field: &str) -> Option<(Op, usize)> {
    PRECOMPILE_IMPORTS
        .iter()
        .find(|(name, ..)| *name == field)
        .map(|&(_, op, n)| (op, n))
}

/// Whether `zisk.{field}` is a machine import the selector lowers.
pub fn is_machine_import(field: &str) -> bool {
    OTHER_IMPORTS.contains(&field) || precompile_import(field).is_some()
}

/// The type of machine import `field` (one the selector lowers): (parameters, results).
fn machine_import_type(field: &str) -> (&'static [Type], &'static [Type]) {
    use Type::{I32, I64};
    match (field, precompile_import(field)) {
        (_, Some((_, 1))) => (&[I64], &[]),
        (_, Some(_)) | ("zero", _) => (&[I64, I64], &[]),
        ("exit", _) => (&[I32], &[]),
        ("memcpy" | "blake2b_round", _) => (&[I64, I64, I64], &[]),
        _ => (&[], &[I64]),
    }
}

const LOW32: u64 = 0xffff_ffff;

/// The shortest `memory.fill` of a run-time byte done by doubling DMA copies: one doubling
/// (about 1,150 VARIABLE) costs about two bytes of the byte loop (about 500 each).
const DMA_FILL_MIN: u64 = 8;

/// A `br_table` on a loaded byte, or a loaded byte plus a constant (a `switch` on a `char`, on
/// an opcode byte): its table has an entry for each of the 256 byte values and is indexed by the
/// byte as loaded, so the dispatch needs no sign extension, no addition and no bounds test.
/// The table's 256 words of initialised RAM cost 256 × 18 = 4,608 VARIABLE once (every
/// initialised word is charged as a write, [`crate::stats`]), so only switches in loops: the
/// three steps saved per dispatch (about 190) repay it after about 25 of them.
#[derive(Clone, Copy)]
struct ByteSwitch {
    /// The loaded byte.
    byte: IrValue,
    /// Whether the load sign-extends it (`load8_s`).
    signed: bool,
    /// The constant added to it (its i32 bits sign-extended).
    add: i64,
}

impl ByteSwitch {
    /// The `br_table` index (an unsigned i32) that byte value `byte` gives.
    fn index_of(self, byte: u64) -> usize {
        let v = if self.signed {
            byte as u8 as i8 as i64
        } else {
            byte as i64
        };
        (v + self.add) as i32 as u32 as usize
    }
}

/// The byte switches of `f` (see [`ByteSwitch`]), with the loads whose byte they read raw and
/// the additions they make unneeded.
fn byte_switches(
    f: &Function,
    consts: &SecondaryMap<IrValue, Option<u64>>,
    uses: &SecondaryMap<IrValue, u32>,
) -> (HashMap<Block, ByteSwitch>, HashSet<Inst>, HashSet<Inst>) {
    let (mut switches, mut loads, mut adds) =
        (HashMap::default(), HashSet::default(), HashSet::default());
    let byte_load = |v: IrValue| match f.values[v].def {
        zkc_ir::ValueDef::Result(i, _) if uses[v] == 1 => match f.insts[i].op {
            IrOp::Load {
                ty: Type::I32,
                width: 1,
                signed,
                ..
            } => Some((i, signed)),
            _ => None,
        },
        _ => None,
    };
    for &b in &f.layout {
        let Some(TermKind::BrTable { index, .. }) = f.blocks[b].term.as_ref().map(|t| &t.kind)
        else {
            continue;
        };
        let found = match byte_load(*index) {
            Some((load, signed)) => Some((load, *index, signed, 0, None)),
            None => match f.values[*index].def {
                zkc_ir::ValueDef::Result(a, _) if uses[*index] == 1 => {
                    let d = &f.insts[a];
                    if !matches!(
                        d.op,
                        IrOp::Binary {
                            op: BinaryOp::Add,
                            ty: Type::I32
                        }
                    ) {
                        continue;
                    }
                    let (x, k) = match (consts[d.args[0]], consts[d.args[1]]) {
                        (None, Some(k)) => (d.args[0], k),
                        (Some(k), None) => (d.args[1], k),
                        _ => continue,
                    };
                    byte_load(x).map(|(load, signed)| (load, x, signed, sext32(k) as i64, Some(a)))
                }
                _ => None,
            },
        };
        let Some((load, byte, signed, add, add_inst)) = found else {
            continue;
        };
        if !zkc_ir::cfg::on_cycle(f, b) {
            continue;
        }
        switches.insert(b, ByteSwitch { byte, signed, add });
        loads.insert(load);
        adds.extend(add_inst);
    }
    (switches, loads, adds)
}

/// The sign extension of an i32 constant's bits.
fn sext32(c: u64) -> u64 {
    c as u32 as i32 as i64 as u64
}

fn lit(v: u64) -> Value {
    Value::Lit(v)
}

fn label_flow(taken: Sym, not_taken: Sym) -> Flow {
    Flow::Branch {
        taken: Target::Label(taken),
        not_taken: Target::Label(not_taken),
    }
}

/// A label not made yet ([`Wrapped`]).
const UNNAMED: Sym = Sym(u32::MAX);

fn to_label(taken: Sym) -> Flow {
    Flow::Branch {
        taken: Target::Label(taken),
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
    /// Compares of `fused` whose result is read after their block too: the branch op also
    /// writes it (a ZisK op both stores its result and jumps on its flag).
    kept: HashSet<Inst>,
    /// `and(x, xor(y, -1))` whose `xor` has no other use: the `and` → `(x, y)` for one `andn`
    /// (`x & !y`); the `xor` is in `fused` and emits nothing.
    andn: HashMap<Inst, (IrValue, IrValue)>,
    /// `select(a < b, a, b)` and the like: the `select` → one min/max op of `(a, b)`.
    minmax: HashMap<Inst, (Op, IrValue, IrValue)>,
    /// Byte switches ([`byte_switches`]): the block's `br_table` dispatches on the raw byte.
    byte_switch: HashMap<Block, ByteSwitch>,
    /// Their byte loads: the byte as loaded, without the sign extension of a `load8_s`.
    raw_bytes: HashSet<Inst>,
    ext: ExtFacts,
    checks: Checks,
    ra: Option<VReg>,
    /// The access being selected checks its address's raw 64-bit value and branches to a
    /// [`Wrapped`] path when that fails ([`Self::address`]): (the check's index, the raw
    /// value, the bound).
    wrapping: Option<(usize, VReg, VA)>,
    /// The check of each of `vc.wrapped`, whose label is made last.
    wrapped_checks: Vec<usize>,
}

impl<'a> Ctx<'a> {
    fn err(&self, what: impl Into<String>) -> CodegenError {
        CodegenError::Unsupported {
            what: what.into(),
            func: Some(self.m.funcs[self.fid].name.clone()),
            offset: self.vc.srcloc,
        }
    }

    fn local(&mut self) -> Sym {
        self.vc.local_label()
    }

    fn block_label(&self, b: Block) -> Sym {
        self.vc.block_label(b)
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

    /// [`Self::a`] with an i32 constant sign-extended.
    fn a_sext(&mut self, v: IrValue) -> VA {
        match self.consts[v] {
            Some(c) => VA::Imm(lit(sext32(c))),
            None => VA::V(self.v(v)),
        }
    }

    /// [`Self::b`] with an i32 constant sign-extended.
    fn b_sext(&mut self, v: IrValue) -> VB {
        match self.consts[v] {
            Some(c) => VB::Imm(lit(sext32(c))),
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
        self.emit_f(op, a, b, VS::None, to_label(self.l.trap(code)));
    }

    /// A load or store: its address operand and what to add to its offset, the root and
    /// displacement of a displaced access (`checks`), else [`Self::address`]; then the access,
    /// selected by `emit` from those, and where the raw value of its address was checked
    /// ([`Self::address`]), a [`Wrapped`] path with the same access from `r2`.
    fn access(&mut self, inst: Inst, addr: IrValue, emit: impl Fn(&mut Self, VA, i64)) {
        let (base, k) = match self.checks.displaced.get(&inst) {
            Some(&(p, d)) => (self.displaced_check(inst, p), d),
            None => (self.address(inst, addr, true), 0),
        };
        let start = self.vc.insts.len();
        emit(self, base, k);
        let Some((check, raw, bound)) = self.wrapping.take() else {
            return;
        };
        let back = self.local();
        let access = self.vc.insts[start..].to_vec();
        self.vc.push(VInst::Label(back));
        // The check names the path's label once it is made, at the end of the function.
        self.wrapped_checks.push(check);
        self.vc.wrapped.push(Wrapped {
            label: UNNAMED,
            back,
            trap: self.l.trap(TrapCode::MemoryOutOfBounds),
            raw,
            bound,
            access,
        });
    }

    /// The check `inst` needs, if any (and bounds checks are on): its displacement from the
    /// root and the bound its raw sum is compared with.
    fn check(&self, inst: Inst) -> Option<(i64, VA)> {
        let c = self.checks.k[&inst].filter(|_| self.opts.bounds_checks)?;
        let bound = match self.l.fixed_size {
            Some(size) => VA::Imm(lit(super::bound_word(size, c.len))),
            None => VA::Mem(lit(self.l.bounds[&c.len])),
        };
        Some((c.from, bound))
    }

    /// The root `p` of a displaced access (`checks`), as its base operand, after the access's
    /// check if it needs one: the raw sum of the sign-extended `p` and the check's
    /// displacement, computed into `r2` unless it is 0.
    fn displaced_check(&mut self, inst: Inst, p: IrValue) -> VA {
        let base = self.v(p);
        if let Some((from, bound)) = self.check(inst) {
            let x = if from == 0 {
                VB::V(base)
            } else {
                self.emit(Op::Add, VA::V(base), VB::Imm(lit(from as u64)), VS::Reg(2));
                VB::Reg(2)
            };
            self.trap_if(Op::Leu, bound, x, TrapCode::MemoryOutOfBounds);
        }
        VA::V(base)
    }

    /// The i32 address `addr` as a ZisK address operand, checked for `k` bytes from it (offset
    /// included) against the memory size if the access needs a check (see `checks`):
    /// `leu([bound], addr)` traps. An address that is an extension already (see `ext`) is used
    /// as it is. Another one is zero-extended into `r2` first; or, for an access that
    /// selects a [`Wrapped`] path (`wrap`), its raw value is checked and used: when that
    /// passes, its upper bits are zero (the bound is below 2^32) and it is the address; when it
    /// fails, the access's [`Wrapped`] path zero-extends and checks it (`wrapping`). A wasm
    /// address computed from an i64 pointer (`i32.wrap_i64`, the addresses of Go's code) so
    /// costs one check instead of an `and` and a check, while its upper bits are zero.
    fn address(&mut self, inst: Inst, addr: IrValue, wrap: bool) -> VA {
        let check = self.check(inst).map(|(_, bound)| bound);
        let a = match self.consts[addr] {
            Some(c) => VA::Imm(lit(c & LOW32)),
            None if self.ext.ext[addr].any() => VA::V(self.v(addr)),
            None if wrap && check.is_some() => {
                let raw = self.v(addr);
                let bound = check.expect("a check");
                let at = self.vc.insts.len();
                self.emit_f(
                    Op::Leu,
                    bound.clone(),
                    VB::V(raw),
                    VS::None,
                    to_label(UNNAMED),
                );
                self.wrapping = Some((at, raw, bound));
                return VA::V(raw);
            }
            None => {
                let r = self.a(addr);
                self.emit(Op::And, r, VB::Imm(lit(LOW32)), VS::Reg(2));
                VA::Reg(2)
            }
        };
        if let Some(bound) = check {
            let b = match &a {
                VA::Imm(v) => VB::Imm(*v),
                VA::V(v) => VB::V(*v),
                _ => VB::Reg(2),
            };
            self.trap_if(Op::Leu, bound, b, TrapCode::MemoryOutOfBounds);
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
        self.vc.srcloc = data.srcloc.offset();
        let args: Vec<IrValue> = data.args.to_vec();
        let res: Vec<IrValue> = data.results.to_vec();
        let op = data.op.clone();
        match op {
            IrOp::Const { .. } | IrOp::RefNull(_) | IrOp::RefFunc(_) => {}
            // A size nothing changes is a constant (`consts`).
            IrOp::MemorySize if self.l.fixed_size.is_some() => {}
            IrOp::RefIsNull(_) => {
                let x = self.a(args[0]);
                let d = self.dst(res[0]);
                self.emit(Op::Eq, x, VB::Imm(lit(0)), d);
            }
            IrOp::RefToBits(_) | IrOp::RefFromBits(_) => {
                let x = self.b(args[0]);
                let d = self.dst(res[0]);
                self.copy(x, d);
            }
            IrOp::Binary { op, ty } => {
                if ty.is_float() {
                    return Err(self.err(format!(
                        "float arithmetic ({})",
                        IrOp::Binary { op, ty }.mnemonic()
                    )));
                }
                if self.fused.contains(&inst) {
                    return Ok(());
                }
                if let Some(&(x, y)) = self.andn.get(&inst) {
                    let (a, b, d) = (self.a(x), self.b(y), self.dst(res[0]));
                    self.emit(Op::Andn, a, b, d);
                    return Ok(());
                }
                if self.ext.exact.contains(&inst) || self.ext.address_sums.contains(&inst) {
                    // Cannot wrap, of sign-extended operands, or only an address checked
                    // exactly all the same: the 64-bit op (see `ext`).
                    let zop = if op == BinaryOp::Add {
                        Op::Add
                    } else {
                        Op::Sub
                    };
                    let (a, b) = (self.a_sext(args[0]), self.b_sext(args[1]));
                    let d = self.dst(res[0]);
                    self.emit(zop, a, b, d);
                    return Ok(());
                }
                let w = ty == Type::I32;
                let (a, b, d) = (self.a(args[0]), self.b(args[1]), self.dst(res[0]));
                let pick = |x: Op, y: Op| if w { x } else { y };
                let narrow = w && self.ext.narrow.contains(&inst);
                let zop = match op {
                    BinaryOp::Add if narrow => Op::AddW,
                    BinaryOp::Sub if narrow => Op::SubW,
                    BinaryOp::Mul if narrow => Op::MulW,
                    BinaryOp::Add => Op::Add,
                    BinaryOp::Sub => Op::Sub,
                    BinaryOp::Mul => Op::Mul,
                    BinaryOp::MulHiU => Op::Muluh,
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
                        self.emit_f(zop, a, b, d, to_label(self.l.trap(TrapCode::IntDivByZero)));
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
                        let (zop, xa) = (self.zero_test(args[0]), self.a(args[0]));
                        self.emit(zop, xa, VB::Imm(lit(0)), d)
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
                    ConvOp::I64ExtendI32U if self.ext.ext[args[0]] & Ext::ZERO == Ext::ZERO => {
                        self.copy(x, d)
                    }
                    ConvOp::I64ExtendI32U => {
                        let xa = self.a(args[0]);
                        self.emit(Op::And, xa, VB::Imm(lit(LOW32)), d)
                    }
                    _ => return Err(self.err(format!("float conversion {}", c.name()))),
                }
            }
            IrOp::Select { .. } if self.minmax.contains_key(&inst) => {
                let (op, x, y) = self.minmax[&inst];
                let (a, b, d) = (self.a(x), self.b(y), self.dst(res[0]));
                self.emit(op, a, b, d);
            }
            IrOp::Select { .. } => {
                let (x, y) = (self.b(args[0]), self.b(args[1]));
                let (zop, c) = (self.zero_test(args[2]), self.a(args[2]));
                let d = self.dst(res[0]);
                self.copy(x, d.clone());
                self.emit_f(
                    zop,
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
            // A load whose value nobody reads (opt `forward` took it from an earlier access)
            // is only its bounds check, when it needs one.
            IrOp::Load { .. } if self.uses[res[0]] == 0 => {
                if self.checks.k[&inst].is_some() {
                    match self.checks.displaced.get(&inst) {
                        Some(&(p, _)) => {
                            self.displaced_check(inst, p);
                        }
                        None => {
                            self.address(inst, args[0], false);
                        }
                    }
                }
            }
            IrOp::Load {
                ty,
                width,
                signed,
                offset,
                ..
            } => {
                let d = self.dst(res[0]);
                let ext = match (signed, width) {
                    _ if self.raw_bytes.contains(&inst) => None,
                    (true, 1) => Some(Op::SignExtendB),
                    (true, 2) => Some(Op::SignExtendH),
                    (true, 4) if ty == Type::I64 => Some(Op::SignExtendW),
                    _ => None,
                };
                let mem_base = self.l.mem_base;
                self.access(inst, args[0], |cx, base, k| {
                    let off = (mem_base + offset as u64) as i64 + k;
                    match ext {
                        None => cx.emit_w(Op::CopyB, base, VB::Ind(off), d.clone(), width),
                        Some(e) => {
                            cx.emit_w(Op::CopyB, base, VB::Ind(off), VS::None, width);
                            cx.emit(e, VA::Imm(lit(0)), VB::C, d.clone());
                        }
                    }
                });
            }
            IrOp::Store { width, offset, .. } => {
                let v = self.b(args[1]);
                let mem_base = self.l.mem_base;
                self.access(inst, args[0], |cx, base, k| {
                    let off = (mem_base + offset as u64) as i64 + k;
                    cx.emit_w(Op::CopyB, base, v.clone(), VS::Ind(off), width);
                });
            }
            IrOp::GlobalGet(g) => {
                self.define(res[0], VB::Mem(lit(self.l.globals[g.index()])));
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
                let size = self.table_size(t.index());
                self.copy(self.a_as_b(&size), d);
            }
            IrOp::TableGet(t) => self.lower_table_get(t.index(), args[0], res[0]),
            IrOp::TableSet(t) => self.lower_table_set(t.index(), args[0], args[1]),
            IrOp::TableFill(t) => self.lower_table_fill(t.index(), &args),
            IrOp::TableGrow(t) => self.lower_table_grow(t.index(), args[0], args[1], res[0]),
            IrOp::TableCopy { dst, src } => self.lower_table_copy(dst.index(), src.index(), &args),
            IrOp::TableInit { table, elem } => {
                self.lower_table_init(table.index(), elem.index(), &args)
            }
            IrOp::ElemDrop(e) => {
                let w = self.l.elem_len[e.index()];
                self.copy(VB::Imm(lit(0)), VS::Mem(lit(w)));
            }
            IrOp::Call(g) => {
                let callee = &self.m.funcs[g];
                if let Some(imp) = callee.import() {
                    if imp.module == "zisk" {
                        let (params, results) = machine_import_type(&imp.field);
                        let sig = &callee.sig;
                        if is_machine_import(&imp.field)
                            && (sig.params != params || sig.results != results)
                        {
                            let what = format!("machine import zisk.{} of type {sig}", imp.field);
                            return Err(self.err(what));
                        }
                        match imp.field.as_str() {
                            "exit" => {
                                let s = self.a(args[0]);
                                let low = VB::Imm(lit(LOW32));
                                self.emit(Op::And, s, low, VS::Mem(lit(EXIT_WORD)));
                                self.vc.push(VInst::RetToBios);
                            }
                            "blake2b_round" => {
                                let index = match self.consts[args[2]] {
                                    Some(k) if k < 10 => k as i32,
                                    _ => {
                                        let what = "machine import zisk.blake2b_round with a \
                                                    round index that is not a constant in 0..10";
                                        return Err(self.err(what.to_string()));
                                    }
                                };
                                let (v, m) = (self.a(args[0]), self.b(args[1]));
                                let round = Flow::Branch {
                                    taken: Target::Offset(index),
                                    not_taken: Target::Offset(4),
                                };
                                self.emit_f(Op::Blake2b, v, m, VS::None, round);
                            }
                            "memcpy" => {
                                let n = self.b(args[2]);
                                self.copy(n, VS::Mem(lit(EXTRA_PARAMS_ADDR)));
                                let (dst, src) = (self.a(args[0]), self.b(args[1]));
                                self.emit(Op::DmaMemCpy, dst, src, VS::None);
                            }
                            "zero" => {
                                let (dst, n) = (self.a(args[0]), self.b(args[1]));
                                let fill = Flow::Branch {
                                    taken: Target::Offset(0),
                                    not_taken: Target::Offset(4),
                                };
                                self.emit_f(Op::DmaXMemSet, dst, n, VS::None, fill);
                            }
                            "mem_base" => {
                                let d = self.dst(res[0]);
                                self.copy(VB::Imm(lit(self.l.mem_base)), d);
                            }
                            field => match precompile_import(field) {
                                Some((op, 1)) => {
                                    let b = self.b(args[0]);
                                    self.emit(op, VA::Imm(lit(0)), b, VS::None);
                                }
                                Some((op, _)) => {
                                    let (a, b) = (self.a(args[0]), self.b(args[1]));
                                    self.emit(op, a, b, VS::None);
                                }
                                None => {
                                    return Err(self.err(format!("machine import zisk.{field}")))
                                }
                            },
                        }
                        return Ok(());
                    }
                }
                for (i, &a) in args.iter().enumerate() {
                    let b = self.b(a);
                    self.copy(b, Self::arg_loc_s(i, self.l));
                }
                let reenters = self.l.scc[g.index()] == self.l.scc[self.fid.index()];
                let label = self.l.func_labels[g.index()];
                self.vc.push(VInst::Call {
                    label,
                    callee: g.index(),
                    args: args.len(),
                    rets: res.len(),
                    info: CallInfo {
                        reenters,
                        ..CallInfo::default()
                    },
                });
                self.results(&res);
            }
            IrOp::CallIndirect { table, sig } => {
                let (idx, params) = args.split_last().expect("call_indirect index");
                for (i, &a) in params.iter().enumerate() {
                    let b = self.b(a);
                    self.copy(b, Self::arg_loc_s(i, self.l));
                }
                let base = self.l.tables[table.index()]
                    .entries
                    .expect("call_indirect through a funcref table");
                let size = self.table_size(table.index());
                let ia = self.a(*idx);
                let ib = self.b(*idx);
                self.trap_if(Op::LeuW, size, ib, TrapCode::UndefinedElement);
                self.scaled_index(*idx, ia, 4);
                self.emit_w(Op::CopyB, VA::Reg(2), VB::Ind(base as i64 + 8), VS::None, 8);
                let bad = self.l.bad_signature[table.index()];
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
                let reenters = self
                    .l
                    .indirect_targets(sig.index() as u64)
                    .any(|g| self.l.scc[g] == self.l.scc[fid]);
                let ret_label = self.local();
                self.vc.push(VInst::CallInd {
                    table: base,
                    ret_label,
                    sig: sig.index() as u64,
                    args: params.len(),
                    rets: res.len(),
                    info: CallInfo {
                        reenters,
                        ..CallInfo::default()
                    },
                });
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

    fn a_as_b(&self, a: &VA) -> VB {
        match a {
            VA::V(v) => VB::V(*v),
            VA::Imm(x) => VB::Imm(*x),
            VA::Reg(r) => VB::Reg(*r),
            VA::Mem(x) => VB::Mem(*x),
            VA::C => VB::C,
        }
    }

    /// `r2 = zext(index) << shift`, for an index already checked against its table's length
    /// (below 2^31: either extension is the index itself, see `ext`).
    /// `r2` = an index already checked against its table's length, times `1 << shift`. An
    /// extended index is the index itself: `sll` (free for small ones, a frequent operation).
    /// Otherwise the 32-bit shift of its low bits: tables (in the static area, a few MiB) and
    /// jump tables are far shorter than `2^(31 - shift)` entries, so the shifted index is below
    /// 2^31 and `sll_w`'s sign-extension is the index itself.
    fn scaled_index(&mut self, index: IrValue, ia: VA, shift: u64) {
        let op = if self.ext.ext[index].any() {
            Op::Sll
        } else {
            Op::SllW
        };
        self.emit(op, ia, VB::Imm(lit(shift)), VS::Reg(2));
    }

    fn b_as_a(&self, b: &VB) -> VA {
        match b {
            VB::V(v) => VA::V(*v),
            VB::Imm(x) => VA::Imm(*x),
            VB::Reg(r) => VA::Reg(*r),
            VB::Mem(x) => VA::Mem(*x),
            VB::C => VA::C,
            VB::Ind(_) | VB::Table(_) => unreachable!("indirect operand as a"),
        }
    }

    fn results(&mut self, res: &[IrValue]) {
        for (i, &r) in res.iter().enumerate() {
            self.define(r, Self::arg_loc_b(i, self.l));
        }
    }

    /// `v = src`, sign-extended when `v` reaches addresses (see `ext`).
    fn define(&mut self, v: IrValue, src: VB) {
        let d = self.dst(v);
        if self.ext.sext.contains(&v) {
            self.emit(Op::SignExtendW, VA::Imm(lit(0)), src, d);
        } else {
            self.copy(src, d);
        }
    }

    /// The ZisK compare for `x op y`: (op, a, b, negate).
    ///
    /// An i32 compare uses the 64-bit op when both operands carry the same extension of their
    /// low 32 bits ([`Self::common_ext`]): equality and unsigned order are those of the low
    /// bits under either extension (sign extension maps `[2^31, 2^32)` above every
    /// non-negative value, in order), signed order under sign extension. The op costs the
    /// same, but the 64-bit `eq`, `ltu` and `lt` are frequent operations for small operands
    /// where the `_w` ones never are (`frops.rs`), so a loop counter or a flag compares for its
    /// step alone. For the same reason `x <= k` with a constant `k` becomes `x < k + 1` (`leu`
    /// and `le` have no frequent operations), and `k <= x` becomes `k - 1 < x`.
    fn compare(&mut self, op: CmpOp, ty: Type, x: IrValue, y: IrValue) -> (Op, VA, VB, bool) {
        let signed = matches!(op, CmpOp::LtS | CmpOp::GtS | CmpOp::LeS | CmpOp::GeS);
        let ext = match ty {
            Type::I32 => self.common_ext(x, y, signed),
            _ => Some(Ext::NONE),
        };
        let w = ext.is_none();
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
        let Some(ext) = ext else {
            return (zop, self.a(p), self.b(q), neg);
        };
        // The operands as 64-bit values: an i32 constant in the extension the other has.
        let wide = |c: u64| match ext {
            Ext::SIGN => c as i32 as i64 as u64,
            Ext::ZERO => c & LOW32,
            _ => c,
        };
        let (cp, cq) = (self.consts[p].map(wide), self.consts[q].map(wide));
        // `p <= k` as `p < k + 1`, `k <= q` as `k - 1 < q`, where that does not wrap.
        let strict = |o: Op| if o == Op::Leu { Op::Ltu } else { Op::Lt };
        let (lo, hi) = if zop == Op::Leu {
            (0, u64::MAX)
        } else {
            (1 << 63, (1 << 63) - 1)
        };
        let (zop, cp, cq) = match (zop, cp, cq) {
            (Op::Leu | Op::Le, _, Some(k)) if k != hi => (strict(zop), cp, Some(k.wrapping_add(1))),
            (Op::Leu | Op::Le, Some(k), None) if k != lo => {
                (strict(zop), Some(k.wrapping_sub(1)), cq)
            }
            _ => (zop, cp, cq),
        };
        let a = match cp {
            Some(k) => VA::Imm(lit(k)),
            None => VA::V(self.v(p)),
        };
        let b = match cq {
            Some(k) => VB::Imm(lit(k)),
            None => VB::V(self.v(q)),
        };
        (zop, a, b, neg)
    }

    /// The extension both operands of an i32 compare carry, if the 64-bit compare may read
    /// them (a constant carries whichever the other operand needs); only sign extension keeps
    /// signed order.
    fn common_ext(&self, x: IrValue, y: IrValue, signed: bool) -> Option<Ext> {
        let of = |v: IrValue| match self.consts[v] {
            Some(_) => Ext::BOTH,
            None => self.ext.ext[v],
        };
        let common = of(x) & of(y);
        if common.contains(Ext::SIGN) {
            Some(Ext::SIGN)
        } else if !signed && common.contains(Ext::ZERO) {
            Some(Ext::ZERO)
        } else {
            None
        }
    }

    /// The op that tests `v == 0`: the 64-bit `eq` (a frequent operation for small `v`) when
    /// `v` is an i64 or an extended i32.
    fn zero_test(&self, v: IrValue) -> Op {
        if self.f.value_type(v) == Type::I64 || self.ext.ext[v].any() {
            Op::Eq
        } else {
            Op::EqW
        }
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
            to_label(fail),
        );
        self.copy(VB::Mem(lit(l.mem_pages_word())), d.clone());
        self.copy(VB::Reg(3), VS::Mem(lit(l.mem_pages_word())));
        self.emit(Op::Sll, VA::Reg(3), VB::Imm(lit(16)), VS::Reg(4));
        self.copy(VB::Reg(4), VS::Mem(lit(l.mem_size_word())));
        for (&k, &w) in &l.bounds {
            self.emit(
                Op::Add,
                VA::Reg(4),
                VB::Imm(lit((k - 1).wrapping_neg())),
                VS::None,
            );
            self.emit(Op::Max, VA::C, VB::Imm(lit(0)), VS::Mem(lit(w)));
        }
        self.emit_f(
            Op::Flag,
            VA::Imm(lit(0)),
            VB::Imm(lit(0)),
            VS::None,
            to_label(done),
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

    /// `r5` times (counting it down to 0): `body`.
    fn count_loop(&mut self, body: impl FnOnce(&mut Self)) {
        let (head, done) = (self.local(), self.local());
        self.vc.push(VInst::Label(head));
        self.emit_f(
            Op::Eq,
            VA::Reg(5),
            VB::Imm(lit(0)),
            VS::None,
            to_label(done),
        );
        body(self);
        self.emit(Op::Add, VA::Reg(5), VB::Imm(lit(u64::MAX)), VS::Reg(5));
        self.jump_to(head);
        self.vc.push(VInst::Label(done));
    }

    fn jump_to(&mut self, label: Sym) {
        self.emit_f(
            Op::Flag,
            VA::Imm(lit(0)),
            VB::Imm(lit(0)),
            VS::None,
            to_label(label),
        );
    }

    /// `memory.fill`: with a constant byte, one `dma_xmemset` (the byte in its `jmp_offset1`),
    /// which costs a few steps' worth plus about 4 per word (`Emulator::dma`) where a byte loop
    /// costs hundreds per byte. A byte computed at run time is stored once, then the filled
    /// prefix doubles by `dma_memcpy` of itself to its end (never overlapping), so `n` bytes
    /// take about log2(n) copies; below [`DMA_FILL_MIN`] bytes a byte loop is cheaper.
    fn lower_fill(&mut self, args: &[IrValue]) {
        let mb = self.l.mem_base;
        self.range_check(args[0], args[2], 3);
        if let Some(byte) = self.consts[args[1]] {
            self.emit(Op::Add, VA::Reg(3), VB::Imm(lit(mb)), VS::Reg(3));
            self.emit_f(
                Op::DmaXMemSet,
                VA::Reg(3),
                VB::Reg(5),
                VS::None,
                Flow::Branch {
                    taken: Target::Offset(i32::from(byte as u8)),
                    not_taken: Target::Offset(4),
                },
            );
            return;
        }
        let v = self.b(args[1]);
        self.copy(v, VS::Reg(4));
        // A constant length picks one way at compile time.
        let n = self.consts[args[2]].map(|n| n & LOW32);
        let (doubling, head, done) = (self.local(), self.local(), self.local());
        if n.is_none_or(|n| n < DMA_FILL_MIN) {
            if n.is_none() {
                let min = VA::Imm(lit(DMA_FILL_MIN));
                self.emit_f(Op::Leu, min, VB::Reg(5), VS::None, to_label(doubling));
            }
            self.count_loop(|cx| {
                cx.emit_w(Op::CopyB, VA::Reg(3), VB::Reg(4), VS::Ind(mb as i64), 1);
                cx.emit(Op::Add, VA::Reg(3), VB::Imm(lit(1)), VS::Reg(3));
            });
            if n.is_some() {
                return;
            }
            self.jump_to(done);
        }
        self.vc.push(VInst::Label(doubling));
        self.emit(Op::Add, VA::Reg(3), VB::Imm(lit(mb)), VS::Reg(3));
        self.emit_w(Op::CopyB, VA::Reg(3), VB::Reg(4), VS::Ind(0), 1);
        self.copy(VB::Imm(lit(1)), VS::Reg(6));
        self.vc.push(VInst::Label(head));
        // r6 bytes filled; copy min(r6, r5 - r6) of them after them
        self.emit_f(Op::Leu, VA::Reg(5), VB::Reg(6), VS::None, to_label(done));
        self.emit(Op::Sub, VA::Reg(5), VB::Reg(6), VS::Reg(7));
        self.emit(Op::Minu, VA::Reg(7), VB::Reg(6), VS::Reg(7));
        self.copy(VB::Reg(7), VS::Mem(lit(EXTRA_PARAMS_ADDR)));
        self.emit(Op::Add, VA::Reg(3), VB::Reg(6), VS::Reg(8));
        self.emit(Op::DmaMemCpy, VA::Reg(8), VB::Reg(3), VS::None);
        self.emit(Op::Add, VA::Reg(6), VB::Reg(7), VS::Reg(6));
        self.jump_to(head);
        self.vc.push(VInst::Label(done));
    }

    /// `memory.copy`: one `dma_memcpy`, whose byte count is the word at `EXTRA_PARAMS_ADDR`;
    /// it copies as `memmove` does (zisk-core `mem.rs` `Mem::memcpy`), as wasm requires.
    fn lower_copy(&mut self, args: &[IrValue]) {
        let mb = lit(self.l.mem_base);
        self.range_check(args[1], args[2], 4);
        self.range_check(args[0], args[2], 3);
        self.emit(
            Op::CopyB,
            VA::Imm(lit(0)),
            VB::Reg(5),
            VS::Mem(lit(EXTRA_PARAMS_ADDR)),
        );
        self.emit(Op::Add, VA::Reg(3), VB::Imm(mb), VS::Reg(3));
        self.emit(Op::Add, VA::Reg(4), VB::Imm(mb), VS::Reg(4));
        self.emit(Op::DmaMemCpy, VA::Reg(3), VB::Reg(4), VS::None);
    }

    fn lower_init(&mut self, seg: usize, args: &[IrValue]) {
        let mb = self.l.mem_base;
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
        let Some(sym) = self.l.seg_sym[seg] else {
            // An active (dropped) segment: only n == 0 passed the check.
            return;
        };
        // The segment's bytes, ROM data, copied by one `dma_memcpy`.
        self.emit(Op::Add, VA::Reg(4), VB::Imm(Value::Sym(sym, 0)), VS::Reg(4));
        self.copy(VB::Reg(5), VS::Mem(lit(EXTRA_PARAMS_ADDR)));
        self.emit(Op::Add, VA::Reg(3), VB::Imm(lit(mb)), VS::Reg(3));
        self.emit(Op::DmaMemCpy, VA::Reg(3), VB::Reg(4), VS::None);
    }

    /// The current size of table `t`: its size word if the program grows it, else a constant.
    fn table_size(&self, t: usize) -> VA {
        let tl = &self.l.tables[t];
        match tl.size_word {
            Some(w) => VA::Mem(lit(w)),
            None => VA::Imm(lit(tl.min)),
        }
    }

    /// `reg` = zext(x).
    fn zext_to(&mut self, x: IrValue, reg: u8) {
        let a = self.a(x);
        self.emit(Op::And, a, VB::Imm(lit(LOW32)), VS::Reg(reg));
    }

    /// Traps `table_oob` unless `r{first} + r{count}` <= the size of table `t`.
    fn table_range_check(&mut self, t: usize, first: u8, count: u8) {
        self.emit(Op::Add, VA::Reg(first), VB::Reg(count), VS::None);
        let size = self.table_size(t);
        self.trap_if(Op::Ltu, size, VB::C, TrapCode::TableOutOfBounds);
    }

    /// The entry words of reference `r` (bits in `r4`): code address in `r6`, signature in
    /// `r7`, from the function descriptors (or as constants).
    fn ref_entry(&mut self, r: IrValue) {
        match self.consts[r] {
            Some(bits) => {
                let (code, sig) = match bits.checked_sub(1) {
                    Some(f) => (
                        Value::Sym(self.l.func_labels[f as usize], 0),
                        self.l.func_sig_id[f as usize],
                    ),
                    None => (
                        Value::Sym(self.l.trap(TrapCode::UninitializedElement), 0),
                        u64::MAX,
                    ),
                };
                self.copy(VB::Imm(code), VS::Reg(6));
                self.copy(VB::Imm(lit(sig)), VS::Reg(7));
            }
            None => self.desc_of_reg(4),
        }
    }

    /// `r6`, `r7` = the descriptor of the reference in `reg` (uses `r9`).
    fn desc_of_reg(&mut self, reg: u8) {
        self.emit(Op::Sll, VA::Reg(reg), VB::Imm(lit(4)), VS::None);
        let desc = VB::Imm(Value::Sym(self.l.func_desc, 0));
        self.emit(Op::Add, VA::C, desc, VS::Reg(9));
        self.emit_w(Op::CopyB, VA::Reg(9), VB::Ind(0), VS::Reg(6), 8);
        self.emit_w(Op::CopyB, VA::Reg(9), VB::Ind(8), VS::Reg(7), 8);
    }

    /// `r3` = the address of entry `r{index}` of table `t`'s (code, sig) pairs and `r8` the
    /// address of its reference word, for the arrays the table has.
    fn entry_addrs(&mut self, t: usize, index: u8, entries: u8, refs: u8) {
        let tl = &self.l.tables[t];
        let (e, r) = (tl.entries, tl.refs);
        if let Some(r) = r {
            self.emit(Op::Sll, VA::Reg(index), VB::Imm(lit(3)), VS::None);
            self.emit(Op::Add, VA::C, VB::Imm(lit(r)), VS::Reg(refs));
        }
        if let Some(e) = e {
            self.emit(Op::Sll, VA::Reg(index), VB::Imm(lit(4)), VS::None);
            self.emit(Op::Add, VA::C, VB::Imm(lit(e)), VS::Reg(entries));
        }
    }

    /// Stores the reference (bits `r4`, entry words `r6`, `r7`) at the entry addressed by
    /// `r3`/`r8`; with `advance`, moves both addresses to the next entry.
    fn store_entry(&mut self, t: usize, advance: bool) {
        let tl = &self.l.tables[t];
        let (e, r) = (tl.entries.is_some(), tl.refs.is_some());
        if e {
            self.emit_w(Op::CopyB, VA::Reg(3), VB::Reg(6), VS::Ind(0), 8);
            self.emit_w(Op::CopyB, VA::Reg(3), VB::Reg(7), VS::Ind(8), 8);
            if advance {
                self.emit(Op::Add, VA::Reg(3), VB::Imm(lit(16)), VS::Reg(3));
            }
        }
        if r {
            self.emit_w(Op::CopyB, VA::Reg(8), VB::Reg(4), VS::Ind(0), 8);
            if advance {
                self.emit(Op::Add, VA::Reg(8), VB::Imm(lit(8)), VS::Reg(8));
            }
        }
    }

    /// `r5` times: stores the reference in `r4`/`r6`/`r7` at `r3`/`r8`, advancing.
    fn fill_loop(&mut self, t: usize) {
        self.count_loop(|cx| {
            cx.store_entry(t, true);
        });
    }

    /// Loads reference `r` into `r4` and, for a funcref table, its entry words.
    fn load_ref(&mut self, t: usize, r: IrValue) {
        let v = self.b(r);
        self.copy(v, VS::Reg(4));
        if self.l.tables[t].entries.is_some() {
            self.ref_entry(r);
        }
    }

    fn lower_table_get(&mut self, t: usize, index: IrValue, res: IrValue) {
        let size = self.table_size(t);
        let ib = self.b(index);
        self.trap_if(Op::LeuW, size, ib, TrapCode::TableOutOfBounds);
        let refs = self.l.tables[t]
            .refs
            .expect("tables read by table.get keep references");
        let ia = self.a(index);
        self.emit(Op::Sll, ia, VB::Imm(lit(32)), VS::None);
        self.emit(Op::Srl, VA::C, VB::Imm(lit(29)), VS::Reg(2));
        let d = self.dst(res);
        self.emit_w(Op::CopyB, VA::Reg(2), VB::Ind(refs as i64), d, 8);
    }

    fn lower_table_set(&mut self, t: usize, index: IrValue, r: IrValue) {
        let size = self.table_size(t);
        let ib = self.b(index);
        self.trap_if(Op::LeuW, size, ib, TrapCode::TableOutOfBounds);
        self.load_ref(t, r);
        self.zext_to(index, 2);
        self.entry_addrs(t, 2, 3, 8);
        self.store_entry(t, false);
    }

    fn lower_table_fill(&mut self, t: usize, args: &[IrValue]) {
        self.zext_to(args[0], 2);
        self.zext_to(args[2], 5);
        self.table_range_check(t, 2, 5);
        self.load_ref(t, args[1]);
        self.entry_addrs(t, 2, 3, 8);
        self.fill_loop(t);
    }

    fn lower_table_grow(&mut self, t: usize, r: IrValue, n: IrValue, res: IrValue) {
        let tl = &self.l.tables[t];
        let (size_word, capacity) = (tl.size_word.expect("a grown table"), tl.capacity);
        self.load_ref(t, r);
        self.zext_to(n, 5);
        self.copy(VB::Mem(lit(size_word)), VS::Reg(2));
        self.emit(Op::Add, VA::Reg(2), VB::Reg(5), VS::None);
        let (fail, done) = (self.local(), self.local());
        self.emit_f(
            Op::Ltu,
            VA::Imm(lit(capacity)),
            VB::C,
            VS::None,
            to_label(fail),
        );
        self.emit(Op::Add, VA::Reg(2), VB::Reg(5), VS::Mem(lit(size_word)));
        self.entry_addrs(t, 2, 3, 8);
        let d = self.dst(res);
        self.copy(VB::Reg(2), d.clone());
        self.fill_loop(t);
        self.jump_to(done);
        self.vc.push(VInst::Label(fail));
        self.copy(VB::Imm(lit(LOW32)), d);
        self.vc.push(VInst::Label(done));
    }

    /// `table.copy`: forwards when the destination is below the source, else backwards, so
    /// overlapping ranges of one table copy as memmove does.
    fn lower_table_copy(&mut self, dst: usize, src: usize, args: &[IrValue]) {
        self.zext_to(args[0], 2);
        self.zext_to(args[1], 4);
        self.zext_to(args[2], 5);
        self.table_range_check(src, 4, 5);
        self.table_range_check(dst, 2, 5);
        let (d, s) = (&self.l.tables[dst], &self.l.tables[src]);
        // The arrays both tables have: (code, sig) pairs, reference words.
        let pairs = match (d.entries, s.entries) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        };
        let refs = match (d.refs, s.refs) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        };
        // r3/r6: destination and source pair addresses; r8/r7: reference word addresses.
        if let Some((a, b)) = pairs {
            self.emit(Op::Sll, VA::Reg(2), VB::Imm(lit(4)), VS::None);
            self.emit(Op::Add, VA::C, VB::Imm(lit(a)), VS::Reg(3));
            self.emit(Op::Sll, VA::Reg(4), VB::Imm(lit(4)), VS::None);
            self.emit(Op::Add, VA::C, VB::Imm(lit(b)), VS::Reg(6));
        }
        if let Some((a, b)) = refs {
            self.emit(Op::Sll, VA::Reg(2), VB::Imm(lit(3)), VS::None);
            self.emit(Op::Add, VA::C, VB::Imm(lit(a)), VS::Reg(8));
            self.emit(Op::Sll, VA::Reg(4), VB::Imm(lit(3)), VS::None);
            self.emit(Op::Add, VA::C, VB::Imm(lit(b)), VS::Reg(7));
        }
        let (back, head, bhead, done) = (self.local(), self.local(), self.local(), self.local());
        self.emit_f(Op::Ltu, VA::Reg(4), VB::Reg(2), VS::None, to_label(back));
        for backwards in [false, true] {
            let h = if backwards { &bhead } else { &head };
            if backwards {
                self.vc.push(VInst::Label(back));
                // Start one past the last entry of each range.
                if pairs.is_some() {
                    self.emit(Op::Sll, VA::Reg(5), VB::Imm(lit(4)), VS::Reg(9));
                    self.emit(Op::Add, VA::Reg(3), VB::Reg(9), VS::Reg(3));
                    self.emit(Op::Add, VA::Reg(6), VB::Reg(9), VS::Reg(6));
                }
                if refs.is_some() {
                    self.emit(Op::Sll, VA::Reg(5), VB::Imm(lit(3)), VS::Reg(9));
                    self.emit(Op::Add, VA::Reg(8), VB::Reg(9), VS::Reg(8));
                    self.emit(Op::Add, VA::Reg(7), VB::Reg(9), VS::Reg(7));
                }
            }
            self.vc.push(VInst::Label(*h));
            self.emit_f(
                Op::Eq,
                VA::Reg(5),
                VB::Imm(lit(0)),
                VS::None,
                to_label(done),
            );
            let step = |k: u64| if backwards { k.wrapping_neg() } else { k };
            // Backwards, the addresses are one past the entry to copy.
            if pairs.is_some() {
                for w in [0i64, 8] {
                    let o = if backwards { w - 16 } else { w };
                    self.emit_w(Op::CopyB, VA::Reg(6), VB::Ind(o), VS::Reg(9), 8);
                    self.emit_w(Op::CopyB, VA::Reg(3), VB::Reg(9), VS::Ind(o), 8);
                }
                self.emit(Op::Add, VA::Reg(3), VB::Imm(lit(step(16))), VS::Reg(3));
                self.emit(Op::Add, VA::Reg(6), VB::Imm(lit(step(16))), VS::Reg(6));
            }
            if refs.is_some() {
                let o = if backwards { -8 } else { 0 };
                self.emit_w(Op::CopyB, VA::Reg(7), VB::Ind(o), VS::Reg(9), 8);
                self.emit_w(Op::CopyB, VA::Reg(8), VB::Reg(9), VS::Ind(o), 8);
                self.emit(Op::Add, VA::Reg(8), VB::Imm(lit(step(8))), VS::Reg(8));
                self.emit(Op::Add, VA::Reg(7), VB::Imm(lit(step(8))), VS::Reg(7));
            }
            self.emit(Op::Add, VA::Reg(5), VB::Imm(lit(u64::MAX)), VS::Reg(5));
            self.jump_to(*h);
        }
        self.vc.push(VInst::Label(done));
    }

    /// `table.init`: references from the segment's ROM words, entry words from the function
    /// descriptors.
    fn lower_table_init(&mut self, t: usize, e: usize, args: &[IrValue]) {
        self.zext_to(args[1], 4);
        self.zext_to(args[2], 5);
        self.emit(Op::Add, VA::Reg(4), VB::Reg(5), VS::None);
        let len = VA::Mem(lit(self.l.elem_len[e]));
        self.trap_if(Op::Ltu, len, VB::C, TrapCode::TableOutOfBounds);
        self.zext_to(args[0], 2);
        self.table_range_check(t, 2, 5);
        let Some(sym) = self.l.elem_sym[e] else {
            // An active or declared (dropped) segment: only n == 0 passed the check.
            return;
        };
        self.emit(Op::Sll, VA::Reg(4), VB::Imm(lit(3)), VS::None);
        // r2 walks the segment; the entry index is taken again from args[0].
        self.emit(Op::Add, VA::C, VB::Imm(Value::Sym(sym, 0)), VS::Reg(2));
        self.zext_to(args[0], 9);
        self.entry_addrs(t, 9, 3, 8);
        self.count_loop(|cx| {
            cx.emit_w(Op::CopyB, VA::Reg(2), VB::Ind(0), VS::Reg(4), 8);
            if cx.l.tables[t].entries.is_some() {
                cx.desc_of_reg(4);
            }
            cx.store_entry(t, true);
            cx.emit(Op::Add, VA::Reg(2), VB::Imm(lit(8)), VS::Reg(2));
        });
    }

    /// The moves of a block call.
    fn par_move(&mut self, call: &BlockCall) -> Option<VInst> {
        let params = self.f.blocks[call.block].params.clone();
        let mut moves = Vec::new();
        for (&a, &p) in call.args.iter().zip(&params) {
            if self.uses[p] == 0 {
                continue;
            }
            // An i32 constant is sign-extended into a parameter (`ext::param_arg`).
            let src = match self.consts[a] {
                Some(c) if self.f.value_type(a) == Type::I32 => MoveSrc::Imm(sext32(c)),
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
    fn edge(&mut self, call: &BlockCall, edges: &mut Vec<(Sym, VInst, Sym)>) -> Sym {
        match self.par_move(call) {
            None => self.block_label(call.block),
            Some(mv) => {
                let l = self.local();
                edges.push((l, mv, self.block_label(call.block)));
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
                self.define(p, Self::arg_loc_b(i, self.l));
            }
        }
        for &inst in &self.f.blocks[b].insts.clone() {
            self.lower_inst(inst)?;
        }
        let term = self.f.blocks[b].term.clone().expect("verified function");
        self.vc.srcloc = term.srcloc.offset();
        let next_label = next.map(|n| self.block_label(n));
        let mut edges: Vec<(Sym, VInst, Sym)> = Vec::new();
        let mut succs = Vec::new();
        match &term.kind {
            TermKind::Jump(call) => {
                if let Some(mv) = self.par_move(call) {
                    self.vc.push(mv);
                }
                let t = self.block_label(call.block);
                if next_label != Some(t) {
                    self.vc.push(VInst::Jump(t));
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
                                op: UnaryOp::Eqz, ..
                            } => (
                                self.zero_test(args[0]),
                                self.a(args[0]),
                                VB::Imm(lit(0)),
                                false,
                            ),
                            _ => unreachable!("fused op"),
                        };
                        let flow = if neg {
                            label_flow(else_l, then_l)
                        } else {
                            label_flow(then_l, else_l)
                        };
                        if !self.kept.contains(&i) {
                            self.emit_f(zop, a, bb, VS::None, flow);
                        } else if !neg {
                            let d = self.dst(*cond);
                            self.emit_f(zop, a, bb, d, flow);
                        } else {
                            // The op computes the opposite: the kept result is its negation,
                            // tested as an unfused condition is.
                            let d = self.dst(*cond);
                            self.emit(zop, a, bb, VS::None);
                            self.emit(Op::Xor, VA::C, VB::Imm(lit(1)), d);
                            let (zt, c) = (self.zero_test(*cond), self.a(*cond));
                            self.emit_f(
                                zt,
                                c,
                                VB::Imm(lit(0)),
                                VS::None,
                                label_flow(else_l, then_l),
                            );
                        }
                    }
                    None => {
                        let (zop, c) = (self.zero_test(*cond), self.a(*cond));
                        self.emit_f(
                            zop,
                            c,
                            VB::Imm(lit(0)),
                            VS::None,
                            label_flow(else_l, then_l),
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
                succs.push(def_l);
                if targets.is_empty() {
                    self.vc.push(VInst::Jump(def_l));
                } else {
                    let labels: Vec<Sym> =
                        targets.iter().map(|t| self.edge(t, &mut edges)).collect();
                    let table = if let Some(sw) = self.byte_switch.get(&b).copied() {
                        // One entry per byte value: no bounds test, no extension, no addition.
                        let all: Vec<Sym> = (0..256)
                            .map(|byte| match sw.index_of(byte) {
                                k if k < labels.len() => labels[k],
                                _ => def_l,
                            })
                            .collect();
                        let table = self.jump_table(&all);
                        let xa = self.a(sw.byte);
                        self.emit(Op::Sll, xa, VB::Imm(lit(3)), VS::Reg(2));
                        table
                    } else {
                        if self.resume_dispatch(b, *index, targets) {
                            let zop = if self.ext.ext[*index].any() {
                                Op::Eq
                            } else {
                                Op::EqW
                            };
                            let ia = self.a(*index);
                            self.emit_f(zop, ia, VB::Imm(lit(0)), VS::None, to_label(labels[0]));
                        }
                        let table = self.jump_table(&labels);
                        let ib = self.b(*index);
                        let ia = self.a(*index);
                        // `len <= index` goes to the default: for an extended index, as
                        // `len - 1 < index`, a frequent operation for small ones (see `compare`).
                        let len = labels.len() as u64;
                        let (zop, bound) = if self.ext.ext[*index].any() {
                            (Op::Ltu, len - 1)
                        } else {
                            (Op::LeuW, len)
                        };
                        self.emit_f(zop, VA::Imm(lit(bound)), ib, VS::None, to_label(def_l));
                        self.scaled_index(*index, ia, 3);
                        table
                    };
                    self.vc.push(VInst::Op {
                        op: Op::CopyB,
                        a: VA::Reg(2),
                        b: VB::Table(table),
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
            TermKind::Trap(code) => self.vc.push(VInst::Jump(self.l.trap(*code))),
        }
        self.vc.end_block(succs);
        for (l, mv, target) in edges {
            self.vc.begin_block(l);
            self.vc.blocks.last_mut().expect("edge block").edge = true;
            self.vc.push(mv);
            self.vc.push(VInst::Jump(target));
            self.vc.end_block(vec![target]);
        }
        Ok(())
    }

    /// Whether `b`'s `br_table` on `index` over `targets` is Go's resume dispatch: the entry
    /// block of a function `(i32) -> i32` switching on its parameter, the resume point, which
    /// is 0 on every call and other values only when a goroutine resumes (Go's wasm ABI,
    /// `cmd/compile/internal/wasm`: `PC_B`), with 0 and 1 both the function's start. Its test
    /// of 0 first (`eq`) costs a step where the table costs three.
    fn resume_dispatch(&self, b: Block, index: IrValue, targets: &[BlockCall]) -> bool {
        let (f, sig) = (self.f, &self.m.funcs[self.fid].sig);
        Some(b) == f.entry()
            && f.blocks[b].params.first() == Some(&index)
            && sig.params == [Type::I32]
            && sig.results == [Type::I32]
            && targets.len() > 2
            && targets[0] == targets[1]
    }

    /// A jump table of `labels` ([`VB::Table`]), named by a label of the function.
    fn jump_table(&mut self, labels: &[Sym]) -> u32 {
        let table = self.vc.local_label();
        self.vc.tables.push((table, labels.to_vec()));
        self.vc.tables.len() as u32 - 1
    }
}

/// Selects every function with a body (`None` for imports); an unsupported construct is
/// reported with the function it is in. Functions are selected on rayon's threads, each with
/// labels of its own ([`VCode::local_label`]); then, in the module's order, the labels take
/// their place in `plan`'s symbols and the code is renumbered to them, so that the result is
/// what selecting one function after the other gives, whatever the threads. `bodies` are the
/// functions' bodies (`m`'s own may have been taken out), each dropped once selected.
pub(crate) fn select_functions<B: std::borrow::Borrow<Function> + Send>(
    m: &Module,
    bodies: Vec<Option<B>>,
    plan: &mut Plan,
    opts: &CodegenOptions,
) -> Result<Vec<Option<VCode>>, CodegenError> {
    use rayon::prelude::*;
    let (l, symbols) = (&plan.layout, &mut plan.symbols);
    let decls: Vec<_> = m.funcs.iter().collect();
    let selected: Vec<Result<Option<VCode>, CodegenError>> = (decls.par_iter())
        .zip(bodies)
        .map(|(&(id, f), body)| {
            let Some(body) = body else {
                return Ok(None);
            };
            let vc = compile_function(m, l, opts, id, body.borrow()).map_err(|e| match e {
                CodegenError::Unsupported {
                    what,
                    func: None,
                    offset,
                } => CodegenError::Unsupported {
                    what,
                    func: Some(f.name.clone()),
                    offset,
                },
                e => e,
            })?;
            Ok(Some(vc))
        })
        .collect();
    let mut out = Vec::with_capacity(selected.len());
    symbols.reserve(
        (selected.iter().flatten().flatten())
            .map(|vc| (vc.ir_blocks + vc.locals) as usize)
            .sum(),
    );
    // Where each function's labels start among the program's symbols ([`VCode::globalize`]).
    let mut firsts = Vec::with_capacity(selected.len());
    for (s, (id, _)) in selected.into_iter().zip(decls) {
        let Some(vc) = s? else {
            out.push(None);
            firsts.push(Sym(0));
            continue;
        };
        firsts.push(vc.name_labels(symbols, l.func_labels[id.index()]));
        out.push(Some(vc));
    }
    (out.par_iter_mut().zip(firsts))
        .for_each(|(vc, first)| vc.iter_mut().for_each(|vc| vc.globalize(first)));
    Ok(out)
}

fn compile_function(
    m: &Module,
    l: &Layout,
    opts: &CodegenOptions,
    fid: FuncId,
    f: &Function,
) -> Result<VCode, CodegenError> {
    let mut consts = f.value_map(None);
    let mut uses: SecondaryMap<IrValue, u32> = f.value_map(0);
    let mut def_block: SecondaryMap<Inst, Option<Block>> = f.inst_map(None);
    let mut has_calls = false;
    for &b in &f.layout {
        for &i in &f.blocks[b].insts {
            def_block[i] = Some(b);
            let d = &f.insts[i];
            match d.op {
                IrOp::Const { bits, .. } => consts[d.results[0]] = Some(bits),
                IrOp::RefNull(_) => consts[d.results[0]] = Some(0),
                IrOp::RefFunc(g) => consts[d.results[0]] = Some(g.index() as u64 + 1),
                IrOp::MemorySize => {
                    if let Some(size) = l.fixed_size {
                        consts[d.results[0]] = Some(size / 65536);
                    }
                }
                _ => {}
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
    let mut fused = HashSet::default();
    let mut kept = HashSet::default();
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
                // Read again only after the block (its other reads are in other blocks or
                // are the branch's own arguments): the compare moves to the branch and keeps
                // its result.
                let later = || {
                    let insts = &f.blocks[b].insts;
                    let at = insts
                        .iter()
                        .position(|&j| j == i)
                        .expect("compare in block");
                    !insts[at + 1..]
                        .iter()
                        .any(|&j| f.insts[j].args.contains(cond))
                };
                if fusable && def_block[i] == Some(b) {
                    if uses[*cond] == 1 {
                        fused.insert(i);
                    } else if later() {
                        fused.insert(i);
                        kept.insert(i);
                    }
                }
            }
        }
    }
    let ext = ext::analyze(f);
    let (byte_switch, raw_bytes, switch_adds) = byte_switches(f, &consts, &uses);
    fused.extend(switch_adds);
    // `x & !y` in one `andn`: an `and` with an operand `xor(y, all ones)` used only there. For
    // an i32, `andn` gives the same low 32 bits, but its upper bits are `x`'s and `!y`'s, not
    // those of the `xor`: only when they keep what `ext` says of the `and`'s result.
    let mut andn = HashMap::default();
    for &b in &f.layout {
        for &i in &f.blocks[b].insts {
            let IrOp::Binary {
                op: BinaryOp::And,
                ty: ty @ (Type::I32 | Type::I64),
            } = f.insts[i].op
            else {
                continue;
            };
            let ones = if ty == Type::I32 { LOW32 } else { u64::MAX };
            let not_of = |v: IrValue| match f.values[v].def {
                zkc_ir::ValueDef::Result(x, _) if uses[v] == 1 => match f.insts[x].op {
                    IrOp::Binary {
                        op: BinaryOp::Xor, ..
                    } => {
                        let a = &f.insts[x].args;
                        let ones_at =
                            |k: usize| consts[a[k]].is_some_and(|c| ty.truncate(c) == ones);
                        if ones_at(1) {
                            Some((x, a[0]))
                        } else if ones_at(0) {
                            Some((x, a[1]))
                        } else {
                            None
                        }
                    }
                    _ => None,
                },
                _ => None,
            };
            let args = &f.insts[i].args;
            let found = not_of(args[1])
                .map(|n| (n, args[0]))
                .or_else(|| not_of(args[0]).map(|n| (n, args[1])));
            if let Some(((x, y), other)) = found {
                let e = |v: IrValue| ext.ext[v];
                let keeps = (e(other) & Ext::ZERO) | (e(other) & e(y) & Ext::SIGN);
                let claimed = e(f.insts[i].results[0]);
                if (ty == Type::I64 || keeps.contains(claimed)) && fused.insert(x) {
                    andn.insert(i, (other, y));
                }
            }
        }
    }
    // A select between the two operands of an ordering compare is their min or max: one op
    // instead of a copy, a branch and maybe another copy (and the compare, if only the select
    // reads it). The i32 forms sign-extend their result: only where the address facts allow.
    let mut minmax = HashMap::default();
    for &b in &f.layout {
        for &i in &f.blocks[b].insts {
            let IrOp::Select { ty } = f.insts[i].op else {
                continue;
            };
            let args = &f.insts[i].args;
            let zkc_ir::ValueDef::Result(c, _) = f.values[args[2]].def else {
                continue;
            };
            let IrOp::Compare { op, ty: cty } = f.insts[c].op else {
                continue;
            };
            let (a, b2) = (f.insts[c].args[0], f.insts[c].args[1]);
            let first = if (args[0], args[1]) == (a, b2) {
                true
            } else if (args[0], args[1]) == (b2, a) {
                false
            } else {
                continue;
            };
            let signed = match op {
                CmpOp::LtU | CmpOp::LeU | CmpOp::GtU | CmpOp::GeU => false,
                CmpOp::LtS | CmpOp::LeS | CmpOp::GtS | CmpOp::GeS => true,
                _ => continue,
            };
            if cty != ty || !ty.is_int() {
                continue;
            }
            // An i32 whose operands are both the right extension (zero for unsigned, sign for
            // signed) compares as its 64-bit value, and the 64-bit op keeps that extension; else
            // the `_w` op, whose sign-extended result must not contradict the facts.
            let both = ext.ext[a] & ext.ext[b2];
            let exact =
                ty == Type::I64 || both.contains(if signed { Ext::SIGN } else { Ext::ZERO });
            let claimed = ext.ext[f.insts[i].results[0]];
            if !exact && !Ext::SIGN.contains(claimed) {
                continue;
            }
            let (min, max) = match (signed, exact) {
                (false, true) => (Op::Minu, Op::Maxu),
                (false, false) => (Op::MinuW, Op::MaxuW),
                (true, true) => (Op::Min, Op::Max),
                (true, false) => (Op::MinW, Op::MaxW),
            };
            // The op that gives `a` when the compare holds (then `first`), else its opposite.
            let less = matches!(op, CmpOp::LtU | CmpOp::LeU | CmpOp::LtS | CmpOp::LeS);
            let zop = if less == first { min } else { max };
            if uses[args[2]] == 1 {
                fused.insert(c);
            }
            minmax.insert(i, (zop, a, b2));
        }
    }
    let checks = Checks::compute(
        f,
        &consts,
        &ext.ranges,
        l.mem_min,
        |v| ext.ext[v].contains(Ext::SIGN),
        |len| l.fixed_size.is_some() || l.bounds.contains_key(&len),
    );
    // An address addition that every use reads as a displacement emits nothing.
    let mut folded_uses: HashMap<IrValue, u32> = HashMap::default();
    for &access in checks.displaced.keys() {
        *folded_uses.entry(f.insts[access].args[0]).or_default() += 1;
    }
    for (v, n) in folded_uses {
        if uses[v] == n {
            if let zkc_ir::ValueDef::Result(i, _) = f.values[v].def {
                fused.insert(i);
            }
        }
    }
    let order = zkc_ir::cfg::reverse_postorder(f);
    let reachable: HashSet<Block> = order.iter().copied().collect();
    let blocks: Vec<Block> = f
        .layout
        .iter()
        .copied()
        .filter(|b| reachable.contains(b))
        .collect();
    let mut cx = Ctx {
        m,
        l,
        opts,
        fid,
        f,
        vc: VCode::with_capacity(&blocks, f),
        vreg: f.value_map(None),
        consts,
        uses,
        fused,
        kept,
        andn,
        minmax,
        byte_switch,
        raw_bytes,
        ext,
        checks,
        ra: None,
        wrapping: None,
        wrapped_checks: Vec::new(),
    };
    if has_calls {
        cx.ra = Some(cx.vc.new_vreg());
    }
    let result = blocks
        .iter()
        .enumerate()
        .try_for_each(|(k, &b)| cx.lower_block(b, blocks.get(k + 1).copied()));
    result?;
    // The paths' labels, the function's last local labels ([`VCode::wrapped`]).
    for (k, &check) in cx.wrapped_checks.iter().enumerate() {
        let label = cx.vc.local_label();
        cx.vc.wrapped[k].label = label;
        if let VInst::Op { flow, .. } = &mut cx.vc.insts[check] {
            *flow = to_label(label);
        }
    }
    let mut vc = cx.vc;
    vc.resolve_succs();
    Ok(vc)
}

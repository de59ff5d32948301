//! `version`: loop versioning for bounds checks. A loop whose accesses walk memory with its
//! induction variables gets a copy whose accesses are marked `notrap`, and a guard before both
//! that checks, once per entry, that every address the copy's marked accesses can reach lies
//! inside the memory; the guard enters the copy when it holds and the original loop, checks and
//! all, when it does not. A program that goes out of bounds runs the original loop, so it traps
//! at the same access with the same output before it: wasm semantics exactly.
//!
//! **What the guard knows.** For each i32 parameter `p` of the loop header (an induction
//! variable: every back edge passes `p + s`), a test of a block that every iteration passes
//! through (it dominates every latch) and that leaves the loop when it fails bounds the values
//! `p` takes at the header:
//! - `x <u n` with `n` invariant and `x` the value the back edges pass for `p`: every value but
//!   the first is below `n`, so with `p0 <u n` all lie in `[0, n - 1]`;
//! - the same test of `p` itself, `s` in `[0, S]`: the values lie in `[0, n - 1 + S]`, when
//!   `p0` does and that bound stays below 2^32 (the step then cannot wrap);
//! - with a constant step `c`, `±2^k`, `x != n` counts the iterations when `n - p0` (mod 2^32)
//!   is a multiple of `c`, and so does `x <u n` for `c > 0` with `p0 <u n`, `n + c` below 2^32:
//!   the header is entered at most `last + 1` times, and every parameter with a constant step
//!   `d` takes the values `q0 + j * d` (mod 2^32), `0 <= j <= last`, whatever test bounds it.
//!
//! Other exits only shorten the loop.
//!
//! **Signed tests.** A C loop `while (pc < n)` over an `int` tests `x <s n`, which bounds
//! nothing from below: an interpreter's `pc` comes back from memory (a jump target), so no
//! analysis shows it non-negative. When that test ends the loop's one latch, whose staying edge
//! is the back edge, and `x` is what it passes for `p`, the copy's latch tests `x <u n` instead:
//! with `n <= 2^31 - 1` (a guard) that implies `x <s n`, so the copy stays only where the
//! original would, and bounds `p` as an unsigned test does. Where the two differ (`x` negative)
//! a new block tests `x <s n` again and goes on in the original loop, at its header with the
//! same values, checks and all, or leaves the loop where that fails. The copy's latch does as
//! many tests as the original's on every iteration it stays.
//!
//! **What the copy marks.** An access whose address is, in
//! wasm's i32 arithmetic (add, sub, shl and mul by constants), an affine combination
//! `U = k + sum(a * inv) + sum(b * p)` of invariant values and bounded parameters: the address
//! is `U mod 2^32`, the ring operations agree modulo 2^32, so when the guard proves
//! `0 <= U` and `U + offset + width <= memory size` (<= 2^32) for the extreme values of the
//! parameters, computed in i64 from the zero-extended operands, the address is `U` itself and
//! the access is inside the memory. Memory never shrinks, so a guard that held before the loop
//! holds in every iteration. Coefficients and steps are at most [`MAX_COEF`] and an address has
//! at most [`MAX_TERMS`] invariant and as many parameter terms, so no i64 computation of a
//! guard can overflow: `last * sum(coef * step)` is below 2^32 * 4 * 2^24 = 2^58, every other
//! term below 2^12 * 2^32.
//!
//! Accesses at invariant addresses are left to `peel` (one check before the loop covers
//! them). The backend emits no check for a `notrap` access; its i32 address additions done as
//! 64-bit ones stay exact for them, since ZisK's memory is far below 2^31 bytes and a sum that
//! is not the wrapped address would lie outside it (`backend-zisk` `codegen/ext.rs`).
//!
//! **Copy loops.** A loop of one block that only loads bytes and stores them unchanged, each
//! load's value in one store of its width, the bytes an iteration reads consecutive and
//! advancing by their number, copies `len = (last + 1) * d` bytes from `src` to `dst` front to
//! back when its one exit is the counting test (then `last` is exact). That is `memory.copy`
//! (`memmove`) exactly when `dst <= src`, provided every store comes after the loads of the
//! source bytes before its end (it then overwrites only bytes already read), or when the two
//! ranges are apart; the guard then ends with those two tests, true enters one `memory.copy`
//! (a DMA operation on ZisK) and the loop's exit with the values the loop would leave: values
//! from before it, and counted parameters in the last iteration (`p0 + last * step`) or after
//! it. Else the unchecked loop runs. This is LLVM's loop idiom recognition (`memcpy` from a
//! store of a load), done here where the exact count and the guard are at hand.
//!
//! **Slots.** In a loop of one block whose other memory accesses are all at invariant
//! addresses `root + k` (plus their offsets) from one root, each reaching a slot it accesses
//! whole at one width (a C compiler's stack temporaries, the 128-bit results `__multi3` returns
//! through memory), with no call in the loop, the copy keeps each slot in a value: a load reads
//! what the iteration last stored there, or the slot's value when the iteration began (a new
//! header parameter, loaded before the loop), and each exit stores the slots written once. The
//! guard adds what makes that exact: each address value is its root plus `k` without wrapping,
//! the slots lie inside the memory, and every group of versioned accesses lies entirely below
//! or above them (so no other access in the loop reaches a slot). This is LLVM's scalar
//! promotion in LICM, made safe by the guard instead of by alias analysis.
//!
//! Loop versioning for bounds checks is what Java JITs call range check elimination by loop
//! versioning (HotSpot's `PhaseIdealLoop::do_range_check`, Würthinger et al., "Array bounds
//! check elimination in the context of deoptimization", 2009), here without speculation.

use crate::loops::{self, LoopCopy};
use crate::util::{const_of, FunctionPass};
use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};
use zkc_ir::cfg::ControlFlow;
use zkc_ir::ranges::{Range, Ranges};
use zkc_ir::{
    BinaryOp, Block, BlockCall, CmpOp, ConvOp, Function, Inst, Module, Op, SecondaryMap, SrcLoc,
    TermKind, Type, UnaryOp, Value, ValueDef,
};

/// The largest loop versioned, in instructions (the copy costs ROM and compile time).
pub const MAX_INSTS: usize = 160;
/// The largest coefficient of a parameter or invariant in an address, and step of a counted
/// parameter.
pub const MAX_COEF: i64 = 1 << 12;
/// Loops that a counting test shows to run at most this many iterations are left alone: the
/// guard would cost about what the checks it saves cost.
pub const MIN_TRIPS: i64 = 4;
/// The most invariant terms, and the most parameter terms, of an address.
pub const MAX_TERMS: usize = 4;
/// How deep an address's arithmetic is followed.
const MAX_DEPTH: u32 = 12;
const U32_MAX: i64 = u32::MAX as i64;

pub fn pass(m: &Module) -> FunctionPass {
    // Without a memory there is no access to version.
    let min_mem = m.memory.as_ref().map(|mem| mem.min as i64 * 65536);
    Box::new(move |f, r| {
        let Some(min_mem) = min_mem else { return };
        let n = version_function(f, min_mem);
        r.add("loops versioned", n.versioned);
        r.add("accesses unchecked", n.marked);
        r.add("copy loops", n.copies);
        r.add("slots in values", n.slots);
    })
}

/// What versioning did in a function.
#[derive(Default)]
struct Counts {
    versioned: u64,
    marked: u64,
    copies: u64,
    slots: u64,
}

fn version_function(f: &mut Function, min_mem: i64) -> Counts {
    let mut n = Counts::default();
    // The value ranges, computed when a loop first needs them (the copies' values
    // have none: their whole type; versioning changes no existing value).
    let ranges: OnceCell<Ranges> = OnceCell::new();
    let versioned = loops::one_at_a_time(
        f,
        |view, h, body| {
            let cx = LoopCx::new(view, &ranges, min_mem, h, body)?;
            cx.plan().map(|p| (cx.in_body, p))
        },
        |f, cfg, _, body, (in_body, plan)| {
            n.marked += plan.accesses.len() as u64;
            n.copies += plan.copy.is_some() as u64;
            n.slots += plan.slots.as_ref().map_or(0, |s| s.slots.len() as u64);
            vec![apply(f, cfg, body, &in_body, plan)]
        },
    );
    n.versioned = versioned as u64;
    n
}

/// A term of a guard's i64 expression.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
enum Atom {
    /// An invariant i32 value, zero-extended.
    Zext(Value),
    /// The header parameter's value on entry, zero-extended.
    P0(usize),
    /// The memory's size in bytes.
    MemBytes,
    /// Arithmetic shift right (of values a holding guard makes non-negative).
    Shr(X, u32),
    AndC(X, i64),
}

/// An i64 expression the guard computes: `k + sum(coef * atom)`, kept linear so that bounds
/// like `4 * (n - 1) + 4` cost what `4 * n` costs.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
struct X {
    terms: BTreeMap<Atom, i64>,
    k: i64,
}

impl X {
    fn atom(a: Atom) -> X {
        X {
            terms: BTreeMap::from([(a, 1)]),
            k: 0,
        }
    }
    fn konst(k: i64) -> X {
        X { k, ..X::default() }
    }
    fn zext(v: Value) -> X {
        X::atom(Atom::Zext(v))
    }
    fn p0(k: usize) -> X {
        X::atom(Atom::P0(k))
    }
    fn constant(&self) -> Option<i64> {
        self.terms.is_empty().then_some(self.k)
    }
    fn add(mut self, o: X) -> X {
        for (a, c) in o.terms {
            *self.terms.entry(a).or_default() += c;
        }
        self.terms.retain(|_, c| *c != 0);
        self.k += o.k;
        self
    }
    fn addc(self, c: i64) -> X {
        self.add(X::konst(c))
    }
    fn sub(self, o: X) -> X {
        self.add(o.mulc(-1))
    }
    fn mulc(mut self, c: i64) -> X {
        self.terms.values_mut().for_each(|t| *t *= c);
        self.terms.retain(|_, c| *c != 0);
        self.k *= c;
        self
    }
    fn shr(self, s: u32) -> X {
        match self.constant() {
            _ if s == 0 => self,
            Some(k) => X::konst(k >> s),
            None => X::atom(Atom::Shr(self, s)),
        }
    }
    fn andc(self, m: i64) -> X {
        let narrow = self.k == 0
            && matches!(
                self.terms.iter().collect::<Vec<_>>().as_slice(),
                [(Atom::Zext(_) | Atom::P0(_), 1)]
            );
        match self.constant() {
            Some(k) => X::konst(k & m),
            None if m == 0 => X::konst(0),
            // A zero-extended value is its own low 32 bits.
            None if narrow && m & U32_MAX == U32_MAX => self,
            None => X::atom(Atom::AndC(self, m)),
        }
    }
}

/// A condition the guard requires.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
enum Cond {
    /// `x <= 0` (signed).
    NonPositive(X),
    /// `x == 0`.
    Zero(X),
    /// One of the two.
    Either(Box<Cond>, Box<Cond>),
}

impl Cond {
    /// Signed `a <= b`.
    fn le(a: X, b: X) -> Cond {
        Cond::NonPositive(a.sub(b))
    }
    /// `a < b` for values of at most 32 bits.
    fn lt(a: X, b: X) -> Cond {
        Cond::le(a.addc(1), b)
    }
    /// `Some(holds)` when the condition is constant.
    fn constant(&self) -> Option<bool> {
        match self {
            Cond::NonPositive(x) => x.constant().map(|k| k <= 0),
            Cond::Zero(x) => x.constant().map(|k| k == 0),
            Cond::Either(a, b) => match (a.constant(), b.constant()) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
        }
    }
}

/// How a header parameter changes along the back edges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// By this constant (a signed i32) on every back edge.
    Const(i64),
    /// By a value in `[0, max]`.
    UpTo(i64),
}

/// A loop exit test: the loop goes on only while `x <u n` (`Lt`; in the copy, for a signed
/// test) or `x != n` (`Ne`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rel {
    Lt,
    Ne,
}

#[derive(Clone, Copy, Debug)]
struct Test {
    /// The header parameter tested.
    iv: usize,
    rel: Rel,
    /// Whether the test reads the value the back edges pass (else the header's own).
    on_next: bool,
    /// The invariant bound; `None` for 0 (`brif x` tests `x != 0`).
    n: Option<Value>,
    /// For a signed `x <s n`: the latch that tests it (module docs, "Signed tests").
    signed: Option<Block>,
}

/// What the guard knows of a header parameter's values.
#[derive(Clone, Debug)]
enum Fact {
    /// `p0 + j * step` (mod 2^32) in iteration `j`, `0 <= j <= last`.
    Counted { step: i64 },
    /// Every value in `[0, hi]`.
    UpTo { hi: X, guards: Vec<Cond> },
    /// `p0 + j * step` (mod 2^32) in iteration `j`, `0 <= j <= last`, for a `last` of its
    /// own (a merge's, [`LoopCx::merge_count`]) that holds under `guards`.
    Stepped {
        step: i64,
        last: X,
        guards: Vec<Cond>,
    },
}

/// An address as `k + sum(coef * inv) + sum(coef * param)`, coefficients reduced to signed
/// 32 bits (the address is this modulo 2^32).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Lin {
    inv: BTreeMap<Value, i64>,
    ivs: BTreeMap<usize, i64>,
    k: i64,
}

fn wrap32(x: i64) -> i64 {
    x as i32 as i64
}

impl Lin {
    fn combine(mut self, o: &Lin, sign: i64) -> Option<Lin> {
        for (&v, &c) in &o.inv {
            *self.inv.entry(v).or_default() += sign * c;
        }
        for (&i, &c) in &o.ivs {
            *self.ivs.entry(i).or_default() += sign * c;
        }
        self.k += sign * o.k;
        self.normalized()
    }

    fn scaled(mut self, by: i64) -> Option<Lin> {
        self.inv.values_mut().for_each(|c| *c = wrap32(*c * by));
        self.ivs.values_mut().for_each(|c| *c = wrap32(*c * by));
        self.k *= by;
        self.normalized()
    }

    fn normalized(mut self) -> Option<Lin> {
        self.k = wrap32(self.k);
        self.inv.values_mut().for_each(|c| *c = wrap32(*c));
        self.ivs.values_mut().for_each(|c| *c = wrap32(*c));
        self.inv.retain(|_, c| *c != 0);
        self.ivs.retain(|_, c| *c != 0);
        let small = |c: &i64| c.abs() <= MAX_COEF;
        (self.inv.values().all(small)
            && self.ivs.values().all(small)
            && self.inv.len() <= MAX_TERMS
            && self.ivs.len() <= MAX_TERMS)
            .then_some(self)
    }
}

/// What versioning a loop needs.
struct Plan {
    h: Block,
    guards: Vec<Cond>,
    /// The latches whose signed tests the copy makes unsigned, leaving for the original loop
    /// where the two differ (module docs, "Signed tests").
    retest: Vec<Block>,
    /// The accesses the copy marks `notrap`.
    accesses: Vec<Inst>,
    /// The exit blocks that receive the loop's escaping values ([`loops::pass_through`]).
    pass_through: Vec<(Block, Vec<Value>)>,
    /// Set when the loop only copies memory forward: the guarded path then copies with one
    /// `memory.copy` where that means the same (module docs, "Copy loops").
    copy: Option<CopyLoop>,
    /// Memory at invariant addresses that the copy keeps in values (module docs, "Slots").
    slots: Option<Slots>,
}

/// The loop's accesses at invariant addresses, `root + k` plus the offset, all from one root:
/// the slots they reach, each accessed whole at one width.
struct Slots {
    /// `None`: the addresses are constants.
    root: Option<Option<Value>>,
    /// Each address value and its `k`.
    bases: Vec<(Value, i64)>,
    slots: Vec<Slot>,
    /// Each access and its slot.
    uses: Vec<(Inst, usize)>,
}

struct Slot {
    /// Bytes from the root.
    key: i64,
    width: u8,
    ty: Type,
    /// An address and offset that reach it.
    at: (Base, u32),
    /// Whether an iteration reads it before writing it (the loop needs its value on entry).
    read_first: bool,
    written: bool,
}

/// A slot's address: a value from before the loop, or a constant (defined anywhere).
#[derive(Clone, Copy)]
enum Base {
    Value(Value),
    Const(u32),
}

impl Base {
    /// The address as a value in `block`.
    fn value(self, f: &mut Function, block: Block, srcloc: SrcLoc) -> Value {
        match self {
            Base::Value(v) => v,
            Base::Const(c) => {
                let op = Op::Const {
                    ty: Type::I32,
                    bits: c as u64,
                };
                let i = f.append_inst(block, op, &[], &[Type::I32], srcloc);
                f.insts[i].results[0]
            }
        }
    }
}

impl Slots {
    /// What the copy needs: each address value is the root plus its `k` without wrapping, the
    /// slots inside the memory, and every group's bytes below or above them all.
    fn guards(&self, spans: &[(X, X)]) -> Vec<Cond> {
        let root = self.root.flatten().map_or(X::konst(0), X::zext);
        let lo = self.slots.iter().map(|s| s.key).min().expect("a slot");
        let hi = self
            .slots
            .iter()
            .map(|s| s.key + s.width as i64)
            .max()
            .expect("a slot");
        let mut out: Vec<Cond> = self
            .bases
            .iter()
            .map(|&(b, k)| Cond::Zero(X::zext(b).sub(root.clone()).addc(-k)))
            .collect();
        out.push(Cond::le(X::konst(0), root.clone().addc(lo)));
        out.push(Cond::le(root.clone().addc(hi), X::atom(Atom::MemBytes)));
        for (min, max) in spans {
            out.push(Cond::Either(
                Box::new(Cond::le(max.clone(), root.clone().addc(lo))),
                Box::new(Cond::le(root.clone().addc(hi), min.clone())),
            ));
        }
        out
    }
}

/// `v` as `root + k` through i32 additions and subtractions of constants.
fn root_of(f: &Function, mut v: Value) -> (Value, i64) {
    let mut k = 0i64;
    for _ in 0..MAX_DEPTH {
        let ValueDef::Result(i, 0) = f.values[v].def else {
            break;
        };
        let d = &f.insts[i];
        let (sign, x, c) = match (&d.op, d.args.as_slice()) {
            (
                Op::Binary {
                    op: BinaryOp::Add,
                    ty: Type::I32,
                },
                &[a, b],
            ) => match (const_of(f, a), const_of(f, b)) {
                (_, Some(c)) => (1, a, c),
                (Some(c), _) => (1, b, c),
                _ => break,
            },
            (
                Op::Binary {
                    op: BinaryOp::Sub,
                    ty: Type::I32,
                },
                &[a, b],
            ) => match const_of(f, b) {
                Some(c) => (-1, a, c),
                None => break,
            },
            _ => break,
        };
        k += sign * wrap32(c as i64);
        v = x;
    }
    (v, k)
}

/// A loop that copies `len` bytes from `src` to `dst`, front to back, and does nothing else.
struct CopyLoop {
    exit: Block,
    dst: X,
    src: X,
    len: X,
    /// What its exit edge passes, escaping values last (as [`loops::pass_through`]
    /// appends them).
    exit_args: Vec<ExitArg>,
}

/// What a counted loop's guard knows of its header parameters: the values the back edges
/// pass, the facts, the first values, the last iteration.
#[derive(Clone, Copy)]
struct Counted<'p> {
    back: &'p [Vec<Value>],
    facts: &'p [Option<Fact>],
    starts: &'p [X],
    last: &'p X,
}

/// A value the loop leaves, as the copy computes it without running the loop.
enum ExitArg {
    /// Defined before the loop.
    Outside(Value),
    /// An i32: the low 32 bits of this expression.
    I32(X),
}

struct LoopCx<'a> {
    f: &'a Function,
    cfg: &'a ControlFlow,
    inst_block: &'a SecondaryMap<Inst, Option<Block>>,
    ranges: &'a OnceCell<Ranges>,
    /// The initial memory's size in bytes: the backend checks no access whose address range
    /// lies inside it (`backend-zisk` `codegen/checks.rs`).
    min_mem: i64,
    h: Block,
    body: &'a [Block],
    in_body: SecondaryMap<Block, bool>,
    latches: Vec<Block>,
}

impl<'a> LoopCx<'a> {
    /// The loop headed by `h` if it is innermost and small enough.
    fn new(
        view: &loops::LoopView<'a>,
        ranges: &'a OnceCell<Ranges>,
        min_mem: i64,
        h: Block,
        body: &'a [Block],
    ) -> Option<Self> {
        let (f, cfg, inst_block) = (view.f, view.cfg, view.inst_block);
        let (in_body, latches) = loops::small_innermost(f, cfg, view.all, h, body, MAX_INSTS)?;
        Some(LoopCx {
            f,
            cfg,
            inst_block,
            ranges,
            min_mem,
            h,
            body,
            in_body,
            latches,
        })
    }

    fn inside(&self, v: Value) -> bool {
        loops::defined_in(self.f, self.inst_block, &self.in_body, v)
    }

    /// The values every back edge passes for each header parameter.
    fn back_args(&self) -> Vec<Vec<Value>> {
        let f = self.f;
        let mut out = vec![Vec::new(); f.blocks[self.h].params.len()];
        for &l in &self.latches {
            for call in f.blocks[l].term.iter().flat_map(|t| t.targets()) {
                if call.block == self.h {
                    for (k, &a) in call.args.iter().enumerate() {
                        out[k].push(a);
                    }
                }
            }
        }
        out
    }

    /// How parameter `k` (`p`) steps: every back edge passes `p + s`.
    fn step(&self, p: Value, args: &[Value]) -> Option<Step> {
        let f = self.f;
        let mut out: Option<Step> = None;
        for &a in args {
            let ValueDef::Result(i, 0) = f.values[a].def else {
                return None;
            };
            let d = &f.insts[i];
            let s = match (&d.op, d.args.as_slice()) {
                (
                    Op::Binary {
                        op: BinaryOp::Add,
                        ty: Type::I32,
                    },
                    &[x, y],
                ) if x == p || y == p => {
                    if x == p {
                        y
                    } else {
                        x
                    }
                }
                _ => return None,
            };
            let this = match const_of(f, s) {
                Some(c) => Step::Const(wrap32(c as i64)),
                None => Step::UpTo(small_nonnegative(f, s)?),
            };
            out = Some(match (out, this) {
                (None, t) => t,
                (Some(Step::Const(a)), Step::Const(b)) if a == b => Step::Const(a),
                (Some(o), t) => Step::UpTo(upper(o)?.max(upper(t)?)),
            });
        }
        out
    }

    /// The exit tests of blocks every iteration passes through.
    fn tests(&self, back: &[Vec<Value>]) -> Vec<Test> {
        let f = self.f;
        let mut out = Vec::new();
        for &b in self.body {
            if !self.latches.iter().all(|&l| self.cfg.dominates(b, l)) {
                continue;
            }
            let Some(TermKind::Brif {
                cond,
                then_dest,
                else_dest,
            }) = f.blocks[b].term.as_ref().map(|t| &t.kind)
            else {
                continue;
            };
            let stay_if_true = self.in_body[then_dest.block];
            if stay_if_true == self.in_body[else_dest.block] {
                continue;
            }
            let compare = match f.values[*cond].def {
                ValueDef::Result(i, 0) => match f.insts[i].op {
                    Op::Compare { op, ty: Type::I32 } => Some((op, &f.insts[i].args)),
                    _ => None,
                },
                _ => None,
            };
            let candidates = match compare {
                Some((op, args)) => {
                    let (a0, a1) = (args[0], Some(args[1]));
                    // A signed test is one the copy can re-test only where its staying edge is
                    // the back edge (module docs, "Signed tests").
                    let latch = (if stay_if_true { then_dest } else { else_dest }).block == self.h;
                    let signed = latch.then_some(b);
                    match (op, stay_if_true) {
                        (CmpOp::LtU, true) | (CmpOp::GeU, false) => vec![(Rel::Lt, a0, a1, None)],
                        (CmpOp::GtU, true) | (CmpOp::LeU, false) => {
                            vec![(Rel::Lt, args[1], Some(a0), None)]
                        }
                        (CmpOp::LtS, true) | (CmpOp::GeS, false) if latch => {
                            vec![(Rel::Lt, a0, a1, signed)]
                        }
                        (CmpOp::GtS, true) | (CmpOp::LeS, false) if latch => {
                            vec![(Rel::Lt, args[1], Some(a0), signed)]
                        }
                        (CmpOp::Ne, true) | (CmpOp::Eq, false) => {
                            vec![(Rel::Ne, a0, a1, None), (Rel::Ne, args[1], Some(a0), None)]
                        }
                        _ => continue,
                    }
                }
                // `brif x` stays while `x != 0`.
                None if stay_if_true && f.values[*cond].ty == Type::I32 => {
                    vec![(Rel::Ne, *cond, None, None)]
                }
                None => continue,
            };
            for (rel, x, n, signed) in candidates {
                if n.is_some_and(|n| self.inside(n) && const_of(f, n).is_none()) {
                    continue;
                }
                let found = match f.values[x].def {
                    ValueDef::Param(hb, k) if hb == self.h => Some((k as usize, false)),
                    _ => back
                        .iter()
                        .position(|args| !args.is_empty() && args.iter().all(|&a| a == x))
                        .map(|k| (k, true)),
                };
                if let Some((iv, on_next)) = found {
                    // A signed test bounds only the values the back edge passes.
                    if signed.is_some() && !on_next {
                        continue;
                    }
                    out.push(Test {
                        iv,
                        rel,
                        on_next,
                        n,
                        signed,
                    });
                    break;
                }
            }
        }
        out
    }

    /// The plan for versioning this loop, if it has an access the guard can cover.
    fn plan(&self) -> Option<Plan> {
        let f = self.f;
        let params = f.blocks[self.h].params.clone();
        let back = self.back_args();
        if back.iter().any(|a| a.is_empty()) {
            return None;
        }
        let steps: Vec<Option<Step>> = params
            .iter()
            .zip(&back)
            .map(|(&p, args)| {
                (f.values[p].ty == Type::I32)
                    .then(|| self.step(p, args))
                    .flatten()
            })
            .collect();
        let tests = self.tests(&back);
        // Each parameter's value on entry, as the guard reads it: zero-extended, or the
        // constant every entry passes (the guard then folds what it can).
        let entry: Vec<Option<i64>> = (0..params.len()).map(|k| self.entry_constant(k)).collect();
        let p0 = |k: usize| entry[k].map_or(X::p0(k), |c| X::konst(c as u32 as i64));
        let short = tests.iter().any(|t| match steps[t.iv] {
            Some(Step::Const(c)) if c != 0 && t.signed.is_none() => {
                self.max_trips(t, c).is_some_and(|trips| trips <= MIN_TRIPS)
            }
            _ => false,
        });
        if short {
            return None;
        }
        // The iteration count, from the first test of a parameter with a power-of-two step.
        let count = tests.iter().find_map(|t| {
            let (Some(Step::Const(c)), None) = (steps[t.iv], t.signed) else {
                return None;
            };
            let m = c.abs();
            if m == 0 || m > MAX_COEF || m & (m - 1) != 0 {
                return None;
            }
            let log = m.trailing_zeros();
            let (p0, n) = (p0(t.iv), self.limit(t));
            Some(match (t.rel, t.on_next) {
                // The distance to `n` in steps, modulo 2^32: the loop stops where it is 0.
                (Rel::Ne, on_next) => {
                    let d = if c > 0 { n.sub(p0) } else { p0.sub(n) };
                    let d = d.andc(U32_MAX);
                    let aligned = Cond::Zero(d.clone().andc(m - 1));
                    let steps = d.clone().shr(log);
                    if on_next {
                        (steps.addc(-1), vec![Cond::le(X::konst(1), d), aligned])
                    } else {
                        (steps, vec![aligned])
                    }
                }
                (Rel::Lt, _) if c < 0 => return None,
                (Rel::Lt, true) => (
                    n.clone().sub(p0.clone()).addc(-1).shr(log),
                    vec![
                        Cond::lt(p0, n.clone()),
                        Cond::le(n.addc(c - 1), X::konst(U32_MAX)),
                    ],
                ),
                (Rel::Lt, false) => (
                    n.clone().sub(p0.clone()).addc(c - 1).shr(log),
                    vec![
                        Cond::le(p0, n.clone()),
                        Cond::le(n.addc(c - 1), X::konst(U32_MAX)),
                    ],
                ),
            })
        });
        // The latches whose signed tests the copy re-tests: those that bound a parameter.
        let mut retest: Vec<Block> = Vec::new();
        let mut facts: Vec<Option<Fact>> = (0..params.len())
            .map(|k| match steps[k] {
                Some(Step::Const(c)) if count.is_some() && c.abs() <= MAX_COEF => {
                    Some(Fact::Counted { step: c })
                }
                step => tests.iter().find_map(|t| {
                    let fact = (t.iv == k && t.rel == Rel::Lt)
                        .then(|| bound(t, p0(t.iv), self.limit(t), step))??;
                    retest.extend(t.signed.filter(|b| !retest.contains(b)));
                    Some(fact)
                }),
            })
            .collect();
        if let Some((last, gs)) = self.merge_count(&back, &facts, &p0) {
            for k in 0..params.len() {
                match (&facts[k], steps[k]) {
                    (None, Some(Step::Const(step))) if step.abs() <= MAX_COEF => {
                        facts[k] = Some(Fact::Stepped {
                            step,
                            last: last.clone(),
                            guards: gs.clone(),
                        });
                    }
                    _ => {}
                }
            }
        }
        // Each counted parameter's first value in addresses: a constant as its signed value (a
        // count from -96 up to 0 indexes from a negative start; any representative modulo 2^32
        // gives the address, module docs).
        let starts: Vec<X> = (0..params.len())
            .map(|k| entry[k].map_or(X::p0(k), X::konst))
            .collect();
        // The accesses, grouped by their variable part: (min k, max k + offset + width).
        let mut memo: HashMap<Value, Option<Lin>> = HashMap::new();
        let mut groups: Vec<(Lin, i64, i64)> = Vec::new();
        let mut accesses = Vec::new();
        for &b in self.body {
            for &i in &f.blocks[b].insts {
                let (offset, width) = match f.insts[i].op {
                    Op::Load {
                        offset,
                        width,
                        notrap: false,
                        ..
                    }
                    | Op::Store {
                        offset,
                        width,
                        notrap: false,
                        ..
                    } => (offset as i64, width as i64),
                    _ => continue,
                };
                let Some(lin) = self.lin(f.insts[i].args[0], &facts, &mut memo, 0) else {
                    continue;
                };
                if lin.ivs.is_empty() || self.unchecked_anyway(f.insts[i].args[0], offset + width) {
                    continue;
                }
                accesses.push(i);
                let (lo, end) = (lin.k, lin.k + offset + width);
                let key = Lin { k: 0, ..lin };
                match groups.iter_mut().find(|(l, _, _)| *l == key) {
                    Some(g) => {
                        g.1 = g.1.min(lo);
                        g.2 = g.2.max(end);
                    }
                    None => groups.push((key, lo, end)),
                }
            }
        }
        if accesses.is_empty() {
            return None;
        }
        let mut guards: Vec<Cond> = Vec::new();
        // Each group's bytes, [min, max), for the slots' guards.
        let mut spans: Vec<(X, X)> = Vec::new();
        let push = |c: Cond, guards: &mut Vec<Cond>| {
            if c.constant() != Some(true) && !guards.contains(&c) {
                guards.push(c);
            }
        };
        for (lin, lo, end) in &groups {
            let mut a0 = X::konst(0);
            let mut negative = false;
            for (&v, &c) in &lin.inv {
                a0 = a0.add(X::zext(v).mulc(c));
                negative |= c < 0;
            }
            let (mut up, mut down, mut d) = (X::konst(0), X::konst(0), 0);
            for (&k, &c) in &lin.ivs {
                negative |= c < 0;
                match facts[k]
                    .as_ref()
                    .expect("facts of the parameters in addresses")
                {
                    Fact::Counted { step } => {
                        a0 = a0.add(starts[k].clone().mulc(c));
                        d += c * step;
                        for g in &count.as_ref().expect("a count for counted parameters").1 {
                            push(g.clone(), &mut guards);
                        }
                    }
                    Fact::UpTo { hi, guards: gs } => {
                        if c > 0 {
                            up = up.add(hi.clone().mulc(c));
                        } else {
                            down = down.add(hi.clone().mulc(c));
                        }
                        for g in gs {
                            push(g.clone(), &mut guards);
                        }
                    }
                    Fact::Stepped {
                        step,
                        last,
                        guards: gs,
                    } => {
                        a0 = a0.add(starts[k].clone().mulc(c));
                        if c * step > 0 {
                            up = up.add(last.clone().mulc(c * step));
                        } else {
                            down = down.add(last.clone().mulc(c * step));
                            negative = true;
                        }
                        for g in gs {
                            push(g.clone(), &mut guards);
                        }
                    }
                }
            }
            if d != 0 {
                let last = count.as_ref().expect("a count").0.clone();
                if d > 0 {
                    up = up.add(last.mulc(d));
                } else {
                    down = down.add(last.mulc(d));
                    negative = true;
                }
            }
            negative |= a0.k + *lo < 0;
            let max = a0.clone().add(up).addc(*end);
            push(Cond::le(max.clone(), X::atom(Atom::MemBytes)), &mut guards);
            let min = a0.add(down).addc(*lo);
            if negative {
                push(Cond::le(X::konst(0), min.clone()), &mut guards);
            }
            spans.push((min, max));
        }
        if guards.iter().any(|g| g.constant() == Some(false)) {
            return None;
        }
        let in_body = &self.in_body;
        let escaping = loops::escaping(f, self.cfg, in_body, |v| self.inside(v));
        let exits = loops::exits(f, self.body, in_body);
        let pass_through = loops::pass_through_plan(f, self.cfg, in_body, &exits, &escaping)?;
        // A re-test leaves the copy by an edge the slots' stores do not cover.
        let slots = retest.is_empty().then(|| self.slots(&accesses)).flatten();
        if let Some(sl) = &slots {
            for c in sl.guards(&spans) {
                push(c, &mut guards);
            }
        }
        let copy = count.as_ref().and_then(|(last, count_guards)| {
            let ps = Counted {
                back: &back,
                facts: &facts,
                starts: &starts,
                last,
            };
            let c = self.copy_loop(ps, &memo, &accesses, &escaping)?;
            // The copy relies on the exact count, whose conditions are then guards even if
            // no address needed them.
            for g in count_guards {
                push(g.clone(), &mut guards);
            }
            Some(c)
        });
        Some(Plan {
            h: self.h,
            guards,
            retest,
            accesses,
            pass_through,
            copy,
            slots,
        })
    }

    /// The loop's slots (module docs, "Slots"), if it has any and nothing else touches
    /// memory but the accesses the guard covers.
    fn slots(&self, accesses: &[Inst]) -> Option<Slots> {
        let (f, h) = (self.f, self.h);
        if self.body != [h] {
            return None;
        }
        let mut out = Slots {
            root: None,
            bases: Vec::new(),
            slots: Vec::new(),
            uses: Vec::new(),
        };
        for &i in &f.blocks[h].insts {
            let d = &f.insts[i];
            let (offset, width, ty, is_load) = match d.op {
                Op::Load {
                    offset, width, ty, ..
                } => (offset, width, ty, true),
                Op::Store {
                    offset, width, ty, ..
                } => (offset, width, ty, false),
                ref op if op.is_pure() => continue,
                _ => return None,
            };
            if accesses.contains(&i) {
                continue;
            }
            let addr = d.args[0];
            let konst = const_of(f, addr).map(|c| c as u32);
            if (self.inside(addr) && konst.is_none()) || u32::from(width) * 8 != ty.bits() {
                return None;
            }
            let (root, k) = match konst {
                Some(c) => (None, c as i64),
                None => {
                    let (root, k) = root_of(f, addr);
                    (Some(root), k)
                }
            };
            if *out.root.get_or_insert(root) != root {
                return None;
            }
            if konst.is_none() && !out.bases.iter().any(|&(b, _)| b == addr) {
                out.bases.push((addr, k));
            }
            let at = match konst {
                Some(c) => Base::Const(c),
                None => Base::Value(addr),
            };
            let key = k + offset as i64;
            let s = match out.slots.iter().position(|sl| sl.key == key) {
                Some(s) if out.slots[s].width == width && out.slots[s].ty == ty => s,
                Some(_) => return None,
                None => {
                    let end = key + width as i64;
                    if out
                        .slots
                        .iter()
                        .any(|sl| sl.key < end && key < sl.key + sl.width as i64)
                    {
                        return None;
                    }
                    out.slots.push(Slot {
                        key,
                        width,
                        ty,
                        at: (at, offset),
                        read_first: is_load,
                        written: false,
                    });
                    out.slots.len() - 1
                }
            };
            out.slots[s].written |= !is_load;
            out.uses.push((i, s));
        }
        (!out.slots.is_empty()).then_some(out)
    }

    /// The loop as a forward copy (module docs, "Copy loops"), if it is one: its one block
    /// loads bytes at `src + j*d + x` and stores each, unchanged, at `dst + j*d + x` for `x`
    /// covering `[0, d)` once, in iterations `j` from 0 to `last`, and computes nothing else
    /// that outlives it but counted parameters.
    fn copy_loop(
        &self,
        ps: Counted<'_>,
        memo: &HashMap<Value, Option<Lin>>,
        accesses: &[Inst],
        escaping: &[Value],
    ) -> Option<CopyLoop> {
        let (f, h) = (self.f, self.h);
        let Counted {
            back,
            facts,
            starts,
            last,
        } = ps;
        if self.body != [h] {
            return None;
        }
        let term = f.blocks[h].term.as_ref()?;
        let TermKind::Brif {
            then_dest,
            else_dest,
            ..
        } = &term.kind
        else {
            return None;
        };
        let exit = match (then_dest.block == h, else_dest.block == h) {
            (true, false) => else_dest,
            (false, true) => then_dest,
            _ => return None,
        };
        let mut uses: HashMap<Value, usize> = HashMap::new();
        let insts = &f.blocks[h].insts;
        for v in insts
            .iter()
            .flat_map(|&i| f.insts[i].args.iter().copied())
            .chain(term.uses())
        {
            *uses.entry(v).or_default() += 1;
        }
        // Both sides' address as `base + sum(c * p)` with the same parameter part, and each
        // access's position `x` relative to the source's base (`delta` more on the other side).
        let lin_of = |i: Inst| -> Option<&Lin> {
            accesses.contains(&i).then_some(())?;
            memo.get(&f.insts[i].args[0])?.as_ref()
        };
        let (mut src_base, mut dst_base) = (None::<&Lin>, None::<&Lin>);
        let same_part = |a: &Lin, b: &Lin| a.inv == b.inv && a.ivs == b.ivs;
        let mut loads: HashMap<Value, (i64, u8, usize)> = HashMap::new();
        // (x, width, position in the block) of each store.
        let mut stores: Vec<(i64, u8, usize)> = Vec::new();
        let mut delta = None;
        for (at, &i) in insts.iter().enumerate() {
            let d = &f.insts[i];
            match d.op {
                Op::Load { offset, width, .. } => {
                    let lin = lin_of(i)?;
                    let r = d.results[0];
                    if uses.get(&r) != Some(&1) || escaping.contains(&r) {
                        return None;
                    }
                    match src_base {
                        Some(b) if !same_part(b, lin) => return None,
                        Some(_) => {}
                        None => src_base = Some(lin),
                    }
                    loads.insert(r, (lin.k + offset as i64 - src_base?.k, width, at));
                }
                Op::Store { offset, width, .. } => {
                    let lin = lin_of(i)?;
                    let &(x, w, _) = loads.get(&d.args[1])?;
                    if w != width {
                        return None;
                    }
                    match dst_base {
                        Some(b) if !same_part(b, lin) => return None,
                        Some(_) => {}
                        None => dst_base = Some(lin),
                    }
                    let dx = lin.k + offset as i64 - dst_base?.k - x;
                    if *delta.get_or_insert(dx) != dx {
                        return None;
                    }
                    stores.push((x, width, at));
                }
                ref op if op.is_pure() => {}
                _ => return None,
            }
        }
        let (src, dst) = (src_base?, dst_base?);
        // Both sides advance by the same `d` bytes per iteration.
        let advance = |lin: &Lin| {
            lin.ivs.iter().try_fold(0, |d, (&k, &c)| match facts[k] {
                Some(Fact::Counted { step }) => Some(d + c * step),
                _ => None,
            })
        };
        let d = advance(src)?;
        if advance(dst)? != d || stores.len() != loads.len() {
            return None;
        }
        let mut spans: Vec<(i64, u8, usize)> = stores.clone();
        spans.sort_unstable();
        let x0 = spans[0].0;
        let end = spans
            .iter()
            .try_fold(x0, |at, &(x, w, _)| (x == at).then_some(x + w as i64))?;
        if d <= 0 || end - x0 != d {
            return None;
        }
        // Every store comes after the loads of the bytes before its end: with `dst <= src`
        // it only overwrites source bytes already read.
        for &(x, w, at) in &stores {
            if loads.values().any(|&(y, _, l)| y < x + w as i64 && l > at) {
                return None;
            }
        }
        let start = |lin: &Lin, k: i64| {
            let mut s = X::konst(k);
            for (&v, &c) in &lin.inv {
                s = s.add(X::zext(v).mulc(c));
            }
            for (&p, &c) in &lin.ivs {
                s = s.add(starts[p].clone().mulc(c));
            }
            s
        };
        let counted = |k: usize| match facts.get(k) {
            Some(Some(Fact::Counted { step })) => Some(*step),
            _ => None,
        };
        let params = &f.blocks[h].params;
        let exit_args = exit
            .args
            .iter()
            .chain(escaping)
            .map(|&v| {
                if !self.inside(v) {
                    return Some(ExitArg::Outside(v));
                }
                if f.values[v].ty != Type::I32 {
                    return None;
                }
                if let Some(c) = const_of(f, v) {
                    return Some(ExitArg::I32(X::konst(c as i64)));
                }
                // A parameter in the last iteration, or the value its back edges pass.
                let (k, after) = match params.iter().position(|&p| p == v) {
                    Some(k) => (k, 0),
                    None => (back.iter().position(|a| a.iter().all(|&b| b == v))?, 1),
                };
                let step = counted(k)?;
                Some(ExitArg::I32(
                    starts[k].clone().add(last.clone().addc(after).mulc(step)),
                ))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(CopyLoop {
            exit: exit.block,
            dst: start(dst, dst.k + x0 + delta?),
            src: start(src, src.k + x0),
            len: last.clone().addc(1).mulc(d),
            exit_args,
        })
    }

    /// An invariant i32 value as the guard reads it (constants as such: they may be defined
    /// inside the loop).
    fn invariant(&self, v: Value) -> X {
        match const_of(self.f, v) {
            Some(c) => X::konst(c as u32 as i64),
            None => X::zext(v),
        }
    }

    /// A merge's iteration count (module docs): parameters `i` and `j` with upper bounds step
    /// by `x` and `1 - x`, `x` a 0 or 1 (`eqz x`, or the complementary comparison), on the one
    /// back edge, so `i + j` grows by exactly one
    /// per iteration and `hi_i + hi_j - i0 - j0` bounds the iterations after the first. That
    /// bound, and the conditions under which the upper bounds hold.
    fn merge_count(
        &self,
        back: &[Vec<Value>],
        facts: &[Option<Fact>],
        p0: &dyn Fn(usize) -> X,
    ) -> Option<(X, Vec<Cond>)> {
        let f = self.f;
        let params = &f.blocks[self.h].params;
        let def = |v: Value| match f.values[v].def {
            ValueDef::Result(i, 0) => Some(&f.insts[i]),
            _ => None,
        };
        let step_of = |k: usize| -> Option<Value> {
            let [a] = back[k].as_slice() else {
                return None;
            };
            let d = def(*a)?;
            match (&d.op, d.args.as_slice()) {
                (
                    Op::Binary {
                        op: BinaryOp::Add,
                        ty: Type::I32,
                    },
                    &[x, y],
                ) if x == params[k] || y == params[k] => Some(if x == params[k] { y } else { x }),
                _ => None,
            }
        };
        // Whether `y` is `1 - x` for a 0-or-1 `x`: `eqz x`, or the complementary comparison.
        let negates = |y: Value, x: Value| match (def(y), def(x)) {
            (Some(d), _)
                if matches!(
                    d.op,
                    Op::Unary {
                        op: UnaryOp::Eqz,
                        ty: Type::I32
                    }
                ) =>
            {
                d.args[0] == x
            }
            (Some(dy), Some(dx)) => match (&dy.op, &dx.op) {
                (Op::Compare { op: oy, ty: ty_y }, Op::Compare { op: ox, ty: ty_x })
                    if ty_y == ty_x && ty_x.is_int() =>
                {
                    let (a, b) = (dx.args[0], dx.args[1]);
                    let not = ox.negated();
                    (Some(*oy) == not && dy.args[..] == [a, b])
                        || (Some(*oy) == not.map(CmpOp::swapped) && dy.args[..] == [b, a])
                }
                _ => false,
            },
            _ => false,
        };
        for (i, fi) in facts.iter().enumerate() {
            let Some(Fact::UpTo {
                hi: hi_i,
                guards: gi,
            }) = fi
            else {
                continue;
            };
            let Some(x) = step_of(i).filter(|&x| small_nonnegative(f, x) == Some(1)) else {
                continue;
            };
            for (j, fj) in facts.iter().enumerate() {
                let Some(Fact::UpTo {
                    hi: hi_j,
                    guards: gj,
                }) = fj
                else {
                    continue;
                };
                if j != i && step_of(j).is_some_and(|y| negates(y, x)) {
                    let last = hi_i.clone().add(hi_j.clone()).sub(p0(i)).sub(p0(j));
                    return Some((last, gi.iter().chain(gj).cloned().collect()));
                }
            }
        }
        None
    }

    /// The signed value of the constant every entry passes for header parameter `k`, if any.
    fn entry_constant(&self, k: usize) -> Option<i64> {
        let f = self.f;
        let mut out = None;
        for p in loops::outside_preds(self.cfg, self.h, &self.in_body) {
            for call in f.blocks[p].term.iter().flat_map(|t| t.targets()) {
                if call.block == self.h {
                    let c = wrap32(const_of(f, call.args[k])? as i64);
                    if *out.get_or_insert(c) != c {
                        return None;
                    }
                }
            }
        }
        out
    }

    /// Whether the backend checks no access of `end` bytes from `addr`: its value range lies
    /// inside the initial memory.
    fn unchecked_anyway(&self, addr: Value, end: i64) -> bool {
        let r = self.ranges.get_or_init(|| Ranges::compute(self.f)).of(addr);
        r.lo >= 0 && r.hi.saturating_add(end) <= self.min_mem
    }

    /// A test's bound as the guard reads it.
    fn limit(&self, t: &Test) -> X {
        t.n.map_or(X::konst(0), |n| self.invariant(n))
    }

    /// An upper bound of the iterations a counting test allows, from the value ranges of the
    /// bound and the parameter's initial values.
    fn max_trips(&self, t: &Test, c: i64) -> Option<i64> {
        let f = self.f;
        let ranges = self.ranges.get_or_init(|| Ranges::compute(f));
        let mut p0: Option<Range> = None;
        for p in loops::outside_preds(self.cfg, self.h, &self.in_body) {
            for call in f.blocks[p].term.iter().flat_map(|t| t.targets()) {
                if call.block == self.h {
                    let r = ranges.of(call.args[t.iv]);
                    p0 = Some(p0.map_or(r, |q| q.join(r)));
                }
            }
        }
        // Values the copies of earlier versioned loops define have no range: the whole type,
        // which the i128 differences below keep from overflowing.
        let (p0, n) = (p0?, t.n.map_or(Range::constant(0), |n| ranges.of(n)));
        let (lo, hi) = if c > 0 {
            (n.lo as i128 - p0.hi as i128, n.hi as i128 - p0.lo as i128)
        } else {
            (p0.lo as i128 - n.hi as i128, p0.hi as i128 - n.lo as i128)
        };
        (lo >= 0 && hi <= U32_MAX as i128).then(|| hi as i64 / c.abs() + !t.on_next as i64)
    }

    /// `v` as an affine combination of invariants and parameters with facts.
    fn lin(
        &self,
        v: Value,
        facts: &[Option<Fact>],
        memo: &mut HashMap<Value, Option<Lin>>,
        depth: u32,
    ) -> Option<Lin> {
        if let Some(l) = memo.get(&v) {
            return l.clone();
        }
        let f = self.f;
        let out = if let Some(c) = const_of(f, v) {
            Lin {
                k: wrap32(c as i64),
                ..Lin::default()
            }
            .normalized()
        } else if !self.inside(v) {
            Some(Lin {
                inv: BTreeMap::from([(v, 1)]),
                ..Lin::default()
            })
        } else if depth >= MAX_DEPTH {
            None
        } else {
            match f.values[v].def {
                ValueDef::Param(b, k) if b == self.h && facts[k as usize].is_some() => Some(Lin {
                    ivs: BTreeMap::from([(k as usize, 1)]),
                    ..Lin::default()
                }),
                ValueDef::Result(i, 0) => {
                    let d = &f.insts[i];
                    let mut arg = |k: usize| self.lin(d.args[k], facts, memo, depth + 1);
                    match d.op {
                        Op::Binary { op, ty: Type::I32 } => match op {
                            BinaryOp::Add => arg(0).and_then(|a| a.combine(&arg(1)?, 1)),
                            BinaryOp::Sub => arg(0).and_then(|a| a.combine(&arg(1)?, -1)),
                            BinaryOp::Shl => const_of(f, d.args[1])
                                .and_then(|s| arg(0)?.scaled(1i64 << (s & 31))),
                            BinaryOp::Mul => match (const_of(f, d.args[0]), const_of(f, d.args[1]))
                            {
                                (_, Some(c)) => arg(0).and_then(|a| a.scaled(wrap32(c as i64))),
                                (Some(c), _) => arg(1).and_then(|a| a.scaled(wrap32(c as i64))),
                                _ => None,
                            },
                            _ => None,
                        },
                        _ => None,
                    }
                }
                _ => None,
            }
        };
        memo.insert(v, out.clone());
        out
    }
}

/// The bound a `<u n` test gives its parameter (module docs), if its step allows one.
fn bound(t: &Test, p0: X, n: X, step: Option<Step>) -> Option<Fact> {
    if t.on_next {
        let mut guards = vec![Cond::lt(p0, n.clone())];
        if t.signed.is_some() {
            // Below 2^31, `x <u n` implies `x <s n`: the copy stays only where the original
            // would.
            guards.push(Cond::le(n.clone(), X::konst(i32::MAX as i64)));
        }
        return Some(Fact::UpTo {
            hi: n.addc(-1),
            guards,
        });
    }
    let hi = n.addc(upper(step?)? - 1);
    Some(Fact::UpTo {
        hi: hi.clone(),
        guards: vec![Cond::le(p0, hi.clone()), Cond::le(hi, X::konst(U32_MAX))],
    })
}

/// The largest step, when no step is negative.
fn upper(s: Step) -> Option<i64> {
    match s {
        Step::Const(c) if c >= 0 => Some(c),
        Step::UpTo(m) => Some(m),
        Step::Const(_) => None,
    }
}

/// An upper bound of `v` when it is known to be small and non-negative (a comparison, a
/// masked value, a zero-extended byte).
fn small_nonnegative(f: &Function, v: Value) -> Option<i64> {
    let ValueDef::Result(i, 0) = f.values[v].def else {
        return None;
    };
    let d = &f.insts[i];
    match d.op {
        Op::Compare { .. }
        | Op::Unary {
            op: UnaryOp::Eqz, ..
        } => Some(1),
        Op::Binary {
            op: BinaryOp::And,
            ty: Type::I32,
        } => d
            .args
            .iter()
            .filter_map(|&a| const_of(f, a))
            .map(|c| c as u32 as i64)
            .min()
            .filter(|&m| m <= MAX_COEF),
        _ => None,
    }
}

/// Versions the planned loop (module docs); returns the copy's header.
fn apply(
    f: &mut Function,
    cfg: &ControlFlow,
    body: &[Block],
    in_body: &SecondaryMap<Block, bool>,
    plan: Plan,
) -> Block {
    let h = plan.h;
    loops::pass_through(f, cfg, body, in_body, &plan.pass_through);
    let outside = loops::outside_preds(cfg, h, in_body);
    let copy = loops::copy_loop(f, h, body, in_body, false);
    for &i in &plan.accesses {
        let c = copy.insts[i].expect("copied access");
        if let Op::Load { notrap, .. } | Op::Store { notrap, .. } = &mut f.insts[c].op {
            *notrap = true;
        }
    }
    let srcloc = f.blocks[h]
        .term
        .as_ref()
        .map(|t| t.srcloc)
        .unwrap_or_default();
    let guard = f.create_detached_block();
    let tys: Vec<Type> = f.blocks[h].params.iter().map(|&p| f.values[p].ty).collect();
    let params: Vec<Value> = tys
        .into_iter()
        .map(|t| f.append_block_param(guard, t))
        .collect();
    let copy_h = copy.blocks[h].expect("copied header");
    // One block per condition, each a compare and branch (one ZisK instruction) to the next
    // or to the original loop.
    let mut e = Emit {
        f,
        block: guard,
        params: &params,
        srcloc,
        memo: HashMap::new(),
        scaled: HashMap::new(),
    };
    let mut new = vec![guard];
    for c in &plan.guards {
        let ok = e.cond(c);
        let next = e.f.create_detached_block();
        new.push(next);
        let to_slow = BlockCall::new(h, params.clone());
        e.f.set_terminator(
            e.block,
            TermKind::Brif {
                cond: ok,
                then_dest: BlockCall::new(next, vec![]),
                else_dest: to_slow,
            },
            srcloc,
        );
        e.block = next;
    }
    let mut into = params.clone();
    if let Some(sl) = &plan.slots {
        // The values the slots hold on entry, for those an iteration reads first.
        for slot in sl.slots.iter().filter(|s| s.read_first) {
            let load = Op::Load {
                ty: slot.ty,
                width: slot.width,
                signed: false,
                offset: slot.at.1,
                notrap: true,
            };
            let addr = slot.at.0.value(e.f, e.block, srcloc);
            into.push(e.inst(load, &[addr], slot.ty));
        }
        new.extend(promote(e.f, copy_h, &copy, sl, srcloc));
    }
    let into_copy = BlockCall::new(copy_h, into);
    match &plan.copy {
        Some(c) => e.memory_copy(c, into_copy, &mut new),
        None => {
            e.f.set_terminator(e.block, TermKind::Jump(into_copy), srcloc)
        }
    }
    new.extend(body.iter().map(|&b| copy.blocks[b].expect("copy")));
    for &b in &plan.retest {
        new.push(retest(f, copy.blocks[b].expect("copied latch"), copy_h, h));
    }
    loops::enter_through(f, &outside, h, &new, guard);
    copy_h
}

/// Makes the copied latch `latch` stay in the copy (header `copy_h`) while its signed test
/// holds unsigned, and else go to a new block that tests it signed again: the original loop's
/// header `h` with the same values where it holds, the exit where it fails (module docs,
/// "Signed tests"). Returns the new block.
fn retest(f: &mut Function, latch: Block, copy_h: Block, h: Block) -> Block {
    let t = f.blocks[latch].term.take().expect("terminator");
    let TermKind::Brif {
        cond,
        then_dest,
        else_dest,
    } = t.kind
    else {
        unreachable!("a latch whose test bounds a parameter ends in brif");
    };
    let ValueDef::Result(c, 0) = f.values[cond].def else {
        unreachable!("a signed test is a comparison");
    };
    let (signed @ Op::Compare { op, ty }, args) = (f.insts[c].op.clone(), f.insts[c].args.clone())
    else {
        unreachable!("a signed test is a comparison");
    };
    let unsigned_op = match op {
        CmpOp::LtS => CmpOp::LtU,
        CmpOp::GeS => CmpOp::GeU,
        CmpOp::GtS => CmpOp::GtU,
        CmpOp::LeS => CmpOp::LeU,
        _ => unreachable!("a signed test is a signed comparison"),
    };
    let unsigned = f.append_inst(
        latch,
        Op::Compare {
            op: unsigned_op,
            ty,
        },
        &args,
        &[Type::I32],
        t.srcloc,
    );
    let unsigned = f.insts[unsigned].results[0];
    // The signed test again, computed where it is needed: the latch's own becomes dead.
    let again = f.create_detached_block();
    let cond = f.append_inst(again, signed, &args, &[Type::I32], t.srcloc);
    let cond = f.insts[cond].results[0];
    let to_again = BlockCall::new(again, vec![]);
    let stay_if_true = then_dest.block == copy_h;
    let (stay, exit) = if stay_if_true {
        (then_dest, else_dest)
    } else {
        (else_dest, then_dest)
    };
    let to_h = BlockCall::new(h, stay.args.clone());
    let (latch_kind, again_kind) = if stay_if_true {
        (
            TermKind::Brif {
                cond: unsigned,
                then_dest: stay,
                else_dest: to_again,
            },
            TermKind::Brif {
                cond,
                then_dest: to_h,
                else_dest: exit,
            },
        )
    } else {
        (
            TermKind::Brif {
                cond: unsigned,
                then_dest: to_again,
                else_dest: stay,
            },
            TermKind::Brif {
                cond,
                then_dest: exit,
                else_dest: to_h,
            },
        )
    };
    f.set_terminator(latch, latch_kind, t.srcloc);
    f.set_terminator(again, again_kind, t.srcloc);
    again
}

impl Emit<'_> {
    /// Ends the guard with the copy loop's shortcut: where a forward copy means what
    /// `memory.copy` means (`dst <= src`, or the ranges apart), one `memory.copy` and on to the
    /// loop's exit with the values the loop would leave; else `into_copy`, the unchecked loop.
    /// Everything is computed before the first branch, so that both paths can read it.
    fn memory_copy(&mut self, c: &CopyLoop, into_copy: BlockCall, new: &mut Vec<Block>) {
        let (dst, src, len) = (self.x(&c.dst), self.x(&c.src), self.x(&c.len));
        let src_end = self.bin(BinaryOp::Add, src, len);
        let args: Vec<Value> = c
            .exit_args
            .iter()
            .map(|a| match a {
                ExitArg::Outside(v) => *v,
                ExitArg::I32(x) => {
                    let v = self.x(x);
                    self.inst(Op::Convert(ConvOp::I32WrapI64), &[v], Type::I32)
                }
            })
            .collect();
        let narrow =
            [dst, src, len].map(|v| self.inst(Op::Convert(ConvOp::I32WrapI64), &[v], Type::I32));
        let below = self.cmp(CmpOp::LeU, Type::I64, dst, src);
        let (apart, copy) = (
            self.f.create_detached_block(),
            self.f.create_detached_block(),
        );
        let srcloc = self.srcloc;
        self.f.set_terminator(
            self.block,
            TermKind::Brif {
                cond: below,
                then_dest: BlockCall::new(copy, vec![]),
                else_dest: BlockCall::new(apart, vec![]),
            },
            srcloc,
        );
        self.block = apart;
        let after = self.cmp(CmpOp::LeU, Type::I64, src_end, dst);
        self.f.set_terminator(
            apart,
            TermKind::Brif {
                cond: after,
                then_dest: BlockCall::new(copy, vec![]),
                else_dest: into_copy,
            },
            srcloc,
        );
        self.f
            .append_inst(copy, Op::MemoryCopy, &narrow, &[], srcloc);
        self.f
            .set_terminator(copy, TermKind::Jump(BlockCall::new(c.exit, args)), srcloc);
        new.extend([apart, copy]);
    }
}

/// Keeps the slots of the one-block loop `cb` (the copy) in values: each load of a slot reads
/// the value last stored to it, or the value the slot held when the iteration began (a new
/// parameter of `cb`, which the back edge passes), the stores go, and each exit leaves through
/// a new block that stores the written slots' last values. Returns the new blocks.
fn promote(f: &mut Function, cb: Block, copy: &LoopCopy, sl: &Slots, srcloc: SrcLoc) -> Vec<Block> {
    let mut cur: Vec<Option<Value>> = sl
        .slots
        .iter()
        .map(|s| s.read_first.then(|| f.append_block_param(cb, s.ty)))
        .collect();
    let slot_of: HashMap<Inst, usize> = sl
        .uses
        .iter()
        .map(|&(i, s)| (copy.insts[i].expect("copied access"), s))
        .collect();
    let mut subst: HashMap<Value, Value> = HashMap::new();
    let insts = std::mem::take(&mut f.blocks[cb].insts);
    let mut kept = Vec::with_capacity(insts.len());
    for i in insts {
        for a in f.insts[i].args.iter_mut() {
            *a = subst.get(a).copied().unwrap_or(*a);
        }
        match (slot_of.get(&i), &f.insts[i].op) {
            (Some(&s), Op::Load { .. }) => {
                let v = cur[s].expect("read first, or written before");
                subst.insert(f.insts[i].results[0], v);
            }
            (Some(&s), _) => cur[s] = Some(f.insts[i].args[1]),
            (None, _) => kept.push(i),
        }
    }
    f.blocks[cb].insts = kept;
    let mut t = f.blocks[cb].term.take().expect("terminator");
    t.map_uses(|v| subst.get(&v).copied().unwrap_or(v));
    let mut new = Vec::new();
    for call in t.targets_mut() {
        if call.block == cb {
            let carried = sl.slots.iter().zip(&cur).filter(|(s, _)| s.read_first);
            call.args.extend(carried.map(|(_, v)| v.expect("a value")));
        } else if sl.slots.iter().any(|s| s.written) {
            let e = f.create_detached_block();
            for (slot, v) in sl.slots.iter().zip(&cur).filter(|(s, _)| s.written) {
                let store = Op::Store {
                    ty: slot.ty,
                    width: slot.width,
                    offset: slot.at.1,
                    notrap: true,
                };
                let v = v.expect("written");
                let addr = slot.at.0.value(f, e, srcloc);
                f.append_inst(e, store, &[addr, v], &[], srcloc);
            }
            let to = std::mem::replace(call, BlockCall::new(e, vec![]));
            f.set_terminator(e, TermKind::Jump(to), srcloc);
            new.push(e);
        }
    }
    f.blocks[cb].term = Some(t);
    new
}

/// Emits the guard's computations, each expression once.
struct Emit<'a> {
    f: &'a mut Function,
    block: Block,
    params: &'a [Value],
    srcloc: SrcLoc,
    memo: HashMap<Atom, Value>,
    scaled: HashMap<(Value, i64), Value>,
}

impl Emit<'_> {
    fn inst(&mut self, op: Op, args: &[Value], ty: Type) -> Value {
        let i = self.f.append_inst(self.block, op, args, &[ty], self.srcloc);
        self.f.insts[i].results[0]
    }

    fn konst(&mut self, c: i64) -> Value {
        self.inst(
            Op::Const {
                ty: Type::I64,
                bits: c as u64,
            },
            &[],
            Type::I64,
        )
    }

    fn bin(&mut self, op: BinaryOp, a: Value, b: Value) -> Value {
        self.inst(Op::Binary { op, ty: Type::I64 }, &[a, b], Type::I64)
    }

    fn binc(&mut self, op: BinaryOp, a: Value, c: i64) -> Value {
        let c = self.konst(c);
        self.bin(op, a, c)
    }

    fn cmp(&mut self, op: CmpOp, ty: Type, a: Value, b: Value) -> Value {
        self.inst(Op::Compare { op, ty }, &[a, b], Type::I32)
    }

    /// The i32 value an atom zero-extends, if it is one.
    fn narrow(&self, a: &Atom) -> Option<Value> {
        match a {
            Atom::Zext(v) => Some(*v),
            Atom::P0(k) => Some(self.params[*k]),
            _ => None,
        }
    }

    fn atom(&mut self, a: &Atom) -> Value {
        if let Some(&v) = self.memo.get(a) {
            return v;
        }
        let v = match a {
            Atom::Zext(_) | Atom::P0(_) => {
                let v = self.narrow(a).expect("an i32 value");
                self.inst(Op::Convert(ConvOp::I64ExtendI32U), &[v], Type::I64)
            }
            Atom::MemBytes => {
                let pages = self.inst(Op::MemorySize, &[], Type::I32);
                let pages = self.inst(Op::Convert(ConvOp::I64ExtendI32U), &[pages], Type::I64);
                self.binc(BinaryOp::Shl, pages, 16)
            }
            Atom::Shr(x, s) => {
                let x = self.x(x);
                self.binc(BinaryOp::ShrS, x, *s as i64)
            }
            Atom::AndC(x, m) => {
                let x = self.x(x);
                self.binc(BinaryOp::And, x, *m)
            }
        };
        self.memo.insert(a.clone(), v);
        v
    }

    /// `coef * atom`, for a positive `coef`.
    fn scaled(&mut self, a: &Atom, coef: i64) -> Value {
        let v = self.atom(a);
        if coef == 1 {
            return v;
        }
        if let Some(&s) = self.scaled.get(&(v, coef)) {
            return s;
        }
        let s = if coef & (coef - 1) == 0 {
            self.binc(BinaryOp::Shl, v, coef.trailing_zeros() as i64)
        } else {
            self.binc(BinaryOp::Mul, v, coef)
        };
        self.scaled.insert((v, coef), s);
        s
    }

    /// The sum of the terms of `x` whose coefficient has the sign `sign`, times `sign`, plus
    /// `k` (`None`: nothing to add).
    fn side(&mut self, x: &X, sign: i64, k: i64) -> Option<Value> {
        let mut acc: Option<Value> = None;
        for (a, &c) in x.terms.iter().filter(|(_, &c)| c * sign > 0) {
            let t = self.scaled(a, c * sign);
            acc = Some(match acc {
                None => t,
                Some(s) => self.bin(BinaryOp::Add, s, t),
            });
        }
        match (acc, k) {
            (acc, 0) => acc,
            (None, k) => Some(self.konst(k)),
            (Some(s), k) => Some(self.binc(BinaryOp::Add, s, k)),
        }
    }

    fn x(&mut self, x: &X) -> Value {
        let pos = self.side(x, 1, x.k);
        match (pos, self.side(x, -1, 0)) {
            (Some(p), None) => p,
            (p, Some(n)) => {
                let p = p.unwrap_or_else(|| self.konst(0));
                self.bin(BinaryOp::Sub, p, n)
            }
            (None, None) => self.konst(0),
        }
    }

    /// The i32 truth value of a condition, as one comparison of its positive side (its
    /// constant included) with its negative side.
    fn cond(&mut self, c: &Cond) -> Value {
        let (x, op) = match c {
            Cond::NonPositive(x) => (x, CmpOp::LeS),
            Cond::Zero(x) => (x, CmpOp::Eq),
            Cond::Either(a, b) => {
                let (a, b) = (self.cond(a), self.cond(b));
                return self.inst(
                    Op::Binary {
                        op: BinaryOp::Or,
                        ty: Type::I32,
                    },
                    &[a, b],
                    Type::I32,
                );
            }
        };
        // `a - b + k <= 0` of two i32 values: `a <u b` (k = 1) or `a <=u b` (k = 0).
        let pair: Vec<_> = x.terms.iter().collect();
        if let (CmpOp::LeS, [(a, 1), (b, -1)] | [(b, -1), (a, 1)]) = (op, pair.as_slice()) {
            if let (Some(a), Some(b), 0 | 1) = (self.narrow(a), self.narrow(b), x.k) {
                let op = if x.k == 1 { CmpOp::LtU } else { CmpOp::LeU };
                return self.cmp(op, Type::I32, a, b);
            }
        }
        let pos = self.side(x, 1, x.k);
        let neg = self.side(x, -1, 0);
        let pos = pos.unwrap_or_else(|| self.konst(0));
        let neg = neg.unwrap_or_else(|| self.konst(0));
        self.cmp(op, Type::I64, pos, neg)
    }
}

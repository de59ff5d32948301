//! `idioms`: code that computes what one ZisK operation does, replaced by that operation.
//!
//! **A 64 × 64 → 128-bit product from 32-bit halves.** wasm has no wide multiply, so
//! compiler-rt's `__multi3` (what clang emits for every `__int128` product) and hand-written
//! bignum code split both factors into 32-bit halves `x = xh·2^32 + xl` and sum four partial
//! products (compiler-rt `multi3.c`, `__mulddi3`):
//!
//! ```text
//! p = xl·yl;  t = (p >> 32) + xl·yh;  u = (t & 0xffffffff) + xh·yl
//! low  = (u << 32) | (p & 0xffffffff)          = x·y mod 2^64
//! high = xh·yh + (t >> 32) + (u >> 32)        = ⌊x·y / 2^64⌋
//! ```
//!
//! (none of the sums overflows: each is below 2^64). ZisK computes each half in one step
//! (`mul`, `muluh`; zisk-core `zisk_ops.rs`), so `low` becomes `i64.mul x, y` and the three
//! terms of `high` inside any sum become one `i64.mul_hi_u x, y`. The cross terms may come in
//! either order (`xl·yh` in `t` and `xh·yl` in `u`, or the other way round), and every
//! multiplication, addition and mask in either operand order. What the halves computed and
//! nothing reads any more is left to `dce`.
//!
//! **An i32 sum computed in i64.** Go's code addresses memory as `wrap(extend(sp) + k)`: the
//! low 32 bits of the i64 sum are the i32 sum `sp + wrap(k)` (arithmetic modulo 2^32), which
//! needs no zero extension (an `and` on ZisK) and which the backend reads as `sp` displaced by
//! `k` (`backend-zisk` `checks.rs`). Done here, in one scan, rather than as an e-graph rule:
//! the rule fired in most of a Go module's blocks and made the e-graph 5% of the whole compile
//! dearer (another round of every rule's search in each).

use crate::util::{use_counts, FunctionPass};
use zkc_ir::{BinaryOp, ConvOp, Function, Inst, Op, SecondaryMap, Type, Value, ValueDef};

const LOW32: u64 = 0xffff_ffff;

pub fn pass(_: &zkc_ir::Module) -> FunctionPass {
    Box::new(|f, r| {
        let (low, high) = wide_products(f);
        r.add("mul from halves", low);
        r.add("mul_hi_u from halves", high);
        r.add("i32 sums from i64", narrow_sums(f));
    })
}

/// The i64 operation `v` is the result of: (op, left, right).
fn bin(f: &Function, v: Value) -> Option<(BinaryOp, Value, Value)> {
    let ValueDef::Result(i, _) = f.values[v].def else {
        return None;
    };
    match f.insts[i].op {
        Op::Binary { op, ty: Type::I64 } => Some((op, f.insts[i].args[0], f.insts[i].args[1])),
        _ => None,
    }
}

fn konst(f: &Function, v: Value) -> Option<u64> {
    match f.values[v].def {
        ValueDef::Result(i, _) => match f.insts[i].op {
            Op::Const { bits, .. } => Some(bits),
            _ => None,
        },
        _ => None,
    }
}

/// `v = a op b` or `v = b op a`, with `pick` deciding which operand is which:
/// `pick(first, second)`, tried in both orders.
fn either<R>(
    f: &Function,
    v: Value,
    op: BinaryOp,
    pick: impl Fn(Value, Value) -> Option<R>,
) -> Option<R> {
    let (o, a, b) = bin(f, v)?;
    if o != op {
        return None;
    }
    pick(a, b).or_else(|| pick(b, a))
}

/// `x` of `x & 0xffffffff`.
fn low_half(f: &Function, v: Value) -> Option<Value> {
    either(f, v, BinaryOp::And, |x, m| {
        (konst(f, m) == Some(LOW32)).then_some(x)
    })
}

/// `x` of `x >> 32` (unsigned).
fn high_half(f: &Function, v: Value) -> Option<Value> {
    let (op, x, s) = bin(f, v)?;
    (op == BinaryOp::ShrU && konst(f, s) == Some(32)).then_some(x)
}

/// `(x, y)` of `v = xl·yh` (`lo_first`: the low half of `x` times the high half of `y`).
fn cross(f: &Function, v: Value) -> Option<(Value, Value)> {
    either(f, v, BinaryOp::Mul, |a, b| {
        Some((low_half(f, a)?, high_half(f, b)?))
    })
}

/// The factors and `t` of `u = (t & 0xffffffff) + xh·yl` with `t = (p >> 32) + xl·yh` and
/// `p = xl·yl`, in either order of the cross terms.
fn halves_sum(f: &Function, u: Value) -> Option<(Value, Value, Value, Value)> {
    either(f, u, BinaryOp::Add, |tm, c2| {
        let t = low_half(f, tm)?;
        // u's cross term is xh·yl: `cross` reads it as (y, x).
        let (y, x) = cross(f, c2)?;
        either(f, t, BinaryOp::Add, |ps, c1| {
            let p = high_half(f, ps)?;
            (cross(f, c1)? == (x, y) && is_low_product(f, p, x, y)).then_some((x, y, t, p))
        })
    })
}

/// Whether `p = xl·yl`, in either order.
fn is_low_product(f: &Function, p: Value, x: Value, y: Value) -> bool {
    either(f, p, BinaryOp::Mul, |a, b| {
        (low_half(f, a)? == x && low_half(f, b)? == y).then_some(())
    })
    .is_some()
}

/// Whether `v = xh·yh`, in either order of the factors.
fn is_high_product(f: &Function, v: Value, x: Value, y: Value) -> bool {
    either(f, v, BinaryOp::Mul, |a, b| {
        (high_half(f, a)? == x && high_half(f, b)? == y).then_some(())
    })
    .is_some()
}

/// Rewrites the products of one function; how many low and high halves.
fn wide_products(f: &mut Function) -> (u64, u64) {
    let (mut low, mut high) = (0, 0);
    let uses = use_counts(f);
    let insts: Vec<(zkc_ir::Block, Inst)> = f
        .layout
        .iter()
        .flat_map(|&b| f.blocks[b].insts.iter().map(move |&i| (b, i)))
        .collect();
    // Adds read once by another add are inner nodes of a sum; the rest are sums' roots.
    let mut inner: SecondaryMap<Value, bool> = SecondaryMap::new();
    for &(_, i) in &insts {
        if let Op::Binary {
            op: BinaryOp::Add,
            ty: Type::I64,
        } = f.insts[i].op
        {
            for &a in &f.insts[i].args {
                if uses[a] == 1 && matches!(bin(f, a), Some((BinaryOp::Add, _, _))) {
                    inner[a] = true;
                }
            }
        }
    }
    for (b, i) in insts {
        let Op::Binary { op, ty: Type::I64 } = f.insts[i].op else {
            continue;
        };
        let res = f.insts[i].results[0];
        match op {
            // low = (u << 32) | (p & 0xffffffff), or `+`: the bits do not overlap.
            BinaryOp::Or | BinaryOp::Add => {
                let found = either(f, res, op, |sh, pm| {
                    let (o, u, s) = bin(f, sh)?;
                    let p = low_half(f, pm)?;
                    if o != BinaryOp::Shl || konst(f, s) != Some(32) {
                        return None;
                    }
                    let (x, y, _, p2) = halves_sum(f, u)?;
                    (p2 == p).then_some((x, y))
                });
                if let Some((x, y)) = found {
                    let d = &mut f.insts[i];
                    d.op = Op::Binary {
                        op: BinaryOp::Mul,
                        ty: Type::I64,
                    };
                    d.args = [x, y].into_iter().collect();
                    low += 1;
                    continue;
                }
                if op == BinaryOp::Add && !inner[res] && rewrite_high(f, &uses, b, i) {
                    high += 1;
                }
            }
            _ => {}
        }
    }
    (low, high)
}

/// Rewrites every `wrap(extend(x) + c)`, `c` a constant, as `x + wrap(c)` (module docs).
fn narrow_sums(f: &mut Function) -> u64 {
    let mut n = 0;
    for k in 0..f.layout.len() {
        let b = f.layout[k];
        let mut at = 0;
        while at < f.blocks[b].insts.len() {
            let i = f.blocks[b].insts[at];
            at += 1;
            if f.insts[i].op != Op::Convert(ConvOp::I32WrapI64) {
                continue;
            }
            let Some((BinaryOp::Add, l, r)) = bin(f, f.insts[i].args[0]) else {
                continue;
            };
            let extended = |v: Value| match f.values[v].def {
                ValueDef::Result(e, _) => matches!(
                    f.insts[e].op,
                    Op::Convert(ConvOp::I64ExtendI32U | ConvOp::I64ExtendI32S)
                )
                .then(|| f.insts[e].args[0]),
                _ => None,
            };
            let (x, c) = match (extended(l), konst(f, r), extended(r), konst(f, l)) {
                (Some(x), Some(c), _, _) | (_, _, Some(x), Some(c)) => (x, c),
                _ => continue,
            };
            let srcloc = f.insts[i].srcloc;
            let c = f.make_inst(
                Op::Const {
                    ty: Type::I32,
                    bits: c & LOW32,
                },
                &[],
                &[Type::I32],
                srcloc,
            );
            f.blocks[b].insts.insert(at - 1, c);
            at += 1;
            let c = f.insts[c].results[0];
            let d = &mut f.insts[i];
            d.op = Op::Binary {
                op: BinaryOp::Add,
                ty: Type::I32,
            };
            d.args = [x, c].into_iter().collect();
            n += 1;
        }
    }
    n
}

/// If the sum rooted at add `i` (in block `b`) holds `xh·yh`, `t >> 32` and `u >> 32` of one
/// product, replaces the three by `mul_hi_u x, y`.
/// `uses` are the use counts before any rewrite (a rewritten sum's inner adds become unused,
/// and no other sum reads them).
fn rewrite_high(
    f: &mut Function,
    uses: &SecondaryMap<Value, u32>,
    b: zkc_ir::Block,
    i: Inst,
) -> bool {
    // The leaves: operands, through adds read only here.
    let mut leaves = Vec::new();
    let mut stack = vec![f.insts[i].args[0], f.insts[i].args[1]];
    while let Some(v) = stack.pop() {
        match bin(f, v) {
            Some((BinaryOp::Add, a, c)) if uses[v] == 1 => stack.extend([a, c]),
            _ => leaves.push(v),
        }
    }
    let Some((x, y, t, k_u)) = leaves.iter().enumerate().find_map(|(k, &l)| {
        let (x, y, t, _) = halves_sum(f, high_half(f, l)?)?;
        Some((x, y, t, k))
    }) else {
        return false;
    };
    let k_t = leaves.iter().position(|&l| high_half(f, l) == Some(t));
    let k_h = leaves.iter().position(|&l| is_high_product(f, l, x, y));
    let (Some(k_t), Some(k_h)) = (k_t, k_h) else {
        return false;
    };
    let rest: Vec<Value> = leaves
        .iter()
        .enumerate()
        .filter(|(k, _)| ![k_u, k_t, k_h].contains(k))
        .map(|(_, &l)| l)
        .collect();
    let srcloc = f.insts[i].srcloc;
    let pos = f.blocks[b]
        .insts
        .iter()
        .position(|&j| j == i)
        .expect("in its block");
    let sum = |f: &mut Function, op: BinaryOp, args: [Value; 2], at: &mut usize| {
        let n = f.make_inst(
            Op::Binary { op, ty: Type::I64 },
            &args,
            &[Type::I64],
            srcloc,
        );
        f.blocks[b].insts.insert(*at, n);
        *at += 1;
        f.insts[n].results[0]
    };
    let mut at = pos;
    let (last_op, last_args) = match rest.split_last() {
        None => (BinaryOp::MulHiU, [x, y]),
        Some((&last, others)) => {
            let mut acc = sum(f, BinaryOp::MulHiU, [x, y], &mut at);
            for &o in others {
                acc = sum(f, BinaryOp::Add, [acc, o], &mut at);
            }
            (BinaryOp::Add, [acc, last])
        }
    };
    let d = &mut f.insts[i];
    d.op = Op::Binary {
        op: last_op,
        ty: Type::I64,
    };
    d.args = last_args.into_iter().collect();
    true
}

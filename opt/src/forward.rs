//! `forward`: a load that reads what an earlier instruction of its block stored or loaded at the
//! same address, with nothing in between that may write there, takes that value instead.
//!
//! On ZisK a load is a step and a memory access, and its value often was in a register a few
//! instructions earlier: an inlined `__multi3` or `__udivti3` stores its 128-bit result to a
//! stack slot through the sret pointer `sp + 96` and its caller reads it back as
//! `i64.load sp offset=96`; Rust passes small aggregates the same way.
//!
//! **Same address.** An access reads `A + offset` (33 bits, no wrap) where the i32 address `A`
//! is often `root + c` (an i32 addition of a constant, wrapping). Two accesses from one root
//! with equal `t = c + offset` (`c` taken in `[0, 2^32)`) reach the same bytes, or the second
//! traps: if the first one's `root + c1` did not wrap, neither does the second's
//! `root + c2 <= root + c1 + offset1`; if it wrapped, the second's either wrapped too (same
//! bytes) or reaches past 2^32. So the load takes the earlier value and, unless it cannot trap,
//! stays in place as the check it is (unused, the backend emits only its bounds check, or
//! nothing when one before covers it). It cannot trap when `c1 <= c2` (the second cannot have
//! wrapped unless the first did), or when an access from the root itself reaching past `c1`
//! has run (memory never shrinks and is at most 2^32 bytes, so nothing wrapped), found along
//! the dominator tree as the backend finds the checks that cover others (`backend-zisk`
//! `codegen/checks.rs`); then it is deleted.
//!
//! **Nothing in between.** A store keeps the facts of addresses it provably misses (the same
//! root at disjoint `t`, less than 2^31 apart, so that wrapping cannot make them meet; or two
//! constant addresses) and forgets the rest; any instruction that may write memory other than
//! a store (calls, bulk memory operations) forgets all.
//!
//! **Wasm semantics.** The load replaced reads bytes an earlier access of the same block
//! reached without trapping, so it could not trap either; the value is the one the store wrote
//! (same type and full width) or the earlier load read (the same operation).

use crate::util::{const_of, Aliases, FunctionPass};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use zkc_ir::cfg::{ControlFlow, DomStep, ScopedMap};
use zkc_ir::{BinaryOp, Function, Inst, Module, Op, Type, Value, ValueDef};

pub fn pass(_: &Module) -> FunctionPass {
    Box::new(|f, r| {
        r.add("loads forwarded", forward_function(f) as u64);
    })
}

/// Where an access reaches: `root + c` (mod 2^32) `+ offset`, `t = c + offset` (`root`
/// `None`: the constant address `c`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
struct Place {
    root: Option<Value>,
    c: u64,
    t: u64,
}

/// What a block knows its memory holds.
#[derive(Clone, Debug)]
struct Known {
    /// The access that established it (a store or a load): where it reached, and its
    /// operation.
    at: Place,
    width: u8,
    /// The load operation that reads this value back, or the stored type (full width).
    op: Op,
    value: Value,
}

fn forward_function(f: &mut Function) -> usize {
    let cfg = ControlFlow::compute(f);
    // Scoped facts: address value -> bytes from it known inside the memory.
    let mut reach: ScopedMap<Value, u64> = ScopedMap::default();
    let mut aliases = Aliases::new();
    let mut forwarded = 0;
    for step in cfg.dominator_walk() {
        reach.step(step);
        let DomStep::Enter(b) = step else {
            continue;
        };
        // By where they reach (`root`, `t`), each list in the block's order: a load finds the
        // access it may read back among those at its own place, not among all of them.
        let mut known: HashMap<(Option<Value>, u64), Vec<Known>> = HashMap::default();
        let mut dead: Vec<Inst> = Vec::new();
        for k in 0..f.blocks[b].insts.len() {
            let i = f.blocks[b].insts[k];
            let d = &f.insts[i];
            match d.op {
                Op::Load {
                    ty, width, offset, ..
                } => {
                    let addr = aliases.resolve(d.args[0]);
                    let here = place(f, &aliases, addr, offset);
                    let same = (known.get(&(here.root, here.t)).into_iter().flatten())
                        .find(|e| e.width == width && reads_back(&e.op, &d.op, ty))
                        .map(|e| (e.value, e.at));
                    if let Some((value, there)) = same {
                        aliases.set(d.results[0], value);
                        if there.c <= here.c || exact(&reach, there) {
                            dead.push(i);
                        }
                        forwarded += 1;
                    } else {
                        known.entry((here.root, here.t)).or_default().push(Known {
                            at: here,
                            width,
                            op: d.op.clone(),
                            value: d.results[0],
                        });
                    }
                    note_reach(&mut reach, here, width);
                }
                Op::Store {
                    width, offset, ty, ..
                } => {
                    let addr = aliases.resolve(d.args[0]);
                    let value = aliases.resolve(d.args[1]);
                    let here = place(f, &aliases, addr, offset);
                    known.retain(|_, es| {
                        es.retain(|e| disjoint(e.at, e.width, here, width));
                        !es.is_empty()
                    });
                    known.entry((here.root, here.t)).or_default().push(Known {
                        at: here,
                        width,
                        op: Op::Store {
                            ty,
                            width,
                            offset,
                            notrap: false,
                        },
                        value,
                    });
                    note_reach(&mut reach, here, width);
                }
                ref op
                    if op.is_pure()
                        || matches!(op, Op::GlobalGet(_) | Op::GlobalSet(_) | Op::MemorySize) => {}
                _ => known.clear(),
            }
        }
        if !dead.is_empty() {
            let dead: HashSet<Inst> = dead.into_iter().collect();
            f.blocks[b].insts.retain(|i| !dead.contains(i));
        }
    }
    aliases.apply(f);
    forwarded
}

/// Records that an access of `width` bytes at `at` ran: when its place is exact, the bytes up
/// to its end, from its root, are inside the memory (scoped to the current block and those it
/// dominates).
fn note_reach(reach: &mut ScopedMap<Value, u64>, at: Place, width: u8) {
    let (Some(root), end) = (at.root, at.t + width as u64) else {
        return;
    };
    if exact(reach, at) && reach.get(&root).is_none_or(|&r| r < end) {
        reach.insert(root, end);
    }
}

/// Where an access from `addr` with `offset` reaches (module docs).
fn place(f: &Function, aliases: &Aliases, addr: Value, offset: u32) -> Place {
    let at = |root, c: u64| Place {
        root,
        c,
        t: c + offset as u64,
    };
    if let Some(c) = const_of(f, addr) {
        return at(None, c & 0xffff_ffff);
    }
    if let ValueDef::Result(i, 0) = f.values[addr].def {
        let d = &f.insts[i];
        if let (
            Op::Binary {
                op: BinaryOp::Add,
                ty: Type::I32,
            },
            &[x, y],
        ) = (&d.op, d.args.as_slice())
        {
            let (x, y) = (aliases.resolve(x), aliases.resolve(y));
            for (root, c) in [(x, y), (y, x)] {
                if let Some(c) = const_of(f, c) {
                    return at(Some(root), c & 0xffff_ffff);
                }
            }
        }
    }
    at(Some(addr), 0)
}

/// Whether the root's constant `c` provably did not wrap: an access from the root itself
/// reached past it.
fn exact(reach: &ScopedMap<Value, u64>, p: Place) -> bool {
    match p.root {
        None => true,
        Some(r) => p.c == 0 || reach.get(&r).is_some_and(|&k| k > p.c),
    }
}

/// Whether two accesses provably reach different bytes.
fn disjoint(a: Place, aw: u8, b: Place, bw: u8) -> bool {
    a.root == b.root
        && a.t.abs_diff(b.t) < 1 << 31
        && (a.t + aw as u64 <= b.t || b.t + bw as u64 <= a.t)
}

/// Whether `load` (of type `ty`) reads back the value `earlier` wrote or read at its bytes.
fn reads_back(earlier: &Op, load: &Op, ty: Type) -> bool {
    match earlier {
        Op::Store {
            ty: st, width: w, ..
        } => *st == ty && u32::from(*w) * 8 == ty.bits(),
        Op::Load {
            ty: lt,
            width,
            signed,
            ..
        } => matches!(load, Op::Load { ty: t2, width: w2, signed: s2, .. }
            if t2 == lt && w2 == width && s2 == signed),
        _ => false,
    }
}

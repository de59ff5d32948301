//! Which linear-memory accesses need a bounds check, and for how many bytes.
//!
//! Memory never shrinks, so once `addr + k <= memsize` held it holds for the rest of the run:
//! an access of `k' <= k` bytes (offset included) from the same address value in a block that
//! the check dominates needs no check. And a check may cover more than its own access: the
//! first access from an address covers the accesses from the same value that follow it in its
//! block with only loads, stores, global reads and writes and effect-free, trap-free
//! instructions in between (a window ending at, and including, the next call, trap or other
//! effect). A larger `k` can only make the check fail earlier than the access that would have
//! failed, with nothing observable in between: the accesses it skips would have been the same
//! out-of-bounds trap or in bounds, and what they and the global writes it skips leave in
//! linear memory and globals is not observable once a run traps: a trap ends the run (the
//! runtime prints its message and returns to the BIOS, which publishes the output region,
//! written only by the WASI calls, which end a window), the same model as the fuzzer's and the
//! spec tests', where a trapping call's partial effects never reach a later one. Constant addresses inside the initial
//! memory need no check at all, and neither do addresses whose value range
//! ([`zkc_ir::ranges`]) lies inside it, nor accesses marked `notrap` (a check before them,
//! `opt`'s loop versioning, proved them inside the memory).
//!
//! **Displaced accesses.** An address `p + d`, an i32 addition of a constant `d >= -2^30` to
//! a value `p` the selector holds sign-extended (`ext`), is read as `p` displaced by `d`: the
//! 64-bit sum of the sign-extended `p` and `d` is congruent to the address modulo 2^32 and lies
//! in `[-2^31 - 2^30, 2^32)`, so it is the address whenever the address lies inside the memory
//! (below 2^29, ZisK's RAM), and is negative or past the memory's end when the address is
//! outside it. So accesses from `p` at several displacements share one root: a check of the raw sum
//! `p + lo` for `hi - lo` bytes proves every access of the bytes `[p + d, p + d + offset +
//! width)` with `lo <= d` and `d + offset + width <= hi` inside the memory, and each reads
//! `[p + d + offset]`, the addition not needed for it (an addition read otherwise too is
//! computed anyway: its accesses read and check it as it is). A window may take accesses at lower
//! displacements than its first (the check then starts lower); its length must be one the
//! layout has a bound word for (`len_ok`), as every access's own `offset + width` is. Go's code
//! reaches its frame as `sp + 8`, `sp + 16`, ...: one check covers them.

use rustc_hash::FxHashMap as HashMap;

use zkc_ir::cfg::{DomStep, ScopedMap};
use zkc_ir::ranges::Ranges;
use zkc_ir::{BinaryOp, Function, Inst, Op as IrOp, SecondaryMap, Type, Value, ValueDef};

/// The lowest displacement read as one ([`Checks`], "Displaced accesses").
const MIN_DISPLACEMENT: i64 = -(1 << 30);

/// A bounds check: the raw value of the access's root plus `from` must lie inside the memory
/// with `len` bytes after it (`leu([bound[len]], root + from)` traps).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Check {
    pub from: i64,
    pub len: u64,
}

/// The bounds check of every load and store, and the accesses read from a displaced root.
pub(crate) struct Checks {
    /// `Some` checks, `None` needs none.
    pub k: HashMap<Inst, Option<Check>>,
    /// Accesses whose address is `root + d` (module docs, "Displaced accesses"): access →
    /// (root, d). Their checks are of the root.
    pub displaced: HashMap<Inst, (Value, i64)>,
}

impl Checks {
    /// Checks of `f`'s accesses; `consts` are the constant values, `ranges` those of all
    /// values, `min_mem` the initial memory size in bytes, `sign` whether the selector holds a
    /// value sign-extended, `len_ok` whether a check may be of that many bytes.
    pub fn compute(
        f: &Function,
        consts: &SecondaryMap<Value, Option<u64>>,
        ranges: &Ranges,
        min_mem: u64,
        sign: impl Fn(Value) -> bool,
        len_ok: impl Fn(u64) -> bool,
    ) -> Self {
        let cf = zkc_ir::cfg::ControlFlow::compute(f);
        let mut out = Checks {
            k: HashMap::default(),
            displaced: HashMap::default(),
        };
        // Values read other than as an access's address: an addition that is one is computed
        // anyway, and checked and read as it is.
        let mut other_use: SecondaryMap<Value, bool> = f.value_map(false);
        for &b in &f.layout {
            for &i in &f.blocks[b].insts {
                let access = access_bytes(f, i).is_some();
                for (k, &a) in f.insts[i].args.iter().enumerate() {
                    other_use[a] |= !(access && k == 0);
                }
            }
            for v in f.blocks[b].term.iter().flat_map(|t| t.uses()) {
                other_use[v] = true;
            }
        }
        // An access's root and displacement.
        let root = |addr: Value| -> (Value, i64) {
            if other_use[addr] {
                return (addr, 0);
            }
            if let ValueDef::Result(a, 0) = f.values[addr].def {
                let d = &f.insts[a];
                if let IrOp::Binary {
                    op: BinaryOp::Add,
                    ty: Type::I32,
                } = d.op
                {
                    let (x, y) = (d.args[0], d.args[1]);
                    let found = match (consts[x], consts[y]) {
                        (None, Some(c)) => Some((x, c)),
                        (Some(c), None) => Some((y, c)),
                        _ => None,
                    };
                    if let Some((p, c)) = found {
                        let c = c as u32 as i32 as i64;
                        if c >= MIN_DISPLACEMENT && sign(p) {
                            return (p, c);
                        }
                    }
                }
            }
            (addr, 0)
        };
        // Scoped facts: root -> the bytes `[lo, hi)` from it checked.
        let mut checked: ScopedMap<Value, (i64, i64)> = ScopedMap::default();
        for step in cf.dominator_walk() {
            checked.step(step);
            let DomStep::Enter(b) = step else {
                continue;
            };
            let insts = &f.blocks[b].insts;
            for (n, &i) in insts.iter().enumerate() {
                let Some(k) = access_bytes(f, i) else {
                    continue;
                };
                let addr = f.insts[i].args[0];
                let (p, d) = root(addr);
                if p != addr {
                    out.displaced.insert(i, (p, d));
                }
                if matches!(
                    f.insts[i].op,
                    IrOp::Load { notrap: true, .. } | IrOp::Store { notrap: true, .. }
                ) {
                    out.k.insert(i, None);
                    continue;
                }
                if let Some(c) = consts[addr] {
                    let end = (c & 0xffff_ffff) + k;
                    out.k
                        .insert(i, (end > min_mem).then_some(Check { from: 0, len: k }));
                    continue;
                }
                let r = ranges.of(addr);
                if r.lo >= 0 && r.hi as u64 + k <= min_mem {
                    out.k.insert(i, None);
                    continue;
                }
                let (lo, hi) = (d, d + k as i64);
                if checked
                    .get(&p)
                    .is_some_and(|&(clo, chi)| clo <= lo && hi <= chi)
                {
                    out.k.insert(i, None);
                    continue;
                }
                let (mut lo, mut hi) = (lo, hi);
                for &j in &insts[n + 1..] {
                    if let Some(k2) = access_bytes(f, j) {
                        let (q, d2) = root(f.insts[j].args[0]);
                        let (lo2, hi2) = (lo.min(d2), hi.max(d2 + k2 as i64));
                        if q == p && len_ok((hi2 - lo2) as u64) {
                            (lo, hi) = (lo2, hi2);
                        }
                    }
                    if !transparent(&f.insts[j].op) {
                        break;
                    }
                }
                out.k.insert(
                    i,
                    Some(Check {
                        from: lo,
                        len: (hi - lo) as u64,
                    }),
                );
                // Facts of the root: two checks that held prove every byte from the lower
                // start to the higher end (`p + lo >= 0` and `p + hi <= memsize` are all a
                // check proves).
                let known = match checked.get(&p) {
                    Some(&(clo, chi)) => (clo.min(lo), chi.max(hi)),
                    None => (lo, hi),
                };
                checked.insert(p, known);
            }
        }
        out
    }
}

/// The bytes a load or store reaches past its address value (offset included).
fn access_bytes(f: &Function, i: Inst) -> Option<u64> {
    match f.insts[i].op {
        IrOp::Load { width, offset, .. } | IrOp::Store { width, offset, .. } => {
            Some(offset as u64 + width as u64)
        }
        _ => None,
    }
}

/// Instructions a bounds check may move above: no effect a trapped run shows, and no trap but
/// an out-of-bounds access's (module docs).
fn transparent(op: &IrOp) -> bool {
    op.is_pure()
        || matches!(
            op,
            IrOp::Load { .. }
                | IrOp::Store { .. }
                | IrOp::GlobalGet(_)
                | IrOp::GlobalSet(_)
                | IrOp::MemorySize
                | IrOp::TableSize(_)
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkc_ir::text::parse_module;

    /// The checks of the function `@f` in `src`, in instruction order, with `sign` telling
    /// which values are sign-extended and `len_ok` which lengths a check may have.
    fn computed(
        src: &str,
        min_mem: u64,
        sign: impl Fn(Value) -> bool,
        len_ok: impl Fn(u64) -> bool,
    ) -> Vec<Option<Check>> {
        let m = parse_module(src).expect("parses");
        let f = m.funcs.iter().find(|(_, f)| f.name == "f").unwrap().1;
        let f = f.body().expect("body");
        let mut consts = SecondaryMap::new();
        for (_, d) in f.insts.iter() {
            if let IrOp::Const { bits, .. } = d.op {
                consts[d.results[0]] = Some(bits);
            }
        }
        let c = Checks::compute(f, &consts, &Ranges::compute(f), min_mem, sign, len_ok);
        f.layout
            .iter()
            .flat_map(|&b| f.blocks[b].insts.iter())
            .filter_map(|i| c.k.get(i).copied())
            .collect()
    }

    /// The checks of `@f` with no displaced access, as `Some(k)` / `None`.
    fn checks(src: &str, min_mem: u64) -> Vec<Option<u64>> {
        let c = computed(src, min_mem, |_| false, |_| true);
        c.into_iter().map(|c| c.map(|c| c.len)).collect()
    }

    /// The checks of `@f` with every value read as sign-extended (so every addition of a
    /// constant is a displaced access), as `Some((from, len))` / `None`.
    fn displaced(src: &str, len_ok: impl Fn(u64) -> bool) -> Vec<Option<(i64, u64)>> {
        let c = computed(src, 0, |_| true, len_ok);
        c.into_iter().map(|c| c.map(|c| (c.from, c.len))).collect()
    }

    #[test]
    fn displaced_accesses_share_their_roots_checks() {
        // p + 8 and p + 16 loaded, then p + 4 stored: one check of [p + 4, p + 20). A block it
        // dominates reads p + 12 and stores at p itself: p + 12 is covered; p (from 0) is not,
        // and its check, whose window takes the p + 16 after it, is of [p, p + 20).
        let src = "memory 1\nfunc @f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.const 8\n    v2 = i32.add v0, v1\n    v3 = i32.load v2\n    v4 = i32.const 16\n    v5 = i32.add v0, v4\n    v6 = i32.load v5\n    v7 = i32.const 4\n    v8 = i32.add v0, v7\n    i32.store v8, v6\n    brif v3, block1, block2\nblock1:\n    v9 = i32.const 12\n    v10 = i32.add v0, v9\n    v11 = i32.load v10\n    i32.store v0, v11\n    v12 = i32.load v5\n    return v12\nblock2:\n    return v3\n}\n";
        assert_eq!(
            displaced(src, |_| true),
            vec![Some((4, 16)), None, None, None, Some((0, 20)), None]
        );
        // Without a bound word for 16 bytes the first check covers p + 8 and p + 16 only
        // ([8, 20), 12 bytes), and the store checks its own 4.
        assert_eq!(
            displaced(src, |len| len != 16),
            vec![Some((8, 12)), None, Some((4, 4)), None, Some((0, 20)), None]
        );
    }

    #[test]
    fn accesses_share_the_first_check_up_to_a_call() {
        let src = "memory 1\nfunc @g() {\nblock0:\n    return\n}\nfunc @f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.load v0\n    v2 = i32.load v0 offset=8\n    v3 = i32.add v1, v2\n    i32.store v0, v3 offset=16\n    i32.store v0, v3 offset=24\n    v4 = i32.load v0 offset=4\n    call @g()\n    i32.store v0, v4 offset=32\n    v5 = i32.load v0 offset=40\n    return v5\n}\n";
        assert_eq!(
            checks(src, 65536),
            vec![Some(28), None, None, None, None, Some(44), None]
        );
    }

    #[test]
    fn a_dominating_check_covers_later_blocks_only() {
        let src = "memory 1\nfunc @f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.load v0 offset=8\n    brif v1, block1, block2\nblock1:\n    v2 = i32.load v0\n    v3 = i32.load v0 offset=12\n    return v3\nblock2:\n    v4 = i32.load v1\n    jump block1\n}\n";
        assert_eq!(checks(src, 65536), vec![Some(12), None, Some(16), Some(4)]);
    }

    #[test]
    fn constant_addresses_inside_the_initial_memory_need_none() {
        let src = "memory 1\nfunc @f() -> i32 {\nblock0:\n    v0 = i32.const 65532\n    v1 = i32.load v0\n    v2 = i32.load v0 offset=4\n    return v1\n}\n";
        assert_eq!(checks(src, 65536), vec![None, Some(8)]);
    }

    #[test]
    fn notrap_accesses_need_none_and_cover_nothing() {
        let src = "memory 1\nfunc @f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.load v0 offset=4 notrap\n    i32.store v0, v1 notrap\n    v2 = i32.load v0\n    return v2\n}\n";
        assert_eq!(checks(src, 65536), vec![None, None, Some(4)]);
    }

    #[test]
    fn a_counted_loop_inside_the_initial_memory_needs_none() {
        // i in [0, 99]: i * 4 + 1024 + 4 <= 1428; with i < n (n unknown) it may pass the end.
        let src = "memory 1\nfunc @f(i32) {\nblock0(v0: i32):\n    v1 = i32.const 0\n    jump block1(v1)\nblock1(v2: i32):\n    v3 = i32.const 2\n    v4 = i32.shl v2, v3\n    v5 = i32.const 1024\n    v6 = i32.add v4, v5\n    v7 = i32.load v6\n    v8 = i32.load v0\n    v9 = i32.const 1\n    v10 = i32.add v2, v9\n    v11 = i32.const 100\n    v12 = i32.lt_s v10, v11\n    brif v12, block1(v10), block2\nblock2:\n    return\n}\n";
        assert_eq!(checks(src, 65536), vec![None, Some(4)]);
        assert_eq!(checks(src, 1024), vec![Some(4), Some(4)]);
    }
}

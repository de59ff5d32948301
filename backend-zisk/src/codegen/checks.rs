//! Which linear-memory accesses need a bounds check, and for how many bytes.
//!
//! Memory never shrinks, so once `addr + k <= memsize` held it holds for the rest of the run:
//! an access of `k' <= k` bytes (offset included) from the same address value in a block that
//! the check dominates needs no check. And a check may cover more than its own access: the
//! first access from an address covers the accesses from the same value
//! that follow it in its block with only loads and effect-free, trap-free instructions in
//! between (a window ending at, and including, the next store, call or trap). A larger `k`
//! can only make the check fail earlier than the access that would have failed, with nothing
//! observable in between: the loads it skips would have been the same out-of-bounds trap or
//! in bounds, and nothing else it skips has an effect. Constant addresses inside the initial
//! memory need no check at all, and neither do addresses whose value range
//! ([`zkc_ir::ranges`]) lies inside it, nor accesses marked `notrap` (a check before them,
//! `opt`'s loop versioning, proved them inside the memory).

use rustc_hash::FxHashMap as HashMap;

use zkc_ir::cfg::{DomStep, ScopedMap};
use zkc_ir::ranges::Ranges;
use zkc_ir::{Function, Inst, Op as IrOp, SecondaryMap, Value};

/// The bounds check of every load and store: `Some(k)` checks `k` bytes from the address
/// value, `None` needs none.
pub(crate) struct Checks {
    pub k: HashMap<Inst, Option<u64>>,
}

impl Checks {
    /// Checks of `f`'s accesses; `consts` are the constant values, `ranges` those of all
    /// values, `min_mem` the initial memory size in bytes.
    pub fn compute(
        f: &Function,
        consts: &SecondaryMap<Value, Option<u64>>,
        ranges: &Ranges,
        min_mem: u64,
    ) -> Self {
        let cf = zkc_ir::cfg::ControlFlow::compute(f);
        let mut out = Checks {
            k: HashMap::default(),
        };
        // Scoped facts: address value -> bytes checked.
        let mut checked: ScopedMap<Value, u64> = ScopedMap::default();
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
                if matches!(
                    f.insts[i].op,
                    IrOp::Load { notrap: true, .. } | IrOp::Store { notrap: true, .. }
                ) {
                    out.k.insert(i, None);
                    continue;
                }
                if let Some(c) = consts[addr] {
                    let end = (c & 0xffff_ffff) + k;
                    out.k.insert(i, (end > min_mem).then_some(k));
                    continue;
                }
                let r = ranges.of(addr);
                if r.lo >= 0 && r.hi as u64 + k <= min_mem {
                    out.k.insert(i, None);
                    continue;
                }
                if checked.get(&addr).is_some_and(|&done| done >= k) {
                    out.k.insert(i, None);
                    continue;
                }
                let mut kk = k;
                if matches!(f.insts[i].op, IrOp::Load { .. }) {
                    for &j in &insts[n + 1..] {
                        if let Some(k2) = access_bytes(f, j) {
                            if f.insts[j].args[0] == addr {
                                kk = kk.max(k2);
                            }
                        }
                        if !transparent(&f.insts[j].op) {
                            break;
                        }
                    }
                }
                out.k.insert(i, Some(kk));
                checked.insert(addr, kk);
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

/// Instructions a bounds check may move above: no effect, and no trap but an out-of-bounds
/// load's.
fn transparent(op: &IrOp) -> bool {
    op.is_pure()
        || matches!(
            op,
            IrOp::Load { .. } | IrOp::GlobalGet(_) | IrOp::MemorySize | IrOp::TableSize(_)
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkc_ir::text::parse_module;

    /// The checks of the function `@f` in `src`, in instruction order, as `Some(k)` / `None`.
    fn checks(src: &str, min_mem: u64) -> Vec<Option<u64>> {
        let m = parse_module(src).expect("parses");
        let f = m.funcs.iter().find(|(_, f)| f.name == "f").unwrap().1;
        let f = f.body().expect("body");
        let mut consts = SecondaryMap::new();
        for (_, d) in f.insts.iter() {
            if let IrOp::Const { bits, .. } = d.op {
                consts[d.results[0]] = Some(bits);
            }
        }
        let c = Checks::compute(f, &consts, &Ranges::compute(f), min_mem);
        f.layout
            .iter()
            .flat_map(|&b| f.blocks[b].insts.iter())
            .filter_map(|i| c.k.get(i).copied())
            .collect()
    }

    #[test]
    fn loads_share_the_first_check_up_to_a_store() {
        let src = "memory 1\nfunc @f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.load v0\n    v2 = i32.load v0 offset=8\n    v3 = i32.add v1, v2\n    i32.store v0, v3 offset=16\n    i32.store v0, v3 offset=24\n    v4 = i32.load v0 offset=4\n    return v4\n}\n";
        assert_eq!(
            checks(src, 65536),
            vec![Some(20), None, None, Some(28), None]
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

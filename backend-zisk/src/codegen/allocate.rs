//! Register allocation of every function (`zkc_regalloc_mem`), and the glue it needs from the
//! whole program: with the coloring allocator, functions are allocated callees first over the
//! call graph's components, so that each call knows what its possible callees write
//! (registers, and the slots `0..k` of the shared slot area); then the slot area is placed in
//! the static area. Debug builds and tests run the allocation checker on every function and
//! the whole-program summary checker.

use rustc_hash::FxHashMap as HashMap;

use rayon::prelude::*;
use zkc_regalloc_mem::{coloring, reg_range, Allocation, CallInfo, RegSet};

use super::layout::{static_full, Layout, Statics};
use super::vcode::{self, VCode};
use super::{Allocator, CodegenError, CodegenOptions, ALLOCATABLE};

/// Per function of the module, its code and allocation (`None`: an import).
pub(crate) type Selected = Vec<Option<(VCode, Allocation)>>;

/// Registers every call may write: the return address and the scratch registers.
const CALL_FIXED_CLOBBERS: RegSet = reg_range(1, 9);

/// Allocates every selected function with `opts.allocator` (coloring: call-graph components
/// callees first, so that each call knows its callee's clobbers) and places the slot area.
pub(crate) fn allocate(
    mut vcs: Vec<Option<VCode>>,
    layout: &Layout,
    opts: &CodegenOptions,
    statics: &mut Statics,
) -> Result<Selected, CodegenError> {
    let n = vcs.len();
    let mut out: Selected = (0..n).map(|_| None).collect();
    let check = |vc: &VCode, alloc: &Allocation, k: usize| {
        if cfg!(debug_assertions) {
            if let Err(e) = zkc_regalloc_mem::checker::check(vc, alloc) {
                panic!("allocation of function {k} of the module fails the checker: {e}");
            }
        }
    };
    match opts.allocator {
        Allocator::Slots => {
            for (k, vc) in vcs.into_iter().enumerate() {
                if let Some(vc) = vc {
                    let alloc = zkc_regalloc_mem::allocate(&vc, &mut statics.arena)
                        .map_err(|_| static_full())?;
                    check(&vc, &alloc, k);
                    out[k] = Some((vc, alloc));
                }
            }
        }
        Allocator::Coloring => {
            let cfg = coloring::Config {
                allocatable: ALLOCATABLE,
                read_cost: crate::stats::MEM_READ,
                write_cost: crate::stats::MEM_WRITE,
                step_cost: crate::ops::MAIN_COST,
            };
            let ncomp = layout.scc.iter().max().map_or(0, |m| m + 1);
            let mut members = vec![Vec::new(); ncomp];
            for (f, &c) in layout.scc.iter().enumerate() {
                members[c].push(f);
            }
            // Per function: (clobbered registers, slots 0..k written), final once its level
            // is allocated.
            let mut summary: Vec<(RegSet, u32)> = vec![(CALL_FIXED_CLOBBERS, 0); n];
            for level in levels(layout, &vcs, &members) {
                let comps: Vec<(usize, Vec<(usize, VCode)>)> = (level.into_iter())
                    .map(|c| {
                        let code = members[c].iter().filter_map(|&f| Some((f, vcs[f].take()?)));
                        (c, code.collect())
                    })
                    .collect();
                let summary_now = &summary;
                let allocated: Vec<_> = comps
                    .into_par_iter()
                    .map(|(c, code)| {
                        let a = allocate_component(code, layout, &cfg, summary_now);
                        (c, a)
                    })
                    .collect();
                for (c, (funcs, clob, hw)) in allocated {
                    for &f in &members[c] {
                        summary[f] = (clob, hw);
                    }
                    for (f, (vc, alloc)) in funcs {
                        check(&vc, &alloc, f);
                        out[f] = Some((vc, alloc));
                    }
                }
            }
            if cfg!(debug_assertions) {
                check_summaries(layout, &out);
            }
            let area = summary.iter().map(|s| s.1).max().unwrap_or(0);
            let base = statics.arena.next;
            for _ in 0..area {
                statics.arena.alloc().map_err(|_| static_full())?;
            }
            for (_, alloc) in out.iter_mut().flatten() {
                alloc.rebase_slots(base);
            }
        }
    }
    Ok(out)
}

/// The call graph's components by level, lowest first: a component's callees (direct, and
/// the possible targets of its indirect calls) are all in lower levels, so the components of
/// one level can be allocated side by side, each seeing the final summaries of its callees
/// as when the components are allocated one after the other.
fn levels(layout: &Layout, vcs: &[Option<VCode>], members: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut level = vec![0usize; members.len()];
    let mut by_sig: HashMap<u64, Vec<usize>> = HashMap::default();
    // Components are numbered callees first.
    for (c, funcs) in members.iter().enumerate() {
        let mut l = 0;
        for vc in funcs.iter().filter_map(|&f| vcs[f].as_ref()) {
            for inst in &vc.insts {
                let mut callee = |g: usize| {
                    let d = layout.scc[g];
                    if d != c {
                        l = l.max(level[d] + 1);
                    }
                };
                match inst {
                    vcode::VInst::Call { callee: g, .. } => callee(*g),
                    vcode::VInst::CallInd { sig, .. } => {
                        let comps = by_sig.entry(*sig).or_insert_with(|| {
                            let mut comps: Vec<usize> = layout
                                .indirect_targets(*sig)
                                .map(|g| layout.scc[g])
                                .collect();
                            comps.sort_unstable();
                            comps.dedup();
                            comps
                        });
                        for &d in comps.iter() {
                            if d != c {
                                l = l.max(level[d] + 1);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        level[c] = l;
    }
    let mut levels = vec![Vec::new(); level.iter().max().map_or(0, |m| m + 1)];
    for (c, &l) in level.iter().enumerate() {
        levels[l].push(c);
    }
    levels
}

/// A component's functions with their allocations, and its summary (clobbered registers,
/// slots 0..k written).
type Allocated = (Vec<(usize, (VCode, Allocation))>, RegSet, u32);

/// Allocates the functions of one call-graph component (`code`), every call knowing what its
/// possible callees write: `summary` of the functions of lower levels, else (a callee in the
/// component, which may re-enter) the fixed clobbers. The summaries do not change while the
/// component is allocated, so its functions are allocated side by side on rayon's threads
/// (a large program is mostly one component: 1,547 of go_fib's 1,656 functions), and
/// the component's summary is their union.
fn allocate_component(
    code: Vec<(usize, VCode)>,
    layout: &Layout,
    cfg: &coloring::Config,
    summary: &[(RegSet, u32)],
) -> Allocated {
    let allocated: Vec<_> = code
        .into_par_iter()
        .map(|(f, vc)| allocate_function(f, vc, layout, cfg, summary))
        .collect();
    let (mut clob, mut hw) = (CALL_FIXED_CLOBBERS, 0u32);
    let mut out = Vec::with_capacity(allocated.len());
    for (f, vc, alloc, (c, h)) in allocated {
        clob |= c;
        hw = hw.max(h);
        out.push((f, (vc, alloc)));
    }
    (out, clob, hw)
}

/// Allocates function `f` of a component (see [`allocate_component`]): its code, its
/// allocation, and what it writes with its callees (registers, slots `0..k`).
fn allocate_function(
    f: usize,
    mut vc: VCode,
    layout: &Layout,
    cfg: &coloring::Config,
    summary: &[(RegSet, u32)],
) -> (usize, VCode, Allocation, (RegSet, u32)) {
    // Summaries of the possible targets of a `call_indirect`, by signature.
    let mut by_sig: HashMap<u64, (RegSet, u32)> = HashMap::default();
    let (mut clob, mut hw) = (CALL_FIXED_CLOBBERS, 0u32);
    for inst in vc.insts.iter_mut() {
        let (callees, info): (Option<(RegSet, u32)>, &mut CallInfo) = match inst {
            vcode::VInst::Call { callee, info, .. } => (Some(summary[*callee]), info),
            vcode::VInst::CallInd { sig, info, .. } => {
                let s = *by_sig.entry(*sig).or_insert_with(|| {
                    (layout.indirect_targets(*sig)).fold((CALL_FIXED_CLOBBERS, 0), |(c, h), g| {
                        (c | summary[g].0, h.max(summary[g].1))
                    })
                });
                (Some(s), info)
            }
            _ => (None, &mut CallInfo::default()),
        };
        if let Some((c, h)) = callees {
            // The component writes what every callee writes; a call that may re-enter may
            // also reach callees outside the component (of lower levels, so `c` and `h` hold
            // their summaries), whose writes the allocation of this function does not see.
            clob |= c;
            hw = hw.max(h);
            if info.reenters {
                info.clobbers = reg_range(1, 39);
                info.slot_clobbers = 0;
            } else {
                info.clobbers = c | CALL_FIXED_CLOBBERS;
                info.slot_clobbers = h;
            }
        }
    }
    let alloc = coloring::allocate(&vc, cfg);
    clob |= alloc.clobbers;
    hw = hw.max(alloc.slot_clobbers);
    (f, vc, alloc, (clob, hw))
}

/// Checks that every call declares what its possible callees write (the whole-program half of
/// the allocation checker; debug builds and tests).
fn check_summaries(layout: &Layout, selected: &Selected) {
    use zkc_regalloc_mem::checker::{self, ProgramFunction};
    let funcs: Vec<Option<ProgramFunction<VCode>>> = selected
        .iter()
        .map(|f| {
            f.as_ref().map(|(vc, alloc)| ProgramFunction {
                code: vc,
                alloc,
                calls: (vc.insts.iter().enumerate())
                    .filter_map(|(i, inst)| match inst {
                        vcode::VInst::Call { callee, .. } => Some((i, vec![*callee])),
                        vcode::VInst::CallInd { sig, .. } => {
                            Some((i, layout.indirect_targets(*sig).collect()))
                        }
                        _ => None,
                    })
                    .collect(),
            })
        })
        .collect();
    if let Err(e) = checker::check_summaries(&funcs) {
        panic!("allocation fails the summary checker: {e}");
    }
}

//! Property test: random functions (random control flow, copies, parallel moves, fixed
//! registers, calls with clobbers, re-entering calls), allocated by both strategies, must pass
//! the checker. `ZKC_FUZZ_CASES=N` runs more cases.

use fastrand::Rng;
use zkc_regalloc_mem::checker::check;
use zkc_regalloc_mem::coloring::{self, Config};
use zkc_regalloc_mem::{
    allocate, reg_range, AllocFunction, CallInfo, Operand, RegSet, SlotArena, VReg,
};

#[derive(Clone, Debug)]
enum I {
    Op {
        uses: Vec<VReg>,
        def: Option<VReg>,
    },
    Par(Vec<(Operand, Operand)>),
    Call {
        args: RegSet,
        rets: RegSet,
        info: CallInfo,
    },
}

#[derive(Clone, Debug, Default)]
struct F {
    nv: usize,
    insts: Vec<I>,
    blocks: Vec<(usize, usize, Vec<usize>)>,
}

impl AllocFunction for F {
    fn num_vregs(&self) -> usize {
        self.nv
    }
    fn num_blocks(&self) -> usize {
        self.blocks.len()
    }
    fn block_insts(&self, b: usize) -> std::ops::Range<usize> {
        self.blocks[b].0..self.blocks[b].1
    }
    fn block_succs(&self, b: usize) -> &[usize] {
        &self.blocks[b].2
    }
    fn inst_uses(&self, i: usize, out: &mut Vec<VReg>) {
        match &self.insts[i] {
            I::Op { uses, .. } => out.extend(uses),
            I::Par(m) => out.extend(m.iter().filter_map(|(s, _)| match s {
                Operand::V(v) => Some(*v),
                _ => None,
            })),
            I::Call { .. } => {}
        }
    }
    fn inst_defs(&self, i: usize, out: &mut Vec<VReg>) {
        match &self.insts[i] {
            I::Op { def, .. } => out.extend(def),
            I::Par(m) => out.extend(m.iter().filter_map(|(_, d)| match d {
                Operand::V(v) => Some(*v),
                _ => None,
            })),
            I::Call { .. } => {}
        }
    }
    fn inst_reg_uses(&self, i: usize) -> RegSet {
        match &self.insts[i] {
            I::Call { args, .. } => *args,
            I::Par(m) => m
                .iter()
                .map(|(s, _)| match s {
                    Operand::R(r) => 1 << r,
                    _ => 0,
                })
                .sum(),
            _ => 0,
        }
    }
    fn inst_reg_defs(&self, i: usize) -> RegSet {
        match &self.insts[i] {
            I::Call { rets, .. } => *rets,
            I::Par(m) => m
                .iter()
                .map(|(_, d)| match d {
                    Operand::R(r) => 1 << r,
                    _ => 0,
                })
                .sum(),
            _ => 0,
        }
    }
    fn inst_moves(&self, i: usize, out: &mut Vec<(Operand, Operand)>) {
        if let I::Par(m) = &self.insts[i] {
            out.extend(m);
        }
    }
    fn call_info(&self, i: usize) -> Option<CallInfo> {
        match &self.insts[i] {
            I::Call { info, .. } => Some(*info),
            _ => None,
        }
    }
}

/// `fastrand` with the two draws the generator needs.
trait Draw {
    /// A number below `n` (0 for `n` = 0).
    fn next(&mut self, n: u64) -> u64;
    /// True `pct` times in a hundred.
    fn chance(&mut self, pct: u64) -> bool;
}

impl Draw for Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.u64(..n.max(1))
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.u64(..100) < pct
    }
}

/// Fixed registers of the tests: r10..r13 (arguments), allocatable r10..r17.
const ALLOCATABLE: RegSet = reg_range(10, 17);

fn random_function(rng: &mut Rng) -> F {
    let nv = 1 + rng.next(24) as usize;
    let nb = 1 + rng.next(7) as usize;
    let v = |rng: &mut Rng| VReg(rng.next(nv as u64) as u32);
    let mut f = F {
        nv,
        ..Default::default()
    };
    for b in 0..nb {
        let start = f.insts.len();
        for _ in 0..1 + rng.next(8) {
            let inst = match rng.next(10) {
                0..=4 => I::Op {
                    uses: (0..rng.next(3)).map(|_| v(rng)).collect(),
                    def: rng.chance(80).then(|| v(rng)),
                },
                5 | 6 => {
                    // A copy, or a parallel move with distinct destinations.
                    let k = 1 + rng.next(3);
                    let mut m: Vec<(Operand, Operand)> = Vec::new();
                    for _ in 0..k {
                        let s = if rng.chance(20) {
                            Operand::R(10 + rng.next(4) as u8)
                        } else {
                            Operand::V(v(rng))
                        };
                        let d = if rng.chance(20) {
                            Operand::R(10 + rng.next(4) as u8)
                        } else {
                            Operand::V(v(rng))
                        };
                        if !m.iter().any(|&(_, x)| x == d) {
                            m.push((s, d));
                        }
                    }
                    I::Par(m)
                }
                _ => I::Call {
                    args: rng.next(16) << 10,
                    rets: rng.next(4) << 10,
                    info: CallInfo {
                        reenters: rng.chance(30),
                        clobbers: (rng.next(256) << 10) | 0b10,
                        slot_clobbers: rng.next(5) as u32,
                    },
                },
            };
            f.insts.push(inst);
        }
        let succs: Vec<usize> = (0..rng.next(3))
            .map(|_| rng.next(nb as u64) as usize)
            .collect();
        let mut succs2 = succs.clone();
        succs2.dedup();
        f.blocks.push((start, f.insts.len(), succs2));
        let _ = b;
    }
    make_valid(&mut f);
    f
}

/// Drops uses of vregs not defined on every path (forward must-define analysis).
fn make_valid(f: &mut F) {
    let nb = f.blocks.len();
    let mut inn: Vec<Option<Vec<bool>>> = vec![None; nb];
    inn[0] = Some(vec![false; f.nv]);
    let mut changed = true;
    let transfer = |f: &F, b: usize, s: &mut Vec<bool>| {
        let mut d = Vec::new();
        for i in f.block_insts(b) {
            d.clear();
            f.inst_defs(i, &mut d);
            for x in &d {
                s[x.index()] = true;
            }
        }
    };
    while changed {
        changed = false;
        for b in 0..nb {
            let Some(mut s) = inn[b].clone() else {
                continue;
            };
            transfer(f, b, &mut s);
            for &t in &f.blocks[b].2.clone() {
                let new = match &inn[t] {
                    None => s.clone(),
                    Some(x) => x.iter().zip(&s).map(|(a, b)| *a && *b).collect(),
                };
                if inn[t].as_ref() != Some(&new) {
                    inn[t] = Some(new);
                    changed = true;
                }
            }
        }
    }
    for (b, inn) in inn.iter().enumerate() {
        let mut s = inn.clone().unwrap_or(vec![false; f.nv]);
        for i in f.block_insts(b) {
            match &mut f.insts[i] {
                I::Op { uses, def } => {
                    uses.retain(|u| s[u.index()]);
                    if let Some(d) = def {
                        s[d.index()] = true;
                    }
                }
                I::Par(m) => {
                    // An undefined source becomes a register, so that the def stays.
                    for (src, _) in m.iter_mut() {
                        if matches!(src, Operand::V(u) if !s[u.index()]) {
                            *src = Operand::R(13);
                        }
                    }
                    for (_, d) in m.iter() {
                        if let Operand::V(d) = d {
                            s[d.index()] = true;
                        }
                    }
                }
                I::Call { .. } => {}
            }
        }
    }
}

/// ZisK's register set and costs (TARGET.md): 11 per slot read, 18 per write, 62 per step.
fn zisk_config() -> Config {
    Config {
        allocatable: ALLOCATABLE,
        read_cost: 11,
        write_cost: 18,
        step_cost: 62,
    }
}

#[test]
fn random_functions_pass_the_checker() {
    let cases: u64 = std::env::var("ZKC_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    let cfg = zisk_config();
    let mut split = 0;
    for seed in 1..=cases {
        let mut rng = Rng::with_seed(seed);
        let f = random_function(&mut rng);
        let a = coloring::allocate(&f, &cfg);
        if let Err(e) = check(&f, &a) {
            panic!("seed {seed}: coloring: {e}\n{f:#?}\n{:?}", a.locs);
        }
        split += !a.call_spills.is_empty() as u64;
        let mut arena = SlotArena::new(0x1000, 0x10_0000);
        let s = allocate(&f, &mut arena).unwrap();
        if let Err(e) = check(&f, &s) {
            panic!("seed {seed}: slots: {e}");
        }
    }
    // Live ranges split around calls are among the cases checked.
    assert!(
        split * 50 > cases,
        "{split} of {cases} functions split a live range"
    );
}

/// The checker itself catches a wrong allocation.
#[test]
fn checker_rejects_a_clobbered_value() {
    // v0 = ...; v1 = ...; use v0 — with v0 and v1 in the same register.
    let f = F {
        nv: 2,
        insts: vec![
            I::Op {
                uses: vec![],
                def: Some(VReg(0)),
            },
            I::Op {
                uses: vec![],
                def: Some(VReg(1)),
            },
            I::Op {
                uses: vec![VReg(0), VReg(1)],
                def: None,
            },
        ],
        blocks: vec![(0, 3, vec![])],
    };
    let mut a = coloring::allocate(&f, &zisk_config());
    assert!(check(&f, &a).is_ok());
    a.locs[1] = a.locs[0];
    assert!(check(&f, &a).is_err());
}

/// Spills around calls are what keeps a split live range correct: without them, or with a
/// home slot the callee writes, the checker rejects the allocation (when the call is reached
/// and the value used after it).
#[test]
fn checker_needs_the_spills_around_calls() {
    let cfg = zisk_config();
    let (mut without_rejected, mut clobbered_rejected) = (0, 0);
    for seed in 1..=3000u64 {
        let mut rng = Rng::with_seed(seed);
        let f = random_function(&mut rng);
        let a = coloring::allocate(&f, &cfg);
        let Some(&call) = a.call_spills.keys().min() else {
            continue;
        };
        let mut without = a.clone();
        without.call_spills.remove(&call);
        without_rejected += check(&f, &without).is_err() as u32;
        if f.call_info(call).unwrap().slot_clobbers > 0 {
            let mut clobbered = a.clone();
            clobbered.call_spills.get_mut(&call).unwrap()[0].1 = 0;
            clobbered_rejected += check(&f, &clobbered).is_err() as u32;
        }
    }
    assert!(without_rejected > 10, "{without_rejected}");
    assert!(clobbered_rejected > 10, "{clobbered_rejected}");
}

/// A function keeping 3,000 values live at once (a 4.5M-edge interference graph) gets one slot
/// per vreg, above the slots its callee writes, with its re-entering call's saves: linear in
/// its size, and checked like any allocation.
#[test]
fn too_many_live_values_get_one_slot_each() {
    let n = 3000;
    let mut insts: Vec<I> = (0..n)
        .map(|v| I::Op {
            uses: vec![],
            def: Some(VReg(v as u32)),
        })
        .collect();
    for (k, reenters) in [(0, false), (1, true)] {
        insts.push(I::Call {
            args: 0,
            rets: 0,
            info: CallInfo {
                reenters,
                clobbers: reg_range(1, 39),
                slot_clobbers: 5 + k,
            },
        });
    }
    insts.push(I::Op {
        uses: (0..n).map(|v| VReg(v as u32)).collect(),
        def: None,
    });
    let f = F {
        nv: n,
        blocks: vec![(0, insts.len(), vec![])],
        insts,
    };
    let a = coloring::allocate(&f, &zisk_config());
    check(&f, &a).expect("checked");
    let mut slots: Vec<u64> = a
        .locs
        .iter()
        .map(|l| match l {
            zkc_regalloc_mem::Loc::Slot(o) => *o,
            l => panic!("{l} is not a slot"),
        })
        .collect();
    slots.sort_unstable();
    slots.dedup();
    assert_eq!(slots.len(), n);
    assert_eq!(slots[0], 8 * 5, "above the non-re-entering callee's slots");
    assert_eq!(a.call_saves[&(n + 1)].len(), n);
}

//! `peel`: the first iteration of a small innermost loop, copied in front of it, where the loop
//! accesses memory at an address computed outside it.
//!
//! Every wasm access checks its address against the memory size, and memory never shrinks:
//! once `addr + k <= size` held, it holds for the rest of the run. An address that does not
//! change in a loop (the sret slot of an inlined `__multi3`, a structure's field through a
//! pointer fixed for the loop) is nevertheless checked on every iteration, because no check of
//! it dominates the loop. With the first iteration peeled off, its copy of the access checks
//! the address once, in a block that dominates the loop, and the backend's checks
//! (`backend-zisk` `codegen/checks.rs`) drop the loop's own. The semantics are wasm's exactly:
//! the peeled iteration is the first iteration, checks and traps included; no check moves
//! above anything.
//!
//! A loop qualifies when it is innermost, small (at most [`MAX_INSTS`] instructions, the copy
//! costs ROM and compile time, not proof steps), and has an access whose address is defined
//! outside the loop in a block that every iteration passes through (one that dominates every
//! latch), with no access from the same address value in a block dominating the loop already.
//! Values the loop defines and code after it reads must leave through one exit block: that
//! block receives each as a new parameter (from the loop and from the copy alike), and the
//! reads after the loop read the parameter. Every such read lies in a block the exit block
//! dominates: the value's definition dominates the read, and every path from it out of the
//! loop enters the exit block.
//!
//! The copy's blocks branch to the loop's header where the loop's latches do, to the copy's
//! own blocks inside, and to the same exits; the loop's outside predecessors branch to the
//! copy's header.

use crate::loops;
use crate::util::{inst_blocks, FunctionPass};
use std::collections::{HashMap, HashSet};
use zkc_ir::cfg::ControlFlow;

use zkc_ir::{Block, Function, Inst, Op, SecondaryMap, Value};

/// The largest loop peeled, in instructions.
pub const MAX_INSTS: usize = 48;

pub fn pass(m: &zkc_ir::Module) -> FunctionPass {
    // Constant addresses inside the initial memory need no check (wasm pages are 64 KiB).
    let min_mem = m.memory.as_ref().map_or(0, |d| d.min as u64 * 65536);
    Box::new(move |f, r| {
        r.add("loops peeled", peel_function(f, min_mem) as u64);
    })
}

fn peel_function(f: &mut Function, min_mem: u64) -> usize {
    // One loop at a time: a peel adds blocks and edges the next loop's analysis must see.
    let mut done: HashSet<Block> = HashSet::new();
    let mut peeled = 0;
    loop {
        let cfg = ControlFlow::compute(f);
        let loops = crate::loops::natural_loops(f, &cfg);
        let inst_block = inst_blocks(f);
        // The blocks of the accesses from each address value.
        let mut accessed: HashMap<Value, Vec<Block>> = HashMap::new();
        for &b in &cfg.rpo {
            for &i in &f.blocks[b].insts {
                if matches!(f.insts[i].op, Op::Load { .. } | Op::Store { .. }) {
                    accessed.entry(f.insts[i].args[0]).or_default().push(b);
                }
            }
        }
        let cx = Candidates {
            f,
            cfg: &cfg,
            loops: &loops,
            inst_block: &inst_block,
            accessed: &accessed,
            min_mem,
        };
        let Some((h, body, q)) = loops
            .iter()
            .filter(|(h, _)| !done.contains(h) && Some(*h) != f.entry())
            .find_map(|(h, body)| cx.qualifies(*h, body).map(|q| (*h, body, q)))
        else {
            return peeled;
        };
        done.insert(h);
        loops::pass_through(f, &cfg, body, &q.in_body, &q.pass_through);
        let copy = loops::copy_loop(f, h, body, &q.in_body, true);
        let copies: Vec<Block> = body
            .iter()
            .map(|&b| copy.blocks[b].expect("copy"))
            .collect();
        let outside = loops::outside_preds(&cfg, h, &q.in_body);
        loops::enter_through(f, &outside, h, &copies, copies[0]);
        peeled += 1;
    }
}

struct Candidates<'a> {
    f: &'a Function,
    cfg: &'a ControlFlow,
    loops: &'a [(Block, Vec<Block>)],
    inst_block: &'a SecondaryMap<Inst, Option<Block>>,
    accessed: &'a HashMap<Value, Vec<Block>>,
    min_mem: u64,
}

impl Candidates<'_> {
    /// What peeling the loop headed by `h` needs, if it qualifies (module docs).
    fn qualifies(&self, h: Block, body: &[Block]) -> Option<Qualified> {
        let (f, cfg) = (self.f, self.cfg);
        let (in_body, latches) = loops::small_innermost(f, cfg, self.loops, h, body, MAX_INSTS)?;
        let defined_inside = |v: Value| loops::defined_in(f, self.inst_block, &in_body, v);
        // An access from an outside address that every iteration runs and no access before
        // the loop covers.
        let worth = body.iter().any(|&b| {
            latches.iter().all(|&l| cfg.dominates(b, l))
                && f.blocks[b].insts.iter().any(|&i| {
                    let d = &f.insts[i];
                    matches!(d.op, Op::Load { .. } | Op::Store { .. })
                        && !defined_inside(d.args[0])
                        && !inside_initial_memory(f, i, self.min_mem)
                        && !self.accessed[&d.args[0]]
                            .iter()
                            .any(|&a| a != h && cfg.dominates(a, h))
                })
        });
        if !worth {
            return None;
        }
        let escaping = loops::escaping(f, cfg, &in_body, defined_inside);
        let exits = loops::exits(f, body, &in_body);
        let pass_through = loops::pass_through_plan(f, cfg, &in_body, &exits, &escaping)?;
        Some(Qualified {
            in_body,
            pass_through,
        })
    }
}

/// What peeling a qualifying loop needs.
struct Qualified {
    in_body: SecondaryMap<Block, bool>,
    /// The exit blocks that receive the values defined in the loop and read after it
    /// ([`loops::pass_through`]).
    pass_through: Vec<(Block, Vec<Value>)>,
}

/// Whether access `i` is at a constant address whose bytes lie in the initial memory.
fn inside_initial_memory(f: &Function, i: zkc_ir::Inst, min_mem: u64) -> bool {
    let d = &f.insts[i];
    let (Op::Load { width, offset, .. } | Op::Store { width, offset, .. }) = d.op else {
        return false;
    };
    crate::util::const_of(f, d.args[0])
        .is_some_and(|c| (c & 0xffff_ffff) + offset as u64 + width as u64 <= min_mem)
}

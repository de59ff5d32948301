//! `unroll`: a small loop whose back edge shifts values from one header parameter to the next
//! (`b = a, c = b, d = c`, the working variables of SHA-256's rounds) is unrolled as many times
//! as its longest such chain is long.
//!
//! Each shift is a copy on the back edge that register allocation cannot coalesce: `a` and
//! `b` are both live through the iteration, so they need two registers, and every iteration
//! moves each value one register along (a ZisK step per move). In `n` copies of the body, with
//! `n` the chain's length, copy `k + 1` receives copy `k`'s `a` as its `b`: the same value, so
//! the allocator gives them one register, and after `n` copies every value is back in the
//! register it started in. Each copy keeps its own exit tests, so the loop runs exactly the
//! iterations it ran before, whatever their number: no trip count, no remainder loop.
//!
//! A loop qualifies when it is innermost, has one back edge, at most [`MAX_INSTS`]
//! instructions, and at least [`MIN_SHIFTS`] shifts; values it defines that code after it
//! reads must leave through one exit block entered only from the loop (`loops`).

use crate::loops;
use crate::util::FunctionPass;
use zkc_ir::cfg::ControlFlow;
use zkc_ir::{Block, Function, Module, SecondaryMap, ValueDef};

/// The largest loop unrolled, in instructions (before unrolling).
pub const MAX_INSTS: usize = 48;
/// Fewer shifts than this cost less than the copies' ROM and compile time are worth.
pub const MIN_SHIFTS: usize = 4;
/// The most copies of a body.
pub const MAX_FACTOR: usize = 8;

pub fn pass(_: &Module) -> FunctionPass {
    Box::new(|f, r| {
        r.add("loops unrolled", unroll_function(f) as u64);
    })
}

fn unroll_function(f: &mut Function) -> usize {
    loops::one_at_a_time(
        f,
        qualifies,
        |f, cfg, h, body, (in_body, factor, pass_through)| {
            unroll(f, cfg, h, body, &in_body, factor, &pass_through);
            vec![]
        },
    )
}

/// Unrolls the loop headed by `h` `factor` times (module docs).
#[allow(clippy::too_many_arguments)]
fn unroll(
    f: &mut Function,
    cfg: &ControlFlow,
    h: Block,
    body: &[Block],
    in_body: &SecondaryMap<Block, bool>,
    factor: usize,
    pass_through: &[(Block, Vec<zkc_ir::Value>)],
) {
    loops::pass_through(f, cfg, body, in_body, pass_through);
    let latch = cfg.preds[h]
        .iter()
        .copied()
        .find(|&p| in_body[p])
        .expect("a latch");
    // Copies 1..factor, each entered from the previous one's back edge; the last one's
    // back edge enters the original header. All are made from the loop as it was.
    let copies: Vec<_> = (1..factor)
        .map(|_| loops::copy_loop(f, h, body, in_body, true))
        .collect();
    let mut prev_latch = latch;
    let mut new_blocks = Vec::new();
    for copy in &copies {
        let head = copy.blocks[h].expect("copied header");
        let mut t = f.blocks[prev_latch].term.take().expect("terminator");
        for c in t.targets_mut() {
            if c.block == h {
                c.block = head;
            }
        }
        f.blocks[prev_latch].term = Some(t);
        prev_latch = copy.blocks[latch].expect("copied latch");
        new_blocks.extend(body.iter().map(|&b| copy.blocks[b].expect("copy")));
    }
    let last = body
        .iter()
        .filter_map(|&b| f.layout.iter().position(|&l| l == b))
        .max()
        .expect("laid-out loop");
    f.layout.splice(last + 1..last + 1, new_blocks);
}

/// `(blocks of the loop, unroll factor, where escaping values leave)` if the loop headed by `h`
/// qualifies (module docs).
#[allow(clippy::type_complexity)]
fn qualifies(
    view: &loops::LoopView,
    h: Block,
    body: &[Block],
) -> Option<(
    SecondaryMap<Block, bool>,
    usize,
    Vec<(Block, Vec<zkc_ir::Value>)>,
)> {
    let (f, cfg, inst_block) = (view.f, view.cfg, view.inst_block);
    let (in_body, edges) = loops::small_innermost(f, cfg, view.all, h, body, MAX_INSTS)?;
    let [latch] = edges.as_slice() else {
        return None;
    };
    let calls: Vec<_> = f.blocks[*latch]
        .term
        .iter()
        .flat_map(|t| t.targets())
        .filter(|c| c.block == h)
        .collect();
    let [back] = calls.as_slice() else {
        return None;
    };
    // `shift[k] = Some(j)`: the back edge passes parameter j as parameter k.
    let params = &f.blocks[h].params;
    let shift: Vec<Option<usize>> = back
        .args
        .iter()
        .enumerate()
        .map(|(k, &a)| match f.values[a].def {
            ValueDef::Param(b, j) if b == h && j as usize != k => Some(j as usize),
            _ => None,
        })
        .collect();
    let shifts = shift.iter().filter(|s| s.is_some()).count();
    if shifts < MIN_SHIFTS || params.len() != shift.len() {
        return None;
    }
    // The longest chain k <- j <- ..., its length counting its head.
    let chain = |mut k: usize| {
        let mut n = 1;
        while let Some(j) = shift[k] {
            n += 1;
            k = j;
            if n > MAX_FACTOR {
                break;
            }
        }
        n
    };
    let factor = (0..shift.len()).map(chain).max()?.min(MAX_FACTOR);
    if factor < 2 {
        return None;
    }
    let inside = |v| loops::defined_in(f, inst_block, &in_body, v);
    let escaping = loops::escaping(f, cfg, &in_body, inside);
    let exits = loops::exits(f, body, &in_body);
    let pass_through = loops::pass_through_plan(f, cfg, &in_body, &exits, &escaping)?;
    Some((in_body, factor, pass_through))
}

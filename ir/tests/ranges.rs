//! Value ranges (`zkc_ir::ranges`) on loops, branches and wrapping arithmetic.

use zkc_ir::ranges::{Range, Ranges};
use zkc_ir::text::parse_module;
use zkc_ir::{Function, Value};

/// The ranges of function `@f` in `src` and the function.
fn ranges(src: &str) -> (Ranges, Function) {
    let m = parse_module(src).expect("parses");
    let f = m.funcs.iter().find(|(_, f)| f.name == "f").unwrap().1;
    let f = f.body().expect("body").clone();
    (Ranges::compute(&f), f)
}

fn v(n: u32) -> Value {
    Value::from_u32(n)
}

fn range(lo: i64, hi: i64, stride: u64) -> Range {
    Range { lo, hi, stride }
}

#[test]
fn a_counted_loop_up_to_zero_keeps_its_stride() {
    // i = -192; do { ..; i += 8 } while (i != 0): the shape clang gives keccak's round loop.
    let src = "func @f() {
block0:
    v0 = i32.const -192
    jump block1(v0)
block1(v1: i32):
    v2 = i32.const 8
    v3 = i32.add v1, v2
    v4 = i32.const 0
    v5 = i32.ne v3, v4
    brif v5, block1(v3), block2
block2:
    return
}
";
    let (r, _) = ranges(src);
    assert_eq!(r.of(v(1)), range(-192, -8, 8));
    assert_eq!(r.of(v(3)), range(-184, 0, 8));
}

#[test]
fn a_loop_below_a_constant_bound() {
    let src = "func @f() {
block0:
    v0 = i32.const 0
    jump block1(v0)
block1(v1: i32):
    v2 = i32.const 1
    v3 = i32.add v1, v2
    v4 = i32.const 100
    v5 = i32.lt_s v3, v4
    brif v5, block1(v3), block2
block2:
    return
}
";
    let (r, _) = ranges(src);
    assert_eq!(r.of(v(1)), range(0, 99, 1));
    assert_eq!(r.of(v(3)), range(1, 100, 1));
}

#[test]
fn a_loop_below_an_unknown_bound_cannot_wrap() {
    // for (i = 0; i < n; i++): i + 1 <= n - 1 + 1 never passes 2^31 - 1.
    let src = "func @f(i32) {
block0(v0: i32):
    v1 = i32.const 0
    jump block1(v1)
block1(v2: i32):
    v3 = i32.lt_s v2, v0
    brif v3, block2, block3
block2:
    v4 = i32.const 1
    v5 = i32.add v2, v4
    jump block1(v5)
block3:
    return
}
";
    let (r, _) = ranges(src);
    assert_eq!(r.of(v(2)), range(0, i32::MAX as i64, 1));
    assert_eq!(r.of(v(5)), range(1, i32::MAX as i64, 1));
}

#[test]
fn an_unsigned_bound_makes_a_value_non_negative() {
    let src = "func @f(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 10
    v2 = i32.lt_u v0, v1
    brif v2, block1(v0), block2
block1(v3: i32):
    return v3
block2:
    return v1
}
";
    let (r, _) = ranges(src);
    assert_eq!(r.of(v(0)), Range::full(zkc_ir::Type::I32));
    assert_eq!(r.of(v(3)), range(0, 9, 1));
}

#[test]
fn arithmetic_that_can_wrap_gives_the_whole_type() {
    let src = "func @f(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 1
    v2 = i32.add v0, v1
    v3 = i32.const 255
    v4 = i32.and v0, v3
    v5 = i32.const 10
    v6 = i32.add v4, v5
    v7 = i32.const 24
    v8 = i32.shl v4, v7
    v9 = i32.shl v4, v5
    return v2
}
";
    let (r, _) = ranges(src);
    assert_eq!(r.of(v(2)), Range::full(zkc_ir::Type::I32));
    assert_eq!(r.of(v(4)), range(0, 255, 1));
    assert_eq!(r.of(v(6)), range(10, 265, 1));
    // 255 << 24 passes 2^31: it wraps; 255 << 10 does not.
    assert_eq!(r.of(v(8)), Range::full(zkc_ir::Type::I32));
    assert_eq!(r.of(v(9)), range(0, 255 << 10, 1024));
}

#[test]
fn an_ever_growing_parameter_is_widened_to_the_type() {
    // x = 1; loop { x = x * 3 + 1 }: no threshold stops it.
    let src = "func @f() {
block0:
    v0 = i32.const 1
    jump block1(v0)
block1(v1: i32):
    v2 = i32.const 3
    v3 = i32.mul v1, v2
    v4 = i32.const 1
    v5 = i32.add v3, v4
    jump block1(v5)
}
";
    let (r, _) = ranges(src);
    assert_eq!(r.of(v(1)), Range::full(zkc_ir::Type::I32));
}

#[test]
fn a_branch_on_the_counter_itself_bounds_it() {
    // The same loop as wasm has it: `br_if` on the counter, no compare.
    let src = "func @f() {
block0:
    v0 = i32.const -96
    jump block1(v0)
block1(v1: i32):
    v2 = i32.const 8
    v3 = i32.add v1, v2
    brif v3, block1(v3), block2
block2:
    return
}
";
    let (r, _) = ranges(src);
    assert_eq!(r.of(v(1)), range(-96, -8, 8));
}

#[test]
fn remainders_stay_below_divisor_and_dividend() {
    let src = "func @f(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 255
    v2 = i32.and v0, v1
    v3 = i32.const 10
    v4 = i32.rem_u v2, v3
    v5 = i32.const -1
    v6 = i32.rem_u v2, v5
    v7 = i32.const -7
    v8 = i32.rem_s v2, v7
    return v4
}
";
    let (r, _) = ranges(src);
    assert_eq!(r.of(v(4)), range(0, 9, 1));
    // -1 is 2^32 - 1 unsigned: the dividend itself.
    assert_eq!(r.of(v(6)), range(0, 255, 1));
    assert_eq!(r.of(v(8)), range(0, 6, 1));
}

#[test]
fn the_entry_block_inherits_no_facts_from_a_branch_back_to_it() {
    // block0 is also entered from the function's start: what block1's branch says of v0 does
    // not hold there.
    // (The loop in block3 makes the analysis take more than one round.)
    let src = "func @f(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 10
    v2 = i32.lt_s v0, v1
    v3 = i32.const 1
    v4 = i32.add v0, v3
    brif v2, block1, block2
block1:
    jump block0(v1)
block2:
    jump block3(v3)
block3(v5: i32):
    v6 = i32.add v5, v3
    v7 = i32.const 50
    v8 = i32.lt_s v6, v7
    brif v8, block3(v6), block4
block4:
    return v4
}
";
    let (r, _) = ranges(src);
    assert_eq!(r.of(v(4)), Range::full(zkc_ir::Type::I32));
}

/// `i = 0; do { ..; i += 4 } while (i != 192)` (sha256's message schedule) as `@f(v0)`, after
/// `prefix` in its entry block: `i` is `v2`, `i + 4` is `v4`.
fn ne_loop(prefix: &str) -> String {
    format!(
        "func @f(i32) {{
block0(v0: i32):
{prefix}    v1 = i32.const 0
    jump block1(v1)
block1(v2: i32):
    v3 = i32.const 4
    v4 = i32.add v2, v3
    v5 = i32.const 192
    v6 = i32.ne v4, v5
    brif v6, block1(v4), block2
block2:
    return
}}
"
    )
}

#[test]
fn a_counted_loop_up_to_a_constant_with_ne() {
    let (r, _) = ranges(&ne_loop(""));
    assert_eq!(r.of(v(2)), range(0, 188, 4));
    assert_eq!(r.of(v(4)), range(4, 192, 4));
}

#[test]
fn a_counter_converges_beside_many_other_compares() {
    // The same counter in a function that compares another value with 32 constants between
    // 0 and 192: the counter's thresholds are its own (188 from `i + 4 != 192`), not every
    // compared constant, which would take it a round each and run out of rounds.
    let mut compares = String::new();
    for (k, c) in (3..190).step_by(6).enumerate() {
        let n = 10 + 3 * k;
        compares.push_str(&format!(
            "    v{n} = i32.const {c}\n    v{} = i32.lt_s v0, v{n}\n    v{} = i32.add v{}, v{}\n",
            n + 1,
            n + 2,
            n + 1,
            n + 1
        ));
    }
    let (r, _) = ranges(&ne_loop(&compares));
    assert_eq!(r.of(v(2)), range(0, 188, 4));
}

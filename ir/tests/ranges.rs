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

#[test]
fn a_counted_loop_up_to_a_constant_with_ne() {
    // i = 0; do { ..; i += 4 } while (i != 192): sha256's message schedule.
    let src = "func @f() {
block0:
    v0 = i32.const 0
    jump block1(v0)
block1(v1: i32):
    v2 = i32.const 4
    v3 = i32.add v1, v2
    v4 = i32.const 192
    v5 = i32.ne v3, v4
    brif v5, block1(v3), block2
block2:
    return
}
";
    let (r, _) = ranges(src);
    assert_eq!(r.of(v(1)), range(0, 188, 4));
    assert_eq!(r.of(v(3)), range(4, 192, 4));
}

#[test]
fn a_counter_converges_beside_many_other_compares() {
    // The counter of `a_counted_loop_up_to_a_constant_with_ne` in a function that compares
    // another value with 32 constants between 0 and 192: the counter's thresholds are its own
    // (188 from `i + 4 != 192`), not every compared constant, which would take it a round
    // each and run out of rounds.
    let src = "func @f(i32) {
block0(v0: i32):
    v10 = i32.const 3
    v11 = i32.lt_s v0, v10
    v12 = i32.add v11, v11
    v13 = i32.const 9
    v14 = i32.lt_s v0, v13
    v15 = i32.add v14, v14
    v16 = i32.const 15
    v17 = i32.lt_s v0, v16
    v18 = i32.add v17, v17
    v19 = i32.const 21
    v20 = i32.lt_s v0, v19
    v21 = i32.add v20, v20
    v22 = i32.const 27
    v23 = i32.lt_s v0, v22
    v24 = i32.add v23, v23
    v25 = i32.const 33
    v26 = i32.lt_s v0, v25
    v27 = i32.add v26, v26
    v28 = i32.const 39
    v29 = i32.lt_s v0, v28
    v30 = i32.add v29, v29
    v31 = i32.const 45
    v32 = i32.lt_s v0, v31
    v33 = i32.add v32, v32
    v34 = i32.const 51
    v35 = i32.lt_s v0, v34
    v36 = i32.add v35, v35
    v37 = i32.const 57
    v38 = i32.lt_s v0, v37
    v39 = i32.add v38, v38
    v40 = i32.const 63
    v41 = i32.lt_s v0, v40
    v42 = i32.add v41, v41
    v43 = i32.const 69
    v44 = i32.lt_s v0, v43
    v45 = i32.add v44, v44
    v46 = i32.const 75
    v47 = i32.lt_s v0, v46
    v48 = i32.add v47, v47
    v49 = i32.const 81
    v50 = i32.lt_s v0, v49
    v51 = i32.add v50, v50
    v52 = i32.const 87
    v53 = i32.lt_s v0, v52
    v54 = i32.add v53, v53
    v55 = i32.const 93
    v56 = i32.lt_s v0, v55
    v57 = i32.add v56, v56
    v58 = i32.const 99
    v59 = i32.lt_s v0, v58
    v60 = i32.add v59, v59
    v61 = i32.const 105
    v62 = i32.lt_s v0, v61
    v63 = i32.add v62, v62
    v64 = i32.const 111
    v65 = i32.lt_s v0, v64
    v66 = i32.add v65, v65
    v67 = i32.const 117
    v68 = i32.lt_s v0, v67
    v69 = i32.add v68, v68
    v70 = i32.const 123
    v71 = i32.lt_s v0, v70
    v72 = i32.add v71, v71
    v73 = i32.const 129
    v74 = i32.lt_s v0, v73
    v75 = i32.add v74, v74
    v76 = i32.const 135
    v77 = i32.lt_s v0, v76
    v78 = i32.add v77, v77
    v79 = i32.const 141
    v80 = i32.lt_s v0, v79
    v81 = i32.add v80, v80
    v82 = i32.const 147
    v83 = i32.lt_s v0, v82
    v84 = i32.add v83, v83
    v85 = i32.const 153
    v86 = i32.lt_s v0, v85
    v87 = i32.add v86, v86
    v88 = i32.const 159
    v89 = i32.lt_s v0, v88
    v90 = i32.add v89, v89
    v91 = i32.const 165
    v92 = i32.lt_s v0, v91
    v93 = i32.add v92, v92
    v94 = i32.const 171
    v95 = i32.lt_s v0, v94
    v96 = i32.add v95, v95
    v97 = i32.const 177
    v98 = i32.lt_s v0, v97
    v99 = i32.add v98, v98
    v100 = i32.const 183
    v101 = i32.lt_s v0, v100
    v102 = i32.add v101, v101
    v103 = i32.const 189
    v104 = i32.lt_s v0, v103
    v105 = i32.add v104, v104
    v1 = i32.const 0
    jump block1(v1)
block1(v2: i32):
    v3 = i32.const 4
    v4 = i32.add v2, v3
    v5 = i32.const 192
    v6 = i32.ne v4, v5
    brif v6, block1(v4), block2
block2:
    return
}
";
    let (r, _) = ranges(src);
    assert_eq!(r.of(v(2)), range(0, 188, 4));
}

;; Integer arithmetic, bit operations, comparisons and conversions.
(module
  (func (export "ops") (param $a i32) (param $b i64) (result i64)
    (drop (i32.clz (local.get $a)))
    (drop (i32.popcnt (i32.rotl (local.get $a) (i32.const 3))))
    (drop (i32.div_s (local.get $a) (i32.const 7)))
    (drop (i32.rem_u (local.get $a) (i32.const 7)))
    (drop (i32.shr_s (local.get $a) (i32.const 31)))
    (drop (i64.ctz (local.get $b)))
    (drop (i64.eqz (local.get $b)))
    (drop (i32.wrap_i64 (local.get $b)))
    (i64.xor (i64.extend_i32_u (local.get $a))
             (i64.rotr (local.get $b) (i64.extend_i32_s (local.get $a))))))

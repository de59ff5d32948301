;; A select between the operands of an ordering compare is one min/max op, and the compare
;; goes when only the select reads it.
(module
  (func $minu (param i32 i32) (result i32)
    (select (local.get 0) (local.get 1) (i32.lt_u (local.get 0) (local.get 1))))
  (func $maxs64 (param i64 i64) (result i64)
    (select (local.get 0) (local.get 1) (i64.gt_s (local.get 0) (local.get 1))))
  (func (export "_start")
    (if (i32.ne (call $minu (i32.const 0x80000000) (i32.const 5)) (i32.const 5))
      (then unreachable))
    (if (i64.ne (call $maxs64 (i64.const -7) (i64.const 3)) (i64.const 3))
      (then unreachable))))

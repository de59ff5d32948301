;; A compare read only by its block's branch is the branch itself: one compare-and-jump step,
;; with the operands swapped or the targets exchanged where ZisK has no such compare.
(module
  (func $classify (param $x i32) (param $y i32) (result i32)
    (if (i32.lt_u (local.get $x) (local.get $y)) (then (return (i32.const 1))))
    (if (i32.ge_s (local.get $x) (local.get $y)) (then (return (i32.const 2))))
    (i32.const 3))
  (func (export "_start")
    (if (i32.ne (call $classify (i32.const 1) (i32.const 2)) (i32.const 1)) (then unreachable))
    (if (i32.ne (call $classify (i32.const 5) (i32.const 2)) (i32.const 2)) (then unreachable))
    (if (i32.ne (call $classify (i32.const -1) (i32.const 2)) (i32.const 3)) (then unreachable))))

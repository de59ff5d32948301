;; A compare read by its block's branch and again after the block is still the branch: the
;; compare-and-jump step also writes its result (ZisK ops store and jump in one step), one step
;; instead of the compare and a test of its result. Where ZisK computes the opposite (`ne` as
;; `eq` with the targets exchanged), the result is negated and tested as before.
(module
  (global $hits (mut i32) (i32.const 0))
  (func $lt (param $x i32) (param $y i32) (result i32)
    (local $c i32)
    (local.set $c (i32.lt_u (local.get $x) (local.get $y)))
    (if (local.get $c) (then (global.set $hits (i32.add (global.get $hits) (i32.const 1)))))
    (local.get $c))
  (func $ne (param $x i32) (param $y i32) (result i32)
    (local $c i32)
    (local.set $c (i32.ne (local.get $x) (local.get $y)))
    (if (local.get $c) (then (global.set $hits (i32.add (global.get $hits) (i32.const 1)))))
    (local.get $c))
  (func (export "_start")
    (if (i32.ne (call $lt (i32.const 1) (i32.const 2)) (i32.const 1)) (then unreachable))
    (if (i32.ne (call $lt (i32.const 3) (i32.const 2)) (i32.const 0)) (then unreachable))
    (if (i32.ne (call $ne (i32.const 2) (i32.const 2)) (i32.const 0)) (then unreachable))
    (if (i32.ne (call $ne (i32.const 5) (i32.const 2)) (i32.const 1)) (then unreachable))
    (if (i32.ne (global.get $hits) (i32.const 2)) (then unreachable))))

;; An address wrapped from an i64 pointer (`i32.wrap_i64`, how Go's code addresses memory) has
;; upper bits nothing knows: the access checks the pointer's raw value and uses it as the
;; address, one check where zero-extending first would add an `and`. Where the raw value
;; fails the check, a path after the function's blocks (`_w1`, `_w2`) zero-extends it into
;; `r2`, checks that, does the access from `r2` and jumps back after it: the same trap where
;; the wrapped address is outside the memory, the same access where only its upper bits were
;; set.
(module
  (memory 1)
  (global $p (mut i64) (i64.const 64))
  (func $f (param $p i64) (result i64)
    (i64.store offset=8 (i32.wrap_i64 (local.get $p)) (i64.const 7))
    (i64.load (i32.wrap_i64 (local.get $p))))
  (func (export "_start")
    (if (i64.ne (call $f (global.get $p)) (i64.const 0)) (then unreachable))))

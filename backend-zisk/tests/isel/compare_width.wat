;; An i32 compare whose operands carry the same extension of their low 32 bits is the 64-bit
;; compare, which the frequent-operation tables make free for small operands; `x <= k` with a
;; constant is `x < k + 1` and `k <= x` is `k - 1 < x` (the `le` ops have no frequent
;; operations). A signed compare needs sign extension; a zero-extended load keeps `lt_w`.
(module
  (memory 1)
  (data (i32.const 0) "\05\00\fe\ff\07\00\00\80")
  (func $classify (param $p i32) (result i32)
    (local $byte i32) (local $word i32) (local $half i32)
    (local.set $byte (i32.load8_u (local.get $p)))
    (local.set $word (i32.load offset=4 (local.get $p)))
    (local.set $half (i32.load16_s offset=2 (local.get $p)))
    (if (i32.le_u (local.get $byte) (i32.const 4)) (then (return (i32.const 1))))
    (if (i32.lt_u (local.get $word) (local.get $byte)) (then (return (i32.const 2))))
    (if (i32.lt_s (local.get $word) (local.get $byte)) (then (return (i32.const 3))))
    (if (i32.ge_s (local.get $half) (i32.const -1)) (then (return (i32.const 4))))
    (i32.add (i32.const 10) (i32.eqz (i32.ge_u (local.get $half) (local.get $byte)))))
  (func (export "_start")
    ;; byte 5, word 0x80000007, half -2: not <= 4; word >=u byte; word <s byte.
    (if (i32.ne (call $classify (i32.const 0)) (i32.const 3)) (then unreachable))))

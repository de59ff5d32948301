;; An i32 addition whose only use is an access's address is the 64-bit `add` even though it
;; may wrap (`ext::address_sums`): `p << 2` is sign-extended (`sll_w`), 100 is non-negative,
;; so the 64-bit sum lies in [-2^31, 2^32) and the bounds check `leu([bound], sum)` passes
;; exactly when the wrapped address is in bounds. `(q << 2) + 100`, also returned, stays
;; `add_w`. Called with -4, the sum wraps to address 84.
(module
  (memory 1)
  (func $at (param $p i32) (result i32)
    (i32.load8_u (i32.add (i32.shl (local.get $p) (i32.const 2)) (i32.const 100))))
  (func $both (param $q i32) (result i32)
    (local $a i32)
    (local.set $a (i32.add (i32.shl (local.get $q) (i32.const 2)) (i32.const 100)))
    (i32.add (i32.load8_u (local.get $a)) (local.get $a)))
  (func (export "_start")
    (i32.store8 (i32.const 84) (i32.const 7))
    (if (i32.ne (call $at (i32.const -4)) (i32.const 7)) (then unreachable))
    (if (i32.ne (call $both (i32.const -4)) (i32.const 91)) (then unreachable))))

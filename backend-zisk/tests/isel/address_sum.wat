;; An i32 addition whose only use is an access's address is the 64-bit `add` even though it
;; may wrap (`ext::address_sums`): `p << 2` is sign-extended (`sll_w`), 100 is non-negative,
;; so the 64-bit sum lies in [-2^31, 2^32) and the bounds check `leu([bound], sum)` passes
;; exactly when the wrapped address is in bounds. `(q << 2) + 100`, also returned, stays
;; `add_w`. Called with -4, the sum wraps to address 84. In `$at` the access is a displaced
;; one (`checks`): the sum goes to `r2` for the check only, the load reads `[p << 2 + 100]`. In `$chain` the outer `+ 36` is one too:
;; its operand `(b + 96) + i` is two i32 additions selected as the 64-bit op (neither reaches an
;; address directly), whose register holds the exact sum of `b` (sign-extended), 96 and `i` (in
;; [0, 15]), so the 64-bit address stays in [-2^31, 2^32).
(module
  (memory 1)
  (func $at (param $p i32) (result i32)
    (i32.load8_u (i32.add (i32.shl (local.get $p) (i32.const 2)) (i32.const 100))))
  (func $both (param $q i32) (result i32)
    (local $a i32)
    (local.set $a (i32.add (i32.shl (local.get $q) (i32.const 2)) (i32.const 100)))
    (i32.add (i32.load8_u (local.get $a)) (local.get $a)))
  (func $chain (param $p i32) (result i32)
    (local $b i32) (local $i i32) (local $s i32)
    (local.set $b (i32.shl (local.get $p) (i32.const 2)))
    (loop $l
      (local.set $s (i32.add (local.get $s)
        (i32.load8_u (i32.add (i32.add (i32.add (local.get $b) (i32.const 96)) (local.get $i))
                              (i32.const 36)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.ne (local.get $i) (i32.const 16))))
    (local.get $s))
  (func (export "_start")
    (i32.store8 (i32.const 84) (i32.const 7))
    (if (i32.ne (call $at (i32.const -4)) (i32.const 7)) (then unreachable))
    (if (i32.ne (call $both (i32.const -4)) (i32.const 91)) (then unreachable))
    ;; -13 * 4 + 96 + 36 = 80: bytes 80..95 hold only the 7 at 84.
    (if (i32.ne (call $chain (i32.const -13)) (i32.const 7)) (then unreachable))))

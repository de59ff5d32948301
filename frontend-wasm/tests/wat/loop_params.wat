;; A loop with a parameter (multi-value): the accumulator lives on the operand
;; stack, not in a local.
(module
  (type $t (func (param i32) (result i32)))
  (func $count (export "count") (param $n i32) (result i32)
    (i32.const 0)
    (loop $l (type $t)
      (i32.add (i32.const 1))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))))

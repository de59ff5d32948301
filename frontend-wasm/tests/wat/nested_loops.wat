;; Two nested loops: the inner header needs parameters only for what the
;; inner loop changes.
(module
  (func $tri (export "tri") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $acc i32)
    (block $done
      (loop $outer
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $j (i32.const 0))
        (loop $inner
          (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $inner (i32.le_u (local.get $j) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.get $acc)))

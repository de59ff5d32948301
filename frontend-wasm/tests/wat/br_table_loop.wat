;; br_table whose targets include a loop header and the function itself.
(module
  (global $count (mut i32) (i32.const 0))
  (func $f (export "f") (param $x i32)
    (local $n i32)
    (loop $l
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $x (i32.sub (local.get $x) (i32.const 1)))
      (block $b
        (br_table $l $b 2 (local.get $x)))
      (global.set $count (local.get $n)))))

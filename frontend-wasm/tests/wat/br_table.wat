;; br_table carrying a value to three different blocks.
(module
  (func $classify (export "classify") (param $x i32) (result i32)
    (block $c (result i32)
      (block $b (result i32)
        (block $a (result i32)
          (i32.const 100)
          (local.get $x)
          (br_table $a $b $c))
        (i32.const 1) (i32.add)
        (br $c))
      (i32.const 2) (i32.add))))

;; A br_table goes to its default when `len <= index`: for an index with known upper bits (a
;; byte load) that is `ltu(len - 1, index)`, a frequent operation for small indices; for an
;; index of unknown upper bits (a parameter) it stays `leu_w(len, index)`.
(module
  (memory 1)
  (data (i32.const 0) "\02")
  (func $dispatch (param $i i32) (result i32)
    (block $d (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b2 $d (local.get $i)))
      (return (i32.const 10)))
      (return (i32.const 11)))
      (return (i32.const 12)))
    (i32.const 13))
  (func $by_byte (param $p i32) (result i32)
    (block $d (block $b1 (block $b0
      (br_table $b0 $b1 $d (i32.load8_u (local.get $p))))
      (return (i32.const 20)))
      (return (i32.const 21)))
    (i32.const 22))
  (func (export "_start")
    (if (i32.ne (call $dispatch (i32.const 2)) (i32.const 12)) (then unreachable))
    (if (i32.ne (call $dispatch (i32.const -1)) (i32.const 13)) (then unreachable))
    (if (i32.ne (call $by_byte (i32.const 0)) (i32.const 22)) (then unreachable))))

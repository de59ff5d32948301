;; Multi-value blocks: a block with two parameters and two results, and a
;; function returning two values.
(module
  (type $pair (func (param i32 i32) (result i32 i32)))
  (func $swap (export "swap") (param $a i32) (param $b i32) (result i32 i32)
    (local.get $a) (local.get $b)
    (block (type $pair)
      (local.set $a) (local.set $b)
      (local.get $a) (local.get $b)))
  (func $early (export "early") (param $c i32) (result i32 i32)
    (block $out (result i32 i32)
      (i32.const 1) (i32.const 2)
      (br_if $out (local.get $c))
      (drop) (drop)
      (i32.const 3) (i32.const 4))))

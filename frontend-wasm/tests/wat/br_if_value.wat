;; br_if carrying a value out of a block, with the value also used on the
;; fallthrough path.
(module
  (func (export "f") (param $x i32) (result i32)
    (block $b (result i32)
      (drop (br_if $b (i32.const 42) (local.get $x)))
      (i32.const 7))))

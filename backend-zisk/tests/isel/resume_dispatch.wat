;; Go's resume dispatch: a function `(i32) -> i32` whose entry switches on its parameter, the
;; resume point, 0 on every call (`PC_B` in Go's wasm ABI), with 0 and 1 both the start. The
;; `br_table` tests 0 first (`eq_w`, one step) and only then goes through the table. A switch
;; of another shape (`$other`: 0 and 1 apart) has the table alone.
(module
  (func $f (param $pc i32) (result i32)
    (block $b2 (block $b1 (block $b0
      (br_table $b0 $b0 $b1 $b2 (local.get $pc)))
      (return (i32.const 10)))
     (return (i32.const 20)))
    (i32.const 30))
  (func $other (param $k i32) (result i32)
    (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b0 $b2 (local.get $k)))
      (return (i32.const 10)))
     (return (i32.const 20)))
    (i32.const 30))
  (func (export "_start")
    (if (i32.ne (i32.add (call $f (i32.const 0)) (call $other (i32.const 2))) (i32.const 20))
      (then unreachable))))

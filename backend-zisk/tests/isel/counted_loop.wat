;; A counter from a negative constant up to 0 in steps of 8 (clang's shape of keccak's round
;; loop) has the range [-96, -8] (`zkc_ir::ranges`): `i + 8` cannot wrap and is the 64-bit
;; `add`; the reads at `i + 1152` lie in [1056, 1148), inside the initial memory: no bounds
;; check, and the address addition is folded into the memory operand.
(module
  (memory 1)
  (data (i32.const 1056) "\01\00\00\00\00\00\00\00\02\00\00\00\00\00\00\00\03\00\00\00\00\00\00\00\04\00\00\00\00\00\00\00\05\00\00\00\00\00\00\00\06\00\00\00\00\00\00\00\07\00\00\00\00\00\00\00\08\00\00\00\00\00\00\00\09\00\00\00\00\00\00\00\0a\00\00\00\00\00\00\00\0b\00\00\00\00\00\00\00\0c\00\00\00\00\00\00\00")
  (func $sum (result i32)
    (local $i i32) (local $s i32)
    (local.set $i (i32.const -96))
    (loop $l
      (local.set $s
        (i32.add (local.get $s) (i32.load (i32.add (local.get $i) (i32.const 1152)))))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $l (local.get $i)))
    (local.get $s))
  (func (export "_start")
    (if (i32.ne (call $sum) (i32.const 78)) (then unreachable))))

;; A switch in a loop on a loaded byte plus a constant (`switch (c)` on a signed `char`, whose
;; cases start at '+' = 43) dispatches through a table of 256 entries indexed by the byte as
;; loaded: no `signextend_b`, no addition, no bounds test; bytes 128..255 (negative chars) and
;; those past the cases reach the default. The same on an unsigned byte with no constant. The
;; switch outside a loop keeps its short table and bounds test (the 256 words of initial data
;; would cost more than the steps they save).
(module
  (memory 1)
  (func $signed (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (block $d (block $c3 (block $c2 (block $c0
        (br_table $c0 $d $c2 $c3 $d
          (i32.add (i32.load8_s (local.get $i)) (i32.const -43))))
        (local.set $s (i32.add (local.get $s) (i32.const 1))) (br $d))
        (local.set $s (i32.add (local.get $s) (i32.const 10))) (br $d))
        (local.set $s (i32.add (local.get $s) (i32.const 100))) (br $d))
      (local.set $s (i32.add (local.get $s) (i32.const 1000)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.ne (local.get $i) (i32.const 256))))
    (local.get $s))
  (func $unsigned (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (block $d (block $c1 (block $c0
        (br_table $c0 $c1 $d (i32.load8_u (local.get $i))))
        (local.set $s (i32.add (local.get $s) (i32.const 1))) (br $d))
        (local.set $s (i32.add (local.get $s) (i32.const 10))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.ne (local.get $i) (i32.const 256))))
    (local.get $s))
  (func $once (param $c i32) (result i32)
    (block $d (block $c0
      (br_table $c0 $d (i32.load8_u (local.get $c))))
      (return (i32.const 1)))
    (i32.const 2))
  (func (export "_start")
    (local $i i32)
    (loop $fill
      (i32.store8 (local.get $i) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.ne (local.get $i) (i32.const 256))))
    ;; bytes 43, 45, 46 hit the cases (44 is the table's own default entry): 1 + 10 + 100,
    ;; every byte adds 1000.
    (if (i32.ne (call $signed) (i32.const 256111)) (then unreachable))
    ;; byte 0 adds 1, byte 1 adds 10, the other 254 reach the default.
    (if (i32.ne (call $unsigned) (i32.const 11)) (then unreachable))
    (if (i32.ne (call $once (i32.const 0)) (i32.const 1)) (then unreachable))
    (if (i32.ne (call $once (i32.const 7)) (i32.const 2)) (then unreachable))))

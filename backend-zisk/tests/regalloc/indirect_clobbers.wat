;; A call_indirect whose caller has the signature it calls through, but whose only target is
;; outside the caller's call-graph component: the target's clobbers are the caller's too, so
;; $outer keeps $keep out of every register $leaf writes (../shared/repro/coloring-trap.wasm:
;; those clobbers were dropped and a return address was overwritten).
(module
  (type $s (func (param i64) (result i64)))
  (table 1 1 funcref)
  (elem (i32.const 0) $leaf)
  (func $leaf (type $s)
    (local $a i64) (local $b i64) (local $c i64) (local $d i64)
    (local.set $a (i64.mul (local.get 0) (i64.const 3)))
    (local.set $b (i64.mul (local.get $a) (i64.const 5)))
    (local.set $c (i64.mul (local.get $b) (i64.const 7)))
    (local.set $d (i64.mul (local.get $c) (i64.const 11)))
    (i64.add (i64.add (local.get $a) (local.get $b)) (i64.add (local.get $c) (local.get $d))))
  (func $dispatch (type $s)
    (call_indirect (type $s) (local.get 0) (i32.const 0)))
  (func $outer (param $x i64) (result i64)
    (local $keep i64)
    (local.set $keep (i64.xor (local.get $x) (i64.const 0x5555)))
    (i64.add (call $dispatch (local.get $x)) (local.get $keep)))
  (func (export "_start")
    ;; leaf(2) = 6 + 30 + 210 + 2310 = 2556; keep = 2 ^ 0x5555 = 0x5557
    (if (i64.ne (call $outer (i64.const 2)) (i64.const 24403))
      (then unreachable))))

;; A caller keeps values live across calls to a leaf: they avoid exactly the leaf's clobbers
;; (per-function clobber sets); the leaf's result and arguments stay in r10/r11.
(module
  (func $leaf (param $x i64) (param $y i64) (result i64)
    (i64.mul (i64.add (local.get $x) (local.get $y)) (local.get $y)))
  (func $caller (param $a i64) (result i64)
    (local $u i64) (local $v i64)
    (local.set $u (call $leaf (local.get $a) (i64.const 3)))
    (local.set $v (call $leaf (local.get $u) (local.get $a)))
    (i64.add (i64.add (local.get $u) (local.get $v)) (local.get $a)))
  (func (export "_start")
    (drop (call $caller (i64.const 7)))))

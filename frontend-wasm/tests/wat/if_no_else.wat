;; if without else: the false edge goes straight to the join; a local set in
;; the then arm becomes a join parameter.
(module
  (func $abs (export "abs") (param $x i32) (result i32)
    (if (i32.lt_s (local.get $x) (i32.const 0))
      (then (local.set $x (i32.sub (i32.const 0) (local.get $x)))))
    (local.get $x)))

;; Locals read before any write are zero; each type gets its own constant.
(module
  (func (export "zeros") (param $p i32) (result f64)
    (local $i i64) (local $f f32) (local $d f64)
    (drop (local.get $i))
    (drop (local.get $f))
    (if (local.get $p) (then (local.set $d (f64.const 1))))
    (local.get $d)))

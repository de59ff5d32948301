;; Float arithmetic, comparisons, rounding, conversions and reinterprets.
(module
  (func (export "hyp") (param $x f64) (param $y f64) (result f64)
    (f64.sqrt (f64.add (f64.mul (local.get $x) (local.get $x))
                       (f64.mul (local.get $y) (local.get $y)))))
  (func (export "misc") (param $a f32) (param $b f32) (result i32)
    (drop (f32.min (local.get $a) (local.get $b)))
    (drop (f32.copysign (f32.abs (local.get $a)) (f32.neg (local.get $b))))
    (drop (f32.nearest (f32.floor (f32.ceil (f32.trunc (local.get $a))))))
    (drop (f64.promote_f32 (f32.demote_f64 (f64.convert_i64_u (i64.const -1)))))
    (drop (f32.convert_i32_s (i32.reinterpret_f32 (local.get $a))))
    (drop (f64.reinterpret_i64 (i64.const 0x7ff8000000000000)))
    (i32.or (f32.lt (local.get $a) (local.get $b)) (f32.ne (local.get $a) (f32.const nan)))))

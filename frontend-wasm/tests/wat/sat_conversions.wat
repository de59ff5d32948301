;; Non-trapping float-to-int conversions next to the trapping ones.
(module
  (func (export "conv") (param $f f32) (param $d f64) (result i64)
    (drop (i32.trunc_sat_f32_s (local.get $f)))
    (drop (i32.trunc_sat_f32_u (local.get $f)))
    (drop (i32.trunc_sat_f64_s (local.get $d)))
    (drop (i32.trunc_sat_f64_u (local.get $d)))
    (drop (i64.trunc_sat_f32_s (local.get $f)))
    (drop (i64.trunc_sat_f32_u (local.get $f)))
    (drop (i64.trunc_sat_f64_u (local.get $d)))
    (drop (i32.trunc_f64_s (local.get $d)))
    (i64.trunc_sat_f64_s (local.get $d))))

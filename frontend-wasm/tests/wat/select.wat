;; select, untyped and typed.
(module
  (func $min (export "min") (param $a i64) (param $b i64) (result i64)
    (select (local.get $a) (local.get $b) (i64.lt_s (local.get $a) (local.get $b))))
  (func $pick (export "pick") (param $a f64) (param $b f64) (param $c i32) (result f64)
    (select (result f64) (local.get $a) (local.get $b) (local.get $c))))

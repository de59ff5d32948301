;; The sign-extension operators.
(module
  (func (export "ext") (param $x i32) (param $y i64) (result i64)
    (drop (i32.extend8_s (local.get $x)))
    (drop (i32.extend16_s (local.get $x)))
    (drop (i64.extend8_s (local.get $y)))
    (drop (i64.extend16_s (local.get $y)))
    (i64.extend32_s (local.get $y))))

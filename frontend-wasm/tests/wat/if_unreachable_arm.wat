;; An if whose then arm ends in unreachable code: only the else arm reaches
;; the join.
(module
  (func $f (export "f") (param $x i32) (result i32)
    (if (result i32) (local.get $x)
      (then (br 1 (i32.const 0)))
      (else (i32.const 1)))
    (i32.const 2)
    (i32.mul)))

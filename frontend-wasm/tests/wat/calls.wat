;; Direct calls to an imported and a defined function, with several results.
(module
  (import "env" "log" (func $log (param i32)))
  (func $divmod (param $a i32) (param $b i32) (result i32 i32)
    (i32.div_u (local.get $a) (local.get $b))
    (i32.rem_u (local.get $a) (local.get $b)))
  (func (export "run") (param $x i32) (result i32)
    (call $divmod (local.get $x) (i32.const 10))
    (call $log)
    (call $log (local.get $x))))

;; Imported and defined globals, mutable and immutable, with an initializer
;; reading an imported global.
(module
  (import "env" "base" (global $base i32))
  (global $sp (mut i32) (global.get $base))
  (global $k i64 (i64.const -1))
  (global $pi f64 (f64.const 3.141592653589793))
  (export "sp" (global $sp))
  (func (export "push") (param $n i32) (result i32)
    (global.set $sp (i32.sub (global.get $sp) (local.get $n)))
    (global.get $sp)))

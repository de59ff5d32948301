;; Loop parameters that trade places every iteration (Fibonacci): a parallel-move cycle.
(module
  (func $fib (param $n i32) (result i64)
    (local $a i64) (local $b i64) (local $t i64)
    (local.set $b (i64.const 1))
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $t (local.get $a))
        (local.set $a (local.get $b))
        (local.set $b (i64.add (local.get $t) (local.get $b)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $top)))
    (local.get $a))
  (func (export "_start")
    (drop (call $fib (i32.const 30)))))

;; Direct recursion: values live across the re-entering call are saved on the software stack
;; (r39) and restored, whatever their location. Between the two calls the stack pointer stays
;; up (no adjustment after the first call, none before the second), the return address stays
;; in its stack slot (nothing reads it before the second call pops it back: no pop, no second
;; push) and only `n` is popped; no second stack check, the first covered as many bytes.
(module
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "_start")
    (drop (call $fib (i32.const 10)))))

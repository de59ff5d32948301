;; Direct recursion: values live across the re-entering call are saved on the software stack
;; (r39) and restored, whatever their location. The second call's stack slot of the return
;; address still holds it (the first call popped it back and nothing wrote it since): no
;; second store, and no second stack check, the first covered as many bytes.
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

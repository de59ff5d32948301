;; A load whose value nobody reads is only its bounds check (opt `forward` leaves such loads
;; where it took the value from an earlier access but the load may still trap), and nothing
;; at all when a check before it covers its bytes.
(module
  (memory 1)
  (global $p (mut i32) (i32.const 64))
  (func $f (param $p i32) (result i32)
    (drop (i32.load offset=8 (local.get $p)))
    (drop (i32.load offset=4 (local.get $p)))
    (i32.load (local.get $p)))
  (func (export "_start")
    (if (i32.ne (call $f (global.get $p)) (i32.const 0)) (then unreachable))))

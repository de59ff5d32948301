;; Loads from one address value share the first one's bounds check (it checks the widest
;; reach of the block's loads up to the next store); a later access from the same value in a
;; dominated block needs none; a constant address inside the initial memory needs none.
(module
  (memory 1)
  (func $sum (param $p i32) (result i32)
    (local $s i32)
    (local.set $s (i32.add (i32.load (local.get $p)) (i32.load offset=8 (local.get $p))))
    (if (local.get $s)
      (then (local.set $s (i32.add (local.get $s) (i32.load offset=4 (local.get $p))))))
    (i32.add (local.get $s) (i32.load (i32.const 64))))
  (func (export "_start")
    (i32.store (i32.const 100) (i32.const 1))
    (i32.store (i32.const 104) (i32.const 2))
    (i32.store (i32.const 108) (i32.const 4))
    (i32.store (i32.const 64) (i32.const 8))
    (if (i32.ne (call $sum (i32.const 100)) (i32.const 15))
      (then unreachable))))

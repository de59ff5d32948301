;; A counted loop over memory: the loop-carried values (block parameters) coalesce with their
;; updates, everything lives in registers, the edge moves vanish.
(module
  (memory 1)
  (func $sum (param $p i32) (param $n i32) (result i32)
    (local $s i32)
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $s (i32.add (local.get $s) (i32.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $top)))
    (local.get $s))
  (func (export "_start")
    (drop (call $sum (i32.const 16) (i32.const 10)))))

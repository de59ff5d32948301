;; A do-while loop (`br_if` back to the header): the back edge's block-parameter moves go
;; before the branch (nothing on the exit reads the old values), coalesce with their updates
;; and vanish, and the branch targets the header directly — no edge block, no jump.
(module
  (memory 1)
  (func $sum (param $p i32) (param $n i32) (result i32)
    (local $s i32)
    (loop $top
      (local.set $s (i32.add (local.get $s) (i32.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $top (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $s))
  (func (export "_start")
    (drop (call $sum (i32.const 16) (i32.const 10)))))

;; Code after br, return and unreachable is skipped, including nested
;; constructs; no block is created for it.
(module
  (func $f (export "f") (param $x i32) (result i32)
    (block $b (result i32)
      (br $b (i32.const 1))
      (drop (i32.add (i32.const 2) (i32.const 3)))
      (block (loop (br 0)))
      (if (result i32) (i32.const 1) (then (i32.const 4)) (else (unreachable)))))
  (func $g (export "g") (param $x i32) (result i32)
    (if (local.get $x) (then (return (i32.const 7))))
    (unreachable)
    (i32.const 5))
  (func $h (export "h") (result i32)
    (return (i32.const 9))
    (drop)
    (i32.const 1)))

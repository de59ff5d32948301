;; Function and global names from the name section; duplicates are made
;; unique, unnamed ones keep f{index}/g{index}.
(module
  (func $same (result i32) (i32.const 1))
  (func $same.1 (result i32) (i32.const 2))
  (func (result i32) (i32.const 3))
  (global $g0 i32 (i32.const 0))
  (global i32 (i32.const 1))
  (func $caller (export "caller") (result i32)
    (i32.add (call 0) (i32.add (call 1) (call 2)))))

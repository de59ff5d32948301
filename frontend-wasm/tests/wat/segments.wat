;; Data and element segments: active with constant and global offsets, passive.
(module
  (import "env" "data_base" (global $db i32))
  (import "env" "table" (table 2 funcref))
  (import "env" "memory" (memory 1))
  (func $f)
  (data (global.get $db) "\00\01\02")
  (data (i32.const 16) "zkc")
  (data "passive")
  (elem (i32.const 0) $f)
  (elem func $f $f))

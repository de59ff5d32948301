;; Bulk table operations: table.init, elem.drop, table.copy, table.size, with
;; passive, declared and expression-style element segments.
(module
  (table $t 8 funcref)
  (func $a)
  (func $b)
  (elem $passive func $a $b)
  (elem $exprs funcref (ref.func $b) (ref.null func))
  (elem declare func $a)
  (func (export "tables") (result i32)
    (table.init $t $passive (i32.const 0) (i32.const 0) (i32.const 2))
    (elem.drop $passive)
    (table.copy (i32.const 4) (i32.const 0) (i32.const 2))
    (table.init $t $exprs (i32.const 6) (i32.const 0) (i32.const 2))
    (table.size $t)))

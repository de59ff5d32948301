;; call_indirect through a table filled by an active element segment; equal
;; signatures share one interned sig.
(module
  (type $bin (func (param i32 i32) (result i32)))
  (table 4 funcref)
  (elem (i32.const 1) $add $sub)
  (func $add (type $bin) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $bin) (i32.sub (local.get 0) (local.get 1)))
  (func $apply (export "apply") (param $f i32) (param $a i32) (param $b i32) (result i32)
    (call_indirect (type $bin) (local.get $a) (local.get $b) (local.get $f)))
  (func $twice (export "twice") (param $f i32) (result i32)
    (call_indirect (param i32 i32) (result i32) (i32.const 1) (i32.const 2) (local.get $f))))

;; A call_indirect's table index of unknown upper bits is scaled by one `sll_w` (no
;; sign-extension of the parameter first).
(module
  (type $t (func (result i32)))
  (table 2 2 funcref)
  (elem (i32.const 0) $one $two)
  (func $one (type $t) (i32.const 1))
  (func $two (type $t) (i32.const 2))
  (func $pick (param $i i32) (result i32)
    (call_indirect (type $t) (local.get $i)))
  (func (export "_start")
    (if (i32.ne (call $pick (i32.const 1)) (i32.const 2))
      (then unreachable))))

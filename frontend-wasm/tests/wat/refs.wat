;; Reference types: ref.null/ref.is_null/ref.func, typed select over references,
;; table.get/set/grow/fill/size, globals and locals of reference type.
(module
  (type $v (func (result i32)))
  (table $t 2 4 funcref)
  (table $x 1 externref)
  (global $g (mut funcref) (ref.func $one))
  (global $e (mut externref) (ref.null extern))
  ;; an extended constant expression
  (global $k i32 (i32.sub (i32.mul (i32.const 20) (i32.const 2)) (i32.const -2)))
  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (elem declare func $two)
  ;; set, fill, grow twice (the second passes the maximum), call through the table
  (func (export "tables") (result i32)
    (local $r funcref)
    (table.set $t (i32.const 0) (ref.func $two))
    (table.fill $t (i32.const 1) (global.get $g) (i32.const 1))
    (local.set $r (table.get $t (i32.const 0)))
    (i32.add
      (i32.add
        (i32.mul (call_indirect $t (type $v) (i32.const 0)) (i32.const 1000))
        (i32.mul (call_indirect $t (type $v) (i32.const 1)) (i32.const 100)))
      (i32.add
        (i32.add
          (table.grow $t (ref.null func) (i32.const 2))
          (table.grow $t (local.get $r) (i32.const 1)))
        (i32.mul (table.size $t) (i32.const 10)))))
  (func (export "is_null") (param externref) (result i32)
    (ref.is_null (local.get 0)))
  (func (export "pick") (param externref externref i32) (result externref)
    (table.set $x (i32.const 0)
      (select (result externref) (local.get 0) (local.get 1) (local.get 2)))
    (global.set $e (table.get $x (i32.const 0)))
    (global.get $e))
  ;; an uninitialized reference local is null
  (func (export "default") (result i32)
    (local funcref)
    (ref.is_null (local.get 0)))
  (func (export "oob") (result funcref)
    (table.get $t (i32.const 4)))
  (func (export "k") (result i32) (global.get $k)))

;; Multi-value if with parameters and no else: parameters pass through on the
;; false edge.
(module
  (type $t (func (param i32) (result i32)))
  (func $f (export "f") (param $c i32) (result i32)
    (i32.const 10)
    (if (type $t) (local.get $c)
      (then (i32.const 1) (i32.add)))))

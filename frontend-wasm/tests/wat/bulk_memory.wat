;; Bulk memory: memory.copy/fill/init, data.drop with passive and active data.
(module
  (memory 1)
  (data $hello "hello")
  (data (i32.const 64) "active")
  (func (export "bulk") (param $dst i32)
    (memory.init $hello (local.get $dst) (i32.const 0) (i32.const 5))
    (data.drop $hello)
    (memory.copy (i32.const 128) (local.get $dst) (i32.const 5))
    (memory.fill (i32.const 256) (i32.const 42) (i32.const 16))))

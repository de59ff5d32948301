;; Loads and stores of every width and signedness, with static offsets;
;; memory.size and memory.grow.
(module
  (memory 1 4)
  (func (export "mem") (param $p i32) (result i64)
    (i32.store8 offset=1 (local.get $p) (i32.const 255))
    (i32.store16 offset=2 (local.get $p) (i32.const 65535))
    (i64.store32 offset=4 (local.get $p) (i64.const 7))
    (f32.store offset=8 (local.get $p) (f32.const 1.5))
    (f64.store offset=16 (local.get $p) (f64.const -2.25))
    (drop (i32.load8_s offset=1 (local.get $p)))
    (drop (i32.load16_u offset=2 (local.get $p)))
    (drop (f32.load offset=8 (local.get $p)))
    (drop (memory.grow (i32.const 1)))
    (drop (memory.size))
    (i64.add (i64.load32_s offset=4 (local.get $p)) (i64.load8_u (local.get $p)))))

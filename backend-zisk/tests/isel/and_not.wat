;; `x & !y` with the xor used only there is one `andn` (64-bit; and 32-bit where the result's
;; upper bits stay what the address analysis assumes).
(module
  (func $andn64 (param i64 i64) (result i64)
    (i64.and (local.get 0) (i64.xor (local.get 1) (i64.const -1))))
  (func $andn32 (param i32 i32) (result i32)
    (i32.and (i32.xor (local.get 1) (i32.const -1)) (local.get 0)))
  (func (export "_start")
    (if (i64.ne (call $andn64 (i64.const 0xff00ff00ff00ff00) (i64.const 0x0ff00ff00ff00ff0))
                (i64.const 0xf000f000f000f000))
      (then unreachable))
    (if (i32.ne (call $andn32 (i32.const 0xff00ff00) (i32.const 0x0ff00ff0))
                (i32.const 0xf000f000))
      (then unreachable))))

;; Calls zkvm_modexp on operands from its stdin and prints the status and the output.
;; stdin: byte 0 = 0 (call), 1 (no call, the program's cost without one) or 2 (call with the
;; output over the base), byte 1 = k, bytes 2..8 ignored, base_len, exp_len and mod_len (u32
;; little-endian each), k filler bytes, then base, exponent and modulus. The operands are at
;; 0x1014 + k (so k chooses their alignment), the output at 0x3004 (or over the base). It
;; prints the 4 bytes of the status (little-endian) and the mod_len of the output in hex.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "zkvm" "zkvm_modexp"
    (func $modexp (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory 2)
  (data (i32.const 0x90) "0123456789abcdef")
  (func (export "_start")
    (local $len i32) (local $n i32) (local $in i32) (local $i i32) (local $b i32)
    (local $bl i32) (local $el i32) (local $ml i32) (local $out i32) (local $status i32)
    (block $done
      (loop $read
        (i32.store (i32.const 0) (i32.add (i32.const 0x1000) (local.get $len)))
        (i32.store (i32.const 4) (i32.sub (i32.const 0x10000) (local.get $len)))
        (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (local.set $n (i32.load (i32.const 8)))
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $len (i32.add (local.get $len) (local.get $n)))
        (br $read)))
    (local.set $bl (i32.load (i32.const 0x1008)))
    (local.set $el (i32.load (i32.const 0x100c)))
    (local.set $ml (i32.load (i32.const 0x1010)))
    (local.set $in (i32.add (i32.const 0x1014) (i32.load8_u (i32.const 0x1001))))
    (local.set $out (i32.const 0x3004))
    (if (i32.eq (i32.load8_u (i32.const 0x1000)) (i32.const 2))
      (then (local.set $out (local.get $in))))
    (if (i32.ne (i32.load8_u (i32.const 0x1000)) (i32.const 1))
      (then (local.set $status (call $modexp
        (local.get $in) (local.get $bl)
        (i32.add (local.get $in) (local.get $bl)) (local.get $el)
        (i32.add (i32.add (local.get $in) (local.get $bl)) (local.get $el)) (local.get $ml)
        (local.get $out)))))
    (i32.store (i32.const 0x3000) (local.get $status))
    (memory.copy (i32.const 0x3004) (local.get $out) (local.get $ml))
    (local.set $n (i32.add (local.get $ml) (i32.const 4)))
    (loop $hex
      (local.set $b (i32.load8_u (i32.add (i32.const 0x3000) (local.get $i))))
      (i32.store8 (i32.add (i32.const 0x4000) (i32.shl (local.get $i) (i32.const 1)))
        (i32.load8_u (i32.add (i32.const 0x90) (i32.shr_u (local.get $b) (i32.const 4)))))
      (i32.store8 (i32.add (i32.const 0x4001) (i32.shl (local.get $i) (i32.const 1)))
        (i32.load8_u (i32.add (i32.const 0x90) (i32.and (local.get $b) (i32.const 15)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $hex (i32.lt_u (local.get $i) (local.get $n))))
    (i32.store8 (i32.add (i32.const 0x4000) (i32.shl (local.get $n) (i32.const 1))) (i32.const 10))
    (i32.store (i32.const 0x10) (i32.const 0x4000))
    (i32.store (i32.const 0x14) (i32.add (i32.shl (local.get $n) (i32.const 1)) (i32.const 1)))
    (drop (call $fd_write (i32.const 1) (i32.const 0x10) (i32.const 1) (i32.const 0x18)))))

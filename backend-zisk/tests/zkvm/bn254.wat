;; Calls a BN254 accelerator on its stdin and prints the status and the output in hex.
;; stdin: byte 0 = which (0: zkvm_bn254_g1_add, 1: zkvm_bn254_g1_mul, 2: zkvm_bn254_pairing,
;; else no call, the program's cost without one: status 0, the output untouched), byte 1 = k,
;; byte 2 = the number of pairs of a pairing check, bytes 3..8 ignored, k filler bytes, then
;; the first point (64 bytes) and the second point (64) or the scalar (32), or the pairs (a G1
;; point, 64 bytes, then a G2 point, 128). The inputs are at 0x1008 + k (so k chooses their alignment), the output at
;; 0x200 + k, filled with 0xee before the call. It prints the 4 bytes of the status
;; (little-endian) and the 64 bytes of the output.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "zkvm" "zkvm_bn254_g1_add" (func $add (param i32 i32 i32) (result i32)))
  (import "zkvm" "zkvm_bn254_g1_mul" (func $mul (param i32 i32 i32) (result i32)))
  (import "zkvm" "zkvm_bn254_pairing" (func $pairing (param i32 i32 i32) (result i32)))
  (memory 2)
  (data (i32.const 0x90) "0123456789abcdef")
  (func (export "_start")
    (local $len i32) (local $n i32) (local $k i32) (local $in i32) (local $out i32)
    (local $i i32) (local $b i32)
    (block $done
      (loop $read
        (i32.store (i32.const 0) (i32.add (i32.const 0x1000) (local.get $len)))
        (i32.store (i32.const 4) (i32.sub (i32.const 0x10000) (local.get $len)))
        (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (local.set $n (i32.load (i32.const 8)))
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $len (i32.add (local.get $len) (local.get $n)))
        (br $read)))
    (local.set $k (i32.load8_u (i32.const 0x1001)))
    (local.set $in (i32.add (i32.const 0x1008) (local.get $k)))
    (local.set $out (i32.add (i32.const 0x200) (local.get $k)))
    (memory.fill (local.get $out) (i32.const 0xee) (i32.const 64))
    (local.set $n (i32.const 0))
    (if (i32.eqz (i32.load8_u (i32.const 0x1000)))
      (then (local.set $n (call $add (local.get $in) (i32.add (local.get $in) (i32.const 64))
        (local.get $out)))))
    (if (i32.eq (i32.load8_u (i32.const 0x1000)) (i32.const 1))
      (then (local.set $n (call $mul (local.get $in) (i32.add (local.get $in) (i32.const 64))
        (local.get $out)))))
    (if (i32.eq (i32.load8_u (i32.const 0x1000)) (i32.const 2))
      (then (local.set $n (call $pairing (local.get $in) (i32.load8_u (i32.const 0x1002))
        (local.get $out)))))
    (i32.store (i32.const 0x100) (local.get $n))
    (memory.copy (i32.const 0x104) (local.get $out) (i32.const 64))
    (loop $hex
      (local.set $b (i32.load8_u (i32.add (i32.const 0x100) (local.get $i))))
      (i32.store8 (i32.add (i32.const 0x400) (i32.shl (local.get $i) (i32.const 1)))
        (i32.load8_u (i32.add (i32.const 0x90) (i32.shr_u (local.get $b) (i32.const 4)))))
      (i32.store8 (i32.add (i32.const 0x401) (i32.shl (local.get $i) (i32.const 1)))
        (i32.load8_u (i32.add (i32.const 0x90) (i32.and (local.get $b) (i32.const 15)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $hex (i32.lt_u (local.get $i) (i32.const 68))))
    (i32.store8 (i32.const 0x488) (i32.const 10))
    (i32.store (i32.const 0x10) (i32.const 0x400))
    (i32.store (i32.const 0x14) (i32.const 137))
    (drop (call $fd_write (i32.const 1) (i32.const 0x10) (i32.const 1) (i32.const 0x18)))))

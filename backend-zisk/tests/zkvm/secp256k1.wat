;; Calls a secp256k1 (or secp256r1) accelerator on its stdin and prints the status and the
;; output in hex. stdin: byte 0 = which (0: zkvm_secp256k1_verify, 1: zkvm_secp256k1_ecrecover,
;; 3: zkvm_secp256r1_verify, else no call, the program's cost without one: status 0, the output
;; untouched), byte 1 = k, bytes 4..8 = the recovery id (u32 little-endian), k filler bytes, then
;; msg (32 bytes), sig (64) and, for the verifications, the public key (64). The inputs are at
;; 0x1008 + k (so k chooses their alignment), the output at 0x200 + k, filled with 0xee before
;; the call. It prints the 4 bytes of the status (little-endian) and the 64 bytes of the output.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "zkvm" "zkvm_secp256k1_verify" (func $verify (param i32 i32 i32 i32) (result i32)))
  (import "zkvm" "zkvm_secp256k1_ecrecover" (func $ecrecover (param i32 i32 i32 i32) (result i32)))
  (import "zkvm" "zkvm_secp256r1_verify" (func $verify_r1 (param i32 i32 i32 i32) (result i32)))
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
    (if (i32.eq (i32.load8_u (i32.const 0x1000)) (i32.const 1))
      (then (local.set $n (call $ecrecover (local.get $in) (i32.add (local.get $in) (i32.const 32))
        (i32.load (i32.const 0x1004)) (local.get $out)))))
    (if (i32.eqz (i32.load8_u (i32.const 0x1000)))
      (then (local.set $n (call $verify (local.get $in) (i32.add (local.get $in) (i32.const 32))
        (i32.add (local.get $in) (i32.const 96)) (local.get $out)))))
    (if (i32.eq (i32.load8_u (i32.const 0x1000)) (i32.const 3))
      (then (local.set $n (call $verify_r1 (local.get $in) (i32.add (local.get $in) (i32.const 32))
        (i32.add (local.get $in) (i32.const 96)) (local.get $out)))))
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

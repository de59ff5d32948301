;; Calls zkvm_blake2f on an EIP-152 input from its stdin and prints the status and the state.
;; stdin: byte 0 = 0 (call) or 1 (no call, the program's cost without one), byte 1 = k, bytes
;; 2..8 ignored, k filler bytes, then EIP-152's 213 bytes: rounds (u32 big-endian), h (64), m
;; (128), t (16), f (1). The input is at 0x1008 + k (so k chooses its alignment); the call
;; updates h in place. It prints the 4 bytes of the status (little-endian) and the 64 of h.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "zkvm" "zkvm_blake2f" (func $blake2f (param i32 i32 i32 i32 i32) (result i32)))
  (memory 2)
  (data (i32.const 0x90) "0123456789abcdef")
  (func (export "_start")
    (local $len i32) (local $n i32) (local $in i32) (local $i i32) (local $b i32)
    (block $done
      (loop $read
        (i32.store (i32.const 0) (i32.add (i32.const 0x1000) (local.get $len)))
        (i32.store (i32.const 4) (i32.sub (i32.const 0x10000) (local.get $len)))
        (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (local.set $n (i32.load (i32.const 8)))
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $len (i32.add (local.get $len) (local.get $n)))
        (br $read)))
    (local.set $in (i32.add (i32.const 0x1008) (i32.load8_u (i32.const 0x1001))))
    (local.set $n (i32.const 0))
    (if (i32.eqz (i32.load8_u (i32.const 0x1000)))
      (then (local.set $n (call $blake2f
        (i32.or
          (i32.or (i32.shl (i32.load8_u (local.get $in)) (i32.const 24))
                  (i32.shl (i32.load8_u offset=1 (local.get $in)) (i32.const 16)))
          (i32.or (i32.shl (i32.load8_u offset=2 (local.get $in)) (i32.const 8))
                  (i32.load8_u offset=3 (local.get $in))))
        (i32.add (local.get $in) (i32.const 4))
        (i32.add (local.get $in) (i32.const 68))
        (i32.add (local.get $in) (i32.const 196))
        (i32.load8_u offset=212 (local.get $in))))))
    (i32.store (i32.const 0x100) (local.get $n))
    (memory.copy (i32.const 0x104) (i32.add (local.get $in) (i32.const 4)) (i32.const 64))
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

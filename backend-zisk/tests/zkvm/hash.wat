;; Hashes its stdin through the zkVM accelerators and prints the digest in hex.
;; stdin: byte 0 = flags (bit 0: sha256, else keccak256; bit 1: the output overwrites the
;; input; bit 2: ripemd160, its 32-byte output word; bit 3: no call, the program's cost
;; without one), byte 1 = k, k filler bytes, then the message. The message is at 0x1002 + k (so k
;; chooses its alignment), the output at 0x100 + k unless it overwrites the input.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "zkvm" "zkvm_keccak256" (func $keccak256 (param i32 i32 i32) (result i32)))
  (import "zkvm" "zkvm_sha256" (func $sha256 (param i32 i32 i32) (result i32)))
  (import "zkvm" "zkvm_ripemd160" (func $ripemd160 (param i32 i32 i32) (result i32)))
  (memory 2)
  (data (i32.const 0x80) "\n")
  (data (i32.const 0x90) "0123456789abcdef")
  (func (export "_start")
    (local $len i32) (local $n i32) (local $flags i32) (local $k i32)
    (local $data i32) (local $out i32) (local $i i32) (local $b i32)
    (block $done
      (loop $read
        (i32.store (i32.const 0) (i32.add (i32.const 0x1000) (local.get $len)))
        (i32.store (i32.const 4) (i32.sub (i32.const 0x10000) (local.get $len)))
        (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (local.set $n (i32.load (i32.const 8)))
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $len (i32.add (local.get $len) (local.get $n)))
        (br $read)))
    (local.set $flags (i32.load8_u (i32.const 0x1000)))
    (local.set $k (i32.load8_u (i32.const 0x1001)))
    (local.set $data (i32.add (i32.const 0x1002) (local.get $k)))
    (local.set $out
      (select (local.get $data) (i32.add (i32.const 0x100) (local.get $k))
        (i32.and (local.get $flags) (i32.const 2))))
    (local.set $len (i32.sub (local.get $len) (i32.add (i32.const 2) (local.get $k))))
    (local.set $n (i32.const 0))
    (if (i32.eqz (i32.and (local.get $flags) (i32.const 8)))
      (then
        (if (i32.and (local.get $flags) (i32.const 4))
          (then (local.set $n (call $ripemd160 (local.get $data) (local.get $len) (local.get $out))))
          (else
            (if (i32.and (local.get $flags) (i32.const 1))
              (then (local.set $n (call $sha256 (local.get $data) (local.get $len) (local.get $out))))
              (else (local.set $n
                (call $keccak256 (local.get $data) (local.get $len) (local.get $out)))))))))
    (if (local.get $n) (then unreachable))
    (loop $hex
      (local.set $b (i32.load8_u (i32.add (local.get $out) (local.get $i))))
      (i32.store8 (i32.add (i32.const 0x40) (i32.shl (local.get $i) (i32.const 1)))
        (i32.load8_u (i32.add (i32.const 0x90) (i32.shr_u (local.get $b) (i32.const 4)))))
      (i32.store8 (i32.add (i32.const 0x41) (i32.shl (local.get $i) (i32.const 1)))
        (i32.load8_u (i32.add (i32.const 0x90) (i32.and (local.get $b) (i32.const 15)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $hex (i32.lt_u (local.get $i) (i32.const 32))))
    (i32.store (i32.const 0x10) (i32.const 0x40))
    (i32.store (i32.const 0x14) (i32.const 65))
    (drop (call $fd_write (i32.const 1) (i32.const 0x10) (i32.const 1) (i32.const 0x18)))))

;; Accesses at constant displacements from one sign-extended value (Go's frame: `sp`,
;; `sp + 8`, `sp + 16`, ...; `checks`, "Displaced accesses"; `sp` is read sign-extended because
;; it is an address itself): the additions are not computed, each access reads
;; `[sp + d + offset]`, and one check of `sp` for 28 bytes covers the three loads and the store
;; after them. After the call, a store at a displacement below it (`sp - 8`) is checked from
;; `sp - 8` (its sum in `r2`), for the 28 bytes up to the end of the load of `sp + 16` after it,
;; which that check's window covers (and the first check too).
(module
  (memory 1)
  (global $sp (mut i32) (i32.const 1024))
  (func $g)
  (func $f (result i32)
    (local $sp i32) (local $x i32)
    (local.set $sp (global.get $sp))
    (local.set $x (i32.add (i32.load (local.get $sp))
                  (i32.add (i32.load (i32.add (local.get $sp) (i32.const 8)))
                           (i32.load (i32.add (local.get $sp) (i32.const 16))))))
    (i32.store (i32.add (local.get $sp) (i32.const 24)) (local.get $x))
    (call $g)
    (i32.store (i32.add (local.get $sp) (i32.const -8)) (local.get $x))
    (i32.load (i32.add (local.get $sp) (i32.const 16))))
  (func (export "_start")
    (if (i32.ne (call $f) (i32.const 0)) (then unreachable))))

;; zkc-fuzz differential, config float, seed 14
;; panic: panicked at backend-zisk/src/codegen/mod.rs:#:#: range start index # out of range for slice of lengt: panicked at backend-zisk/src/codegen/mod.rs:814:18:
;; range start index 4646 out of range for slice of length 5
;; reproduce: cargo run --release -p zkc-fuzz -- --campaign differential --config float --seeds 1 --start 14
(module
  (table (;0;) 1 38 externref)
  (memory (;0;) 1 4)
  (global (;0;) (mut i32) i32.const 3000)
  (export "\u{1e7}Z" (table 0))
  (export "" (memory 0))
  (data (;0;) (i32.const 276) "m")
  (data (;1;) "J")
  (data (;2;) (i32.const 4918) "")
)


;; zkc-fuzz differential, config int, seed 2
;; panic: panicked at backend-zisk/src/codegen/mod.rs:#:#: range start index # out of range for slice of lengt: panicked at backend-zisk/src/codegen/mod.rs:814:18:
;; range start index 18446744073709548862 out of range for slice of length 6
;; reproduce: cargo run --release -p zkc-fuzz -- --campaign differential --config int --seeds 1 --start 2
(module
  (memory (;0;) 1 2)
  (global (;0;) (mut i32) i32.const 3000)
  (export "f" (memory 0))
  (data (;0;) (i32.const 30) "")
  (data (;1;) (i32.const 2786) "\d4v\d5G")
)


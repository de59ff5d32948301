;; zkc-fuzz malformed campaign, mutants 87, 806, 876 (a spliced section gives `_start` params).
;; `zkc link-start-params.wat --emit zisk` exits 70: "invalid IR after link: @__zkc_start
;; block0 inst 0: operands of call: got (), expected (i32, i32, i32, i32)". The runtime's link
;; (runtime/src/lib.rs, the entry `__zkc_start`) calls the exported `_start` with no arguments
;; without checking its signature; expected: an input error (exit 1).
(module (memory 1) (func (export "_start") (param i32 i32 i32 i32)))

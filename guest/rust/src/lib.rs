//! The zkVM accelerators zkc implements, for Rust guests compiled to `wasm32-wasip1`.
//!
//! The functions are those of the standard zkVM accelerator C interface (the Ethereum
//! Foundation's zkvm-standards `zkvm_accelerators.h`, shipped by ZisK 1.4.0-alpha in the crate
//! `zisk-zkvm-interface`), imported from the wasm module `"zkvm"` under their C names: pointers
//! and `size_t` are `i32`, the `zkvm_status` result is `i32` (0 = `ZKVM_EOK`). zkc links them
//! to ZisK's precompiles; `zkc interp` computes them in Rust. The safe wrappers pass slices,
//! which are always inside linear memory, so the calls cannot fail.
//!
//! ```no_run
//! let digest: [u8; 32] = zkvm_accel::keccak256(b"abc");
//! ```
#![no_std]

/// The raw imports, with the C signatures.
pub mod sys {
    /// `ZKVM_EOK`.
    pub const ZKVM_EOK: i32 = 0;

    #[link(wasm_import_module = "zkvm")]
    extern "C" {
        /// Keccak-256 of `data[0..len]` into `output[0..32]`.
        pub fn zkvm_keccak256(data: *const u8, len: usize, output: *mut [u8; 32]) -> i32;
        /// SHA-256 of `data[0..len]` into `output[0..32]`.
        pub fn zkvm_sha256(data: *const u8, len: usize, output: *mut [u8; 32]) -> i32;
    }
}

/// Keccak-256 (Ethereum's, padding 0x01) of `data`.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    // SAFETY: `data` and `out` are valid for the lengths passed.
    let status = unsafe { sys::zkvm_keccak256(data.as_ptr(), data.len(), &mut out) };
    debug_assert_eq!(status, sys::ZKVM_EOK);
    out
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    // SAFETY: `data` and `out` are valid for the lengths passed.
    let status = unsafe { sys::zkvm_sha256(data.as_ptr(), data.len(), &mut out) };
    debug_assert_eq!(status, sys::ZKVM_EOK);
    out
}

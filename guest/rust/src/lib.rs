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
    /// `ZKVM_EFAIL`.
    pub const ZKVM_EFAIL: i32 = -1;

    #[link(wasm_import_module = "zkvm")]
    extern "C" {
        /// Keccak-256 of `data[0..len]` into `output[0..32]`.
        pub fn zkvm_keccak256(data: *const u8, len: usize, output: *mut [u8; 32]) -> i32;
        /// SHA-256 of `data[0..len]` into `output[0..32]`.
        pub fn zkvm_sha256(data: *const u8, len: usize, output: *mut [u8; 32]) -> i32;
        /// RIPEMD-160 of `data[0..len]` into `output[12..32]`, `output[0..12]` zero.
        pub fn zkvm_ripemd160(data: *const u8, len: usize, output: *mut [u8; 32]) -> i32;
        /// ECDSA verification on secp256k1: sets `*verified`, returns `ZKVM_EOK`.
        pub fn zkvm_secp256k1_verify(
            msg: *const [u8; 32],
            sig: *const [u8; 64],
            pubkey: *const [u8; 64],
            verified: *mut bool,
        ) -> i32;
        /// ECDSA verification on secp256r1 (P-256): sets `*verified`, returns `ZKVM_EOK`.
        pub fn zkvm_secp256r1_verify(
            msg: *const [u8; 32],
            sig: *const [u8; 64],
            pubkey: *const [u8; 64],
            verified: *mut bool,
        ) -> i32;
        /// The public key that signed `msg` with `sig` and `recid` into `output`, or
        /// `ZKVM_EFAIL`.
        pub fn zkvm_secp256k1_ecrecover(
            msg: *const [u8; 32],
            sig: *const [u8; 64],
            recid: u8,
            output: *mut [u8; 64],
        ) -> i32;
        /// EIP-196 point addition into `result`, or `ZKVM_EFAIL`.
        pub fn zkvm_bn254_g1_add(
            p1: *const [u8; 64],
            p2: *const [u8; 64],
            result: *mut [u8; 64],
        ) -> i32;
        /// EIP-196 scalar multiplication into `result`, or `ZKVM_EFAIL`.
        pub fn zkvm_bn254_g1_mul(
            point: *const [u8; 64],
            scalar: *const [u8; 32],
            result: *mut [u8; 64],
        ) -> i32;
        /// EIP-197's pairing check of `num_pairs` pairs (a G1 point, then a G2 point): writes
        /// whether the product of their pairings is 1 to `verified`, or returns `ZKVM_EFAIL`.
        pub fn zkvm_bn254_pairing(
            pairs: *const [u8; 192],
            num_pairs: usize,
            verified: *mut bool,
        ) -> i32;
        /// EIP-2537's G1ADD into `result`, or `ZKVM_EFAIL`.
        pub fn zkvm_bls12_g1_add(
            p1: *const [u8; 96],
            p2: *const [u8; 96],
            result: *mut [u8; 96],
        ) -> i32;
        /// EIP-2537's G1MSM of `num_pairs` pairs (a point, then a scalar) into `result`, or
        /// `ZKVM_EFAIL`.
        pub fn zkvm_bls12_g1_msm(
            pairs: *const [u8; 128],
            num_pairs: usize,
            result: *mut [u8; 96],
        ) -> i32;
        /// EIP-2537's G2ADD into `result`, or `ZKVM_EFAIL`.
        pub fn zkvm_bls12_g2_add(
            p1: *const [u8; 192],
            p2: *const [u8; 192],
            result: *mut [u8; 192],
        ) -> i32;
        /// EIP-2537's G2MSM of `num_pairs` pairs (a point, then a scalar) into `result`, or
        /// `ZKVM_EFAIL`.
        pub fn zkvm_bls12_g2_msm(
            pairs: *const [u8; 224],
            num_pairs: usize,
            result: *mut [u8; 192],
        ) -> i32;
        /// EIP-2537's MAP_FP_TO_G1 into `result`, or `ZKVM_EFAIL`.
        pub fn zkvm_bls12_map_fp_to_g1(
            field_element: *const [u8; 48],
            result: *mut [u8; 96],
        ) -> i32;
        /// EIP-2537's MAP_FP2_TO_G2 into `result`, or `ZKVM_EFAIL`.
        pub fn zkvm_bls12_map_fp2_to_g2(
            field_element: *const [u8; 96],
            result: *mut [u8; 192],
        ) -> i32;
        /// EIP-2537's PAIRING_CHECK of `num_pairs` pairs (a G1 point, then a G2 point): writes
        /// whether the product of their pairings is 1 to `verified`, or returns `ZKVM_EFAIL`.
        pub fn zkvm_bls12_pairing(
            pairs: *const [u8; 288],
            num_pairs: usize,
            verified: *mut bool,
        ) -> i32;
        /// EIP-4844's point evaluation: writes whether the proof holds to `verified`.
        pub fn zkvm_kzg_point_eval(
            commitment: *const [u8; 48],
            z: *const [u8; 32],
            y: *const [u8; 32],
            proof: *const [u8; 48],
            verified: *mut bool,
        ) -> i32;
        /// BLAKE2b's compression F with `rounds` rounds on `h` in place; returns `ZKVM_EOK`.
        pub fn zkvm_blake2f(
            rounds: u32,
            h: *mut [u64; 8],
            m: *const [u64; 16],
            t: *const [u64; 2],
            f: u8,
        ) -> i32;
        /// EIP-198 `base^exp mod modulus` (big-endian) as `mod_len` bytes into `output`, or
        /// `ZKVM_EFAIL` when an operand is longer than 1056 bytes.
        pub fn zkvm_modexp(
            base: *const u8,
            base_len: usize,
            exp: *const u8,
            exp_len: usize,
            modulus: *const u8,
            mod_len: usize,
            output: *mut u8,
        ) -> i32;
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

/// RIPEMD-160 of `data`.
pub fn ripemd160(data: &[u8]) -> [u8; 20] {
    let mut out = [0u8; 32];
    // SAFETY: `data` and `out` are valid for the lengths passed.
    let status = unsafe { sys::zkvm_ripemd160(data.as_ptr(), data.len(), &mut out) };
    debug_assert_eq!(status, sys::ZKVM_EOK);
    let mut digest = [0u8; 20];
    digest.copy_from_slice(&out[12..]);
    digest
}

/// Whether `sig` (r || s, big-endian) is a valid ECDSA signature on secp256k1 of the hash
/// `msg` by the public key `pubkey` (x || y, big-endian): r and s in [1, n-1] (a high s is
/// accepted), the key on the curve.
pub fn secp256k1_verify(msg: &[u8; 32], sig: &[u8; 64], pubkey: &[u8; 64]) -> bool {
    let mut verified = false;
    // SAFETY: the references are valid for the sizes the function reads and writes.
    let status = unsafe { sys::zkvm_secp256k1_verify(msg, sig, pubkey, &mut verified) };
    debug_assert_eq!(status, sys::ZKVM_EOK);
    verified
}

/// Whether `sig` is a valid ECDSA signature on secp256r1 (P-256, EIP-7212) of the hash `msg`
/// by `pubkey`, with the conventions of [`secp256k1_verify`].
pub fn secp256r1_verify(msg: &[u8; 32], sig: &[u8; 64], pubkey: &[u8; 64]) -> bool {
    let mut verified = false;
    // SAFETY: the references are valid for the sizes the function reads and writes.
    let status = unsafe { sys::zkvm_secp256r1_verify(msg, sig, pubkey, &mut verified) };
    debug_assert_eq!(status, sys::ZKVM_EOK);
    verified
}

/// The public key (x || y, big-endian) that signed the hash `msg` with `sig` (r || s), R's y
/// of parity `recid`; `None` when there is none (`recid` above 1, r or s outside [1, n-1], r
/// not the x of a curve point, the key the identity). Its Ethereum address is the last 20
/// bytes of its [`keccak256`].
pub fn secp256k1_ecrecover(msg: &[u8; 32], sig: &[u8; 64], recid: u8) -> Option<[u8; 64]> {
    let mut out = [0u8; 64];
    // SAFETY: the references are valid for the sizes the function reads and writes.
    let status = unsafe { sys::zkvm_secp256k1_ecrecover(msg, sig, recid, &mut out) };
    (status == sys::ZKVM_EOK).then_some(out)
}

/// EIP-196 addition of BN254 G1 points (x || y, big-endian; (0, 0) is the identity); `None`
/// when a point other than (0, 0) has a coordinate not below p or is off the curve.
pub fn bn254_g1_add(p1: &[u8; 64], p2: &[u8; 64]) -> Option<[u8; 64]> {
    let mut out = [0u8; 64];
    // SAFETY: the references are valid for the sizes the function reads and writes.
    let status = unsafe { sys::zkvm_bn254_g1_add(p1, p2, &mut out) };
    (status == sys::ZKVM_EOK).then_some(out)
}

/// EIP-196 multiplication of a BN254 G1 point by a 256-bit big-endian scalar; `None` when the
/// point is invalid as for [`bn254_g1_add`].
pub fn bn254_g1_mul(point: &[u8; 64], scalar: &[u8; 32]) -> Option<[u8; 64]> {
    let mut out = [0u8; 64];
    // SAFETY: the references are valid for the sizes the function reads and writes.
    let status = unsafe { sys::zkvm_bn254_g1_mul(point, scalar, &mut out) };
    (status == sys::ZKVM_EOK).then_some(out)
}

/// EIP-197's pairing check: whether the product of the pairings of the pairs (a G1 point, its
/// first 64 bytes, and a G2 point, its last 128: x || y, each element of Fp2 its imaginary
/// part then its real part) is 1; `None` when a point other than the identity is invalid or,
/// in G2, outside the subgroup. A pair with the identity counts 1; no pair at all gives
/// `Some(true)`, as ZisK's routine.
pub fn bn254_pairing(pairs: &[[u8; 192]]) -> Option<bool> {
    let mut verified = false;
    // SAFETY: the slice holds `pairs.len()` pairs; `verified` is valid for the byte written.
    let status = unsafe { sys::zkvm_bn254_pairing(pairs.as_ptr(), pairs.len(), &mut verified) };
    (status == sys::ZKVM_EOK).then_some(verified)
}

/// EIP-2537's G1ADD of BLS12-381 G1 points (x || y, 48 bytes each, big-endian; all zeros is
/// the identity); `None` when a point other than the identity has a coordinate not below p or
/// is off the curve.
pub fn bls12_g1_add(p1: &[u8; 96], p2: &[u8; 96]) -> Option<[u8; 96]> {
    let mut out = [0u8; 96];
    // SAFETY: the references are valid for the sizes the function reads and writes.
    let status = unsafe { sys::zkvm_bls12_g1_add(p1, p2, &mut out) };
    (status == sys::ZKVM_EOK).then_some(out)
}

/// EIP-2537's G1MSM: the sum of the products of each pair's point (its first 96 bytes) by its
/// 256-bit big-endian scalar (its last 32); `None` when there is no pair or a point other than
/// the identity is invalid as for [`bls12_g1_add`] or outside the subgroup.
pub fn bls12_g1_msm(pairs: &[[u8; 128]]) -> Option<[u8; 96]> {
    let mut out = [0u8; 96];
    // SAFETY: the slice holds `pairs.len()` pairs; `out` is valid for the result.
    let status = unsafe { sys::zkvm_bls12_g1_msm(pairs.as_ptr(), pairs.len(), &mut out) };
    (status == sys::ZKVM_EOK).then_some(out)
}

/// EIP-2537's G2ADD of BLS12-381 G2 points (x || y, each real || imaginary, 48 bytes a part,
/// big-endian; all zeros is the identity); `None` when a point other than the identity has a
/// part not below p or is off the twist.
pub fn bls12_g2_add(p1: &[u8; 192], p2: &[u8; 192]) -> Option<[u8; 192]> {
    let mut out = [0u8; 192];
    // SAFETY: the references are valid for the sizes the function reads and writes.
    let status = unsafe { sys::zkvm_bls12_g2_add(p1, p2, &mut out) };
    (status == sys::ZKVM_EOK).then_some(out)
}

/// EIP-2537's G2MSM, as [`bls12_g1_msm`] in G2: each pair a point (its first 192 bytes) and a
/// scalar (its last 32).
pub fn bls12_g2_msm(pairs: &[[u8; 224]]) -> Option<[u8; 192]> {
    let mut out = [0u8; 192];
    // SAFETY: the slice holds `pairs.len()` pairs; `out` is valid for the result.
    let status = unsafe { sys::zkvm_bls12_g2_msm(pairs.as_ptr(), pairs.len(), &mut out) };
    (status == sys::ZKVM_EOK).then_some(out)
}

/// EIP-2537's MAP_FP_TO_G1: the G1 point of a field element (48 bytes, big-endian) by RFC
/// 9380's simplified SWU map and 11-isogeny, the cofactor cleared; `None` when it is not below
/// p.
pub fn bls12_map_fp_to_g1(field_element: &[u8; 48]) -> Option<[u8; 96]> {
    let mut out = [0u8; 96];
    // SAFETY: the references are valid for the sizes the function reads and writes.
    let status = unsafe { sys::zkvm_bls12_map_fp_to_g1(field_element, &mut out) };
    (status == sys::ZKVM_EOK).then_some(out)
}

/// EIP-2537's MAP_FP2_TO_G2: the G2 point of an element of Fp2 (real part, then imaginary
/// part, 48 bytes each, big-endian) by RFC 9380's simplified SWU map and 3-isogeny, the
/// cofactor cleared; `None` when a part is not below p.
pub fn bls12_map_fp2_to_g2(field_element: &[u8; 96]) -> Option<[u8; 192]> {
    let mut out = [0u8; 192];
    // SAFETY: the references are valid for the sizes the function reads and writes.
    let status = unsafe { sys::zkvm_bls12_map_fp2_to_g2(field_element, &mut out) };
    (status == sys::ZKVM_EOK).then_some(out)
}

/// EIP-2537's PAIRING_CHECK: whether the product of the pairings of the pairs (a G1 point, its
/// first 96 bytes, and a G2 point, its last 192) is 1; `None` when a point other than the
/// identity is invalid (as for [`bls12_g1_add`] and [`bls12_g2_add`]) or outside its subgroup.
/// A pair with the identity counts 1; no pair at all gives `Some(true)`, as ZisK's routine.
pub fn bls12_pairing(pairs: &[[u8; 288]]) -> Option<bool> {
    let mut verified = false;
    // SAFETY: the slice holds `pairs.len()` pairs; `verified` is valid for the byte written.
    let status = unsafe { sys::zkvm_bls12_pairing(pairs.as_ptr(), pairs.len(), &mut verified) };
    (status == sys::ZKVM_EOK).then_some(verified)
}

/// EIP-4844's point evaluation: whether `proof` shows that the polynomial committed to by
/// `commitment` (both compressed G1 points, ZCash's encoding) is `y` at `z` (elements of the
/// scalar field, big-endian), with the Ethereum KZG ceremony's [tau] G2. An input that is no
/// point of G1, or a scalar not below r, does not verify.
pub fn kzg_point_eval(commitment: &[u8; 48], z: &[u8; 32], y: &[u8; 32], proof: &[u8; 48]) -> bool {
    let mut verified = false;
    // SAFETY: the references are valid for the sizes the function reads and writes.
    let status = unsafe { sys::zkvm_kzg_point_eval(commitment, z, y, proof, &mut verified) };
    status == sys::ZKVM_EOK && verified
}

/// BLAKE2b's compression function F (EIP-152, RFC 7693 3.2) with `rounds` rounds on the state
/// `h`, the message block `m`, the offset counters `t` and the final-block flag `last`.
pub fn blake2f(rounds: u32, h: &mut [u64; 8], m: &[u64; 16], t: &[u64; 2], last: bool) {
    // SAFETY: the references are valid for the sizes the function reads and writes.
    let status = unsafe { sys::zkvm_blake2f(rounds, h, m, t, last as u8) };
    debug_assert_eq!(status, sys::ZKVM_EOK);
}

/// EIP-198 modular exponentiation: `base^exp mod modulus` of big-endian numbers (leading zero
/// bytes allowed) into `out`, as many big-endian bytes as `modulus` has (zeros for a zero
/// modulus). False, `out` untouched, when an operand is longer than 1056 bytes (ZisK's
/// limit).
///
/// # Panics
/// When `out` is not as long as `modulus`.
pub fn modexp(base: &[u8], exp: &[u8], modulus: &[u8], out: &mut [u8]) -> bool {
    assert_eq!(
        out.len(),
        modulus.len(),
        "modexp: the output is as long as the modulus"
    );
    // SAFETY: the slices are valid for the lengths passed.
    let status = unsafe {
        sys::zkvm_modexp(
            base.as_ptr(),
            base.len(),
            exp.as_ptr(),
            exp.len(),
            modulus.as_ptr(),
            modulus.len(),
            out.as_mut_ptr(),
        )
    };
    status == sys::ZKVM_EOK
}

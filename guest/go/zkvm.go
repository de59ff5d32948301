// Package zkvm gives Go programs compiled for wasip1 (GOOS=wasip1 GOARCH=wasm) the zkVM
// accelerators zkc implements.
//
// The functions are those of the standard zkVM accelerator C interface (the Ethereum
// Foundation's zkvm-standards zkvm_accelerators.h, shipped by ZisK 1.4.0-alpha in the crate
// zisk-zkvm-interface), imported from the wasm module "zkvm" under their C names: pointers and
// size_t are i32, the zkvm_status result is i32 (0 = ZKVM_EOK). zkc links them to ZisK's
// precompiles; `zkc interp` computes them in Rust. The wrappers pass slices, which are always
// inside linear memory, so the calls cannot fail.
package zkvm

import "unsafe"

//go:wasmimport zkvm zkvm_keccak256
//go:noescape
func zkvmKeccak256(data unsafe.Pointer, length uint32, output unsafe.Pointer) int32

//go:wasmimport zkvm zkvm_sha256
//go:noescape
func zkvmSha256(data unsafe.Pointer, length uint32, output unsafe.Pointer) int32

//go:wasmimport zkvm zkvm_ripemd160
//go:noescape
func zkvmRipemd160(data unsafe.Pointer, length uint32, output unsafe.Pointer) int32

//go:wasmimport zkvm zkvm_secp256k1_verify
//go:noescape
func zkvmSecp256k1Verify(msg, sig, pubkey, verified unsafe.Pointer) int32

//go:wasmimport zkvm zkvm_secp256r1_verify
//go:noescape
func zkvmSecp256r1Verify(msg, sig, pubkey, verified unsafe.Pointer) int32

//go:wasmimport zkvm zkvm_secp256k1_ecrecover
//go:noescape
func zkvmSecp256k1Ecrecover(msg, sig unsafe.Pointer, recid uint32, output unsafe.Pointer) int32

//go:wasmimport zkvm zkvm_bn254_g1_add
//go:noescape
func zkvmBn254G1Add(p1, p2, result unsafe.Pointer) int32

//go:wasmimport zkvm zkvm_bn254_g1_mul
//go:noescape
func zkvmBn254G1Mul(point, scalar, result unsafe.Pointer) int32

//go:wasmimport zkvm zkvm_bn254_pairing
//go:noescape
func zkvmBn254Pairing(pairs unsafe.Pointer, numPairs uint32, verified unsafe.Pointer) int32

//go:wasmimport zkvm zkvm_bls12_g1_add
//go:noescape
func zkvmBls12G1Add(p1, p2, result unsafe.Pointer) int32

//go:wasmimport zkvm zkvm_bls12_g1_msm
//go:noescape
func zkvmBls12G1Msm(pairs unsafe.Pointer, numPairs uint32, result unsafe.Pointer) int32

//go:wasmimport zkvm zkvm_bls12_g2_add
//go:noescape
func zkvmBls12G2Add(p1, p2, result unsafe.Pointer) int32

//go:wasmimport zkvm zkvm_bls12_g2_msm
//go:noescape
func zkvmBls12G2Msm(pairs unsafe.Pointer, numPairs uint32, result unsafe.Pointer) int32

//go:wasmimport zkvm zkvm_bls12_map_fp_to_g1
//go:noescape
func zkvmBls12MapFpToG1(fieldElement, result unsafe.Pointer) int32

//go:wasmimport zkvm zkvm_bls12_map_fp2_to_g2
//go:noescape
func zkvmBls12MapFp2ToG2(fieldElement, result unsafe.Pointer) int32

//go:wasmimport zkvm zkvm_bls12_pairing
//go:noescape
func zkvmBls12Pairing(pairs unsafe.Pointer, numPairs uint32, verified unsafe.Pointer) int32

//go:wasmimport zkvm zkvm_kzg_point_eval
//go:noescape
func zkvmKzgPointEval(commitment, z, y, proof, verified unsafe.Pointer) int32

//go:wasmimport zkvm zkvm_blake2f
//go:noescape
func zkvmBlake2f(rounds uint32, h, m, t unsafe.Pointer, f uint32) int32

//go:wasmimport zkvm zkvm_modexp
//go:noescape
func zkvmModexp(base unsafe.Pointer, baseLen uint32, exp unsafe.Pointer, expLen uint32, modulus unsafe.Pointer, modLen uint32, output unsafe.Pointer) int32

// first is the address of data's first byte, or nil when it is empty.
func first(data []byte) unsafe.Pointer {
	if len(data) == 0 {
		return nil
	}
	return unsafe.Pointer(&data[0])
}

// Keccak256 is Keccak-256 (Ethereum's, padding 0x01) of data.
func Keccak256(data []byte) [32]byte {
	var out [32]byte
	if zkvmKeccak256(first(data), uint32(len(data)), unsafe.Pointer(&out)) != 0 {
		panic("zkvm_keccak256 failed")
	}
	return out
}

// Sha256 is SHA-256 of data.
func Sha256(data []byte) [32]byte {
	var out [32]byte
	if zkvmSha256(first(data), uint32(len(data)), unsafe.Pointer(&out)) != 0 {
		panic("zkvm_sha256 failed")
	}
	return out
}

// Ripemd160 is RIPEMD-160 of data.
func Ripemd160(data []byte) [20]byte {
	var out [32]byte
	if zkvmRipemd160(first(data), uint32(len(data)), unsafe.Pointer(&out)) != 0 {
		panic("zkvm_ripemd160 failed")
	}
	var digest [20]byte
	copy(digest[:], out[12:])
	return digest
}

// Secp256k1Verify is whether sig (r || s, big-endian) is a valid ECDSA signature on secp256k1
// of the hash msg by the public key pubkey (x || y, big-endian): r and s in [1, n-1] (a high s
// is accepted), the key on the curve.
func Secp256k1Verify(msg *[32]byte, sig *[64]byte, pubkey *[64]byte) bool {
	var verified uint8
	if zkvmSecp256k1Verify(unsafe.Pointer(msg), unsafe.Pointer(sig), unsafe.Pointer(pubkey),
		unsafe.Pointer(&verified)) != 0 {
		panic("zkvm_secp256k1_verify failed")
	}
	return verified != 0
}

// Secp256r1Verify is Secp256k1Verify on secp256r1 (P-256, EIP-7212).
func Secp256r1Verify(msg *[32]byte, sig *[64]byte, pubkey *[64]byte) bool {
	var verified uint8
	if zkvmSecp256r1Verify(unsafe.Pointer(msg), unsafe.Pointer(sig), unsafe.Pointer(pubkey),
		unsafe.Pointer(&verified)) != 0 {
		panic("zkvm_secp256r1_verify failed")
	}
	return verified != 0
}

// Secp256k1Ecrecover is the public key (x || y, big-endian) that signed the hash msg with sig
// (r || s), R's y of parity recid, and true; false when there is none (recid above 1, r or s
// outside [1, n-1], r not the x of a curve point, the key the identity). Its Ethereum address is
// the last 20 bytes of its Keccak256.
func Secp256k1Ecrecover(msg *[32]byte, sig *[64]byte, recid uint8) ([64]byte, bool) {
	var out [64]byte
	ok := zkvmSecp256k1Ecrecover(unsafe.Pointer(msg), unsafe.Pointer(sig), uint32(recid),
		unsafe.Pointer(&out)) == 0
	return out, ok
}

// Bn254G1Add is the EIP-196 sum of two BN254 G1 points (x || y, big-endian; (0, 0) is the
// identity) and true; false when a point other than (0, 0) has a coordinate not below p or is
// off the curve.
func Bn254G1Add(p1, p2 *[64]byte) ([64]byte, bool) {
	var out [64]byte
	ok := zkvmBn254G1Add(unsafe.Pointer(p1), unsafe.Pointer(p2), unsafe.Pointer(&out)) == 0
	return out, ok
}

// Bn254G1Mul is the EIP-196 product of a BN254 G1 point by a 256-bit big-endian scalar and
// true; false when the point is invalid as for Bn254G1Add.
func Bn254G1Mul(point *[64]byte, scalar *[32]byte) ([64]byte, bool) {
	var out [64]byte
	ok := zkvmBn254G1Mul(unsafe.Pointer(point), unsafe.Pointer(scalar), unsafe.Pointer(&out)) == 0
	return out, ok
}

// Bls12G1Add is EIP-2537's G1ADD of two BLS12-381 G1 points (x || y, 48 bytes each,
// big-endian; all zeros is the identity) and true; false when a point other than the identity
// has a coordinate not below p or is off the curve.
func Bls12G1Add(p1, p2 *[96]byte) ([96]byte, bool) {
	var out [96]byte
	ok := zkvmBls12G1Add(unsafe.Pointer(p1), unsafe.Pointer(p2), unsafe.Pointer(&out)) == 0
	return out, ok
}

// Bls12G1Msm is EIP-2537's G1MSM, the sum of each pair's point (its first 96 bytes) times its
// 256-bit big-endian scalar (its last 32), and true; false when there is no pair or a point
// other than the identity is invalid as for Bls12G1Add or outside the subgroup.
func Bls12G1Msm(pairs [][128]byte) ([96]byte, bool) {
	var out [96]byte
	if len(pairs) == 0 {
		return out, false
	}
	ok := zkvmBls12G1Msm(unsafe.Pointer(&pairs[0]), uint32(len(pairs)), unsafe.Pointer(&out)) == 0
	return out, ok
}

// Bls12G2Add is EIP-2537's G2ADD of two BLS12-381 G2 points (x || y, each real || imaginary,
// 48 bytes a part, big-endian; all zeros is the identity) and true; false when a point other
// than the identity has a part not below p or is off the twist.
func Bls12G2Add(p1, p2 *[192]byte) ([192]byte, bool) {
	var out [192]byte
	ok := zkvmBls12G2Add(unsafe.Pointer(p1), unsafe.Pointer(p2), unsafe.Pointer(&out)) == 0
	return out, ok
}

// Bls12G2Msm is EIP-2537's G2MSM, as Bls12G1Msm in G2: each pair a point (its first 192
// bytes) and a scalar (its last 32).
func Bls12G2Msm(pairs [][224]byte) ([192]byte, bool) {
	var out [192]byte
	if len(pairs) == 0 {
		return out, false
	}
	ok := zkvmBls12G2Msm(unsafe.Pointer(&pairs[0]), uint32(len(pairs)), unsafe.Pointer(&out)) == 0
	return out, ok
}

// Bls12MapFpToG1 is EIP-2537's MAP_FP_TO_G1, the G1 point of a field element (48 bytes,
// big-endian) by RFC 9380's simplified SWU map and 11-isogeny with the cofactor cleared, and
// true; false when the element is not below p.
func Bls12MapFpToG1(fieldElement *[48]byte) ([96]byte, bool) {
	var out [96]byte
	ok := zkvmBls12MapFpToG1(unsafe.Pointer(fieldElement), unsafe.Pointer(&out)) == 0
	return out, ok
}

// Bls12MapFp2ToG2 is EIP-2537's MAP_FP2_TO_G2, the G2 point of an element of Fp2 (real part,
// then imaginary part, 48 bytes each, big-endian) by RFC 9380's simplified SWU map and
// 3-isogeny with the cofactor cleared, and true; false when a part is not below p.
func Bls12MapFp2ToG2(fieldElement *[96]byte) ([192]byte, bool) {
	var out [192]byte
	ok := zkvmBls12MapFp2ToG2(unsafe.Pointer(fieldElement), unsafe.Pointer(&out)) == 0
	return out, ok
}

// Blake2f is BLAKE2b's compression function F (EIP-152, RFC 7693 3.2) with the given number
// of rounds on the state h in place, the message block m, the offset counters t and the
// final-block flag last.
func Blake2f(rounds uint32, h *[8]uint64, m *[16]uint64, t *[2]uint64, last bool) {
	var f uint32
	if last {
		f = 1
	}
	if zkvmBlake2f(rounds, unsafe.Pointer(h), unsafe.Pointer(m), unsafe.Pointer(t), f) != 0 {
		panic("zkvm_blake2f failed")
	}
}

// Modexp is the EIP-198 modular exponentiation base^exp mod modulus of big-endian numbers
// (leading zero bytes allowed), as many big-endian bytes as modulus has (zeros for a zero
// modulus), and true; false when an operand is longer than 1056 bytes (ZisK's limit).
func Modexp(base, exp, modulus []byte) ([]byte, bool) {
	out := make([]byte, len(modulus))
	ok := zkvmModexp(first(base), uint32(len(base)), first(exp), uint32(len(exp)),
		first(modulus), uint32(len(modulus)), first(out)) == 0
	return out, ok
}

// Bls12Pairing is EIP-2537's PAIRING_CHECK: whether the product of the pairings of the pairs
// (a G1 point, the first 96 bytes, and a G2 point, the last 192) is 1, and true; false when a
// point other than the identity is invalid as for Bls12G1Add and Bls12G2Add or outside its
// subgroup. A pair with the identity counts 1; no pair at all gives (true, true), as ZisK's
// routine.
func Bls12Pairing(pairs [][288]byte) (bool, bool) {
	var verified uint8
	var first unsafe.Pointer
	if len(pairs) > 0 {
		first = unsafe.Pointer(&pairs[0])
	}
	if zkvmBls12Pairing(first, uint32(len(pairs)), unsafe.Pointer(&verified)) != 0 {
		return false, false
	}
	return verified != 0, true
}

// KzgPointEval is EIP-4844's point evaluation: whether proof shows that the polynomial
// committed to by commitment (both compressed G1 points, ZCash's encoding) is y at z (elements
// of the scalar field, big-endian), with the Ethereum KZG ceremony's [tau] G2. An input that
// is no point of G1, or a scalar not below r, does not verify.
func KzgPointEval(commitment *[48]byte, z, y *[32]byte, proof *[48]byte) bool {
	var verified uint8
	status := zkvmKzgPointEval(unsafe.Pointer(commitment), unsafe.Pointer(z), unsafe.Pointer(y),
		unsafe.Pointer(proof), unsafe.Pointer(&verified))
	return status == 0 && verified != 0
}

// Bn254Pairing is EIP-197's pairing check: whether the product of the pairings of the pairs (a
// G1 point, the first 64 bytes, and a G2 point, the last 128: x || y, each element of Fp2 its
// imaginary part then its real part) is 1, and true; false when a point other than the
// identity is invalid or, in G2, outside the subgroup. A pair with the identity counts 1; no
// pair at all gives (true, true), as ZisK's routine.
func Bn254Pairing(pairs [][192]byte) (bool, bool) {
	var verified uint8
	var first unsafe.Pointer
	if len(pairs) > 0 {
		first = unsafe.Pointer(&pairs[0])
	}
	if zkvmBn254Pairing(first, uint32(len(pairs)), unsafe.Pointer(&verified)) != 0 {
		return false, false
	}
	return verified != 0, true
}

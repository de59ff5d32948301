/* zkvm.h - the zkVM accelerators zkc implements, for C guests compiled to wasm32.
 *
 * The functions are those of the standard zkVM accelerator C interface (the Ethereum
 * Foundation's zkvm-standards `zkvm_accelerators.h`, shipped by ZisK 1.4.0-alpha in the crate
 * zisk-zkvm-interface), with the same names, types and results, imported from the wasm
 * module "zkvm". zkc links them to ZisK's precompiles; `zkc interp` computes them in Rust.
 *
 * Pointers must point into linear memory: a call whose input or output is not entirely
 * inside it traps like an out-of-bounds access, before writing anything. Input and output
 * may overlap.
 */
#ifndef ZKC_ZKVM_H
#define ZKC_ZKVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ZKVM_EOK (0) on success, ZKVM_EFAIL (-1) on failure. */
typedef enum { ZKVM_EOK = 0, ZKVM_EFAIL = -1 } zkvm_status;

/* 32 bytes, 8-byte aligned, as in the standard header. */
typedef struct {
    _Alignas(8) uint8_t data[32];
} zkvm_bytes_32;

/* 64 bytes, 8-byte aligned. */
typedef struct {
    _Alignas(8) uint8_t data[64];
} zkvm_bytes_64;

typedef zkvm_bytes_32 zkvm_keccak256_hash;
typedef zkvm_bytes_32 zkvm_sha256_hash;
/* RIPEMD-160: the 20-byte digest right-aligned in 32 bytes (the first 12 are zero). */
typedef zkvm_bytes_32 zkvm_ripemd160_hash;

/* secp256k1: big-endian numbers; a signature is r || s, a public key x || y. */
typedef zkvm_bytes_32 zkvm_secp256k1_hash;
typedef zkvm_bytes_64 zkvm_secp256k1_signature;
typedef zkvm_bytes_64 zkvm_secp256k1_pubkey;

/* secp256r1 (P-256), the same layouts. */
typedef zkvm_bytes_32 zkvm_secp256r1_hash;
typedef zkvm_bytes_64 zkvm_secp256r1_signature;
typedef zkvm_bytes_64 zkvm_secp256r1_pubkey;

/* BN254 (alt_bn128) G1: a point is x || y big-endian, (0, 0) the identity. */
typedef zkvm_bytes_64 zkvm_bn254_g1_point;
typedef zkvm_bytes_32 zkvm_bn254_scalar;
/* A BN254 G2 point: x || y, each element of Fp2 its imaginary part then its real part (EIP-197). */
typedef struct {
    _Alignas(8) uint8_t data[128];
} zkvm_bn254_g2_point;
typedef struct {
    zkvm_bn254_g1_point g1;
    zkvm_bn254_g2_point g2;
} zkvm_bn254_pairing_pair;

/* BLS12-381 (EIP-2537, packed): a field element is 48 bytes big-endian; a G1 point x || y,
 * a G2 point x || y with each coordinate its real part then its imaginary part; all zeros is
 * the identity. An MSM pair is a point then a 32-byte big-endian scalar. */
typedef struct {
    _Alignas(8) uint8_t data[96];
} zkvm_bls12_381_g1_point;
typedef struct {
    _Alignas(8) uint8_t data[192];
} zkvm_bls12_381_g2_point;
typedef zkvm_bytes_32 zkvm_bls12_381_scalar;
typedef struct {
    _Alignas(8) uint8_t data[48];
} zkvm_bls12_381_fp;
typedef struct {
    _Alignas(8) uint8_t data[96];
} zkvm_bls12_381_fp2;
typedef struct {
    zkvm_bls12_381_g1_point point;
    zkvm_bls12_381_scalar scalar;
} zkvm_bls12_381_g1_msm_pair;
typedef struct {
    zkvm_bls12_381_g2_point point;
    zkvm_bls12_381_scalar scalar;
} zkvm_bls12_381_g2_msm_pair;
typedef struct {
    zkvm_bls12_381_g1_point g1;
    zkvm_bls12_381_g2_point g2;
} zkvm_bls12_381_pairing_pair;

/* KZG (EIP-4844): a commitment and a proof are compressed G1 points, 48 bytes. */
typedef zkvm_bls12_381_fp zkvm_kzg_commitment;
typedef zkvm_bls12_381_fp zkvm_kzg_proof;
typedef zkvm_bytes_32 zkvm_kzg_field_element;

/* BLAKE2f (EIP-152): the state is 8 u64s, the message 16, the offsets 2, little-endian. */
typedef struct {
    _Alignas(8) uint8_t data[16];
} zkvm_bytes_16;
typedef zkvm_bytes_64 zkvm_blake2f_state;
typedef struct {
    _Alignas(8) uint8_t data[128];
} zkvm_blake2f_message;
typedef zkvm_bytes_16 zkvm_blake2f_offset;

#define ZKVM_IMPORT(name) __attribute__((import_module("zkvm"), import_name(#name)))

/* Keccak-256 (Ethereum's, padding 0x01) of data[0..len] into *output. */
ZKVM_IMPORT(zkvm_keccak256)
zkvm_status zkvm_keccak256(const uint8_t *data, size_t len, zkvm_keccak256_hash *output);

/* SHA-256 of data[0..len] into *output. */
ZKVM_IMPORT(zkvm_sha256)
zkvm_status zkvm_sha256(const uint8_t *data, size_t len, zkvm_sha256_hash *output);

/* RIPEMD-160 of data[0..len] into output->data[12..32], output->data[0..12] zero. */
ZKVM_IMPORT(zkvm_ripemd160)
zkvm_status zkvm_ripemd160(const uint8_t *data, size_t len, zkvm_ripemd160_hash *output);

/* ECDSA verification on secp256k1 of the signature *sig of the hash *msg by *pubkey: returns
 * ZKVM_EOK and sets *verified to whether it is valid (r and s in [1, n-1], a high s accepted;
 * the key on the curve). */
ZKVM_IMPORT(zkvm_secp256k1_verify)
zkvm_status zkvm_secp256k1_verify(const zkvm_secp256k1_hash *msg,
                                  const zkvm_secp256k1_signature *sig,
                                  const zkvm_secp256k1_pubkey *pubkey, bool *verified);

/* ECDSA verification on secp256r1 (P-256, EIP-7212), as zkvm_secp256k1_verify on secp256k1. */
ZKVM_IMPORT(zkvm_secp256r1_verify)
zkvm_status zkvm_secp256r1_verify(const zkvm_secp256r1_hash *msg,
                                  const zkvm_secp256r1_signature *sig,
                                  const zkvm_secp256r1_pubkey *pubkey, bool *verified);

/* The public key that signed *msg with *sig, R's y of parity recid (0 or 1), into *output
 * (the key, not its Ethereum address: that is the last 20 bytes of its Keccak-256). ZKVM_EFAIL,
 * writing nothing, when there is none: recid above 1, r or s outside [1, n-1], r not the x of a
 * curve point, or the key the identity. */
ZKVM_IMPORT(zkvm_secp256k1_ecrecover)
zkvm_status zkvm_secp256k1_ecrecover(const zkvm_secp256k1_hash *msg,
                                     const zkvm_secp256k1_signature *sig, uint8_t recid,
                                     zkvm_secp256k1_pubkey *output);

/* EIP-196 point addition *p1 + *p2 into *result; ZKVM_EFAIL, writing nothing, when a point
 * other than (0, 0) has a coordinate not below p or is not on y^2 = x^3 + 3. */
ZKVM_IMPORT(zkvm_bn254_g1_add)
zkvm_status zkvm_bn254_g1_add(const zkvm_bn254_g1_point *p1, const zkvm_bn254_g1_point *p2,
                              zkvm_bn254_g1_point *result);

/* EIP-196 scalar multiplication *scalar * *point (any 256-bit big-endian scalar) into *result;
 * ZKVM_EFAIL, writing nothing, when the point is invalid as for zkvm_bn254_g1_add. */
ZKVM_IMPORT(zkvm_bn254_g1_mul)
zkvm_status zkvm_bn254_g1_mul(const zkvm_bn254_g1_point *point, const zkvm_bn254_scalar *scalar,
                              zkvm_bn254_g1_point *result);

/* EIP-197's pairing check: sets *verified to whether the product of the pairings
 * e(pairs[i].g1, pairs[i].g2) is 1 and returns ZKVM_EOK; ZKVM_EFAIL, writing nothing, when a
 * point other than the identity is invalid (a coordinate not below p, off the curve or the
 * twist y^2 = x^3 + 3 / (9 + i)) or, in G2, outside the subgroup. A pair with the identity
 * counts 1; no pair at all gives true. */
ZKVM_IMPORT(zkvm_bn254_pairing)
zkvm_status zkvm_bn254_pairing(const zkvm_bn254_pairing_pair *pairs, size_t num_pairs,
                               bool *verified);

/* EIP-2537's G1ADD: *p1 + *p2 into *result; ZKVM_EFAIL, writing nothing, when a point other
 * than the identity has a coordinate not below p or is not on y^2 = x^3 + 4 (no subgroup
 * check). */
ZKVM_IMPORT(zkvm_bls12_g1_add)
zkvm_status zkvm_bls12_g1_add(const zkvm_bls12_381_g1_point *p1, const zkvm_bls12_381_g1_point *p2,
                              zkvm_bls12_381_g1_point *result);

/* EIP-2537's G1MSM: the sum of scalar * point over the num_pairs pairs into *result;
 * ZKVM_EFAIL, writing nothing, when num_pairs is 0 or a point other than the identity is
 * invalid as for zkvm_bls12_g1_add or outside the subgroup G1. */
ZKVM_IMPORT(zkvm_bls12_g1_msm)
zkvm_status zkvm_bls12_g1_msm(const zkvm_bls12_381_g1_msm_pair *pairs, size_t num_pairs,
                              zkvm_bls12_381_g1_point *result);

/* EIP-2537's G2ADD: *p1 + *p2 into *result; ZKVM_EFAIL, writing nothing, when a point other
 * than the identity has a coordinate part not below p or is not on the twist
 * y^2 = x^3 + 4 (1 + i) (no subgroup check). */
ZKVM_IMPORT(zkvm_bls12_g2_add)
zkvm_status zkvm_bls12_g2_add(const zkvm_bls12_381_g2_point *p1, const zkvm_bls12_381_g2_point *p2,
                              zkvm_bls12_381_g2_point *result);

/* EIP-2537's G2MSM: as zkvm_bls12_g1_msm in G2 (the subgroup G2, points as zkvm_bls12_g2_add
 * takes them). */
ZKVM_IMPORT(zkvm_bls12_g2_msm)
zkvm_status zkvm_bls12_g2_msm(const zkvm_bls12_381_g2_msm_pair *pairs, size_t num_pairs,
                              zkvm_bls12_381_g2_point *result);

/* EIP-2537's MAP_FP_TO_G1: the G1 point of *field_element (48 bytes, big-endian) by RFC
 * 9380's simplified SWU map and 11-isogeny, the cofactor cleared, into *result; ZKVM_EFAIL,
 * writing nothing, when the element is not below p. */
ZKVM_IMPORT(zkvm_bls12_map_fp_to_g1)
zkvm_status zkvm_bls12_map_fp_to_g1(const zkvm_bls12_381_fp *field_element,
                                    zkvm_bls12_381_g1_point *result);

/* EIP-2537's MAP_FP2_TO_G2: the G2 point of *field_element (real part, then imaginary part,
 * 48 bytes each, big-endian) by RFC 9380's simplified SWU map and 3-isogeny, the cofactor
 * cleared, into *result; ZKVM_EFAIL, writing nothing, when a part is not below p. */
ZKVM_IMPORT(zkvm_bls12_map_fp2_to_g2)
zkvm_status zkvm_bls12_map_fp2_to_g2(const zkvm_bls12_381_fp2 *field_element,
                                     zkvm_bls12_381_g2_point *result);

/* EIP-2537's PAIRING_CHECK: sets *verified to whether the product of the pairings
 * e(pairs[i].g1, pairs[i].g2) is 1 and returns ZKVM_EOK; ZKVM_EFAIL, writing nothing, when a
 * point other than the identity is invalid (as for zkvm_bls12_g1_add, zkvm_bls12_g2_add) or
 * outside its subgroup. A pair with the identity counts 1, and no pair at all gives true (as
 * ZisK's routine; EIP-2537 refuses it). */
ZKVM_IMPORT(zkvm_bls12_pairing)
zkvm_status zkvm_bls12_pairing(const zkvm_bls12_381_pairing_pair *pairs, size_t num_pairs,
                               bool *verified);

/* EIP-4844's point evaluation: sets *verified to whether *proof shows that the polynomial
 * committed to by *commitment (both compressed G1 points, ZCash's encoding) is *y at *z
 * (elements of the scalar field, 32 bytes big-endian, below r), with the Ethereum KZG
 * ceremony's [tau] G2, and returns ZKVM_EOK; an input that is no point of G1 or a scalar not
 * below r does not verify. */
ZKVM_IMPORT(zkvm_kzg_point_eval)
zkvm_status zkvm_kzg_point_eval(const zkvm_kzg_commitment *commitment,
                                const zkvm_kzg_field_element *z, const zkvm_kzg_field_element *y,
                                const zkvm_kzg_proof *proof, bool *verified);

/* BLAKE2b's compression F (EIP-152, RFC 7693) with `rounds` rounds on *h in place, the message
 * *m, the offsets *t and the final-block flag f (nonzero: the last block). */
ZKVM_IMPORT(zkvm_blake2f)
zkvm_status zkvm_blake2f(uint32_t rounds, zkvm_blake2f_state *h, const zkvm_blake2f_message *m,
                         const zkvm_blake2f_offset *t, uint8_t f);

/* EIP-198 modular exponentiation: base^exp mod modulus of the big-endian byte strings, written
 * as exactly mod_len big-endian bytes at output (zeros for a zero modulus, nothing when mod_len
 * is 0); the operands may overlap the output. ZKVM_EFAIL, writing nothing, when an operand is
 * longer than 1056 bytes (ZisK's limit). */
ZKVM_IMPORT(zkvm_modexp)
zkvm_status zkvm_modexp(const uint8_t *base, size_t base_len, const uint8_t *exp, size_t exp_len,
                        const uint8_t *modulus, size_t mod_len, uint8_t *output);

#undef ZKVM_IMPORT

#ifdef __cplusplus
}
#endif

#endif

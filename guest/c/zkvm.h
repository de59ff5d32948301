/* zkvm.h - the zkVM accelerators zkc implements, for C guests compiled to wasm32.
 *
 * The functions are those of the standard zkVM accelerator C interface (the Ethereum
 * Foundation's zkvm-standards `zkvm_accelerators.h`, shipped by ZisK 1.4.0-alpha in the crate
 * zisk-zkvm-interface), with the same names, types and results, imported from the wasm
 * module "zkvm". zkc links them to ZisK's precompiles; `zkc interp` computes them in Rust.
 *
 * Pointers must point into linear memory: a call whose input or output is not entirely
 * inside it traps like an out-of-bounds access. Input and output may overlap.
 */
#ifndef ZKC_ZKVM_H
#define ZKC_ZKVM_H

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

typedef zkvm_bytes_32 zkvm_keccak256_hash;
typedef zkvm_bytes_32 zkvm_sha256_hash;

#define ZKVM_IMPORT(name) __attribute__((import_module("zkvm"), import_name(#name)))

/* Keccak-256 (Ethereum's, padding 0x01) of data[0..len] into *output. */
ZKVM_IMPORT(zkvm_keccak256)
zkvm_status zkvm_keccak256(const uint8_t *data, size_t len, zkvm_keccak256_hash *output);

/* SHA-256 of data[0..len] into *output. */
ZKVM_IMPORT(zkvm_sha256)
zkvm_status zkvm_sha256(const uint8_t *data, size_t len, zkvm_sha256_hash *output);

#undef ZKVM_IMPORT

#ifdef __cplusplus
}
#endif

#endif

/* ecrecover.c - an Ethereum signature checked through the zkVM accelerators.
 *
 * Recovers the public key of go-ethereum's ecrecover vector "ValidKey" (its recovery id is
 * v - 27 = 1) with zkvm_secp256k1_ecrecover, verifies the signature under that key with
 * zkvm_secp256k1_verify, and prints the key, its Ethereum address (the last 20 bytes of the
 * key's Keccak-256) and the verdict:
 *
 *   clang --target=wasm32-wasi -O2 -I guest/c -o ecrecover.wasm examples/c/ecrecover.c
 *   zkc run ecrecover.wasm --stats
 */
#include <string.h>
#include <unistd.h>

#include "zkvm.h"

static const zkvm_secp256k1_hash msg = {{
    0x18, 0xc5, 0x47, 0xe4, 0xf7, 0xb0, 0xf3, 0x25, 0xad, 0x1e, 0x56, 0xf5, 0x7e, 0x26, 0xc7, 0x45,
    0xb0, 0x9a, 0x3e, 0x50, 0x3d, 0x86, 0xe0, 0x0e, 0x52, 0x55, 0xff, 0x7f, 0x71, 0x5d, 0x3d, 0x1c,
}};

static const zkvm_secp256k1_signature sig = {{
    0x73, 0xb1, 0x69, 0x38, 0x92, 0x21, 0x9d, 0x73, 0x6c, 0xab, 0xa5, 0x5b, 0xdb, 0x67, 0x21, 0x6e,
    0x48, 0x55, 0x57, 0xea, 0x6b, 0x6a, 0xf7, 0x5f, 0x37, 0x09, 0x6c, 0x9a, 0xa6, 0xa5, 0xa7, 0x5f,
    0xee, 0xb9, 0x40, 0xb1, 0xd0, 0x3b, 0x21, 0xe3, 0x6b, 0x0e, 0x47, 0xe7, 0x97, 0x69, 0xf0, 0x95,
    0xfe, 0x2a, 0xb8, 0x55, 0xbd, 0x91, 0xe3, 0xa3, 0x87, 0x56, 0xb7, 0xd7, 0x5a, 0x9c, 0x45, 0x49,
}};

static void print_hex(const char *name, const uint8_t *bytes, size_t n) {
    static const char hex[] = "0123456789abcdef";
    char line[160];
    size_t k = strlen(name);
    memcpy(line, name, k);
    line[k++] = ' ';
    for (size_t i = 0; i < n; i++) {
        line[k++] = hex[bytes[i] >> 4];
        line[k++] = hex[bytes[i] & 15];
    }
    line[k++] = '\n';
    write(1, line, k);
}

int main(void) {
    zkvm_secp256k1_pubkey key;
    if (zkvm_secp256k1_ecrecover(&msg, &sig, 1, &key) != ZKVM_EOK) {
        write(1, "no key\n", 7);
        return 1;
    }
    zkvm_keccak256_hash h;
    zkvm_keccak256(key.data, sizeof key.data, &h);
    bool verified = false;
    zkvm_secp256k1_verify(&msg, &sig, &key, &verified);
    print_hex("key", key.data, 64);
    print_hex("address", h.data + 12, 20);
    write(1, verified ? "verified 1\n" : "verified 0\n", 11);
    return 0;
}

/* hash.c - Keccak-256 and SHA-256 of a generated message, through the zkVM accelerators.
 *
 * stdin: "LEN WHICH [REPS]" (default "1024 b 1"): LEN bytes of a xorshift64 stream are
 * hashed with Keccak-256 (WHICH = k), SHA-256 (s), both (b) or neither (n, the program's cost
 * without the hashes); each digest is printed in hex. With REPS > 1 each hash is computed REPS
 * times, every time after XORing the first 8 bytes of its digest into the message's first 8
 * (so that no repetition can be left out): the cost of one hash is then the growth from one
 * repetition to two. Built with -DZKVM_SOFTWARE, the same program hashes in software
 * (soft_hash.h) instead, which is what the accelerators are measured against.
 *
 *   clang --target=wasm32-wasi -O2 -I guest/c -o hash.wasm examples/c/hash.c
 *   echo "1024 b" > in.txt && zkc run hash.wasm --stdin in.txt --stats
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#ifdef ZKVM_SOFTWARE
#include "soft_hash.h"
#define KECCAK256(p, n, out) (soft_keccak256(p, n, (out)->data), 0)
#define SHA256(p, n, out) (soft_sha256(p, n, (out)->data), 0)
typedef struct { _Alignas(8) uint8_t data[32]; } digest;
#else
#include "zkvm.h"
#define KECCAK256(p, n, out) zkvm_keccak256(p, n, out)
#define SHA256(p, n, out) zkvm_sha256(p, n, out)
typedef zkvm_bytes_32 digest;
#endif

#define MAX_LEN 65536
static uint64_t message[MAX_LEN / 8];

static void print_digest(const char *name, const digest *d) {
    static const char hex[] = "0123456789abcdef";
    char line[80];
    size_t n = strlen(name);
    memcpy(line, name, n);
    line[n++] = ' ';
    for (int i = 0; i < 32; i++) {
        line[n++] = hex[d->data[i] >> 4];
        line[n++] = hex[d->data[i] & 15];
    }
    line[n++] = '\n';
    write(1, line, n);
}

/* The previous digest's first 8 bytes XORed into the message's first 8. */
static void chain(const digest *d, size_t len) {
    uint64_t w;
    memcpy(&w, d->data, 8);
    if (len >= 8) message[0] ^= w;
}

int main(void) {
    char in[32] = {0};
    ssize_t got = read(0, in, sizeof in - 1);
    size_t len = 0;
    int i = 0;
    for (; i < got && in[i] >= '0' && in[i] <= '9'; i++) len = len * 10 + (size_t)(in[i] - '0');
    if (got <= 0) len = 1024;
    if (len > MAX_LEN) len = MAX_LEN;
    char which = (i + 1 < got) ? in[i + 1] : 'b';
    long reps = 0;
    for (i += 2; i < got && in[i] == ' '; i++) {
    }
    for (; i < got && in[i] >= '0' && in[i] <= '9'; i++) reps = reps * 10 + (in[i] - '0');
    if (reps < 1) reps = 1;

    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t w = 0; w < (len + 7) / 8; w++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        message[w] = x;
    }
    const uint8_t *p = (const uint8_t *)message;
    digest d;
    if (which == 'k' || which == 'b') {
        for (long r = 0; r < reps; r++) {
            if (r > 0) chain(&d, len);
            if (KECCAK256(p, len, &d) != 0) return 1;
        }
        print_digest("keccak256", &d);
    }
    if (which == 's' || which == 'b') {
        for (long r = 0; r < reps; r++) {
            if (r > 0) chain(&d, len);
            if (SHA256(p, len, &d) != 0) return 1;
        }
        print_digest("sha256", &d);
    }
    return 0;
}

/* bignum128: bignum arithmetic on 64-bit limbs with unsigned __int128 for the 64x64->128
 * products and the 128/64 divisions (wasm: calls to __multi3 and __udivti3).  Computes N!
 * by multiplying a limb vector by word-sized factors, squares it with a schoolbook product,
 * then converts N! to decimal by repeated division by 10^19.
 * stdin: N.  stdout: limbs of N! and of its square, the square's top four limbs in hex and a
 * fold of all its limbs, and N!'s decimal digit count and digit sum. */
#include "wio.h"

typedef uint64_t limb;
typedef unsigned __int128 dlimb;

#define MAXL 2048
static limb fact[MAXL], square[2 * MAXL], work[MAXL];

/* a[0..n) *= m; returns the new length. */
static int mul_word(limb *a, int n, limb m) {
    limb carry = 0;
    for (int i = 0; i < n; i++) {
        dlimb p = (dlimb)a[i] * m + carry;
        a[i] = (limb)p;
        carry = (limb)(p >> 64);
    }
    if (carry) a[n++] = carry;
    return n;
}

/* r[0..2n) = a[0..n)^2, schoolbook. */
static int sqr(limb *r, const limb *a, int n) {
    for (int i = 0; i < 2 * n; i++) r[i] = 0;
    for (int i = 0; i < n; i++) {
        limb carry = 0;
        for (int j = 0; j < n; j++) {
            dlimb p = (dlimb)a[i] * a[j] + r[i + j] + carry;
            r[i + j] = (limb)p;
            carry = (limb)(p >> 64);
        }
        r[i + n] = carry;
    }
    int m = 2 * n;
    while (m > 1 && r[m - 1] == 0) m--;
    return m;
}

/* a[0..n) /= d; returns the remainder. */
static limb div_word(limb *a, int n, limb d) {
    dlimb rem = 0;
    for (int i = n - 1; i >= 0; i--) {
        dlimb cur = rem << 64 | a[i];
        a[i] = (limb)(cur / d);
        rem = cur % d;
    }
    return (limb)rem;
}

int main(void) {
    uint64_t n = read_u64(100);
    int len = 1;
    fact[0] = 1;
    for (uint64_t k = 2; k <= n && len < MAXL - 1; k++) len = mul_word(fact, len, k);
    int slen = sqr(square, fact, len);

    uint8_t high[32]; /* the square's top four limbs, big endian */
    for (int k = 0; k < 32; k++)
        high[k] = (uint8_t)(square[slen - 1 - k / 8] >> (56 - 8 * (k % 8)));
    limb fold = 0;
    for (int i = 0; i < slen; i++) fold = (fold ^ square[i]) * 0x100000001b3ULL;

    /* decimal digits of n!: chunks of 19 digits, least significant first */
    for (int i = 0; i < len; i++) work[i] = fact[i];
    int wlen = len;
    uint64_t digits = 0, digit_sum = 0;
    while (wlen > 1 || work[0] != 0) {
        limb chunk = div_word(work, wlen, 10000000000000000000ULL);
        while (wlen > 1 && work[wlen - 1] == 0) wlen--;
        int last = wlen == 1 && work[0] == 0;
        for (int k = 0; k < 19 && (chunk || !last); k++) {
            digit_sum += chunk % 10;
            chunk /= 10;
            digits++;
        }
    }

    put_str("limbs "); put_u64((uint64_t)len); put_char(' '); put_u64((uint64_t)slen); put_char('\n');
    put_str("square top "); put_hex(high, 32); put_char('\n');
    put_str("square fold "); put_u64(fold); put_char('\n');
    put_str("digits "); put_u64(digits); put_str(" digit sum "); put_u64(digit_sum); put_char('\n');
    wio_flush();
    return 0;
}

//! The 256-bit arithmetic of the precompiles zkc models, on little-endian 64-bit words as they
//! sit in memory (zisk-precomp-helpers 1.4.0-alpha `arith_eq/arith256.rs`,
//! `arith_eq/secp256k1.rs`: the affine formulas of its portable fallback).

use num_bigint::BigUint;

fn big(words: &[u64; 4]) -> BigUint {
    let mut bytes = [0u8; 32];
    for (i, w) in words.iter().enumerate() {
        bytes[8 * i..8 * i + 8].copy_from_slice(&w.to_le_bytes());
    }
    BigUint::from_bytes_le(&bytes)
}

/// The low 256 bits of `n`.
fn words(n: &BigUint) -> [u64; 4] {
    let mut out = [0u64; 4];
    for (o, d) in out.iter_mut().zip(n.iter_u64_digits()) {
        *o = d;
    }
    out
}

/// `(a * b + c) mod m` (`arith256_mod`); `None` when `m` is 0.
pub(crate) fn mul_add_mod(
    a: &[u64; 4],
    b: &[u64; 4],
    c: &[u64; 4],
    m: &[u64; 4],
) -> Option<[u64; 4]> {
    let m = big(m);
    if m == BigUint::ZERO {
        return None;
    }
    Some(words(&((big(a) * big(b) + big(c)) % m)))
}

/// secp256k1's field prime 2^256 - 2^32 - 977.
fn secp256k1_p() -> BigUint {
    (BigUint::from(1u8) << 256u32) - (BigUint::from(1u8) << 32u32) - BigUint::from(977u32)
}

/// `secp256k1_add` (`dbl` false: `pts` = x1, y1, x2, y2) or `secp256k1_dbl` (`dbl` true:
/// `pts[0..2]` = x1, y1) in affine coordinates: the result's x and y. `None` when the slope's
/// denominator is 0 mod p (equal x, or y = 0 when doubling).
pub(crate) fn secp256k1(pts: &[[u64; 4]; 4], dbl: bool) -> Option<[[u64; 4]; 2]> {
    let p = secp256k1_p();
    let [x1, y1, x2, y2] = pts.each_ref().map(|w| big(w) % &p);
    let sub = |a: &BigUint, b: &BigUint| (a + &p - b) % &p;
    let (num, den, x2) = if dbl {
        (
            BigUint::from(3u8) * &x1 * &x1 % &p,
            (&y1 + &y1) % &p,
            x1.clone(),
        )
    } else {
        (sub(&y2, &y1), sub(&x2, &x1), x2)
    };
    if den == BigUint::ZERO {
        return None;
    }
    let inv = den.modpow(&(&p - BigUint::from(2u8)), &p);
    let s = num * inv % &p;
    let x3 = sub(&(&s * &s % &p), &((&x1 + &x2) % &p));
    let y3 = sub(&(s * sub(&x1, &x3) % &p), &y1);
    Some([words(&x3), words(&y3)])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generator G of secp256k1 (SEC 2), x then y.
    const G: [[u64; 4]; 2] = [
        [
            0x59f2815b16f81798,
            0x029bfcdb2dce28d9,
            0x55a06295ce870b07,
            0x79be667ef9dcbbac,
        ],
        [
            0x9c47d08ffb10d4b8,
            0xfd17b448a6855419,
            0x5da4fbfc0e1108a8,
            0x483ada7726a3c465,
        ],
    ];

    #[test]
    fn mul_add_mod_of_small_numbers() {
        let n = |x: u64| [x, 0, 0, 0];
        assert_eq!(mul_add_mod(&n(7), &n(9), &n(5), &n(10)), Some(n(8)));
        assert_eq!(mul_add_mod(&n(7), &n(9), &n(5), &n(0)), None);
        let max = [u64::MAX; 4];
        // (2^256 - 1)^2 mod (2^256 - 1) = 0
        assert_eq!(mul_add_mod(&max, &max, &n(0), &max), Some(n(0)));
    }

    /// 3G computed as 2G + G and as G + 2G; 2G against SEC 2.
    #[test]
    fn secp256k1_add_and_double_agree() {
        let g2 = secp256k1(&[G[0], G[1], [0; 4], [0; 4]], true).unwrap();
        let g3 = secp256k1(&[g2[0], g2[1], G[0], G[1]], false).unwrap();
        let g3b = secp256k1(&[G[0], G[1], g2[0], g2[1]], false).unwrap();
        assert_eq!(g3, g3b);
        // 2G's x (SEC 2 test vectors): c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5
        assert_eq!(g2[0][3], 0xc6047f9441ed7d6d);
        assert_eq!(g2[0][0], 0xabac09b95c709ee5);
        assert_eq!(secp256k1(&[G[0], G[1], G[0], G[1]], false), None);
    }
}

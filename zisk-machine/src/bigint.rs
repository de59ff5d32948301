//! The arithmetic of the precompiles zkc models, on little-endian 64-bit words as they sit in
//! memory: 256- and 384-bit modular arithmetic, curve points and BLS12-381's Fp2
//! (zisk-precomp-helpers 1.4.0-alpha `arith_eq/arith256.rs`, `arith_eq/secp256k1.rs`,
//! `arith_eq/bn254curve.rs`, `arith_eq_384/arith384.rs`, `arith_eq_384/bls12_381curve.rs`,
//! `arith_eq_384/bls12_381complex.rs`: the affine formulas, for curves y^2 = x^3 + a x + b, and
//! Fp2 = Fp[i] / (i^2 + 1)), and BLAKE2b's round (`blake2/blake2b/round.rs`).

use num_bigint::BigUint;

fn big(words: &[u64]) -> BigUint {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    BigUint::from_bytes_le(&bytes)
}

/// The low `64 N` bits of `n`.
fn words<const N: usize>(n: &BigUint) -> [u64; N] {
    let mut out = [0u64; N];
    for (o, d) in out.iter_mut().zip(n.iter_u64_digits()) {
        *o = d;
    }
    out
}

/// `(a * b + c) mod m` (`arith256_mod` with N = 4 words, `arith384_mod` with 6); `None` when `m`
/// is 0.
pub(crate) fn mul_add_mod<const N: usize>(
    a: &[u64; N],
    b: &[u64; N],
    c: &[u64; N],
    m: &[u64; N],
) -> Option<[u64; N]> {
    let m = big(m);
    if m == BigUint::ZERO {
        return None;
    }
    Some(words(&((big(a) * big(b) + big(c)) % m)))
}

/// A curve of a precompile, by its field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Curve {
    /// secp256k1: p = 2^256 - 2^32 - 977.
    Secp256k1,
    /// secp256r1 (P-256): p = 2^256 - 2^224 + 2^192 + 2^96 - 1, a = -3.
    Secp256r1,
    /// BN254 (alt_bn128): p = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47.
    Bn254,
    /// BLS12-381: p = 0x1a0111ea..ffffaaab (381 bits), y^2 = x^3 + 4; 6 words a coordinate.
    Bls12381,
}

impl Curve {
    fn prime(self) -> BigUint {
        match self {
            Curve::Secp256k1 => {
                (BigUint::from(1u8) << 256u32)
                    - (BigUint::from(1u8) << 32u32)
                    - BigUint::from(977u32)
            }
            Curve::Secp256r1 => big(&[
                0xffffffffffffffff,
                0x00000000ffffffff,
                0x0000000000000000,
                0xffffffff00000001,
            ]),
            Curve::Bn254 => big(&[
                0x3c208c16d87cfd47,
                0x97816a916871ca8d,
                0xb85045b68181585d,
                0x30644e72e131a029,
            ]),
            Curve::Bls12381 => big(&BLS12_381_P),
        }
    }
}

/// BLS12-381's base field modulus (the IETF pairing-friendly curves draft, 4.2.1), in words.
pub(crate) const BLS12_381_P: [u64; 6] = [
    0xb9feffffffffaaab,
    0x1eabfffeb153ffff,
    0x6730d2a0f6b0f624,
    0x64774b84f38512bf,
    0x4b1ba7b6434bacd7,
    0x1a0111ea397fe69a,
];

/// `secp256k1_add`/`secp256r1_add`/`bn254_curve_add` (`dbl` false: `pts` = x1, y1, x2, y2) or
/// `secp256k1_dbl`/`secp256r1_dbl`/`bn254_curve_dbl` (`dbl` true: `pts[0..2]` = x1, y1) in affine coordinates:
/// the result's x and y (a doubling's slope is (3 x^2 + a) / 2y). `None` when the slope's
/// denominator is 0 mod p (equal x, or y = 0 when doubling).
pub(crate) fn curve_op<const N: usize>(
    curve: Curve,
    pts: &[[u64; N]; 4],
    dbl: bool,
) -> Option<[[u64; N]; 2]> {
    let p = curve.prime();
    let [x1, y1, x2, y2] = pts.each_ref().map(|w| big(w) % &p);
    let sub = |a: &BigUint, b: &BigUint| (a + &p - b) % &p;
    let (num, den, x2) = if dbl {
        let a = match curve {
            Curve::Secp256r1 => &p - BigUint::from(3u8),
            _ => BigUint::ZERO,
        };
        (
            (BigUint::from(3u8) * &x1 * &x1 + a) % &p,
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

/// An operation of the Fp2 precompiles (BLS12-381's and BN254's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Complex {
    Add,
    Sub,
    Mul,
}

/// `bls12_381_complex_add`/`_sub`/`_mul` (N = 6) and `bn254_complex_add`/`_sub`/`_mul`
/// (N = 4): `f1 op f2` in Fp2 = Fp[i] / (i^2 + 1) of the curve's p, each operand its real part
/// then its imaginary part, N words each.
pub(crate) fn complex_op<const N: usize>(
    curve: Curve,
    op: Complex,
    f1: &[[u64; N]; 2],
    f2: &[[u64; N]; 2],
) -> [[u64; N]; 2] {
    let p = curve.prime();
    let [a0, a1] = f1.each_ref().map(|w| big(w) % &p);
    let [b0, b1] = f2.each_ref().map(|w| big(w) % &p);
    let sub = |a: &BigUint, b: &BigUint| (a + &p - b) % &p;
    let (c0, c1) = match op {
        Complex::Add => ((a0 + b0) % &p, (a1 + b1) % &p),
        Complex::Sub => (sub(&a0, &b0), sub(&a1, &b1)),
        Complex::Mul => (
            sub(&(&a0 * &b0 % &p), &(&a1 * &b1 % &p)),
            (a1 * b0 + a0 * b1) % &p,
        ),
    };
    [words(&c0), words(&c1)]
}

/// BLAKE2b's message schedule (RFC 7693, 2.7).
const SIGMA: [[usize; 16]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

/// One round of BLAKE2b's compression (RFC 7693, 3.2) on the work vector `v`, with the
/// message schedule of round `index` (the `blake2b` precompile).
pub(crate) fn blake2b_round(v: &mut [u64; 16], m: &[u64; 16], index: usize) {
    let s = &SIGMA[index % 10];
    let mut g = |a: usize, b: usize, c: usize, d: usize, x: u64, y: u64| {
        v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
        v[d] = (v[d] ^ v[a]).rotate_right(32);
        v[c] = v[c].wrapping_add(v[d]);
        v[b] = (v[b] ^ v[c]).rotate_right(24);
        v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
        v[d] = (v[d] ^ v[a]).rotate_right(16);
        v[c] = v[c].wrapping_add(v[d]);
        v[b] = (v[b] ^ v[c]).rotate_right(63);
    };
    g(0, 4, 8, 12, m[s[0]], m[s[1]]);
    g(1, 5, 9, 13, m[s[2]], m[s[3]]);
    g(2, 6, 10, 14, m[s[4]], m[s[5]]);
    g(3, 7, 11, 15, m[s[6]], m[s[7]]);
    g(0, 5, 10, 15, m[s[8]], m[s[9]]);
    g(1, 6, 11, 12, m[s[10]], m[s[11]]);
    g(2, 7, 8, 13, m[s[12]], m[s[13]]);
    g(3, 4, 9, 14, m[s[14]], m[s[15]]);
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
        let g2 = curve_op(Curve::Secp256k1, &[G[0], G[1], [0; 4], [0; 4]], true).unwrap();
        let g3 = curve_op(Curve::Secp256k1, &[g2[0], g2[1], G[0], G[1]], false).unwrap();
        let g3b = curve_op(Curve::Secp256k1, &[G[0], G[1], g2[0], g2[1]], false).unwrap();
        assert_eq!(g3, g3b);
        // 2G's x (SEC 2 test vectors): c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5
        assert_eq!(g2[0][3], 0xc6047f9441ed7d6d);
        assert_eq!(g2[0][0], 0xabac09b95c709ee5);
        assert_eq!(
            curve_op(Curve::Secp256k1, &[G[0], G[1], G[0], G[1]], false),
            None
        );
    }

    /// BN254's generator (1, 2) doubled: x = 0x030644e7..6d87cfd3, on the curve y^2 = x^3 + 3.
    #[test]
    fn bn254_double() {
        let g = [[1, 0, 0, 0], [2, 0, 0, 0], [0; 4], [0; 4]];
        let [x, y] = curve_op(Curve::Bn254, &g, true).unwrap();
        assert_eq!(x[3], 0x030644e72e131a02);
        assert_eq!(x[0], 0xd3c208c16d87cfd3);
        let p = words(&Curve::Bn254.prime());
        let zero = [0; 4];
        let x2 = mul_add_mod(&x, &x, &zero, &p).unwrap();
        let x3 = mul_add_mod(&x2, &x, &[3, 0, 0, 0], &p).unwrap();
        assert_eq!(mul_add_mod(&y, &y, &zero, &p), Some(x3));
    }

    /// BLS12-381's G1 generator (the pairing-friendly curves draft, 4.2.1), x then y.
    const BLS_G: [[u64; 6]; 2] = [
        [
            0xfb3af00adb22c6bb,
            0x6c55e83ff97a1aef,
            0xa14e3a3f171bac58,
            0xc3688c4f9774b905,
            0x2695638c4fa9ac0f,
            0x17f1d3a73197d794,
        ],
        [
            0x0caa232946c5e7e1,
            0xd03cc744a2888ae4,
            0x00db18cb2c04b3ed,
            0xfcf5e095d5d00af6,
            0xa09e30ed741d8ae4,
            0x08b3f481e3aaa0f1,
        ],
    ];

    /// On y^2 = x^3 + 4 over BLS12-381's Fp, by `arith384_mod`.
    fn on_bls12_381(x: &[u64; 6], y: &[u64; 6]) -> bool {
        let zero = [0; 6];
        let x2 = mul_add_mod(x, x, &zero, &BLS12_381_P).unwrap();
        let x3 = mul_add_mod(&x2, x, &[4, 0, 0, 0, 0, 0], &BLS12_381_P).unwrap();
        mul_add_mod(y, y, &zero, &BLS12_381_P) == Some(x3)
    }

    /// BLS12-381's generator doubled and added: 2G and 3G on the curve, 3G the same both ways.
    #[test]
    fn bls12_381_add_and_double() {
        assert!(on_bls12_381(&BLS_G[0], &BLS_G[1]));
        let g = [BLS_G[0], BLS_G[1], [0; 6], [0; 6]];
        let g2 = curve_op(Curve::Bls12381, &g, true).unwrap();
        assert!(on_bls12_381(&g2[0], &g2[1]));
        let g3 = curve_op(Curve::Bls12381, &[g2[0], g2[1], BLS_G[0], BLS_G[1]], false).unwrap();
        let g3b = curve_op(Curve::Bls12381, &[BLS_G[0], BLS_G[1], g2[0], g2[1]], false).unwrap();
        assert_eq!(g3, g3b);
        assert!(on_bls12_381(&g3[0], &g3[1]));
    }

    /// (1 + 2i)(3 + 4i) = -5 + 10i; i * i = -1; (a + b) - b = a.
    #[test]
    fn bls12_381_complex() {
        let n = |x: u64| [x, 0, 0, 0, 0, 0];
        let minus = |x: u64| words::<6>(&(Curve::Bls12381.prime() - BigUint::from(x)));
        let prod = complex_op(Curve::Bls12381, Complex::Mul, &[n(1), n(2)], &[n(3), n(4)]);
        assert_eq!(prod, [minus(5), n(10)]);
        assert_eq!(
            complex_op(Curve::Bls12381, Complex::Mul, &[n(0), n(1)], &[n(0), n(1)]),
            [minus(1), n(0)]
        );
        let sum = complex_op(
            Curve::Bls12381,
            Complex::Add,
            &[minus(1), n(7)],
            &[n(3), minus(2)],
        );
        assert_eq!(sum, [n(2), n(5)]);
        let back = complex_op(Curve::Bls12381, Complex::Sub, &sum, &[n(3), minus(2)]);
        assert_eq!(back, [minus(1), n(7)]);
    }

    /// The same in BN254's Fp2, 4 words a part.
    #[test]
    fn bn254_complex() {
        let n = |x: u64| [x, 0, 0, 0];
        let minus = |x: u64| words::<4>(&(Curve::Bn254.prime() - BigUint::from(x)));
        let prod = complex_op(Curve::Bn254, Complex::Mul, &[n(1), n(2)], &[n(3), n(4)]);
        assert_eq!(prod, [minus(5), n(10)]);
        let sum = complex_op(
            Curve::Bn254,
            Complex::Add,
            &[minus(1), n(7)],
            &[n(3), minus(2)],
        );
        assert_eq!(sum, [n(2), n(5)]);
        let back = complex_op(Curve::Bn254, Complex::Sub, &sum, &[n(3), minus(2)]);
        assert_eq!(back, [minus(1), n(7)]);
    }
}

//! The reference semantics of the zkVM accelerators zkc implements (the functions of the
//! standard C ABI, zisk-zkvm-interface 1.4.0-alpha `zkvm_accelerators.h`), on byte arrays: the
//! one home of what each function computes, for the reference interpreter (`zkc_ir::interp`,
//! which adds the wasm32 ABI: pointers into linear memory, traps, statuses) and for the
//! software builds the benchmark compares the accelerators with (`bench/soft`, compiled to
//! wasm and by zkc).
//!
//! The results come from the RustCrypto crates (`sha3`, `sha2`, `ripemd`, `k256`) and the arkworks
//! curves, independently of the ZisK runtime's own routines (`runtime/src/zkvm.zir`), so that
//! the differential tests between the interpreter and the compiled code check them.
//!
//! secp256k1 follows ZisK's own routines (zisk-asm `zisklib/zkvm/secp256k1.zisk`), which
//! are those of the Ethereum precompile: `r` and `s` must be in [1, n-1], a high `s` is
//! accepted (k256's `VerifyingKey` refuses it, so verification and recovery are written here
//! on k256's arithmetic), the message hash is taken mod n. `zkvm_secp256k1_verify` always
//! returns 0 and writes the verdict (1 or 0) in the byte at `verified`; a public key not on
//! the curve, or with a coordinate not below p, is not valid. `zkvm_secp256k1_ecrecover`
//! returns -1, writing nothing, when the recovery id is above 1, `r` or `s` is out of range,
//! `r` is not the x of a curve point or the recovered key is the identity; else 0 with the
//! key (x then y, big-endian) in the 64 bytes at `output`.
//!
//! `zkvm_secp256r1_verify` is the same verification on P-256 (EIP-7212, ZisK's
//! `zisklib/zkvm/secp256r1.zisk`: a high s accepted too), on `ark-secp256r1`'s arithmetic.
//!
//! BN254 G1 follows EIP-196 (precompiles 0x06 and 0x07) as ZisK's routines do (zisk-asm
//! `zisklib/zkvm/bn254.zisk`): a point is x || y, big-endian, (0, 0) the identity; any other
//! point must have both coordinates below p and lie on y^2 = x^3 + 3, else the call returns
//! -1 and writes nothing. The scalar of `zkvm_bn254_g1_mul` is any 256-bit number; the
//! identity times anything is the identity, without a check of the scalar. The arithmetic is
//! `ark-bn254`'s. `zkvm_bn254_pairing` (EIP-197) takes pairs of a G1 point and a G2 point
//! (x || y, each element of Fp2 its imaginary part first), every point valid and G2's in
//! their subgroup, and writes whether the product of their pairings is 1 (no pair at all: 1,
//! as ZisK's routine).
//!
//! BLS12-381 follows EIP-2537 (precompiles 0x0b..0x0d) in the packed encoding of
//! `zkvm_accelerators.h`: a field element is 48 bytes big-endian (EIP-2537 pads it to 64), a
//! G1 point x || y, a G2 point x || y with each coordinate its real part then its imaginary
//! part, all zeros the identity. Any other point must have its coordinates below p and lie on
//! the curve y^2 = x^3 + 4 (G1) or the twist y^2 = x^3 + 4 (1 + i) (G2); the additions check
//! no subgroup. `zkvm_bls12_g1_msm` takes pairs of a point and a 32-byte big-endian scalar,
//! wants at least one pair and every point in the subgroup, and skips the identity;
//! `zkvm_bls12_g2_msm` the same in G2 (224-byte pairs). `zkvm_bls12_map_fp_to_g1` and
//! `zkvm_bls12_map_fp2_to_g2` want their field elements below p. `zkvm_bls12_pairing` takes
//! pairs of a G1 and a G2 point, every point valid and in its subgroup, and writes whether the
//! product of their pairings is 1 (no pair at all: 1, as ZisK's routine).
//! `zkvm_kzg_point_eval` is EIP-4844's point evaluation on compressed G1 points (ZCash's
//! encoding) with the Ethereum KZG ceremony's [tau] G2; an invalid input does not verify. The
//! arithmetic is `ark-bls12-381`'s.
//!
//! `zkvm_ripemd160(data, len, out)` writes the 20-byte digest right-aligned in the 32 bytes at
//! `out` (the first 12 zero), as the Ethereum precompile 0x03 and the header do.
//!
//! `zkvm_blake2f(rounds, h, m, t, f)` is BLAKE2b's compression F of EIP-152 and RFC 7693 (3.2)
//! with `rounds` rounds (a u32), on the 8 little-endian u64s at `h` in place, the message's 16
//! at `m` and the offsets' 2 at `t`; a nonzero `f` marks the last block (ZisK's routine tests
//! the whole register). It returns 0. It is written here, after the RFC: the crates do not
//! expose F with a number of rounds.
//!
//! `zkvm_modexp(base, base_len, exp, exp_len, modulus, mod_len, output)` is EIP-198's
//! precompile 0x05 on big-endian byte strings of any length (leading zeros allowed): it writes
//! base^exp mod modulus as exactly `mod_len` big-endian bytes at `output`, zeros for a zero
//! modulus (and nothing for an empty one), 1 mod modulus for a zero exponent. As ZisK's
//! routine (zisk-asm `zisklib/zkvm/modexp.zisk`), an operand longer than 1056 bytes returns
//! -1 and writes nothing. The arithmetic is `num-bigint`'s.

use k256::elliptic_curve::ops::{LinearCombination, Reduce};
use k256::elliptic_curve::point::{AffineCoordinates, DecompressPoint};
use k256::elliptic_curve::sec1::{FromEncodedPoint, ToEncodedPoint};
use k256::elliptic_curve::PrimeField;
use k256::{AffinePoint, EncodedPoint, FieldBytes, ProjectivePoint, Scalar, U256};

/// Keccak-256 (Ethereum's, padding 0x01) of `data`.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    <sha3::Keccak256 as sha3::Digest>::digest(data).into()
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    <sha2::Sha256 as sha2::Digest>::digest(data).into()
}

/// RIPEMD-160 of `data`, right-aligned in a 32-byte word (the first 12 bytes zero).
pub fn ripemd160(data: &[u8]) -> [u8; 32] {
    let mut word = [0u8; 32];
    word[12..].copy_from_slice(&<ripemd::Ripemd160 as ripemd::Digest>::digest(data));
    word
}

/// ZisK's limit on each operand of `zkvm_modexp`, in bytes.
pub const MODEXP_MAX_LEN: usize = 1056;

/// base^exp mod modulus (big-endian bytes) as `modulus.len()` big-endian bytes; zeros for a
/// zero modulus.
pub fn modexp(base: &[u8], exp: &[u8], modulus: &[u8]) -> Vec<u8> {
    use num_bigint::BigUint;
    let mut out = vec![0; modulus.len()];
    let m = BigUint::from_bytes_be(modulus);
    if m.bits() > 0 {
        let r = BigUint::from_bytes_be(base)
            .modpow(&BigUint::from_bytes_be(exp), &m)
            .to_bytes_be();
        out[modulus.len() - r.len()..].copy_from_slice(&r);
    }
    out
}

/// A scalar in [1, n-1] from 32 big-endian bytes.
fn nonzero_scalar(bytes: &[u8]) -> Option<Scalar> {
    let s = Option::<Scalar>::from(Scalar::from_repr(*FieldBytes::from_slice(bytes)))?;
    (!bool::from(s.is_zero())).then_some(s)
}

/// The message hash as a scalar: its 256 bits mod n.
fn hash_scalar(msg: &[u8; 32]) -> Scalar {
    <Scalar as Reduce<U256>>::reduce_bytes(FieldBytes::from_slice(msg))
}

/// ECDSA verification of the signature `r || s` of the hash `msg` by the key `x || y`.
pub fn secp256k1_verify(msg: &[u8; 32], sig: &[u8; 64], key: &[u8; 64]) -> bool {
    let (Some(r), Some(s)) = (nonzero_scalar(&sig[..32]), nonzero_scalar(&sig[32..])) else {
        return false;
    };
    let point = EncodedPoint::from_affine_coordinates(
        FieldBytes::from_slice(&key[..32]),
        FieldBytes::from_slice(&key[32..]),
        false,
    );
    let Some(q) = Option::<AffinePoint>::from(AffinePoint::from_encoded_point(&point)) else {
        return false;
    };
    let s_inv = s.invert().unwrap();
    let (u1, u2) = (hash_scalar(msg) * s_inv, r * s_inv);
    let x = ProjectivePoint::lincomb(&ProjectivePoint::GENERATOR, &u1, &q.into(), &u2);
    if x == ProjectivePoint::IDENTITY {
        return false;
    }
    <Scalar as Reduce<U256>>::reduce_bytes(&x.to_affine().x()) == r
}

/// The public key (x || y, big-endian) that signed `msg` with `r || s` and recovery id `recid`.
pub fn secp256k1_ecrecover(msg: &[u8; 32], sig: &[u8; 64], recid: u32) -> Option<[u8; 64]> {
    if recid > 1 {
        return None;
    }
    let r = nonzero_scalar(&sig[..32])?;
    let s = nonzero_scalar(&sig[32..])?;
    let big_r =
        Option::<AffinePoint>::from(AffinePoint::decompress(&r.to_repr(), (recid as u8).into()))?;
    let r_inv = r.invert().unwrap();
    let u1 = -(r_inv * hash_scalar(msg));
    let u2 = r_inv * s;
    let key = ProjectivePoint::lincomb(&ProjectivePoint::GENERATOR, &u1, &big_r.into(), &u2);
    if key == ProjectivePoint::IDENTITY {
        return None;
    }
    let encoded = key.to_affine().to_encoded_point(false);
    encoded.as_bytes()[1..].try_into().ok()
}

/// A BN254 G1 point from x || y (big-endian): (0, 0) is the identity; `None` for a coordinate
/// not below p or a point off the curve.
fn bn254_point(bytes: &[u8; 64]) -> Option<ark_bn254::G1Affine> {
    use ark_ff::PrimeField;
    if bytes.iter().all(|&b| b == 0) {
        return Some(ark_bn254::G1Affine::identity());
    }
    let coord = |b: &[u8]| {
        let mut limbs = [0u64; 4];
        for (i, l) in limbs.iter_mut().enumerate() {
            *l = u64::from_be_bytes(b[24 - 8 * i..32 - 8 * i].try_into().unwrap());
        }
        ark_bn254::Fq::from_bigint(ark_ff::BigInt::new(limbs))
    };
    let p = ark_bn254::G1Affine::new_unchecked(coord(&bytes[..32])?, coord(&bytes[32..])?);
    p.is_on_curve().then_some(p)
}

/// x || y (big-endian) of a point, (0, 0) for the identity.
fn bn254_bytes(p: ark_bn254::G1Projective) -> [u8; 64] {
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::{BigInteger, PrimeField};
    let p = p.into_affine();
    let mut out = [0u8; 64];
    if let Some((x, y)) = p.xy() {
        out[..32].copy_from_slice(&x.into_bigint().to_bytes_be());
        out[32..].copy_from_slice(&y.into_bigint().to_bytes_be());
    }
    out
}

/// EIP-196's point addition.
pub fn bn254_g1_add(p1: &[u8; 64], p2: &[u8; 64]) -> Option<[u8; 64]> {
    use ark_ec::AffineRepr;
    let (p1, p2) = (bn254_point(p1)?, bn254_point(p2)?);
    Some(bn254_bytes(p1.into_group() + p2))
}

/// EIP-196's scalar multiplication by a 256-bit big-endian scalar.
pub fn bn254_g1_mul(p: &[u8; 64], k: &[u8; 32]) -> Option<[u8; 64]> {
    use ark_ec::AffineRepr;
    let p = bn254_point(p)?;
    let mut limbs = [0u64; 4];
    for (i, l) in limbs.iter_mut().enumerate() {
        *l = u64::from_be_bytes(k[24 - 8 * i..32 - 8 * i].try_into().unwrap());
    }
    Some(bn254_bytes(p.mul_bigint(limbs)))
}

/// A BN254 G2 point from x || y, each an element of Fp2 as its imaginary part then its real
/// part (32 bytes each, big-endian, EIP-197's order): all zeros is the identity; `None` for a
/// part not below p, a point off the twist y^2 = x^3 + 3 / (9 + i) or outside G2.
fn bn254_g2(bytes: &[u8]) -> Option<ark_bn254::G2Affine> {
    use ark_bn254::{Fq, Fq2};
    use ark_ff::PrimeField;
    if bytes.iter().all(|&b| b == 0) {
        return Some(ark_bn254::G2Affine::identity());
    }
    let fq = |b: &[u8]| {
        let mut limbs = [0u64; 4];
        for (i, l) in limbs.iter_mut().enumerate() {
            *l = u64::from_be_bytes(b[24 - 8 * i..32 - 8 * i].try_into().unwrap());
        }
        Fq::from_bigint(ark_ff::BigInt::new(limbs))
    };
    let fq2 = |b: &[u8]| Some(Fq2::new(fq(&b[32..64])?, fq(&b[..32])?));
    let q = ark_bn254::G2Affine::new_unchecked(fq2(&bytes[..64])?, fq2(&bytes[64..128])?);
    (q.is_on_curve() && q.is_in_correct_subgroup_assuming_on_curve()).then_some(q)
}

/// EIP-197's pairing check on pairs of a G1 point (64 bytes) and a G2 point (128): whether
/// the product of their pairings is 1; `None` for an invalid point. As ZisK's routine (ziskos
/// zisklib `bn254/pairing.rs`), no pair at all gives `true`.
pub fn bn254_pairing(pairs: &[u8]) -> Option<bool> {
    use ark_ec::pairing::Pairing;
    let (mut g1, mut g2) = (vec![], vec![]);
    for pair in pairs.chunks(192) {
        g1.push(bn254_point(pair[..64].try_into().unwrap())?);
        g2.push(bn254_g2(&pair[64..])?);
    }
    Some(ark_bn254::Bn254::multi_pairing(g1, g2).0 == <ark_bn254::Fq12 as ark_ff::One>::one())
}

/// A BLS12-381 base field element from 48 big-endian bytes; `None` when not below p.
fn bls12_fq(b: &[u8]) -> Option<ark_bls12_381::Fq> {
    use ark_ff::PrimeField;
    let mut limbs = [0u64; 6];
    for (i, l) in limbs.iter_mut().enumerate() {
        *l = u64::from_be_bytes(b[40 - 8 * i..48 - 8 * i].try_into().unwrap());
    }
    ark_bls12_381::Fq::from_bigint(ark_ff::BigInt::new(limbs))
}

/// A BLS12-381 G1 point from x || y (48 bytes each, big-endian): all zeros is the identity;
/// `None` for a coordinate not below p or a point off the curve (no subgroup check).
fn bls12_g1(bytes: &[u8]) -> Option<ark_bls12_381::G1Affine> {
    if bytes.iter().all(|&b| b == 0) {
        return Some(ark_bls12_381::G1Affine::identity());
    }
    let p =
        ark_bls12_381::G1Affine::new_unchecked(bls12_fq(&bytes[..48])?, bls12_fq(&bytes[48..])?);
    p.is_on_curve().then_some(p)
}

/// x || y (big-endian, 48 bytes each) of a G1 point, all zeros for the identity.
fn bls12_g1_bytes(p: ark_bls12_381::G1Projective) -> [u8; 96] {
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::{BigInteger, PrimeField};
    let mut out = [0u8; 96];
    if let Some((x, y)) = p.into_affine().xy() {
        out[..48].copy_from_slice(&x.into_bigint().to_bytes_be());
        out[48..].copy_from_slice(&y.into_bigint().to_bytes_be());
    }
    out
}

/// EIP-2537's G1ADD.
pub fn bls12_g1_add(p1: &[u8], p2: &[u8]) -> Option<[u8; 96]> {
    use ark_ec::AffineRepr;
    let (p1, p2) = (bls12_g1(p1)?, bls12_g1(p2)?);
    Some(bls12_g1_bytes(p1.into_group() + p2))
}

/// EIP-2537's G1MSM on pairs of a point (96 bytes) and a 256-bit big-endian scalar: every
/// point valid and in the subgroup (the identity is), at least one pair.
pub fn bls12_g1_msm(pairs: &[u8]) -> Option<[u8; 96]> {
    msm(pairs, 96, bls12_g1).map(bls12_g1_bytes)
}

/// The sum of the products of the pairs of a point (`point` bytes, read by `parse`) and a
/// 256-bit big-endian scalar: `None` for no pair, an invalid point or one outside the
/// subgroup.
fn msm<C: ark_ec::short_weierstrass::SWCurveConfig>(
    pairs: &[u8],
    point: usize,
    parse: fn(&[u8]) -> Option<ark_ec::short_weierstrass::Affine<C>>,
) -> Option<ark_ec::short_weierstrass::Projective<C>> {
    use ark_ec::AffineRepr;
    if pairs.is_empty() {
        return None;
    }
    let mut sum = ark_ec::short_weierstrass::Projective::<C>::default();
    for pair in pairs.chunks(point + 32) {
        let p = parse(&pair[..point])?;
        if !p.is_in_correct_subgroup_assuming_on_curve() {
            return None;
        }
        sum += p.mul_bigint(limbs(&pair[point..]));
    }
    Some(sum)
}

/// EIP-2537's MAP_FP_TO_G1: the G1 point of the field element `fe` (48 bytes, big-endian;
/// `None` when not below p) by RFC 9380's simplified SWU map and 11-isogeny, the cofactor
/// cleared (`ark-ec`'s `WBMap`).
pub fn bls12_map_fp_to_g1(fe: &[u8]) -> Option<[u8; 96]> {
    use ark_ec::hashing::{curve_maps::wb::WBMap, map_to_curve_hasher::MapToCurve};
    use ark_ec::AffineRepr;
    let u = bls12_fq(fe)?;
    let p = WBMap::<ark_bls12_381::g1::Config>::map_to_curve(u).ok()?;
    Some(bls12_g1_bytes(p.clear_cofactor().into_group()))
}

/// EIP-2537's MAP_FP2_TO_G2: the G2 point of the element of Fp2 `fe` (its real part, then its
/// imaginary part, 48 bytes each, big-endian; `None` when a part is not below p) by RFC 9380's
/// simplified SWU map and 3-isogeny, the cofactor cleared (`ark-ec`'s `WBMap`).
pub fn bls12_map_fp2_to_g2(fe: &[u8]) -> Option<[u8; 192]> {
    use ark_ec::hashing::{curve_maps::wb::WBMap, map_to_curve_hasher::MapToCurve};
    use ark_ec::AffineRepr;
    let u = ark_bls12_381::Fq2::new(bls12_fq(&fe[..48])?, bls12_fq(&fe[48..96])?);
    let p = WBMap::<ark_bls12_381::g2::Config>::map_to_curve(u).ok()?;
    Some(bls12_g2_bytes(p.clear_cofactor().into_group()))
}

/// A BLS12-381 G2 point from x || y, each an element of Fp2 as its real part then its
/// imaginary part (48 bytes each, big-endian): all zeros is the identity; `None` for a
/// coordinate not below p or a point off the twist (no subgroup check).
fn bls12_g2(bytes: &[u8]) -> Option<ark_bls12_381::G2Affine> {
    use ark_bls12_381::Fq2;
    if bytes.iter().all(|&b| b == 0) {
        return Some(ark_bls12_381::G2Affine::identity());
    }
    let fq2 = |b: &[u8]| Some(Fq2::new(bls12_fq(&b[..48])?, bls12_fq(&b[48..])?));
    let p = ark_bls12_381::G2Affine::new_unchecked(fq2(&bytes[..96])?, fq2(&bytes[96..])?);
    p.is_on_curve().then_some(p)
}

/// EIP-2537's G2MSM on pairs of a G2 point (192 bytes) and a 256-bit big-endian scalar, as
/// [`bls12_g1_msm`] in G1.
pub fn bls12_g2_msm(pairs: &[u8]) -> Option<[u8; 192]> {
    msm(pairs, 192, bls12_g2).map(bls12_g2_bytes)
}

/// x || y of a G2 point (each real || imaginary, big-endian), all zeros for the identity.
fn bls12_g2_bytes(p: ark_bls12_381::G2Projective) -> [u8; 192] {
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::{BigInteger, PrimeField};
    let mut out = [0u8; 192];
    if let Some((x, y)) = p.into_affine().xy() {
        for (i, c) in [x.c0, x.c1, y.c0, y.c1].iter().enumerate() {
            out[48 * i..48 * i + 48].copy_from_slice(&c.into_bigint().to_bytes_be());
        }
    }
    out
}

/// EIP-2537's PAIRING_CHECK on pairs of a G1 point (96 bytes) and a G2 point (192): whether
/// the product of their pairings is 1; `None` for an invalid point or one outside its
/// subgroup. As ZisK's routine (ziskos zisklib `bls12_381/pairing.rs`), no pair at all gives
/// `true` (EIP-2537 refuses it).
pub fn bls12_pairing(pairs: &[u8]) -> Option<bool> {
    use ark_ec::pairing::Pairing;
    let (mut g1, mut g2) = (vec![], vec![]);
    for pair in pairs.chunks(288) {
        let p = bls12_g1(&pair[..96])?;
        let q = bls12_g2(&pair[96..])?;
        if !p.is_in_correct_subgroup_assuming_on_curve()
            || !q.is_in_correct_subgroup_assuming_on_curve()
        {
            return None;
        }
        g1.push(p);
        g2.push(q);
    }
    Some(
        ark_bls12_381::Bls12_381::multi_pairing(g1, g2).0
            == <ark_bls12_381::Fq12 as ark_ff::One>::one(),
    )
}

/// The Ethereum KZG ceremony's G2 point of degree 1, [tau] G2 (the trusted setup's
/// `g2_monomial[1]`, ZisK's `TRUSTED_SETUP_TAU_G2`): x's real and imaginary parts, then y's,
/// big-endian.
const KZG_TAU_G2: [&str; 4] = [
    "185cbfee53492714734429b7b38608e23926c911cceceac9a36851477ba4c60b087041de621000edc98edada20c1def2",
    "15bfd7dd8cdeb128843bc287230af38926187075cbfbefa81009a2ce615ac53d2914e5870cb452d2afaaab24f3499f72",
    "014353bdb96b626dd7d5ee8599d1fca2131569490e28de18e82451a496a9c9794ce26d105941f383ee689bfbbb832a99",
    "1666c54b0a32529503432fcae0181b4bef79de09fc63671fda5ed1ba9bfa07899495346f3d7ac9cd23048ef30d0a154f",
];

/// A G1 point of G1 from its 48 compressed bytes (ZCash's encoding, as ZisK's
/// `decompress_bls12_381` reads it: the top bit set; the identity's bit with nothing else; else
/// x below p with y the square root of x^3 + 4 whose sign, y > -y, is the third bit); `None`
/// for bytes that are no point of G1.
fn bls12_g1_compressed(b: &[u8]) -> Option<ark_bls12_381::G1Affine> {
    use ark_ff::{Field, PrimeField};
    let flags = b[0];
    if flags & 0x80 == 0 {
        return None;
    }
    if flags & 0x40 != 0 {
        let rest_zero = flags & 0x3f == 0 && b[1..48].iter().all(|&x| x == 0);
        return rest_zero.then(ark_bls12_381::G1Affine::identity);
    }
    let mut xb = b[..48].to_vec();
    xb[0] &= 0x1f;
    let x = bls12_fq(&xb)?;
    let y = (x.square() * x + ark_bls12_381::Fq::from(4u8)).sqrt()?;
    let larger = y.into_bigint() > (-y).into_bigint();
    let y = if larger == (flags & 0x20 != 0) { y } else { -y };
    let p = ark_bls12_381::G1Affine::new_unchecked(x, y);
    p.is_in_correct_subgroup_assuming_on_curve().then_some(p)
}

/// EIP-4844's point evaluation: whether the KZG proof `proof` shows that the polynomial of the
/// commitment `commitment` (both compressed G1 points) is `y` at `z` (elements of the scalar
/// field, big-endian): e(C - y G1, -G2) e(proof, [tau] G2 - z G2) = 1. An input that is no
/// point of G1, or a `z` or `y` not below r, does not verify (ZisK's `verify_kzg_proof`).
pub fn kzg_point_eval(commitment: &[u8], z: &[u8], y: &[u8], proof: &[u8]) -> bool {
    use ark_bls12_381::{Bls12_381, Fq2, Fr, G1Affine, G2Affine};
    use ark_ec::pairing::Pairing;
    use ark_ec::AffineRepr;
    use ark_ff::PrimeField;
    let scalar = |b: &[u8]| {
        let mut limbs = [0u64; 4];
        for (i, l) in limbs.iter_mut().enumerate() {
            *l = u64::from_be_bytes(b[24 - 8 * i..32 - 8 * i].try_into().unwrap());
        }
        Fr::from_bigint(ark_ff::BigInt::new(limbs))
    };
    let (Some(c), Some(pi), Some(z), Some(y)) = (
        bls12_g1_compressed(commitment),
        bls12_g1_compressed(proof),
        scalar(z),
        scalar(y),
    ) else {
        return false;
    };
    let part = |i: usize| {
        let bytes: Vec<u8> = (0..48)
            .map(|k| u8::from_str_radix(&KZG_TAU_G2[i][2 * k..2 * k + 2], 16).unwrap())
            .collect();
        bls12_fq(&bytes).unwrap()
    };
    let tau = G2Affine::new_unchecked(Fq2::new(part(0), part(1)), Fq2::new(part(2), part(3)));
    let g2 = G2Affine::generator();
    let lhs = c.into_group() - G1Affine::generator() * y;
    let rhs = tau.into_group() - g2 * z;
    Bls12_381::multi_pairing([lhs, pi.into_group()], [-g2.into_group(), rhs]).0
        == <ark_bls12_381::Fq12 as ark_ff::One>::one()
}

/// EIP-2537's G2ADD: x || y (each real || imaginary, big-endian), all zeros for the identity.
pub fn bls12_g2_add(p1: &[u8], p2: &[u8]) -> Option<[u8; 192]> {
    use ark_ec::AffineRepr;
    let (p1, p2) = (bls12_g2(p1)?, bls12_g2(p2)?);
    Some(bls12_g2_bytes(p1.into_group() + p2))
}

/// BLAKE2b's initialization vector (RFC 7693, 2.6).
const BLAKE2B_IV: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

/// BLAKE2b's message schedule (RFC 7693, 2.7).
const BLAKE2B_SIGMA: [[usize; 16]; 10] = [
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

/// The compression function F (RFC 7693, 3.2) with `rounds` rounds.
pub fn blake2f(rounds: u32, h: &mut [u64; 8], m: &[u64; 16], t: &[u64; 2], last: bool) {
    let mut v = [0u64; 16];
    v[..8].copy_from_slice(h);
    v[8..].copy_from_slice(&BLAKE2B_IV);
    v[12] ^= t[0];
    v[13] ^= t[1];
    if last {
        v[14] = !v[14];
    }
    for r in 0..rounds as usize {
        let s = &BLAKE2B_SIGMA[r % 10];
        for (i, [a, b, c, d]) in [
            [0, 4, 8, 12],
            [1, 5, 9, 13],
            [2, 6, 10, 14],
            [3, 7, 11, 15],
            [0, 5, 10, 15],
            [1, 6, 11, 12],
            [2, 7, 8, 13],
            [3, 4, 9, 14],
        ]
        .into_iter()
        .enumerate()
        {
            let (x, y) = (m[s[2 * i]], m[s[2 * i + 1]]);
            v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
            v[d] = (v[d] ^ v[a]).rotate_right(32);
            v[c] = v[c].wrapping_add(v[d]);
            v[b] = (v[b] ^ v[c]).rotate_right(24);
            v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
            v[d] = (v[d] ^ v[a]).rotate_right(16);
            v[c] = v[c].wrapping_add(v[d]);
            v[b] = (v[b] ^ v[c]).rotate_right(63);
        }
    }
    for i in 0..8 {
        h[i] ^= v[i] ^ v[i + 8];
    }
}

/// 32 big-endian bytes as the 4 little-endian limbs of an arkworks big integer.
fn limbs(b: &[u8]) -> ark_ff::BigInt<4> {
    let mut l = [0u64; 4];
    for (i, w) in l.iter_mut().enumerate() {
        *w = u64::from_be_bytes(b[24 - 8 * i..32 - 8 * i].try_into().unwrap());
    }
    ark_ff::BigInt::new(l)
}

/// ECDSA verification on P-256, as [`secp256k1_verify`] on secp256k1.
pub fn secp256r1_verify(msg: &[u8; 32], sig: &[u8; 64], key: &[u8; 64]) -> bool {
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::{BigInteger, Field, PrimeField, Zero};
    use ark_secp256r1::{Affine, Fq, Fr};
    let scalar = |b: &[u8]| Fr::from_bigint(limbs(b)).filter(|s| !s.is_zero());
    let (Some(r), Some(s)) = (scalar(&sig[..32]), scalar(&sig[32..])) else {
        return false;
    };
    let (Some(x), Some(y)) = (
        Fq::from_bigint(limbs(&key[..32])),
        Fq::from_bigint(limbs(&key[32..])),
    ) else {
        return false;
    };
    let q = Affine::new_unchecked(x, y);
    if !q.is_on_curve() {
        return false;
    }
    let s_inv = s.inverse().unwrap();
    let z = Fr::from_be_bytes_mod_order(msg);
    let point = (Affine::generator() * (z * s_inv) + q * (r * s_inv)).into_affine();
    match point.xy() {
        Some((x, _)) => Fr::from_be_bytes_mod_order(&x.into_bigint().to_bytes_be()) == r,
        None => false,
    }
}

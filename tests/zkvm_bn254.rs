//! The BN254 accelerators (`zkvm_bn254_g1_add`, `zkvm_bn254_g1_mul`, `zkvm_bn254_pairing`) end
//! to end: a wasm program (`backend-zisk/tests/zkvm/bn254.wat`) calls one on its stdin and
//! prints the status and the output. go-ethereum's EIP-196 and EIP-197 precompile vectors,
//! pairing checks that are 1 by bilinearity or are not, with the identity on either side, and
//! with points invalid or outside G2 (of the cofactor's order too), sums and products of random
//! multiples of the generator computed with `ark-bn254`, the identity (0, 0) on either side,
//! opposite points, scalars 0, 1, the group order and 2^256 - 1, points off the curve or with
//! a coordinate not below p (ZKVM_EFAIL, nothing written) give the same results in the
//! reference interpreter and on zkc's emulator at -O0 and -O2; on the real `ziskemu`, the
//! assembly (`--emit zisk`) and the ELF (`--emit elf`) print the same console, cost report and
//! public output as zkc's emulator (skipped without ziskemu, unless `ZKC_REQUIRE_ZISKEMU` is
//! set). Bad pointers trap like out-of-bounds accesses.

mod zkvm_common;

use std::path::PathBuf;

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField};
use zkc_testkit::{workspace, Rng};
use zkvm_common::{
    calls_end_alike, hex, match_everywhere, refuses_wrong_signature, runs, soft_agrees, unhex,
    ziskemu_agrees, AsRun,
};

fn bn254_wat() -> PathBuf {
    workspace().join("backend-zisk/tests/zkvm/bn254.wat")
}

/// go-ethereum core/vm/testdata/precompiles/bn256Add.json and bn256ScalarMul.json (inputs
/// padded with zeros to their full length, as the precompile reads them): the input (the
/// points, or the point and the scalar) and the expected point.
const ADD_VECTORS: &[(&str, &str, &str)] = &[
    ("chfast1", "18b18acfb4c2c30276db5411368e7185b311dd124691610c5d3b74034e093dc9063c909c4720840cb5134cb9f59fa749755796819658d32efc0d288198f3726607c2b7f58a84bd6145f00c9c2bc0bb1a187f20ff2c92963a88019e7c6a014eed06614e20c147e940f2d70da3f74c9a17df361706a4485c742bd6788478fa17d7", "2243525c5efd4b9c3d3c45ac0ca3fe4dd85e830a4ce6b65fa1eeaee202839703301d1d33be6da8e509df21cc35964723180eed7532537db9ae5e7d48f195c915"),
    ("chfast2", "2243525c5efd4b9c3d3c45ac0ca3fe4dd85e830a4ce6b65fa1eeaee202839703301d1d33be6da8e509df21cc35964723180eed7532537db9ae5e7d48f195c91518b18acfb4c2c30276db5411368e7185b311dd124691610c5d3b74034e093dc9063c909c4720840cb5134cb9f59fa749755796819658d32efc0d288198f37266", "2bd3e6d0f3b142924f5ca7b49ce5b9d54c4703d7ae5648e61d02268b1a0a9fb721611ce0a6af85915e2f1d70300909ce2e49dfad4a4619c8390cae66cefdb204"),
    ("cdetrio13", "17c139df0efee0f766bc0204762b774362e4ded88953a39ce849a8a7fa163fa901e0559bacb160664764a357af8a9fe70baa9258e0b959273ffc5718c6d4cc7c039730ea8dff1254c0fee9c0ea777d29a9c710b7e616683f194f18c43b43b869073a5ffcc6fc7a28c30723d6e58ce577356982d65b833a5a5c15bf9024b43d98", "15bf2bb17880144b5d1cd2b1f46eff9d617bffd1ca57c37fb5a49bd84e53cf66049c797f9ce0d17083deb32b5e36f2ea2a212ee036598dd7624c168993d1355f"),
    ("cdetrio14", "17c139df0efee0f766bc0204762b774362e4ded88953a39ce849a8a7fa163fa901e0559bacb160664764a357af8a9fe70baa9258e0b959273ffc5718c6d4cc7c17c139df0efee0f766bc0204762b774362e4ded88953a39ce849a8a7fa163fa92e83f8d734803fc370eba25ed1f6b8768bd6d83887b87165fc2434fe11a830cb", "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"),
];

const MUL_VECTORS: &[(&str, &str, &str)] = &[
    ("chfast1", "2bd3e6d0f3b142924f5ca7b49ce5b9d54c4703d7ae5648e61d02268b1a0a9fb721611ce0a6af85915e2f1d70300909ce2e49dfad4a4619c8390cae66cefdb20400000000000000000000000000000000000000000000000011138ce750fa15c2", "070a8d6a982153cae4be29d434e8faef8a47b274a053f5a4ee2a6c9c13c31e5c031b8ce914eba3a9ffb989f9cdd5b0f01943074bf4f0f315690ec3cec6981afc"),
    ("chfast2", "070a8d6a982153cae4be29d434e8faef8a47b274a053f5a4ee2a6c9c13c31e5c031b8ce914eba3a9ffb989f9cdd5b0f01943074bf4f0f315690ec3cec6981afc30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd46", "025a6f4181d2b4ea8b724290ffb40156eb0adb514c688556eb79cdea0752c2bb2eff3f31dea215f1eb86023a133a996eb6300b44da664d64251d05381bb8a02e"),
    ("chfast3", "025a6f4181d2b4ea8b724290ffb40156eb0adb514c688556eb79cdea0752c2bb2eff3f31dea215f1eb86023a133a996eb6300b44da664d64251d05381bb8a02e183227397098d014dc2822db40c0ac2ecbc0b548b438e5469e10460b6c3e7ea3", "14789d0d4a730b354403b5fac948113739e276c23e0258d8596ee72f9cd9d3230af18a63153e0ec25ff9f2951dd3fa90ed0197bfef6e2a1a62b5095b9d2b4a27"),
    ("cdetrio1", "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe31a2f3c951f6dadcc7ee9007dff81504b0fcd6d7cf59996efdc33d92bf7f9f8f6ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "2cde5879ba6f13c0b5aa4ef627f159a3347df9722efce88a9afbb20b763b4c411aa7e43076f6aee272755a7f9b84832e71559ba0d2e0b17d5f9f01755e5b0d11"),
    ("cdetrio2", "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe31a2f3c951f6dadcc7ee9007dff81504b0fcd6d7cf59996efdc33d92bf7f9f8f630644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000000", "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe3163511ddc1c3f25d396745388200081287b3fd1472d8339d5fecb2eae0830451"),
    ("cdetrio3", "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe31a2f3c951f6dadcc7ee9007dff81504b0fcd6d7cf59996efdc33d92bf7f9f8f60000000000000000000000000000000100000000000000000000000000000000", "1051acb0700ec6d42a88215852d582efbaef31529b6fcbc3277b5c1b300f5cf0135b2394bb45ab04b8bd7611bd2dfe1de6a4e6e2ccea1ea1955f577cd66af85b"),
    ("cdetrio4", "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe31a2f3c951f6dadcc7ee9007dff81504b0fcd6d7cf59996efdc33d92bf7f9f8f60000000000000000000000000000000000000000000000000000000000000009", "1dbad7d39dbc56379f78fac1bca147dc8e66de1b9d183c7b167351bfe0aeab742cd757d51289cd8dbd0acf9e673ad67d0f0a89f912af47ed1be53664f5692575"),
    ("cdetrio5", "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe31a2f3c951f6dadcc7ee9007dff81504b0fcd6d7cf59996efdc33d92bf7f9f8f60000000000000000000000000000000000000000000000000000000000000001", "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe31a2f3c951f6dadcc7ee9007dff81504b0fcd6d7cf59996efdc33d92bf7f9f8f6"),
    ("cdetrio11", "039730ea8dff1254c0fee9c0ea777d29a9c710b7e616683f194f18c43b43b869073a5ffcc6fc7a28c30723d6e58ce577356982d65b833a5a5c15bf9024b43d98ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "00a1a234d08efaa2616607e31eca1980128b00b415c845ff25bba3afcb81dc00242077290ed33906aeb8e42fd98c41bcb9057ba03421af3f2d08cfc441186024"),
];

/// BN254's field prime p, big-endian.
const P: &str = "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47";

/// One call: add (`b` a point), mul (`b` a scalar) or, with `pairs`, a pairing check of the
/// pairs in `a`; and the point (or the verdict byte) it gives (`None`: EFAIL).
struct Case {
    name: String,
    mul: bool,
    pairs: Option<u8>,
    a: Vec<u8>,
    b: Vec<u8>,
    want: Option<Vec<u8>>,
    skew: u8,
}

impl AsRun for Case {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn stdin(&self) -> Vec<u8> {
        let which = if self.pairs.is_some() {
            2
        } else {
            self.mul as u8
        };
        let mut s = vec![which, self.skew, self.pairs.unwrap_or(0), 0, 0, 0, 0, 0];
        s.extend(std::iter::repeat_n(0xcc, self.skew as usize));
        s.extend_from_slice(&self.a);
        s.extend_from_slice(&self.b);
        s
    }

    /// The status (little-endian) and the 64 output bytes, 0xee where nothing is written.
    fn expected(&self) -> String {
        match &self.want {
            Some(p) => format!("00000000{}{}\n", hex(p), "ee".repeat(64 - p.len())),
            None => format!("ffffffff{}\n", "ee".repeat(64)),
        }
    }
}

/// x || y of a point, (0, 0) for the identity.
fn point_bytes(p: ark_bn254::G1Projective) -> Vec<u8> {
    let p = p.into_affine();
    match p.xy() {
        Some((x, y)) => [x.into_bigint().to_bytes_be(), y.into_bigint().to_bytes_be()].concat(),
        None => vec![0; 64],
    }
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut push = |name: String, mul: bool, a: Vec<u8>, b: Vec<u8>, want: Option<Vec<u8>>| {
        let skew = (cases.len() % 8) as u8;
        cases.push(Case {
            name,
            mul,
            pairs: None,
            a,
            b,
            want,
            skew,
        });
    };
    for &(name, input, want) in ADD_VECTORS {
        let input = unhex(input);
        let (a, b) = (input[..64].to_vec(), input[64..].to_vec());
        push(format!("add {name}"), false, a, b, Some(unhex(want)));
    }
    for &(name, input, want) in MUL_VECTORS {
        let input = unhex(input);
        let (a, b) = (input[..64].to_vec(), input[64..].to_vec());
        push(format!("mul {name}"), true, a, b, Some(unhex(want)));
    }
    let g = ark_bn254::G1Affine::generator();
    let mut rng = Rng(0xb254_0016_0add_0001);
    let scalar = |rng: &mut Rng| -> ([u8; 32], ark_bn254::G1Projective) {
        let mut k = [0u8; 32];
        for c in k.chunks_mut(8) {
            c.copy_from_slice(&rng.next_u64().to_be_bytes());
        }
        (k, g * ark_bn254::Fr::from_be_bytes_mod_order(&k))
    };
    let zero = vec![0u8; 64];
    for i in 0..4 {
        let (k1, p1) = scalar(&mut rng);
        let (_, p2) = scalar(&mut rng);
        let (a, b) = (point_bytes(p1), point_bytes(p2));
        push(
            format!("add random {i}"),
            false,
            a.clone(),
            b.clone(),
            Some(point_bytes(p1 + p2)),
        );
        push(
            format!("double random {i}"),
            false,
            a.clone(),
            a.clone(),
            Some(point_bytes(p1 + p1)),
        );
        push(
            format!("add identity {i}"),
            false,
            zero.clone(),
            b.clone(),
            Some(b.clone()),
        );
        push(
            format!("identity added {i}"),
            false,
            a.clone(),
            zero.clone(),
            Some(a.clone()),
        );
        push(
            format!("add opposite {i}"),
            false,
            a.clone(),
            point_bytes(-p1),
            Some(zero.clone()),
        );
        push(
            format!("mul random {i}"),
            true,
            b.clone(),
            k1.to_vec(),
            Some(point_bytes(
                p2 * ark_bn254::Fr::from_be_bytes_mod_order(&k1),
            )),
        );
    }
    let gb = point_bytes(g.into_group());
    let order = ark_bn254::Fr::MODULUS.to_bytes_be();
    push(
        "identity + identity".into(),
        false,
        zero.clone(),
        zero.clone(),
        Some(zero.clone()),
    );
    push(
        "mul by 0".into(),
        true,
        gb.clone(),
        vec![0; 32],
        Some(zero.clone()),
    );
    push(
        "mul by the order".into(),
        true,
        gb.clone(),
        order.clone(),
        Some(zero.clone()),
    );
    push(
        "identity times 5".into(),
        true,
        zero.clone(),
        [vec![0; 31], vec![5]].concat(),
        Some(zero.clone()),
    );
    // invalid points: off the curve, a coordinate equal to p or p + 1 (the same point mod p)
    let off = [vec![0; 31], vec![1], vec![0; 31], vec![3]].concat();
    let mut x_p1 = unhex(P);
    x_p1[31] += 1;
    let not_canonical = [x_p1, gb[32..].to_vec()].concat();
    let y_is_p = [gb[..32].to_vec(), unhex(P)].concat();
    for (what, bad) in [
        ("(1, 3)", off),
        ("x = p + 1", not_canonical),
        ("y = p", y_is_p),
    ] {
        push(format!("add {what}"), false, bad.clone(), gb.clone(), None);
        push(
            format!("add to {what}"),
            false,
            gb.clone(),
            bad.clone(),
            None,
        );
        push(
            format!("add {what} to the identity"),
            false,
            zero.clone(),
            bad.clone(),
            None,
        );
        push(
            format!("mul {what}"),
            true,
            bad.clone(),
            [vec![0; 31], vec![2]].concat(),
            None,
        );
        push(format!("mul {what} by 0"), true, bad, vec![0; 32], None);
    }
    for case in pairing_cases() {
        let skew = (cases.len() % 8) as u8;
        cases.push(Case { skew, ..case });
    }
    cases
}

/// go-ethereum's EIP-197 vectors (core/vm/testdata/precompiles/bn256Pairing.json): the name,
/// the pairs and whether the product of their pairings is 1.
const PAIRING_VECTORS: &[(&str, &str, bool)] = &[
    ("jeff1", "1c76476f4def4bb94541d57ebba1193381ffa7aa76ada664dd31c16024c43f593034dd2920f673e204fee2811c678745fc819b55d3e9d294e45c9b03a76aef41209dd15ebff5d46c4bd888e51a93cf99a7329636c63514396b4a452003a35bf704bf11ca01483bfa8b34b43561848d28905960114c8ac04049af4b6315a416782bb8324af6cfc93537a2ad1a445cfd0ca2a71acd7ac41fadbf933c2a51be344d120a2a4cf30c1bf9845f20c6fe39e07ea2cce61f0c9bb048165fe5e4de877550111e129f1cf1097710d41c4ac70fcdfa5ba2023c6ff1cbeac322de49d1b6df7c2032c61a830e3c17286de9462bf242fca2883585b93870a73853face6a6bf411198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa", true),
    ("jeff6", "1c76476f4def4bb94541d57ebba1193381ffa7aa76ada664dd31c16024c43f593034dd2920f673e204fee2811c678745fc819b55d3e9d294e45c9b03a76aef41209dd15ebff5d46c4bd888e51a93cf99a7329636c63514396b4a452003a35bf704bf11ca01483bfa8b34b43561848d28905960114c8ac04049af4b6315a416782bb8324af6cfc93537a2ad1a445cfd0ca2a71acd7ac41fadbf933c2a51be344d120a2a4cf30c1bf9845f20c6fe39e07ea2cce61f0c9bb048165fe5e4de877550111e129f1cf1097710d41c4ac70fcdfa5ba2023c6ff1cbeac322de49d1b6df7c103188585e2364128fe25c70558f1560f4f9350baf3959e603cc91486e110936198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa", false),
    ("empty_data", "", true),
    ("one_point", "00000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000002198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa", false),
    ("two_point_match_2", "00000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000002198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa00000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000002198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed275dc4a288d1afb3cbb1ac09187524c7db36395df7be3b99e673b13a075a65ec1d9befcd05a5323e6da4d435f3b617cdb3af83285c2df711ef39c01571827f9d", true),
];

/// x || y of a G2 point, each element of Fp2 its imaginary part then its real part (EIP-197),
/// all zeros for the identity.
fn g2_bytes(q: ark_bn254::G2Projective) -> Vec<u8> {
    match q.into_affine().xy() {
        Some((x, y)) => [x.c1, x.c0, y.c1, y.c0]
            .iter()
            .flat_map(|c| c.into_bigint().to_bytes_be())
            .collect(),
        None => vec![0; 128],
    }
}

/// A point on the twist y^2 = x^3 + 3 / (9 + i) outside G2.
fn g2_outside_subgroup(rng: &mut Rng) -> ark_bn254::G2Affine {
    use ark_bn254::{Fq, Fq2};
    use ark_ec::short_weierstrass::SWCurveConfig;
    use ark_ff::Field;
    let b = ark_bn254::g2::Config::COEFF_B;
    loop {
        let x = Fq2::new(Fq::from(rng.next_u64()), Fq::from(rng.next_u64()));
        if let Some(y) = (x.square() * x + b).sqrt() {
            let q = ark_bn254::G2Affine::new_unchecked(x, y);
            if !q.is_in_correct_subgroup_assuming_on_curve() {
                return q;
            }
        }
    }
}

/// Pairing checks: go-ethereum's vectors, products that are 1 by bilinearity and ones that
/// are not, the identity on either side, and invalid points (ZKVM_EFAIL, even beside the
/// identity).
fn pairing_cases() -> Vec<Case> {
    use ark_bn254::{Fr, G1Projective, G2Projective};
    let mut cases = Vec::new();
    let mut push = |name: String, pairs: Vec<u8>, want: Option<bool>| {
        let n = (pairs.len() / 192) as u8;
        cases.push(Case {
            name,
            mul: false,
            pairs: Some(n),
            a: pairs,
            b: vec![],
            want: want.map(|v| vec![u8::from(v)]),
            skew: 0,
        });
    };
    for &(name, pairs, want) in PAIRING_VECTORS {
        push(format!("pairing {name}"), unhex(pairs), Some(want));
    }
    let mut rng = Rng(0xb254_0016_0a1e_0001);
    let mut random = || {
        let mut k = [0u8; 32];
        for c in k.chunks_mut(8) {
            c.copy_from_slice(&rng.next_u64().to_be_bytes());
        }
        Fr::from_be_bytes_mod_order(&k)
    };
    let (a, b) = (random(), random());
    let g = ark_bn254::G1Affine::generator().into_group();
    let h = ark_bn254::G2Affine::generator().into_group();
    let pair = |p: G1Projective, q: G2Projective| [point_bytes(p), g2_bytes(q)].concat();
    push(
        "pairing e(aG, bH) e(-ab G, H)".into(),
        [pair(g * a, h * b), pair(-(g * (a * b)), h)].concat(),
        Some(true),
    );
    push(
        "pairing e(aG, bH) e(ab G, H)".into(),
        [pair(g * a, h * b), pair(g * (a * b), h)].concat(),
        Some(false),
    );
    push(
        "pairing e(aG, H) e(bG, H) e(-(a + b) G, H)".into(),
        [pair(g * a, h), pair(g * b, h), pair(-(g * (a + b)), h)].concat(),
        Some(true),
    );
    let (zero1, zero2) = (G1Projective::default(), G2Projective::default());
    push(
        "pairing of identities".into(),
        [pair(zero1, h), pair(g, zero2), pair(zero1, zero2)].concat(),
        Some(true),
    );
    push(
        "pairing e(0, H) e(G, H)".into(),
        [pair(zero1, h), pair(g, h)].concat(),
        Some(false),
    );
    let gb = point_bytes(g);
    let hb = g2_bytes(h);
    let off1 = [vec![0; 31], vec![1], vec![0; 31], vec![3]].concat();
    let mut off2 = hb.clone();
    off2[127] ^= 1;
    let mut part_p = hb.clone();
    part_p[32..64].copy_from_slice(&unhex(P));
    let q = g2_outside_subgroup(&mut rng);
    let outside = g2_bytes(q.into_group());
    // r Q: a point whose order divides the twist's cofactor, the other edge of the test
    let small = q.mul_bigint(Fr::MODULUS);
    assert!(small != G2Projective::default());
    let small = g2_bytes(small);
    for (what, p1, p2) in [
        ("G1 off the curve", off1.clone(), hb.clone()),
        ("G1 off the curve, the G2 identity", off1, vec![0; 128]),
        ("G2 off the twist", gb.clone(), off2.clone()),
        ("G2 off the twist, the G1 identity", vec![0; 64], off2),
        ("G2 with x's real part p", gb.clone(), part_p),
        ("G2 outside the subgroup", gb.clone(), outside.clone()),
        (
            "G2 outside the subgroup, the G1 identity",
            vec![0; 64],
            outside,
        ),
        ("G2 of the cofactor's order", gb.clone(), small),
    ] {
        push(
            format!("pairing {what}"),
            [pair(g, h), p1, p2].concat(),
            None,
        );
    }
    cases
}

#[test]
fn results_match_eip196_in_the_interpreter_and_on_zisk() {
    match_everywhere(&bn254_wat(), &runs(cases().iter()));
}

/// The benchmark's software build computes what the accelerators compute (the MSMs and
/// products, which take seconds in software, left out).
#[test]
fn software_build_agrees() {
    soft_agrees(
        1,
        &runs(cases().iter().filter(|c| !c.mul && c.pairs.is_none())),
    );
}

#[test]
fn real_ziskemu_agrees() {
    ziskemu_agrees(&bn254_wat(), "bn254", &runs(cases().iter().step_by(3)));
}

#[test]
fn bad_pointers_trap_and_wrong_signatures_are_errors() {
    const PAGE: u32 = 65536;
    // (function, arguments, traps)
    let calls: &[(&str, &[u32], bool)] = &[
        ("bn254_g1_add", &[PAGE - 64, PAGE - 64, 0], false),
        ("bn254_g1_add", &[PAGE - 63, 0, 128], true),
        ("bn254_g1_add", &[0, PAGE - 63, 128], true),
        ("bn254_g1_add", &[0, 64, PAGE - 63], true),
        ("bn254_g1_mul", &[0, PAGE - 32, PAGE - 64], false),
        ("bn254_g1_mul", &[PAGE - 63, 64, 128], true),
        ("bn254_g1_mul", &[0, PAGE - 31, 128], true),
        ("bn254_g1_mul", &[0, 64, u32::MAX], true),
        ("bn254_pairing", &[PAGE - 384, 2, PAGE - 1], false),
        ("bn254_pairing", &[PAGE - 384, 3, 0], true),
        ("bn254_pairing", &[0, 1, PAGE], true),
        ("bn254_pairing", &[0, 0x0155_5556, 0], true),
        ("bn254_pairing", &[PAGE, 0, 0], false),
    ];
    calls_end_alike("bn254", calls);
    let text = r#"(module (import "zkvm" "zkvm_bn254_g1_mul" (func $f (param i32 i64 i32) (result i32)))
  (memory 1) (func (export "_start")))"#;
    refuses_wrong_signature(
        text,
        "bn254_g1_mul",
        "(i32, i64, i32) -> i32",
        "(i32, i32, i32) -> i32",
    );
}

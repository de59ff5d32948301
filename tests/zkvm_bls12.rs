//! The BLS12-381 accelerators (`zkvm_bls12_g1_add`, `zkvm_bls12_g1_msm`, `zkvm_bls12_g2_add`,
//! `zkvm_bls12_g2_msm`, `zkvm_bls12_map_fp_to_g1`, `zkvm_bls12_map_fp2_to_g2`,
//! `zkvm_bls12_pairing`, `zkvm_kzg_point_eval`) end to end: a wasm
//! program (`backend-zisk/tests/zkvm/bls12.wat`) calls one on its stdin and prints the status
//! and the output. EIP-2537's vectors, sums and multi-scalar products of random multiples of the generator
//! computed with `ark-bls12-381`, the identity (all zeros) on either side and among the pairs,
//! opposite points, scalars 0, 1, the group order r and 2^256 - 1, points off the curve (or
//! the twist), with a coordinate (or a part of one) not below p, or on the curve outside the
//! subgroup (refused by the MSM only),
//! and an MSM of no pair (ZKVM_EFAIL, nothing written), pairing checks whose product is 1 by
//! bilinearity (e(aG, bH) e(-ab G, H), three pairs, the identity on either side, no pair) or
//! is not, and ones with an invalid point (ZKVM_EFAIL, even beside the identity), KZG point
//! evaluations (`zkvm_kzg_point_eval`: go-ethereum's EIP-4844 vector, variants of it that do
//! not verify, the identity's encodings, a point outside G1, scalars not below r) give the same results in the reference
//! interpreter and on zkc's emulator at -O0 and -O2; on the real `ziskemu`, the assembly
//! (`--emit zisk`) and the ELF (`--emit elf`) print the same console, cost report and public
//! output as zkc's emulator (skipped without ziskemu, unless `ZKC_REQUIRE_ZISKEMU` is set).
//! Bad pointers trap like out-of-bounds accesses.

mod zkvm_common;

use std::path::PathBuf;

use ark_bls12_381::{Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::hashing::{curve_maps::wb::WBMap, map_to_curve_hasher::MapToCurve};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, Field, PrimeField};
use zkc_testkit::{workspace, Rng};
use zkvm_common::{
    calls_end_alike, hex, match_everywhere, refuses_wrong_signature, runs, soft_agrees, unhex,
    ziskemu_agrees, AsRun,
};

fn bls12_wat() -> PathBuf {
    workspace().join("backend-zisk/tests/zkvm/bls12.wat")
}

/// EIP-2537's vectors (add_G1_bls.json "bls_g1add_g1+p1", add_G2_bls.json
/// "bls_g2add_g2+p2", msm_G1_bls.json "bls_g1msm_(g1+g1=2*g1)", map_fp_to_G1_bls.json
/// "bls_g1map_", map_fp2_to_G2_bls.json "bls_g2map_", go-ethereum's blsMapG1.json
/// "matter_fp_to_g1_0", fail-add_G1_bls.json
/// "bls_g1add_point_not_on_curve"): the function, the input and the expected output (empty:
/// the call fails), each field element padded to 64 bytes as the precompiles take them.
const EIP2537_VECTORS: &[(&str, Func, u8, &str, &str)] = &[
    ("bls_g1add_g1+p1", Func::G1Add, 0, "0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb0000000000000000000000000000000008b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e100000000000000000000000000000000112b98340eee2777cc3c14163dea3ec97977ac3dc5c70da32e6e87578f44912e902ccef9efe28d4a78b8999dfbca942600000000000000000000000000000000186b28d92356c4dfec4b5201ad099dbdede3781f8998ddf929b4cd7756192185ca7b8f4ef7088f813270ac3d48868a21", "000000000000000000000000000000000a40300ce2dec9888b60690e9a41d3004fda4886854573974fab73b046d3147ba5b7a5bde85279ffede1b45b3918d82d0000000000000000000000000000000006d3d887e9f53b9ec4eb6cedf5607226754b07c01ace7834f57f3e7315faefb739e59018e22c492006190fba4a870025"),
    ("bls_g2add_g2+p2", Func::G2Add, 0, "00000000000000000000000000000000024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb80000000000000000000000000000000013e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e000000000000000000000000000000000ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801000000000000000000000000000000000606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be00000000000000000000000000000000103121a2ceaae586d240843a398967325f8eb5a93e8fea99b62b9f88d8556c80dd726a4b30e84a36eeabaf3592937f2700000000000000000000000000000000086b990f3da2aeac0a36143b7d7c824428215140db1bb859338764cb58458f081d92664f9053b50b3fbd2e4723121b68000000000000000000000000000000000f9e7ba9a86a8f7624aa2b42dcc8772e1af4ae115685e60abc2c9b90242167acef3d0be4050bf935eed7c3b6fc7ba77e000000000000000000000000000000000d22c3652d0dc6f0fc9316e14268477c2049ef772e852108d269d9c38dba1d4802e8dae479818184c08f9a569d878451", "000000000000000000000000000000000b54a8a7b08bd6827ed9a797de216b8c9057b3a9ca93e2f88e7f04f19accc42da90d883632b9ca4dc38d013f71ede4db00000000000000000000000000000000077eba4eecf0bd764dce8ed5f45040dd8f3b3427cb35230509482c14651713282946306247866dfe39a8e33016fcbe520000000000000000000000000000000014e60a76a29ef85cbd69f251b9f29147b67cfe3ed2823d3f9776b3a0efd2731941d47436dc6d2b58d9e65f8438bad073000000000000000000000000000000001586c3c910d95754fef7a732df78e279c3d37431c6a2b77e67a00c7c130a8fcd4d19f159cbeb997a178108fffffcbd20"),
    ("bls_g1msm_(g1+g1=2*g1)", Func::G1Msm, 1, "0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb0000000000000000000000000000000008b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e10000000000000000000000000000000000000000000000000000000000000002", "000000000000000000000000000000000572cbea904d67468808c8eb50a9450c9721db309128012543902d0ac358a62ae28f75bb8f1c7c42c39a8c5529bf0f4e00000000000000000000000000000000166a9d8cabc673a322fda673779d8e3822ba3ecb8670e461f73bb9021d5fd76a4c56d9d4cd16bd1bba86881979749d28"),
    ("bls_g1map_ (map_fp_to_G1_bls.json)", Func::G1Map, 0, "00000000000000000000000000000000156c8a6a2c184569d69a76be144b5cdc5141d2d2ca4fe341f011e25e3969c55ad9e9b9ce2eb833c81a908e5fa4ac5f03", "00000000000000000000000000000000184bb665c37ff561a89ec2122dd343f20e0f4cbcaec84e3c3052ea81d1834e192c426074b02ed3dca4e7676ce4ce48ba0000000000000000000000000000000004407b8d35af4dacc809927071fc0405218f1401a6d15af775810e4e460064bcc9468beeba82fdc751be70476c888bf3"),
    ("matter_fp_to_g1_0 (go-ethereum's blsMapG1.json)", Func::G1Map, 0, "0000000000000000000000000000000014406e5bfb9209256a3820879a29ac2f62d6aca82324bf3ae2aa7d3c54792043bd8c791fccdb080c1a52dc68b8b69350", "000000000000000000000000000000000d7721bcdb7ce1047557776eb2659a444166dc6dd55c7ca6e240e21ae9aa18f529f04ac31d861b54faf3307692545db700000000000000000000000000000000108286acbdf4384f67659a8abe89e712a504cb3ce1cba07a716869025d60d499a00d1da8cdc92958918c222ea93d87f0"),
    ("bls_g2map_ (map_fp2_to_G2_bls.json)", Func::G2Map, 0, "0000000000000000000000000000000007355d25caf6e7f2f0cb2812ca0e513bd026ed09dda65b177500fa31714e09ea0ded3a078b526bed3307f804d4b93b040000000000000000000000000000000002829ce3c021339ccb5caf3e187f6370e1e2a311dec9b75363117063ab2015603ff52c3d3b98f19c2f65575e99e8b78c", "0000000000000000000000000000000000e7f4568a82b4b7dc1f14c6aaa055edf51502319c723c4dc2688c7fe5944c213f510328082396515734b6612c4e7bb700000000000000000000000000000000126b855e9e69b1f691f816e48ac6977664d24d99f8724868a184186469ddfd4617367e94527d4b74fc86413483afb35b000000000000000000000000000000000caead0fd7b6176c01436833c79d305c78be307da5f6af6c133c47311def6ff1e0babf57a0fb5539fce7ee12407b0a42000000000000000000000000000000001498aadcf7ae2b345243e281ae076df6de84455d766ab6fcdaad71fab60abb2e8b980a440043cd305db09d283c895e3d"),
    ("bls_g1add_point_not_on_curve", Func::G1Add, 0, "0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb00000000000000000000000000000000186b28d92356c4dfec4b5201ad099dbdede3781f8998ddf929b4cd7756192185ca7b8f4ef7088f813270ac3d48868a2100000000000000000000000000000000112b98340eee2777cc3c14163dea3ec97977ac3dc5c70da32e6e87578f44912e902ccef9efe28d4a78b8999dfbca942600000000000000000000000000000000186b28d92356c4dfec4b5201ad099dbdede3781f8998ddf929b4cd7756192185ca7b8f4ef7088f813270ac3d48868a21", ""),
];

/// An EIP-2537 input in zkvm_accelerators.h's packed encoding: each 64-byte field element
/// (16 zero bytes, then 48) as its 48 bytes; an MSM's 32-byte scalars stay as they are.
fn unpad(padded: &[u8], msm: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = padded;
    while !rest.is_empty() {
        let (element, tail) = rest.split_at(64);
        assert!(
            element[..16].iter().all(|&b| b == 0),
            "a padded field element"
        );
        out.extend_from_slice(&element[16..]);
        rest = tail;
        if msm && out.len() % 128 == 96 {
            out.extend_from_slice(&rest[..32]);
            rest = &rest[32..];
        }
    }
    out
}

/// BLS12-381's field prime p, big-endian.
const P: &str = "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab";

/// Which accelerator a case calls (the program's first stdin byte).
#[derive(Clone, Copy)]
enum Func {
    G1Add = 0,
    G1Msm = 1,
    G2Add = 2,
    G2Msm = 3,
    G1Map = 4,
    G2Map = 5,
    Pairing = 6,
    Kzg = 7,
}

/// One call and the point it gives (`None`: EFAIL).
struct Case {
    name: String,
    func: Func,
    /// The operands: two points, or the MSM's pairs.
    input: Vec<u8>,
    pairs: u8,
    want: Option<Vec<u8>>,
    skew: u8,
}

impl AsRun for Case {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn stdin(&self) -> Vec<u8> {
        let mut s = vec![self.func as u8, self.skew, self.pairs, 0, 0, 0, 0, 0];
        s.extend(std::iter::repeat_n(0xcc, self.skew as usize));
        s.extend_from_slice(&self.input);
        s
    }

    /// The status (little-endian) and the 192 output bytes, 0xee where nothing is written.
    fn expected(&self) -> String {
        match &self.want {
            Some(p) => format!("00000000{}{}\n", hex(p), "ee".repeat(192 - p.len())),
            None => format!("ffffffff{}\n", "ee".repeat(192)),
        }
    }
}

/// x || y of a G1 point (48 bytes each, big-endian), all zeros for the identity.
fn g1_bytes(p: G1Projective) -> Vec<u8> {
    match p.into_affine().xy() {
        Some((x, y)) => [x.into_bigint().to_bytes_be(), y.into_bigint().to_bytes_be()].concat(),
        None => vec![0; 96],
    }
}

/// x || y of a G2 point, each real || imaginary (48 bytes each, big-endian), all zeros for
/// the identity.
fn g2_bytes(p: G2Projective) -> Vec<u8> {
    match p.into_affine().xy() {
        Some((x, y)) => [x.c0, x.c1, y.c0, y.c1]
            .iter()
            .flat_map(|c| c.into_bigint().to_bytes_be())
            .collect(),
        None => vec![0; 192],
    }
}

/// A random 256-bit big-endian scalar.
fn scalar(rng: &mut Rng) -> [u8; 32] {
    let mut k = [0u8; 32];
    for c in k.chunks_mut(8) {
        c.copy_from_slice(&rng.next_u64().to_be_bytes());
    }
    k
}

/// A point on y^2 = x^3 + 4 outside G1 (the curve's order is h r with a cofactor h > 1).
fn outside_subgroup(rng: &mut Rng) -> Vec<u8> {
    loop {
        let x = Fq::from(rng.next_u64());
        if let Some(y) = (x.square() * x + Fq::from(4u8)).sqrt() {
            let p = G1Affine::new_unchecked(x, y);
            if !p.is_in_correct_subgroup_assuming_on_curve() {
                return g1_bytes(p.into_group());
            }
        }
    }
}

/// A point on the twist y^2 = x^3 + 4 (1 + i) outside G2.
fn g2_outside_subgroup(rng: &mut Rng) -> G2Affine {
    loop {
        let x = Fq2::new(Fq::from(rng.next_u64()), Fq::from(rng.next_u64()));
        if let Some(y) = (x.square() * x + Fq2::new(Fq::from(4u8), Fq::from(4u8))).sqrt() {
            let p = G2Affine::new_unchecked(x, y);
            if !p.is_in_correct_subgroup_assuming_on_curve() {
                return p;
            }
        }
    }
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut push = |name: String, func: Func, input: Vec<u8>, pairs: u8, want: Option<Vec<u8>>| {
        let skew = (cases.len() % 8) as u8;
        cases.push(Case {
            name,
            func,
            input,
            pairs,
            want,
            skew,
        });
    };
    for &(name, func, pairs, input, want) in EIP2537_VECTORS {
        let msm = matches!(func, Func::G1Msm);
        let input = unpad(&unhex(input), msm);
        let want = (!want.is_empty()).then(|| unpad(&unhex(want), false));
        push(name.to_string(), func, input, pairs, want);
    }
    let g = G1Affine::generator();
    let mut rng = Rng(0xb112_0016_0add_0001);
    let zero = vec![0u8; 96];
    let mut points = Vec::new();
    for i in 0..3 {
        let mut random = || g * Fr::from_be_bytes_mod_order(&scalar(&mut rng));
        let (p1, p2) = (random(), random());
        let (a, b) = (g1_bytes(p1), g1_bytes(p2));
        let add = |x: &[u8], y: &[u8]| [x, y].concat();
        push(
            format!("add random {i}"),
            Func::G1Add,
            add(&a, &b),
            0,
            Some(g1_bytes(p1 + p2)),
        );
        push(
            format!("double random {i}"),
            Func::G1Add,
            add(&a, &a),
            0,
            Some(g1_bytes(p1 + p1)),
        );
        push(
            format!("add identity {i}"),
            Func::G1Add,
            add(&zero, &b),
            0,
            Some(b.clone()),
        );
        push(
            format!("identity added {i}"),
            Func::G1Add,
            add(&a, &zero),
            0,
            Some(a.clone()),
        );
        push(
            format!("add opposite {i}"),
            Func::G1Add,
            add(&a, &g1_bytes(-p1)),
            0,
            Some(zero.clone()),
        );
        points.push((a, p1));
    }
    // multi-scalar products: 1, 2 and 3 pairs of random scalars, with the identity among them
    let mut pairs = Vec::new();
    let mut sum = G1Projective::default();
    for (i, (a, p)) in points.iter().enumerate() {
        let k = scalar(&mut rng);
        pairs.extend_from_slice(&[a.clone(), k.to_vec()].concat());
        sum += *p * Fr::from_be_bytes_mod_order(&k);
        push(
            format!("msm of {} random", i + 1),
            Func::G1Msm,
            pairs.clone(),
            i as u8 + 1,
            Some(g1_bytes(sum)),
        );
    }
    let with_identity = [pairs.clone(), zero.clone(), scalar(&mut rng).to_vec()].concat();
    push(
        "msm with the identity".into(),
        Func::G1Msm,
        with_identity,
        4,
        Some(g1_bytes(sum)),
    );
    let gb = g1_bytes(g.into_group());
    let order = Fr::MODULUS.to_bytes_be();
    for (what, k, want) in [
        ("0", vec![0; 32], zero.clone()),
        ("1", [vec![0; 31], vec![1]].concat(), gb.clone()),
        ("r", order.clone(), zero.clone()),
        (
            "2^256 - 1",
            vec![0xff; 32],
            g1_bytes(g * Fr::from_be_bytes_mod_order(&[0xff; 32])),
        ),
    ] {
        push(
            format!("msm G times {what}"),
            Func::G1Msm,
            [gb.clone(), k].concat(),
            1,
            Some(want),
        );
    }
    let opposite = [
        gb.clone(),
        vec![0; 31],
        vec![1],
        g1_bytes(-g.into_group()),
        vec![0; 31],
        vec![1],
    ]
    .concat();
    push(
        "msm G - G".into(),
        Func::G1Msm,
        opposite,
        2,
        Some(zero.clone()),
    );
    // the same product twice: the sum doubles
    let twice = [gb.clone(), vec![0; 31], vec![3]].concat().repeat(2);
    let six = g1_bytes(g * Fr::from(6u8));
    push("msm 3G + 3G".into(), Func::G1Msm, twice, 2, Some(six));
    push("msm of no pair".into(), Func::G1Msm, vec![], 0, None);
    // invalid points: off the curve, a coordinate equal to p or p + 1 (the same point mod p)
    let off = [vec![0; 47], vec![1], vec![0; 47], vec![3]].concat();
    let mut x_p1 = unhex(P);
    x_p1[47] += 1;
    let not_canonical = [x_p1, gb[48..].to_vec()].concat();
    let y_is_p = [gb[..48].to_vec(), unhex(P)].concat();
    for (what, bad) in [
        ("(1, 3)", off),
        ("x = p + 1", not_canonical),
        ("y = p", y_is_p),
    ] {
        push(
            format!("add {what}"),
            Func::G1Add,
            [bad.clone(), gb.clone()].concat(),
            0,
            None,
        );
        push(
            format!("add to {what}"),
            Func::G1Add,
            [gb.clone(), bad.clone()].concat(),
            0,
            None,
        );
        push(
            format!("add {what} to the identity"),
            Func::G1Add,
            [zero.clone(), bad.clone()].concat(),
            0,
            None,
        );
        let pairs = [gb.clone(), vec![7; 32], bad, vec![0; 32]].concat();
        push(format!("msm {what}"), Func::G1Msm, pairs, 2, None);
    }
    // on the curve, outside the subgroup: an addition takes it, an MSM refuses it
    let q = outside_subgroup(&mut rng);
    let qa = G1Affine::new_unchecked(
        Fq::from_be_bytes_mod_order(&q[..48]),
        Fq::from_be_bytes_mod_order(&q[48..]),
    );
    push(
        "add outside the subgroup".into(),
        Func::G1Add,
        [q.clone(), gb.clone()].concat(),
        0,
        Some(g1_bytes(qa + g)),
    );
    push(
        "msm outside the subgroup".into(),
        Func::G1Msm,
        [q, vec![0; 31], vec![1]].concat(),
        1,
        None,
    );
    // a point of order dividing x - 1 (x Q = Q, the early exit of the endomorphism test):
    // [r (1 - x) / 3] R
    let fixed = qa.mul_bigint([0x4600_5555_5555_aaab]).into_affine();
    let fixed = fixed.mul_bigint(Fr::MODULUS).into_affine();
    assert!(!fixed.is_zero() && !fixed.is_in_correct_subgroup_assuming_on_curve());
    let fixed = g1_bytes(fixed.into_group());
    push(
        "msm of a point x fixes".into(),
        Func::G1Msm,
        [fixed, vec![0; 31], vec![1]].concat(),
        1,
        None,
    );
    // G2: sums, doublings, the identity, opposite points
    let h = G2Affine::generator();
    let zero2 = vec![0u8; 192];
    for i in 0..2 {
        let mut random = || h * Fr::from_be_bytes_mod_order(&scalar(&mut rng));
        let (p1, p2) = (random(), random());
        let (a, b) = (g2_bytes(p1), g2_bytes(p2));
        let add = |x: &[u8], y: &[u8]| [x, y].concat();
        push(
            format!("g2 add random {i}"),
            Func::G2Add,
            add(&a, &b),
            0,
            Some(g2_bytes(p1 + p2)),
        );
        push(
            format!("g2 double random {i}"),
            Func::G2Add,
            add(&a, &a),
            0,
            Some(g2_bytes(p1 + p1)),
        );
        push(
            format!("g2 add identity {i}"),
            Func::G2Add,
            add(&zero2, &b),
            0,
            Some(b.clone()),
        );
        push(
            format!("g2 identity added {i}"),
            Func::G2Add,
            add(&a, &zero2),
            0,
            Some(a.clone()),
        );
        push(
            format!("g2 add opposite {i}"),
            Func::G2Add,
            add(&a, &g2_bytes(-p1)),
            0,
            Some(zero2.clone()),
        );
    }
    push(
        "g2 identity + identity".into(),
        Func::G2Add,
        [zero2.clone(), zero2.clone()].concat(),
        0,
        Some(zero2.clone()),
    );
    // invalid G2 points: off the twist, each coordinate's part equal to p; outside the
    // subgroup is valid for an addition
    let hb = g2_bytes(h.into_group());
    let mut off = hb.clone();
    off[191] ^= 1;
    let mut bad = vec![("off the twist".to_string(), off)];
    for part in 0..4 {
        let mut b = hb.clone();
        b[48 * part..48 * part + 48].copy_from_slice(&unhex(P));
        bad.push((format!("part {part} = p"), b));
    }
    for (what, b) in bad {
        push(
            format!("g2 add {what}"),
            Func::G2Add,
            [b.clone(), hb.clone()].concat(),
            0,
            None,
        );
        push(
            format!("g2 add to {what}"),
            Func::G2Add,
            [hb.clone(), b].concat(),
            0,
            None,
        );
    }
    let q2 = g2_outside_subgroup(&mut rng);
    let qb = g2_bytes(q2.into_group());
    push(
        "g2 add outside the subgroup".into(),
        Func::G2Add,
        [qb.clone(), hb.clone()].concat(),
        0,
        Some(g2_bytes(q2 + h)),
    );
    push(
        "g2 double outside the subgroup".into(),
        Func::G2Add,
        [qb.clone(), qb.clone()].concat(),
        0,
        Some(g2_bytes(q2 + q2)),
    );
    // G2 multi-scalar products: random pairs with the identity among them, scalars 0, 1, r,
    // 2^256 - 1, no pair, invalid points and one outside the subgroup
    let mut pairs = Vec::new();
    let mut sum = G2Projective::default();
    for i in 0..2 {
        let p = h * Fr::from_be_bytes_mod_order(&scalar(&mut rng));
        let k = scalar(&mut rng);
        pairs.extend_from_slice(&[g2_bytes(p), k.to_vec()].concat());
        sum += p * Fr::from_be_bytes_mod_order(&k);
        push(
            format!("g2 msm of {} random", i + 1),
            Func::G2Msm,
            pairs.clone(),
            i as u8 + 1,
            Some(g2_bytes(sum)),
        );
    }
    let with_identity = [zero2.clone(), scalar(&mut rng).to_vec(), pairs].concat();
    push(
        "g2 msm with the identity".into(),
        Func::G2Msm,
        with_identity,
        3,
        Some(g2_bytes(sum)),
    );
    for (what, k, want) in [
        ("0", vec![0; 32], zero2.clone()),
        ("1", [vec![0; 31], vec![1]].concat(), hb.clone()),
        ("r", order.clone(), zero2.clone()),
        (
            "2^256 - 1",
            vec![0xff; 32],
            g2_bytes(h * Fr::from_be_bytes_mod_order(&[0xff; 32])),
        ),
    ] {
        push(
            format!("g2 msm H times {what}"),
            Func::G2Msm,
            [hb.clone(), k].concat(),
            1,
            Some(want),
        );
    }
    let opposite = [
        hb.clone(),
        vec![0; 31],
        vec![1],
        g2_bytes(-h.into_group()),
        vec![0; 31],
        vec![1],
    ]
    .concat();
    push(
        "g2 msm H - H".into(),
        Func::G2Msm,
        opposite,
        2,
        Some(zero2.clone()),
    );
    let twice = [hb.clone(), vec![0; 31], vec![3]].concat().repeat(2);
    let six = g2_bytes(h * Fr::from(6u8));
    push("g2 msm 3H + 3H".into(), Func::G2Msm, twice, 2, Some(six));
    push("g2 msm of no pair".into(), Func::G2Msm, vec![], 0, None);
    let mut off = hb.clone();
    off[191] ^= 1;
    push(
        "g2 msm off the twist".into(),
        Func::G2Msm,
        [hb.clone(), vec![7; 32], off, vec![1; 32]].concat(),
        2,
        None,
    );
    push(
        "g2 msm outside the subgroup".into(),
        Func::G2Msm,
        [qb, vec![0; 31], vec![1]].concat(),
        1,
        None,
    );
    // the map from Fp: random elements, 0 (where Z^2 u^4 + Z u^2 = 0), 1, p - 1; p is refused
    let mut elements = vec![vec![0u8; 48], [vec![0; 47], vec![1]].concat()];
    let mut p_minus_1 = unhex(P);
    p_minus_1[47] -= 1;
    elements.push(p_minus_1);
    for _ in 0..3 {
        let u = Fq::from_be_bytes_mod_order(&[scalar(&mut rng), scalar(&mut rng)].concat());
        elements.push(u.into_bigint().to_bytes_be());
    }
    for (i, u) in elements.into_iter().enumerate() {
        let fq = Fq::from_be_bytes_mod_order(&u);
        let mapped = WBMap::<ark_bls12_381::g1::Config>::map_to_curve(fq).unwrap();
        let want = g1_bytes(mapped.clear_cofactor().into_group());
        push(format!("map to G1 {i}"), Func::G1Map, u, 0, Some(want));
    }
    push("map p to G1".into(), Func::G1Map, unhex(P), 0, None);
    // the map from Fp2: random elements, 0 (where Z^2 u^4 + Z u^2 = 0), 1, i, (p - 1) + i;
    // a part equal to p is refused
    let one = [vec![0; 47], vec![1]].concat();
    let mut p_minus_1 = unhex(P);
    p_minus_1[47] -= 1;
    let mut elements = vec![
        vec![0u8; 96],
        [one.clone(), vec![0; 48]].concat(),
        [vec![0; 48], one.clone()].concat(),
        [p_minus_1, one].concat(),
    ];
    for _ in 0..2 {
        let part = |rng: &mut Rng| {
            let u = Fq::from_be_bytes_mod_order(&[scalar(rng), scalar(rng)].concat());
            u.into_bigint().to_bytes_be()
        };
        elements.push([part(&mut rng), part(&mut rng)].concat());
    }
    for (i, u) in elements.into_iter().enumerate() {
        let fq2 = Fq2::new(
            Fq::from_be_bytes_mod_order(&u[..48]),
            Fq::from_be_bytes_mod_order(&u[48..]),
        );
        let mapped = WBMap::<ark_bls12_381::g2::Config>::map_to_curve(fq2).unwrap();
        let want = g2_bytes(mapped.clear_cofactor().into_group());
        push(format!("map to G2 {i}"), Func::G2Map, u, 0, Some(want));
    }
    push(
        "map (p, 0) to G2".into(),
        Func::G2Map,
        [unhex(P), vec![0; 48]].concat(),
        0,
        None,
    );
    push(
        "map (0, p) to G2".into(),
        Func::G2Map,
        [vec![0; 48], unhex(P)].concat(),
        0,
        None,
    );
    // pairing checks: products of pairings that are 1 by bilinearity, and ones that are not
    let verdict = |v: bool| Some(vec![u8::from(v)]);
    let pair = |p: G1Projective, q: G2Projective| [g1_bytes(p), g2_bytes(q)].concat();
    let (g, h) = (g.into_group(), h.into_group());
    let a = Fr::from_be_bytes_mod_order(&scalar(&mut rng));
    let b = Fr::from_be_bytes_mod_order(&scalar(&mut rng));
    push(
        "pairing e(aG, bH) e(-ab G, H)".into(),
        Func::Pairing,
        [pair(g * a, h * b), pair(-(g * (a * b)), h)].concat(),
        2,
        verdict(true),
    );
    push(
        "pairing e(aG, bH) e(ab G, H)".into(),
        Func::Pairing,
        [pair(g * a, h * b), pair(g * (a * b), h)].concat(),
        2,
        verdict(false),
    );
    push(
        "pairing e(G, H)".into(),
        Func::Pairing,
        pair(g, h),
        1,
        verdict(false),
    );
    push(
        "pairing e(2G, 3H) e(-6G, H) (EIP-2537's bls_pairing_e(2*G1,3*G2)=e(6*G1,G2))".into(),
        Func::Pairing,
        [
            pair(g * Fr::from(2u8), h * Fr::from(3u8)),
            pair(-(g * Fr::from(6u8)), h),
        ]
        .concat(),
        2,
        verdict(true),
    );
    push(
        "pairing e(aG, H) e(bG, H) e(-(a + b) G, H)".into(),
        Func::Pairing,
        [pair(g * a, h), pair(g * b, h), pair(-(g * (a + b)), h)].concat(),
        3,
        verdict(true),
    );
    let zero1 = G1Projective::default();
    let zero2 = G2Projective::default();
    push(
        "pairing of identities".into(),
        Func::Pairing,
        [pair(zero1, h), pair(g, zero2), pair(zero1, zero2)].concat(),
        3,
        verdict(true),
    );
    push(
        "pairing e(0, H) e(G, H)".into(),
        Func::Pairing,
        [pair(zero1, h), pair(g, h)].concat(),
        2,
        verdict(false),
    );
    push(
        "pairing of no pair".into(),
        Func::Pairing,
        vec![],
        0,
        verdict(true),
    );
    // invalid points fail, even beside the identity (ZisK's routine checks both points)
    let mut off2 = hb.clone();
    off2[191] ^= 1;
    let q1 = outside_subgroup(&mut rng);
    let q2 = g2_bytes(g2_outside_subgroup(&mut rng).into_group());
    let mut x_is_p = gb.clone();
    x_is_p[..48].copy_from_slice(&unhex(P));
    for (what, p1, p2) in [
        (
            "G1 off the curve",
            [vec![0; 47], vec![1], vec![0; 47], vec![3]].concat(),
            hb.clone(),
        ),
        ("G1 x = p", x_is_p, hb.clone()),
        ("G1 outside the subgroup", q1.clone(), hb.clone()),
        ("G1 outside the subgroup, the G2 identity", q1, vec![0; 192]),
        ("G2 off the twist", gb.clone(), off2.clone()),
        ("G2 off the twist, the G1 identity", vec![0; 96], off2),
        ("G2 outside the subgroup", gb.clone(), q2),
    ] {
        push(
            format!("pairing {what}"),
            Func::Pairing,
            [pair(g, h), p1, p2].concat(),
            2,
            None,
        );
    }
    // KZG point evaluations: go-ethereum's vector and its variants, the identity's encodings,
    // points outside G1, scalars not below r
    let geth = unhex(KZG_VECTOR);
    let (z, y, c, proof) = (
        &geth[32..64],
        &geth[64..96],
        &geth[96..144],
        &geth[144..192],
    );
    let kzg = |c: &[u8], z: &[u8], y: &[u8], proof: &[u8]| [c, z, y, proof].concat();
    let mut y1 = y.to_vec();
    y1[31] ^= 1;
    let mut flipped = proof.to_vec();
    flipped[0] ^= 0x20;
    let mut uncompressed = c.to_vec();
    uncompressed[0] &= 0x7f;
    let mut x_bit = proof.to_vec();
    x_bit[47] ^= 1;
    let r_bytes = Fr::MODULUS.to_bytes_be();
    let infinity = [vec![0xc0], vec![0; 47]].concat();
    let bad_infinity = [vec![0xe0], vec![0; 47]].concat();
    let zero = [0u8; 32];
    let outside = compress(&outside_subgroup(&mut rng));
    let y_g = compress(&g1_bytes(g * Fr::from_be_bytes_mod_order(y)));
    for (what, input, want) in [
        ("go-ethereum's pointEvaluation1", kzg(c, z, y, proof), true),
        ("y + 1", kzg(c, z, &y1, proof), false),
        ("the proof's sign flipped", kzg(c, z, y, &flipped), false),
        ("the proof's x changed", kzg(c, z, y, &x_bit), false),
        (
            "an uncompressed flag",
            kzg(&uncompressed, z, y, proof),
            false,
        ),
        ("z = r", kzg(c, &r_bytes, y, proof), false),
        ("y = r", kzg(c, z, &r_bytes, proof), false),
        (
            "C = y G, the proof the identity",
            kzg(&y_g, z, y, &infinity),
            true,
        ),
        (
            "C and y 0, the proof the identity",
            kzg(&infinity, z, &zero, &infinity),
            true,
        ),
        ("C and y 0, a proof", kzg(&infinity, z, &zero, proof), false),
        (
            "the identity with the sign bit",
            kzg(&bad_infinity, z, &zero, &infinity),
            false,
        ),
        ("C outside G1", kzg(&outside, z, y, proof), false),
    ] {
        push(format!("kzg {what}"), Func::Kzg, input, 0, verdict(want));
    }
    cases
}

/// go-ethereum's EIP-4844 vector "pointEvaluation1" (core/vm/testdata/precompiles/
/// pointEvaluation.json): the versioned hash, z, y, the commitment and the proof.
const KZG_VECTOR: &str = "01e798154708fe7789429634053cbf9f99b619f9f084048927333fce637f549b\
     564c0a11a0f704f4fc3e8acfe0f8245f0ad1347b378fbf96e206da11a5d36306\
     24d25032e67a7e6a4910df5834b8fe70e6bcfeeac0352434196bdf4b2485d5a1\
     8f59a8d2a1a625a17f3fea0fe5eb8c896db3764f3185481bc22f91b4aaffcca2\
     5f26936857bc3a7c2539ea8ec3a952b7873033e038326e87ed3e1276fd140253\
     fa08e9fc25fb2d9a98527fc22a2c9612fbeafdad446cbc7bcdbdcd780af2c16a";

/// ZCash's compressed encoding of the G1 point x || y (not the identity): x with the top bit
/// set and the third when y > -y.
fn compress(point: &[u8]) -> Vec<u8> {
    let y = Fq::from_be_bytes_mod_order(&point[48..]);
    let mut out = point[..48].to_vec();
    out[0] |= 0x80;
    if y.into_bigint() > (-y).into_bigint() {
        out[0] |= 0x20;
    }
    out
}

#[test]
fn results_match_ark_in_the_interpreter_and_on_zisk() {
    match_everywhere(&bls12_wat(), &runs(cases().iter()));
}

/// The benchmark's software build computes what the accelerators compute (the MSMs and
/// products, which take seconds in software, left out).
#[test]
fn software_build_agrees() {
    soft_agrees(
        2,
        &runs(cases().iter().filter(|c| {
            matches!(
                c.func,
                Func::G1Add | Func::G2Add | Func::G1Map | Func::G2Map
            )
        })),
    );
}

#[test]
fn real_ziskemu_agrees() {
    ziskemu_agrees(&bls12_wat(), "bls12", &runs(cases().iter().step_by(3)));
}

#[test]
fn bad_pointers_trap_and_wrong_signatures_are_errors() {
    const PAGE: u32 = 65536;
    // (function, arguments, traps); an MSM's pairs are 128 bytes each
    let calls: &[(&str, &[u32], bool)] = &[
        ("bls12_g1_add", &[PAGE - 96, PAGE - 96, 0], false),
        ("bls12_g1_add", &[PAGE - 95, 0, 128], true),
        ("bls12_g1_add", &[0, PAGE - 95, 128], true),
        ("bls12_g1_add", &[0, 96, PAGE - 95], true),
        ("bls12_g1_msm", &[PAGE - 256, 2, PAGE - 96], false),
        ("bls12_g1_msm", &[PAGE - 256, 3, 0], true),
        ("bls12_g1_msm", &[0, 1, PAGE - 95], true),
        ("bls12_g1_msm", &[0, 0x0200_0001, 0], true),
        ("bls12_g1_msm", &[PAGE, 0, 0], false),
        ("bls12_g2_add", &[PAGE - 192, PAGE - 192, 0], false),
        ("bls12_g2_add", &[PAGE - 191, 0, 192], true),
        ("bls12_g2_add", &[0, PAGE - 191, 192], true),
        ("bls12_g2_add", &[0, 192, PAGE - 191], true),
        ("bls12_g2_msm", &[PAGE - 448, 2, PAGE - 192], false),
        ("bls12_g2_msm", &[PAGE - 448, 3, 0], true),
        ("bls12_g2_msm", &[0, 1, PAGE - 191], true),
        ("bls12_g2_msm", &[0, 0x0100_0001, 0], true),
        ("bls12_map_fp_to_g1", &[PAGE - 48, PAGE - 96], false),
        ("bls12_map_fp_to_g1", &[PAGE - 47, 0], true),
        ("bls12_map_fp_to_g1", &[0, PAGE - 95], true),
        ("bls12_map_fp2_to_g2", &[PAGE - 96, PAGE - 192], false),
        ("bls12_map_fp2_to_g2", &[PAGE - 95, 0], true),
        ("bls12_map_fp2_to_g2", &[0, PAGE - 191], true),
        ("bls12_pairing", &[PAGE - 576, 2, PAGE - 1], false),
        ("bls12_pairing", &[PAGE - 576, 3, 0], true),
        ("bls12_pairing", &[0, 1, PAGE], true),
        ("bls12_pairing", &[0, 0x00e3_8e39, 0], true),
        ("bls12_pairing", &[PAGE, 0, 0], false),
        (
            "kzg_point_eval",
            &[PAGE - 48, PAGE - 32, PAGE - 32, PAGE - 48, PAGE - 1],
            false,
        ),
        ("kzg_point_eval", &[PAGE - 47, 0, 0, 0, 0], true),
        ("kzg_point_eval", &[0, PAGE - 31, 0, 0, 0], true),
        ("kzg_point_eval", &[0, 0, PAGE - 31, 0, 0], true),
        ("kzg_point_eval", &[0, 0, 0, PAGE - 47, 0], true),
        ("kzg_point_eval", &[0, 0, 0, 0, PAGE], true),
    ];
    calls_end_alike("bls12", calls);
    let text = r#"(module (import "zkvm" "zkvm_bls12_g1_msm" (func $f (param i32 i64 i32) (result i32)))
  (memory 1) (func (export "_start")))"#;
    refuses_wrong_signature(
        text,
        "bls12_g1_msm",
        "(i32, i64, i32) -> i32",
        "(i32, i32, i32) -> i32",
    );
}

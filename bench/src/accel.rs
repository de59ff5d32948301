//! What the zkVM accelerators are worth (issue 16): the cost of a hash through the `"zkvm"`
//! import (zkc's runtime on ZisK's `keccak` and `sha256` precompiles) against the same hash
//! in software compiled by zkc, and the cost of one call of the secp256k1, secp256r1, BN254,
//! BLS12-381, BLAKE2f and modexp accelerators (on `arith256_mod`/`arith384_mod`, the curve and
//! Fp2 precompiles and `blake2b`; modexp's large moduli in software) against the same call in
//! software: `bench/soft/soft.wasm`, the interpreter's reference semantics (`zkvm-ref`, on the
//! RustCrypto and arkworks crates) compiled to wasm by rustc and then by zkc.
//!
//! Both columns run one program, `examples/c/hash.c`, built twice by `examples/c/build.sh`:
//! `wasm/hash.wasm` hashes through the imports, `wasm/hash_sw.wasm` with the C of
//! `examples/c/soft_hash.h`. Its stdin `"LEN WHICH REPS"` picks the message length, the hashes
//! (`k`, `s` or both `b`) and how many times each is computed, every time on a message that
//! depends on the previous digest; the cost of one hash is the run with two repetitions less
//! the run with one, so the program around it (generating the message, printing) cancels.
//! The whole-program row is issue 16's acceptance figure: the program that computes both
//! hashes of 1 KiB once through the imports must cost at most [`TARGET`] times its software
//! build. Every run's output must be the reference interpreter's for the software build, and
//! with `ziskemu` installed, the real emulator must report the same cost for zkc's ELF.

use std::path::Path;

use crate::md::{num, Table};
use crate::measure::{self, Program};
use zkc::driver;

/// The message lengths of the table: one block of either hash (a Merkle tree's node), and
/// 1 KiB, the length of the acceptance figure.
const LENS: [usize; 2] = [64, 1024];

/// The length of the acceptance figure.
const LEN: usize = 1024;

/// The acceptance bound on the whole program's cost ratio.
const TARGET: f64 = 0.10;

/// The VARIABLE of `wasm` run with `stdin`, its output checked against `expected`.
fn variable(wasm: &str, stdin: &str, expected: &[u8], real: bool) -> Result<u64, String> {
    let wasm = crate::workspace().join(format!("examples/c/wasm/{wasm}.wasm"));
    let name = format!("hash-{}", stdin.replace(' ', "-"));
    variable_of(&wasm, &name, stdin.as_bytes(), expected, real)
}

/// The VARIABLE of the module at `wasm` run with `stdin`, its output checked against
/// `expected`; `name` names the run.
fn variable_of(
    wasm: &Path,
    name: &str,
    stdin: &[u8],
    expected: &[u8],
    real: bool,
) -> Result<u64, String> {
    let path = measure::temp_path(&format!("accel-{name}"), "stdin");
    std::fs::write(&path, stdin).map_err(|e| e.to_string())?;
    let p = Program {
        name: name.to_string(),
        wasm: wasm.to_path_buf(),
        stdin: path,
        stdout: expected.to_vec(),
    };
    let opts = driver::Options::default();
    let rom = measure::build(&p.wasm, &opts)
        .and_then(|program| driver::layout(&program).map_err(|e| e.to_string()))?
        .rom;
    let (cost, _) = measure::run_rom(&p, &rom, real);
    let _ = std::fs::remove_file(&p.stdin);
    cost.map(|c| c.variable)
}

/// What the module at `wasm` prints for `stdin` in the reference interpreter.
fn interpret(wasm: &Path, stdin: &[u8]) -> Result<Vec<u8>, String> {
    let module = driver::load(wasm).map_err(|e| e.to_string())?;
    let out = zkc_ir::interp::run_command(&module, stdin, Default::default());
    match out.exit {
        zkc_ir::interp::Exit::Code(0) => Ok(out.stdout),
        other => Err(format!("the interpreter: {other:?}")),
    }
}

/// go-ethereum's ecrecover vector "ValidKey" (core/vm/testdata/precompiles/ecRecover.json):
/// the hash, then r || s; its recovery id is 1.
const ECRECOVER_VECTOR: &str = "18c547e4f7b0f325ad1e56f57e26c745b09a3e503d86e00e5255ff7f715d3d1c\
     73b1693892219d736caba55bdb67216e485557ea6b6af75f37096c9aa6a5a75f\
     eeb940b1d03b21e36b0e47e79769f095fe2ab855bd91e3a38756b7d75a9c4549";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// The cost of one call: the VARIABLE of the module at `wasm` run with each `(label, stdin)`
/// of `calls` less that of the same program run with `none`, which makes no call. With
/// `soft`, also the same call in software: `bench/soft/soft.wasm` on that program number and
/// the same stdin, which must print what the accelerated program prints in the reference
/// interpreter.
fn call_costs(
    wasm: &Path,
    soft: Option<u8>,
    none: &[u8],
    calls: &[(String, Vec<u8>)],
    real: bool,
) -> Result<Vec<(String, u64, Option<u64>)>, String> {
    let stem = wasm.file_stem().unwrap_or_default().to_string_lossy();
    let soft_wasm = crate::workspace().join("bench/soft/soft.wasm");
    // (through the import, in software) for one stdin
    let run = |k: usize, stdin: &[u8]| -> Result<(u64, Option<u64>), String> {
        let expected = interpret(wasm, stdin)?;
        let accel = variable_of(wasm, &format!("{stem}-{k}"), stdin, &expected, real)?;
        let soft = soft
            .map(|program| {
                let stdin = [&[program][..], stdin].concat();
                variable_of(
                    &soft_wasm,
                    &format!("soft-{stem}-{k}"),
                    &stdin,
                    &expected,
                    real,
                )
            })
            .transpose()?;
        Ok((accel, soft))
    };
    let (base, soft_base) = run(0, none)?;
    let mut rows = Vec::new();
    for (k, (label, stdin)) in calls.iter().enumerate() {
        let (accel, soft) = run(k + 1, stdin)?;
        let soft = soft.zip(soft_base).map(|(s, b)| s - b);
        rows.push((label.clone(), accel - base, soft));
    }
    Ok(rows)
}

/// One call of each secp256k1 accelerator, on go-ethereum's vector, through
/// `backend-zisk/tests/zkvm/secp256k1.wat`, and in software.
fn secp256k1_rows(real: bool) -> Result<Vec<(String, u64, Option<u64>)>, String> {
    let wasm = crate::workspace().join("backend-zisk/tests/zkvm/secp256k1.wat");
    let vector = unhex(ECRECOVER_VECTOR);
    // stdin: which, skew 0, two zeros, the recovery id (u32), msg, sig[, key]
    let stdin = |which: u8, key: &[u8]| {
        let mut s = vec![which, 0, 0, 0, 1, 0, 0, 0];
        s.extend_from_slice(&vector);
        s.extend_from_slice(key);
        s
    };
    let recovered = interpret(&wasm, &stdin(1, &[]))?;
    let hex = std::str::from_utf8(&recovered).map_err(|e| e.to_string())?;
    let key = unhex(&hex[8..136]);
    let calls = [
        (
            "secp256k1_ecrecover (go-ethereum's ValidKey)".to_string(),
            stdin(1, &key),
        ),
        (
            "secp256k1_verify (the same signature and key)".to_string(),
            stdin(0, &key),
        ),
    ];
    let mut rows = call_costs(&wasm, Some(0), &stdin(2, &key), &calls, real)?;
    // P-256: go-ethereum's P256VERIFY vector "CallP256Verify" (hash, r, s, then the key)
    let r1 = [&[3, 0, 0, 0, 0, 0, 0, 0][..], &unhex(P256_VECTOR)].concat();
    let none = [&[2, 0, 0, 0, 0, 0, 0, 0][..], &unhex(P256_VECTOR)].concat();
    let r1_call = (
        "secp256r1_verify (go-ethereum's CallP256Verify)".to_string(),
        r1,
    );
    rows.extend(call_costs(&wasm, Some(0), &none, &[r1_call], real)?);
    Ok(rows)
}

/// go-ethereum's P256VERIFY vector "CallP256Verify" (p256Verify.json): hash, r, s, x, y.
const P256_VECTOR: &str = "4cee90eb86eaa050036147a12d49004b6b9c72bd725d39d4785011fe190f0b4d\
     a73bd4903f0ce3b639bbbf6e8e80d16931ff4bcf5993d58468e8fb19086e8cac\
     36dbcd03009df8c59286b162af3bd7fcc0450c9aa81be5d10d312af6c66b1d60\
     4aebd3099c618202fcfe16ae7770b0c49ab5eadf74b754204a3bb6060e44eff3\
     7618b065f9832de4ca6ca971a7a1adc826d0f7c00181a5fb2ddf79ae00b4e10e";

/// go-ethereum's EIP-196 vectors "chfast1" (bn256Add.json: two points; bn256ScalarMul.json:
/// a point and a 64-bit scalar).
const BN254_ADD_VECTOR: &str = "18b18acfb4c2c30276db5411368e7185b311dd124691610c5d3b74034e093dc9\
     063c909c4720840cb5134cb9f59fa749755796819658d32efc0d288198f37266\
     07c2b7f58a84bd6145f00c9c2bc0bb1a187f20ff2c92963a88019e7c6a014eed\
     06614e20c147e940f2d70da3f74c9a17df361706a4485c742bd6788478fa17d7";
const BN254_MUL_VECTOR: &str = "2bd3e6d0f3b142924f5ca7b49ce5b9d54c4703d7ae5648e61d02268b1a0a9fb7\
     21611ce0a6af85915e2f1d70300909ce2e49dfad4a4619c8390cae66cefdb204\
     00000000000000000000000000000000000000000000000011138ce750fa15c2";

/// go-ethereum's EIP-197 vector "jeff1" (bn256Pairing.json): two pairs whose product of
/// pairings is 1.
const BN254_PAIRING_JEFF1: &str =
    "1c76476f4def4bb94541d57ebba1193381ffa7aa76ada664dd31c16024c43f59\
     3034dd2920f673e204fee2811c678745fc819b55d3e9d294e45c9b03a76aef41\
     209dd15ebff5d46c4bd888e51a93cf99a7329636c63514396b4a452003a35bf7\
     04bf11ca01483bfa8b34b43561848d28905960114c8ac04049af4b6315a41678\
     2bb8324af6cfc93537a2ad1a445cfd0ca2a71acd7ac41fadbf933c2a51be344d\
     120a2a4cf30c1bf9845f20c6fe39e07ea2cce61f0c9bb048165fe5e4de877550\
     111e129f1cf1097710d41c4ac70fcdfa5ba2023c6ff1cbeac322de49d1b6df7c\
     2032c61a830e3c17286de9462bf242fca2883585b93870a73853face6a6bf411\
     198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2\
     1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed\
     090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b\
     12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa";

/// One call of each BN254 accelerator on go-ethereum's vectors, and a product by a full
/// 256-bit scalar, through `backend-zisk/tests/zkvm/bn254.wat` (the one-pair check is jeff1's
/// first pair, whose pairing is not 1).
fn bn254_rows(real: bool) -> Result<Vec<(String, u64, Option<u64>)>, String> {
    let wasm = crate::workspace().join("backend-zisk/tests/zkvm/bn254.wat");
    // stdin: which, skew 0, the number of pairs, five zeros, the operands
    let stdin = |which: u8, operands: &[u8]| {
        let n = if which == 2 { operands.len() / 192 } else { 0 } as u8;
        [&[which, 0, n, 0, 0, 0, 0, 0][..], operands].concat()
    };
    let mul = unhex(BN254_MUL_VECTOR);
    let full = [&mul[..64], &[0xa5; 32][..]].concat();
    let calls = [
        (
            "bn254_g1_add (go-ethereum's chfast1)".to_string(),
            stdin(0, &unhex(BN254_ADD_VECTOR)),
        ),
        (
            "bn254_g1_mul (chfast1, a 64-bit scalar)".to_string(),
            stdin(1, &mul),
        ),
        (
            "bn254_g1_mul (a 256-bit scalar)".to_string(),
            stdin(1, &full),
        ),
        (
            "bn254_pairing (go-ethereum's one_point)".to_string(),
            stdin(2, &unhex(BN254_PAIRING_JEFF1)[..192]),
        ),
        (
            "bn254_pairing (go-ethereum's jeff1, two pairs)".to_string(),
            stdin(2, &unhex(BN254_PAIRING_JEFF1)),
        ),
    ];
    call_costs(&wasm, Some(1), &stdin(3, &mul), &calls, real)
}

/// EIP-2537's G1 generator and the point P1 of its vectors (add_G1_bls.json
/// "bls_g1add_g1+p1"), and G2's generator and P2 ("bls_g2add_g2+p2"), packed (48 bytes a
/// field element).
const BLS12_G1_VECTOR: &str = "17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb\
     08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1\
     112b98340eee2777cc3c14163dea3ec97977ac3dc5c70da32e6e87578f44912e902ccef9efe28d4a78b8999dfbca9426\
     186b28d92356c4dfec4b5201ad099dbdede3781f8998ddf929b4cd7756192185ca7b8f4ef7088f813270ac3d48868a21";
const BLS12_G2_VECTOR: &str = "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8\
     13e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e\
     0ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801\
     0606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be\
     103121a2ceaae586d240843a398967325f8eb5a93e8fea99b62b9f88d8556c80dd726a4b30e84a36eeabaf3592937f27\
     086b990f3da2aeac0a36143b7d7c824428215140db1bb859338764cb58458f081d92664f9053b50b3fbd2e4723121b68\
     0f9e7ba9a86a8f7624aa2b42dcc8772e1af4ae115685e60abc2c9b90242167acef3d0be4050bf935eed7c3b6fc7ba77e\
     0d22c3652d0dc6f0fc9316e14268477c2049ef772e852108d269d9c38dba1d4802e8dae479818184c08f9a569d878451";

/// go-ethereum's EIP-4844 vector "pointEvaluation1" (pointEvaluation.json): the versioned
/// hash, z, y, the commitment and the proof.
const KZG_VECTOR: &str = "01e798154708fe7789429634053cbf9f99b619f9f084048927333fce637f549b\
     564c0a11a0f704f4fc3e8acfe0f8245f0ad1347b378fbf96e206da11a5d36306\
     24d25032e67a7e6a4910df5834b8fe70e6bcfeeac0352434196bdf4b2485d5a1\
     8f59a8d2a1a625a17f3fea0fe5eb8c896db3764f3185481bc22f91b4aaffcca2\
     5f26936857bc3a7c2539ea8ec3a952b7873033e038326e87ed3e1276fd140253\
     fa08e9fc25fb2d9a98527fc22a2c9612fbeafdad446cbc7bcdbdcd780af2c16a";

/// The y of -G1, the opposite of EIP-2537's G1 generator (p - y).
const BLS12_MINUS_G1_Y: &str =
    "114d1d6855d545a8aa7d76c8cf2e21f267816aef1db507c96655b9d5caac42364e6f38ba0ecb751bad54dcd6b939c2ca";

/// EIP-2537's field element of map_fp_to_G1_bls.json "bls_g1map_", packed.
const BLS12_MAP_VECTOR: &str =
    "156c8a6a2c184569d69a76be144b5cdc5141d2d2ca4fe341f011e25e3969c55ad9e9b9ce2eb833c81a908e5fa4ac5f03";

/// EIP-2537's element of Fp2 of map_fp2_to_G2_bls.json "bls_g2map_", packed.
const BLS12_MAP2_VECTOR: &str =
    "07355d25caf6e7f2f0cb2812ca0e513bd026ed09dda65b177500fa31714e09ea0ded3a078b526bed3307f804d4b93b04\
     02829ce3c021339ccb5caf3e187f6370e1e2a311dec9b75363117063ab2015603ff52c3d3b98f19c2f65575e99e8b78c";

/// One call of each BLS12-381 accelerator through `backend-zisk/tests/zkvm/bls12.wat`: G1ADD
/// and G2ADD on EIP-2537's vectors, a G1MSM of one and of two pairs and a G2MSM of one
/// (EIP-2537's points, a 256-bit scalar each), MAP_FP_TO_G1 and MAP_FP2_TO_G2 on EIP-2537's
/// vectors, and PAIRING_CHECK of one pair and of two (the generators, then that pair and the
/// opposite of G1's with G2's, whose product is 1), and the KZG point evaluation of
/// go-ethereum's vector.
fn bls12_rows(real: bool) -> Result<Vec<(String, u64, Option<u64>)>, String> {
    let wasm = crate::workspace().join("backend-zisk/tests/zkvm/bls12.wat");
    // stdin: which, skew 0, the number of pairs, five zeros, the operands
    let stdin =
        |which: u8, n: u8, operands: &[u8]| [&[which, 0, n, 0, 0, 0, 0, 0][..], operands].concat();
    let g1 = unhex(BLS12_G1_VECTOR);
    let scalar = [0xa5u8; 32];
    let pairs = [&g1[..96], &scalar, &g1[96..], &scalar].concat();
    let g2 = unhex(BLS12_G2_VECTOR);
    let check = [
        &g1[..96],
        &g2[..192],
        &g1[..48],
        &unhex(BLS12_MINUS_G1_Y),
        &g2[..192],
    ]
    .concat();
    // go-ethereum's vector as the program takes it: the commitment, z, y, the proof
    let geth = unhex(KZG_VECTOR);
    let kzg = [&geth[96..144], &geth[32..96], &geth[144..192]].concat();
    let calls = [
        (
            "bls12_g1_add (EIP-2537's bls_g1add_g1+p1)".to_string(),
            stdin(0, 0, &g1),
        ),
        (
            "bls12_g1_msm (one pair, a 256-bit scalar)".to_string(),
            stdin(1, 1, &pairs[..128]),
        ),
        ("bls12_g1_msm (two pairs)".to_string(), stdin(1, 2, &pairs)),
        (
            "bls12_g2_add (EIP-2537's bls_g2add_g2+p2)".to_string(),
            stdin(2, 0, &g2),
        ),
        (
            "bls12_g2_msm (one pair, a 256-bit scalar)".to_string(),
            stdin(3, 1, &[&g2[..192], &scalar].concat()),
        ),
        (
            "bls12_map_fp_to_g1 (EIP-2537's bls_g1map_)".to_string(),
            stdin(4, 0, &unhex(BLS12_MAP_VECTOR)),
        ),
        (
            "bls12_map_fp2_to_g2 (EIP-2537's bls_g2map_)".to_string(),
            stdin(5, 0, &unhex(BLS12_MAP2_VECTOR)),
        ),
        (
            "bls12_pairing (one pair, e(G1, G2) = 1 refuted)".to_string(),
            stdin(6, 1, &check[..288]),
        ),
        (
            "bls12_pairing (two pairs, e(G1, G2) e(-G1, G2) = 1)".to_string(),
            stdin(6, 2, &check),
        ),
        (
            "kzg_point_eval (go-ethereum's pointEvaluation1)".to_string(),
            stdin(7, 0, &kzg),
        ),
    ];
    call_costs(&wasm, Some(2), &stdin(8, 0, &g1), &calls, real)
}

/// go-ethereum's EIP-152 vector 5 (blake2F.json): 12 rounds of F, the last block of "abc".
const BLAKE2F_VECTOR: &str =
    "0000000c48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad\
     7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b616263000000000000000000\
     00000000000000000000000000000000000000000000000000000000000000000000000000000000\
     00000000000000000000000000000000000000000000000000000000000000000000000000000000\
     00000000000000000000000000000000000000000000000000000000000000000000000003000000\
     00000000000000000000000001";

/// One call of `zkvm_blake2f` (12 rounds) through `backend-zisk/tests/zkvm/blake2f.wat`.
fn blake2f_rows(real: bool) -> Result<Vec<(String, u64, Option<u64>)>, String> {
    let wasm = crate::workspace().join("backend-zisk/tests/zkvm/blake2f.wat");
    // stdin: call or not, skew 0, six zeros, EIP-152's input
    let stdin = |which: u8| [&[which, 0, 0, 0, 0, 0, 0, 0][..], &unhex(BLAKE2F_VECTOR)].concat();
    let calls = [(
        "blake2f, 12 rounds (EIP-152's vector 5)".to_string(),
        stdin(0),
    )];
    call_costs(&wasm, Some(4), &stdin(1), &calls, real)
}

/// EIP-198's example 1 (go-ethereum's modexp.json "eip_example1"): 3^(p - 1) mod p for
/// secp256k1's p, as base, exponent and modulus.
const MODEXP_EXAMPLE1: [&str; 3] = [
    "03",
    "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e",
    "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f",
];

/// One call of `zkvm_modexp` through `backend-zisk/tests/zkvm/modexp.wat`: EIP-198's
/// example 1 (256 bits, `arith256_mod`), and 1024-bit operands with an odd modulus
/// (Montgomery) and an even one (the Chinese remainder theorem), generated.
fn modexp_rows(real: bool) -> Result<Vec<(String, u64, Option<u64>)>, String> {
    let wasm = crate::workspace().join("backend-zisk/tests/zkvm/modexp.wat");
    // stdin: call (0) or not (1), skew 0, six zeros, the three lengths (u32), the operands
    let stdin = |which: u8, operands: &[Vec<u8>; 3]| {
        let mut s = vec![which, 0, 0, 0, 0, 0, 0, 0];
        for x in operands {
            s.extend_from_slice(&(x.len() as u32).to_le_bytes());
        }
        operands.iter().for_each(|x| s.extend_from_slice(x));
        s
    };
    let example1 = MODEXP_EXAMPLE1.map(unhex);
    let bytes = |seed: usize| -> Vec<u8> { (0..128).map(|i| (i * 151 + seed) as u8).collect() };
    let with_parity = |odd: bool| {
        let mut m = bytes(29);
        m[0] |= 0x80;
        m[127] = if odd { m[127] | 1 } else { m[127] & !1 };
        m
    };
    let calls = [
        (
            "modexp, 256-bit (EIP-198's example 1)".to_string(),
            stdin(0, &example1),
        ),
        (
            "modexp, 1024-bit operands, odd modulus".to_string(),
            stdin(0, &[bytes(7), bytes(13), with_parity(true)]),
        ),
        (
            "modexp, 1024-bit operands, even modulus".to_string(),
            stdin(0, &[bytes(7), bytes(13), with_parity(false)]),
        ),
    ];
    call_costs(&wasm, Some(3), &stdin(1, &example1), &calls, real)
}

/// One call of `zkvm_ripemd160` on 64 and 1024 bytes through `backend-zisk/tests/zkvm/hash.wat`
/// (flag 4 picks RIPEMD-160, flag 8 makes no call). `bench/soft` has no RIPEMD-160: no software
/// column.
fn ripemd160_rows(real: bool) -> Result<Vec<(String, u64, Option<u64>)>, String> {
    let wasm = crate::workspace().join("backend-zisk/tests/zkvm/hash.wat");
    let mut rows = Vec::new();
    for len in LENS {
        let msg: Vec<u8> = (0..len).map(|i| (i * 7 + 1) as u8).collect();
        let stdin = |flags: u8| [&[flags, 0][..], &msg].concat();
        let call = (format!("ripemd160 of {len} bytes"), stdin(4));
        rows.extend(call_costs(&wasm, None, &stdin(8), &[call], real)?);
    }
    Ok(rows)
}

/// What the software build prints for `stdin`, in the reference interpreter.
fn reference(stdin: &str) -> Result<Vec<u8>, String> {
    let wasm = crate::workspace().join("examples/c/wasm/hash_sw.wasm");
    interpret(&wasm, stdin.as_bytes())
}

/// VARIABLE through the imports and in software for `stdin`.
fn both(stdin: &str, real: bool) -> Result<(u64, u64), String> {
    let expected = reference(stdin)?;
    Ok((
        variable("hash", stdin, &expected, real)?,
        variable("hash_sw", stdin, &expected, real)?,
    ))
}

/// The rows: per length and hash, one hash's cost through the import and in software; one
/// call of each secp256k1 accelerator; then the whole program.
fn measure_all(real: bool) -> Result<Vec<(String, u64, Option<u64>)>, String> {
    let mut rows = Vec::new();
    for len in LENS {
        for (which, name) in [('k', "keccak256"), ('s', "sha256")] {
            let once = both(&format!("{len} {which} 1"), real)?;
            let twice = both(&format!("{len} {which} 2"), real)?;
            rows.push((
                format!("{name} of {len} bytes"),
                twice.0 - once.0,
                Some(twice.1 - once.1),
            ));
        }
    }
    rows.extend(ripemd160_rows(real)?);
    rows.extend(secp256k1_rows(real)?);
    rows.extend(bn254_rows(real)?);
    rows.extend(bls12_rows(real)?);
    rows.extend(blake2f_rows(real)?);
    rows.extend(modexp_rows(real)?);
    let (accel, soft) = both(&format!("{LEN} b 1"), real)?;
    rows.push((
        format!("whole program: both hashes of {LEN} bytes"),
        accel,
        Some(soft),
    ));
    Ok(rows)
}

/// The section of BENCHMARKS.md; a failed measurement goes to `broken`.
pub fn section(real: bool, broken: &mut Vec<String>) -> String {
    let title = "## zkVM accelerators (issue 16)\n\n";
    let rows = match measure_all(real) {
        Ok(rows) => rows,
        Err(e) => {
            broken.push(format!("accelerators: {e}"));
            return format!("{title}Not measured: {e}\n\n");
        }
    };
    let mut table = Table::new(&[
        "message",
        "through the import",
        "in software (compiled by zkc)",
        "import ÷ software",
    ]);
    for (label, accel, soft) in &rows {
        let (soft, ratio) = match soft {
            Some(soft) => (num(*soft), format!("{:.3}×", *accel as f64 / *soft as f64)),
            None => ("—".into(), "—".into()),
        };
        table.row(&[label.clone(), num(*accel), soft, ratio]);
    }
    let (_, accel, soft) = rows.last().expect("the whole program");
    let whole = *accel as f64 / soft.expect("a software build") as f64;
    format!(
        "{title}The standard zkVM accelerator ABI (`zkvm_accelerators.h`) as wasm imports from \
         module `\"zkvm\"`, lowered by zkc onto ZisK's precompiles. VARIABLE at -O2 of \
         `examples/c/hash.c` hashing a generated message through the imports \
         (`examples/c/wasm/hash.wasm`) and with the C of `examples/c/soft_hash.h` compiled \
         by clang and zkc (`hash_sw.wasm`); a hash's row is the run that computes it twice less the run \
         that computes it once, the last row the whole program that computes both once. \
         The ripemd160, secp256k1, secp256r1, bn254, bls12, blake2f and modexp rows are one \
         call (on go-ethereum's and EIP-2537's precompile vectors but ripemd160, the MSMs and \
         the 1024-bit modexps; `backend-zisk/tests/zkvm/hash.wat`, `secp256k1.wat`, \
         `bn254.wat`, `bls12.wat`, `blake2f.wat`, `modexp.wat`: the run with the call less \
         the run without it), and in software the same call by `bench/soft/soft.wasm` \
         (`zkvm-ref`'s Rust on the RustCrypto and arkworks crates, built for wasm32-wasip1 by \
         `bench/soft/build.sh`, then by zkc; its output checked against the accelerated \
         run's). \
         Target for the whole program: at most {TARGET:.2}× its software build ({}).{}\n\n{}\n",
        if whole <= TARGET {
            "met"
        } else {
            "**not met**"
        },
        if real {
            " Every figure is also the real ziskemu's."
        } else {
            ""
        },
        table.finish()
    )
}

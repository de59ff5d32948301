//! The secp256k1 accelerators (`zkvm_secp256k1_verify`, `zkvm_secp256k1_ecrecover`) and
//! `zkvm_secp256r1_verify` end to end: a wasm program (`backend-zisk/tests/zkvm/secp256k1.wat`) calls one on its stdin and
//! prints the status and the output. Signatures made with `k256` for random keys and hashes,
//! their high-s twins (which ZisK's routines and the Ethereum precompile accept), wrong
//! hashes and recovery ids, r and s at and outside [1, n - 1], recovery ids above 1, keys off
//! the curve or with a coordinate not below p, and go-ethereum's ecrecover precompile vectors
//! give what `k256` says (for P-256: signatures of `p256`, their high-s twins, wrong hashes,
//! bad keys and out-of-range r and s), in the reference interpreter and on zkc's emulator at -O0 and -O2;
//! on the real `ziskemu`, the assembly (`--emit zisk`) and the ELF (`--emit elf`) print the
//! same console, cost report and public output as zkc's emulator (skipped without ziskemu,
//! unless `ZKC_REQUIRE_ZISKEMU` is set). Bad pointers trap like out-of-bounds accesses, before
//! anything is written, and wrong import signatures are errors that name the import.
//!
//! The C example (`examples/c/ecrecover.c` with `guest/c/zkvm.h`), as checked in and, when
//! clang builds for wasm32-wasi here, rebuilt, recovers go-ethereum's key and address in the
//! interpreter and on zkc's emulator.

mod zkvm_common;

use std::path::{Path, PathBuf};

use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use zkc::driver::{self, OptLevel, ZiskExit};
use zkc_ir::interp::{run_command, Exit};
use zkc_testkit::{workspace, Rng};
use zkvm_common::{
    at, compile, ends_alike, hex, match_everywhere, refuses_wrong_signature, runs, unhex,
    ziskemu_agrees, AsRun,
};

fn secp_wat() -> PathBuf {
    workspace().join("backend-zisk/tests/zkvm/secp256k1.wat")
}

/// secp256k1's group order n and field prime p, big-endian.
const N: [u8; 32] = hex32("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
const P: [u8; 32] = hex32("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f");

const fn hex_digit(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        _ => c - b'a' + 10,
    }
}

const fn hex32(s: &str) -> [u8; 32] {
    let s = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (hex_digit(s[2 * i]) << 4) | hex_digit(s[2 * i + 1]);
        i += 1;
    }
    out
}

/// a - b on 256-bit big-endian numbers (a >= b).
fn sub(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = a[i] as i16 - b[i] as i16 - borrow;
        out[i] = d.rem_euclid(256) as u8;
        borrow = (d < 0) as i16;
    }
    out
}

fn one(x: u8) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[31] = x;
    out
}

/// One call: verify (with `key`) or ecrecover (with `recid`), and what it must give.
struct Case {
    name: String,
    msg: [u8; 32],
    sig: [u8; 64],
    call: Call,
    skew: u8,
}

enum Call {
    /// The key and whether the signature is valid.
    Verify([u8; 64], bool),
    /// The same on secp256r1 (`zkvm_secp256r1_verify`).
    VerifyR1([u8; 64], bool),
    /// The recovery id and the key, `None` for ZKVM_EFAIL.
    Recover(u32, Option<[u8; 64]>),
}

impl AsRun for Case {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn stdin(&self) -> Vec<u8> {
        let (which, recid) = match self.call {
            Call::Verify(..) => (0, 0),
            Call::Recover(recid, _) => (1, recid),
            Call::VerifyR1(..) => (3, 0),
        };
        let mut s = vec![which, self.skew, 0, 0];
        s.extend_from_slice(&recid.to_le_bytes());
        s.extend(std::iter::repeat_n(0xcc, self.skew as usize));
        s.extend_from_slice(&self.msg);
        s.extend_from_slice(&self.sig);
        if let Call::Verify(key, _) | Call::VerifyR1(key, _) = &self.call {
            s.extend_from_slice(key);
        }
        s
    }

    /// The status (little-endian) and the 64 output bytes, 0xee where nothing is written.
    fn expected(&self) -> String {
        let mut out = vec![0u8; 4];
        match &self.call {
            Call::Verify(_, ok) | Call::VerifyR1(_, ok) => {
                out.push(*ok as u8);
                out.extend([0xee; 63]);
            }
            Call::Recover(_, Some(key)) => out.extend_from_slice(key),
            Call::Recover(_, None) => {
                out = vec![0xff; 4];
                out.extend([0xee; 64]);
            }
        }
        hex(&out) + "\n"
    }
}

fn key_bytes(vk: &VerifyingKey) -> [u8; 64] {
    vk.to_encoded_point(false).as_bytes()[1..]
        .try_into()
        .unwrap()
}

fn sig_bytes(r: &[u8; 32], s: &[u8; 32]) -> [u8; 64] {
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(r);
    sig[32..].copy_from_slice(s);
    sig
}

/// k256's recovery (which refuses a high s; the cases give it low ones).
fn recover(msg: &[u8; 32], sig: &[u8; 64], recid: u32) -> Option<[u8; 64]> {
    let sig = Signature::from_slice(sig).ok()?;
    let recid = RecoveryId::from_byte(u8::try_from(recid).ok()?)?;
    if recid.is_x_reduced() {
        return None;
    }
    VerifyingKey::recover_from_prehash(msg, &sig, recid)
        .ok()
        .map(|vk| key_bytes(&vk))
}

fn cases() -> Vec<Case> {
    let mut rng = Rng(0x5ec9_256b_1d00_0016);
    let bytes32 = |rng: &mut Rng| {
        let mut b = [0u8; 32];
        for c in b.chunks_mut(8) {
            c.copy_from_slice(&rng.next_u64().to_le_bytes());
        }
        b
    };
    let mut cases = Vec::new();
    let mut push = |name: String, msg: [u8; 32], sig: [u8; 64], call: Call| {
        let skew = (cases.len() % 8) as u8;
        cases.push(Case {
            name,
            msg,
            sig,
            call,
            skew,
        });
    };
    let mut keys = Vec::new();
    for i in 0..5 {
        let sk = SigningKey::from_bytes(&bytes32(&mut rng).into()).unwrap();
        let mut msg = bytes32(&mut rng);
        if i == 4 {
            msg = [0xff; 32]; // a hash above n
        }
        let (sig, recid) = sk.sign_prehash_recoverable(&msg).unwrap();
        let key = key_bytes(sk.verifying_key());
        let sig: [u8; 64] = sig.to_bytes().into();
        let (r, s): ([u8; 32], [u8; 32]) =
            (sig[..32].try_into().unwrap(), sig[32..].try_into().unwrap());
        let recid = recid.to_byte() as u32;
        let high = sig_bytes(&r, &sub(&N, &s));
        push(format!("valid {i}"), msg, sig, Call::Verify(key, true));
        push(
            format!("recover {i}"),
            msg,
            sig,
            Call::Recover(recid, Some(key)),
        );
        push(format!("high s {i}"), msg, high, Call::Verify(key, true));
        push(
            format!("recover high s {i}"),
            msg,
            high,
            Call::Recover(recid ^ 1, Some(key)),
        );
        let mut wrong = msg;
        wrong[31] ^= 1;
        push(
            format!("wrong hash {i}"),
            wrong,
            sig,
            Call::Verify(key, false),
        );
        push(
            format!("recover wrong hash {i}"),
            wrong,
            sig,
            Call::Recover(recid, recover(&wrong, &sig, recid)),
        );
        push(
            format!("recover wrong id {i}"),
            msg,
            sig,
            Call::Recover(recid ^ 1, recover(&msg, &sig, recid ^ 1)),
        );
        let mut off = key;
        off[63] ^= 1;
        push(
            format!("key off the curve {i}"),
            msg,
            sig,
            Call::Verify(off, false),
        );
        keys.push((msg, sig, key, recid));
    }
    let (msg, sig, key, recid) = keys[0];
    let s: [u8; 32] = sig[32..].try_into().unwrap();
    let r: [u8; 32] = sig[..32].try_into().unwrap();
    for (what, bad) in [
        ("0", [0u8; 32]),
        ("n", N),
        ("n + 1", {
            let mut x = N;
            x[31] += 1;
            x
        }),
        ("2^256 - 1", [0xff; 32]),
    ] {
        for (which, sig) in [("r", sig_bytes(&bad, &s)), ("s", sig_bytes(&r, &bad))] {
            push(
                format!("{which} = {what}"),
                msg,
                sig,
                Call::Verify(key, false),
            );
            push(
                format!("recover {which} = {what}"),
                msg,
                sig,
                Call::Recover(recid, None),
            );
        }
    }
    // r = n - 1 and s = 1 are in range: what k256 recovers
    let edge = sig_bytes(&sub(&N, &one(1)), &one(1));
    push(
        "recover r = n - 1".into(),
        msg,
        edge,
        Call::Recover(0, recover(&msg, &edge, 0)),
    );
    for id in [2, 3, 255, 256, u32::MAX] {
        push(
            format!("recovery id {id}"),
            msg,
            sig,
            Call::Recover(id, None),
        );
    }
    let with_x = |x: [u8; 32]| {
        let mut k = key;
        k[..32].copy_from_slice(&x);
        k
    };
    let with_y = |y: [u8; 32]| {
        let mut k = key;
        k[32..].copy_from_slice(&y);
        k
    };
    push("key x = p".into(), msg, sig, Call::Verify(with_x(P), false));
    push("key y + p".into(), msg, sig, Call::Verify(with_y(P), false));
    push("key (0, 0)".into(), msg, sig, Call::Verify([0; 64], false));
    // An r that is not the x of a curve point.
    let mut x = 5u8;
    while recover(&msg, &sig_bytes(&one(x), &s), 0).is_some() {
        x += 1;
    }
    let no_point = sig_bytes(&one(x), &s);
    push(
        format!("recover r = {x}, no point"),
        msg,
        no_point,
        Call::Recover(0, None),
    );
    // go-ethereum core/vm/testdata/precompiles/ecRecover.json: "ValidKey" (v = 28, a high s;
    // the key's address is a94f5374fce5edbc8e2a8697c15331677e6ebf0b) and
    // "CallEcrecoverUnrecoverableKey" (v = 27).
    let msg = hex32("18c547e4f7b0f325ad1e56f57e26c745b09a3e503d86e00e5255ff7f715d3d1c");
    let r = hex32("73b1693892219d736caba55bdb67216e485557ea6b6af75f37096c9aa6a5a75f");
    let s = hex32("eeb940b1d03b21e36b0e47e79769f095fe2ab855bd91e3a38756b7d75a9c4549");
    let low = sig_bytes(&r, &sub(&N, &s));
    let key = recover(&msg, &low, 0).unwrap();
    let address = <sha3::Keccak256 as sha3::Digest>::digest(key);
    assert_eq!(
        address[12..],
        hex32("000000000000000000000000a94f5374fce5edbc8e2a8697c15331677e6ebf0b")[12..]
    );
    push(
        "geth ValidKey".into(),
        msg,
        sig_bytes(&r, &s),
        Call::Recover(1, Some(key)),
    );
    push(
        "geth ValidKey, verify".into(),
        msg,
        sig_bytes(&r, &s),
        Call::Verify(key, true),
    );
    let msg = hex32("a8b53bdf3306a35a7103ab5504a0c9b492295564b6202b1942a84ef300107281");
    let r = hex32("3078356531653033663533636531386237373263636230303933666637316633");
    let s = hex32("6635336635633735623734646362333161383561613862383839326234653862");
    push(
        "geth unrecoverable".into(),
        msg,
        sig_bytes(&r, &s),
        Call::Recover(0, None),
    );
    r1_cases(&mut push);
    cases
}

/// go-ethereum's P256VERIFY vector "CallP256Verify" (p256Verify.json): hash, r, s, x, y.
const P256_VECTOR: &str = "4cee90eb86eaa050036147a12d49004b6b9c72bd725d39d4785011fe190f0b4da73bd4903f0ce3b639bbbf6e8e80d16931ff4bcf5993d58468e8fb19086e8cac36dbcd03009df8c59286b162af3bd7fcc0450c9aa81be5d10d312af6c66b1d604aebd3099c618202fcfe16ae7770b0c49ab5eadf74b754204a3bb6060e44eff37618b065f9832de4ca6ca971a7a1adc826d0f7c00181a5fb2ddf79ae00b4e10e";

/// P-256's group order n and field prime p, big-endian.
const N_R1: [u8; 32] = hex32("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
const P_R1: [u8; 32] = hex32("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");

/// `zkvm_secp256r1_verify`: signatures made with `p256` for random keys and hashes (valid, their
/// high-s twins, wrong hashes, keys off the curve), r and s out of range, coordinates not
/// below p.
fn r1_cases(push: &mut impl FnMut(String, [u8; 32], [u8; 64], Call)) {
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    let mut rng = Rng(0x9256_0016_7212_0001);
    let mut bytes32 = || {
        let mut b = [0u8; 32];
        for c in b.chunks_mut(8) {
            c.copy_from_slice(&rng.next_u64().to_le_bytes());
        }
        b
    };
    let mut first = None;
    for i in 0..4 {
        let sk = p256::ecdsa::SigningKey::from_bytes(&bytes32().into()).unwrap();
        let msg = if i == 3 { [0xff; 32] } else { bytes32() };
        let sig: p256::ecdsa::Signature = sk.sign_prehash(&msg).unwrap();
        let sig: [u8; 64] = sig.to_bytes().into();
        let point = sk.verifying_key().to_encoded_point(false);
        let key: [u8; 64] = point.as_bytes()[1..].try_into().unwrap();
        let (r, s): ([u8; 32], [u8; 32]) =
            (sig[..32].try_into().unwrap(), sig[32..].try_into().unwrap());
        push(format!("r1 valid {i}"), msg, sig, Call::VerifyR1(key, true));
        let twin = sig_bytes(&r, &sub(&N_R1, &s));
        push(
            format!("r1 high-s twin {i}"),
            msg,
            twin,
            Call::VerifyR1(key, true),
        );
        let mut wrong = msg;
        wrong[0] ^= 0x80;
        push(
            format!("r1 wrong hash {i}"),
            wrong,
            sig,
            Call::VerifyR1(key, false),
        );
        let mut off = key;
        off[63] ^= 1;
        push(
            format!("r1 key off the curve {i}"),
            msg,
            sig,
            Call::VerifyR1(off, false),
        );
        push(
            format!("r1 signature to secp256k1's verifier {i}"),
            msg,
            sig,
            Call::Verify(key, false),
        );
        first.get_or_insert((msg, r, s, key));
    }
    let (msg, r, s, key) = first.unwrap();
    for (what, bad) in [("0", [0u8; 32]), ("n", N_R1)] {
        push(
            format!("r1 r = {what}"),
            msg,
            sig_bytes(&bad, &s),
            Call::VerifyR1(key, false),
        );
        push(
            format!("r1 s = {what}"),
            msg,
            sig_bytes(&r, &bad),
            Call::VerifyR1(key, false),
        );
    }
    // go-ethereum core/vm/testdata/precompiles/p256Verify.json: "CallP256Verify" and
    // Wycheproof's #1 (signature malleability), both valid: hash || r || s || x || y.
    for (name, input) in [
        ("CallP256Verify", P256_VECTOR),
        ("wycheproof #1", "bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca6050232ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e184cd60b855d442f5b3c7b11eb6c4e0ae7525fe710fab9aa7c77a67f79e6fadd762927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838c7787964eaac00e5921fb1498a60f4606766b3d9685001558d1a974e7341513e"),
    ] {
        let b = unhex(input);
        let (msg, sig, key) = (b[..32].try_into().unwrap(), b[32..96].try_into().unwrap(), b[96..].try_into().unwrap());
        push(format!("r1 geth {name}"), msg, sig, Call::VerifyR1(key, true));
    }
    let mut x_p = key;
    x_p[..32].copy_from_slice(&P_R1);
    push(
        "r1 key x = p".into(),
        msg,
        sig_bytes(&r, &s),
        Call::VerifyR1(x_p, false),
    );
    push(
        "r1 key (0, 0)".into(),
        msg,
        sig_bytes(&r, &s),
        Call::VerifyR1([0; 64], false),
    );
}

#[test]
fn results_match_k256_in_the_interpreter_and_on_zisk() {
    match_everywhere(&secp_wat(), &runs(cases().iter()));
}

#[test]
fn real_ziskemu_agrees() {
    ziskemu_agrees(&secp_wat(), "secp256k1", &runs(cases().iter().step_by(3)));
}

fn write_tmp(name: &str, text: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("zkc-zkvm-secp-{}-{name}.wat", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

/// A module whose `_start` calls `zkvm_FUNC(args)` on a memory of one page, after filling the
/// output byte `out` with 0xee, and traps unless that byte is still 0xee afterwards when
/// `untouched`.
fn call_module(func: &str, sig: &str, args: [u32; 4]) -> String {
    let [a, b, c, d] = args;
    format!(
        r#"(module
  (import "zkvm" "zkvm_{func}" (func $f {sig}))
  (memory 1)
  (func (export "_start")
    (drop (call $f (i32.const {a}) (i32.const {b}) (i32.const {c}) (i32.const {d})))))"#
    )
}

const SIG: &str = "(param i32 i32 i32 i32) (result i32)";

#[test]
fn bad_pointers_trap_like_out_of_bounds_accesses() {
    const PAGE: u32 = 65536;
    // (function, arguments, traps): the inputs and the output must lie inside the memory,
    // whatever the recovery id
    let calls = [
        ("secp256k1_verify", [0, 32, 96, PAGE - 1], false),
        ("secp256k1_verify", [PAGE - 32, 0, PAGE - 64, 0], false),
        ("secp256k1_verify", [PAGE - 31, 32, 96, 0], true),
        ("secp256k1_verify", [0, PAGE - 63, 96, 200], true),
        ("secp256k1_verify", [0, 32, PAGE - 63, 200], true),
        ("secp256k1_verify", [0, 32, 96, PAGE], true),
        ("secp256k1_verify", [0, 32, 96, u32::MAX], true),
        (
            "secp256r1_verify",
            [PAGE - 32, 0, PAGE - 64, PAGE - 1],
            false,
        ),
        ("secp256r1_verify", [0, 32, PAGE - 63, 200], true),
        ("secp256r1_verify", [0, 32, 96, PAGE], true),
        (
            "secp256k1_ecrecover",
            [PAGE - 32, PAGE - 64, 0, PAGE - 64],
            false,
        ),
        ("secp256k1_ecrecover", [PAGE - 31, 0, 0, 100], true),
        ("secp256k1_ecrecover", [0, PAGE - 63, 0, 100], true),
        ("secp256k1_ecrecover", [0, 32, 0, PAGE - 63], true),
        ("secp256k1_ecrecover", [0, 32, 7, PAGE - 63], true),
        ("secp256k1_ecrecover", [0, 32, 0, 0xffff_fff0], true),
    ];
    for (i, &(func, args, traps)) in calls.iter().enumerate() {
        let what = format!("zkvm_{func}{args:x?}");
        let path = write_tmp(&format!("{func}-{i}"), &call_module(func, SIG, args));
        ends_alike(&path, &what, traps, 100_000_000);
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn wrong_signatures_are_errors_naming_the_import() {
    for (func, sig, found) in [
        (
            "secp256k1_verify",
            "(param i32 i32 i32) (result i32)",
            "(i32, i32, i32) -> i32",
        ),
        (
            "secp256k1_ecrecover",
            "(param i32 i32 i32 i32)",
            "(i32, i32, i32, i32)",
        ),
    ] {
        let text = format!(
            r#"(module (import "zkvm" "zkvm_{func}" (func $f {sig})) (memory 1)
  (func (export "_start")))"#
        );
        refuses_wrong_signature(&text, func, found, "(i32, i32, i32, i32) -> i32");
    }
}

/// What `examples/c/ecrecover.c` prints: go-ethereum's "ValidKey", its address and verdict.
const C_EXAMPLE_OUTPUT: &str =
    "key 3a514176466fa815ed481ffad09110a2d344f6c9b78c1d14afc351c3a51be33d\
     8072e77939dc03ba44790779b7a1025baf3003f6732430e20cd9b76d953391b3\n\
     address a94f5374fce5edbc8e2a8697c15331677e6ebf0b\nverified 1\n";

fn check_c_example(wasm: &Path) {
    let module = driver::load(wasm).expect("load");
    let oracle = run_command(&module, b"", Default::default());
    assert_eq!(oracle.exit, Exit::Code(0), "{}", wasm.display());
    assert_eq!(String::from_utf8_lossy(&oracle.stdout), C_EXAMPLE_OUTPUT);
    let layout = driver::layout(&compile(wasm, &at(OptLevel::O2))).unwrap();
    let run = driver::run_zisk(&layout.rom, b"", 100_000_000).unwrap();
    assert_eq!(run.exit, ZiskExit::Code(0), "{}", wasm.display());
    assert_eq!(String::from_utf8_lossy(&run.console), C_EXAMPLE_OUTPUT);
}

#[test]
fn c_example_recovers_the_address() {
    check_c_example(&workspace().join("examples/c/wasm/ecrecover.wasm"));
}

/// `examples/c/build.sh`'s command for the example, when clang can build for wasm32-wasi here.
#[test]
fn c_example_builds_with_clang_and_runs() {
    let Some(clang) = zkc_testkit::find_tool("CLANG", "clang") else {
        println!("SKIPPED: clang not found");
        return;
    };
    let out = std::env::temp_dir().join(format!("zkc-zkvm-ecrecover-{}.wasm", std::process::id()));
    let status = std::process::Command::new(&clang)
        .args(["--target=wasm32-wasi", "-O2", "-Wl,--strip-debug", "-I"])
        .arg(workspace().join("guest/c"))
        .arg("-o")
        .arg(&out)
        .arg(workspace().join("examples/c/ecrecover.c"))
        .output()
        .expect("clang runs");
    if !status.status.success() {
        let err = String::from_utf8_lossy(&status.stderr);
        if err.contains("wasi") || err.contains("file not found") || err.contains("crt1.o") {
            println!("SKIPPED: clang cannot build for wasm32-wasi here: {err}");
            return;
        }
        panic!("clang: {err}");
    }
    check_c_example(&out);
    std::fs::remove_file(&out).unwrap();
}

//! The BLAKE2b compression accelerator (`zkvm_blake2f`) end to end: a wasm program
//! (`backend-zisk/tests/zkvm/blake2f.wat`) calls it on an EIP-152 input and prints the status
//! and the state. go-ethereum's EIP-152 vectors (0, 1 and 12 rounds, final and not), and
//! one-block BLAKE2b-512 digests of messages of edge lengths whose reference is the `blake2`
//! crate, give the same results in the reference interpreter and on zkc's emulator at -O0 and
//! -O2; on the real `ziskemu`, the assembly and the ELF print the same console, cost report and
//! public output as zkc's emulator (skipped without ziskemu, unless `ZKC_REQUIRE_ZISKEMU` is
//! set). Bad pointers trap like out-of-bounds accesses, and a wrong import signature is an
//! error that names the import.

mod zkvm_common;

use std::path::PathBuf;

use zkc_testkit::{workspace, Rng};
use zkvm_common::{
    ends_alike, hex, match_everywhere, refuses_wrong_signature, runs, unhex, ziskemu_agrees, AsRun,
};

fn blake2f_wat() -> PathBuf {
    workspace().join("backend-zisk/tests/zkvm/blake2f.wat")
}

/// go-ethereum core/vm/testdata/precompiles/blake2F.json, vectors 4 to 7 (vector 8 has 8
/// million rounds): the EIP-152 input and the expected state.
const VECTORS: &[(&str, &str, &str)] = &[
    ("vector 4", "0000000048c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b61626300000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000300000000000000000000000000000001", "08c9bcf367e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d282e6ad7f520e511f6c3e2b8c68059b9442be0454267ce079217e1319cde05b"),
    ("vector 5", "0000000c48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b61626300000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000300000000000000000000000000000001", "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"),
    ("vector 6", "0000000c48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b61626300000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000300000000000000000000000000000000", "75ab69d3190a562c51aef8d88f1c2775876944407270c42c9844252c26d2875298743e7f6d5ea2f2d3e8d226039cd31b4e426ac4f2d3d666a610c2116fde4735"),
    ("vector 7", "0000000148c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b61626300000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000300000000000000000000000000000001", "b63a380cb2897d521994a85234ee2c181b5f844d2c624c002677e9703449d2fba551b3a8333bcdf5f2f7e08993d53923de3d64fcc68c034e717b9293fed7a421"),
];

/// BLAKE2b's initialization vector (RFC 7693, 2.6).
const IV: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

struct Case {
    name: String,
    input: Vec<u8>,
    want: Vec<u8>,
    skew: u8,
}

impl AsRun for Case {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn stdin(&self) -> Vec<u8> {
        let mut s = vec![0, self.skew, 0, 0, 0, 0, 0, 0];
        s.extend(std::iter::repeat_n(0xcc, self.skew as usize));
        s.extend_from_slice(&self.input);
        s
    }

    fn expected(&self) -> String {
        format!("00000000{}\n", hex(&self.want))
    }
}

/// The EIP-152 input of BLAKE2b-512's only block for a message of at most 128 bytes (RFC 7693,
/// 3.3: h = IV with the parameter block's first word, 0x01010040, XORed in; t = the length;
/// the last block).
fn one_block(msg: &[u8]) -> Vec<u8> {
    let mut input = 12u32.to_be_bytes().to_vec();
    for (i, iv) in IV.iter().enumerate() {
        let h = if i == 0 { iv ^ 0x0101_0040 } else { *iv };
        input.extend_from_slice(&h.to_le_bytes());
    }
    let mut block = msg.to_vec();
    block.resize(128, 0);
    input.extend_from_slice(&block);
    input.extend_from_slice(&(msg.len() as u64).to_le_bytes());
    input.extend_from_slice(&0u64.to_le_bytes());
    input.push(1);
    input
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for &(name, input, want) in VECTORS {
        cases.push(Case {
            name: name.into(),
            input: unhex(input),
            want: unhex(want),
            skew: (cases.len() % 8) as u8,
        });
    }
    let mut rng = Rng(0xb1a4_e2f0_0016_0009);
    for len in [0, 1, 3, 63, 64, 127, 128] {
        let msg: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        let want = <blake2::Blake2b512 as blake2::Digest>::digest(&msg).to_vec();
        cases.push(Case {
            name: format!("BLAKE2b-512 of {len} bytes"),
            input: one_block(&msg),
            want,
            skew: (cases.len() % 8) as u8,
        });
    }
    cases
}

#[test]
fn results_match_eip152_and_blake2_in_the_interpreter_and_on_zisk() {
    match_everywhere(&blake2f_wat(), &runs(cases().iter()));
}

#[test]
fn real_ziskemu_agrees() {
    ziskemu_agrees(&blake2f_wat(), "blake2f", &runs(cases().iter().step_by(2)));
}

#[test]
fn bad_pointers_trap_and_wrong_signatures_are_errors() {
    const PAGE: u32 = 65536;
    // (h, m, t, traps)
    let calls = [
        (PAGE - 64, PAGE - 128, PAGE - 16, false),
        (PAGE - 63, 0, 200, true),
        (0, PAGE - 127, 200, true),
        (0, 64, PAGE - 15, true),
        (0, 64, u32::MAX, true),
    ];
    for (i, &(h, m, t, traps)) in calls.iter().enumerate() {
        let what = format!("zkvm_blake2f(12, {h:#x}, {m:#x}, {t:#x}, 1)");
        let text = format!(
            r#"(module
  (import "zkvm" "zkvm_blake2f" (func $f (param i32 i32 i32 i32 i32) (result i32)))
  (memory 1)
  (func (export "_start")
    (drop (call $f (i32.const 12) (i32.const {h}) (i32.const {m}) (i32.const {t}) (i32.const 1)))))"#
        );
        let path =
            std::env::temp_dir().join(format!("zkc-zkvm-blake2f-{}-{i}.wat", std::process::id()));
        std::fs::write(&path, text).unwrap();
        ends_alike(&path, &what, traps, 100_000_000);
        std::fs::remove_file(&path).unwrap();
    }
    let text = r#"(module (import "zkvm" "zkvm_blake2f" (func $f (param i32 i32 i32 i32) (result i32)))
  (memory 1) (func (export "_start")))"#;
    refuses_wrong_signature(
        text,
        "blake2f",
        "(i32, i32, i32, i32) -> i32",
        "(i32, i32, i32, i32, i32) -> i32",
    );
}

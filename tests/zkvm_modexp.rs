//! The modular exponentiation accelerator (`zkvm_modexp`, EIP-198) end to end: a wasm program
//! (`backend-zisk/tests/zkvm/modexp.wat`) calls it on operands from its stdin and prints the
//! status and the output. The results must be `num-bigint`'s, in the reference interpreter and
//! on zkc's emulator at -O0 and -O2, on: go-ethereum's EIP-198 and EIP-2565 vectors
//! (`tests/modexp_eip2565.json`, a copy of go-ethereum's
//! `core/vm/testdata/precompiles/modexp_eip2565.json` at commit 02b73d4e, whose vectors include
//! all of `modexp.json`'s), whose expected outputs are checked against `num-bigint` too; random
//! operands of the edge lengths 0, 1, 31, 32, 33, 64, 65 and 1056 with odd and even moduli
//! (each of the runtime's three arithmetics), even moduli 2^k q with k a multiple of 64 or
//! not and q 1, small or large; moduli 0 and 1, zero exponents and bases, leading zero bytes;
//! the output over the base. An operand of 1057 bytes returns -1 (ZisK's
//! limit) and writes nothing. On the real `ziskemu`, the assembly and the ELF print the same
//! console, cost report and public output as zkc's emulator (skipped without ziskemu, unless
//! `ZKC_REQUIRE_ZISKEMU` is set). Bad pointers trap like out-of-bounds accesses.

mod zkvm_common;

use std::path::PathBuf;

use num_bigint::BigUint;
use zkc_testkit::{workspace, Rng};
use zkvm_common::{
    ends_alike, hex, match_everywhere, refuses_wrong_signature, runs, unhex, ziskemu_agrees, AsRun,
};

fn modexp_wat() -> PathBuf {
    workspace().join("backend-zisk/tests/zkvm/modexp.wat")
}

struct Case {
    name: String,
    base: Vec<u8>,
    exp: Vec<u8>,
    modulus: Vec<u8>,
    skew: u8,
    /// The output over the base (the program's mode 2) instead of apart.
    in_place: bool,
}

impl Case {
    fn new(name: impl Into<String>, base: Vec<u8>, exp: Vec<u8>, modulus: Vec<u8>) -> Case {
        Case {
            name: name.into(),
            base,
            exp,
            modulus,
            skew: 0,
            in_place: false,
        }
    }
}

impl AsRun for Case {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn stdin(&self) -> Vec<u8> {
        let mut s = vec![2 * self.in_place as u8, self.skew, 0, 0, 0, 0, 0, 0];
        for x in [&self.base, &self.exp, &self.modulus] {
            s.extend_from_slice(&(x.len() as u32).to_le_bytes());
        }
        s.extend(std::iter::repeat_n(0xcc, self.skew as usize));
        for x in [&self.base, &self.exp, &self.modulus] {
            s.extend_from_slice(x);
        }
        s
    }

    /// The status and the output: num-bigint's result, or -1 with the output untouched.
    fn expected(&self) -> String {
        let too_long = [&self.base, &self.exp, &self.modulus]
            .iter()
            .any(|x| x.len() > 1056);
        if too_long {
            let untouched = if self.in_place {
                hex(&self.base[..self.modulus.len().min(self.base.len())])
            } else {
                "00".repeat(self.modulus.len())
            };
            return format!("ffffffff{untouched}\n");
        }
        format!(
            "00000000{}\n",
            hex(&modexp(&self.base, &self.exp, &self.modulus))
        )
    }
}

/// base^exp mod modulus as `modulus.len()` big-endian bytes, zeros for a zero modulus.
fn modexp(base: &[u8], exp: &[u8], modulus: &[u8]) -> Vec<u8> {
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

/// The value of each `"key": "..."` in the JSON text, in order.
fn json_strings<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    let pat = format!("\"{key}\": \"");
    text.match_indices(&pat)
        .map(|(i, _)| {
            let rest = &text[i + pat.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

/// go-ethereum's vectors: EIP-198's input (three 32-byte lengths, then the operands, zeros
/// past its end) split into operands; the expected output is checked against num-bigint's.
fn vectors() -> Vec<Case> {
    let text = std::fs::read_to_string(workspace().join("tests/modexp_eip2565.json")).unwrap();
    let (inputs, wants, names) = (
        json_strings(&text, "Input"),
        json_strings(&text, "Expected"),
        json_strings(&text, "Name"),
    );
    assert_eq!(inputs.len(), 47);
    assert!(inputs.len() == wants.len() && inputs.len() == names.len());
    let mut cases = Vec::new();
    for ((input, want), name) in inputs.iter().zip(&wants).zip(&names) {
        let mut input = unhex(input);
        let len = |i: usize| {
            let word = &input[32 * i..32 * i + 32];
            u32::from_be_bytes(word[28..].try_into().unwrap()) as usize
        };
        let (bl, el, ml) = (len(0), len(1), len(2));
        input.resize(96 + bl + el + ml, 0);
        let case = Case::new(
            *name,
            input[96..96 + bl].to_vec(),
            input[96 + bl..96 + bl + el].to_vec(),
            input[96 + bl + el..].to_vec(),
        );
        assert_eq!(
            hex(&modexp(&case.base, &case.exp, &case.modulus)),
            *want,
            "{name}: num-bigint"
        );
        cases.push(case);
    }
    cases
}

/// Random operands of edge lengths, special values and the 1056-byte limit.
fn edge_cases() -> Vec<Case> {
    let mut rng = Rng(0x6d6f_6465_7870_0016);
    let mut bytes = |n: usize| -> Vec<u8> { (0..n).map(|_| rng.next_u64() as u8).collect() };
    let mut cases = Vec::new();
    let with_parity = |mut m: Vec<u8>, odd: bool| {
        if let Some(last) = m.last_mut() {
            *last = if odd { *last | 1 } else { *last & !1 };
        }
        if let Some(first) = m.first_mut() {
            *first |= 0x80;
        }
        m
    };
    for ml in [0, 1, 31, 32, 33, 64, 65] {
        for odd in [true, false] {
            let m = with_parity(bytes(ml), odd);
            let parity = if odd { "odd" } else { "even" };
            cases.push(Case::new(
                format!("{ml}-byte {parity} modulus"),
                bytes(40),
                bytes(9),
                m,
            ));
        }
    }
    for bl in [0, 1, 31, 32, 33, 64, 65, 1056] {
        for ml in [32, 65] {
            let m = with_parity(bytes(ml), true);
            cases.push(Case::new(
                format!("{bl}-byte base, {ml}-byte modulus"),
                bytes(bl),
                bytes(4),
                m,
            ));
        }
    }
    for el in [0, 1, 31, 32, 33, 64, 65] {
        let m = with_parity(bytes(33), true);
        cases.push(Case::new(
            format!("{el}-byte exponent"),
            bytes(33),
            bytes(el),
            m,
        ));
    }
    cases.push(Case::new(
        "1056-byte exponent",
        bytes(20),
        bytes(1056),
        with_parity(bytes(8), true),
    ));
    cases.push(Case::new(
        "1056-byte odd modulus",
        bytes(1056),
        vec![1, 0, 1],
        with_parity(bytes(1056), true),
    ));
    cases.push(Case::new(
        "1056-byte even modulus",
        bytes(40),
        vec![2],
        with_parity(bytes(1056), false),
    ));
    let small = |n: usize, v: u8| {
        let mut m = vec![0; n];
        m[n - 1] = v;
        m
    };
    cases.push(Case::new("modulus 0", bytes(32), bytes(3), small(32, 0)));
    cases.push(Case::new("modulus 1", bytes(32), bytes(3), small(1, 1)));
    cases.push(Case::new(
        "modulus 1 in 100 bytes",
        bytes(70),
        bytes(3),
        small(100, 1),
    ));
    cases.push(Case::new(
        "modulus 5 in 100 bytes",
        bytes(70),
        bytes(3),
        small(100, 5),
    ));
    cases.push(Case::new(
        "modulus 2^64 + 1 in 40 bytes",
        bytes(70),
        bytes(3),
        {
            let mut m = small(40, 1);
            m[31] = 1;
            m
        },
    ));
    cases.push(Case::new("modulus 2^256", bytes(70), bytes(3), {
        let mut m = small(33, 0);
        m[0] = 1;
        m
    }));
    // even moduli q 2^k: k a multiple of 64 (whole zero limbs) or not, q of one limb or many
    for (name, q, zeros, bits) in [
        ("3 * 2^300", small(1, 3), 37, 4),
        (
            "q * 2^128, q of 40 bytes",
            with_parity(bytes(40), true),
            16,
            0,
        ),
        (
            "q * 2^131, q of 40 bytes",
            with_parity(bytes(40), true),
            16,
            3,
        ),
        ("2^1000", small(1, 1), 125, 0),
    ] {
        let m = BigUint::from_bytes_be(&q) << (8 * zeros + bits) as usize;
        cases.push(Case::new(
            format!("modulus {name}"),
            bytes(130),
            bytes(20),
            m.to_bytes_be(),
        ));
    }
    cases.push(Case::new(
        "exponent 0 in 40 bytes",
        bytes(70),
        vec![0; 40],
        bytes(48),
    ));
    cases.push(Case::new(
        "exponent 0, modulus 1",
        bytes(7),
        vec![],
        small(40, 1),
    ));
    cases.push(Case::new("base 0", vec![0; 50], bytes(5), bytes(50)));
    cases.push(Case::new("exponent 1", bytes(90), vec![0, 1], bytes(70)));
    for (role, i) in [("base", 0), ("exponent", 1), ("modulus", 2)] {
        let mut ops = [bytes(4), bytes(4), with_parity(bytes(4), true)];
        ops[i] = vec![0; 1057];
        let [b, e, m] = ops;
        cases.push(Case::new(format!("1057-byte {role}"), b, e, m));
    }
    for (i, case) in cases.iter_mut().enumerate() {
        case.skew = (i % 8) as u8;
    }
    cases
}

/// A few of the cases with the output over the base.
fn in_place_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut rng = Rng(0x696e_706c_6163_6516);
    let mut bytes = |n: usize| -> Vec<u8> { (0..n).map(|_| rng.next_u64() as u8).collect() };
    for (bl, ml) in [(32, 32), (8, 20), (70, 65), (40, 64)] {
        let mut m = bytes(ml);
        m[ml - 1] |= (ml % 2 == 1) as u8;
        let mut case = Case::new(
            format!("{bl}-byte base, {ml}-byte modulus, in place"),
            bytes(bl),
            bytes(5),
            m,
        );
        case.in_place = true;
        case.skew = 3;
        cases.push(case);
    }
    cases
}

fn all_cases() -> Vec<Case> {
    let mut cases = vectors();
    cases.extend(edge_cases());
    cases.extend(in_place_cases());
    cases
}

#[test]
fn results_match_num_bigint_in_the_interpreter_and_on_zisk() {
    match_everywhere(&modexp_wat(), &runs(all_cases().iter()));
}

#[test]
fn real_ziskemu_agrees() {
    let cases = all_cases();
    ziskemu_agrees(&modexp_wat(), "modexp", &runs(cases.iter().step_by(3)));
}

#[test]
fn bad_pointers_trap() {
    const PAGE: u32 = 65536;
    // (base, base_len, exp, exp_len, modulus, mod_len, output, traps)
    let calls = [
        (PAGE - 3, 3, PAGE - 2, 2, PAGE - 1, 1, PAGE - 1, false),
        (PAGE - 3, 4, 0, 1, 8, 1, 16, true),
        (0, 1, PAGE - 1, 2, 8, 1, 16, true),
        (0, 1, 4, 1, PAGE - 1, 2, 16, true),
        (0, 1, 4, 1, 8, 2, PAGE - 1, true),
        (0, 1, 4, 1, 8, 0, PAGE, false),
        (0, 1, 4, 1, 8, 0, PAGE + 1, true),
        (u32::MAX, 1, 4, 1, 8, 1, 16, true),
        (0, 1, 4, 1, 8, 1, u32::MAX, true),
        (0, 1057, 4, 1, 8, 1, 16, false),
    ];
    for (i, &(b, bl, e, el, m, ml, out, traps)) in calls.iter().enumerate() {
        let what = format!("zkvm_modexp({b:#x}, {bl}, {e:#x}, {el}, {m:#x}, {ml}, {out:#x})");
        let text = format!(
            r#"(module
  (import "zkvm" "zkvm_modexp" (func $f (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory 1)
  (func (export "_start")
    (drop (call $f (i32.const {b}) (i32.const {bl}) (i32.const {e}) (i32.const {el})
      (i32.const {m}) (i32.const {ml}) (i32.const {out})))))"#
        );
        let path =
            std::env::temp_dir().join(format!("zkc-zkvm-modexp-{}-{i}.wat", std::process::id()));
        std::fs::write(&path, text).unwrap();
        ends_alike(&path, &what, traps, 100_000_000);
        std::fs::remove_file(&path).unwrap();
    }
}

/// An import of `zkvm_modexp` whose type is not the ABI's is an error naming it, compiling and
/// interpreting (here the output pointer is missing).
#[test]
fn a_wrong_signature_is_an_error_naming_the_import() {
    let text = r#"(module (import "zkvm" "zkvm_modexp" (func $f (param i32 i32 i32 i32 i32 i32) (result i32)))
  (memory 1) (func (export "_start")))"#;
    refuses_wrong_signature(
        text,
        "modexp",
        "(i32, i32, i32, i32, i32, i32) -> i32",
        "(i32, i32, i32, i32, i32, i32, i32) -> i32",
    );
}

//! The zkVM accelerators (`"zkvm"` imports) end to end: a wasm program hashes messages of the
//! edge lengths of each hash (0, 1, block − 1, block, block + 1, 2·block + 1, the lengths
//! around the SHA-256 and RIPEMD-160 length field) and random lengths, at every alignment, with
//! the output apart from the input or over it. Its digests (RIPEMD-160's right-aligned in a
//! 32-byte word) must be the `sha3`/`sha2`/`ripemd` crates', in the
//! reference interpreter (the frontend's IR) and on zkc's emulator at -O0 and -O2; on the real
//! `ziskemu`, the assembly (`--emit zisk`) and the ELF (`--emit elf`) print the same console,
//! cost report and public output as zkc's emulator (skipped without ziskemu, unless
//! `ZKC_REQUIRE_ZISKEMU` is set). Bad pointers trap like out-of-bounds accesses in both, and
//! wrong import signatures are errors that name the import.
//!
//! The C example (`examples/c/hash.c` with `guest/c/zkvm.h`), as checked in and, when clang
//! builds for wasm32-wasi here, rebuilt: both builds (accelerated and software) print the
//! crates' digests in the interpreter and on zkc's emulator. The Rust and Go examples
//! (`examples/rust` over `guest/rust`, `examples/go` over `guest/go`), built with the toolchains
//! when they target wasm here, hash their stdin to the crates' digests in both too.

mod zkvm_common;

use std::path::{Path, PathBuf};

use zkc::driver::{self, OptLevel, ZiskExit};
use zkc_ir::interp::{run_command, Exit};
use zkc_testkit::{workspace, Rng};
use zkvm_common::{
    at, compile, ends_alike, hex, match_everywhere, refuses_wrong_signature, runs, ziskemu_agrees,
    AsRun,
};

fn hash_wat() -> PathBuf {
    workspace().join("backend-zisk/tests/zkvm/hash.wat")
}

#[derive(Clone, Copy, Debug)]
enum Hash {
    Keccak256,
    Sha256,
    /// The 20-byte digest right-aligned in a 32-byte word, as `zkvm_ripemd160` writes it.
    Ripemd160,
}

impl Hash {
    fn digest(self, msg: &[u8]) -> [u8; 32] {
        match self {
            Hash::Keccak256 => <sha3::Keccak256 as sha3::Digest>::digest(msg).into(),
            Hash::Sha256 => <sha2::Sha256 as sha2::Digest>::digest(msg).into(),
            Hash::Ripemd160 => {
                let mut word = [0u8; 32];
                word[12..].copy_from_slice(&<ripemd::Ripemd160 as ripemd::Digest>::digest(msg));
                word
            }
        }
    }

    fn block(self) -> usize {
        match self {
            Hash::Keccak256 => 136,
            Hash::Sha256 | Hash::Ripemd160 => 64,
        }
    }
}

/// One run of `hash.wat`: which hash, the message, its misalignment, whether the output
/// overwrites the input.
struct Case {
    hash: Hash,
    msg: Vec<u8>,
    skew: u8,
    overlap: bool,
}

impl AsRun for Case {
    /// The program's stdin (see `hash.wat`).
    fn stdin(&self) -> Vec<u8> {
        let which = match self.hash {
            Hash::Keccak256 => 0,
            Hash::Sha256 => 1,
            Hash::Ripemd160 => 4,
        };
        let flags = which | (self.overlap as u8) << 1;
        let mut s = vec![flags, self.skew];
        s.extend(std::iter::repeat_n(0xee, self.skew as usize));
        s.extend_from_slice(&self.msg);
        s
    }

    fn expected(&self) -> String {
        hex(&self.hash.digest(&self.msg)) + "\n"
    }

    fn name(&self) -> String {
        format!(
            "{:?} of {} bytes at +{}{}",
            self.hash,
            self.msg.len(),
            self.skew,
            if self.overlap {
                ", output over input"
            } else {
                ""
            }
        )
    }
}

fn cases() -> Vec<Case> {
    let mut rng = Rng(0x2c0f_fee5_eed5_0016);
    let mut cases = Vec::new();
    for hash in [Hash::Keccak256, Hash::Sha256, Hash::Ripemd160] {
        let b = hash.block();
        let mut lens = vec![
            0,
            1,
            b - 1,
            b,
            b + 1,
            2 * b + 1,
            55,
            56,
            63,
            64,
            65,
            119,
            120,
        ];
        lens.extend((0..6).map(|_| rng.below(5 * b)));
        for (i, len) in lens.into_iter().enumerate() {
            let msg = (0..len).map(|_| rng.next_u64() as u8).collect();
            cases.push(Case {
                hash,
                msg,
                skew: (i % 8) as u8,
                overlap: i % 3 == 2,
            });
        }
    }
    cases
}

#[test]
fn digests_match_the_crates_in_the_interpreter_and_on_zisk() {
    match_everywhere(&hash_wat(), &runs(cases().iter()));
}

#[test]
fn real_ziskemu_agrees() {
    // Every edge case of each hash, and two of the random lengths.
    ziskemu_agrees(
        &hash_wat(),
        "hash",
        &runs(
            cases()
                .iter()
                .filter(|c| c.msg.len() < 2 * c.hash.block() + 2),
        ),
    );
}

/// A module whose `_start` calls `zkvm_FUNC(data, len, out)` on a memory of one page.
fn call_module(func: &str, sig: &str, data: u32, len: u32, out: u32) -> String {
    format!(
        r#"(module
  (import "zkvm" "zkvm_{func}" (func $f {sig}))
  (memory 1)
  (func (export "_start")
    (drop (call $f (i32.const {data}) (i32.const {len}) (i32.const {out})))))"#
    )
}

const SIG: &str = "(param i32 i32 i32) (result i32)";

fn write_tmp(name: &str, text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("zkc-zkvm-{}-{name}.wat", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn bad_pointers_trap_like_out_of_bounds_accesses() {
    const PAGE: u32 = 65536;
    // (data, len, out, traps)
    let calls = [
        (PAGE, 0, 0, false),
        (PAGE - 8, 8, PAGE - 32, false),
        (PAGE - 7, 8, 0, true),
        (0, PAGE + 1, 0, true),
        (0xffff_fff0, 32, 0, true),
        (0, 4, PAGE - 31, true),
        (0, 4, 0xffff_fff0, true),
    ];
    for func in ["keccak256", "sha256", "ripemd160"] {
        for (i, &(data, len, out, traps)) in calls.iter().enumerate() {
            let what = format!("zkvm_{func}({data:#x}, {len}, {out:#x})");
            let path = write_tmp(
                &format!("{func}-{i}"),
                &call_module(func, SIG, data, len, out),
            );
            ends_alike(&path, &what, traps, 10_000_000);
            std::fs::remove_file(&path).unwrap();
        }
    }
}

#[test]
fn wrong_signatures_are_errors_naming_the_import() {
    refuses_wrong_signature(
        &call_module("sha256", "(param i32 i32 i32) (result i64)", 0, 0, 0),
        "sha256",
        "(i32, i32, i32) -> i64",
        "(i32, i32, i32) -> i32",
    );
}

/// The message `examples/c/hash.c` hashes: `len` bytes of its xorshift64 stream.
fn example_message(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut bytes = Vec::new();
    while bytes.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

/// What `examples/c/hash.c` prints for stdin `"LEN WHICH REPS"`: each hash computed `reps`
/// times, each time after XORing the first 8 bytes of the last digest into the message's.
fn example_output(len: usize, which: char, reps: usize) -> String {
    let mut msg = example_message(len);
    let mut out = String::new();
    for (name, letter, hash) in [
        ("keccak256", 'k', Hash::Keccak256),
        ("sha256", 's', Hash::Sha256),
    ] {
        if which != 'b' && which != letter {
            continue;
        }
        let mut d = hash.digest(&msg);
        for _ in 1..reps {
            if len >= 8 {
                for (m, x) in msg.iter_mut().zip(&d[..8]) {
                    *m ^= x;
                }
            }
            d = hash.digest(&msg);
        }
        out += &format!("{name} {}\n", hex(&d));
    }
    out
}

/// `wasm` (a build of `examples/c/hash.c`) prints the crates' digests in the interpreter and
/// on zkc's emulator.
fn check_c_example(wasm: &Path) {
    let module = driver::load(wasm).expect("load");
    let layout = driver::layout(&compile(wasm, &at(OptLevel::O2))).unwrap();
    let cases = [
        (0, 'b', 1),
        (1, 'k', 1),
        (135, 'b', 1),
        (136, 's', 1),
        (1024, 'b', 1),
        (3000, 'b', 1),
        (7, 'b', 3),
        (64, 'k', 2),
        (200, 'b', 3),
    ];
    for (len, which, reps) in cases {
        let stdin = format!("{len} {which} {reps}");
        let want = example_output(len, which, reps);
        let oracle = run_command(&module, stdin.as_bytes(), Default::default());
        assert_eq!(oracle.exit, Exit::Code(0), "{}: {stdin}", wasm.display());
        assert_eq!(String::from_utf8_lossy(&oracle.stdout), want, "{stdin}");
        let run = driver::run_zisk(&layout.rom, stdin.as_bytes(), 1_000_000_000).unwrap();
        assert_eq!(run.exit, ZiskExit::Code(0), "{}: {stdin}", wasm.display());
        assert_eq!(String::from_utf8_lossy(&run.console), want, "{stdin}");
    }
}

#[test]
fn c_example_prints_the_crates_digests() {
    for name in ["hash", "hash_sw"] {
        check_c_example(&workspace().join(format!("examples/c/wasm/{name}.wasm")));
    }
}

/// `examples/c/build.sh`'s commands, into a temporary directory, when clang can build for
/// wasm32-wasi here.
#[test]
fn c_example_builds_with_clang_and_runs() {
    let Some(clang) = zkc_testkit::find_tool("CLANG", "clang") else {
        println!("SKIPPED: clang not found");
        return;
    };
    let tmp = std::env::temp_dir().join(format!("zkc-zkvm-c-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let src = workspace().join("examples/c/hash.c");
    let include = workspace().join("guest/c");
    for (name, define) in [("hash", None), ("hash_sw", Some("-DZKVM_SOFTWARE"))] {
        let out = tmp.join(format!("{name}.wasm"));
        let mut cmd = std::process::Command::new(&clang);
        cmd.args(["--target=wasm32-wasi", "-O2", "-Wl,--strip-debug", "-I"])
            .arg(&include)
            .args(define)
            .arg("-o")
            .arg(&out)
            .arg(&src);
        let status = cmd.output().expect("clang runs");
        if !status.status.success() {
            let err = String::from_utf8_lossy(&status.stderr);
            if err.contains("wasi") || err.contains("file not found") {
                println!("SKIPPED: clang cannot build for wasm32-wasi here: {err}");
                return;
            }
            panic!("clang {name}: {err}");
        }
        check_c_example(&out);
    }
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// A guest example's wasm (`examples/rust`, `examples/go`) hashes stdin: the crates' digests
/// in the interpreter and on zkc's emulator.
fn check_stdin_example(wasm: &Path) {
    let module = driver::load(wasm).expect("load");
    let layout = driver::layout(&compile(wasm, &at(OptLevel::O2))).unwrap();
    for stdin in [&b""[..], b"abc", &example_message(1000)] {
        let want = format!(
            "keccak256 {}\nsha256 {}\n",
            hex(&Hash::Keccak256.digest(stdin)),
            hex(&Hash::Sha256.digest(stdin))
        );
        let oracle = run_command(&module, stdin, Default::default());
        assert_eq!(oracle.exit, Exit::Code(0), "{}", wasm.display());
        assert_eq!(String::from_utf8_lossy(&oracle.stdout), want);
        let run = driver::run_zisk(&layout.rom, stdin, 2_000_000_000).unwrap();
        assert_eq!(run.exit, ZiskExit::Code(0), "{}", wasm.display());
        assert_eq!(String::from_utf8_lossy(&run.console), want);
    }
}

/// Runs a toolchain command; `None` (with a SKIPPED line) when it cannot build here.
fn build(what: &str, cmd: &mut std::process::Command) -> Option<()> {
    match cmd.output() {
        Ok(out) if out.status.success() => Some(()),
        Ok(out) => {
            let err = String::from_utf8_lossy(&out.stderr);
            // A missing target or toolchain is this machine's; anything else is the example's.
            assert!(
                err.contains("target may not be installed") || err.contains("not supported"),
                "{what}: {err}"
            );
            println!("SKIPPED: {what} cannot build here: {err}");
            None
        }
        Err(e) => {
            println!("SKIPPED: {what}: {e}");
            None
        }
    }
}

#[test]
fn rust_example_builds_for_wasm32_wasip1_and_runs() {
    let tmp = std::env::temp_dir().join(format!("zkc-zkvm-rust-{}", std::process::id()));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = std::process::Command::new(cargo);
    cmd.current_dir(workspace().join("examples/rust"))
        .args([
            "build",
            "--release",
            "--offline",
            "--target",
            "wasm32-wasip1",
        ])
        .env("CARGO_TARGET_DIR", &tmp);
    if build("cargo build --target wasm32-wasip1", &mut cmd).is_none() {
        return;
    }
    check_stdin_example(&tmp.join("wasm32-wasip1/release/zkvm-hash-example.wasm"));
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn go_example_builds_for_wasip1_and_runs() {
    let Some(go) = zkc_testkit::find_tool("GO", "go") else {
        println!("SKIPPED: go not found");
        return;
    };
    let wasm = std::env::temp_dir().join(format!("zkc-zkvm-go-{}.wasm", std::process::id()));
    let mut cmd = std::process::Command::new(go);
    cmd.current_dir(workspace().join("examples/go"))
        .args(["build", "-o"])
        .arg(&wasm)
        .arg(".")
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm");
    if build("go build (GOOS=wasip1 GOARCH=wasm)", &mut cmd).is_none() {
        return;
    }
    check_stdin_example(&wasm);
    std::fs::remove_file(&wasm).unwrap();
}

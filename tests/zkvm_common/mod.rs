//! What the zkVM accelerator tests share: each accelerator's cases run as a program's stdin
//! through the reference interpreter and through zkc's ZisK code at -O0 and -O2, and a sample
//! of them on the real `ziskemu` (`-z` and `-e`) against zkc's emulator.

use std::path::Path;
use zkc::driver::{self, OptLevel, Options, ZiskExit};
use zkc_backend_zisk::{emu, write_asm, zisk_bin, Emulator};
use zkc_ir::interp::{run_command, Exit, Trap};
use zkc_ir::TrapCode;

/// One case: the program's stdin and the output it must print.
pub struct Run {
    pub name: String,
    pub stdin: Vec<u8>,
    pub want: String,
}

/// An accelerator's test case, as a run.
pub trait AsRun {
    fn name(&self) -> String;
    /// The program's stdin.
    fn stdin(&self) -> Vec<u8>;
    /// What the program must print.
    fn expected(&self) -> String;
}

/// The cases as runs: name, stdin and expected output.
pub fn runs<'a, C: AsRun + 'a>(cases: impl Iterator<Item = &'a C>) -> Vec<Run> {
    cases
        .map(|case| Run {
            name: case.name(),
            stdin: case.stdin(),
            want: case.expected(),
        })
        .collect()
}

/// The bytes of a hex string (test vectors).
#[allow(dead_code, reason = "tests/zkvm.rs has no hex vectors")]
pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Bytes as lowercase hex (expected outputs).
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn at(level: OptLevel) -> Options {
    Options {
        opt_level: level,
        ..Options::default()
    }
}

pub fn compile(path: &Path, opts: &Options) -> zkc_backend_zisk::Program {
    let module = driver::load(path).expect("load");
    driver::codegen(module, opts, &mut std::io::sink()).expect("codegen")
}

/// Every run prints what it must and exits 0 in the interpreter and on zkc's emulator at -O0
/// and -O2.
pub fn match_everywhere(program: &Path, runs: &[Run]) {
    let module = driver::load(program).expect("load");
    let layouts: Vec<_> = [OptLevel::O0, OptLevel::O2]
        .into_iter()
        .map(|level| {
            (
                level,
                driver::layout(&compile(program, &at(level))).unwrap(),
            )
        })
        .collect();
    for r in runs {
        let oracle = run_command(&module, &r.stdin, Default::default());
        assert_eq!(oracle.exit, Exit::Code(0), "{}: interpreter", r.name);
        assert_eq!(
            String::from_utf8_lossy(&oracle.stdout),
            r.want,
            "{}: interpreter",
            r.name
        );
        for (level, layout) in &layouts {
            let run = driver::run_zisk(&layout.rom, &r.stdin, 100_000_000).unwrap();
            assert_eq!(run.exit, ZiskExit::Code(0), "{} at {level}", r.name);
            assert_eq!(
                String::from_utf8_lossy(&run.console),
                r.want,
                "{} at {level}",
                r.name
            );
        }
    }
}

/// `bench/soft/soft.wasm`, the benchmark's software build of the accelerators, prints what
/// the accelerated test program prints for each run (its stdin after the byte `program`) in
/// the reference interpreter and on zkc's emulator at -O2: the software column of the
/// benchmark's accelerator table computes the same thing.
#[allow(dead_code, reason = "only some accelerators have a software build")]
pub fn soft_agrees(program: u8, runs: &[Run]) {
    let wasm = zkc_testkit::workspace().join("bench/soft/soft.wasm");
    let module = driver::load(&wasm).expect("load");
    let layout = driver::layout(&compile(&wasm, &at(OptLevel::O2))).unwrap();
    for r in runs {
        let stdin = [&[program][..], &r.stdin].concat();
        let oracle = run_command(&module, &stdin, Default::default());
        assert_eq!(oracle.exit, Exit::Code(0), "{}: soft, interpreter", r.name);
        let out = String::from_utf8_lossy(&oracle.stdout);
        assert_eq!(out, r.want, "{}: soft, interpreter", r.name);
        let run = driver::run_zisk(&layout.rom, &stdin, u64::MAX).unwrap();
        assert_eq!(run.exit, ZiskExit::Code(0), "{}: soft at -O2", r.name);
        let out = String::from_utf8_lossy(&run.console);
        assert_eq!(out, r.want, "{}: soft at -O2", r.name);
    }
}

/// The real `ziskemu` runs the -O2 program's assembly (`-z`) and ELF (`-e`) on each run with
/// the output and cost report of zkc's emulator (skipped without ziskemu, unless
/// `ZKC_REQUIRE_ZISKEMU` is set).
pub fn ziskemu_agrees(program: &Path, tag: &str, runs: &[Run]) {
    let Some(ziskemu) = zkc_testkit::ziskemu_or_skip() else {
        return;
    };
    let tmp = std::env::temp_dir().join(format!("zkc-zkvm-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let compiled = compile(program, &at(OptLevel::O2));
    let layout = driver::layout(&compiled).unwrap();
    let asm = tmp.join(format!("{tag}.zisk"));
    let elf = tmp.join(format!("{tag}.elf"));
    std::fs::write(&asm, write_asm(&compiled).unwrap()).unwrap();
    std::fs::write(&elf, zisk_bin::write_elf(&layout.rom)).unwrap();
    for r in runs {
        let input = emu::legacy_input(&r.stdin);
        let input_path = tmp.join("input");
        std::fs::write(&input_path, &input).unwrap();
        let mut e = Emulator::new(&layout.rom, &input).unwrap();
        e.run(u64::MAX).unwrap();
        let ours = e.stdout_like_ziskemu();
        assert!(ours.starts_with(&r.want), "{}: ours", r.name);
        for (flag, file) in [("-z", &asm), ("-e", &elf)] {
            let theirs = zkc_testkit::run_ziskemu(&ziskemu, flag, file, Some(&input_path));
            assert_eq!(theirs, ours, "{}: ziskemu {flag}", r.name);
        }
    }
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// The module at `path` (a call of an accelerator, `what`) traps as an out-of-bounds access,
/// or exits 0 (`traps` false), in the interpreter and on zkc's emulator at -O0 and -O2.
pub fn ends_alike(path: &Path, what: &str, traps: bool, max_steps: u64) {
    let module = driver::load(path).unwrap();
    let oracle = run_command(&module, b"", Default::default());
    let (want_interp, want_zisk) = if traps {
        (
            Exit::Trap(Trap::Wasm(TrapCode::MemoryOutOfBounds)),
            ZiskExit::Trap(TrapCode::MemoryOutOfBounds),
        )
    } else {
        (Exit::Code(0), ZiskExit::Code(0))
    };
    assert_eq!(oracle.exit, want_interp, "{what}: interpreter");
    for level in [OptLevel::O0, OptLevel::O2] {
        let layout = driver::layout(&compile(path, &at(level))).unwrap();
        let run = driver::run_zisk(&layout.rom, b"", max_steps).unwrap();
        assert_eq!(run.exit, want_zisk, "{what} at {level}");
    }
}

/// Each call `(func, arguments, traps)` of an accelerator `zkvm_{func}` of `i32` arguments,
/// alone in a module of one page, traps as an out-of-bounds access or exits 0 (`traps`
/// false) everywhere ([`ends_alike`]). `tag` names the temporary files.
#[allow(
    dead_code,
    reason = "only the accelerators of pointers and lengths use it"
)]
pub fn calls_end_alike(tag: &str, calls: &[(&str, &[u32], bool)]) {
    for (i, &(func, args, traps)) in calls.iter().enumerate() {
        let shown: Vec<String> = args.iter().map(|a| format!("{a:#x}")).collect();
        let what = format!("zkvm_{func}({})", shown.join(", "));
        let params = vec!["i32"; args.len()].join(" ");
        let consts: Vec<String> = args.iter().map(|a| format!("(i32.const {a})")).collect();
        let text = format!(
            r#"(module
  (import "zkvm" "zkvm_{func}" (func $f (param {params}) (result i32)))
  (memory 1)
  (func (export "_start")
    (drop (call $f {}))))"#,
            consts.join(" ")
        );
        let path =
            std::env::temp_dir().join(format!("zkc-zkvm-{tag}-{}-{i}.wat", std::process::id()));
        std::fs::write(&path, text).unwrap();
        ends_alike(&path, &what, traps, 100_000_000);
        std::fs::remove_file(&path).unwrap();
    }
}

/// The module `text` (wasm text) imports `"zkvm" "zkvm_{func}"` with the type `found`
/// where the ABI's is `expected`: compiling it is an error naming the import, where the binary
/// declares it (its module name's length byte) and both types; the interpreter refuses to
/// link it with the same name and `found`.
pub fn refuses_wrong_signature(text: &str, func: &str, found: &str, expected: &str) {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!(
        "zkc-zkvm-{}-sig-{func}-{n}.wat",
        std::process::id()
    ));
    std::fs::write(&path, text).unwrap();
    let wasm = wat::parse_file(&path).unwrap();
    let field = format!("zkvm_{func}");
    let mut entry_bytes = b"\x04zkvm".to_vec();
    entry_bytes.push(field.len() as u8);
    entry_bytes.extend_from_slice(field.as_bytes());
    let entry = (wasm.windows(entry_bytes.len()))
        .position(|w| w == entry_bytes)
        .expect("the import entry");
    let name = format!("import \"zkvm\" \"{field}\" at {entry:#x}");
    let module = driver::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let err = driver::codegen(module.clone(), &at(OptLevel::O2), &mut std::io::sink())
        .expect_err("a wrong signature is refused");
    assert_eq!(
        err.to_string(),
        format!("{name} has type {found}, the runtime's is {expected}")
    );
    let oracle = run_command(&module, b"", Default::default());
    let Exit::Trap(Trap::Host(msg)) = oracle.exit else {
        panic!("the interpreter ran it: {:?}", oracle.exit)
    };
    assert!(msg.contains(&format!("{name} has type {found}")), "{msg}");
}

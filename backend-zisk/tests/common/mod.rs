//! Short constructors for test programs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use zkc_backend_zisk::program::DataDecl;
use zkc_backend_zisk::{
    ASrc, BSrc, Emulator, Flow, InstKind, Op, OpInst, Program, Rom, Status, Store, Target, Value,
};

pub fn ar(n: u8) -> ASrc<Value> {
    ASrc::Reg(n)
}
pub fn ai(v: u64) -> ASrc<Value> {
    ASrc::Imm(Value::Lit(v))
}
pub fn am(v: u64) -> ASrc<Value> {
    ASrc::Mem(Value::Lit(v))
}
pub fn asym(s: &str, off: i64) -> ASrc<Value> {
    ASrc::Imm(Value::Sym(s.to_string(), off))
}
pub fn br(n: u8) -> BSrc<Value> {
    BSrc::Reg(n)
}
pub fn bi(v: u64) -> BSrc<Value> {
    BSrc::Imm(Value::Lit(v))
}
pub fn bm(v: u64) -> BSrc<Value> {
    BSrc::Mem(Value::Lit(v))
}
pub fn bsym(s: &str, off: i64) -> BSrc<Value> {
    BSrc::Imm(Value::Sym(s.to_string(), off))
}
pub fn bmsym(s: &str, off: i64) -> BSrc<Value> {
    BSrc::Mem(Value::Sym(s.to_string(), off))
}
pub fn sr(n: u8) -> Store<Value> {
    Store::Reg(n)
}
pub fn sm(v: u64) -> Store<Value> {
    Store::Mem(Value::Lit(v))
}
pub fn smsym(s: &str, off: i64) -> Store<Value> {
    Store::Mem(Value::Sym(s.to_string(), off))
}
pub fn ac() -> ASrc<Value> {
    ASrc::C
}
pub fn astep() -> ASrc<Value> {
    ASrc::Step
}
pub fn bc() -> BSrc<Value> {
    BSrc::C
}
pub fn bind(off: i64) -> BSrc<Value> {
    BSrc::Ind(off)
}
pub fn sind(off: i64) -> Store<Value> {
    Store::Ind(off)
}
pub fn op(op: Op, a: ASrc<Value>, b: BSrc<Value>) -> OpInst {
    OpInst::new(op, a, b)
}
/// `copyb(0, v) -> rN`.
pub fn set(p: &mut Program, reg: u8, v: u64) {
    p.op(op(Op::CopyB, ai(0), bi(v)).to(sr(reg)));
}
pub fn j(taken: &str, not_taken: &str) -> Flow {
    Flow::Branch {
        taken: Target::Label(taken.to_string()),
        not_taken: Target::Label(not_taken.to_string()),
    }
}
pub fn call(p: &mut Program, label: &str) {
    p.inst(InstKind::Call(label.to_string()), Some("call"));
}
pub fn ret(p: &mut Program) {
    p.inst(InstKind::Ret, None);
}
pub fn ret_to_bios(p: &mut Program) {
    p.inst(InstKind::RetToBios, None);
}
pub fn jump(p: &mut Program, label: &str) {
    p.inst(InstKind::Jump(label.to_string()), None);
}
pub fn data(name: &str, is_const: bool, words: &[u64]) -> DataDecl {
    DataDecl {
        name: name.to_string(),
        is_const,
        words: words.iter().map(|&w| Value::Lit(w)).collect(),
        len: words.len().max(1),
    }
}
/// Prints `text` byte by byte on the UART (r30 holds the UART address).
pub fn print(p: &mut Program, text: &str) {
    set(p, 30, 0xa040_0200);
    for b in text.bytes() {
        p.op(op(Op::CopyB, ar(30), bi(b as u64))
            .to(Store::Ind(0))
            .width(1));
    }
}

/// What `ziskemu -X -c` prints to stdout for `rom` and `input`, computed by our emulator:
/// the console, the report, the 64 public output words.
pub fn expected_stdout(name: &str, rom: &Rom, input: &[u8]) -> String {
    let mut emu = Emulator::new(rom, input).unwrap_or_else(|e| panic!("{name}: {e}"));
    let outcome = emu.run(u64::MAX).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(outcome.status, Status::Ended, "{name}");
    let mut out = emu.console_as_printed();
    out += &emu.stats().format_like_ziskemu();
    for w in emu.public_output() {
        out += &format!("{w:08x}\n");
    }
    out
}

/// A tool from the environment variable `var`, else from `PATH`.
pub fn find_tool(var: &str, name: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var) {
        return Some(PathBuf::from(p));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The real `ziskemu` (from `$ZISKEMU`, `PATH` or `~/.cargo/bin`). When it is missing the
/// calling test prints `SKIPPED` and should pass, unless `ZKC_REQUIRE_ZISKEMU` is set (CI): then
/// this panics.
pub fn ziskemu_or_skip() -> Option<PathBuf> {
    let found = find_tool("ZISKEMU", "ziskemu").or_else(|| {
        let p = Path::new(&std::env::var_os("HOME")?).join(".cargo/bin/ziskemu");
        p.is_file().then_some(p)
    });
    if found.is_none() {
        assert!(
            std::env::var_os("ZKC_REQUIRE_ZISKEMU").is_none(),
            "ziskemu not found and ZKC_REQUIRE_ZISKEMU is set"
        );
        println!("SKIPPED: ziskemu not found (set ZISKEMU or put it on PATH)");
    }
    found
}

/// The programs of a bench directory (`DIR/wasm/NAME.wasm`), sorted; `ZKC_BENCH=name` keeps
/// only that one.
pub fn bench_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("wasm"))
        .expect("bench dir")
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "wasm")
                .then(|| p.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    v.sort();
    if let Ok(only) = std::env::var("ZKC_BENCH") {
        v.retain(|n| *n == only);
    }
    v
}

/// A bench program's stdin, expected stdout and exit status (`DIR/expected/NAME.*`).
pub fn bench_expected(dir: &Path, name: &str) -> (Vec<u8>, String, i32) {
    let dir = dir.join("expected");
    let stdin = std::fs::read(dir.join(format!("{name}.stdin"))).unwrap_or_default();
    let stdout = std::fs::read_to_string(dir.join(format!("{name}.stdout"))).expect("stdout");
    let code = std::fs::read_to_string(dir.join(format!("{name}.exitcode")))
        .map(|s| s.trim().parse().expect("exit code"))
        .unwrap_or(0);
    (stdin, stdout, code)
}

/// ziskemu's stdout for `ziskemu FLAG PROGRAM -X -c [-i INPUT]`.
pub fn run_ziskemu(ziskemu: &Path, flag: &str, program: &Path, input: Option<&Path>) -> String {
    let mut cmd = Command::new(ziskemu);
    cmd.arg(flag).arg(program).arg("-X").arg("-c");
    if let Some(i) = input {
        cmd.arg("-i").arg(i);
    }
    let out = cmd.output().expect("ziskemu runs");
    assert!(
        out.status.success(),
        "ziskemu {flag} {} failed: {}",
        program.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("ziskemu prints UTF-8")
}

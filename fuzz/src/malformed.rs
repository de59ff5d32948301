//! The malformed campaign: mutants of the bench modules (truncation, bit flips, duplicated,
//! swapped and spliced sections, huge LEBs) and hostile valid modules, each through zkc's
//! compile path (`zkc app.wasm --emit zisk`: load, link, -O2, code generation; nothing runs).
//! The contract: an `Error` of the input or unimplemented class, or a compiled program; never
//! a panic, an internal error, a hang or unbounded memory.
//!
//! Every compile runs in a child process (`zkc-fuzz --compile-one FILE`) with a wall-time
//! budget and an address-space limit, so a hang or a runaway allocation is measured and killed
//! without taking the campaign down.

use crate::gen::Rng;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Address-space limit of a compile (bytes).
pub const MEMORY_LIMIT: u64 = 6 << 30;

/// How one compile ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Compiled.
    Compiled,
    /// Refused with an `Error` of this exit status (1 input, 2 unimplemented).
    Refused(i32, String),
    /// `Internal` error (exit 70): a finding.
    Internal(String),
    /// Panicked: a finding.
    Panic(String),
    /// Over the wall-time budget: killed.
    Hang,
    /// Killed by a signal or out of memory (the address-space limit).
    Crash(String),
}

impl Verdict {
    pub fn is_finding(&self) -> bool {
        !matches!(self, Verdict::Compiled | Verdict::Refused(..))
    }

    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Compiled => "compiled",
            Verdict::Refused(1, _) => "refused (input)",
            Verdict::Refused(_, _) => "refused (unimplemented)",
            Verdict::Internal(_) => "internal error",
            Verdict::Panic(_) => "panic",
            Verdict::Hang => "hang",
            Verdict::Crash(_) => "crash/oom",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Verdict::Refused(_, m)
            | Verdict::Internal(m)
            | Verdict::Panic(m)
            | Verdict::Crash(m) => m,
            Verdict::Compiled | Verdict::Hang => "",
        }
    }
}

/// The child's side: compile `path` as `zkc app.wasm --emit zisk` does, print nothing on
/// success, and exit with the driver's status; a panic exits 101 with its message on stderr.
pub fn compile_one(path: &Path) -> i32 {
    use zkc::driver::{self, Error, Options};
    let result = (|| -> Result<(), Error> {
        let module = driver::load(path)?;
        let opts = Options::default();
        let program = driver::codegen(module, &opts, &mut std::io::sink())?;
        zkc_backend_zisk::write_asm(&program)
            .map_err(|e| Error::Internal(format!("assembly writer: {e}")))?;
        Ok(())
    })();
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{e}");
            e.exit_code()
        }
    }
}

/// Compiles `path` in a child process within `budget`.
pub fn compile_in_child(path: &Path, budget: Duration) -> (Verdict, Duration) {
    let exe = std::env::current_exe().expect("the fuzzer's own path");
    let mut cmd = Command::new(exe);
    cmd.arg("--compile-one")
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: MEMORY_LIMIT,
                rlim_max: MEMORY_LIMIT,
            };
            libc::setrlimit(libc::RLIMIT_AS, &lim);
            Ok(())
        });
    }
    let start = Instant::now();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return (
                Verdict::Crash(format!("cannot spawn: {e}")),
                start.elapsed(),
            )
        }
    };
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if start.elapsed() > budget => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => break None,
        }
    };
    let elapsed = start.elapsed();
    let err = reader.join().unwrap_or_default();
    let msg = err.trim().to_string();
    let verdict = match status {
        None => Verdict::Hang,
        Some(s) => match s.code() {
            Some(0) => Verdict::Compiled,
            Some(c @ (1 | 2)) => Verdict::Refused(c, msg),
            Some(70) => Verdict::Internal(msg),
            Some(101) => Verdict::Panic(panic_message(&msg)),
            Some(c) => Verdict::Crash(format!("exit {c}: {msg}")),
            None => {
                use std::os::unix::process::ExitStatusExt;
                Verdict::Crash(format!("signal {:?}: {msg}", s.signal()))
            }
        },
    };
    (verdict, elapsed)
}

/// The panic line of a child's stderr (`thread '...' panicked at FILE:LINE:COL:\nMESSAGE`).
fn panic_message(stderr: &str) -> String {
    let mut lines = stderr.lines();
    while let Some(l) = lines.next() {
        if l.contains("panicked at") {
            let at = l
                .split("panicked at ")
                .nth(1)
                .unwrap_or("")
                .trim_end_matches(':');
            let msg = lines.next().unwrap_or("");
            return format!("{msg} (at {at})");
        }
    }
    stderr.lines().next().unwrap_or("").to_string()
}

/// The sections of a module: (id, start of the header, start of the payload, end).
fn sections(b: &[u8]) -> Vec<(u8, usize, usize, usize)> {
    let mut out = Vec::new();
    let mut p = 8;
    while p < b.len() {
        let id = b[p];
        let mut q = p + 1;
        let mut size: u64 = 0;
        let mut shift = 0;
        loop {
            let Some(&byte) = b.get(q) else { return out };
            q += 1;
            size |= u64::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 || shift > 35 {
                break;
            }
        }
        let end = q + size as usize;
        if end > b.len() {
            return out;
        }
        out.push((id, p, q, end));
        p = end;
    }
    out
}

fn leb(mut v: u64, min_len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 && out.len() + 1 >= min_len {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// Mutation kinds, by name.
pub const MUTATIONS: &[&str] = &[
    "truncate",
    "bit-flips",
    "duplicate-section",
    "swap-sections",
    "splice-section",
    "huge-leb",
    "overlong-leb",
    "byte-run",
];

/// Mutant `seed` of the bench modules: which base, which mutation, and the bytes.
pub fn mutant(seed: u64, bases: &[(String, Vec<u8>)]) -> (String, &'static str, Vec<u8>) {
    let mut rng = Rng::new(seed ^ 0x6d75_7461_6e74);
    let (name, base) = &bases[rng.below(bases.len() as u64) as usize];
    let kind = MUTATIONS[rng.below(MUTATIONS.len() as u64) as usize];
    let mut b = base.clone();
    let secs = sections(&b);
    let pick =
        |rng: &mut Rng| secs[rng.below(secs.len().max(1) as u64) as usize % secs.len().max(1)];
    match kind {
        "truncate" => {
            let at = rng.below(b.len() as u64) as usize;
            b.truncate(at);
        }
        "bit-flips" => {
            for _ in 0..1 + rng.below(8) {
                let i = 8 + rng.below(b.len() as u64 - 8) as usize;
                b[i] ^= 1 << rng.below(8);
            }
        }
        "duplicate-section" if !secs.is_empty() => {
            let (_, h, _, e) = pick(&mut rng);
            let copy = b[h..e].to_vec();
            b.splice(e..e, copy);
        }
        "swap-sections" if secs.len() >= 2 => {
            let (_, h1, _, e1) = pick(&mut rng);
            let (_, h2, _, e2) = pick(&mut rng);
            let (a, c) = if h1 <= h2 {
                ((h1, e1), (h2, e2))
            } else {
                ((h2, e2), (h1, e1))
            };
            if a.1 <= c.0 {
                let mut out = b[..a.0].to_vec();
                out.extend_from_slice(&b[c.0..c.1]);
                out.extend_from_slice(&b[a.1..c.0]);
                out.extend_from_slice(&b[a.0..a.1]);
                out.extend_from_slice(&b[c.1..]);
                b = out;
            }
        }
        "splice-section" if !secs.is_empty() => {
            let (_, other) = &bases[rng.below(bases.len() as u64) as usize];
            let os = sections(other);
            if !os.is_empty() {
                let (id, oh, _, oe) = os[rng.below(os.len() as u64) as usize];
                // Replace the same kind of section if there is one, else insert.
                match secs.iter().find(|s| s.0 == id) {
                    Some(&(_, h, _, e)) => {
                        b.splice(h..e, other[oh..oe].to_vec());
                    }
                    None => {
                        let (_, h, _, _) = pick(&mut rng);
                        b.splice(h..h, other[oh..oe].to_vec());
                    }
                }
            }
        }
        "huge-leb" if !secs.is_empty() => {
            // A section's first count (or its size) becomes a huge number.
            let (_, h, p, e) = pick(&mut rng);
            let huge = leb(
                [u32::MAX as u64, 1 << 31, 1 << 28, 100_000_000][rng.below(4) as usize],
                5,
            );
            if rng.below(2) == 0 || p == e {
                b.splice(h + 1..p, huge);
            } else {
                let old = sections_leb_len(&b[p..e]);
                b.splice(p..p + old, huge);
            }
        }
        "overlong-leb" if !secs.is_empty() => {
            // The same size, encoded in 5 or (invalid) 6..10 bytes.
            let (_, h, p, e) = pick(&mut rng);
            let len = [5, 6, 10][rng.below(3) as usize];
            b.splice(h + 1..p, leb((e - p) as u64, len));
        }
        _ => {
            let i = 8 + rng.below(b.len() as u64 - 8) as usize;
            let n = (1 + rng.below(32) as usize).min(b.len() - i);
            let v = [0x00, 0xff, 0x80, 0x0b][rng.below(4) as usize];
            b[i..i + n].fill(v);
        }
    }
    (name.clone(), kind, b)
}

fn sections_leb_len(b: &[u8]) -> usize {
    b.iter()
        .position(|x| x & 0x80 == 0)
        .map_or(b.len(), |i| i + 1)
}

/// The bench modules of `dir`, sorted by name.
pub fn bench_modules(dir: &Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().to_string();
            std::fs::read(&p).map(|b| (name, b))
        })
        .collect()
}

/// Locals `0..n` set to `value(i)`, then all summed: `n` values live at once.
fn set_then_sum(n: usize, value: impl Fn(usize) -> String) -> String {
    let mut body = String::new();
    for i in 0..n {
        body += &format!("(local.set {i} {})\n", value(i));
    }
    body += "(local.get 0)\n";
    for i in 1..n {
        body += &format!("(i32.add (local.get {i}))\n");
    }
    body
}

/// Hostile valid modules: (name, what it stresses, WAT text). Each exports `_start` and has a
/// memory, as the compile path wants.
pub fn hostile() -> Vec<(&'static str, &'static str, String)> {
    let mut v = Vec::new();
    let n = 100_000;
    let body = set_then_sum(n, |i| format!("(i32.const {i})"));
    v.push((
        "locals-100k",
        "100k i32 locals, all set then summed (over wasmparser's 50k limit: an input error)",
        format!(
            "(module (memory 1) (func $f (result i32) (local {}) {body}) \
             (func (export \"_start\") (drop (call $f))))",
            "i32 ".repeat(n)
        ),
    ));
    let n = 50_000;
    let body = set_then_sum(n, |i| {
        format!("(i32.load offset={} (i32.const 0))", 4 * (i % 16_000))
    });
    v.push((
        "locals-50k",
        "50k i32 locals (wasmparser's limit), each loaded, then all summed (all live at once)",
        format!(
            "(module (memory 1) (func (export \"_start\") (local {}) i32.const 0 {body} i32.store))",
            "i32 ".repeat(n)
        ),
    ));
    let depth = 50_000;
    v.push((
        "blocks-50k",
        "50k nested blocks, each with a conditional branch to its end",
        format!(
            "(module (memory 1) (func (export \"_start\") {} {}))",
            "block (br_if 0 (i32.load (i32.const 0))) ".repeat(depth),
            "end ".repeat(depth)
        ),
    ));
    let targets: String = (0..1_000_000).map(|i| format!("{} ", i % 4)).collect();
    v.push((
        "br-table-1m",
        "a br_table with 1M targets over 4 blocks",
        format!(
            "(module (memory 1) (func (export \"_start\") block block block block \
             (br_table {targets} 0 (i32.load (i32.const 0))) end end end end))"
        ),
    ));
    v.push((
        "memory-4g",
        "memory of 65536 pages declared (min = max = 4 GiB), a store at its last word",
        "(module (memory 65536 65536) (func (export \"_start\") \
         (i32.store (i32.const 0xfffffffc) (i32.const 1))))"
            .into(),
    ));
    v.push((
        "memory-grow-4g",
        "memory 0 pages, no maximum, grown by 65536 pages",
        "(module (memory 0) (func (export \"_start\") (drop (memory.grow (i32.const 65536)))))"
            .into(),
    ));
    v.push((
        "data-top",
        "data in the last bytes of memory, and an empty segment exactly at its end",
        "(module (memory 1 1) (data (i32.const 65532) \"\\01\\02\\03\\04\") \
         (data (i32.const 65536) \"\") (func (export \"_start\") \
         (drop (i32.load (i32.const 65532)))))"
            .into(),
    ));
    v.push((
        "data-top-4g",
        "data in the last bytes of a 4 GiB memory",
        "(module (memory 65536) (data (i32.const 0xfffffff0) \"0123456789abcdef\") \
         (func (export \"_start\") (drop (i32.load (i32.const 0xfffffffc)))))"
            .into(),
    ));
    let mut funcs = String::new();
    let k = 10_000;
    for i in 0..k {
        if i + 1 < k {
            funcs += &format!("(func $f{i} (param i32) (result i32) (call $f{} (i32.add (local.get 0) (i32.const 1))))\n", i + 1);
        } else {
            funcs += &format!("(func $f{i} (param i32) (result i32) (local.get 0))\n");
        }
    }
    v.push((
        "call-chain-10k",
        "10k functions, each calling the next",
        format!(
            "(module (memory 1) {funcs} (func (export \"_start\") (drop (call $f0 (i32.const 0)))))"
        ),
    ));
    let w = 20_000;
    let mut stack = String::new();
    for i in 0..w {
        stack += &format!("(i32.load offset={} (i32.const 0))\n", i * 4);
    }
    stack += &"i32.add\n".repeat(w - 1);
    v.push((
        "stack-20k",
        "20k distinct loads live on the operand stack, then summed and stored",
        format!("(module (memory 2) (func (export \"_start\") i32.const 0 {stack} i32.store))"),
    ));
    v
}

//! What zkc's tests share, in one place: the paths of the bench programs (`../shared/bench`,
//! `../shared/bench-go`, zkc's own `bench/suite`) and their expected outputs, finding and
//! running the real `ziskemu`, and a small reproducible random generator. No zkc crate
//! depends on this one except as a dev-dependency.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("testkit sits in the workspace")
        .to_path_buf()
}

/// A path inside `../shared`, beside the workspace.
pub fn shared(rel: &str) -> PathBuf {
    workspace().join("../shared").join(rel)
}

/// `../shared/bench`: C, Rust and wat programs with their expected outputs.
pub fn bench_dir() -> PathBuf {
    shared("bench")
}

/// `../shared/bench-go`: the Go programs.
pub fn go_dir() -> PathBuf {
    shared("bench-go")
}

/// zkc's own bench programs, laid out as `../shared/bench`.
pub fn suite_dir() -> PathBuf {
    workspace().join("bench/suite")
}

/// The files of `dir` with extension `ext`, sorted.
pub fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    v.sort();
    v
}

/// The programs of a bench directory (`DIR/wasm/NAME.wasm`), sorted; `ZKC_BENCH=name` keeps
/// only that one.
pub fn bench_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = files(&dir.join("wasm"), "wasm")
        .iter()
        .map(|p| {
            p.file_stem()
                .expect("a name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
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

/// A tool from the environment variable `var`, else from `PATH`.
pub fn find_tool(var: &str, name: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var) {
        return Some(PathBuf::from(p));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A ZisK tool (`ziskemu`, `zisk2zisk`) from `$VAR`, `PATH` or `~/.cargo/bin`, where
/// `scripts/install-ziskemu` puts them.
pub fn zisk_tool(var: &str, name: &str) -> Option<PathBuf> {
    find_tool(var, name).or_else(|| {
        let p = Path::new(&std::env::var_os("HOME")?)
            .join(".cargo/bin")
            .join(name);
        p.is_file().then_some(p)
    })
}

/// A test that needs the real ZisK tools and lacks `what`: it prints `SKIPPED` and passes,
/// unless `ZKC_REQUIRE_ZISKEMU` is set (CI installs the tools): then this panics.
pub fn skip_without(what: &str) {
    assert!(
        std::env::var_os("ZKC_REQUIRE_ZISKEMU").is_none(),
        "{what} not found and ZKC_REQUIRE_ZISKEMU is set"
    );
    println!("SKIPPED: {what} not found");
}

/// The real `ziskemu` ([`zisk_tool`]); `None` after [`skip_without`].
pub fn ziskemu_or_skip() -> Option<PathBuf> {
    let found = zisk_tool("ZISKEMU", "ziskemu");
    if found.is_none() {
        skip_without("ziskemu (set ZISKEMU or put it on PATH)");
    }
    found
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

/// A small deterministic generator (Marsaglia's xorshift64), so every failure reproduces from
/// its seed. The seed must not be 0.
pub struct Rng(pub u64);

impl Rng {
    /// The next number of the xorshift64 sequence (Marsaglia, "Xorshift RNGs", 2003).
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform enough below `n` (> 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// One of `xs` (not empty).
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

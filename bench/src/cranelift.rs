//! zkc's compile time against Cranelift's on the largest modules: the Go programs (2.5 MB and
//! more of wasm, the Go runtime included) and the largest Rust ones. Cranelift is wasmtime's
//! own compiler, run as `wasmtime compile` (the CLI, default settings: all cores, like zkc) on
//! the same module in the same run, alternating with zkc so that the machine's load weighs on
//! both alike (issue 17: zkc must not be the slow step of a user's build).

use crate::md::{geomean_cell, Table};
use crate::measure::{self, Program};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Rounds per module; each figure is the median.
const ROUNDS: usize = 3;

/// Modules at least this large make the geometric mean (the "multi-MB modules").
const LARGE: u64 = 1 << 20;

/// The Rust modules of the suites that join the Go ones: the largest few.
const RUST_MODULES: usize = 3;

/// The section: per module, zkc -O2's time and peak memory (a child process compiling to an
/// ELF, [`measure::compile_in_child`]) and `wasmtime compile`'s time.
pub fn section(rust: &[Program], go: &[Program]) -> String {
    let wasmtime = wasmtime_version();
    let size = |p: &Program| std::fs::metadata(&p.wasm).map_or(0, |m| m.len());
    let mut rust: Vec<&Program> = rust.iter().filter(|p| p.name.starts_with("rs_")).collect();
    rust.sort_by_key(|p| std::cmp::Reverse(size(p)));
    let modules = go.iter().chain(rust.into_iter().take(RUST_MODULES));
    let mut t = Table::new(&[
        "module",
        "wasm bytes",
        "zkc -O2 s ⏱",
        "zkc peak MiB",
        "Cranelift s ⏱",
        "zkc / Cranelift",
    ]);
    let mut large = Vec::new();
    for p in modules {
        eprintln!("bench: {} against Cranelift", p.name);
        let (mut zkc, mut peak, mut cl) = (Vec::new(), 0, Vec::new());
        let mut error = None;
        for _ in 0..ROUNDS {
            match measure::compile_in_child(&p.name, &p.wasm) {
                Ok(c) => {
                    zkc.push(c.time);
                    peak = peak.max(c.peak_kib);
                }
                Err(e) => error = Some(e),
            }
            if wasmtime.is_some() {
                match cranelift_time(&p.name, &p.wasm) {
                    Ok(d) => cl.push(d),
                    Err(e) => error = Some(e),
                }
            }
        }
        let (zkc, cl) = (median(zkc), median(cl));
        let ratio = zkc.zip(cl).map(|(z, c)| z.as_secs_f64() / c.as_secs_f64());
        if let Some(r) = ratio.filter(|_| size(p) >= LARGE) {
            large.push(r);
        }
        let secs =
            |d: Option<Duration>| d.map_or("-".into(), |d| format!("{:.2}", d.as_secs_f64()));
        t.row(&[
            p.name.clone(),
            crate::md::num(size(p)),
            secs(zkc),
            format!("{:.0}", peak as f64 / 1024.0),
            match (&wasmtime, &error) {
                (None, _) => "wasmtime not installed".into(),
                (_, Some(e)) if cl.is_none() => e.clone(),
                _ => secs(cl),
            },
            ratio.map_or("-".into(), |r| format!("{r:.2}")),
        ]);
    }
    format!(
        "## Compile time against Cranelift ⏱\n\n\
         zkc at -O2 to an ELF (`zkc NAME.wasm --emit elf`, in a fresh child process, with its \
         peak resident memory) against Cranelift (`wasmtime compile NAME.wasm`, {}), each the \
         median of {ROUNDS} runs made alternately in this run, both on every core.\n\n{}\n\
         Geometric mean of zkc / Cranelift over the modules of 1 MiB or more: {}.\n\n",
        wasmtime.as_deref().unwrap_or("not installed"),
        t.finish(),
        geomean_cell(&large),
    )
}

fn median(mut times: Vec<Duration>) -> Option<Duration> {
    times.sort();
    times.get(times.len() / 2).copied()
}

fn wasmtime_version() -> Option<String> {
    let out = Command::new("wasmtime").arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Wall time of `wasmtime compile WASM` (its output is thrown away).
fn cranelift_time(name: &str, wasm: &Path) -> Result<Duration, String> {
    let out = measure::temp_path(name, "cwasm");
    let t = Instant::now();
    let run = Command::new("wasmtime")
        .arg("compile")
        .arg(wasm)
        .arg("-o")
        .arg(&out)
        .output()
        .map_err(|e| e.to_string())?;
    let time = t.elapsed();
    let _ = std::fs::remove_file(&out);
    if run.status.success() {
        Ok(time)
    } else {
        Err(format!(
            "wasmtime: {}",
            String::from_utf8_lossy(&run.stderr)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
        ))
    }
}

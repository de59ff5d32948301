//! zkc's compile time against Cranelift's on the largest modules: the Go programs (2.5 MB and
//! more of wasm, the Go runtime included) and the largest Rust ones. Cranelift is wasmtime's
//! own compiler, run as `wasmtime compile` (the CLI, default settings: all cores, like zkc) on
//! the same module in the same run, alternating with zkc so that the machine's load weighs on
//! both alike (issue 17: zkc must not be the slow step of a user's build).
//!
//! The largest Go program here is 2.8 MB, and Go programs reach 4.5 MB: the table also
//! compiles a synthetic module of that size, the largest Go module with every function body
//! twice ([`doubled`]), for the compile's time and peak memory at that size.

use crate::md::{geomean_cell, Table};
use crate::measure::{self, Program};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Rounds per module; each figure is the median.
const ROUNDS: usize = 3;

/// Modules at least this large make the geometric mean (the issue's "multi-MB modules").
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
    let largest_go = go.iter().max_by_key(|p| size(p));
    let synthetic = largest_go.map(doubled).transpose();
    let synthetic = synthetic.unwrap_or_else(|e| {
        eprintln!("bench: no synthetic module: {e}");
        None
    });
    let modules = (go.iter().chain(&synthetic)).chain(rust.into_iter().take(RUST_MODULES));
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
    if let Some(p) = &synthetic {
        let _ = std::fs::remove_file(&p.wasm);
    }
    format!(
        "## Compile time against Cranelift ⏱\n\n\
         zkc at -O2 to an ELF (`zkc NAME.wasm --emit elf`, in a fresh child process, with its \
         peak resident memory) against Cranelift (`wasmtime compile NAME.wasm`, {}), each the \
         median of {ROUNDS} runs made alternately in this run, both on every core. \
         `{DOUBLED}` is synthetic: the largest Go module with every function body twice \
         (the copies are never called, but both compilers compile them).\n\n{}\n\
         Geometric mean of zkc / Cranelift over the modules of 1 MiB or more: {}.\n\n",
        wasmtime.as_deref().unwrap_or("not installed"),
        t.finish(),
        geomean_cell(&large),
    )
}

/// The suffix of the synthetic module's name.
const DOUBLED: &str = "_x2";

/// `p`'s module with every function body twice (the function section's entries and the code
/// section's bodies repeated, every other section as it is), written to a temporary file:
/// a module twice as large as `p`'s, which the table compiles as it does the others.
fn doubled(p: &Program) -> Result<Program, String> {
    use wasm_encoder::{CodeSection, FunctionSection, RawSection};
    use wasmparser::{Parser, Payload};
    let bytes = std::fs::read(&p.wasm).map_err(|e| e.to_string())?;
    let mut module = wasm_encoder::Module::new();
    let (mut types, mut bodies) = (Vec::new(), Vec::new());
    for payload in Parser::new(0).parse_all(&bytes) {
        match payload.map_err(|e| e.to_string())? {
            Payload::FunctionSection(r) => {
                types = r
                    .into_iter()
                    .collect::<Result<_, _>>()
                    .map_err(|e| e.to_string())?;
                let mut section = FunctionSection::new();
                (types.iter().chain(&types)).for_each(|&t| {
                    section.function(t);
                });
                module.section(&section);
            }
            Payload::CodeSectionStart { .. } => {}
            Payload::CodeSectionEntry(body) => {
                bodies.push(slice(&bytes, body.range()));
                if bodies.len() == types.len() {
                    let mut section = CodeSection::new();
                    (bodies.iter().chain(&bodies)).for_each(|b| {
                        section.raw(b);
                    });
                    module.section(&section);
                }
            }
            other => {
                if let Some((id, range)) = other.as_section() {
                    module.section(&RawSection {
                        id,
                        data: slice(&bytes, range),
                    });
                }
            }
        }
    }
    let name = format!("{}{DOUBLED}", p.name);
    let wasm = measure::temp_path(&name, "wasm");
    std::fs::write(&wasm, module.finish()).map_err(|e| e.to_string())?;
    Ok(Program {
        name,
        wasm,
        stdin: p.stdin.clone(),
        stdout: p.stdout.clone(),
    })
}

/// The bytes of `bytes` in `range` (wasmparser's offsets are u64).
fn slice(bytes: &[u8], range: std::ops::Range<u64>) -> &[u8] {
    &bytes[range.start as usize..range.end as usize]
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The doubled module is valid and holds every body twice, the copies after the originals
    /// in the same order, with their types.
    #[test]
    fn doubled_repeats_every_body_after_the_originals() {
        let wat = r#"(module
            (import "env" "f" (func (param i32)))
            (memory 1)
            (func $a (param i32) (result i32) local.get 0 i32.const 1 i32.add)
            (func $b (result i64) i64.const 7)
            (func (export "_start") i32.const 2 call $a call 0)
            (data (i32.const 0) "hi"))"#;
        let wasm = measure::temp_path("doubled_test", "in.wasm");
        std::fs::write(&wasm, wat::parse_str(wat).unwrap()).unwrap();
        let p = Program {
            name: "doubled_test".into(),
            wasm: wasm.clone(),
            stdin: wasm.clone(),
            stdout: vec![],
        };
        let d = doubled(&p).unwrap();
        let (orig, twice) = (
            std::fs::read(&wasm).unwrap(),
            std::fs::read(&d.wasm).unwrap(),
        );
        let _ = (std::fs::remove_file(&wasm), std::fs::remove_file(&d.wasm));
        wasmparser::Validator::new().validate_all(&twice).unwrap();
        let funcs = |bytes: &[u8]| {
            let (mut types, mut bodies) = (vec![], vec![]);
            for payload in wasmparser::Parser::new(0).parse_all(bytes) {
                match payload.unwrap() {
                    wasmparser::Payload::FunctionSection(r) => {
                        types = r.into_iter().map(Result::unwrap).collect()
                    }
                    wasmparser::Payload::CodeSectionEntry(b) => {
                        bodies.push(slice(bytes, b.range()).to_vec())
                    }
                    _ => {}
                }
            }
            types.into_iter().zip(bodies).collect::<Vec<_>>()
        };
        let (orig, twice) = (funcs(&orig), funcs(&twice));
        assert_eq!(orig.len(), 3);
        assert_eq!(twice, [orig.clone(), orig].concat());
    }
}

//! Reproducers: a failing seed becomes a `.wast` script, the module as WAT (`wasmprinter`) and
//! wasmi's results as assertions, after a simple shrink: calls after the first differing one
//! go, then every other call that the difference does not need, then the exports nothing calls.
//!
//! The script runs with `zkc wast FILE --backend zisk` (or `interp`). Note that a script keeps
//! one instance across a trapping call, where the campaign replays (see `oracle`); the shrink
//! keeps a plan whose traps do not matter to the difference when it can.

use crate::diff::{self, Finding, Kind, Stage};
use crate::oracle;
use std::path::{Path, PathBuf};
use zkc::wast::{Call, CallResult};
use zkc_ir::interp::{Trap, Val};

/// Whether `stage` still shows a finding of `kind` on this module and plan.
fn still_fails(bytes: &[u8], calls: &[Call], stage: Stage, kind: Kind) -> bool {
    let Ok(module) = diff::translate(bytes) else {
        return false;
    };
    let check = diff::Check {
        stages: vec![stage],
        tamper: false,
    };
    match diff::check_case(bytes, &module, calls, &check) {
        diff::Outcome::Checked { findings, .. } => findings.iter().any(|f| f.kind == kind),
        diff::Outcome::Skipped(_) => false,
    }
}

/// The module's text without the function exports that no call names (memory, table and global
/// exports stay).
fn drop_unused_exports(wat: &str, calls: &[Call]) -> String {
    let called: Vec<String> = calls
        .iter()
        .filter_map(|c| match c {
            Call::Invoke { export, .. } => Some(format!("(export \"{export}\" (func")),
            Call::Get { .. } => None,
        })
        .collect();
    wat.lines()
        .filter(|l| {
            let t = l.trim_start();
            !t.starts_with("(export \"")
                || !t.contains("(func")
                || called.iter().any(|c| t.starts_with(c))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Shrinks a finding's plan (and exports) while the same stage still fails the same way.
/// Returns the module bytes and the calls.
pub fn shrink(bytes: &[u8], calls: &[Call], finding: &Finding) -> (Vec<u8>, Vec<Call>) {
    let Some(stage) = Stage::parse(&finding.stage) else {
        return (bytes.to_vec(), calls.to_vec());
    };
    let kind = finding.kind;
    let all = calls;
    let mut calls: Vec<Call> = match finding.call {
        Some(i) => all[..=i].to_vec(),
        None => all.to_vec(),
    };
    if !still_fails(bytes, &calls, stage, kind) {
        calls = all.to_vec();
        if !still_fails(bytes, &calls, stage, kind) {
            return (bytes.to_vec(), calls);
        }
    }
    // Greedy: drop each call (from the last but one back) when the failure stays.
    if calls.len() <= 24 {
        let mut i = calls.len();
        while i > 0 {
            i -= 1;
            if calls.len() == 1 {
                break;
            }
            let mut fewer = calls.clone();
            fewer.remove(i);
            if still_fails(bytes, &fewer, stage, kind) {
                calls = fewer;
            }
        }
    }
    let mut bytes = bytes.to_vec();
    if let Ok(wat) = wasmprinter::print_bytes(&bytes) {
        let text = drop_unused_exports(&wat, &calls);
        if let Ok(b) = wat::parse_str(&text) {
            if still_fails(&b, &calls, stage, kind) {
                bytes = b;
            }
        }
    }
    (bytes, calls)
}

fn val_text(v: &Val) -> String {
    match *v {
        Val::I32(x) => format!("(i32.const {})", x as i32),
        Val::I64(x) => format!("(i64.const {})", x as i64),
        Val::F32(x) if f32::from_bits(x).is_nan() => "(f32.const nan:arithmetic)".into(),
        Val::F64(x) if f64::from_bits(x).is_nan() => "(f64.const nan:arithmetic)".into(),
        Val::F32(x) => format!("(f32.const {} (; {:?} ;))", hexf32(x), f32::from_bits(x)),
        Val::F64(x) => format!("(f64.const {} (; {:?} ;))", hexf64(x), f64::from_bits(x)),
        _ => "(ref.null func)".into(),
    }
}

/// Exact text of an f32 from its bits: `nan:0x...`, `inf`, or a hex float.
fn hexf32(bits: u32) -> String {
    let f = f32::from_bits(bits);
    let sign = if bits >> 31 == 1 { "-" } else { "" };
    if f.is_infinite() {
        return format!("{sign}inf");
    }
    let exp = ((bits >> 23) & 0xff) as i32;
    let frac = bits & 0x7f_ffff;
    if exp == 0 {
        format!("{sign}0x0.{:06x}p-126", frac << 1)
    } else {
        format!("{sign}0x1.{:06x}p{}", frac << 1, exp - 127)
    }
}

fn hexf64(bits: u64) -> String {
    let f = f64::from_bits(bits);
    let sign = if bits >> 63 == 1 { "-" } else { "" };
    if f.is_infinite() {
        return format!("{sign}inf");
    }
    if f.is_nan() {
        return format!("{sign}nan:0x{:x}", bits & 0xf_ffff_ffff_ffff);
    }
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & 0xf_ffff_ffff_ffff;
    if exp == 0 {
        format!("{sign}0x0.{frac:013x}p-1022")
    } else {
        format!("{sign}0x1.{frac:013x}p{}", exp - 1023)
    }
}

fn arg_text(v: &Val) -> String {
    match *v {
        Val::F32(x) => format!("(f32.const {})", f32_arg(x)),
        Val::F64(x) => format!("(f64.const {})", hexf64(x)),
        _ => val_text(v),
    }
}

fn f32_arg(bits: u32) -> String {
    if f32::from_bits(bits).is_nan() {
        let sign = if bits >> 31 == 1 { "-" } else { "" };
        format!("{sign}nan:0x{:x}", bits & 0x7f_ffff)
    } else {
        hexf32(bits)
    }
}

/// The assertion of one call with wasmi's result.
fn assertion(call: &Call, result: &CallResult) -> String {
    let Call::Invoke { export, args } = call else {
        return String::new();
    };
    let args: String = args.iter().map(|a| format!(" {}", arg_text(a))).collect();
    let invoke = format!("(invoke \"{export}\"{args})");
    match result {
        Ok(vals) => {
            let vals: String = vals.iter().map(|v| format!(" {}", val_text(v))).collect();
            format!("(assert_return {invoke}{vals})")
        }
        Err(Trap::Wasm(c)) => format!("(assert_trap {invoke} \"{}\")", c.message()),
        Err(t) => format!(";; wasmi: {t}\n(invoke \"{export}\"{args})"),
    }
}

/// Writes the reproducer of a finding into `dir` and returns its path.
pub fn write(
    dir: &Path,
    name: &str,
    header: &str,
    bytes: &[u8],
    calls: &[Call],
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let wat = wasmprinter::print_bytes(bytes).unwrap_or_else(|e| format!(";; wasmprinter: {e}"));
    let mut text = String::new();
    for l in header.lines() {
        text += &format!(";; {l}\n");
    }
    text += &wat;
    text += "\n";
    match oracle::run(bytes, calls) {
        Ok(results) => {
            for (c, r) in calls.iter().zip(&results) {
                text += &assertion(c, r);
                text += "\n";
            }
        }
        Err(Trap::Wasm(c)) => {
            text = text.replacen(
                "(module",
                &format!(";; instantiation traps: {}\n(module", c.message()),
                1,
            );
        }
        Err(t) => text += &format!(";; wasmi cannot instantiate: {t}\n"),
    }
    let path = dir.join(format!("{name}.wast"));
    std::fs::write(&path, text)?;
    std::fs::write(dir.join(format!("{name}.wasm")), bytes)?;
    Ok(path)
}

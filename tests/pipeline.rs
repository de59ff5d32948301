//! Every bench program (../shared/bench) through the whole driver pipeline (link, softfloat,
//! the optimizer, code generation) at -O0, -O1 and -O2: run on zkc's emulator with its stdin,
//! it prints exactly its expected stdout and exits with its expected status. The optimized IR
//! gives the same results in the reference interpreter (the optimizer's differential test), and
//! at -O2 the real `ziskemu` runs the ELF with the same console, STEPS and VARIABLE as zkc's
//! emulator (skipped when ziskemu is missing, unless `ZKC_REQUIRE_ZISKEMU` is set).
//!
//! `ZKC_BENCH=name` runs one program.

#[path = "../backend-zisk/tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use zkc::driver::{self, OptLevel, Options, ZiskExit};

fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench")
}

fn names() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(bench_dir().join("wasm"))
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

struct Expected {
    stdin: Vec<u8>,
    stdout: String,
    code: i32,
}

fn expected(name: &str) -> Expected {
    let dir = bench_dir().join("expected");
    Expected {
        stdin: std::fs::read(dir.join(format!("{name}.stdin"))).unwrap_or_default(),
        stdout: std::fs::read_to_string(dir.join(format!("{name}.stdout"))).expect("stdout"),
        code: std::fs::read_to_string(dir.join(format!("{name}.exitcode")))
            .map(|s| s.trim().parse().expect("exit code"))
            .unwrap_or(0),
    }
}

fn at(level: OptLevel) -> Options {
    Options {
        opt_level: level,
        ..Options::default()
    }
}

fn compile(name: &str, opts: &Options) -> zkc_backend_zisk::Layout {
    let module = driver::load(&bench_dir().join(format!("wasm/{name}.wasm"))).expect("load");
    let program = driver::codegen(module, opts, &mut std::io::sink())
        .unwrap_or_else(|e| panic!("{name} at {}: {e}", opts.opt_level));
    driver::layout(&program).expect("layout")
}

#[test]
fn bench_programs_at_every_level() {
    let mut failures = Vec::new();
    for name in names() {
        let want = expected(&name);
        for level in [OptLevel::O0, OptLevel::O1, OptLevel::O2] {
            let layout = compile(&name, &at(level));
            let run = driver::run_zisk(&layout.rom, &want.stdin, 5_000_000_000).expect("run");
            let console = String::from_utf8_lossy(&run.console);
            if console != want.stdout || run.exit != ZiskExit::Code(want.code) {
                failures.push(format!(
                    "{name} at {level}: {:?}; output {}",
                    run.exit,
                    if console == want.stdout {
                        "as expected"
                    } else {
                        "differs"
                    }
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn optimized_ir_runs_the_same_in_the_interpreter() {
    use zkc_ir::interp::{run_command, Exit};
    for name in names() {
        let want = expected(&name);
        let module = driver::load(&bench_dir().join(format!("wasm/{name}.wasm"))).expect("load");
        for level in [OptLevel::O1, OptLevel::O2] {
            let optimized =
                driver::optimize(module.clone(), &at(level), &mut std::io::sink()).expect("opt");
            let out = run_command(&optimized, &want.stdin, Default::default());
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                want.stdout,
                "{name} at {level}"
            );
            assert!(
                matches!(out.exit, Exit::Code(c) if c == want.code),
                "{name} at {level}: {:?}",
                out.exit
            );
        }
    }
}

#[test]
fn real_ziskemu_agrees_at_o2() {
    let Some(ziskemu) = common::find_tool("ZISKEMU", "ziskemu").or_else(|| {
        let p = Path::new(&std::env::var_os("HOME")?).join(".cargo/bin/ziskemu");
        p.is_file().then_some(p)
    }) else {
        assert!(
            std::env::var_os("ZKC_REQUIRE_ZISKEMU").is_none(),
            "ziskemu not found"
        );
        println!("SKIPPED: ziskemu not found");
        return;
    };
    let dir = std::env::temp_dir().join(format!("zkc-pipeline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for name in names() {
        let want = expected(&name);
        let layout = compile(&name, &at(OptLevel::O2));
        let input = zkc_backend_zisk::emu::legacy_input(&want.stdin);
        let elf = dir.join(format!("{name}.elf"));
        let input_path = dir.join(format!("{name}.input"));
        std::fs::write(&elf, zkc_backend_zisk::zisk_bin::write_elf(&layout.rom)).unwrap();
        std::fs::write(&input_path, &input).unwrap();
        let ours = common::expected_stdout(&name, &layout.rom, &input);
        let theirs = common::run_ziskemu(&ziskemu, "-e", &elf, Some(&input_path));
        assert_eq!(theirs, ours, "{name}: ziskemu -e output and cost report");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

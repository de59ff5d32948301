//! Every bench program (../shared/bench): compiled by zkc, run on zkc's emulator with its stdin,
//! prints exactly its expected stdout (and exits with its expected status); the reference
//! interpreter agrees; and when `ziskemu` is found, the `.zisk` and `.elf` give the same console
//! output, STEPS and VARIABLE on the real emulator.
//!
//! `ZKC_BENCH=name` runs one program; `ZKC_BENCH_REPORT=1` prints the cost table, first
//! allocator (slots) against the coloring allocator, with geometric means.

use std::process::Command;

use zkc_backend_zisk::codegen::{compile, Allocator, CodegenOptions, EXIT_WORD};
use zkc_backend_zisk::{emu, write_asm, zisk_bin, Emulator, Status};
use zkc_testkit::bench_dir;

struct Run {
    console: String,
    exit_word: u64,
    steps: u64,
    variable: u64,
    memory: u64,
}

fn build(wasm: &[u8]) -> zkc_backend_zisk::Program {
    build_with(wasm, Allocator::default())
}

fn build_with(wasm: &[u8], allocator: Allocator) -> zkc_backend_zisk::Program {
    let module = zkc_frontend_wasm::translate(wasm).expect("translate");
    let linked = zkc_runtime::link(module).expect("link");
    zkc_ir::verify::verify_module(&linked).expect("linked module verifies");
    let opts = CodegenOptions {
        allocator,
        ..CodegenOptions::default()
    };
    compile(&linked, &opts).expect("compile")
}

fn run_zkc(program: &zkc_backend_zisk::Program, stdin: &[u8]) -> Run {
    let layout = program.layout().expect("layout");
    let input = emu::legacy_input(stdin);
    let mut e = Emulator::new(&layout.rom, &input).expect("load");
    let out = e.run(2_000_000_000).expect("run");
    assert_eq!(out.status, Status::Ended);
    let stats = e.stats();
    Run {
        console: e.console_as_printed(),
        exit_word: e.read_u64(EXIT_WORD),
        steps: stats.steps,
        variable: stats.variable_cost(),
        memory: stats.memory_cost,
    }
}

fn names() -> Vec<String> {
    zkc_testkit::bench_names(&bench_dir())
}

fn expected(name: &str) -> (Vec<u8>, String, i32) {
    zkc_testkit::bench_expected(&bench_dir(), name)
}

#[test]
fn bench_programs_run_correctly() {
    let report = std::env::var_os("ZKC_BENCH_REPORT").is_some();
    let mut failures = Vec::new();
    let mut table = String::from(
        "| program | slots STEPS | slots VARIABLE | slots MEMORY | coloring STEPS | coloring VARIABLE | coloring MEMORY | VARIABLE ÷ | MEMORY ÷ |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    let (mut log_var, mut log_mem, mut count) = (0f64, 0f64, 0f64);
    let allocators: &[Allocator] = if report {
        &[Allocator::Slots, Allocator::Coloring]
    } else {
        &[Allocator::Coloring]
    };
    for name in names() {
        let wasm = std::fs::read(bench_dir().join(format!("wasm/{name}.wasm"))).unwrap();
        let (stdin, stdout, code) = expected(&name);
        let mut runs = Vec::new();
        for &allocator in allocators {
            let program = build_with(&wasm, allocator);
            let run = run_zkc(&program, &stdin);
            let status = run.exit_word as u32 as i32;
            let trap = run.exit_word >> 32;
            if run.console != stdout || status != code || trap != 0 {
                let line = run
                    .console
                    .lines()
                    .zip(stdout.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or(run.console.lines().count().min(stdout.lines().count()));
                failures.push(format!(
                    "{name} ({allocator:?}): exit {status} trap {trap}; output differs at line {line}: got {:?}, expected {:?}",
                    run.console.lines().nth(line),
                    stdout.lines().nth(line)
                ));
            }
            runs.push(run);
        }
        if let [a, b] = &runs[..] {
            let (rv, rm) = (
                a.variable as f64 / b.variable as f64,
                a.memory as f64 / b.memory as f64,
            );
            log_var += rv.ln();
            log_mem += rm.ln();
            count += 1.0;
            table += &format!(
                "| {name} | {} | {} | {} | {} | {} | {} | {rv:.2}x | {rm:.2}x |\n",
                a.steps, a.variable, a.memory, b.steps, b.variable, b.memory
            );
        }
    }
    if report {
        println!("{table}");
        println!(
            "geometric mean over {count} programs: VARIABLE {:.2}x lower, MEMORY {:.2}x lower",
            (log_var / count).exp(),
            (log_mem / count).exp()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn interpreter_and_compiled_code_agree() {
    for name in names() {
        let wasm = std::fs::read(bench_dir().join(format!("wasm/{name}.wasm"))).unwrap();
        let (stdin, _, _) = expected(&name);
        let module = zkc_frontend_wasm::translate(&wasm).expect("translate");
        let oracle = zkc_ir::interp::run_command(&module, &stdin, Default::default());
        let run = run_zkc(&build(&wasm), &stdin);
        let mut console = oracle.stdout.clone();
        console.extend_from_slice(&oracle.stderr);
        assert_eq!(run.console.as_bytes(), &console[..], "{name}: console");
        match oracle.exit {
            zkc_ir::interp::Exit::Code(c) => {
                assert_eq!(run.exit_word, c as u32 as u64, "{name}: exit status")
            }
            zkc_ir::interp::Exit::Trap(t) => panic!("{name}: the interpreter trapped: {t:?}"),
        }
    }
}

fn field(report: &str, key: &str) -> Option<u64> {
    report.lines().find_map(|l| {
        let l = l.trim();
        let rest = l.strip_prefix(key)?;
        rest.trim_start_matches([':', ' '])
            .split_whitespace()
            .next()?
            .replace(',', "")
            .parse()
            .ok()
    })
}

#[test]
fn real_ziskemu_agrees() {
    let Some(ziskemu) = zkc_testkit::ziskemu_or_skip() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("zkc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for name in names() {
        let wasm = std::fs::read(bench_dir().join(format!("wasm/{name}.wasm"))).unwrap();
        let stdin_path = bench_dir().join(format!("expected/{name}.stdin"));
        let (stdin, _, _) = expected(&name);
        let program = build(&wasm);
        let ours = run_zkc(&program, &stdin);
        let zisk = dir.join(format!("{name}.zisk"));
        let elf = dir.join(format!("{name}.elf"));
        std::fs::write(&zisk, write_asm(&program).expect("asm")).unwrap();
        std::fs::write(&elf, zisk_bin::write_elf(&program.layout().unwrap().rom)).unwrap();
        for (flag, file) in [("-z", &zisk), ("-e", &elf)] {
            let out = Command::new(&ziskemu)
                .arg(flag)
                .arg(file)
                .arg("--legacy-inputs")
                .arg(&stdin_path)
                .arg("-X")
                .output()
                .expect("ziskemu runs");
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(
                out.status.success(),
                "{name} {flag}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                text.starts_with(&ours.console),
                "{name} {flag}: console differs:\n{text}"
            );
            assert_eq!(
                field(&text, "STEPS"),
                Some(ours.steps),
                "{name} {flag}: STEPS\n{text}"
            );
            assert_eq!(
                field(&text, "VARIABLE"),
                Some(ours.variable),
                "{name} {flag}: VARIABLE\n{text}"
            );
        }
    }
}

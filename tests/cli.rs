//! The `zkc` command as users run it: outputs, exit statuses and error messages.

use std::path::PathBuf;
use std::process::{Command, Output};
use zkc_testkit::{shared, workspace};

fn zkc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkc"))
        .args(args)
        .output()
        .expect("run zkc")
}

/// `zkc COMMAND` on a bench program with its stdin.
fn run_bench(command: &str, name: &str) -> Output {
    let wasm = shared(&format!("bench/wasm/{name}.wasm"));
    let stdin = shared(&format!("bench/expected/{name}.stdin"));
    zkc(&[
        command,
        wasm.to_str().unwrap(),
        "--stdin",
        stdin.to_str().unwrap(),
    ])
}

fn expected_exit_code(name: &str) -> i32 {
    let path = shared(&format!("bench/expected/{name}.exitcode"));
    std::fs::read_to_string(path)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn interp_runs_a_c_program_with_its_stdin() {
    let out = run_bench("interp", "c_fib");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        out.stdout,
        std::fs::read(shared("bench/expected/c_fib.stdout")).unwrap()
    );
}

/// The optimized IR runs in the interpreter with the reference's output.
#[test]
fn interp_runs_the_optimized_ir_on_request() {
    let wasm = shared("bench/wasm/rs_sha256.wasm");
    let stdin = shared("bench/expected/rs_sha256.stdin");
    let expected = std::fs::read(shared("bench/expected/rs_sha256.stdout")).unwrap();
    for level in ["-O1", "-O2"] {
        let out = zkc(&[
            "interp",
            level,
            wasm.to_str().unwrap(),
            "--stdin",
            stdin.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{level}: {}", text(&out.stderr));
        assert_eq!(out.stdout, expected, "{level}");
    }
}

#[test]
fn interp_exits_with_the_programs_status() {
    let out = run_bench("interp", "wat_exit");
    assert_eq!(out.status.code(), Some(expected_exit_code("wat_exit")));
}

#[test]
fn emit_ir_of_zir_reproduces_the_file() {
    let path = workspace().join("ir/tests/zir/fac_rec.zir");
    let out = zkc(&[path.to_str().unwrap(), "--emit", "ir", "-O0"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), std::fs::read_to_string(&path).unwrap());
}

#[test]
fn emit_ir_writes_the_output_file() {
    let dir = std::env::temp_dir().join(format!("zkc-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out_path = dir.join("out.zir");
    let wat = shared("bench/wasm/wat_calls.wasm");
    let out = zkc(&[wat.to_str().unwrap(), "-o", out_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&out_path).unwrap();
    let reparsed = zkc_ir::text::parse_module(&written).expect("output parses");
    assert_eq!(zkc_ir::text::print_module(&reparsed), written);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dump_after_prints_the_ir_to_stderr() {
    let path = workspace().join("ir/tests/zir/sum.zir");
    let out = zkc(&[
        path.to_str().unwrap(),
        "--dump-after",
        "translate",
        "-o",
        "/dev/null",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    // The one header format of every dump: stage, position in the pipeline, level.
    let stages = 1 + zkc::driver::OptLevel::O2.passes().len();
    assert!(
        err.starts_with(&format!("; after translate (stage 1 of {stages} at -O2)\n")),
        "{err}"
    );
    assert!(err.contains("func @sum(i32) -> i32 {"), "{err}");
}

#[test]
fn dump_after_an_unknown_pass_is_an_error() {
    let path = workspace().join("ir/tests/zir/sum.zir");
    let out = zkc(&[path.to_str().unwrap(), "--dump-after", "nosuch"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--dump-after nosuch: no such pass (passes: translate"));
}

#[test]
fn malformed_wasm_reports_the_byte_offset() {
    let dir = std::env::temp_dir().join(format!("zkc-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.wasm");
    std::fs::write(&bad, b"\0asm\x01\0\0\0\x01\x05").unwrap();
    let out = zkc(&[bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("error at 0xa: malformed module"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An import nobody provides is an error that points at its declaration in the binary, when
/// compiling and when interpreting.
#[test]
fn unknown_imports_report_their_byte_offset() {
    let wasm = wat::parse_str(
        r#"(module (import "env" "foo" (func $f)) (func (export "_start") call $f))"#,
    )
    .unwrap();
    let entry = wasm
        .windows(8)
        .position(|w| w == b"\x03env\x03foo")
        .unwrap();
    let path = temp_file("unknown-import", "m.wasm", &wasm);
    let expected = format!("unknown import \"env\" \"foo\" at {entry:#x}");
    for args in [vec!["--emit", "zisk"], vec!["interp"]] {
        let mut args = args.clone();
        if args[0] == "interp" {
            args.push(path.to_str().unwrap());
        } else {
            args.insert(0, path.to_str().unwrap());
        }
        let out = zkc(&args);
        assert_ne!(out.status.code(), Some(0));
        let err = text(&out.stderr);
        assert!(err.contains(&expected), "{args:?}: {err}");
    }
}

#[test]
fn zir_parse_errors_carry_line_and_column() {
    let dir = std::env::temp_dir().join(format!("zkc-badzir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.zir");
    std::fs::write(&bad, "func @f() {\nblock0:\n    return v9\n}\n").unwrap();
    let out = zkc(&[bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("bad.zir:3:12: use of undefined value v9"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn invalid_zir_is_bad_input_in_release_builds_too() {
    // Parses, but returns an i64 from an i32 function: the verifier is IR text's validator,
    // which runs whether or not `--verify` asks for the verifier between passes.
    let bad = temp_file(
        "invalidzir",
        "bad.zir",
        b"func @f() -> i32 {\nblock0:\n    v0 = i64.const 0\n    return v0\n}\n",
    );
    for emit in ["ir", "zisk"] {
        let out = zkc(&[bad.to_str().unwrap(), "--emit", emit]);
        assert_eq!(out.status.code(), Some(1), "--emit {emit}");
        let err = text(&out.stderr);
        assert!(err.contains("bad.zir: invalid IR"), "--emit {emit}: {err}");
    }
}

#[test]
fn missing_input_file_is_a_clear_error() {
    let out = zkc(&["/nonexistent/app.wasm"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("/nonexistent/app.wasm: cannot read"));
}

#[test]
fn trapping_program_exits_3_with_the_trap_message() {
    let dir = std::env::temp_dir().join(format!("zkc-trap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("trap.zir");
    std::fs::write(
        &path,
        "func @_start() {\nblock0:\n    trap heap_oob\n}\nexport \"_start\" func @_start\n",
    )
    .unwrap();
    let out = zkc(&["interp", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("trapped: out of bounds memory access"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn interp_needs_a_start_export() {
    let path = workspace().join("ir/tests/zir/trap_unreachable.zir");
    let out = zkc(&["interp", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("exports no `_start` function to run"));
}

#[test]
fn wast_prints_the_summary_line() {
    let out = zkc(&["wast", shared("wasm-testsuite/fac.wast").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "7 passed, 0 failed, 0 skipped\n");
}

/// `-v` names every skipped assertion with its reason: multiple memories are not supported.
#[test]
fn wast_verbose_lists_skips_with_their_reason() {
    let path = shared("wasm-testsuite/memory_grow.wast");
    let out = zkc(&["wast", "-v", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    let (skips, summary) = stdout.trim_end().rsplit_once('\n').unwrap();
    let n: usize = summary
        .split(", ")
        .nth(2)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(n > 0, "{stdout}");
    assert_eq!(skips.lines().count(), n, "{stdout}");
    assert!(
        skips
            .lines()
            .all(|l| l.contains(": skipped: ") && l.contains("multiple memories")),
        "{stdout}"
    );
}

#[test]
fn run_prints_the_program_output_and_costs_like_ziskemu() {
    let out = zkc(&[
        "run",
        shared("bench/wasm/c_fib.wasm").to_str().unwrap(),
        "--stdin",
        shared("bench/expected/c_fib.stdin").to_str().unwrap(),
        "--stats",
        "--profile",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let expected = std::fs::read_to_string(shared("bench/expected/c_fib.stdout")).unwrap();
    assert!(stdout.starts_with(&expected), "{stdout}");
    let field = |line: &str, n: usize| -> u64 {
        line.split_whitespace()
            .nth(n)
            .unwrap()
            .replace(',', "")
            .parse()
            .unwrap()
    };
    let variable = field(
        stdout.lines().find(|l| l.starts_with("VARIABLE")).unwrap(),
        1,
    );
    // The profile's rows (functions, then the initialised data) add up to VARIABLE.
    let rows = stdout
        .split("PROFILE: VARIABLE BY FUNCTION")
        .nth(1)
        .expect("profile");
    let (rows, alloc) = rows
        .split_once("register allocation:")
        .expect("allocation line");
    let sum: u64 = rows
        .lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .map(|l| field(l, l.split_whitespace().count() - 2))
        .sum();
    assert_eq!(sum, variable);
    assert!(rows.contains("__original_main"), "{rows}");
    // Then what register allocation cost, a part of VARIABLE.
    assert!(field(alloc, 0) < variable, "{alloc}");
}

#[test]
fn run_exits_with_the_programs_status() {
    let out = run_bench("run", "wat_exit");
    assert_eq!(out.status.code(), Some(expected_exit_code("wat_exit")));
    assert_eq!(
        out.stdout,
        std::fs::read(shared("bench/expected/wat_exit.stdout")).unwrap()
    );
}

#[test]
fn emitted_assembly_and_elf_run_on_zkcs_emulator_alike() {
    let dir = std::env::temp_dir().join(format!("zkc-emit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wasm = shared("bench/wasm/wat_calls.wasm");
    let stdin = shared("bench/expected/wat_calls.stdin");
    let asm = dir.join("a.zisk");
    let elf = dir.join("a.elf");
    for (emit, path) in [("zisk", &asm), ("elf", &elf)] {
        let out = zkc(&[
            wasm.to_str().unwrap(),
            "--emit",
            emit,
            "-o",
            path.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    assert!(std::fs::read_to_string(&asm).unwrap().contains("_start:"));
    let emu = zkc(&[
        "emu",
        elf.to_str().unwrap(),
        "--stdin",
        stdin.to_str().unwrap(),
        "--stats",
    ]);
    let run = zkc(&[
        "run",
        wasm.to_str().unwrap(),
        "--stdin",
        stdin.to_str().unwrap(),
        "--stats",
    ]);
    assert_eq!(emu.status.code(), Some(0), "{}", text(&emu.stderr));
    assert_eq!(text(&emu.stdout), text(&run.stdout));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn optimized_ir_reparses_and_differs_from_o0() {
    let path = workspace().join("ir/tests/zir/fac_rec.zir");
    let o0 = zkc(&[path.to_str().unwrap(), "-O0"]);
    let o2 = zkc(&[path.to_str().unwrap(), "-O2"]);
    assert_eq!(o2.status.code(), Some(0), "{}", text(&o2.stderr));
    let m = zkc_ir::text::parse_module(&text(&o2.stdout)).expect("-O2 output parses");
    zkc_ir::verify::verify_module(&m).expect("-O2 output verifies");
    assert_ne!(o0.stdout, o2.stdout);
}

#[test]
fn dump_after_an_optimizer_pass_names_it_and_its_report() {
    let path = workspace().join("ir/tests/zir/fac_rec.zir");
    let out = zkc(&[path.to_str().unwrap(), "-O2", "--dump-after", "egraph"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    let passes = zkc::driver::OptLevel::O2.passes();
    let k = 2 + passes.iter().position(|&p| p == "egraph").unwrap();
    let header = format!(
        "; after egraph (stage {k} of {} at -O2)\n; egraph: ",
        1 + passes.len()
    );
    assert!(err.starts_with(&header), "{err}");
    assert!(
        err.contains(", saturated ") && err.contains(", node limit "),
        "{err}"
    );
    let o1 = zkc(&[path.to_str().unwrap(), "-O1", "--dump-after", "egraph"]);
    assert_eq!(o1.status.code(), Some(1));
    assert!(
        text(&o1.stderr).contains("--dump-after egraph: the pass does not run here"),
        "{}",
        text(&o1.stderr)
    );
}

/// Every backend stage is one `--dump-after` away under the common header: the code over
/// vregs after `isel` and `hoist`, locations after `regalloc`, and after `emit` exactly the
/// assembly `--emit zisk` writes.
#[test]
fn dump_after_each_backend_stage() {
    let wasm = shared("bench/wasm/wat_calls.wasm");
    let asm = std::env::temp_dir().join(format!("zkc-stages-{}.zisk", std::process::id()));
    let stages = ["isel", "hoist", "regalloc", "emit"];
    let mut args = vec![
        wasm.to_str().unwrap(),
        "--emit",
        "zisk",
        "-o",
        asm.to_str().unwrap(),
    ];
    for s in stages {
        args.extend(["--dump-after", s]);
    }
    let out = zkc(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    let written = std::fs::read_to_string(&asm).expect("assembly written");
    let _ = std::fs::remove_file(&asm);
    let mut dumps: Vec<&str> = err.split("; after ").skip(1).collect();
    assert_eq!(dumps.len(), 4, "{err}");
    for (k, stage) in stages.iter().enumerate() {
        // translate, link, softfloat, the optimizer's passes, then the backend's four.
        let passes = 3 + zkc::driver::OptLevel::O2.passes().len();
        let header = format!(
            "{stage} (stage {} of {} at -O2)\n; coloring allocator\n",
            passes + 1 + k,
            passes + 4
        );
        assert!(dumps[k].starts_with(&header), "{}", dumps[k]);
        dumps[k] = &dumps[k][header.len()..];
    }
    let vreg = |d: &str| d.contains("-> v0") || d.contains(" v0 <-");
    assert!(
        dumps[0].starts_with("; function @") && vreg(dumps[0]),
        "{}",
        dumps[0]
    );
    assert!(
        dumps[1].starts_with("; function @") && vreg(dumps[1]),
        "{}",
        dumps[1]
    );
    assert!(
        dumps[2].contains(" vregs, ") && dumps[2].contains(" v0=r"),
        "{}",
        dumps[2]
    );
    assert!(!vreg(dumps[2]), "{}", dumps[2]);
    assert_eq!(dumps[3].trim_end(), written.trim_end());
}

/// Both allocators and every level print the program's output; the slots allocator costs more.
#[test]
fn run_at_every_level_and_allocator() {
    let wasm = shared("bench/wasm/c_fib.wasm");
    let stdin = shared("bench/expected/c_fib.stdin");
    let expected = std::fs::read(shared("bench/expected/c_fib.stdout")).unwrap();
    let mut variable = Vec::new();
    for args in [
        ["-O0", "--regalloc=slots"],
        ["-O1", "--regalloc=coloring"],
        ["-O2", "--regalloc=slots"],
        ["-O2", "--regalloc=coloring"],
    ] {
        let mut argv = vec![
            "run",
            wasm.to_str().unwrap(),
            "--stdin",
            stdin.to_str().unwrap(),
            "--stats",
        ];
        argv.extend(args);
        let out = zkc(&argv);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.starts_with(&expected), "{args:?}");
        let report = text(&out.stdout[expected.len()..]);
        let v: u64 = report
            .lines()
            .find_map(|l| l.trim().strip_prefix("VARIABLE"))
            .and_then(|r| r.trim_start_matches([':', ' ']).split_whitespace().next())
            .map(|n| n.replace(',', "").parse().unwrap())
            .unwrap_or_else(|| panic!("{args:?}: no VARIABLE in {report}"));
        variable.push(v);
    }
    assert!(
        variable[2] > variable[3],
        "slots {} vs coloring {}",
        variable[2],
        variable[3]
    );
}

#[test]
fn time_passes_lists_every_stage() {
    let wasm = shared("bench/wasm/c_fib.wasm");
    let out = zkc(&[
        wasm.to_str().unwrap(),
        "--emit",
        "elf",
        "-o",
        "/dev/null",
        "--time-passes",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    let stages: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix("time: ")?.split_whitespace().next())
        .collect();
    let mut want = vec!["translate", "link", "softfloat"];
    want.extend(zkc::driver::OptLevel::O2.passes());
    want.extend(["isel", "hoist", "regalloc", "emit", "write-elf"]);
    assert_eq!(stages, want, "{err}");
}

/// `--annotate` writes the assembly with each instruction's executions and VARIABLE, marking
/// what register allocation added (`A`) and its slot accesses (`s`): with the slot allocator
/// most instructions touch a slot, bounds checks (they read a bound word, not a slot) never
/// count as one, and the VARIABLE column adds up to the run's less its initialised data.
#[test]
fn annotate_marks_what_allocation_costs() {
    let path = std::env::temp_dir().join(format!("zkc-annotate-{}.zisk", std::process::id()));
    let run = |regalloc: &str| {
        let out = zkc(&[
            "run",
            shared("bench/wasm/c_sort.wasm").to_str().unwrap(),
            "--stdin",
            shared("bench/expected/c_sort.stdin").to_str().unwrap(),
            "-O0",
            "--regalloc",
            regalloc,
            "--stats",
            "--annotate",
            path.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let annotated = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        (text(&out.stdout), annotated)
    };
    for regalloc in ["slots", "coloring"] {
        let (stdout, annotated) = run(regalloc);
        // Instruction lines: executions, VARIABLE, a mark, a tab, the instruction.
        let insts: Vec<(u64, u64, &str, &str)> = annotated
            .lines()
            .filter(|l| l.len() > 26 && l.as_bytes()[25] == b'\t')
            .map(|l| {
                let num = |s: &str| s.trim().parse().unwrap_or(0);
                (num(&l[..10]), num(&l[11..23]), l[23..25].trim(), &l[26..])
            })
            .collect();
        assert!(insts.len() > 100, "{annotated}");
        let marked = |m: &str| insts.iter().filter(|i| i.0 > 0 && i.2 == m).count();
        let (added, slots) = (marked("A"), marked("s"));
        assert!(added > 0, "{regalloc}: no instruction added by allocation");
        let ran = insts.iter().filter(|i| i.0 > 0).count();
        if regalloc == "slots" {
            assert!(
                slots > ran / 4,
                "{regalloc}: {slots} slot accesses of {ran}"
            );
        }
        // A bounds check of an address in a register reads only its bound word.
        let checks = insts
            .iter()
            .filter(|i| i.3.contains("__trap_heap_oob") && i.3.matches('[').count() == 1);
        assert!(checks.clone().count() > 0);
        assert!(checks.clone().all(|i| i.2.is_empty()), "{regalloc}");
        let variable: u64 = stdout
            .lines()
            .find(|l| l.starts_with("VARIABLE"))
            .and_then(|l| l.split_whitespace().nth(1))
            .map(|v| v.replace(',', "").parse().unwrap())
            .unwrap();
        let sum: u64 = insts.iter().map(|i| i.1).sum();
        assert!(
            sum <= variable && sum * 100 > variable * 99,
            "{sum} of {variable}"
        );
    }
}

/// Writes `contents` to `name` in a fresh directory for the calling test; returns its path.
fn temp_file(test: &str, name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zkc-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// Issue #19: an empty active data segment outside the range of the non-empty ones panicked
/// the ZisK backend's memory image (exit 101).
#[test]
fn empty_data_segment_outside_the_others_compiles_for_zisk() {
    let path = temp_file(
        "empty-seg",
        "x.wat",
        br#"(module (memory 1 7) (data (i32.const 16348) "") (data (i32.const 2561) "\19") (func (export "_start")))"#,
    );
    let out = zkc(&[path.to_str().unwrap(), "--emit", "zisk", "-o", "/dev/null"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = zkc(&["run", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// Issue #19: a module with an active segment out of bounds compiles; on ZisK it traps at
/// instantiation (its `_start`, which would trap as unreachable, never runs), exit 3.
#[test]
fn out_of_bounds_segments_trap_at_instantiation() {
    let cases: [(&str, &[u8]); 2] = [
        (
            "out of bounds memory access",
            br#"(module (memory 1) (data (i32.const 0) "a") (data (i32.const 65536) "b")
                (func (export "_start") unreachable))"#,
        ),
        (
            "out of bounds table access",
            br#"(module (table 1 funcref) (elem (i32.const 1) $f)
                (func $f) (func (export "_start") unreachable))"#,
        ),
    ];
    for (message, wat) in cases {
        let path = temp_file("oob-seg", "oob.wat", wat);
        let out = zkc(&[path.to_str().unwrap(), "--emit", "zisk", "-o", "/dev/null"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        for command in ["run", "interp"] {
            let out = zkc(&[command, path.to_str().unwrap()]);
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(3), "{command}: {err}");
            assert!(err.contains(message), "{command}: {err}");
            assert!(!err.contains("unreachable"), "{command}: {err}");
        }
    }
}

/// Issue #19: the spec's names.wast names exports with characters the `.wast` lexer refuses
/// by default ("likely-confusing unicode character"); `zkc wast` accepts them.
#[test]
fn wast_accepts_confusing_unicode_in_names() {
    let path = workspace().join("tests/wasm-testsuite/names.wast");
    for backend in ["interp", "zisk"] {
        let out = zkc(&["wast", "--backend", backend, path.to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{backend}: {}",
            text(&out.stderr)
        );
        assert_eq!(
            text(&out.stdout),
            "482 passed, 0 failed, 0 skipped\n",
            "{backend}"
        );
    }
}

/// Issue #19: the empty string is an export name like any other; `(invoke "")` runs (it was
/// taken for an invocation with unsupported arguments and skipped).
#[test]
fn wast_invokes_the_empty_export_name() {
    let path = temp_file(
        "empty-export",
        "empty.wast",
        br#"(module (func (export "") (result i32) (i32.const 7)))
            (assert_return (invoke "") (i32.const 7))
            (module (func (export "") unreachable))
            (assert_trap (invoke "") "unreachable")"#,
    );
    for backend in ["interp", "zisk"] {
        let out = zkc(&["wast", "-v", "--backend", backend, path.to_str().unwrap()]);
        assert_eq!(
            text(&out.stdout),
            "2 passed, 0 failed, 0 skipped\n",
            "{backend}: {}",
            text(&out.stderr)
        );
    }
}

/// Issue #19: `zkc wast -O0|-O1|-O2` runs the interpreter on the IR optimized at that level and
/// compiles for ZisK at that level; the help says so.
#[test]
fn wast_runs_a_spec_file_at_every_level_on_both_backends() {
    let path = shared("wasm-testsuite/fac.wast");
    for backend in ["interp", "zisk"] {
        for level in ["-O0", "-O1", "-O2"] {
            let out = zkc(&["wast", level, "--backend", backend, path.to_str().unwrap()]);
            assert_eq!(
                (out.status.code(), text(&out.stdout).as_str()),
                (Some(0), "7 passed, 0 failed, 0 skipped\n"),
                "{backend} {level}: {}",
                text(&out.stderr)
            );
        }
    }
    let out = zkc(&["wast", "-O3", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let help = text(&zkc(&["wast", "--help"]).stdout);
    assert!(help.contains("-O <LEVEL>"), "{help}");
}

/// Issue #19: a module without a memory may import `proc_exit` (it needs none); it runs on
/// both executors with the status it exits with.
#[test]
fn proc_exit_without_a_memory() {
    let path = temp_file(
        "nomem",
        "nomem.wat",
        br#"(module
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (func (export "_start") (call $exit (i32.const 7))))"#,
    );
    for command in ["run", "interp"] {
        let out = zkc(&[command, path.to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(7),
            "{command}: {}",
            text(&out.stderr)
        );
    }
}

/// Issue #19: a file that looks binary, or is named `.wasm`, and lacks the magic number gets
/// "bad magic" at offset 0 (it was parsed as wasm text, with a syntax error), exit 1.
#[test]
fn bad_magic_is_named() {
    for (name, bytes, found) in [
        ("bad.wasm", &b"\0asn\x01\0\0\0"[..], "00 61 73 6e"),
        ("bad.wat", b"\x01\x02\x03\x04\0\0", "01 02 03 04"),
        ("text.wasm", b"(module)", "28 6d 6f 64"),
    ] {
        let path = temp_file("magic", name, bytes);
        let out = zkc(&[path.to_str().unwrap()]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(
            err.contains(&format!(
                "error at 0x0: malformed module: bad magic: expected \\0asm, found {found}"
            )),
            "{name}: {err}"
        );
    }
}

/// Runs each program (wat text, exit status, stdout) with `zkc run` at every level; first, when
/// `dump` names a pass and a text, checks that the -O1 dump after that pass shows the text (the
/// transform under test happened).
fn runs_alike_at_every_level(tag: &str, cases: &[(String, i32, &str)], dump: Option<(&str, &str)>) {
    let dir = std::env::temp_dir().join(format!("zkc-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (k, (wat, code, stdout)) in cases.iter().enumerate() {
        let path = dir.join(format!("{tag}{k}.wat"));
        std::fs::write(&path, wat).unwrap();
        let file = path.to_str().unwrap();
        if let Some((pass, shows)) = dump {
            let out = zkc(&[file, "--emit", "ir", "-O1", "--dump-after", pass]);
            assert!(
                text(&out.stderr).contains(shows),
                "{tag}{k}: {}",
                text(&out.stderr)
            );
        }
        for level in ["-O0", "-O1", "-O2"] {
            let out = zkc(&["run", file, level]);
            assert_eq!(
                out.status.code(),
                Some(*code),
                "{tag}{k} {level}: {}",
                text(&out.stderr)
            );
            assert_eq!(text(&out.stdout), *stdout, "{tag}{k} {level}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue #15: a loop whose invariant address is checked once, in its peeled first iteration
/// (opt `peel`), still traps at that access, after the output before it, at every level.
#[test]
fn a_peeled_loop_traps_at_its_first_access_after_the_output_before_it() {
    let program = |base: u32| {
        format!(
            r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\08\00\00\00\03\00\00\00hi\0a")
  (func $total (param $p i32) (param $n i32) (result i64)
    (local $i i32) (local $s i64)
    (loop $l
      (i64.store offset=16 (local.get $p)
        (local.tee $s (i64.add (i64.load offset=16 (local.get $p))
                               (i64.extend_i32_u (local.get $i)))))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                          (local.get $n))))
    (local.get $s))
  (func (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 64)))
    (if (i64.ne (call $total (i32.const {base}) (i32.const 100)) (i64.const 4950))
      (then unreachable))))"#
        )
    };
    // The trap stub prints its message on the console, after the program's output.
    let cases = [
        (program(1000), 0, "hi\n"),
        (program(65520), 3, "hi\ntrap: out of bounds memory access\n"),
    ];
    runs_alike_at_every_level("peel", &cases, None);
}

/// Issue #15: a loop versioned for its bounds checks (opt `version`) that runs out of the
/// memory takes the original, checked loop: it traps at the same access, after the same
/// output (a dot per iteration, printed before the iteration's load), at every level; in
/// bounds, the unchecked copy runs and sums what wasm sums.
#[test]
fn a_versioned_loop_traps_at_the_same_access_after_the_same_output() {
    let program = |base: u32| {
        format!(
            r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\10\00\00\00\01\00\00\00\18\00\00\00\03\00\00\00.\00\00\00\00\00\00\00hi\0a")
  (data (i32.const 32) "{base_bytes}")
  (func $sum (param $p i32) (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 64)))
      (local.set $s (i32.add (local.get $s)
                             (i32.load (i32.add (local.get $p)
                                                (i32.shl (local.get $i) (i32.const 2))))))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                        (local.get $n))))
    (local.get $s))
  (func (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 64)))
    (if (i32.ne (call $sum (i32.load (i32.const 32)) (i32.const 10)) (i32.const 0))
      (then unreachable))))"#,
            // The base as data, read at run time: no value range puts the loop's addresses
            // inside the memory, so its checks are the guard's to save.
            base_bytes = base
                .to_le_bytes()
                .iter()
                .map(|b| format!("\\{b:02x}"))
                .collect::<String>()
        )
    };
    let cases = [
        (program(1000), 0, "hi\n.........."),
        // Elements 0..4 lie inside the 64 KiB page, element 5 does not: the sixth iteration
        // prints its dot and traps at its load.
        (
            program(65516),
            3,
            "hi\n......trap: out of bounds memory access\n",
        ),
    ];
    runs_alike_at_every_level("version", &cases, Some(("version", "notrap")));
}

/// Issue #15: a load that opt `forward` replaces by a value stored through `p + 16` stays as
/// the check it is: when `p + 16` wraps, the store writes low memory and `p offset=16` must
/// still trap, after the output before it, at every level.
#[test]
fn a_forwarded_load_still_traps_where_its_address_wraps() {
    let program = |p: i32| {
        format!(
            r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\08\00\00\00\03\00\00\00hi\0a")
  (global $p (mut i32) (i32.const {p}))
  (func $f (param $p i32) (result i64)
    (i64.store (i32.add (local.get $p) (i32.const 16)) (i64.const 7))
    (i64.load offset=16 (local.get $p)))
  (func (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 64)))
    (if (i64.ne (call $f (global.get $p)) (i64.const 7))
      (then unreachable))))"#
        )
    };
    let cases = [
        (program(1000), 0, "hi\n"),
        (program(-8), 3, "hi\ntrap: out of bounds memory access\n"),
    ];
    runs_alike_at_every_level(
        "forward",
        &cases,
        Some(("forward", "; forward: loads forwarded 1\n")),
    );
}

/// Functions are optimized, selected and emitted on several threads: the program is the same
/// byte for byte whatever their number (a bench program, and a Go module's 2.5 MB of runtime).
#[test]
fn thread_count_does_not_change_the_output() {
    for wasm in [
        shared("bench/wasm/rs_sort.wasm"),
        shared("bench-go/wasm/go_fib.wasm"),
    ] {
        let compile = |threads: &str| {
            let out = zkc(&[
                wasm.to_str().unwrap(),
                "--emit",
                "zisk",
                "--threads",
                threads,
            ]);
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            out.stdout
        };
        let one = compile("1");
        assert!(
            one == compile("4"),
            "{}: 1 and 4 threads differ",
            wasm.display()
        );
    }
}

/// Function bodies are validated on several threads: with two invalid bodies, the error is the
/// first one's, as if the bodies were validated in order, whatever the number of threads.
#[test]
fn the_first_invalid_body_is_reported_whatever_the_thread_count() {
    let module = |bad: &[usize]| {
        let funcs: String = (0..64)
            .map(|k| {
                let c = if bad.contains(&k) { "i64" } else { "i32" };
                format!("(func (result i32) ({c}.const {k}))\n")
            })
            .collect();
        wat::parse_str(format!("(module {funcs} (func (export \"_start\")))")).unwrap()
    };
    let error = |wasm: &[u8], threads: &str| {
        let path = temp_file("first-invalid", &format!("m{threads}.wasm"), wasm);
        let out = zkc(&[path.to_str().unwrap(), "--threads", threads]);
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        err[err.find("error at").expect("an offset")..].to_string()
    };
    let first_only = error(&module(&[10]), "1");
    assert!(first_only.contains("invalid module"), "{first_only}");
    for threads in ["1", "4"] {
        assert_eq!(
            error(&module(&[10, 50]), threads),
            first_only,
            "{threads} threads"
        );
    }
    assert_ne!(error(&module(&[50]), "1"), first_only);
}

/// `zkc --help` names every pass of the optimizer's pipeline in its description of `-O`.
#[test]
fn help_names_every_optimizer_pass() {
    let help = text(&zkc(&["--help"]).stdout).replace('\n', " ");
    let levels = help
        .split("Optimization level:")
        .nth(1)
        .expect("the -O option's help");
    for (pass, _) in zkc_opt::PIPELINE {
        assert!(
            levels.contains(&format!(" {pass},"))
                || levels.contains(&format!("({pass},"))
                || levels.contains(&format!(" {pass})"))
                || levels.contains(&format!("({pass})")),
            "{pass} missing from: {levels}"
        );
    }
}

//! Where the proof cost goes (`zkc run --profile-folded`, `--flamegraph`, `--profile-lines`;
//! src/profile.rs): the collapsed stacks of every bench program add up to its VARIABLE and
//! agree with the by-function table, the flamegraph is an SVG naming the hottest function,
//! per-line costs of programs built with DWARF (tests/profile: C from clang, Rust from rustc)
//! put the hottest line in the known hot loop, and the real `ziskemu -S` names zkc's functions
//! from the ELF's symbol table (skipped without ziskemu).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use zkc::driver::{self, Options};
use zkc::profile;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn zkc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkc"))
        .args(args)
        .output()
        .expect("run zkc")
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zkc-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// `stack WEIGHT` lines as (stack, weight).
fn weighted_lines(text: &str) -> Vec<(String, u64)> {
    text.lines()
        .map(|l| {
            let (stack, w) = l.rsplit_once(' ').unwrap_or_else(|| panic!("line {l:?}"));
            (
                stack.to_string(),
                w.parse().unwrap_or_else(|_| panic!("{l:?}")),
            )
        })
        .collect()
}

/// Every program of ../shared/bench and bench/suite, with its suite's directory.
fn programs() -> Vec<(PathBuf, String)> {
    [root().join("../shared/bench"), root().join("bench/suite")]
        .into_iter()
        .flat_map(|dir| {
            let names = zkc_testkit::bench_names(&dir);
            names.into_iter().map(move |n| (dir.clone(), n))
        })
        .collect()
}

#[test]
fn folded_stacks_add_up_to_variable_on_every_bench_program() {
    for (dir, name) in programs() {
        let (stdin, stdout, _) = zkc_testkit::bench_expected(&dir, &name);
        let opts = Options::default();
        let module = driver::load(&dir.join(format!("wasm/{name}.wasm"))).unwrap();
        let names = profile::Names::new(&module);
        let program = driver::codegen(module, &opts, &mut std::io::sink()).unwrap();
        let rom = driver::layout(&program).unwrap().rom;
        let run = driver::run_zisk_with(&rom, &stdin, 1 << 34, true).unwrap();
        assert_eq!(String::from_utf8_lossy(&run.console), stdout, "{name}");

        let folded = weighted_lines(&profile::folded(&rom, &run, &names));
        let total: u64 = folded.iter().map(|(_, w)| w).sum();
        assert_eq!(total, run.stats.variable_cost(), "{name}");
        // Every stack starts in zkc's entry, called by the BIOS (left out), or is the BIOS's
        // own code or the initialised data.
        for (stack, _) in &folded {
            assert!(
                stack.starts_with("zkc:__zkc_entry")
                    || stack == "(bios)"
                    || stack == "(initialised data)",
                "{name}: {stack}"
            );
        }
        // The innermost frame is the function the code belongs to: by leaf, the stacks are
        // the by-function table.
        let mut by_leaf: BTreeMap<String, u64> = BTreeMap::new();
        for (stack, w) in &folded {
            *by_leaf
                .entry(stack.rsplit(';').next().unwrap().into())
                .or_default() += w;
        }
        by_leaf.remove("(initialised data)");
        let by_function: BTreeMap<String, u64> = profile::by_function(&rom, &run, &names)
            .into_iter()
            .map(|f| (f.name, f.variable))
            .collect();
        assert_eq!(by_leaf, by_function, "{name}");
    }
}

/// Frames are named as the module names its functions: Rust's demangled, unnamed ones
/// `func[N]`, the runtime's and the soft-float routines' marked as such.
#[test]
fn frames_are_named_as_the_module_names_its_functions() {
    let folded_of = |input: &Path, args: &[&str]| {
        let folded = temp(&format!(
            "{}.folded",
            input.file_name().unwrap().to_string_lossy()
        ));
        let mut all = vec!["run", input.to_str().unwrap(), "--profile-folded"];
        all.push(folded.to_str().unwrap());
        all.extend(args);
        let out = zkc(&all);
        assert!(out.status.success(), "{out:?}");
        std::fs::read_to_string(folded).unwrap()
    };
    let stdin = root().join("../shared/bench/expected/rs_sort.stdin");
    let rust = folded_of(
        &root().join("../shared/bench/wasm/rs_sort.wasm"),
        &["--stdin", stdin.to_str().unwrap()],
    );
    assert!(rust.contains(";sort::main;"), "{rust}");
    assert!(!rust.contains("_ZN"), "mangled names left: {rust}");

    // At -O0 nothing is inlined: the runtime's fd_write and the soft-float division run as
    // functions of their own.
    let wat = temp("names.wat");
    std::fs::write(
        &wat,
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $g (mut f64) (f64.const 3))
  (func $divide (param f64) (result f64)
    (f64.div (local.get 0) (f64.const 7)))
  (func (export "_start")
    (global.set $g (call $divide (global.get $g)))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 1))
    (i32.store8 (i32.const 16) (i32.const 65))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#,
    )
    .unwrap();
    let stacks: Vec<String> = weighted_lines(&folded_of(&wat, &["-O0"]))
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let base = "zkc:__zkc_entry;runtime:__zkc_start;func[2]";
    for want in [
        format!("{base};divide;softfloat:f64_div"),
        format!("{base};runtime:fd_write"),
    ] {
        assert!(stacks.contains(&want), "{want} in {stacks:?}");
    }
}

#[test]
fn flamegraph_is_an_svg_naming_the_hottest_function() {
    let wasm = root().join("../shared/bench/wasm/c_sha256.wasm");
    let stdin = root().join("../shared/bench/expected/c_sha256.stdin");
    let (svg, folded) = (temp("sha256.svg"), temp("sha256.folded"));
    let out = zkc(&[
        "run",
        wasm.to_str().unwrap(),
        "--stdin",
        stdin.to_str().unwrap(),
        "--flamegraph",
        svg.to_str().unwrap(),
        "--profile-folded",
        folded.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let folded = weighted_lines(&std::fs::read_to_string(folded).unwrap());
    let (hottest, _) = folded.iter().max_by_key(|(_, w)| *w).unwrap();
    let hottest = hottest.rsplit(';').next().unwrap();
    assert_eq!(hottest, "__original_main");

    let text = std::fs::read_to_string(svg).unwrap();
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc =
        roxmltree::Document::parse_with_options(&text, options).expect("the flamegraph is XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let titles: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("title"))
        .filter_map(|n| n.text())
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with(&format!("{hottest} ("))),
        "no frame of {hottest} in {titles:?}"
    );
}

/// The lines of `source` between its `HOT LOOP BEGIN` and `HOT LOOP END` markers.
fn hot_loop(source: &Path) -> std::ops::RangeInclusive<u32> {
    let text = std::fs::read_to_string(source).unwrap();
    let line_of = |marker: &str| {
        text.lines()
            .position(|l| l.contains(marker))
            .unwrap_or_else(|| panic!("{marker} in {}", source.display())) as u32
            + 1
    };
    line_of("HOT LOOP BEGIN")..=line_of("HOT LOOP END")
}

/// `zkc run WASM --stats --profile --profile-lines`: the rows, and the run's VARIABLE less
/// its initialised data.
fn lines_of(wasm: &str) -> (Vec<(String, u64)>, u64) {
    let wasm = root().join("tests/profile").join(wasm);
    let lines = temp(&format!(
        "{}.lines",
        wasm.file_name().unwrap().to_string_lossy()
    ));
    let out = zkc(&[
        "run",
        wasm.to_str().unwrap(),
        "--stats",
        "--profile",
        "--profile-lines",
        lines.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("14994fb5\n"), "{stdout}");
    let variable: u64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("VARIABLE"))
        .and_then(|l| l.split_whitespace().next())
        .map(|v| v.replace(',', "").parse().unwrap())
        .expect("VARIABLE in the report");
    let init: u64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("(initialised data)"))
        .and_then(|l| l.split_whitespace().next())
        .map(|v| v.parse().unwrap())
        .expect("the initialised data's row in the profile");
    (
        weighted_lines(&std::fs::read_to_string(lines).unwrap()),
        variable - init,
    )
}

/// A row's file and line.
fn file_line(row: &str) -> (&str, u32) {
    let (file, line) = row.rsplit_once(':').unwrap();
    (file, line.parse().unwrap())
}

/// The rows, hottest first and then the code without a line, add up to what the code cost.
fn check_rows(rows: &[(String, u64)], code_cost: u64) {
    let (last, lines) = rows.split_last().unwrap();
    assert_eq!(last.0, "(no source line)");
    assert!(lines.windows(2).all(|w| w[0].1 >= w[1].1), "{rows:?}");
    assert_eq!(rows.iter().map(|(_, w)| w).sum::<u64>(), code_cost);
}

#[test]
fn per_line_costs_of_c_with_dwarf_put_its_hot_loop_first() {
    let (rows, code_cost) = lines_of("hot_c.wasm");
    check_rows(&rows, code_cost);
    let (file, line) = file_line(&rows[0].0);
    assert_eq!(file, "./hot.c");
    let source = root().join("tests/profile/hot.c");
    assert!(hot_loop(&source).contains(&line), "hottest {}", rows[0].0);
    // `rotl`, inlined into the loop by clang, has a row of its own.
    let text = std::fs::read_to_string(&source).unwrap();
    let rotl = text.lines().position(|l| l.contains("(x << k)")).unwrap() + 1;
    assert!(
        rows.iter()
            .any(|(r, w)| *r == format!("./hot.c:{rotl}") && *w > 0),
        "{rows:?}"
    );
}

#[test]
fn per_line_costs_of_rust_with_debuginfo_put_its_hot_loop_first() {
    let (rows, code_cost) = lines_of("hot_rs.wasm");
    check_rows(&rows, code_cost);
    // The hottest line of the program's own source; core code that rustc inlined into the loop
    // (`wrapping_mul`, the slice iterator) has rows of its own, which may weigh more.
    let own = rows
        .iter()
        .find(|(r, _)| r.starts_with("./hot.rs:"))
        .expect("a row of hot.rs");
    assert!(
        rows[0] == *own || rows[0].0.contains("/library/core/src/"),
        "hottest overall {}",
        rows[0].0
    );
    let (file, line) = file_line(&own.0);
    assert_eq!(file, "./hot.rs");
    assert!(
        hot_loop(&root().join("tests/profile/hot.rs")).contains(&line),
        "hottest {}",
        own.0
    );
    // core's `wrapping_mul`, inlined by rustc, counts on its own line in core.
    assert!(
        rows.iter()
            .any(|(r, _)| r.contains("library/core/src/num/uint_macros.rs:")),
        "{rows:?}"
    );
}

#[test]
fn per_line_costs_without_dwarf_are_a_note() {
    let wasm = root().join("../shared/bench/wasm/c_fib.wasm");
    let stdin = root().join("../shared/bench/expected/c_fib.stdin");
    let lines = temp("c_fib.lines");
    let out = zkc(&[
        "run",
        wasm.to_str().unwrap(),
        "--stdin",
        stdin.to_str().unwrap(),
        "--profile-lines",
        lines.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no DWARF line table"), "{stderr}");
    assert!(!lines.exists());
}

#[test]
fn run_help_documents_the_profile_outputs() {
    let out = zkc(&["run", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--profile-folded <FILE>",
        "--flamegraph <FILE>",
        "--profile-lines <FILE>",
    ] {
        assert!(help.contains(flag), "{flag} in {help}");
    }
}

/// The ELF's symbol table names zkc's functions in the real ziskemu's per-function report
/// (`-S -X`), which recognises zkc's calls and returns in a program without `call_indirect`
/// when its returns are upstream's (`--upstream-returns`).
#[test]
fn ziskemu_names_zkcs_functions_from_the_elf_symbols() {
    let Some(ziskemu) = zkc_testkit::ziskemu_or_skip() else {
        return;
    };
    let wasm = root().join("../shared/bench/wasm/c_sha256.wasm");
    let stdin = root().join("../shared/bench/expected/c_sha256.stdin");
    let elf = temp("c_sha256.elf");
    let out = zkc(&[
        wasm.to_str().unwrap(),
        "--emit",
        "elf",
        "--upstream-returns",
        "-o",
        elf.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let out = Command::new(ziskemu)
        .current_dir(elf.parent().unwrap())
        .args(["-e", elf.to_str().unwrap(), "--legacy-inputs"])
        .arg(&stdin)
        .args(["-X", "-S"])
        .output()
        .expect("run ziskemu");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(!report.contains("CALL_STACK_ERROR"), "{report}");
    let top = report
        .split("TOP COST FUNCTIONS")
        .nth(1)
        .unwrap_or_else(|| panic!("no per-function report: {report}"));
    assert!(top.contains("__original_main"), "{top}");
}

//! What the zkVM accelerators are worth (issue 16): the cost of a hash through the `"zkvm"`
//! import (zkc's runtime on ZisK's `keccak` and `sha256` precompiles) against the same hash
//! in software compiled by zkc.
//!
//! Both columns run one program, `examples/c/hash.c`, built twice by `examples/c/build.sh`:
//! `wasm/hash.wasm` hashes through the imports, `wasm/hash_sw.wasm` with the C of
//! `examples/c/soft_hash.h`. Its stdin `"LEN WHICH"` picks the message length and the hashes
//! (`k`, `s`, both `b`, or none `n`); the cost of one hash is the run's VARIABLE less the run
//! that hashes nothing, so the program around it (generating the message, printing) cancels.
//! The whole-program row is issue 16's acceptance figure: the program that computes both
//! hashes of 1 KiB through the imports must cost at most [`TARGET`] times its software build.
//! Every run's output must be the reference interpreter's for the software build, and with
//! `ziskemu` installed, the real emulator must report the same cost for zkc's ELF.

use crate::md::{num, Table};
use crate::measure::{self, Program};
use zkc::driver;

/// The message length of the table.
const LEN: usize = 1024;

/// The acceptance bound on the whole program's cost ratio.
const TARGET: f64 = 0.10;

/// The VARIABLE of `wasm` run with stdin `"LEN which"`, checked against `expected`.
fn variable(wasm: &str, which: char, expected: &[u8], real: bool) -> Result<u64, String> {
    let wasm = crate::workspace().join(format!("examples/c/wasm/{wasm}.wasm"));
    let stdin = measure::temp_path(&format!("accel-{which}"), "stdin");
    std::fs::write(&stdin, format!("{LEN} {which}")).map_err(|e| e.to_string())?;
    let p = Program {
        name: format!("hash-{which}"),
        wasm,
        stdin,
        stdout: expected.to_vec(),
    };
    let opts = driver::Options::default();
    let rom = measure::build(&p.wasm, &opts)
        .and_then(|program| driver::layout(&program).map_err(|e| e.to_string()))?
        .rom;
    let (cost, _) = measure::run_rom(&p, &rom, real);
    let _ = std::fs::remove_file(&p.stdin);
    cost.map(|c| c.variable)
}

/// What the software build prints for `which`, in the reference interpreter.
fn reference(which: char) -> Result<Vec<u8>, String> {
    let wasm = crate::workspace().join("examples/c/wasm/hash_sw.wasm");
    let module = driver::load(&wasm).map_err(|e| e.to_string())?;
    let stdin = format!("{LEN} {which}");
    let out = zkc_ir::interp::run_command(&module, stdin.as_bytes(), Default::default());
    match out.exit {
        zkc_ir::interp::Exit::Code(0) => Ok(out.stdout),
        other => Err(format!("the interpreter: {other:?}")),
    }
}

/// VARIABLE through the imports and in software for each `which`.
fn measure_all(real: bool) -> Result<Vec<(char, u64, u64)>, String> {
    ['n', 'k', 's', 'b']
        .into_iter()
        .map(|which| {
            let expected = reference(which)?;
            let accel = variable("hash", which, &expected, real)?;
            let soft = variable("hash_sw", which, &expected, real)?;
            Ok((which, accel, soft))
        })
        .collect()
}

/// The section of BENCHMARKS.md; a failed measurement goes to `broken`.
pub fn section(real: bool, broken: &mut Vec<String>) -> String {
    let title = "## zkVM accelerators (issue 16)\n\n";
    let rows = match measure_all(real) {
        Ok(rows) => rows,
        Err(e) => {
            broken.push(format!("accelerators: {e}"));
            return format!("{title}Not measured: {e}\n\n");
        }
    };
    let of = |which: char| rows.iter().find(|r| r.0 == which).expect("measured");
    let (_, base_accel, base_soft) = *of('n');
    let mut table = Table::new(&[
        "1 KiB message",
        "through the import",
        "in software (C, clang → zkc)",
        "import ÷ software",
    ]);
    for (which, label) in [('k', "keccak256"), ('s', "sha256")] {
        let (_, accel, soft) = *of(which);
        let (accel, soft) = (accel - base_accel, soft - base_soft);
        table.row(&[
            label.to_string(),
            num(accel),
            num(soft),
            format!("{:.3}×", accel as f64 / soft as f64),
        ]);
    }
    let (_, accel, soft) = *of('b');
    let whole = accel as f64 / soft as f64;
    table.row(&[
        "whole program: both hashes".to_string(),
        num(accel),
        num(soft),
        format!("{whole:.3}×"),
    ]);
    format!(
        "{title}The standard zkVM accelerator ABI (`zkvm_accelerators.h`) as wasm imports from \
         module `\"zkvm\"`, lowered by zkc onto ZisK's precompiles. VARIABLE at -O2 of \
         `examples/c/hash.c` hashing a generated {LEN}-byte message through the imports \
         (`examples/c/wasm/hash.wasm`) and with the C of `examples/c/soft_hash.h` compiled \
         by zkc (`hash_sw.wasm`); a hash's row is the run that computes it less the run that \
         computes no hash ({} and {}), the last row the whole program that computes both. \
         Target for the whole program: at most {TARGET:.2}× its software build ({}).{}\n\n{}\n",
        num(base_accel),
        num(base_soft),
        if whole <= TARGET {
            "met"
        } else {
            "**not met**"
        },
        if real {
            " Every figure is also the real ziskemu's."
        } else {
            ""
        },
        table.finish()
    )
}

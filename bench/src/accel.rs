//! What the zkVM accelerators are worth (issue 16): the cost of a hash through the `"zkvm"`
//! import (zkc's runtime on ZisK's `keccak` and `sha256` precompiles) against the same hash
//! in software compiled by zkc.
//!
//! Both columns run one program, `examples/c/hash.c`, built twice by `examples/c/build.sh`:
//! `wasm/hash.wasm` hashes through the imports, `wasm/hash_sw.wasm` with the C of
//! `examples/c/soft_hash.h`. Its stdin `"LEN WHICH REPS"` picks the message length, the hashes
//! (`k`, `s` or both `b`) and how many times each is computed, every time on a message that
//! depends on the previous digest; the cost of one hash is the run with two repetitions less
//! the run with one, so the program around it (generating the message, printing) cancels.
//! The whole-program row is issue 16's acceptance figure: the program that computes both
//! hashes of 1 KiB once through the imports must cost at most [`TARGET`] times its software
//! build. Every run's output must be the reference interpreter's for the software build, and
//! with `ziskemu` installed, the real emulator must report the same cost for zkc's ELF.

use crate::md::{num, Table};
use crate::measure::{self, Program};
use zkc::driver;

/// The message lengths of the table: one block of either hash (a Merkle tree's node), and
/// 1 KiB, the length of the acceptance figure.
const LENS: [usize; 2] = [64, 1024];

/// The length of the acceptance figure.
const LEN: usize = 1024;

/// The acceptance bound on the whole program's cost ratio.
const TARGET: f64 = 0.10;

/// The VARIABLE of `wasm` run with `stdin`, its output checked against `expected`.
fn variable(wasm: &str, stdin: &str, expected: &[u8], real: bool) -> Result<u64, String> {
    let wasm = crate::workspace().join(format!("examples/c/wasm/{wasm}.wasm"));
    let name = stdin.replace(' ', "-");
    let path = measure::temp_path(&format!("accel-{name}"), "stdin");
    std::fs::write(&path, stdin).map_err(|e| e.to_string())?;
    let p = Program {
        name: format!("hash-{name}"),
        wasm,
        stdin: path,
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

/// What the software build prints for `stdin`, in the reference interpreter.
fn reference(stdin: &str) -> Result<Vec<u8>, String> {
    let wasm = crate::workspace().join("examples/c/wasm/hash_sw.wasm");
    let module = driver::load(&wasm).map_err(|e| e.to_string())?;
    let out = zkc_ir::interp::run_command(&module, stdin.as_bytes(), Default::default());
    match out.exit {
        zkc_ir::interp::Exit::Code(0) => Ok(out.stdout),
        other => Err(format!("the interpreter: {other:?}")),
    }
}

/// VARIABLE through the imports and in software for `stdin`.
fn both(stdin: &str, real: bool) -> Result<(u64, u64), String> {
    let expected = reference(stdin)?;
    Ok((
        variable("hash", stdin, &expected, real)?,
        variable("hash_sw", stdin, &expected, real)?,
    ))
}

/// The rows: per length and hash, one hash's cost through the import and in software; then
/// the whole program.
fn measure_all(real: bool) -> Result<Vec<(String, u64, u64)>, String> {
    let mut rows = Vec::new();
    for len in LENS {
        for (which, name) in [('k', "keccak256"), ('s', "sha256")] {
            let once = both(&format!("{len} {which} 1"), real)?;
            let twice = both(&format!("{len} {which} 2"), real)?;
            rows.push((
                format!("{name} of {len} bytes"),
                twice.0 - once.0,
                twice.1 - once.1,
            ));
        }
    }
    let (accel, soft) = both(&format!("{LEN} b 1"), real)?;
    rows.push((
        format!("whole program: both hashes of {LEN} bytes"),
        accel,
        soft,
    ));
    Ok(rows)
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
    let mut table = Table::new(&[
        "message",
        "through the import",
        "in software (C, clang → zkc)",
        "import ÷ software",
    ]);
    for (label, accel, soft) in &rows {
        let r = *accel as f64 / *soft as f64;
        table.row(&[label.clone(), num(*accel), num(*soft), format!("{r:.3}×")]);
    }
    let (_, accel, soft) = rows.last().expect("the whole program");
    let whole = *accel as f64 / *soft as f64;
    format!(
        "{title}The standard zkVM accelerator ABI (`zkvm_accelerators.h`) as wasm imports from \
         module `\"zkvm\"`, lowered by zkc onto ZisK's precompiles. VARIABLE at -O2 of \
         `examples/c/hash.c` hashing a generated message through the imports \
         (`examples/c/wasm/hash.wasm`) and with the C of `examples/c/soft_hash.h` compiled \
         by zkc (`hash_sw.wasm`); a hash's row is the run that computes it twice less the run \
         that computes it once, the last row the whole program that computes both once. \
         Target for the whole program: at most {TARGET:.2}× its software build ({}).{}\n\n{}\n",
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

//! What one float operation costs on ZisK once zkc has lowered it to integer code (issue 9).
//!
//! ZisK has no float unit, so every float instruction becomes soft-float code; what that code
//! costs depends on the operation and on its operands (NaN, infinities, zeros and subnormals
//! take other paths than ordinary numbers). Each figure comes from generated wasm modules: a
//! loop that loads the operands from linear memory (so the optimizer can neither fold nor hoist
//! the operation), applies it, and stores the result, and a baseline loop that applies a free
//! operation instead (nothing, a `drop` of the second operand, or a reinterpret). Each runs at
//! -O2 on zkc's emulator for [`ROUNDS`] and for twice as many rounds, so that what is paid
//! once (prologues, saved registers) cancels: the cost of one operation is the growth of the
//! operation's loop minus the growth of the baseline's, divided by [`ROUNDS`].

use crate::md::{num, Table};
use crate::measure::{parse_report, Cost};
use zkc::driver::{self, Options, ZiskExit};

/// The extra loop rounds between the two runs of a measurement.
const ROUNDS: u64 = 1000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ty {
    F32,
    F64,
    I64,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::F32 => "f32",
            Ty::F64 => "f64",
            Ty::I64 => "i64",
        }
    }
}

/// One wasm operation to measure.
struct FloatOp {
    label: &'static str,
    instr: &'static str,
    operand: Ty,
    result: Ty,
    binary: bool,
}

const fn op(
    label: &'static str,
    instr: &'static str,
    operand: Ty,
    result: Ty,
    binary: bool,
) -> FloatOp {
    FloatOp {
        label,
        instr,
        operand,
        result,
        binary,
    }
}

const OPS: &[FloatOp] = &[
    op("f64 add", "f64.add", Ty::F64, Ty::F64, true),
    op("f64 mul", "f64.mul", Ty::F64, Ty::F64, true),
    op("f64 div", "f64.div", Ty::F64, Ty::F64, true),
    op("f64 sqrt", "f64.sqrt", Ty::F64, Ty::F64, false),
    op("f64→i64 trunc", "i64.trunc_f64_s", Ty::F64, Ty::I64, false),
    op(
        "f64→i64 trunc_sat",
        "i64.trunc_sat_f64_s",
        Ty::F64,
        Ty::I64,
        false,
    ),
    op(
        "i64→f64 convert",
        "f64.convert_i64_s",
        Ty::I64,
        Ty::F64,
        false,
    ),
    op("f32 add", "f32.add", Ty::F32, Ty::F32, true),
    op("f32 mul", "f32.mul", Ty::F32, Ty::F32, true),
];

/// The input columns, in order.
const INPUTS: &[&str] = &["typical", "NaN", "∞", "0", "subnormal"];

/// The first operand's bits for an input column, or `None` where the column means nothing for
/// the type (an integer has no NaN). The other operand of a binary operation is [`second`].
fn first(ty: Ty, input: &str) -> Option<u64> {
    let bits = match (ty, input) {
        (Ty::F64, "typical") => 1234.5678f64.to_bits(),
        (Ty::F64, "NaN") => f64::NAN.to_bits(),
        (Ty::F64, "∞") => f64::INFINITY.to_bits(),
        (Ty::F64, "subnormal") => 0x000f_edcb_a987_6543,
        (Ty::F32, "typical") => 1234.5678f32.to_bits().into(),
        (Ty::F32, "NaN") => f32::NAN.to_bits().into(),
        (Ty::F32, "∞") => f32::INFINITY.to_bits().into(),
        (Ty::F32, "subnormal") => 0x0012_3456,
        (Ty::I64, "typical") => 0x0123_4567_89ab_cdef,
        (_, "0") => 0,
        _ => return None,
    };
    Some(bits)
}

fn second(ty: Ty) -> u64 {
    match ty {
        Ty::F32 => std::f32::consts::SQRT_2.to_bits().into(),
        _ => std::f64::consts::SQRT_2.to_bits(),
    }
}

/// The measuring loop of `rounds` rounds around `instr` (see the module docs); the operands
/// sit at addresses 0 and 8, the result goes to 16.
fn module(op: &FloatOp, instr: &str, a: u64, b: u64, rounds: u64) -> String {
    let bytes: String = [a, b]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .map(|byte| format!("\\{byte:02x}"))
        .collect();
    let (arg, res) = (op.operand.name(), op.result.name());
    let load_b = if op.binary {
        format!("i32.const 8 {arg}.load")
    } else {
        String::new()
    };
    format!(
        "(module (memory (export \"memory\") 1) (data (i32.const 0) \"{bytes}\")
  (func (export \"_start\") (local $i i32)
    (local.set $i (i32.const {rounds}))
    (loop $l
      i32.const 16 i32.const 0 {arg}.load {load_b} {instr} {res}.store
      (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))))"
    )
}

/// The free operation the baseline applies in place of `op`.
fn baseline(op: &FloatOp) -> String {
    if op.binary {
        "drop".into()
    } else if op.operand != op.result {
        format!("{}.reinterpret_{}", op.result.name(), op.operand.name())
    } else {
        String::new()
    }
}

/// Compiles a module at -O2 and runs it on zkc's emulator; it must end normally.
fn run(wat: &str) -> Result<Cost, String> {
    let sink = &mut std::io::sink();
    let m = zkc_frontend_wasm::translate(wat.as_bytes()).map_err(|e| e.to_string())?;
    let program = driver::codegen(m, &Options::default(), sink).map_err(|e| e.to_string())?;
    let rom = driver::layout(&program).map_err(|e| e.to_string())?.rom;
    let run = driver::run_zisk(&rom, &[], 1 << 32).map_err(|e| e.to_string())?;
    match run.exit {
        ZiskExit::Code(0) => {
            parse_report(&run.stats.format_like_ziskemu()).ok_or("no report".into())
        }
        ZiskExit::Trap(t) => Err(format!("traps ({t:?})")),
        other => Err(format!("{other:?}")),
    }
}

/// What [`ROUNDS`] more rounds of the loop around `instr` cost: (STEPS, VARIABLE).
fn growth(op: &FloatOp, instr: &str, a: u64, b: u64) -> Result<(u64, u64), String> {
    let once = run(&module(op, instr, a, b, ROUNDS))?;
    let twice = run(&module(op, instr, a, b, 2 * ROUNDS))?;
    Ok((twice.steps - once.steps, twice.variable - once.variable))
}

/// A per-operation figure: whole when it is, else to one decimal.
fn per_op(with: u64, without: u64) -> String {
    let x = (with as f64 - without as f64) / ROUNDS as f64;
    if x.fract() == 0.0 && x >= 0.0 {
        num(x as u64)
    } else {
        format!("{x:.1}")
    }
}

/// One cell: `steps / VARIABLE` per operation, or why there is none.
fn cell(op: &FloatOp, input: &str, broken: &mut Vec<String>) -> String {
    let Some(a) = first(op.operand, input) else {
        return "n/a (integer operand)".into();
    };
    let b = second(op.operand);
    let measured =
        growth(op, op.instr, a, b).and_then(|with| Ok((with, growth(op, &baseline(op), a, b)?)));
    match measured {
        Ok((with, without)) => format!(
            "{} / {}",
            per_op(with.0, without.0),
            per_op(with.1, without.1)
        ),
        Err(e) if e.starts_with("traps") => e,
        Err(e) => {
            broken.push(format!("float {} on {input}: {e}", op.label));
            e
        }
    }
}

/// The section of BENCHMARKS.md; failures other than wasm traps go to `broken`.
pub fn section(broken: &mut Vec<String>) -> String {
    let mut columns = vec!["operation"];
    columns.extend(INPUTS);
    let mut table = Table::new(&columns);
    for op in OPS {
        let mut cells = vec![format!("{} (`{}`)", op.label, op.instr)];
        cells.extend(INPUTS.iter().map(|input| cell(op, input, broken)));
        table.row(&cells);
    }
    format!(
        "## Float operations on ZisK (issue 9)\n\n\
         ZisK has no float unit: zkc lowers every float instruction to integer code \
         (`softfloat`). Each cell is the cost of one operation at -O2, `STEPS / VARIABLE`. \
         Method: for each operation and input, a generated module runs a loop that loads the \
         operands from linear memory (so that the optimizer can neither fold the operation \
         nor hoist it out of the loop), applies the operation and stores the result; a \
         baseline module runs the same loop with a free operation instead (nothing, a `drop` \
         of the second operand, or a reinterpret). Each loop runs on zkc's emulator for \
         {ROUNDS} and for {twice} rounds; the cell is the growth of the operation's loop \
         minus the growth of the baseline's, divided by {ROUNDS}, so what is paid once \
         cancels and the call into the soft-float routine, where there is one, counts. \
         Binary operations take the column's value as the first operand and √2 as the \
         second; typical = 1234.5678 (i64: 0x0123456789abcdef), subnormal = the bits \
         0x000fedcba9876543 (f32: 0x00123456). `trunc` traps on NaN and ∞, as wasm requires; \
         `trunc_sat` does not.\n\n{}",
        table.finish(),
        twice = 2 * ROUNDS,
    )
}

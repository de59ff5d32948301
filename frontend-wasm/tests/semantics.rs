//! The focused `.wat` files run in the reference interpreter with the results wasm defines.

use zkc_ir::interp::{Instance, Limits, NoHost, Trap, Val};
use zkc_ir::TrapCode;

fn call(file: &str, export: &str, args: &[Val]) -> Result<Vec<Val>, Trap> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/wat")
        .join(file);
    let m = zkc_frontend_wasm::translate(&std::fs::read(&path).unwrap()).unwrap();
    let mut inst =
        Instance::new(&m, NoHost, Limits::default()).unwrap_or_else(|e| panic!("{file}: {e}"));
    inst.invoke_export(export, args)
}

#[track_caller]
fn check(file: &str, export: &str, args: &[Val], want: &[Val]) {
    assert_eq!(
        call(file, export, args).unwrap(),
        want,
        "{file} {export}{args:?}"
    );
}

fn i(x: i32) -> Val {
    Val::i32(x)
}

#[test]
fn control_flow() {
    check("loop_locals.wat", "sum", &[i(10)], &[i(45)]);
    check("nested_loops.wat", "tri", &[i(4)], &[i(10)]);
    check("if_else_result.wat", "max", &[i(3), i(7)], &[i(7)]);
    check("if_else_result.wat", "max", &[i(9), i(-7)], &[i(9)]);
    check("if_no_else.wat", "abs", &[i(-5)], &[i(5)]);
    check("if_params.wat", "f", &[i(1)], &[i(11)]);
    check("if_params.wat", "f", &[i(0)], &[i(10)]);
    check(
        "multi_value_block.wat",
        "swap",
        &[i(1), i(2)],
        &[i(2), i(1)],
    );
    check("multi_value_block.wat", "early", &[i(1)], &[i(1), i(2)]);
    check("multi_value_block.wat", "early", &[i(0)], &[i(3), i(4)]);
    check("loop_params.wat", "count", &[i(5)], &[i(5)]);
    check("br_table.wat", "classify", &[i(0)], &[i(101)]);
    check("br_table.wat", "classify", &[i(1)], &[i(102)]);
    check("br_table.wat", "classify", &[i(5)], &[i(100)]);
    check("if_unreachable_arm.wat", "f", &[i(1)], &[i(0)]);
    check("if_unreachable_arm.wat", "f", &[i(0)], &[i(2)]);
    check("unreachable_code.wat", "f", &[i(0)], &[i(1)]);
    check("unreachable_code.wat", "g", &[i(1)], &[i(7)]);
    assert_eq!(
        call("unreachable_code.wat", "g", &[i(0)]),
        Err(Trap::Wasm(TrapCode::Unreachable))
    );
    check("br_if_value.wat", "f", &[i(1)], &[i(42)]);
    check("br_if_value.wat", "f", &[i(0)], &[i(7)]);
    check(
        "select.wat",
        "min",
        &[Val::i64(3), Val::i64(-2)],
        &[Val::i64(-2)],
    );
}

#[test]
fn tables_globals_memory() {
    check("call_indirect.wat", "apply", &[i(1), i(5), i(3)], &[i(8)]);
    check("call_indirect.wat", "apply", &[i(2), i(5), i(3)], &[i(2)]);
    assert_eq!(
        call("call_indirect.wat", "apply", &[i(0), i(5), i(3)]),
        Err(Trap::Wasm(TrapCode::UninitializedElement))
    );
    check("start.wat", "ready", &[], &[i(1)]);
    check("bulk_table.wat", "tables", &[], &[i(8)]);
    // 2 * 1000 + 1 * 100 + 2 (first grow) - 1 (second grow) + 4 * 10
    check("refs.wat", "tables", &[], &[i(2141)]);
    let ext = |n| Val::ExternRef(n);
    check("refs.wat", "is_null", &[ext(None)], &[i(1)]);
    check("refs.wat", "is_null", &[ext(Some(0))], &[i(0)]);
    check(
        "refs.wat",
        "pick",
        &[ext(Some(3)), ext(None), i(1)],
        &[ext(Some(3))],
    );
    check(
        "refs.wat",
        "pick",
        &[ext(Some(3)), ext(None), i(0)],
        &[ext(None)],
    );
    check("refs.wat", "default", &[], &[i(1)]);
    check("refs.wat", "k", &[], &[i(42)]);
    assert_eq!(
        call("refs.wat", "oob", &[]),
        Err(zkc_ir::interp::Trap::Wasm(
            zkc_ir::TrapCode::TableOutOfBounds
        ))
    );
    check("memory.wat", "mem", &[i(0)], &[Val::i64(7)]);
    check(
        "sign_ext.wat",
        "ext",
        &[i(0), Val::i64(0x8000_0000)],
        &[Val::i64(-0x8000_0000)],
    );
    check("names.wat", "caller", &[], &[i(6)]);
}

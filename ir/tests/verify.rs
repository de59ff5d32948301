//! The verifier rejects ill-formed IR with located messages: one test per error kind. Inputs
//! are `.zir` text that parses (the parser leaves types and dominance to the verifier) or
//! modules edited after parsing, as a buggy pass would leave them.

use zkc_ir::text::parse_module;
use zkc_ir::verify::verify_module;
use zkc_ir::{Module, TermKind};

fn errors_of(m: &Module) -> Vec<String> {
    match verify_module(m) {
        Ok(()) => vec![],
        Err(e) => e.0.iter().map(|e| e.to_string()).collect(),
    }
}

fn errors(text: &str) -> Vec<String> {
    errors_of(&parse_module(text).unwrap_or_else(|e| panic!("parse: {e}")))
}

fn assert_error(text: &str, expected: &str) {
    let errs = errors(text);
    assert!(
        errs.iter().any(|e| e == expected),
        "expected `{expected}`, got {errs:#?}"
    );
}

#[test]
fn well_formed_module_verifies() {
    let m = "func @sum(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.const 0\n    jump block1(v1)\nblock1(v2: i32):\n    v3 = i32.add v2, v0\n    v4 = i32.lt_u v3, v0\n    brif v4, block1(v3), block2\nblock2:\n    return v3\n}\n";
    assert_eq!(errors(m), Vec::<String>::new());
}

#[test]
fn operand_type_mismatch() {
    assert_error(
        "func @f(i64) -> i32 {\nblock0(v0: i64):\n    v1 = i32.const 1\n    v2 = i32.add v0, v1\n    return v2\n}\n",
        "@f block0 inst 1: operands of i32.add: got (i64, i32), expected (i32, i32)",
    );
}

#[test]
fn return_arity_mismatch() {
    assert_error(
        "func @f() -> (i32, i32) {\nblock0:\n    v0 = i32.const 1\n    return v0\n}\n",
        "@f block0 terminator: return values: got (i32), expected (i32, i32)",
    );
}

#[test]
fn block_argument_count_mismatch() {
    assert_error(
        "func @f() {\nblock0:\n    jump block1\nblock1(v0: i32):\n    return\n}\n",
        "@f block0 terminator: arguments to block1: got (), expected (i32)",
    );
}

#[test]
fn block_argument_type_mismatch() {
    assert_error(
        "func @f() {\nblock0:\n    v0 = i64.const 1\n    jump block1(v0)\nblock1(v1: i32):\n    return\n}\n",
        "@f block0 terminator: arguments to block1: got (i64), expected (i32)",
    );
}

#[test]
fn branch_condition_must_be_i32() {
    assert_error(
        "func @f() {\nblock0:\n    v0 = i64.const 1\n    brif v0, block1, block1\nblock1:\n    return\n}\n",
        "@f block0 terminator: brif condition: got (i64), expected (i32)",
    );
}

#[test]
fn use_not_dominated_by_definition() {
    assert_error(
        "func @f(i32) -> i32 {\nblock0(v0: i32):\n    brif v0, block1, block2\nblock1:\n    v1 = i32.const 1\n    jump block2\nblock2:\n    return v1\n}\n",
        "@f block2 terminator: v1 is used where its definition does not dominate",
    );
}

#[test]
fn use_before_definition_in_block() {
    assert_error(
        "func @f() -> i32 {\nblock0:\n    v1 = i32.add v0, v0\n    v0 = i32.const 1\n    return v1\n}\n",
        "@f block0 inst 0: v0 is used where its definition does not dominate",
    );
}

#[test]
fn entry_parameters_differ_from_signature() {
    assert_error(
        "func @f(i32) {\nblock0(v0: i64):\n    return\n}\n",
        "@f block0: entry parameters (i64) differ from the signature (i32)",
    );
}

#[test]
fn call_signature_mismatch() {
    assert_error(
        "func @g(i64) {\nblock0(v0: i64):\n    return\n}\n\nfunc @f() {\nblock0:\n    v0 = i32.const 1\n    call @g(v0)\n    return\n}\n",
        "@f block0 inst 1: operands of call: got (i32), expected (i64)",
    );
}

#[test]
fn operation_that_does_not_exist_at_a_type() {
    // The parser builds only valid mnemonics; a pass could still produce e.g. i32.sqrt.
    let mut m = parse_module(
        "func @f(f32) -> f32 {\nblock0(v0: f32):\n    v1 = f32.sqrt v0\n    return v1\n}\n",
    )
    .unwrap();
    let body = m.funcs.values_mut().next().unwrap().body_mut().unwrap();
    let inst = body.blocks[body.layout[0]].insts[0];
    body.insts[inst].op = zkc_ir::Op::Unary {
        op: zkc_ir::UnaryOp::Sqrt,
        ty: zkc_ir::Type::I32,
    };
    let errs = errors_of(&m);
    assert!(
        errs.contains(&"@f block0 inst 0: i32.sqrt does not exist".to_string()),
        "{errs:?}"
    );
}

#[test]
fn store_to_immutable_global() {
    assert_error(
        "global %g: i32 = i32.const 0\n\nfunc @f() {\nblock0:\n    v0 = i32.const 1\n    global.set %g, v0\n    return\n}\n",
        "@f block0 inst 1: global %g is immutable",
    );
}

#[test]
fn memory_operation_without_memory() {
    assert_error(
        "func @f() -> i32 {\nblock0:\n    v0 = i32.const 0\n    v1 = i32.load v0\n    return v1\n}\n",
        "@f block0 inst 1: the module has no memory",
    );
}

#[test]
fn missing_terminator() {
    let mut m = parse_module("func @f() {\nblock0:\n    return\n}\n").unwrap();
    let body = m.funcs.values_mut().next().unwrap().body_mut().unwrap();
    let b = body.layout[0];
    body.blocks[b].term = None;
    assert_eq!(
        errors_of(&m),
        vec!["@f block0: block has no terminator".to_string()]
    );
}

#[test]
fn branch_to_block_outside_layout() {
    let mut m =
        parse_module("func @f() {\nblock0:\n    jump block1\nblock1:\n    return\n}\n").unwrap();
    let body = m.funcs.values_mut().next().unwrap().body_mut().unwrap();
    body.layout.pop();
    let errs = errors_of(&m);
    assert_eq!(
        errs,
        vec!["@f block0 terminator: branch to block1 which is not in the layout"]
    );
}

#[test]
fn value_defined_twice() {
    let mut m = parse_module(
        "func @f() -> i32 {\nblock0:\n    v0 = i32.const 1\n    v1 = i32.const 2\n    return v1\n}\n",
    )
    .unwrap();
    let body = m.funcs.values_mut().next().unwrap().body_mut().unwrap();
    let b = body.layout[0];
    let first = body.blocks[b].insts[0];
    body.blocks[b].insts.push(first);
    let errs = errors_of(&m);
    assert!(
        errs.iter().any(|e| e.contains("is placed twice")),
        "{errs:?}"
    );
}

#[test]
fn start_function_must_take_nothing() {
    assert_error(
        "func @s(i32) {\nblock0(v0: i32):\n    return\n}\nstart @s\n",
        "module: start function @s must be () -> ()",
    );
}

#[test]
fn trap_terminator_needs_no_values_and_verifies() {
    let m = parse_module("func @f() -> i32 {\nblock0:\n    trap unreachable\n}\n").unwrap();
    let body = m.funcs.values().next().unwrap().body().unwrap();
    assert!(matches!(
        body.blocks[body.layout[0]].term.as_ref().unwrap().kind,
        TermKind::Trap(_)
    ));
    assert!(errors_of(&m).is_empty());
}

#[test]
fn reference_type_rules() {
    // table.copy between tables of different reference types
    assert_error(
        "table t0 1\ntable t1 externref 1\n\nfunc @f() {\nblock0:\n    v0 = i32.const 0\n    table.copy t0, t1, v0, v0, v0\n    return\n}\n",
        "@f block0 inst 1: table.copy from externref table t1 to funcref table t0",
    );
    // a funcref value into an externref table
    assert_error(
        "table t0 externref 1\n\nfunc @f() {\nblock0:\n    v0 = i32.const 0\n    v1 = funcref.null\n    table.set t0, v0, v1\n    return\n}\n",
        "@f block0 inst 2: operands of table.set: got (i32, funcref), expected (i32, externref)",
    );
    // functions in a segment for an externref table
    assert_error(
        "table t0 externref 1\nelem e0 active t0 i32.const 0 = [@f]\n\nfunc @f() {\nblock0:\n    return\n}\n",
        "module: e0 holds functions, table t0 holds externref",
    );
    // a funcref global initialized with an externref
    assert_error(
        "global %g: funcref = externref.null\n",
        "module: global %g: externref initializer for a funcref",
    );
    // call_indirect only through funcref tables
    assert_error(
        "type sig0 = ()\ntable t0 externref 1\n\nfunc @f() {\nblock0:\n    v0 = i32.const 0\n    call_indirect t0, sig0, v0()\n    return\n}\n",
        "@f block0 inst 1: call_indirect through t0, which is not a funcref table",
    );
    // funcref.from_bits would forge a function reference (the text has no such operation)
    let mut m = parse_module(
        "func @f(i64) -> externref {\nblock0(v0: i64):\n    v1 = externref.from_bits v0\n    return v1\n}\n",
    )
    .unwrap();
    let f = m.funcs.values_mut().next().unwrap().body_mut().unwrap();
    let inst = f.blocks[f.layout[0]].insts[0];
    f.insts[inst].op = zkc_ir::Op::RefFromBits(zkc_ir::Type::FuncRef);
    let errs = errors_of(&m);
    assert!(
        errs.iter()
            .any(|e| e == "@f block0 inst 0: funcref.from_bits does not exist"),
        "{errs:#?}"
    );
}

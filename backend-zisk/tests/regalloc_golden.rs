//! Goldens of allocated code: each `tests/regalloc/*.wat` (the allocator's decisions) and
//! `tests/isel/*.wat` (one instruction-selection rule each: the golden changes when the rule is
//! removed) compiled by zkc (coloring allocator, no runtime) and printed with its allocation by
//! `codegen::dump_allocated`; the program must also run to the end on zkc's emulator with both
//! allocators, without a trap (the programs check their own results and reach `unreachable`
//! when one is wrong). Re-bless with `INSTA_UPDATE=always` (or `cargo insta review`).

use std::path::Path;

use zkc_backend_zisk::codegen::{compile, dump_allocated, Allocator, CodegenOptions, EXIT_WORD};
use zkc_backend_zisk::{emu, Emulator, Status};

fn golden(path: &Path) -> String {
    let wasm = wat::parse_file(path).expect("wat");
    let module = zkc_frontend_wasm::translate(&wasm).expect("translate");
    zkc_ir::verify::verify_module(&module).expect("verifies");
    for allocator in [Allocator::Slots, Allocator::Coloring] {
        let opts = CodegenOptions {
            allocator,
            ..CodegenOptions::default()
        };
        let program = compile(&module, &opts).expect("compile");
        let layout = program.layout().expect("layout");
        let mut e = Emulator::new(&layout.rom, &emu::legacy_input(b"")).expect("load");
        let out = e.run(10_000_000).expect("run");
        assert_eq!(out.status, Status::Ended, "{allocator:?}");
        assert_eq!(
            e.read_u64(EXIT_WORD),
            0,
            "{allocator:?}: trapped or exited non-zero"
        );
    }
    dump_allocated(&module, &CodegenOptions::default()).expect("dump")
}

#[test]
fn allocated_code() {
    insta::glob!("regalloc/*.wat", |path| {
        insta::assert_snapshot!(golden(path));
    });
}

#[test]
fn selected_code() {
    insta::glob!("isel/*.wat", |path| {
        insta::assert_snapshot!(golden(path));
    });
}

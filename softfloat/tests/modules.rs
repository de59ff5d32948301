//! Whole modules after `lower_floats`: the verifier passes and no float is left on every bench
//! module and every `.zir` test file; lowered programs behave as the originals.

use std::path::{Path, PathBuf};
use zkc_ir::interp::{run_command, Instance, Limits, NoHost, Val};
use zkc_ir::Module;

fn lower(m: &Module) -> Module {
    let mut l = m.clone();
    zkc_softfloat::lower_floats(&mut l).unwrap();
    if let Err(e) = zkc_ir::verify::verify_module(&l) {
        panic!("verifier after lowering:\n{e}");
    }
    zkc_softfloat::float_free(&l).unwrap();
    l
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn bench_modules_lower_verify_and_run() {
    let bench = root().join("../shared/bench");
    let wasm = files(&bench.join("wasm"), "wasm");
    assert!(!wasm.is_empty());
    for path in wasm {
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let m = zkc_frontend_wasm::translate(&std::fs::read(&path).unwrap()).unwrap();
        let l = lower(&m);
        let stdin = std::fs::read(bench.join(format!("expected/{name}.stdin"))).unwrap_or_default();
        let want = std::fs::read(bench.join(format!("expected/{name}.stdout"))).unwrap();
        let out = run_command(&l, &stdin, Limits::default());
        eprintln!(
            "{name}: {} instructions, {} routines added",
            out.fuel_used,
            l.funcs.len() - m.funcs.len()
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&want),
            "{name}: {:?}",
            out.exit
        );
    }
}

#[test]
fn zir_files_lower_and_verify() {
    let zir = files(&root().join("ir/tests/zir"), "zir");
    assert!(!zir.is_empty());
    for path in zir {
        let text = std::fs::read_to_string(&path).unwrap();
        let m = zkc_ir::text::parse_module(&text).unwrap();
        let l = lower(&m);
        // The lowered module prints and parses back.
        let printed = zkc_ir::text::print_module(&l);
        zkc_ir::text::parse_module(&printed).unwrap_or_else(|e| panic!("{path:?}: {e}\n{printed}"));
    }
}

/// Runs `export` in the original and the lowered module; results compare as bits.
fn same(m: &Module, l: &Module, export: &str, args: &[Val]) -> Result<Vec<u64>, String> {
    let to_int = |v: &Val| match *v {
        Val::F32(x) => Val::I32(x),
        Val::F64(x) => Val::I64(x),
        v => v,
    };
    let mut a = Instance::new(m, NoHost, Limits::default()).unwrap();
    let mut b = Instance::new(l, NoHost, Limits::default()).unwrap();
    let want = a.invoke_export(export, args);
    let largs: Vec<Val> = args.iter().map(to_int).collect();
    let got = b.invoke_export(export, &largs);
    let bits = |r: Result<Vec<Val>, _>| r.map(|v| v.iter().map(|x| x.bits()).collect::<Vec<_>>());
    let (want, got) = (bits(want), bits(got));
    assert_eq!(want, got, "{export}{args:?}");
    want.map_err(|t: zkc_ir::interp::Trap| t.to_string())
}

#[test]
fn convert_zir_runs_the_same() {
    let text = std::fs::read_to_string(root().join("ir/tests/zir/convert.zir")).unwrap();
    let m = zkc_ir::text::parse_module(&text).unwrap();
    let l = lower(&m);
    for x in [-40, 0, 37, 100, 1_000_000] {
        same(&m, &l, "c_to_f", &[Val::i32(x)]).unwrap();
    }
    same(&m, &l, "mix", &[Val::i64(-5)]).unwrap();
    for x in [0.0, 1.5, 4294967295.9, -0.9] {
        same(&m, &l, "to_u32", &[Val::f64(x)]).unwrap();
    }
    for x in [-1.0, 4294967296.0, f64::NAN] {
        assert!(same(&m, &l, "to_u32", &[Val::f64(x)]).is_err());
    }
}

/// Float loops: series, Newton iterations, conversions and memory round trips.
const FLOAT_PROGRAM: &str = r#"
(module
  (memory 1)
  (func (export "leibniz") (param $n i32) (result f64)
    (local $i i32) (local $s f64) (local $d f64)
    (local.set $d (f64.const 1))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $s (f64.add (local.get $s)
        (f64.div (select (f64.const 4) (f64.const -4) (i32.eqz (i32.and (local.get $i) (i32.const 1))))
                 (local.get $d))))
      (local.set $d (f64.add (local.get $d) (f64.const 2)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $s))
  (func (export "newton") (param $x f32) (result f32)
    (local $g f32) (local $i i32)
    (local.set $g (f32.const 1))
    (block $done (loop $l
      (br_if $done (i32.eq (local.get $i) (i32.const 30)))
      (local.set $g (f32.mul (f32.const 0.5)
        (f32.add (local.get $g) (f32.div (local.get $x) (local.get $g)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (f32.sub (local.get $g) (f32.sqrt (local.get $x))))
  (func (export "mem") (param $x f64) (result i64 f32)
    (f64.store offset=8 (i32.const 0) (local.get $x))
    (f32.store (i32.const 4) (f32.demote_f64 (f64.load offset=8 (i32.const 0))))
    (i64.trunc_sat_f64_s (f64.nearest (f64.mul (local.get $x) (f64.const 1e3))))
    (f32.load (i32.const 4)))
  (global $g (mut f64) (f64.const 2.5))
  (func (export "glob") (param $x f64) (result f64)
    (global.set $g (f64.max (global.get $g) (local.get $x)))
    (f64.copysign (global.get $g) (local.get $x)))
)
"#;

#[test]
fn float_program_runs_the_same() {
    let m = zkc_frontend_wasm::translate(FLOAT_PROGRAM.as_bytes()).unwrap();
    let l = lower(&m);
    for n in [0, 1, 10, 1000] {
        same(&m, &l, "leibniz", &[Val::i32(n)]).unwrap();
    }
    for x in [0.0f32, 2.0, 1e-3, 12345.678, -1.0] {
        same(&m, &l, "newton", &[Val::f32(x)]).unwrap();
    }
    for x in [0.0, 1.2345678, -98765.4321, 1e300, f64::NAN] {
        same(&m, &l, "mem", &[Val::f64(x)]).unwrap();
    }
    for x in [1.0, -7.0, 3.0, -0.0] {
        same(&m, &l, "glob", &[Val::f64(x)]).unwrap();
    }
}

/// `(f32) -> i32` and `(i32) -> i32` must stay different signatures for `call_indirect`.
const SIG_PROGRAM: &str = r#"
(module
  (type $fi (func (param f32) (result i32)))
  (type $ii (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $f $g)
  (func $f (type $fi) (i32.add (i32.reinterpret_f32 (local.get 0)) (i32.const 1)))
  (func $g (type $ii) (i32.add (local.get 0) (i32.const 2)))
  (func (export "fi") (param i32) (result i32)
    (call_indirect (type $fi) (f32.const 1) (local.get 0)))
  (func (export "ii") (param i32) (result i32)
    (call_indirect (type $ii) (i32.const 7) (local.get 0)))
  (func (export "direct") (param i32) (result i32) (call $f (f32.reinterpret_i32 (local.get 0))))
  (func (export "f") (type $fi) (call $f (local.get 0)))
)
"#;

#[test]
fn call_indirect_signatures_stay_exact() {
    let m = zkc_frontend_wasm::translate(SIG_PROGRAM.as_bytes()).unwrap();
    let l = lower(&m);
    let sigs: Vec<_> = l.sigs.values().collect();
    assert_ne!(sigs[0], sigs[1], "{sigs:?}");
    assert_eq!(same(&m, &l, "fi", &[Val::i32(0)]).unwrap(), [0x3f80_0001]);
    assert!(same(&m, &l, "fi", &[Val::i32(1)]).is_err());
    assert!(same(&m, &l, "ii", &[Val::i32(0)]).is_err());
    assert_eq!(same(&m, &l, "ii", &[Val::i32(1)]).unwrap(), [9]);
    assert_eq!(
        same(&m, &l, "direct", &[Val::i32(0x4000_0000)]).unwrap(),
        [0x4000_0001]
    );
    // An exported function with a padded signature takes the padding as an extra argument.
    let f = l.export_func("f").unwrap();
    assert_eq!(l.funcs[f].sig.params.len(), 2);
    let mut b = Instance::new(&l, NoHost, Limits::default()).unwrap();
    let r = b
        .invoke_export("f", &[Val::I32(0x4040_0000), Val::I32(0)])
        .unwrap();
    assert_eq!(r, [Val::I32(0x4040_0001)]);
}

/// Go's wasip1 programs use f64 throughout their runtime: lowered, they still print their
/// expected output.
#[test]
fn go_programs_lower_and_run() {
    let bench = root().join("../shared/bench-go");
    if !bench.exists() {
        return;
    }
    for path in files(&bench.join("wasm"), "wasm") {
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let m = match zkc_frontend_wasm::translate(&std::fs::read(&path).unwrap()) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("{name}: frontend: {e}");
                continue;
            }
        };
        let t = std::time::Instant::now();
        let l = lower(&m);
        let lower_time = t.elapsed();
        let stdin = std::fs::read(bench.join(format!("expected/{name}.stdin"))).unwrap_or_default();
        let want = std::fs::read(bench.join(format!("expected/{name}.stdout"))).unwrap();
        let out = run_command(&l, &stdin, Limits::default());
        eprintln!(
            "{name}: lowered in {lower_time:?}, {} routines added, {} instructions",
            l.funcs.len() - m.funcs.len(),
            out.fuel_used
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&want),
            "{name}: {:?}",
            out.exit
        );
    }
}

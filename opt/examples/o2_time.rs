//! Compile time of the -O2 pipeline: `cargo run --release -p zkc-opt --example o2_time [FILE.wasm]`
//! (default: the largest bench module, rs_sort.wasm). Prints the time per pass.

use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/bench/wasm/rs_sort.wasm"
        )
        .to_string()
    });
    let m = zkc_frontend_wasm::translate(&std::fs::read(&path).unwrap()).unwrap();
    let mut o = m.clone();
    let t0 = Instant::now();
    for &p in zkc_opt::PASSES_O2 {
        let t = Instant::now();
        let r = zkc_opt::run_pass(p, &mut o).unwrap();
        println!("{:>8.2} ms  {r}", t.elapsed().as_secs_f64() * 1e3);
    }
    let total = t0.elapsed();
    println!(
        "{path}: -O2 pipeline {:.1} ms, {} -> {} instructions",
        total.as_secs_f64() * 1e3,
        zkc_opt::util::module_size(&m),
        zkc_opt::util::module_size(&o)
    );
}

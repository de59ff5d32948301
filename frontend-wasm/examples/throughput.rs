//! Frontend throughput: `cargo run --release -p zkc-frontend-wasm --example throughput -- FILE.wasm`
//! times validation + translation, and the verifier, over several runs and prints the best.

use std::time::{Duration, Instant};

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: throughput FILE.wasm [RUNS]");
    let runs: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let bytes = std::fs::read(&path).expect("readable input");
    let (mut best_translate, mut best_verify) = (Duration::MAX, Duration::MAX);
    let mut best_validate = Duration::MAX;
    let mut insts = 0;
    for _ in 0..runs {
        let t = Instant::now();
        zkc_frontend_wasm::validate(&bytes).expect("valid");
        best_validate = best_validate.min(t.elapsed());
        let t0 = Instant::now();
        let m = zkc_frontend_wasm::translate(&bytes).expect("translates");
        let t1 = Instant::now();
        zkc_ir::verify::verify_module(&m).expect("verifies");
        let t2 = Instant::now();
        best_translate = best_translate.min(t1 - t0);
        best_verify = best_verify.min(t2 - t1);
        insts = m
            .funcs
            .values()
            .filter_map(|f| f.body())
            .map(|f| f.insts.len())
            .sum();
    }
    let total = best_translate + best_verify;
    println!(
        "{path}: {} bytes, {insts} IR instructions; parse+validate+translate {:.2} ms (validation alone {:.2} ms), verify {:.2} ms, total {:.2} ms ({:.1} MB/s), best of {runs}",
        bytes.len(),
        best_translate.as_secs_f64() * 1e3,
        best_validate.as_secs_f64() * 1e3,
        best_verify.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3,
        bytes.len() as f64 / total.as_secs_f64() / 1e6,
    );
}

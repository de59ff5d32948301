//! Keccak-256 and SHA-256 of stdin, through the zkVM accelerators, printed in hex.
//!
//!     cargo build --release --target wasm32-wasip1
//!     zkc run target/wasm32-wasip1/release/zkvm-hash-example.wasm --stdin FILE --stats
use std::io::{Read, Write};

fn hex(digest: [u8; 32]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn main() {
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input).expect("stdin");
    let mut out = std::io::stdout().lock();
    writeln!(out, "keccak256 {}", hex(zkvm_accel::keccak256(&input))).unwrap();
    writeln!(out, "sha256 {}", hex(zkvm_accel::sha256(&input))).unwrap();
}

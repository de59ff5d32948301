#!/usr/bin/env bash
# Builds soft.wasm, the zkVM accelerators' operations in software (src/main.rs over zkvm-ref),
# for wasm32-wasip1 with the workspace's Rust toolchain (rustup target add wasm32-wasip1).
# The benchmark's accelerator table reads the checked-in soft.wasm.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cargo build --release --target wasm32-wasip1 --manifest-path "$HERE/Cargo.toml" \
  --target-dir "$HERE/target"
cp "$HERE/target/wasm32-wasip1/release/zkvm-soft.wasm" "$HERE/soft.wasm"
echo "built $HERE/soft.wasm"

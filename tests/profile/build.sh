#!/usr/bin/env bash
# Builds the test inputs of tests/profile.rs, programs with DWARF whose hot loop is known
# (between the HOT LOOP BEGIN/END comments), from this folder; the .wasm files are committed,
# so the tests need neither toolchain. Source paths are recorded relative to this folder.
#   hot_c.wasm:  clang 14, freestanding (no wasi-libc needed), -O1 -g
#   hot_rs.wasm: rustc with the wasm32-wasip1 target (rustup target add wasm32-wasip1), no_std,
#                opt-level 1, full debuginfo
set -euo pipefail
cd "$(dirname "$0")"
clang-14 --target=wasm32-wasi -O1 -g -fdebug-prefix-map="$PWD"=. -nostdlib \
  -Wl,--no-entry -Wl,--export=_start -o hot_c.wasm hot.c
rustc --target wasm32-wasip1 --crate-type cdylib -C opt-level=1 -C debuginfo=2 -C panic=abort \
  --remap-path-prefix="$PWD"=. -o hot_rs.wasm hot.rs

#!/usr/bin/env bash
# Builds the C example hash.c for wasm32-wasi (WASI preview1) with clang and wasi-libc
# (Debian: apt-get install -y clang wasi-libc libclang-rt-14-dev-wasm32), twice:
#   wasm/hash.wasm     the hashes through the zkVM accelerators (guest/c/zkvm.h)
#   wasm/hash_sw.wasm  the same program hashing in software (soft_hash.h)
# and ecrecover.c, an Ethereum signature recovered and verified (wasm/ecrecover.wasm).
# Run:  echo "1024 b" > in.txt && zkc run wasm/hash.wasm --stdin in.txt --stats
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CLANG=${CLANG:-clang}
mkdir -p "$HERE/wasm"
"$CLANG" --target=wasm32-wasi -O2 -Wl,--strip-debug -I "$HERE/../../guest/c" \
  -o "$HERE/wasm/hash.wasm" "$HERE/hash.c"
"$CLANG" --target=wasm32-wasi -O2 -Wl,--strip-debug -DZKVM_SOFTWARE \
  -o "$HERE/wasm/hash_sw.wasm" "$HERE/hash.c"
"$CLANG" --target=wasm32-wasi -O2 -Wl,--strip-debug -I "$HERE/../../guest/c" \
  -o "$HERE/wasm/ecrecover.wasm" "$HERE/ecrecover.c"
echo "built into $HERE/wasm"

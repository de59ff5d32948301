#!/usr/bin/env bash
# Builds the C programs of zkc's own bench suite (bench/suite/src/c) the way ../shared/bench was
# built, so that the two suites are measured alike. The sources include wio.h, the I/O layer
# of ../shared/bench/src/c, through the include path.
#
#   build.sh wasm          -> wasm/c_NAME.wasm: clang 14 + wasi-libc, -O2, wasm32-wasi, debug
#                             sections stripped (this rebuilds ../shared/bench/wasm/c_*.wasm
#                             byte for byte). Needs (Debian, as root):
#                             apt-get install -y wasi-libc libclang-rt-14-dev-wasm32
#   build.sh native OUT    -> OUT/c_NAME.gcc.elf, OUT/c_NAME.clang.elf: native ZisK RISC-V
#                             guests (rv64ima, -O2), compiled and linked exactly as
#                             ../shared/bench/native/build.sh does, with its start.S,
#                             zisk_shim.c and zisk_guest.ld. Needs gcc-riscv64-unknown-elf,
#                             picolibc-riscv64-unknown-elf, clang-14.
# Run:   ziskemu -e OUT/c_tree.gcc.elf --legacy-inputs expected/c_tree.stdin -X
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); SRC=$HERE/src/c
SHARED=$(cd "$HERE/../../../shared/bench" && pwd); NATIVE=$SHARED/native
PROGRAMS="interp tree bignum128"

build_wasm() {
  for p in $PROGRAMS; do
    clang-14 --target=wasm32-wasi -O2 -Wl,--strip-debug -I "$SHARED/src/c" \
      -o "$HERE/wasm/c_$p.wasm" "$SRC/$p.c"
  done
  echo "built into $HERE/wasm"
}

build_native() {
  local OUT=$1
  local PICO=/usr/lib/picolibc/riscv64-unknown-elf
  local LIBC=$PICO/lib/release/rv64im/lp64/libc.a
  local LIBGCC; LIBGCC=$(riscv64-unknown-elf-gcc -march=rv64im -mabi=lp64 -print-libgcc-file-name)
  local GCC="riscv64-unknown-elf-gcc -march=rv64ima_zicsr -mabi=lp64 -mcmodel=medany"
  local CLANG="clang-14 --target=riscv64-unknown-elf -march=rv64ima -mabi=lp64 -mcmodel=medany"
  local CLANG_INC="-nostdinc -isystem $PICO/include -isystem $(clang-14 -print-resource-dir)/include"
  local LD="riscv64-unknown-elf-gcc -march=rv64ima_zicsr -mabi=lp64 -nostdlib -nostartfiles -static -T $NATIVE/zisk_guest.ld -Wl,--gc-sections"
  mkdir -p "$OUT"
  $GCC -O2 -c "$NATIVE/start.S" -o "$OUT/start.o"
  $GCC -O2 -Wall -isystem $PICO/include -c "$NATIVE/zisk_shim.c" -o "$OUT/zisk_shim.o"
  for p in $PROGRAMS; do
    $GCC -O2 -isystem $PICO/include -I "$SHARED/src/c" -c "$SRC/$p.c" -o "$OUT/c_$p.gcc.o"
    $CLANG -O2 $CLANG_INC -I "$SHARED/src/c" -c "$SRC/$p.c" -o "$OUT/c_$p.clang.o"
    for cc in gcc clang; do
      $LD -o "$OUT/c_$p.$cc.elf" "$OUT/start.o" "$OUT/c_$p.$cc.o" "$OUT/zisk_shim.o" $LIBC $LIBGCC
    done
  done
  echo "built into $OUT"
}

case "${1:-}" in
  wasm) build_wasm ;;
  native) build_native "${2:?usage: build.sh native OUT_DIR}" ;;
  *) echo "usage: build.sh wasm | build.sh native OUT_DIR" >&2; exit 2 ;;
esac

// Package zkvm gives Go programs compiled for wasip1 (GOOS=wasip1 GOARCH=wasm) the zkVM
// accelerators zkc implements.
//
// The functions are those of the standard zkVM accelerator C interface (the Ethereum
// Foundation's zkvm-standards zkvm_accelerators.h, shipped by ZisK 1.4.0-alpha in the crate
// zisk-zkvm-interface), imported from the wasm module "zkvm" under their C names: pointers and
// size_t are i32, the zkvm_status result is i32 (0 = ZKVM_EOK). zkc links them to ZisK's
// precompiles; `zkc interp` computes them in Rust. The wrappers pass slices, which are always
// inside linear memory, so the calls cannot fail.
package zkvm

import "unsafe"

//go:wasmimport zkvm zkvm_keccak256
//go:noescape
func zkvmKeccak256(data unsafe.Pointer, length uint32, output unsafe.Pointer) int32

//go:wasmimport zkvm zkvm_sha256
//go:noescape
func zkvmSha256(data unsafe.Pointer, length uint32, output unsafe.Pointer) int32

// first is the address of data's first byte, or nil when it is empty.
func first(data []byte) unsafe.Pointer {
	if len(data) == 0 {
		return nil
	}
	return unsafe.Pointer(&data[0])
}

// Keccak256 is Keccak-256 (Ethereum's, padding 0x01) of data.
func Keccak256(data []byte) [32]byte {
	var out [32]byte
	if zkvmKeccak256(first(data), uint32(len(data)), unsafe.Pointer(&out)) != 0 {
		panic("zkvm_keccak256 failed")
	}
	return out
}

// Sha256 is SHA-256 of data.
func Sha256(data []byte) [32]byte {
	var out [32]byte
	if zkvmSha256(first(data), uint32(len(data)), unsafe.Pointer(&out)) != 0 {
		panic("zkvm_sha256 failed")
	}
	return out
}

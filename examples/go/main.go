// Keccak-256 and SHA-256 of stdin through the zkVM accelerators, printed in hex.
//
//	GOOS=wasip1 GOARCH=wasm go build -o hash.wasm .
//	zkc run hash.wasm --stdin FILE --stats
package main

import (
	"fmt"
	"io"
	"os"

	"zkc/guest/zkvm"
)

func main() {
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	fmt.Printf("keccak256 %x\n", zkvm.Keccak256(input))
	fmt.Printf("sha256 %x\n", zkvm.Sha256(input))
}

//! The zkVM accelerators' operations in software, compiled to wasm32-wasip1 and then by zkc:
//! the benchmark's "in software" column for the calls of its accelerator table.
//!
//! stdin is one byte naming the accelerators' test program whose run this one mirrors, then
//! that program's own stdin (`backend-zisk/tests/zkvm/*.wat`, whose comments give the
//! layouts): 0 `secp256k1.wat`, 1 `bn254.wat`, 2 `bls12.wat`, 3 `modexp.wat`, 4
//! `blake2f.wat`. It computes the same function with `zkvm-ref` (the interpreter's reference
//! semantics) and prints what the program would print, so that the benchmark checks the
//! software result against the accelerated one: the status (4 bytes, little-endian) and the
//! output in hex, 0xee where a failed call writes nothing. A test program's "no call" mode
//! (its `which` byte out of range) prints the untouched output, the cost of the program
//! around the call.

use std::io::{Read, Write};

/// Status and output bytes as the test programs print them.
fn print(status: u32, out: &[u8]) {
    let mut line = String::new();
    for b in status.to_le_bytes().iter().chain(out) {
        line.push_str(&format!("{b:02x}"));
    }
    line.push('\n');
    std::io::stdout().write_all(line.as_bytes()).unwrap();
}

/// The output of a call that returns an optional result in an `len`-byte buffer of 0xee.
fn result(r: Option<&[u8]>, len: usize) -> (u32, Vec<u8>) {
    let mut out = vec![0xee; len];
    match r {
        Some(bytes) => {
            out[..bytes.len()].copy_from_slice(bytes);
            (0, out)
        }
        None => (u32::MAX, out),
    }
}

fn main() {
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input).unwrap();
    let (program, s) = (input[0], &input[1..]);
    let which = s[0];
    let k = s[1] as usize;
    let (status, out) = match program {
        // secp256k1.wat: recid at 4..8, then msg, sig and the key after k filler bytes
        0 => {
            let recid = u32::from_le_bytes(s[4..8].try_into().unwrap());
            let ops = &s[8 + k..];
            let msg: &[u8; 32] = ops[..32].try_into().unwrap();
            let sig: &[u8; 64] = ops[32..96].try_into().unwrap();
            match which {
                0 | 3 => {
                    let key: &[u8; 64] = ops[96..160].try_into().unwrap();
                    let ok = if which == 0 {
                        zkvm_ref::secp256k1_verify(msg, sig, key)
                    } else {
                        zkvm_ref::secp256r1_verify(msg, sig, key)
                    };
                    result(Some(&[ok as u8]), 64)
                }
                1 => {
                    let key = zkvm_ref::secp256k1_ecrecover(msg, sig, recid);
                    result(key.as_ref().map(|k| &k[..]), 64)
                }
                _ => result(Some(&[]), 64),
            }
        }
        // bn254.wat: p1 then p2 or the scalar, or the pairs, after k filler bytes
        1 => {
            let ops = &s[8 + k..];
            let p1: &[u8; 64] = ops[..64].try_into().unwrap();
            let r = match which {
                0 => zkvm_ref::bn254_g1_add(p1, ops[64..128].try_into().unwrap()).map(Vec::from),
                1 => zkvm_ref::bn254_g1_mul(p1, ops[64..96].try_into().unwrap()).map(Vec::from),
                2 => zkvm_ref::bn254_pairing(&ops[..192 * s[2] as usize]).map(|v| vec![v as u8]),
                _ => return print(0, &[0xee; 64]),
            };
            result(r.as_deref(), 64)
        }
        // bls12.wat: byte 2 the number of pairs, the operands after k filler bytes
        2 => {
            let ops = &s[8 + k..];
            let r = match which {
                0 => zkvm_ref::bls12_g1_add(&ops[..96], &ops[96..192]).map(Vec::from),
                1 => zkvm_ref::bls12_g1_msm(&ops[..128 * s[2] as usize]).map(Vec::from),
                2 => zkvm_ref::bls12_g2_add(&ops[..192], &ops[192..384]).map(Vec::from),
                3 => zkvm_ref::bls12_g2_msm(&ops[..224 * s[2] as usize]).map(Vec::from),
                4 => zkvm_ref::bls12_map_fp_to_g1(&ops[..48]).map(Vec::from),
                5 => zkvm_ref::bls12_map_fp2_to_g2(&ops[..96]).map(Vec::from),
                6 => zkvm_ref::bls12_pairing(&ops[..288 * s[2] as usize]).map(|v| vec![v as u8]),
                7 => Some(vec![zkvm_ref::kzg_point_eval(
                    &ops[..48],
                    &ops[48..80],
                    &ops[80..112],
                    &ops[112..160],
                ) as u8]),
                _ => return print(0, &[0xee; 192]),
            };
            result(r.as_deref(), 192)
        }
        // modexp.wat: the three lengths at 8..20, the operands after k filler bytes
        3 => {
            let len = |i: usize| u32::from_le_bytes(s[8 + 4 * i..12 + 4 * i].try_into().unwrap());
            let (bl, el, ml) = (len(0) as usize, len(1) as usize, len(2) as usize);
            let ops = &s[20 + k..];
            let (base, exp, modulus) = (&ops[..bl], &ops[bl..bl + el], &ops[bl + el..][..ml]);
            if which == 1 {
                (0, vec![0; ml])
            } else {
                (0, zkvm_ref::modexp(base, exp, modulus))
            }
        }
        // blake2f.wat: EIP-152's input after k filler bytes; prints h
        _ => {
            let ops = &s[8 + k..];
            let words = |b: &[u8]| -> Vec<u64> {
                b.chunks(8)
                    .map(|w| u64::from_le_bytes(w.try_into().unwrap()))
                    .collect()
            };
            let mut h: [u64; 8] = words(&ops[4..68]).try_into().unwrap();
            if which == 0 {
                let rounds = u32::from_be_bytes(ops[..4].try_into().unwrap());
                let m: [u64; 16] = words(&ops[68..196]).try_into().unwrap();
                let t: [u64; 2] = words(&ops[196..212]).try_into().unwrap();
                zkvm_ref::blake2f(rounds, &mut h, &m, &t, ops[212] != 0);
            }
            (0, h.iter().flat_map(|w| w.to_le_bytes()).collect())
        }
    };
    print(status, &out);
}

//! The zkVM accelerators for the reference interpreter: the functions of the standard C ABI
//! (zisk-zkvm-interface 1.4.0-alpha `zkvm_accelerators.h`) that zkc implements, imported from
//! module `"zkvm"` under their C names with the wasm32 mapping of their signatures (pointers,
//! `size_t` and the `uint8_t` recovery id are i32, the `zkvm_status` result is i32, 0 =
//! `ZKVM_EOK`, -1 = `ZKVM_EFAIL`).
//!
//! What each function computes is `zkvm_ref`'s (the crate's doc gives the rules: EIP-196,
//! EIP-2537, ...). A call whose inputs or outputs are not entirely inside linear memory traps
//! like an out-of-bounds access, before writing anything; inputs and outputs may overlap
//! (every input is read first); a function's `None` is `ZKVM_EFAIL`, writing nothing.

use zkvm_ref::{
    blake2f, bls12_g1_add, bls12_g1_msm, bls12_g2_add, bls12_g2_msm, bls12_map_fp2_to_g2,
    bls12_map_fp_to_g1, bls12_pairing, bn254_g1_add, bn254_g1_mul, bn254_pairing, keccak256,
    kzg_point_eval, modexp, ripemd160, secp256k1_ecrecover, secp256k1_verify, secp256r1_verify,
    sha256, MODEXP_MAX_LEN,
};

use super::{Memory, Trap, TrapCode, Val};
use crate::module::ImportName;
use crate::types::{Signature, Type};

/// The implemented functions and their number of (i32) parameters, in host index order.
const FUNCS: &[(&str, usize)] = &[
    ("zkvm_keccak256", 3),
    ("zkvm_sha256", 3),
    ("zkvm_secp256k1_verify", 4),
    ("zkvm_secp256k1_ecrecover", 4),
    ("zkvm_bn254_g1_add", 3),
    ("zkvm_bn254_g1_mul", 3),
    ("zkvm_blake2f", 5),
    ("zkvm_ripemd160", 3),
    ("zkvm_secp256r1_verify", 4),
    ("zkvm_modexp", 7),
    ("zkvm_bls12_g1_add", 3),
    ("zkvm_bls12_g1_msm", 3),
    ("zkvm_bls12_g2_add", 3),
    ("zkvm_bls12_g2_msm", 3),
    ("zkvm_bls12_map_fp_to_g1", 2),
    ("zkvm_bls12_map_fp2_to_g2", 2),
    ("zkvm_bls12_pairing", 3),
    ("zkvm_kzg_point_eval", 5),
    ("zkvm_bn254_pairing", 3),
];

/// The module the accelerators are imported from.
pub const MODULE: &str = "zkvm";

/// `ZKVM_EFAIL`.
const EFAIL: u32 = u32::MAX;

/// The index of `name` among the accelerators, after checking its signature.
pub(super) fn resolve(name: &ImportName, sig: &Signature) -> Result<u32, String> {
    let Some(index) = FUNCS.iter().position(|&(f, _)| f == name.field) else {
        return Err(super::unknown_import(name));
    };
    let expected = Signature {
        params: vec![Type::I32; FUNCS[index].1],
        results: vec![Type::I32],
    };
    if *sig != expected {
        return Err(format!(
            "import {name} has type {sig}, the ABI's is {expected}"
        ));
    }
    Ok(index as u32)
}

/// Calls accelerator `index` (from [`resolve`]).
pub(super) fn call(index: u32, args: &[Val], mem: &mut Memory) -> Result<Vec<Val>, Trap> {
    let arg = |k: usize| match args.get(k) {
        Some(Val::I32(x)) => Ok(*x),
        _ => Err(Trap::Host(format!(
            "{}: missing argument {k}",
            FUNCS[index as usize].0
        ))),
    };
    let status = match index {
        0 | 1 | 7 => {
            let (data, len, out) = (arg(0)?, arg(1)?, arg(2)?);
            let input = mem.read(data, len)?;
            let digest = match index {
                0 => keccak256(input),
                1 => sha256(input),
                _ => ripemd160(input),
            };
            mem.read(out, 32)?;
            mem.write(out, &digest)?;
            0
        }
        2 | 8 => {
            let msg: [u8; 32] = mem.read(arg(0)?, 32)?.try_into().unwrap();
            let sig: [u8; 64] = mem.read(arg(1)?, 64)?.try_into().unwrap();
            let key: [u8; 64] = mem.read(arg(2)?, 64)?.try_into().unwrap();
            let verified = arg(3)?;
            mem.read(verified, 1)?;
            let ok = if index == 2 {
                secp256k1_verify(&msg, &sig, &key)
            } else {
                secp256r1_verify(&msg, &sig, &key)
            };
            mem.write(verified, &[ok as u8])?;
            0
        }
        4 | 5 => {
            let p1: [u8; 64] = mem.read(arg(0)?, 64)?.try_into().unwrap();
            let len = if index == 4 { 64 } else { 32 };
            let p2 = mem.read(arg(1)?, len)?.to_vec();
            let out = arg(2)?;
            mem.read(out, 64)?;
            let result = if index == 4 {
                bn254_g1_add(&p1, p2[..].try_into().unwrap())
            } else {
                bn254_g1_mul(&p1, p2[..].try_into().unwrap())
            };
            match result {
                Some(point) => {
                    mem.write(out, &point)?;
                    0
                }
                None => EFAIL,
            }
        }
        6 => {
            let (rounds, h, f) = (arg(0)?, arg(1)?, arg(4)? != 0);
            let words = |b: &[u8]| -> Vec<u64> {
                b.chunks(8)
                    .map(|w| u64::from_le_bytes(w.try_into().unwrap()))
                    .collect()
            };
            let mut state: [u64; 8] = words(mem.read(h, 64)?).try_into().unwrap();
            let msg: [u64; 16] = words(mem.read(arg(2)?, 128)?).try_into().unwrap();
            let t: [u64; 2] = words(mem.read(arg(3)?, 16)?).try_into().unwrap();
            blake2f(rounds, &mut state, &msg, &t, f);
            let bytes: Vec<u8> = state.iter().flat_map(|w| w.to_le_bytes()).collect();
            mem.write(h, &bytes)?;
            0
        }
        9 => {
            let base = mem.read(arg(0)?, arg(1)?)?.to_vec();
            let exp = mem.read(arg(2)?, arg(3)?)?.to_vec();
            let modulus = mem.read(arg(4)?, arg(5)?)?.to_vec();
            let out = arg(6)?;
            mem.read(out, modulus.len() as u32)?;
            if [&base, &exp, &modulus]
                .iter()
                .any(|x| x.len() > MODEXP_MAX_LEN)
            {
                EFAIL
            } else {
                mem.write(out, &modexp(&base, &exp, &modulus))?;
                0
            }
        }
        10..=13 => {
            // the operands: two points, or `n` pairs of a point and a scalar
            let point = if index >= 12 { 192 } else { 96 };
            let len = match index {
                11 | 13 => (point as u64 + 32) * arg(1)? as u64,
                _ => point as u64,
            };
            let len = u32::try_from(len).map_err(|_| Trap::Wasm(TrapCode::MemoryOutOfBounds))?;
            let first = mem.read(arg(0)?, len)?.to_vec();
            let second = match index {
                11 | 13 => vec![],
                _ => mem.read(arg(1)?, point)?.to_vec(),
            };
            let out = arg(2)?;
            mem.read(out, point)?;
            let result = match index {
                10 => bls12_g1_add(&first, &second).map(Vec::from),
                11 => bls12_g1_msm(&first).map(Vec::from),
                12 => bls12_g2_add(&first, &second).map(Vec::from),
                _ => bls12_g2_msm(&first).map(Vec::from),
            };
            match result {
                Some(point) => {
                    mem.write(out, &point)?;
                    0
                }
                None => EFAIL,
            }
        }
        14 | 15 => {
            let len = if index == 14 { 48 } else { 96 };
            let fe = mem.read(arg(0)?, len)?.to_vec();
            let out = arg(1)?;
            mem.read(out, 2 * len)?;
            let point = match index {
                14 => bls12_map_fp_to_g1(&fe).map(Vec::from),
                _ => bls12_map_fp2_to_g2(&fe).map(Vec::from),
            };
            match point {
                Some(point) => {
                    mem.write(out, &point)?;
                    0
                }
                None => EFAIL,
            }
        }
        17 => {
            let commitment = mem.read(arg(0)?, 48)?.to_vec();
            let z = mem.read(arg(1)?, 32)?.to_vec();
            let y = mem.read(arg(2)?, 32)?.to_vec();
            let proof = mem.read(arg(3)?, 48)?.to_vec();
            let verified = arg(4)?;
            mem.read(verified, 1)?;
            let ok = kzg_point_eval(&commitment, &z, &y, &proof);
            mem.write(verified, &[u8::from(ok)])?;
            0
        }
        16 | 18 => {
            let pair = if index == 16 { 288 } else { 192 };
            let len = u64::from(arg(1)?) * pair;
            let len = u32::try_from(len).map_err(|_| Trap::Wasm(TrapCode::MemoryOutOfBounds))?;
            let pairs = mem.read(arg(0)?, len)?.to_vec();
            let verified = arg(2)?;
            mem.read(verified, 1)?;
            let check = if index == 16 {
                bls12_pairing(&pairs)
            } else {
                bn254_pairing(&pairs)
            };
            match check {
                Some(ok) => {
                    mem.write(verified, &[u8::from(ok)])?;
                    0
                }
                None => EFAIL,
            }
        }
        _ => {
            let msg: [u8; 32] = mem.read(arg(0)?, 32)?.try_into().unwrap();
            let sig: [u8; 64] = mem.read(arg(1)?, 64)?.try_into().unwrap();
            let (recid, out) = (arg(2)?, arg(3)?);
            mem.read(out, 64)?;
            match secp256k1_ecrecover(&msg, &sig, recid) {
                Some(key) => {
                    mem.write(out, &key)?;
                    0
                }
                None => EFAIL,
            }
        }
    };
    Ok(vec![Val::I32(status)])
}

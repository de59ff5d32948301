//! The zkVM accelerators for the reference interpreter: the functions of the standard C ABI
//! (zisk-zkvm-interface 1.4.0-alpha `zkvm_accelerators.h`) that zkc implements, imported from
//! module `"zkvm"` under their C names with the wasm32 mapping of their signatures (pointers
//! and `size_t` are i32, the `zkvm_status` result is i32, 0 = `ZKVM_EOK`).
//!
//! The digests come from the RustCrypto crates (`sha3`, `sha2`), independently of the ZisK
//! runtime's own routines (`runtime/src/zkvm.zir`), so that the differential tests between the
//! interpreter and the compiled code check them. A call whose input or output is not entirely
//! inside linear memory traps like an out-of-bounds access, before writing anything; input
//! and output may overlap (the whole input is read first).

use super::{Memory, Trap, Val};
use crate::module::ImportName;
use crate::types::{Signature, Type};

/// The implemented functions, in host index order.
const FUNCS: &[&str] = &["zkvm_keccak256", "zkvm_sha256"];

/// The module the accelerators are imported from.
pub const MODULE: &str = "zkvm";

/// The index of `name` among the accelerators, after checking its signature.
pub(super) fn resolve(name: &ImportName, sig: &Signature) -> Result<u32, String> {
    let Some(index) = FUNCS.iter().position(|&f| f == name.field) else {
        return Err(super::unknown_import(name));
    };
    let expected = Signature {
        params: vec![Type::I32; 3],
        results: vec![Type::I32],
    };
    if *sig != expected {
        return Err(format!(
            "import \"{}\" \"{}\" has type {sig}, the ABI's is {expected}",
            name.module, name.field
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
            FUNCS[index as usize]
        ))),
    };
    let (data, len, out) = (arg(0)?, arg(1)?, arg(2)?);
    let input = mem.read(data, len)?;
    let digest: [u8; 32] = match index {
        0 => <sha3::Keccak256 as sha3::Digest>::digest(input).into(),
        _ => <sha2::Sha256 as sha2::Digest>::digest(input).into(),
    };
    mem.read(out, 32)?;
    mem.write(out, &digest)?;
    Ok(vec![Val::I32(0)])
}

//! The embedder interface: how imports are resolved and imported functions are called, and the
//! wasm spec test suite's `spectest` module.

use super::{Memory, Trap, Val};
use crate::module::ImportName;
use crate::types::{Signature, Type};

/// Resolves a module's imports and runs its imported functions.
///
/// Resolution happens once, at instantiation; an `Err` there is a link error and should name
/// the import. Calls then go through the index `resolve_func` returned, so a host never looks
/// names up per call.
pub trait Host {
    /// Binds an imported function; returns the index later passed to [`Host::call`].
    fn resolve_func(&mut self, name: &ImportName, sig: &Signature) -> Result<u32, String>;

    /// Calls the imported function `func` (an index from [`Host::resolve_func`]). The results
    /// must match the signature it was resolved with. `Trap::Exit` ends the whole run.
    fn call(&mut self, func: u32, args: &[Val], mem: &mut Memory) -> Result<Vec<Val>, Trap>;

    /// The value of an imported global of type `ty`.
    fn global(&mut self, name: &ImportName, ty: Type, mutable: bool) -> Result<Val, String> {
        let _ = (ty, mutable);
        Err(unknown_import(name))
    }

    /// The limits (min, max pages) of an imported memory. The instance allocates it itself.
    fn memory(&mut self, name: &ImportName) -> Result<(u32, Option<u32>), String> {
        Err(unknown_import(name))
    }

    /// The limits (min, max) of an imported table; its entries start null.
    fn table(&mut self, name: &ImportName) -> Result<(u32, Option<u32>), String> {
        Err(unknown_import(name))
    }

    /// `zisk.uart`: one byte to the console.
    fn uart(&mut self, byte: u8) -> Result<(), Trap> {
        let _ = byte;
        Err(Trap::Unsupported("zisk.uart without a console".into()))
    }

    /// `zisk.pubout`: publishes public output word `index`.
    fn pubout(&mut self, index: u32, value: u32) -> Result<(), Trap> {
        let _ = (index, value);
        Err(Trap::Unsupported("zisk.pubout without an output".into()))
    }
}

/// The link error for an import nobody provides.
pub fn unknown_import(name: &ImportName) -> String {
    format!("unknown import {name}")
}

/// A host without imports: instantiation of a module that imports anything fails.
#[derive(Clone, Debug, Default)]
pub struct NoHost;

impl Host for NoHost {
    fn resolve_func(&mut self, name: &ImportName, _sig: &Signature) -> Result<u32, String> {
        Err(unknown_import(name))
    }
    fn call(&mut self, _func: u32, _args: &[Val], _mem: &mut Memory) -> Result<Vec<Val>, Trap> {
        unreachable!("NoHost resolves no function")
    }
}

/// The `spectest` module the wasm spec tests import: `print*` functions that print nothing,
/// globals `global_i32` = 666, `global_i64` = 666, `global_f32` = 666.6, `global_f64` = 666.6,
/// `memory` (1 page, max 2) and `table` (10 entries, max 20).
#[derive(Clone, Debug, Default)]
pub struct SpectestHost {
    /// Every `print*` call, in order, for tests that want to see them.
    pub printed: Vec<Vec<Val>>,
}

impl Host for SpectestHost {
    fn resolve_func(&mut self, name: &ImportName, sig: &Signature) -> Result<u32, String> {
        use Type::*;
        if name.module != "spectest" {
            return Err(unknown_import(name));
        }
        let params: &[Type] = match name.field.as_str() {
            "print" => &[],
            "print_i32" => &[I32],
            "print_i64" => &[I64],
            "print_f32" => &[F32],
            "print_f64" => &[F64],
            "print_i32_f32" => &[I32, F32],
            "print_f64_f64" => &[F64, F64],
            _ => return Err(unknown_import(name)),
        };
        if sig.params != params || !sig.results.is_empty() {
            return Err(format!(
                "incompatible import type for \"spectest\" \"{}\": {sig}",
                name.field
            ));
        }
        Ok(0)
    }

    fn call(&mut self, _func: u32, args: &[Val], _mem: &mut Memory) -> Result<Vec<Val>, Trap> {
        self.printed.push(args.to_vec());
        Ok(vec![])
    }

    fn global(&mut self, name: &ImportName, ty: Type, mutable: bool) -> Result<Val, String> {
        if name.module != "spectest" {
            return Err(unknown_import(name));
        }
        let v = match name.field.as_str() {
            "global_i32" => Val::I32(666),
            "global_i64" => Val::I64(666),
            "global_f32" => Val::F32(666.6f32.to_bits()),
            "global_f64" => Val::F64(666.6f64.to_bits()),
            _ => return Err(unknown_import(name)),
        };
        if v.ty() != ty || mutable {
            return Err(format!(
                "incompatible import type for \"spectest\" \"{}\"",
                name.field
            ));
        }
        Ok(v)
    }

    fn memory(&mut self, name: &ImportName) -> Result<(u32, Option<u32>), String> {
        match (name.module.as_str(), name.field.as_str()) {
            ("spectest", "memory") => Ok((1, Some(2))),
            _ => Err(unknown_import(name)),
        }
    }

    fn table(&mut self, name: &ImportName) -> Result<(u32, Option<u32>), String> {
        match (name.module.as_str(), name.field.as_str()) {
            ("spectest", "table") => Ok((10, Some(20))),
            _ => Err(unknown_import(name)),
        }
    }
}

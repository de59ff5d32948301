//! The runtime linked into every zkc program: the entry, and WASI preview1 on ZisK.
//!
//! [`link`] takes a translated module and returns it with
//!
//! - every `wasi_snapshot_preview1` import that the runtime implements replaced by the
//!   runtime's body (written in zkc IR text, `src/wasi.zir`, and compiled like user code), and
//!   every other preview1 function by a body that returns `ENOSYS` (52);
//! - every `zkvm` import (the zkVM accelerators, `src/zkvm.zir`) replaced by the runtime's
//!   body; a name the runtime does not implement is an unknown import, a wrong signature an
//!   error that names the import;
//! - a function `__zkc_start` ([`zkc_ir::PROGRAM_ENTRY`]) that runs the wasm start function,
//!   then the exported `_start`; the backend calls it and ends the run with status 0 when it
//!   returns. It makes the module a program ([`zkc_ir::Module::program_entry`]).
//!
//! What the WASI calls do follows the reference interpreter (`zkc_ir::interp::wasi`) and
//! upstream ZisK's wasm support (`zisk-transpiler-wasm` `wasi.rs`): stdin is the input region
//! (u64 length at `INPUT_ADDR + 8`, bytes from `INPUT_ADDR + 16`, a read cursor in a global),
//! stdout and stderr go to the UART byte by byte and stdout's first 256 bytes are also copied
//! to the public output from `OUTPUT_ADDR`; `proc_exit` ends the run through the machine import
//! `zisk.exit`, which the instruction selector lowers in place (it stores the status in the
//! exit word and returns to the BIOS). Arguments and environment are empty, the clock starts
//! at 0 and advances 1000 ns per call, `random_get` is splitmix64 from the interpreter's seed,
//! `fd_prestat_get` answers `EBADF`.
//!
//! The accelerators follow the standard C ABI of zisk-zkvm-interface 1.4.0-alpha
//! (`zkvm_accelerators.h`) with the wasm32 mapping of its signatures, as the interpreter does
//! (`zkc_ir::interp::zkvm`): `zkvm_keccak256(data, len, out) -> status` and `zkvm_sha256`,
//! all i32. Each first checks that `data + len` and `out + 32` are inside linear memory (else
//! the trap of an out-of-bounds access; the accesses after the check are `notrap`), reads the
//! whole input before writing the output (so they may overlap), and runs the precompile the
//! way ziskos's `keccak256`/`sha256` do: the message goes block by block into a state in ZisK
//! RAM outside linear memory, which the machine imports `zisk.keccakf` (the `keccak`
//! precompile on the state) and `zisk.sha256f` (the `sha256` precompile on state and block)
//! transform. As upstream's own routines (zisk-asm `zisklib/zkvm/keccak.zisk`, `sha256.zisk`)
//! do, state and blocks are zeroed and SHA-256's blocks copied with the DMA operations
//! (`zisk.zero`, `zisk.memcpy`, with `zisk.mem_base` for the absolute address of linear
//! memory); Keccak copies a first whole block straight into the zeroed state and XORs later
//! ones in word by word, and pads a last partial block in a zeroed buffer. The same holds for
//! the other accelerators of `zkvm.zir` (`zkvm_ripemd160`, `zkvm_blake2f`,
//! `zkvm_secp256k1_verify`, `zkvm_secp256k1_ecrecover`, `zkvm_bn254_g1_add`,
//! `zkvm_bn254_g1_mul`, `zkvm_bn254_pairing`, `zkvm_bls12_g1_add`, `zkvm_bls12_g1_msm`, `zkvm_bls12_g2_add`,
//! `zkvm_bls12_g2_msm`, `zkvm_bls12_map_fp_to_g1`, `zkvm_bls12_map_fp2_to_g2`,
//! `zkvm_bls12_pairing`, `zkvm_kzg_point_eval`, `zkvm_modexp`): every pointer checked first, every input read into
//! scratch RAM (or, for modexp's exponent and base, read while the output is not yet written)
//! before an output is written, the work done by precompiles through machine imports
//! (`zisk.blake2b_round`, `zisk.arith256_mod`, `zisk.secp256k1_add`/`_dbl`,
//! `zisk.bn254_curve_add`/`_dbl`, `zisk.bn254_complex_add`/`_sub`/`_mul`, `zisk.arith384_mod`, `zisk.bls12_381_curve_add`/`_dbl`,
//! `zisk.bls12_381_complex_add`/`_sub`/`_mul`) or in software: RIPEMD-160, which has no precompile, and
//! modexp's moduli above 256 bits (Montgomery products on 64-bit limbs; an even modulus
//! 2^k q by the Chinese remainder theorem from powers mod q and mod 2^k). The
//! instruction selector lowers every `zisk.*` import in place. A runtime function may call
//! others: [`link`] brings in everything the imported ones reach.

use std::collections::HashMap;
use std::fmt;

use zkc_ir::{
    FuncDecl, FuncDef, FuncId, Function, GlobalId, ImportName, Module, Op, SrcLoc, TermKind, Type,
    PROGRAM_ENTRY,
};

/// The runtime's source: WASI preview1.
pub const WASI_ZIR: &str = include_str!("wasi.zir");
/// The runtime's source: the zkVM accelerators.
pub const ZKVM_ZIR: &str = include_str!("zkvm.zir");

const WASI: &str = "wasi_snapshot_preview1";
const ZKVM: &str = "zkvm";
const ENOSYS: u64 = 52;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// An import neither WASI preview1 nor the machine's.
    UnknownImport(ImportName),
    /// A WASI import whose type differs from the runtime's.
    Signature {
        import: ImportName,
        expected: String,
        found: String,
    },
    /// The runtime's function for this import accesses linear memory; the module has none.
    NoMemory(ImportName),
    /// The exported `_start` takes parameters (their types): the entry has none to pass.
    Entry(String),
    /// The runtime's own source does not parse (a bug).
    Runtime(String),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            LinkError::UnknownImport(i) => {
                write!(f, "unknown import {i}")
            }
            LinkError::Signature {
                import,
                expected,
                found,
            } => write!(
                f,
                "import {import} has type {found}, the runtime's is {expected}"
            ),
            LinkError::NoMemory(i) => {
                write!(f, "{i} needs a linear memory, the module has none")
            }
            LinkError::Entry(params) => write!(
                f,
                "the exported \"_start\" takes parameters ({params}); WASI's _start has type () -> ()"
            ),
            LinkError::Runtime(e) => write!(f, "runtime source: {e}"),
        }
    }
}

impl std::error::Error for LinkError {}

/// Parses one of the runtime's sources.
fn parse(source: &str) -> Result<Module, LinkError> {
    zkc_ir::text::parse_module(source).map_err(|e| LinkError::Runtime(e.to_string()))
}

/// Parses the runtime's WASI part.
pub fn runtime_module() -> Result<Module, LinkError> {
    parse(WASI_ZIR)
}

/// One runtime source being linked into a module: what of it is in the module so far.
struct Source {
    rt: Module,
    global_map: HashMap<GlobalId, GlobalId>,
    func_map: HashMap<FuncId, FuncId>,
    globals_added: bool,
}

impl Source {
    fn new(text: &str) -> Result<Source, LinkError> {
        Ok(Source {
            rt: parse(text)?,
            global_map: HashMap::new(),
            func_map: HashMap::new(),
            globals_added: false,
        })
    }

    /// The body of the runtime's function for `imp`, of signature `sig`, its globals and
    /// callees added to `module`; `None` when the runtime has no such function.
    fn body(
        &mut self,
        module: &mut Module,
        imp: &ImportName,
        sig: &zkc_ir::Signature,
    ) -> Result<Option<Function>, LinkError> {
        let Some(rid) = self.rt.func_by_name(&imp.field) else {
            return Ok(None);
        };
        let rf = &self.rt.funcs[rid];
        if rf.sig != *sig {
            return Err(LinkError::Signature {
                import: imp.clone(),
                expected: rf.sig.to_string(),
                found: sig.to_string(),
            });
        }
        if module.memory.is_none() && uses_memory(&self.rt, rid) {
            return Err(LinkError::NoMemory(imp.clone()));
        }
        if !self.globals_added {
            self.globals_added = true;
            for (gid, g) in self.rt.globals.iter() {
                let mut g = g.clone();
                g.name = unique_global_name(module, &g.name);
                self.global_map.insert(gid, module.globals.push(g));
            }
        }
        let mut body = rf.body().expect("runtime functions have bodies").clone();
        self.remap(module, &mut body);
        Ok(Some(body))
    }

    /// Points the globals and calls of `body`, a runtime function's, at the module's, adding
    /// each runtime function it calls (with its own callees) the first time.
    fn remap(&mut self, module: &mut Module, body: &mut Function) {
        for (_, inst) in body.insts.iter_mut() {
            match &mut inst.op {
                Op::GlobalGet(g) | Op::GlobalSet(g) => *g = self.global_map[g],
                Op::Call(f) => {
                    let callee = *f;
                    *f = match self.func_map.get(&callee) {
                        Some(&n) => n,
                        None => {
                            let mut decl = self.rt.funcs[callee].clone();
                            decl.name = unique_func_name(module, &decl.name);
                            let callee_body = match &mut decl.def {
                                FuncDef::Body(b) => Some(std::mem::replace(b, Function::new())),
                                _ => None,
                            };
                            let n = module.funcs.push(decl);
                            self.func_map.insert(callee, n);
                            if let Some(mut b) = callee_body {
                                self.remap(module, &mut b);
                                module.funcs[n].def = FuncDef::Body(b);
                            }
                            n
                        }
                    };
                }
                _ => {}
            }
        }
    }
}

/// Links the runtime into `module` (see the crate docs).
pub fn link(mut module: Module) -> Result<Module, LinkError> {
    let mut wasi = Source::new(WASI_ZIR)?;
    let mut zkvm = None;

    let imports: Vec<(FuncId, ImportName)> = module
        .funcs
        .iter()
        .filter_map(|(id, f)| f.import().map(|i| (id, i.clone())))
        .collect();
    for (id, imp) in imports {
        let sig = module.funcs[id].sig.clone();
        let body = match imp.module.as_str() {
            "zisk" => continue,
            WASI => match wasi.body(&mut module, &imp, &sig)? {
                Some(body) => body,
                None if sig.results == [Type::I32] => enosys(&sig.params),
                None => return Err(LinkError::UnknownImport(imp)),
            },
            ZKVM => {
                let source = match &mut zkvm {
                    Some(source) => source,
                    None => zkvm.insert(Source::new(ZKVM_ZIR)?),
                };
                source
                    .body(&mut module, &imp, &sig)?
                    .ok_or_else(|| LinkError::UnknownImport(imp.clone()))?
            }
            _ => return Err(LinkError::UnknownImport(imp)),
        };
        module.funcs[id].def = FuncDef::Body(body);
    }

    // The entry: start function (of type [] -> [] by validation), then `_start`.
    if let Some(f) = module.export_func("_start") {
        let params = &module.funcs[f].sig.params;
        if !params.is_empty() {
            let names: Vec<&str> = params.iter().map(|t| t.name()).collect();
            return Err(LinkError::Entry(names.join(", ")));
        }
    }
    let mut entry = Function::new();
    let b = entry.create_block();
    for f in [module.start, module.export_func("_start")]
        .into_iter()
        .flatten()
    {
        let results = module.funcs[f].sig.results.clone();
        entry.append_inst(b, Op::Call(f), &[], &results, SrcLoc::NONE);
    }
    entry.set_terminator(b, TermKind::Return(vec![]), SrcLoc::NONE);
    // The entry's name is what makes the module a program (`Module::program_entry`): a
    // function of the module's own by that name is renamed.
    if let Some(own) = module.program_entry() {
        module.funcs[own].name = unique_func_name(&module, PROGRAM_ENTRY);
    }
    module.funcs.push(FuncDecl {
        name: PROGRAM_ENTRY.to_string(),
        sig: Default::default(),
        def: FuncDef::Body(entry),
    });
    Ok(module)
}

/// Whether the runtime function `f`, or one it calls, accesses linear memory (`proc_exit`
/// does not: a module without a memory may import it).
fn uses_memory(rt: &Module, f: FuncId) -> bool {
    let mut seen = std::collections::HashSet::new();
    let mut todo = vec![f];
    while let Some(f) = todo.pop() {
        if !seen.insert(f) {
            continue;
        }
        for (_, inst) in rt.funcs[f].body().iter().flat_map(|b| b.insts.iter()) {
            match inst.op {
                Op::Load { .. }
                | Op::Store { .. }
                | Op::MemorySize
                | Op::MemoryGrow
                | Op::MemoryCopy
                | Op::MemoryFill
                | Op::MemoryInit(_) => return true,
                Op::Call(g) => todo.push(g),
                _ => {}
            }
        }
    }
    false
}

fn enosys(params: &[Type]) -> Function {
    let mut f = Function::new();
    let b = f.create_block();
    for &t in params {
        f.append_block_param(b, t);
    }
    let c = f.append_inst(
        b,
        Op::Const {
            ty: Type::I32,
            bits: ENOSYS,
        },
        &[],
        &[Type::I32],
        SrcLoc::NONE,
    );
    let v = f.inst_results(c)[0];
    f.set_terminator(b, TermKind::Return(vec![v]), SrcLoc::NONE);
    f
}

fn unique_func_name(m: &Module, base: &str) -> String {
    let mut name = base.to_string();
    let mut k = 0;
    while m.func_by_name(&name).is_some() {
        k += 1;
        name = format!("{base}_{k}");
    }
    name
}

fn unique_global_name(m: &Module, base: &str) -> String {
    let mut name = base.to_string();
    let mut k = 0;
    while m.globals.iter().any(|(_, g)| g.name == name) {
        k += 1;
        name = format!("{base}_{k}");
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every function of the runtime's sources passes the verifier, linked or not (a program
    /// links only what its imports reach, and release builds verify nothing), given the
    /// linear memory they access.
    #[test]
    fn runtime_sources_verify() {
        for source in [WASI_ZIR, ZKVM_ZIR] {
            let mut module = parse(source).unwrap();
            module.memory.get_or_insert(zkc_ir::MemoryDecl {
                min: 1,
                max: None,
                import: None,
            });
            if let Err(e) = zkc_ir::verify::verify_module(&module) {
                panic!("{e}");
            }
        }
    }

    /// A module without a memory that imports the WASI function `field` (of type `sig`).
    fn without_memory(field: &str, sig: &str) -> Module {
        let text = format!(
            "import func @{field}{sig} = \"wasi_snapshot_preview1\" \"{field}\"\n\
             func @_start() {{\nblock0:\n    return\n}}\nexport \"_start\" func @_start\n"
        );
        zkc_ir::text::parse_module(&text).unwrap()
    }

    /// Issue #19: `proc_exit` needs no memory, so a module without one may import it.
    #[test]
    fn proc_exit_links_without_a_memory() {
        let linked = link(without_memory("proc_exit", "(i32)")).unwrap();
        assert!(linked.memory.is_none());
    }

    #[test]
    fn wasi_functions_that_use_memory_need_one() {
        let err = link(without_memory("fd_write", "(i32, i32, i32, i32) -> i32")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"wasi_snapshot_preview1\" \"fd_write\" needs a linear memory, the module has none"
        );
    }

    /// The entry calls `_start` with no arguments: one with parameters is the input's error
    /// (zkc-fuzz malformed mutant 87 made the linked IR invalid, an internal error).
    #[test]
    fn start_with_parameters_is_refused() {
        let m = zkc_ir::text::parse_module(
            "func @_start(i32) {\nblock0(v0: i32):\n    return\n}\nexport \"_start\" func @_start\n",
        )
        .unwrap();
        let err = link(m).unwrap_err();
        assert!(matches!(err, LinkError::Entry(_)), "{err}");
        assert_eq!(
            err.to_string(),
            "the exported \"_start\" takes parameters (i32); WASI's _start has type () -> ()"
        );
    }
}

//! The pipeline, as one readable sequence of stages (QBE's `main.c`, Cranelift's
//! `context.rs`): load, verify, run the passes of the chosen level, verifying after each, and
//! dump the IR after any pass on request.
//!
//! Errors keep three things apart, as Cranelift's `result.rs` does: what is wrong with the user's
//! input, what zkc does not implement (yet), and what is a bug in zkc (a verifier failure after
//! a pass). Each maps to its own exit status.

use std::fmt;
use std::path::Path;
use zkc_ir::Module;

/// Why the driver stopped.
#[derive(Debug)]
pub enum Error {
    /// The input is unreadable, malformed or invalid. Exit status 1.
    Input(String),
    /// A stage or feature zkc does not have. Exit status 2.
    Unimplemented(String),
    /// zkc produced invalid IR: a compiler bug. Exit status 70 (EX_SOFTWARE).
    Internal(String),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => 1,
            Error::Unimplemented(_) => 2,
            Error::Internal(_) => 70,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Error::Input(m) => write!(f, "{m}"),
            Error::Unimplemented(m) => write!(f, "not implemented: {m}"),
            Error::Internal(m) => write!(f, "internal compiler error (please report): {m}"),
        }
    }
}

impl std::error::Error for Error {}

/// Optimization level, `-O0` .. `-O2`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OptLevel {
    O0,
    O1,
    O2,
}

/// Pipeline options.
#[derive(Clone, Debug)]
pub struct Options {
    pub opt_level: OptLevel,
    /// Names of passes after which the IR is printed to `dump`.
    pub dump_after: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            opt_level: OptLevel::O0,
            dump_after: vec![],
        }
    }
}

/// The passes that exist, in pipeline order. `translate` is the frontend (or the text parser).
pub const PASSES: &[&str] = &["translate"];

/// Reads an input file: zkc IR text (`.zir`), wasm text (`.wat`/`.wast`-style module) or binary.
pub fn load(path: &Path) -> Result<Module, Error> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::Input(format!("{}: cannot read: {e}", path.display())))?;
    let name = path.display();
    if path.extension().is_some_and(|e| e == "zir") {
        let text = String::from_utf8(bytes)
            .map_err(|e| Error::Input(format!("{name}: not UTF-8 text: {e}")))?;
        zkc_ir::text::parse_module(&text).map_err(|e| Error::Input(format!("{name}:{e}")))
    } else {
        zkc_frontend_wasm::translate(&bytes).map_err(|e| match e.kind {
            zkc_frontend_wasm::ErrorKind::Unsupported { .. } => {
                Error::Unimplemented(format!("{name}: {e}"))
            }
            _ => Error::Input(format!("{name}: {e}")),
        })
    }
}

/// Runs the pipeline for `opts` on a loaded module. Passes that do not exist yet are refused.
pub fn optimize(
    module: Module,
    opts: &Options,
    dump: &mut dyn std::io::Write,
) -> Result<Module, Error> {
    for name in &opts.dump_after {
        if !PASSES.contains(&name.as_str()) {
            return Err(Error::Input(format!(
                "--dump-after {name}: no such pass (passes: {})",
                PASSES.join(", ")
            )));
        }
    }
    check(&module, "translate")?;
    if opts.dump_after.iter().any(|p| p == "translate") {
        let _ = writeln!(
            dump,
            "; after translate\n{}",
            zkc_ir::text::print_module(&module)
        );
    }
    if opts.opt_level > OptLevel::O0 {
        return Err(Error::Unimplemented(
            "the optimizer (-O1, -O2) does not exist yet; use -O0".into(),
        ));
    }
    Ok(module)
}

/// The verifier between passes: a failure is a compiler bug in the pass named.
fn check(module: &Module, after: &str) -> Result<(), Error> {
    zkc_ir::verify::verify_module(module)
        .map_err(|e| Error::Internal(format!("invalid IR after {after}:\n{e}")))
}

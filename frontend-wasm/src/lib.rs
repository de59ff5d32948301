//! The WebAssembly frontend: a wasm32 module (binary or `.wat` text) to zkc IR.
//!
//! [`translate`] validates the module with wasmparser's validator, declares every import,
//! function, global, table, memory, segment and export ([`module`]), then translates each body
//! in one pass over its operators ([`func`]), building SSA for the locals with the algorithm of
//! Braun et al. ([`zkc_ir::ssa`]). The IR's operations are wasm's own, so the translation is
//! mostly one operator to one instruction; every instruction carries the byte offset of its
//! operator.
//!
//! Accepted: wasm 2.0 (MVP, mutable globals, sign extension, non-trapping float-to-int, bulk
//! memory, multi-value, reference types: `funcref`/`externref` values, `ref.*`,
//! `table.get/set/size/grow/fill/copy/init`, `elem.drop`, several tables). The validator also
//! knows the function-references proposal, so that the typed function references of the wasm
//! 3.0 spec tests (`(ref null $t)`) validate; they are erased to `funcref` (validation already
//! proved the finer types), and the operations only that proposal has (`call_ref`,
//! `ref.as_non_null`, `br_on_null`, `br_on_non_null`) are refused as unsupported. Constant
//! expressions may use `add`, `sub` and `mul` (the extended-const proposal, also wasm 3.0).

mod error;
mod func;
mod module;
mod types;

pub use error::{ErrorKind, FrontendError};

use wasmparser::{Parser, Payload, Validator, WasmFeatures};

/// The wasm features zkc compiles.
pub fn features() -> WasmFeatures {
    WasmFeatures::MVP
        | WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::SATURATING_FLOAT_TO_INT
        | WasmFeatures::BULK_MEMORY
        | WasmFeatures::MULTI_VALUE
        | WasmFeatures::REFERENCE_TYPES
        | WasmFeatures::FUNCTION_REFERENCES
        | WasmFeatures::EXTENDED_CONST
}

/// Translates a wasm module (binary, or text in the `.wat` format) to IR. Bytes that look
/// binary (see [`looks_binary`]) must be a wasm binary: without the magic number they are
/// refused as such, not parsed as text.
pub fn translate(bytes: &[u8]) -> Result<zkc_ir::Module, FrontendError> {
    if looks_binary(bytes) {
        return translate_binary(bytes);
    }
    let wasm =
        wat::parse_bytes(bytes).map_err(|e| FrontendError::malformed(e.to_string(), None))?;
    validate(&wasm)?;
    module::translate_module(&wasm)
}

/// Translates a wasm binary module (a `.wasm` file) to IR.
pub fn translate_binary(bytes: &[u8]) -> Result<zkc_ir::Module, FrontendError> {
    check_magic(bytes)?;
    validate(bytes)?;
    module::translate_module(bytes)
}

/// The magic number that starts every wasm binary.
const MAGIC: &[u8; 4] = b"\0asm";

/// Whether `bytes` cannot be wasm text: they start with the magic number, or their first 64
/// bytes hold a control character other than the text format's white space (tab, line feed,
/// carriage return; form feed is allowed too) or are not UTF-8.
pub fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64)];
    bytes.starts_with(MAGIC)
        || head
            .iter()
            .any(|&b| (b < 0x20 && !b"\t\n\r\x0c".contains(&b)) || b == 0x7f)
        // A character cut at the end of the 64 bytes is not an error.
        || std::str::from_utf8(head).is_err_and(|e| e.error_len().is_some())
}

/// A malformed-module error at offset 0 unless `bytes` start with the magic number.
fn check_magic(bytes: &[u8]) -> Result<(), FrontendError> {
    if bytes.starts_with(MAGIC) {
        return Ok(());
    }
    let head = &bytes[..bytes.len().min(4)];
    let mut found: Vec<String> = head.iter().map(|b| format!("{b:02x}")).collect();
    if head.len() < 4 {
        found.push("(the file ends)".into());
    }
    Err(FrontendError::malformed(
        format!("bad magic: expected \\0asm, found {}", found.join(" ")),
        Some(0),
    ))
}

/// Validates `wasm`, classifying failures as malformed, invalid or unsupported.
pub fn validate(wasm: &[u8]) -> Result<(), FrontendError> {
    let Err(e) = validate_all(wasm) else {
        return Ok(());
    };
    let (msg, offset) = (e.message(), e.offset());
    if let Some(feature) = unsupported_feature(msg) {
        return Err(FrontendError::unsupported(feature, offset));
    }
    // Tell decoding errors from validation errors by decoding without validating.
    if let Err(d) = decode_all(wasm) {
        if d.offset() <= offset {
            return Err(FrontendError::malformed(d.message(), Some(d.offset())));
        }
    }
    Err(FrontendError::invalid(msg, Some(offset)))
}

/// wasmparser's `Validator::validate_all` with the function bodies validated on rayon's
/// threads: the sections first, in order (their first error wins), then every body, the first
/// failing one in module order giving the error, which is what `validate_all` reports (it
/// too validates the bodies after the sections), whatever the number of threads.
fn validate_all(wasm: &[u8]) -> wasmparser::Result<()> {
    use rayon::prelude::*;
    use wasmparser::{FuncValidatorAllocations, ValidPayload};
    let mut validator = Validator::new_with_features(features());
    let mut parser = Parser::new(0);
    parser.set_features(features());
    let mut bodies = Vec::new();
    for payload in parser.parse_all(wasm) {
        if let ValidPayload::Func(func, body) = validator.payload(&payload?)? {
            bodies.push((func, body));
        }
    }
    let errors: Vec<_> = (bodies.into_par_iter())
        .map_init(FuncValidatorAllocations::default, |allocs, (func, body)| {
            let mut v = func.into_validator(std::mem::take(allocs));
            let result = v.validate(&body);
            *allocs = v.into_allocations();
            result.err()
        })
        .collect();
    errors.into_iter().flatten().next().map_or(Ok(()), Err)
}

/// The feature a validator message says is disabled.
fn unsupported_feature(msg: &str) -> Option<&'static str> {
    // Arithmetic in constant expressions is the extended-const proposal.
    if let Some(op) = msg.strip_prefix("constant expression required: non-constant operator: ") {
        let extended = [
            "i32.add", "i32.sub", "i32.mul", "i64.add", "i64.sub", "i64.mul",
        ];
        if extended.iter().any(|e| op.starts_with(e)) {
            return Some("extended constant expressions");
        }
    }
    // Wasm 3.0 (the GC proposal) lets constant expressions read defined immutable globals.
    if msg.ends_with("global.get of locally defined global") {
        return Some("GC (global.get of a defined global in a constant expression)");
    }
    const FEATURES: &[(&str, &str)] = &[
        ("relaxed SIMD", "relaxed SIMD"),
        ("SIMD", "SIMD"),
        ("shared-everything-threads", "threads"),
        ("threads", "threads"),
        ("shared memories", "threads"),
        ("atomics", "threads"),
        ("exception", "exceptions"),
        ("tail call", "tail calls"),
        ("memory64", "memory64"),
        ("64-bit", "memory64"),
        ("multiple memories", "multiple memories"),
        ("multi-memory", "multiple memories"),
        ("gc", "GC"),
        ("function references", "function references"),
        ("function-references", "function references"),
        ("custom page sizes", "custom page sizes"),
        ("wide arithmetic", "wide arithmetic"),
        ("extended const", "extended constant expressions"),
        ("stack switching", "stack switching"),
        ("component", "component model"),
    ];
    let disabled = msg.contains("not enabled")
        || msg.contains("must be enabled")
        || msg.contains("require")
        || msg.contains("not supported without")
        || msg.contains("are disallowed")
        || msg == "multiple memories";
    if !disabled {
        return None;
    }
    FEATURES
        .iter()
        .find(|(key, _)| msg.contains(key))
        .map(|&(_, f)| f)
}

/// Decodes every section and function body without validating.
fn decode_all(wasm: &[u8]) -> wasmparser::Result<()> {
    fn items<'a, T: wasmparser::FromReader<'a>>(
        r: wasmparser::SectionLimited<'a, T>,
    ) -> wasmparser::Result<()> {
        for item in r {
            item?;
        }
        Ok(())
    }
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::TypeSection(r) => items(r)?,
            Payload::ImportSection(r) => items(r)?,
            Payload::FunctionSection(r) => items(r)?,
            Payload::TableSection(r) => items(r)?,
            Payload::MemorySection(r) => items(r)?,
            Payload::GlobalSection(r) => items(r)?,
            Payload::ExportSection(r) => items(r)?,
            Payload::ElementSection(r) => items(r)?,
            Payload::DataSection(r) => items(r)?,
            Payload::CodeSectionEntry(body) => {
                let mut locals = body.get_locals_reader()?;
                for _ in 0..locals.get_count() {
                    locals.read()?;
                }
                let mut ops = body.get_operators_reader()?;
                while !ops.eof() {
                    ops.read()?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

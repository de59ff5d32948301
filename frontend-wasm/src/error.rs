//! Errors: the input is not wasm (malformed), is wasm that does not validate (invalid), or uses
//! a feature zkc does not compile (unsupported).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The bytes do not decode as a wasm module (or the text does not parse).
    Malformed,
    /// The module decodes but does not validate.
    Invalid,
    /// The module is valid wasm but uses a feature zkc does not support.
    Unsupported { feature: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrontendError {
    pub kind: ErrorKind,
    pub message: String,
    /// Byte offset in the wasm binary, where known.
    pub offset: Option<u64>,
}

impl FrontendError {
    pub fn malformed(message: impl Into<String>, offset: Option<u64>) -> Self {
        FrontendError {
            kind: ErrorKind::Malformed,
            message: message.into(),
            offset,
        }
    }

    pub fn invalid(message: impl Into<String>, offset: Option<u64>) -> Self {
        FrontendError {
            kind: ErrorKind::Invalid,
            message: message.into(),
            offset,
        }
    }

    pub fn unsupported(feature: impl Into<String>, offset: u64) -> Self {
        let feature = feature.into();
        FrontendError {
            kind: ErrorKind::Unsupported {
                feature: feature.clone(),
            },
            message: feature,
            offset: Some(offset),
        }
    }
}

impl fmt::Display for FrontendError {
    /// `error at 0x1a2b: unsupported feature: SIMD`.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.offset {
            Some(o) => write!(f, "error at {o:#x}: ")?,
            None => f.write_str("error: ")?,
        }
        match &self.kind {
            ErrorKind::Malformed => write!(f, "malformed module: {}", self.message),
            ErrorKind::Invalid => write!(f, "invalid module: {}", self.message),
            ErrorKind::Unsupported { feature } if *feature == self.message => {
                write!(f, "unsupported feature: {feature}")
            }
            ErrorKind::Unsupported { feature } => {
                write!(f, "unsupported feature: {feature}: {}", self.message)
            }
        }
    }
}

impl std::error::Error for FrontendError {}

impl From<wasmparser::BinaryReaderError> for FrontendError {
    /// A decoding error met after validation succeeded cannot happen; treat it as malformed.
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        FrontendError::malformed(e.message(), Some(e.offset()))
    }
}

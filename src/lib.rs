//! The zkc driver: loads an input (wasm, wat or zkc IR text), runs the pipeline, and hands the
//! result to the requested output stage. The `zkc` binary (`src/main.rs`) is a thin clap layer
//! over this library, so tests drive exactly what users run.

pub mod driver;
pub mod profile;
pub mod wast;
pub mod wast_zisk;

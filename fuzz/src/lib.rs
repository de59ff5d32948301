//! zkc-fuzz (issue #19): a differential campaign, wasm-smith modules run by wasmi and by zkc
//! through its interpreter and every ZisK configuration, and a malformed-input campaign, bench
//! modules mutated and hostile modules generated, through zkc's compile path. `README.md` beside
//! this crate says how to run them.

pub mod campaign;
pub mod diff;
pub mod gen;
pub mod malformed;
pub mod oracle;
pub mod repro;

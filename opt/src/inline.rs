//! (stub)
use crate::PassReport;
use zkc_ir::Module;
pub fn run(_m: &mut Module) -> PassReport {
    PassReport::new("inline")
}

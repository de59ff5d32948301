//! Markdown helpers: numbers with thousands separators, ratios, geometric means and tables
//! whose first column is a name and whose other columns are right-aligned figures.

use crate::measure::{Cost, Measure};
use std::fmt::Write as _;

/// `1234567` as `1,234,567`.
pub fn num(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A figure of a measured cost, or why it is missing (said in the first cell of a group of
/// columns, `-` in the others).
pub fn cell(m: &Measure, f: fn(&Cost) -> u64, first: bool) -> String {
    match m {
        Ok(c) => num(f(c)),
        Err(e) if first => e.clone(),
        Err(_) => "-".into(),
    }
}

/// `f(a) / f(b)`, when both are measured and `f(b)` is not zero.
pub fn ratio(a: &Measure, b: &Measure, f: fn(&Cost) -> u64) -> Option<f64> {
    match (a, b) {
        (Ok(a), Ok(b)) if f(b) > 0 => Some(f(a) as f64 / f(b) as f64),
        _ => None,
    }
}

/// A ratio to three decimals, or `-`.
pub fn ratio_cell(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{r:.3}"))
}

pub fn geomean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| (xs.iter().map(|x| x.ln()).sum::<f64>() / xs.len() as f64).exp())
}

/// The geometric mean to three decimals, or `-` when there is nothing to average.
pub fn geomean_cell(xs: &[f64]) -> String {
    ratio_cell(geomean(xs))
}

/// A markdown table: a header row, then rows of cells.
pub struct Table {
    text: String,
}

impl Table {
    /// A table with these column names; the first column is left-aligned, the rest right.
    pub fn new(columns: &[&str]) -> Table {
        let mut text = format!("| {} |\n|---|", columns.join(" | "));
        text.push_str(&"--:|".repeat(columns.len() - 1));
        text.push('\n');
        Table { text }
    }

    pub fn row(&mut self, cells: &[String]) {
        let _ = writeln!(self.text, "| {} |", cells.join(" | "));
    }

    pub fn finish(self) -> String {
        self.text
    }
}

//! The textual IR format, `.zir`: printer, lexer (logos), grammar (lalrpop) and parser.
//!
//! The grammar is written down in `ir/README.md`. The printer's output is canonical:
//! `print_module(&parse_module(text)?) == text` for every canonical text, and parsing a
//! printed module reproduces its printed form. Parsing is two steps: the grammar builds a
//! syntax tree ([`ast`]), then `resolve` builds the [`Module`], because items may refer to
//! items declared later and result types follow from the module's declarations.

mod ast;
mod lexer;
mod printer;
mod resolve;

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, unused_parens)]
    grammar,
    "/text/grammar.rs"
);

use crate::module::Module;
use lexer::{Located, Tok};
use std::fmt;

pub use printer::{print_function, print_module};
pub use resolve::MAX_ENTITY_NUMBER;

/// Why a text is not a module, with the 1-based line and column (in characters) it was
/// detected at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for ParseError {}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&print_module(self))
    }
}

/// Parses a `.zir` module.
pub fn parse_module(src: &str) -> Result<Module, ParseError> {
    let items = grammar::ModuleParser::new()
        .parse(lexer::Lexer::new(src))
        .map_err(|e| syntax_error(src, e))?;
    resolve::build(items).map_err(|e| locate(src, e))
}

fn locate(src: &str, e: Located) -> ParseError {
    let pos = e.pos.min(src.len());
    let before = &src.as_bytes()[..pos];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    // Columns count characters; a position inside a character counts its start.
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    ParseError {
        line,
        col,
        message: e.message,
    }
}

/// A readable name for a grammar terminal (lalrpop lists them quoted, as the grammar spells
/// them).
fn terminal(name: &str) -> String {
    let name = name.trim_matches('"');
    let desc = match name {
        "<newline>" => "end of line",
        "<type>" => "a type",
        "<const>" => "a constant (`i32.const`, ...)",
        "<operation>" => "an operation",
        "<word>" => "a trap code",
        "<value>" => "a value",
        "<block>" => "a block",
        "<sig>" => "a signature",
        "<table>" => "a table",
        "<data>" => "a data segment",
        "<elem>" => "an element segment",
        "<srcloc>" => "a source location",
        "<function>" => "a function name",
        "<global>" => "a global name",
        "<string>" => "a string",
        "<integer>" => "an integer",
        kw => return format!("`{}`", kw.replace("\\\"", "\"")),
    };
    desc.to_string()
}

fn expected(list: &[String]) -> String {
    let names: Vec<String> = list.iter().map(|t| terminal(t)).collect();
    match names.as_slice() {
        [] => "nothing more".to_string(),
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        many => format!("one of {}", many.join(", ")),
    }
}

fn found(src: &str, start: usize, end: usize, tok: &Tok) -> String {
    match tok {
        Tok::Newline if start >= src.len() => "end of file".to_string(),
        Tok::Newline => "end of line".to_string(),
        _ => format!("`{}`", src.get(start..end).unwrap_or("?")),
    }
}

fn syntax_error(src: &str, e: lalrpop_util::ParseError<usize, Tok, Located>) -> ParseError {
    use lalrpop_util::ParseError as E;
    let located = match e {
        E::InvalidToken { location } => Located::new(location, "invalid token"),
        E::UnrecognizedEof {
            location,
            expected: ex,
        } => Located::new(
            location,
            format!("expected {}, found end of file", expected(&ex)),
        ),
        E::UnrecognizedToken {
            token: (start, tok, end),
            expected: ex,
        } => Located::new(
            start,
            format!(
                "expected {}, found {}",
                expected(&ex),
                found(src, start, end, &tok)
            ),
        ),
        E::ExtraToken {
            token: (start, tok, end),
        } => Located::new(
            start,
            format!("unexpected {}", found(src, start, end, &tok)),
        ),
        E::User { error } => error,
    };
    locate(src, located)
}

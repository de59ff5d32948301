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
        "<null>" => "a null reference (`funcref.null`, `externref.null`)",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::FuncId;
    use cranelift_entity::EntityRef;

    fn reprint(src: &str) -> String {
        print_module(&parse_module(src).unwrap_or_else(|e| panic!("{e}")))
    }

    #[test]
    fn constants_print_canonically() {
        let src = "func @f() {\nblock0:\n    v0 = i32.const 0xffffffff\n    v1 = i64.const \
                   -0x10\n    v2 = f32.const 1065353216\n    v3 = i32.const -2147483648\n    \
                   return\n}\n";
        assert_eq!(
            reprint(src),
            "func @f() {\nblock0:\n    v0 = i32.const -1\n    v1 = i64.const -16\n    \
             v2 = f32.const 0x3f800000\n    v3 = i32.const -2147483648\n    return\n}\n"
        );
    }

    #[test]
    fn names_are_quoted_when_needed() {
        let src =
            "global %\"a b\": i32 = i32.const 0\nimport func @\"\\22q\\5c\"() = \"m\\00\" \"f\"\n\
                   import func @ok.name$1() = \"m\" \"g\"\n";
        assert_eq!(reprint(src), src);
    }

    #[test]
    fn imports_and_global_initializers() {
        let src = "memory 1 max 2 import \"env\" \"memory\"\ntable t0 3 import \"env\" \"table\"\n\
                   global %g: i32 = import \"spectest\" \"global_i32\"\n\
                   global %h: mut i32 = global.get %g\n\
                   data d0 active global.get %g = \"x\"\n\
                   elem e0 active t0 global.get %g = [null]\n";
        assert_eq!(reprint(src), src);
    }

    #[test]
    fn comments_blank_lines_and_missing_final_newline() {
        let src = "; a module\n\n\nmemory 1 ; one page\n\n\nexport \"m\" memory";
        assert_eq!(reprint(src), "memory 1\nexport \"m\" memory\n");
    }

    #[test]
    fn numbering_is_kept() {
        let src =
            "func @f(i32) -> i32 {\nblock5(v9: i32):\n    jump block2(v9)\nblock2(v3: i32):\n    \
                   return v3\n}\n";
        let m = parse_module(src).unwrap();
        let body = m.funcs[FuncId::new(0)].body().unwrap();
        assert_eq!(body.values.len(), 10);
        assert_eq!(body.blocks.len(), 6);
        assert_eq!(body.layout, [crate::Block::new(5), crate::Block::new(2)]);
        assert_eq!(print_function(&m, FuncId::new(0)), src);
        assert_eq!(m.to_string(), src);
    }
}

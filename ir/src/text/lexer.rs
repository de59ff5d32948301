//! The `.zir` lexer (logos). Whitespace and `;` comments are skipped; newlines are tokens
//! because the format is line-based, and [`Lexer`] folds runs of them into one.

use crate::types::Type;
use logos::Logos;

/// A lexical or semantic error at a byte offset of the input.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Located {
    pub pos: usize,
    pub message: String,
}

impl Located {
    pub fn new(pos: usize, message: impl Into<String>) -> Self {
        Located {
            pos,
            message: message.into(),
        }
    }
}

/// The error of a single token; its position is added by [`Lexer`].
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct LexError(pub String);

impl LexError {
    fn from_lexer<'a>(lex: &mut logos::Lexer<'a, Tok<'a>>) -> Self {
        match lex.slice().chars().next() {
            Some(c) => LexError(format!("unexpected character {c:?}")),
            None => LexError("unexpected end of input".into()),
        }
    }
}

#[derive(Logos, Clone, Debug, PartialEq)]
#[logos(error(LexError, LexError::from_lexer))]
#[logos(skip r"[ \t\r]+")]
#[logos(skip(r";[^\n]*", allow_greedy = true))]
pub enum Tok<'a> {
    #[token("\n")]
    Newline,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token("=")]
    Eq,
    #[token("->")]
    Arrow,

    #[token("type")]
    KwType,
    #[token("memory")]
    KwMemory,
    #[token("max")]
    KwMax,
    #[token("import")]
    KwImport,
    #[token("table")]
    KwTable,
    #[token("global")]
    KwGlobal,
    #[token("mut")]
    KwMut,
    #[token("data")]
    KwData,
    #[token("active")]
    KwActive,
    #[token("passive")]
    KwPassive,
    #[token("declared")]
    KwDeclared,
    #[token("elem")]
    KwElem,
    #[token("func")]
    KwFunc,
    #[token("export")]
    KwExport,
    #[token("start")]
    KwStart,
    #[token("null")]
    KwNull,
    #[token("offset")]
    KwOffset,
    #[token("notrap")]
    KwNotrap,
    #[token("jump")]
    KwJump,
    #[token("brif")]
    KwBrif,
    #[token("br_table")]
    KwBrTable,
    #[token("return")]
    KwReturn,
    #[token("trap")]
    KwTrap,
    #[token("call")]
    KwCall,
    #[token("call_indirect")]
    KwCallIndirect,
    #[token("global.get")]
    KwGlobalGet,
    #[token("global.set")]
    KwGlobalSet,
    #[token("memory.init")]
    KwMemoryInit,
    #[token("data.drop")]
    KwDataDrop,
    #[token("table.size")]
    KwTableSize,
    #[token("table.init")]
    KwTableInit,
    #[token("table.copy")]
    KwTableCopy,
    #[token("elem.drop")]
    KwElemDrop,
    #[token("table.get")]
    KwTableGet,
    #[token("table.set")]
    KwTableSet,
    #[token("table.grow")]
    KwTableGrow,
    #[token("table.fill")]
    KwTableFill,
    #[token("ref.func")]
    KwRefFunc,
    #[token("funcref.null", |_| Type::FuncRef)]
    #[token("externref.null", |_| Type::ExternRef)]
    RefNull(Type),

    #[token("i32", |_| Type::I32)]
    #[token("i64", |_| Type::I64)]
    #[token("f32", |_| Type::F32)]
    #[token("f64", |_| Type::F64)]
    #[token("funcref", |_| Type::FuncRef)]
    #[token("externref", |_| Type::ExternRef)]
    Type(Type),
    #[token("i32.const", |_| Type::I32)]
    #[token("i64.const", |_| Type::I64)]
    #[token("f32.const", |_| Type::F32)]
    #[token("f64.const", |_| Type::F64)]
    Const(Type),
    /// Any other dotted operation name; looked up by the parser.
    #[regex(r"[a-z][a-z0-9_]*\.[a-z0-9_.]+")]
    Mnemonic(&'a str),
    /// A bare word: a trap code, or a misspelled keyword.
    #[regex(r"[a-z_][a-z0-9_]*")]
    Word(&'a str),

    #[regex(r"v[0-9]+", |lex| number(&lex.slice()[1..]))]
    Value(u32),
    #[regex(r"block[0-9]+", |lex| number(&lex.slice()[5..]))]
    Block(u32),
    #[regex(r"sig[0-9]+", |lex| number(&lex.slice()[3..]))]
    Sig(u32),
    #[regex(r"t[0-9]+", |lex| number(&lex.slice()[1..]))]
    Table(u32),
    #[regex(r"d[0-9]+", |lex| number(&lex.slice()[1..]))]
    Data(u32),
    #[regex(r"e[0-9]+", |lex| number(&lex.slice()[1..]))]
    Elem(u32),

    /// `@0x002a`.
    #[regex(r"@0x[0-9a-fA-F]+", |lex| srcloc(lex.slice()))]
    SrcLoc(u32),
    #[regex(r"@[A-Za-z_$][A-Za-z0-9_.$]*", |lex| lex.slice()[1..].to_string())]
    #[regex(r#"@"([^"\\\n]|\\.)*""#, |lex| quoted_name(&lex.slice()[1..]))]
    FuncName(String),
    #[regex(r"%[A-Za-z_$][A-Za-z0-9_.$]*", |lex| lex.slice()[1..].to_string())]
    #[regex(r#"%"([^"\\\n]|\\.)*""#, |lex| quoted_name(&lex.slice()[1..]))]
    GlobalName(String),
    #[regex(r#""([^"\\\n]|\\.)*""#, |lex| unescape(lex.slice()))]
    Str(Vec<u8>),
    #[regex(r#"[@%]?"([^"\\\n]|\\.)*"#, unterminated)]
    Unterminated,
    /// An integer literal, checked by the parser: decimal or `0x` hex, optionally negative.
    #[regex(r"-?[0-9][0-9A-Za-z_]*")]
    Int(&'a str),
}

fn unterminated<'a>(_: &mut logos::Lexer<'a, Tok<'a>>) -> Result<(), LexError> {
    Err(LexError("unterminated string".into()))
}

fn number(digits: &str) -> Result<u32, LexError> {
    digits
        .parse()
        .map_err(|_| LexError(format!("entity number {digits} is too large")))
}

fn srcloc(s: &str) -> Result<u32, LexError> {
    u32::from_str_radix(&s[3..], 16)
        .map_err(|_| LexError(format!("source location {s} is too large")))
}

fn quoted_name(s: &str) -> Result<String, LexError> {
    String::from_utf8(unescape(s)?).map_err(|_| LexError("name is not valid UTF-8".into()))
}

/// Decodes a quoted string: `\"`, `\\` and `\xx` (two hex digits) are the escapes.
fn unescape(s: &str) -> Result<Vec<u8>, LexError> {
    let inner = &s.as_bytes()[1..s.len() - 1];
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        match inner[i..] {
            [b'\\', c @ (b'"' | b'\\'), ..] => {
                out.push(c);
                i += 2;
            }
            [b'\\', h, l, ..] if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            [b'\\', ..] => {
                return Err(LexError(
                    r#"bad escape in string: use \", \\ or \ and two hex digits"#.into(),
                ))
            }
            [c, ..] => {
                out.push(c);
                i += 1;
            }
            [] => break,
        }
    }
    Ok(out)
}

/// Turns logos' tokens into lalrpop's `(start, token, end)` triples, with located errors.
/// Runs of newlines become one, leading newlines are dropped, and a final newline is added
/// when the input lacks one, so the grammar can end every line with exactly one `Newline`.
pub struct Lexer<'a> {
    inner: logos::SpannedIter<'a, Tok<'a>>,
    len: usize,
    at_line_start: bool,
    done: bool,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Self {
        Lexer {
            inner: Tok::lexer(src).spanned(),
            len: src.len(),
            at_line_start: true,
            done: false,
        }
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Result<(usize, Tok<'a>, usize), Located>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            match self.inner.next() {
                None => {
                    self.done = true;
                    if !self.at_line_start {
                        self.at_line_start = true;
                        return Some(Ok((self.len, Tok::Newline, self.len)));
                    }
                    return None;
                }
                Some((Ok(Tok::Newline), span)) => {
                    if self.at_line_start {
                        continue;
                    }
                    self.at_line_start = true;
                    return Some(Ok((span.start, Tok::Newline, span.end)));
                }
                Some((Ok(tok), span)) => {
                    self.at_line_start = false;
                    return Some(Ok((span.start, tok, span.end)));
                }
                Some((Err(LexError(message)), span)) => {
                    self.done = true;
                    return Some(Err(Located::new(span.start, message)));
                }
            }
        }
    }
}

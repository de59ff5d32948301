//! The names of a program's labels and data declarations, as `u32` ids ([`Sym`]) into its
//! table ([`Symbols`]).
//!
//! A large program has hundreds of thousands of labels (every block, every local branch target
//! of its selected code), each one named by the instructions that branch to it. As `String`s
//! they were most of an instruction's size and an allocation each, cloned at every reference;
//! as ids an operand is 16 bytes and copying it is free. Most labels are *derived* names,
//! `{base}{tag}{n}` (block 7 of function `f12_main` is `f12_main_b7`): the table records the
//! three parts and builds the text only when something prints it (the assembly writer, an
//! error), so naming a block costs neither a `format!` nor a hash lookup.

use rustc_hash::FxHashMap;
use std::fmt;

/// A symbol: an index into its program's [`Symbols`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(pub u32);

impl Sym {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Name {
    Text(Box<str>),
    /// `{base}{tag}{n}`.
    Derived {
        base: Sym,
        tag: &'static str,
        n: u32,
    },
}

/// A program's symbol names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Symbols {
    names: Vec<Name>,
    /// The text names ([`Symbols::intern`]), each once.
    by_text: FxHashMap<Box<str>, Sym>,
}

impl Symbols {
    /// The symbol named `name`, added if it is new.
    pub fn intern(&mut self, name: &str) -> Sym {
        if let Some(&s) = self.by_text.get(name) {
            return s;
        }
        let s = self.push(Name::Text(name.into()));
        self.by_text.insert(name.into(), s);
        s
    }

    /// The symbol interned as `name`, if any (derived names are not looked up).
    pub fn get(&self, name: &str) -> Option<Sym> {
        self.by_text.get(name).copied()
    }

    /// `count` new symbols named `{base}{tag}{first}`, `{base}{tag}{first + 1}`, ...: the first
    /// of them, the others following it. The caller keeps derived names distinct (one `tag`
    /// and range of `n` per base) and apart from interned ones.
    pub fn derive(&mut self, base: Sym, tag: &'static str, first: u32, count: u32) -> Sym {
        let s = Sym(self.names.len() as u32);
        self.names
            .extend((first..first + count).map(|n| Name::Derived { base, tag, n }));
        s
    }

    /// The tag of a derived symbol ([`Symbols::derive`]), `None` for an interned one.
    pub fn tag(&self, s: Sym) -> Option<&'static str> {
        match self.names.get(s.index())? {
            Name::Derived { tag, .. } => Some(tag),
            Name::Text(_) => None,
        }
    }

    /// Room for `additional` more symbols (a Go module derives half a million labels).
    pub fn reserve(&mut self, additional: usize) {
        self.names.reserve(additional);
    }

    fn push(&mut self, name: Name) -> Sym {
        self.names.push(name);
        Sym(self.names.len() as u32 - 1)
    }

    /// How many symbols there are: every [`Sym`] of the table is below this.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The name of `s`, to print (`<undefined symbol N>` for an id out of the table).
    pub fn name(&self, s: Sym) -> SymName<'_> {
        SymName {
            table: self,
            sym: s,
        }
    }

    /// The interned symbols with their names.
    pub fn texts(&self) -> impl Iterator<Item = (&str, Sym)> {
        self.by_text.iter().map(|(t, &s)| (&**t, s))
    }

    /// The name that a derived symbol's text starts with: its base's, down the chain.
    fn root(&self, mut s: Sym) -> Option<&str> {
        loop {
            match self.names.get(s.index())? {
                Name::Text(t) => return Some(t),
                Name::Derived { base, .. } => s = *base,
            }
        }
    }

    /// Whether `s`'s name reads back as a symbol in ZisK assembly ([`is_valid_symbol`]; a
    /// derived name is valid when its root is and its tag is a non-empty run of identifier
    /// characters, so that it can be neither a register nor a keyword).
    pub fn is_valid(&self, s: Sym) -> bool {
        let tag_ok =
            |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
        match self.names.get(s.index()) {
            Some(Name::Text(t)) => is_valid_symbol(t),
            Some(Name::Derived { tag, .. }) => {
                tag_ok(tag) && self.root(s).is_some_and(is_valid_symbol)
            }
            None => false,
        }
    }
}

/// A symbol's name, printed on demand ([`Symbols::name`]).
#[derive(Copy, Clone)]
pub struct SymName<'a> {
    table: &'a Symbols,
    sym: Sym,
}

impl fmt::Display for SymName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.table.names.get(self.sym.index()) {
            Some(Name::Text(t)) => f.write_str(t),
            Some(Name::Derived { base, tag, n }) => {
                write!(f, "{}{tag}{n}", self.table.name(*base))
            }
            None => write!(f, "<undefined symbol {}>", self.sym.0),
        }
    }
}

/// Whether `name` reads back as a symbol in ZisK assembly (parser.rs `is_identifier`, and not
/// an operand keyword or register).
fn is_valid_symbol(name: &str) -> bool {
    let bytes = name.as_bytes();
    let ident = matches!(bytes.first(), Some(c) if c.is_ascii_alphabetic() || *c == b'_')
        && bytes
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_');
    let is_reg = bytes.len() >= 2 && bytes[0] == b'r' && bytes[1..].iter().all(u8::is_ascii_digit);
    ident && !is_reg && !matches!(name, "a" | "c" | "step" | "sp" | "end" | "const")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interned_names_are_shared_and_derived_ones_print_their_parts() {
        let mut t = Symbols::default();
        let f = t.intern("f3_main");
        assert_eq!(t.intern("f3_main"), f);
        let b = t.derive(f, "_b", 0, 3);
        let l = t.derive(f, "_l", 1, 2);
        assert_eq!(t.name(Sym(b.0 + 2)).to_string(), "f3_main_b2");
        assert_eq!(t.name(l).to_string(), "f3_main_l1");
        assert_eq!(t.name(Sym(l.0 + 1)).to_string(), "f3_main_l2");
        assert_eq!(t.len(), 6);
        assert_eq!(t.get("f3_main"), Some(f));
        assert_eq!(t.get("f3_main_b2"), None);
        assert_eq!(t.name(Sym(99)).to_string(), "<undefined symbol 99>");
    }

    #[test]
    fn validity_of_derived_names_follows_their_root() {
        let mut t = Symbols::default();
        let good = t.intern("f1_x");
        let bad = t.intern("1f");
        let reg = t.intern("r1");
        let d_good = t.derive(good, "_b", 0, 1);
        let d_bad = t.derive(bad, "_b", 0, 1);
        let d_tag = t.derive(good, ".b", 0, 1);
        let d_empty = t.derive(good, "", 0, 1);
        assert!(t.is_valid(good) && t.is_valid(d_good));
        assert!(!t.is_valid(bad) && !t.is_valid(d_bad));
        assert!(!t.is_valid(reg));
        assert!(!t.is_valid(d_tag) && !t.is_valid(d_empty));
        assert!(!t.is_valid(Sym(100)));
    }
}

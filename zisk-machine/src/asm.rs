//! The ZisK assembly writer: a [`Program`] as the `.zisk` text that `ziskemu -z` assembles.
//!
//! Syntax from zisk-asm 1.4.0-alpha `ziskasm.md` and `parser.rs`. The parser has two limits
//! the writer works around: two labels may not name the same instruction (the later ones are
//! written as aliases of the first), and a label may not precede a data declaration (all
//! declarations are written first; their position in the text does not change the layout,
//! which depends only on their order).

use rustc_hash::FxHashMap as HashMap;
use std::fmt::Write;

use crate::inst::{ASrc, BSrc, Store};
use crate::mem_map::MAX_REG;
use crate::program::{
    inst_addr, DataDecl, Flow, InstKind, Item, LayoutError, OpInst, Program, Target, Value,
};
use crate::sym::{Sym, SymName, Symbols};

/// Writes `program` as ZisK assembly.
pub fn write_asm(program: &Program) -> Result<String, LayoutError> {
    write_asm_with_margin(program, &mut |_| String::new())
}

/// Writes `program` as ZisK assembly with `margin(pc)` before each instruction's line, `pc`
/// being where the laid-out program holds it (when `program` has its `_start` first, as
/// [`Program::with_launcher`] gives it): `zkc run --annotate` puts each instruction's cost there.
pub fn write_asm_with_margin(
    program: &Program,
    margin: &mut dyn FnMut(u64) -> String,
) -> Result<String, LayoutError> {
    let aliases = label_aliases(program)?;
    let tables = table_addresses(program)?;
    let w = Writer {
        names: &program.symbols,
        aliases: &aliases,
        tables: &tables,
    };
    let mut out = String::from("; ZisK assembly written by zkc\n");
    for item in &program.items {
        if let Item::Data(d) = item {
            out += &w.data(d)?;
            out.push('\n');
        }
    }
    let mut index = 0;
    for item in &program.items {
        match item {
            Item::Label(l) if !aliases.contains_key(l) => {
                if !program.symbols.is_valid(*l) {
                    return Err(LayoutError::BadSymbolName(program.name(*l).to_string()));
                }
                writeln!(out, "{}:", program.name(*l)).expect("writing to a String");
            }
            Item::Label(_) | Item::Data(_) => {}
            Item::Inst { kind, comment, .. } => {
                out += &margin(inst_addr(index));
                index += 1;
                out.push('\t');
                out += &w.inst(kind)?;
                if let Some(c) = comment {
                    out += " ; ";
                    out += &c.replace(['\n', '\r'], " ");
                }
                out.push('\n');
            }
        }
    }
    Ok(out)
}

/// Labels that name the same instruction as an earlier label, mapped to that label.
fn label_aliases(program: &Program) -> Result<HashMap<Sym, Sym>, LayoutError> {
    let mut first_at: HashMap<usize, Sym> = HashMap::default();
    let mut aliases = HashMap::default();
    for (label, index) in program.labels()? {
        let first = *first_at.entry(index).or_insert(label);
        if first != label {
            aliases.insert(label, first);
        }
    }
    Ok(aliases)
}

/// Operand syntax with the symbols' `names`; labels that alias an earlier one are written as
/// that one.
pub struct Writer<'a> {
    pub names: &'a Symbols,
    pub aliases: &'a HashMap<Sym, Sym>,
    /// The address of each jump table ([`InstKind::TableJump`]).
    pub tables: &'a HashMap<Sym, u64>,
}

/// The addresses of the jump tables the program jumps through, from its layout (the
/// assembler's, [`Program::place`]): the assembler takes only numbers as indirect offsets. A
/// program without an entry, which no assembler lays out (a function printed on its own), has
/// none: its jumps name their tables instead.
fn table_addresses(program: &Program) -> Result<HashMap<Sym, u64>, LayoutError> {
    let tables: Vec<Sym> = (program.items.iter())
        .filter_map(|i| match i {
            Item::Inst {
                kind: InstKind::TableJump(t),
                ..
            } => Some(*t),
            _ => None,
        })
        .collect();
    if tables.is_empty() {
        return Ok(HashMap::default());
    }
    let placed = match program.place() {
        Ok(placed) => placed,
        Err(LayoutError::NoEntry) => return Ok(HashMap::default()),
        Err(e) => return Err(e),
    };
    (tables.into_iter())
        .map(|t| match placed.address(t) {
            Some(a) => Ok((t, a)),
            None => Err(LayoutError::UndefinedSymbol(program.name(t).to_string())),
        })
        .collect()
}

impl Writer<'_> {
    fn symbol(&self, s: Sym) -> SymName<'_> {
        self.names.name(self.aliases.get(&s).copied().unwrap_or(s))
    }

    pub fn value(&self, v: &Value) -> Result<String, LayoutError> {
        Ok(match v {
            Value::Lit(n) if *n < 10 => n.to_string(),
            Value::Lit(n) => format!("0x{n:x}"),
            Value::Sym(s, 0) => self.symbol(*s).to_string(),
            Value::Sym(s, off) => format!("{} {}", self.symbol(*s), signed_offset(*off)?),
        })
    }

    pub fn reg(r: u8) -> Result<String, LayoutError> {
        if r > MAX_REG {
            return Err(LayoutError::BadRegister(r));
        }
        Ok(format!("r{r}"))
    }

    pub fn ind(width: u8, off: i64) -> Result<String, LayoutError> {
        if !matches!(width, 1 | 2 | 4 | 8) {
            return Err(LayoutError::BadIndWidth(width));
        }
        Ok(match off {
            0 => format!("{width}[a]"),
            _ => format!("{width}[a {}]", signed_offset(off)?),
        })
    }

    pub fn target(&self, t: &Target) -> String {
        match t {
            Target::Label(l) => self.symbol(*l).to_string(),
            Target::Offset(o) => o.to_string(),
        }
    }

    fn inst(&self, kind: &InstKind) -> Result<String, LayoutError> {
        Ok(match kind {
            InstKind::Op(o) => self.op(o)?,
            InstKind::Call(l) => format!("call {}", self.symbol(*l)),
            InstKind::Ret => "ret".to_string(),
            InstKind::Jump(l) => format!("jump({})", self.symbol(*l)),
            InstKind::RetToBios => "ret_to_bios".to_string(),
            InstKind::TableJump(t) => match self.tables.get(t) {
                Some(&a) => self.op(&OpInst::table_jump(a))?,
                None => format!("copyb(r2, 8[a + {}]), setpc(0)", self.symbol(*t)),
            },
        })
    }

    fn op(&self, o: &OpInst) -> Result<String, LayoutError> {
        let a = match &o.a {
            ASrc::C => "c".to_string(),
            ASrc::Step => "step".to_string(),
            ASrc::Reg(r) => Self::reg(*r)?,
            ASrc::Mem(v) => format!("[{}]", self.value(v)?),
            ASrc::Imm(v) => self.value(v)?,
        };
        let b = match &o.b {
            BSrc::C => "c".to_string(),
            BSrc::Reg(r) => Self::reg(*r)?,
            BSrc::Mem(v) => format!("[{}]", self.value(v)?),
            BSrc::Imm(v) => self.value(v)?,
            BSrc::Ind(off) => Self::ind(o.ind_width, *off)?,
        };
        let store = match &o.store {
            Store::None => None,
            Store::Reg(r) => Some(Self::reg(*r)?),
            Store::Mem(v) => Some(format!("[{}]", self.value(v)?)),
            Store::Ind(off) => Some(Self::ind(o.ind_width, *off)?),
        };
        Ok(op_text(
            o.op.name(),
            &a,
            &b,
            store.as_deref(),
            &o.flow,
            o.end,
            &|t| self.target(t),
        ))
    }

    fn data(&self, d: &DataDecl) -> Result<String, LayoutError> {
        let name = self.names.name(d.name);
        if !self.names.is_valid(d.name) {
            return Err(LayoutError::BadSymbolName(name.to_string()));
        }
        if d.words.len() > d.len || d.len == 0 {
            return Err(LayoutError::BadDataSize(name.to_string()));
        }
        let constness = if d.is_const { "const " } else { "" };
        let mut s = format!("{constness}u64 {name}[{}]", d.len);
        let significant = d
            .words
            .iter()
            .rposition(|v| *v != Value::Lit(0))
            .map_or(0, |i| i + 1);
        if significant > 0 {
            let values: Result<Vec<String>, _> = d.words[..significant]
                .iter()
                .map(|v| self.value(v))
                .collect();
            s += " = ";
            s += &values?.join(", ");
        }
        Ok(s)
    }
}

/// The text of one operation from its operands' texts, `op(a, b) -> store, j(taken)`: the one
/// home of that syntax, for the assembly and for the backend's dumps of code over vregs.
pub fn op_text(
    op: &str,
    a: &str,
    b: &str,
    store: Option<&str>,
    flow: &Flow,
    end: bool,
    target: &dyn Fn(&Target) -> String,
) -> String {
    let mut s = format!("{op}({a}, {b})");
    if let Some(store) = store {
        write!(s, " -> {store}").expect("writing to a String");
    }
    match flow {
        Flow::Next => {}
        Flow::Branch {
            taken,
            not_taken: Target::Offset(4),
        } => write!(s, ", j({})", target(taken)).expect("writing to a String"),
        Flow::Branch { taken, not_taken } => {
            write!(s, ", j({}, {})", target(taken), target(not_taken)).expect("writing to a String")
        }
        Flow::SetPc(off) => write!(s, ", setpc({off})").expect("writing to a String"),
    }
    if end {
        s += ", end";
    }
    s
}

/// `+ N` or `- N`; `i64::MIN` has no positive counterpart the parser accepts.
fn signed_offset(off: i64) -> Result<String, LayoutError> {
    match off {
        i64::MIN => Err(LayoutError::NotWritable(format!("offset {off}"))),
        o if o < 0 => Ok(format!("- {}", -o)),
        o => Ok(format!("+ {o}")),
    }
}

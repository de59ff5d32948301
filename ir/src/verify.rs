//! The verifier: checks that a module is well-formed IR.
//!
//! It checks types (every operation's operands and results against `Module::op_types`, block
//! arguments against block parameters, returns against the signature), SSA (each value defined
//! exactly once, every use dominated by its definition), structure (each block in the layout
//! once, each with a terminator, branch targets in the layout, entry parameters equal to the
//! function's parameters) and module-level references (exports, start, segments, initializers).
//!
//! As in Cranelift (`cranelift/codegen/src/verifier`), a verifier failure after a pass is a
//! compiler bug, not a property of the user's program: the driver reports it as such.

use crate::cfg::ControlFlow;
use crate::entities::{Block, FuncId, Inst, Value};
use crate::function::{Function, TermKind, ValueDef};
use crate::module::{ConstExpr, DataMode, ElemMode, ExportKind, GlobalInit, Module};
use crate::types::{Signature, Type};
use cranelift_entity::SecondaryMap;
use smallvec::SmallVec;
use std::fmt;

/// Where a verifier error was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Module,
    Func(String),
    Block(String, Block),
    Inst(String, Block, usize),
    Terminator(String, Block),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierError {
    pub location: Location,
    pub message: String,
}

impl fmt::Display for VerifierError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match &self.location {
            Location::Module => write!(f, "module: {}", self.message),
            Location::Func(n) => write!(f, "@{n}: {}", self.message),
            Location::Block(n, b) => write!(f, "@{n} {b}: {}", self.message),
            Location::Inst(n, b, i) => write!(f, "@{n} {b} inst {i}: {}", self.message),
            Location::Terminator(n, b) => write!(f, "@{n} {b} terminator: {}", self.message),
        }
    }
}

/// All errors found in one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierErrors(pub Vec<VerifierError>);

impl fmt::Display for VerifierErrors {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for VerifierErrors {}

/// Verifies the whole module.
pub fn verify_module(module: &Module) -> Result<(), VerifierErrors> {
    use rayon::prelude::*;
    let mut errors = Vec::new();
    verify_decls(module, &mut errors);
    // Functions are verified side by side, their errors listed in module order (the same
    // report whatever the number of threads).
    let ids: Vec<FuncId> = module.funcs.keys().collect();
    let per_func: Vec<Vec<VerifierError>> = ids
        .par_iter()
        .map(|&id| {
            let mut errors = Vec::new();
            verify_function_into(module, id, &mut errors);
            errors
        })
        .collect();
    errors.extend(per_func.into_iter().flatten());
    if errors.is_empty() {
        Ok(())
    } else {
        Err(VerifierErrors(errors))
    }
}

/// Verifies one function.
pub fn verify_function(module: &Module, func: FuncId) -> Result<(), VerifierErrors> {
    let mut errors = Vec::new();
    verify_function_into(module, func, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(VerifierErrors(errors))
    }
}

fn module_err(errors: &mut Vec<VerifierError>, message: String) {
    errors.push(VerifierError {
        location: Location::Module,
        message,
    });
}

fn verify_decls(m: &Module, errors: &mut Vec<VerifierError>) {
    fn const_ty(m: &Module, e: &ConstExpr) -> Result<Type, String> {
        match e {
            ConstExpr::Value { ty, .. } => Ok(*ty),
            ConstExpr::GlobalGet(g) => match m.globals.get(*g) {
                Some(d) if matches!(d.init, GlobalInit::Import(_)) && !d.mutable => Ok(d.ty),
                Some(d) => Err(format!(
                    "initializer reads %{}, not an immutable import",
                    d.name
                )),
                None => Err(format!("initializer reads unknown global {g}")),
            },
            ConstExpr::RefNull(ty) if ty.is_ref() => Ok(*ty),
            ConstExpr::RefNull(ty) => Err(format!("{ty}.null: {ty} is not a reference type")),
            ConstExpr::RefFunc(f) if m.funcs.is_valid(*f) => Ok(Type::FuncRef),
            ConstExpr::RefFunc(f) => Err(format!("ref.func of unknown function {f}")),
            ConstExpr::Binary { op, ty, args } => {
                let name = format!("{ty}.{}", op.name());
                if !ConstExpr::binary_allowed(*op, *ty) {
                    return Err(format!("{name} is not a constant operation"));
                }
                for a in args.iter() {
                    let t = const_ty(m, a)?;
                    if t != *ty {
                        return Err(format!("{t} operand of {name}"));
                    }
                }
                Ok(*ty)
            }
        }
    }
    let const_ty = |e: &ConstExpr| const_ty(m, e);
    let mut names = std::collections::HashSet::new();
    for (_, f) in m.funcs.iter() {
        if !names.insert(f.name.as_str()) {
            module_err(errors, format!("function name @{} is used twice", f.name));
        }
    }
    let mut names = std::collections::HashSet::new();
    for (_, g) in m.globals.iter() {
        if !names.insert(g.name.as_str()) {
            module_err(errors, format!("global name %{} is used twice", g.name));
        }
        if let GlobalInit::Const(e) = &g.init {
            match const_ty(e) {
                Ok(t) if t == g.ty => {}
                Ok(t) => module_err(
                    errors,
                    format!("global %{}: {t} initializer for a {}", g.name, g.ty),
                ),
                Err(msg) => module_err(errors, format!("global %{}: {msg}", g.name)),
            }
        }
    }
    for (id, d) in m.data.iter() {
        if let DataMode::Active { offset } = &d.mode {
            if m.memory.is_none() {
                module_err(
                    errors,
                    format!("{id} is active but the module has no memory"),
                );
            }
            match const_ty(offset) {
                Ok(Type::I32) => {}
                Ok(t) => module_err(errors, format!("{id}: offset is {t}, not i32")),
                Err(msg) => module_err(errors, format!("{id}: {msg}")),
            }
        }
    }
    for (id, t) in m.tables.iter() {
        if !t.ty.is_ref() {
            module_err(errors, format!("{id}: {} is not a reference type", t.ty));
        }
    }
    for (id, e) in m.elems.iter() {
        if let ElemMode::Active { table, offset } = &e.mode {
            match m.tables.get(*table) {
                None => module_err(errors, format!("{id}: unknown table {table}")),
                Some(t) if t.ty != Type::FuncRef && e.items.iter().any(|i| i.is_some()) => {
                    module_err(
                        errors,
                        format!("{id} holds functions, table {table} holds {}", t.ty),
                    )
                }
                Some(_) => {}
            }
            match const_ty(offset) {
                Ok(Type::I32) => {}
                Ok(t) => module_err(errors, format!("{id}: offset is {t}, not i32")),
                Err(msg) => module_err(errors, format!("{id}: {msg}")),
            }
        }
        for f in e.items.iter().flatten() {
            if !m.funcs.is_valid(*f) {
                module_err(errors, format!("{id}: unknown function {f}"));
            }
        }
    }
    for ex in &m.exports {
        let ok = match ex.kind {
            ExportKind::Func(f) => m.funcs.is_valid(f),
            ExportKind::Global(g) => m.globals.is_valid(g),
            ExportKind::Memory => m.memory.is_some(),
            ExportKind::Table(t) => m.tables.is_valid(t),
        };
        if !ok {
            module_err(errors, format!("export \"{}\" names nothing", ex.name));
        }
    }
    if let Some(s) = m.start {
        match m.funcs.get(s) {
            Some(d) if d.sig == Signature::default() => {}
            Some(d) => module_err(
                errors,
                format!("start function @{} must be () -> ()", d.name),
            ),
            None => module_err(errors, format!("start function {s} does not exist")),
        }
    }
}

struct FuncVerifier<'a> {
    module: &'a Module,
    name: &'a str,
    func: &'a Function,
    errors: &'a mut Vec<VerifierError>,
    /// The block and position (index in the block; params at -1) that defines each value.
    def_site: SecondaryMap<Value, Option<(Block, isize)>>,
}

fn verify_function_into(module: &Module, id: FuncId, errors: &mut Vec<VerifierError>) {
    let decl = &module.funcs[id];
    let Some(func) = decl.body() else {
        return;
    };
    let mut v = FuncVerifier {
        module,
        name: &decl.name,
        func,
        errors,
        def_site: SecondaryMap::new(),
    };
    v.run(&decl.sig);
}

impl FuncVerifier<'_> {
    fn err(&mut self, location: Location, message: String) {
        self.errors.push(VerifierError { location, message });
    }

    fn run(&mut self, sig: &Signature) {
        let name = self.name.to_string();
        let func = self.func;
        let Some(entry) = func.entry() else {
            self.err(Location::Func(name), "function has no blocks".into());
            return;
        };
        let entry_tys: Vec<Type> = func.blocks[entry]
            .params
            .iter()
            .map(|&p| func.value_type(p))
            .collect();
        if entry_tys != sig.params {
            self.err(
                Location::Block(name.clone(), entry),
                format!(
                    "entry parameters ({}) differ from the signature {sig}",
                    list(&entry_tys)
                ),
            );
        }
        if !self.structure(&name) {
            return;
        }
        for &b in &func.layout {
            self.block(&name, b, sig);
        }
        self.dominance(&name);
    }

    /// Layout and definitions; false when later checks would be meaningless.
    fn structure(&mut self, name: &str) -> bool {
        let func = self.func;
        let mut in_layout: SecondaryMap<Block, bool> = SecondaryMap::new();
        let mut inst_seen: SecondaryMap<Inst, bool> = SecondaryMap::new();
        let mut ok = true;
        for &b in &func.layout {
            if !func.blocks.is_valid(b) {
                self.err(
                    Location::Func(name.into()),
                    format!("layout names unknown {b}"),
                );
                return false;
            }
            if in_layout[b] {
                self.err(
                    Location::Block(name.into(), b),
                    "block appears twice in the layout".into(),
                );
                ok = false;
            }
            in_layout[b] = true;
        }
        for &b in &func.layout {
            let data = &func.blocks[b];
            for (i, &p) in data.params.iter().enumerate() {
                ok &= self.define(name, p, b, -1, ValueDef::Param(b, i as u32));
            }
            for (pos, &inst) in data.insts.iter().enumerate() {
                if !func.insts.is_valid(inst) || inst_seen[inst] {
                    self.err(
                        Location::Inst(name.into(), b, pos),
                        format!("{inst} is placed twice or does not exist"),
                    );
                    ok = false;
                    continue;
                }
                inst_seen[inst] = true;
                for (i, &r) in func.insts[inst].results.iter().enumerate() {
                    ok &= self.define(name, r, b, pos as isize, ValueDef::Result(inst, i as u32));
                }
            }
            match &data.term {
                None => {
                    self.err(
                        Location::Block(name.into(), b),
                        "block has no terminator".into(),
                    );
                    ok = false;
                }
                Some(t) => {
                    for c in t.targets() {
                        if !func.blocks.is_valid(c.block) || !in_layout[c.block] {
                            self.err(
                                Location::Terminator(name.into(), b),
                                format!("branch to {} which is not in the layout", c.block),
                            );
                            ok = false;
                        }
                    }
                }
            }
        }
        ok
    }

    fn define(&mut self, name: &str, v: Value, b: Block, pos: isize, expect: ValueDef) -> bool {
        if !self.func.values.is_valid(v) {
            self.err(
                Location::Block(name.into(), b),
                format!("{v} does not exist"),
            );
            return false;
        }
        if self.def_site[v].is_some() {
            self.err(
                Location::Block(name.into(), b),
                format!("{v} is defined twice"),
            );
            return false;
        }
        if self.func.values[v].def != expect {
            self.err(
                Location::Block(name.into(), b),
                format!(
                    "{v} records the wrong definition {:?}",
                    self.func.values[v].def
                ),
            );
            return false;
        }
        self.def_site[v] = Some((b, pos));
        true
    }

    /// Checks value types; the location and description are built only for an error.
    fn check_types(
        &mut self,
        loc: impl FnOnce() -> Location,
        what: impl FnOnce() -> String,
        vals: &[Value],
        want: &[Type],
    ) {
        let func = self.func;
        let same = vals.len() == want.len()
            && vals
                .iter()
                .zip(want)
                .all(|(&v, &t)| func.value_type(v) == t);
        if !same {
            let got: Vec<Type> = vals.iter().map(|&v| func.value_type(v)).collect();
            let msg = format!(
                "{}: got ({}), expected ({})",
                what(),
                list(&got),
                list(want)
            );
            self.err(loc(), msg);
        }
    }

    fn block(&mut self, name: &str, b: Block, sig: &Signature) {
        let func = self.func;
        for (pos, &inst) in func.blocks[b].insts.iter().enumerate() {
            let data = &func.insts[inst];
            let loc = || Location::Inst(name.into(), b, pos);
            match self.module.op_types(&data.op) {
                Err(msg) => self.err(loc(), msg),
                Ok(tys) => {
                    let op = || data.op.mnemonic();
                    let args = || format!("operands of {}", op());
                    self.check_types(loc, args, &data.args, &tys.args);
                    let results = || format!("results of {}", op());
                    self.check_types(loc, results, &data.results, &tys.results);
                }
            }
        }
        let term = func.blocks[b]
            .term
            .as_ref()
            .expect("checked by structure()");
        let loc = || Location::Terminator(name.into(), b);
        let i32_ = &[Type::I32];
        match &term.kind {
            TermKind::Brif { cond, .. } => {
                self.check_types(loc, || "brif condition".into(), &[*cond], i32_)
            }
            TermKind::BrTable { index, .. } => {
                self.check_types(loc, || "br_table index".into(), &[*index], i32_)
            }
            TermKind::Return(vals) => {
                self.check_types(loc, || "return values".into(), vals, &sig.results)
            }
            TermKind::Jump(_) | TermKind::Trap(_) => {}
        }
        for c in term.targets() {
            let params = &func.blocks[c.block].params;
            let want: SmallVec<[Type; 4]> = params.iter().map(|&p| func.value_type(p)).collect();
            let what = || format!("arguments to {}", c.block);
            self.check_types(loc, what, &c.args, &want);
        }
    }

    /// Every use is dominated by its definition: same block and earlier, or a dominating block.
    fn dominance(&mut self, name: &str) {
        let func = self.func;
        let cfg = ControlFlow::compute(func);
        for &b in &func.layout {
            let data = &func.blocks[b];
            let term = data.term.as_ref().expect("checked by structure()");
            let uses = data
                .insts
                .iter()
                .enumerate()
                .flat_map(|(pos, &i)| func.insts[i].args.iter().map(move |&v| (v, pos as isize)))
                .chain(
                    term.uses()
                        .into_iter()
                        .map(|v| (v, data.insts.len() as isize)),
                );
            let mut bad = Vec::new();
            for (v, pos) in uses {
                let site = if func.values.is_valid(v) {
                    self.def_site[v]
                } else {
                    None
                };
                let ok = match site {
                    None => false,
                    Some((db, dpos)) if db == b => dpos < pos,
                    Some((db, _)) => {
                        !cfg.is_reachable(b) || (cfg.is_reachable(db) && cfg.dominates(db, b))
                    }
                };
                if !ok {
                    bad.push((v, pos, site.is_none()));
                }
            }
            for (v, pos, undefined) in bad {
                let loc = if pos == data.insts.len() as isize {
                    Location::Terminator(name.into(), b)
                } else {
                    Location::Inst(name.into(), b, pos as usize)
                };
                let msg = if undefined {
                    format!("{v} is used but not defined")
                } else {
                    format!("{v} is used where its definition does not dominate")
                };
                self.err(loc, msg);
            }
        }
    }
}

fn list(tys: &[Type]) -> String {
    tys.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
}

//! The rewrite rules, in topic lists. Each rule has a one-line `lhs ⇒ rhs` comment and a
//! one-line test below; `T` is `i32` or `i64`. There is no blanket commutativity or
//! associativity: constants are moved to the right operand and constant chains are folded,
//! which is what the other rules need. No rule's right side costs more than its left under
//! [`ZiskCost`](super::ZiskCost).

use super::lang::{Fold, Key, Konst, Zir};
use egg::{Applier, EGraph, Id, Language, Pattern, PatternAst, Rewrite, Subst, Symbol, Var};
use zkc_ir::{BinaryOp, Type};

type EG = EGraph<Zir, Fold>;

const INTS: [Type; 2] = [Type::I32, Type::I64];

/// Every rule.
pub fn all() -> Vec<Rewrite<Zir, Fold>> {
    let mut v = Vec::new();
    v.extend(algebra());
    v.extend(constants());
    v.extend(strength());
    v.extend(compare());
    v.extend(extend());
    v.extend(select());
    v
}

fn pat(s: &str) -> Pattern<Zir> {
    s.parse().unwrap_or_else(|e| panic!("pattern {s}: {e:?}"))
}

/// The pattern variable `s` (`?x`). Parsing one interns its name in egg's global symbol
/// table, behind a lock, and the conditions and computed right sides that read variables run
/// for every match: each thread keeps the few it has parsed.
fn var(s: &'static str) -> Var {
    thread_local! {
        static PARSED: std::cell::RefCell<Vec<(&'static str, Var)>> = const {
            std::cell::RefCell::new(Vec::new())
        };
    }
    PARSED.with_borrow_mut(|parsed| match parsed.iter().find(|(name, _)| *name == s) {
        Some(&(_, v)) => v,
        None => {
            let v = s.parse().unwrap();
            parsed.push((s, v));
            v
        }
    })
}

fn rw(name: String, lhs: &str, rhs: &str) -> Rewrite<Zir, Fold> {
    Rewrite::new(name, Lhs::new(lhs), pat(rhs)).unwrap()
}

/// A rule's left side: egg's pattern, searched by egg's e-matching machine, except for the
/// shapes most rules have, one operation over variables, constants and at most one operation
/// over variables and constants (`(i32.add ?a i32#0)`, `(i32.add (i32.add ?a ?b) ?c)`), whose
/// matches are read straight off the e-classes' nodes. They are the matches the machine finds,
/// in its order (per e-class of the operation, in the e-graph's order; per node of the class,
/// in order; per node of the inner operand's class, in order); the machine allocates its
/// registers and results for every e-class it searches, and on a Go module most searches find
/// nothing: this way, searching was about half as much work (issue 17).
struct Lhs {
    pat: Pattern<Zir>,
    direct: Option<Direct>,
}

/// An operation over [`Kid`]s, at most one of them an operation (itself over variables and
/// constants), and the pattern's constants in the order the kids name them.
struct Direct {
    op: Zir,
    kids: Vec<Kid>,
    consts: Vec<Zir>,
}

enum Kid {
    Var(Var),
    /// The pattern's `k`-th constant.
    Const(usize),
    Op(Zir, Vec<Kid>),
}

/// Variables bound so far.
type Env = smallvec::SmallVec<[(Var, Id); 4]>;

impl Direct {
    fn of(ast: &[egg::ENodeOrVar<Zir>]) -> Option<Direct> {
        let egg::ENodeOrVar::ENode(op) = ast.last()? else {
            return None;
        };
        if op.is_leaf() {
            return None;
        }
        let mut d = Direct {
            op: op.clone(),
            kids: Vec::new(),
            consts: Vec::new(),
        };
        let mut nested = false;
        for &c in op.children() {
            let kid = match &ast[usize::from(c)] {
                egg::ENodeOrVar::ENode(inner) if !inner.is_leaf() && !nested => {
                    nested = true;
                    let mut kids = Vec::new();
                    for &g in inner.children() {
                        kids.push(d.flat(&ast[usize::from(g)])?);
                    }
                    Kid::Op(inner.clone(), kids)
                }
                n => d.flat(n)?,
            };
            d.kids.push(kid);
        }
        Some(d)
    }

    /// A variable or a constant.
    fn flat(&mut self, n: &egg::ENodeOrVar<Zir>) -> Option<Kid> {
        match n {
            egg::ENodeOrVar::Var(v) => Some(Kid::Var(*v)),
            egg::ENodeOrVar::ENode(k @ Zir::Const(_)) => {
                self.consts.push(k.clone());
                Some(Kid::Const(self.consts.len() - 1))
            }
            egg::ENodeOrVar::ENode(_) => None,
        }
    }

    /// The classes of the pattern's constants; `None` when one is not in the e-graph (then
    /// nothing matches).
    fn const_classes(&self, eg: &EG) -> Option<smallvec::SmallVec<[Id; 3]>> {
        self.consts.iter().map(|n| eg.lookup(n.clone())).collect()
    }

    /// Whether the variables and constants of `kids` fit `ids`, binding the new variables.
    fn fits(kids: &[Kid], ids: &[Id], consts: &[Id], eg: &EG, env: &mut Env) -> bool {
        kids.iter().zip(ids).all(|(k, &id)| match k {
            Kid::Var(v) => match env.iter().find(|(w, _)| w == v) {
                Some(&(_, bound)) => eg.find(bound) == eg.find(id),
                None => {
                    env.push((*v, id));
                    true
                }
            },
            Kid::Const(c) => consts[*c] == eg.find(id),
            Kid::Op(..) => true,
        })
    }

    fn search_eclass<'a>(
        &self,
        pat: &'a Pattern<Zir>,
        eg: &EG,
        eclass: Id,
        consts: &[Id],
        limit: usize,
    ) -> Option<egg::SearchMatches<'a, Zir>> {
        let subst = |env: &Env| {
            let mut s = Subst::with_capacity(env.len());
            for &(v, id) in env {
                s.insert(v, id);
            }
            s
        };
        let nested = self.kids.iter().enumerate().find_map(|(k, kid)| match kid {
            Kid::Op(op, kids) => Some((k, op, kids)),
            _ => None,
        });
        let mut substs = Vec::new();
        'nodes: for node in eg[eclass].nodes.iter().filter(|n| n.matches(&self.op)) {
            let mut env = Env::new();
            if !Direct::fits(&self.kids, node.children(), consts, eg, &mut env) {
                continue;
            }
            let Some((k, op, kids)) = nested else {
                if substs.len() == limit {
                    break;
                }
                substs.push(subst(&env));
                continue;
            };
            for inner in eg[node.children()[k]]
                .nodes
                .iter()
                .filter(|n| n.matches(op))
            {
                let mut env = env.clone();
                if Direct::fits(kids, inner.children(), consts, eg, &mut env) {
                    if substs.len() == limit {
                        break 'nodes;
                    }
                    substs.push(subst(&env));
                }
            }
        }
        (!substs.is_empty()).then(|| egg::SearchMatches {
            eclass,
            substs,
            ast: Some(std::borrow::Cow::Borrowed(&pat.ast)),
        })
    }
}

impl Lhs {
    fn new(s: &str) -> Lhs {
        let pat = pat(s);
        let direct = Direct::of(pat.ast.as_ref());
        Lhs { pat, direct }
    }
}

impl egg::Searcher<Zir, Fold> for Lhs {
    fn search_eclass_with_limit(
        &self,
        eg: &EG,
        eclass: Id,
        limit: usize,
    ) -> Option<egg::SearchMatches<'_, Zir>> {
        match &self.direct {
            None => self.pat.search_eclass_with_limit(eg, eclass, limit),
            Some(d) => d.search_eclass(&self.pat, eg, eclass, &d.const_classes(eg)?, limit),
        }
    }

    fn search_with_limit(&self, eg: &EG, mut limit: usize) -> Vec<egg::SearchMatches<'_, Zir>> {
        let Some(d) = &self.direct else {
            return self.pat.search_with_limit(eg, limit);
        };
        let (Some(ids), Some(consts)) =
            (eg.classes_for_op(&d.op.discriminant()), d.const_classes(eg))
        else {
            return vec![];
        };
        let mut out = Vec::new();
        for id in ids {
            if limit == 0 {
                break;
            }
            if let Some(m) = d.search_eclass(&self.pat, eg, id, &consts, limit) {
                limit -= m.substs.len();
                out.push(m);
            }
        }
        out
    }

    fn get_pattern_ast(&self) -> Option<&PatternAst<Zir>> {
        Some(&self.pat.ast)
    }

    fn vars(&self) -> Vec<Var> {
        self.pat.vars()
    }
}

type Cond = fn(&EG, &Subst) -> bool;

/// `lhs ⇒ rhs` when `cond` holds.
fn rw_if(name: String, lhs: &str, rhs: &str, cond: Cond) -> Rewrite<Zir, Fold> {
    let c = move |eg: &mut EG, _: Id, s: &Subst| cond(eg, s);
    Rewrite::new(
        name,
        Lhs::new(lhs),
        egg::ConditionalApplier {
            condition: c,
            applier: pat(rhs),
        },
    )
    .unwrap()
}

/// An applier that computes its right side, with the shape of what it builds: the operation
/// over the matched operands and new constants (a bare variable when it only picks an operand).
/// The shape is what egg shows as the rule's right side and what the e-graph pass reads to know
/// which operations a rule can add ([`super::Rules`]).
struct Compute {
    f: fn(&mut EG, &Subst) -> Option<Id>,
    builds: Pattern<Zir>,
}

impl Applier<Zir, Fold> for Compute {
    fn get_pattern_ast(&self) -> Option<&PatternAst<Zir>> {
        Some(&self.builds.ast)
    }

    fn apply_one(
        &self,
        eg: &mut EG,
        eclass: Id,
        subst: &Subst,
        _: Option<&PatternAst<Zir>>,
        _: Symbol,
    ) -> Vec<Id> {
        match (self.f)(eg, subst) {
            Some(id) if eg.union(eclass, id) => vec![id],
            _ => vec![],
        }
    }
}

/// `lhs ⇒ f(match)`, where `f` builds what `builds` shows.
fn rw_fn(
    name: String,
    lhs: &str,
    builds: &str,
    f: fn(&mut EG, &Subst) -> Option<Id>,
) -> Rewrite<Zir, Fold> {
    let builds = pat(builds);
    Rewrite::new(name, Lhs::new(lhs), Compute { f, builds }).unwrap()
}

fn konst(eg: &EG, s: &Subst, v: &'static str) -> Option<Konst> {
    eg[s[var(v)]].data.konst
}

fn is_const(eg: &EG, s: &Subst, v: &'static str) -> bool {
    konst(eg, s, v).is_some()
}

fn is_bool(eg: &EG, s: &Subst, v: &'static str) -> bool {
    eg[s[var(v)]].data.boolean
}

fn bin(eg: &mut EG, op: BinaryOp, ty: Type, a: Id, b: Id) -> Id {
    eg.add(Zir::Op2(Key::Bin(op, ty), [a, b]))
}

fn k(eg: &mut EG, ty: Type, bits: u64) -> Id {
    eg.add(Zir::Const(Konst::new(ty, bits)))
}

/// Identities of integer arithmetic and logic.
pub fn algebra() -> Vec<Rewrite<Zir, Fold>> {
    let mut v = Vec::new();
    for t in INTS {
        let r = |n: &str, l: String, rhs: String| rw(format!("{n}-{t}"), &l, &rhs);
        // x + 0 ⇒ x
        v.push(r("add-0", format!("({t}.add ?a {t}#0)"), "?a".into()));
        // x - 0 ⇒ x
        v.push(r("sub-0", format!("({t}.sub ?a {t}#0)"), "?a".into()));
        // x - x ⇒ 0
        v.push(r("sub-self", format!("({t}.sub ?a ?a)"), format!("{t}#0")));
        // x * 0 ⇒ 0
        v.push(r("mul-0", format!("({t}.mul ?a {t}#0)"), format!("{t}#0")));
        // x * 1 ⇒ x
        v.push(r("mul-1", format!("({t}.mul ?a {t}#1)"), "?a".into()));
        // x & 0 ⇒ 0
        v.push(r("and-0", format!("({t}.and ?a {t}#0)"), format!("{t}#0")));
        // x & -1 ⇒ x
        v.push(r("and-ones", format!("({t}.and ?a {t}#-1)"), "?a".into()));
        // x & x ⇒ x
        v.push(r("and-self", format!("({t}.and ?a ?a)"), "?a".into()));
        // x | 0 ⇒ x
        v.push(r("or-0", format!("({t}.or ?a {t}#0)"), "?a".into()));
        // x | -1 ⇒ -1
        v.push(r(
            "or-ones",
            format!("({t}.or ?a {t}#-1)"),
            format!("{t}#-1"),
        ));
        // x | x ⇒ x
        v.push(r("or-self", format!("({t}.or ?a ?a)"), "?a".into()));
        // x ^ 0 ⇒ x
        v.push(r("xor-0", format!("({t}.xor ?a {t}#0)"), "?a".into()));
        // x ^ x ⇒ 0
        v.push(r("xor-self", format!("({t}.xor ?a ?a)"), format!("{t}#0")));
        // (x ^ y) ^ y ⇒ x
        v.push(r(
            "xor-xor",
            format!("({t}.xor ({t}.xor ?a ?b) ?b)"),
            "?a".into(),
        ));
        // 0 - (0 - x) ⇒ x
        v.push(r(
            "neg-neg",
            format!("({t}.sub {t}#0 ({t}.sub {t}#0 ?a))"),
            "?a".into(),
        ));
        // x + (0 - y) ⇒ x - y
        v.push(r(
            "add-neg",
            format!("({t}.add ?a ({t}.sub {t}#0 ?b))"),
            format!("({t}.sub ?a ?b)"),
        ));
        // (x + y) - y ⇒ x
        v.push(r(
            "add-sub",
            format!("({t}.sub ({t}.add ?a ?b) ?b)"),
            "?a".into(),
        ));
        // x shift-or-rotate 0 ⇒ x (for every op of the family)
        for op in ["shl", "shr_u", "shr_s", "rotl", "rotr"] {
            v.push(r(
                &format!("{op}-0"),
                format!("({t}.{op} ?a {t}#0)"),
                "?a".into(),
            ));
        }
    }
    v
}

/// Constant placement and constant chains.
pub fn constants() -> Vec<Rewrite<Zir, Fold>> {
    let mut v = Vec::new();
    for t in INTS {
        for op in ["add", "mul", "and", "or", "xor", "eq", "ne"] {
            // c op x ⇒ x op c (c constant, x not): one canonical operand order
            v.push(rw_if(
                format!("{op}-const-right-{t}"),
                &format!("({t}.{op} ?c ?x)"),
                &format!("({t}.{op} ?x ?c)"),
                |eg, s| is_const(eg, s, "?c") && !is_const(eg, s, "?x"),
            ));
        }
        for op in ["add", "mul", "and", "or", "xor"] {
            // (x op c1) op c2 ⇒ x op (c1 op c2), folded
            v.push(rw_if(
                format!("{op}-const-chain-{t}"),
                &format!("({t}.{op} ({t}.{op} ?x ?c1) ?c2)"),
                &format!("({t}.{op} ?x ({t}.{op} ?c1 ?c2))"),
                |eg, s| is_const(eg, s, "?c1") && is_const(eg, s, "?c2"),
            ));
        }
        // x - c ⇒ x + (-c): add costs 21, sub 55
        v.push(rw_fn(
            format!("sub-const-{t}"),
            &format!("({t}.sub ?x ?c)"),
            &format!("({t}.add ?x ?c)"),
            |eg, s| {
                let c = konst(eg, s, "?c")?;
                let neg = k(eg, c.ty, c.bits.wrapping_neg());
                Some(bin(eg, BinaryOp::Add, c.ty, s[var("?x")], neg))
            },
        ));
    }
    v
}

/// Cheaper operations by the ZisK cost table: shl 55 and add 21 against mul 97.
pub fn strength() -> Vec<Rewrite<Zir, Fold>> {
    let mut v = Vec::new();
    for t in INTS {
        // x * 2^k ⇒ x << k (k ≥ 1)
        v.push(rw_fn(
            format!("mul-pow2-{t}"),
            &format!("({t}.mul ?x ?c)"),
            &format!("({t}.shl ?x ?c)"),
            |eg, s| {
                let c = konst(eg, s, "?c")?;
                if c.bits < 2 || !c.bits.is_power_of_two() {
                    return None;
                }
                let sh = k(eg, c.ty, c.bits.trailing_zeros() as u64);
                Some(bin(eg, BinaryOp::Shl, c.ty, s[var("?x")], sh))
            },
        ));
        // x * -1 ⇒ 0 - x
        v.push(rw(
            format!("mul-neg1-{t}"),
            &format!("({t}.mul ?a {t}#-1)"),
            &format!("({t}.sub {t}#0 ?a)"),
        ));
        // x << 1 ⇒ x + x
        v.push(rw(
            format!("shl1-add-{t}"),
            &format!("({t}.shl ?a {t}#1)"),
            &format!("({t}.add ?a ?a)"),
        ));
        // (x << c) >>u c ⇒ x & (2^(w-c) - 1)
        v.push(rw_fn(
            format!("shl-shru-mask-{t}"),
            &format!("({t}.shr_u ({t}.shl ?x ?c) ?c)"),
            &format!("({t}.and ?x ?c)"),
            |eg, s| {
                let c = konst(eg, s, "?c")?;
                let w = c.ty.bits() as u64;
                let sh = c.bits % w;
                if sh == 0 {
                    return None;
                }
                let mask = k(eg, c.ty, u64::MAX >> (64 - (w - sh)));
                Some(bin(eg, BinaryOp::And, c.ty, s[var("?x")], mask))
            },
        ));
    }
    // (x << 24) >>s 24 ⇒ extend8_s x, and the other sign-extension idioms
    for (t, sh, ext) in [
        ("i32", 24, "extend8_s"),
        ("i32", 16, "extend16_s"),
        ("i64", 56, "extend8_s"),
        ("i64", 48, "extend16_s"),
        ("i64", 32, "extend32_s"),
    ] {
        v.push(rw(
            format!("shl-shrs-{ext}-{t}"),
            &format!("({t}.shr_s ({t}.shl ?x {t}#{sh}) {t}#{sh})"),
            &format!("({t}.{ext} ?x)"),
        ));
    }
    v
}

/// Comparisons to the forms ZisK has (ltu, lt, eq, leu, le; `_w` for i32), and boolean
/// simplification (branch conditions included: a `brif` reads an i32 like any other use).
pub fn compare() -> Vec<Rewrite<Zir, Fold>> {
    let mut v = Vec::new();
    for t in INTS {
        let r = |n: &str, l: String, rhs: String| rw(format!("{n}-{t}"), &l, &rhs);
        // a >s b ⇒ b <s a  (and gt_u, ge_s, ge_u likewise)
        for (from, to) in [
            ("gt_s", "lt_s"),
            ("gt_u", "lt_u"),
            ("ge_s", "le_s"),
            ("ge_u", "le_u"),
        ] {
            v.push(r(
                &format!("{from}-swap"),
                format!("({t}.{from} ?a ?b)"),
                format!("({t}.{to} ?b ?a)"),
            ));
        }
        // eqz (a <s b) ⇒ b <=s a  (each ordered compare negates to the swapped other one)
        for (from, to) in [
            ("lt_s", "le_s"),
            ("lt_u", "le_u"),
            ("le_s", "lt_s"),
            ("le_u", "lt_u"),
        ] {
            v.push(r(
                &format!("eqz-{from}"),
                format!("(i32.eqz ({t}.{from} ?a ?b))"),
                format!("({t}.{to} ?b ?a)"),
            ));
        }
        // eqz (a == b) ⇒ a != b
        v.push(r(
            "eqz-eq",
            format!("(i32.eqz ({t}.eq ?a ?b))"),
            format!("({t}.ne ?a ?b)"),
        ));
        // eqz (a != b) ⇒ a == b
        v.push(r(
            "eqz-ne",
            format!("(i32.eqz ({t}.ne ?a ?b))"),
            format!("({t}.eq ?a ?b)"),
        ));
        // x == 0 ⇒ eqz x
        v.push(r(
            "eq-0",
            format!("({t}.eq ?a {t}#0)"),
            format!("({t}.eqz ?a)"),
        ));
        // x <u 1 ⇒ eqz x
        v.push(r(
            "ltu-1",
            format!("({t}.lt_u ?a {t}#1)"),
            format!("({t}.eqz ?a)"),
        ));
        // x <=u 0 ⇒ eqz x
        v.push(r(
            "leu-0",
            format!("({t}.le_u ?a {t}#0)"),
            format!("({t}.eqz ?a)"),
        ));
        // eqz (a - b) ⇒ a == b
        v.push(r(
            "eqz-sub",
            format!("({t}.eqz ({t}.sub ?a ?b))"),
            format!("({t}.eq ?a ?b)"),
        ));
        // eqz (a ^ b) ⇒ a == b
        v.push(r(
            "eqz-xor",
            format!("({t}.eqz ({t}.xor ?a ?b))"),
            format!("({t}.eq ?a ?b)"),
        ));
        // x == x ⇒ 1
        v.push(r("eq-self", format!("({t}.eq ?a ?a)"), "i32#1".into()));
        // x <u x ⇒ 0
        v.push(r("ltu-self", format!("({t}.lt_u ?a ?a)"), "i32#0".into()));
        // x <s x ⇒ 0
        v.push(r("lts-self", format!("({t}.lt_s ?a ?a)"), "i32#0".into()));
    }
    // eqz (eqz b) ⇒ b, for a boolean b
    v.push(rw_if(
        "eqz-eqz-bool".into(),
        "(i32.eqz (i32.eqz ?b))",
        "?b",
        |eg, s| is_bool(eg, s, "?b"),
    ));
    // b != 0 ⇒ b, for a boolean b
    v.push(rw_if(
        "ne0-bool".into(),
        "(i32.ne ?b i32#0)",
        "?b",
        |eg, s| is_bool(eg, s, "?b"),
    ));
    // b & 1 ⇒ b, for a boolean b
    v.push(rw_if(
        "and1-bool".into(),
        "(i32.and ?b i32#1)",
        "?b",
        |eg, s| is_bool(eg, s, "?b"),
    ));
    // b ^ 1 ⇒ eqz b, for a boolean b
    v.push(rw_if(
        "xor1-bool".into(),
        "(i32.xor ?b i32#1)",
        "(i32.eqz ?b)",
        |eg, s| is_bool(eg, s, "?b"),
    ));
    v
}

/// Extensions and wraps.
pub fn extend() -> Vec<Rewrite<Zir, Fold>> {
    vec![
        // wrap (extend_u x) ⇒ x
        rw(
            "wrap-extend-u".into(),
            "(i32.wrap_i64 (i64.extend_i32_u ?x))",
            "?x",
        ),
        // wrap (extend_s x) ⇒ x
        rw(
            "wrap-extend-s".into(),
            "(i32.wrap_i64 (i64.extend_i32_s ?x))",
            "?x",
        ),
        // extend_u x & 0xffffffff ⇒ extend_u x
        rw(
            "extend-u-mask".into(),
            "(i64.and (i64.extend_i32_u ?x) i64#4294967295)",
            "(i64.extend_i32_u ?x)",
        ),
        // wrap (x & c) ⇒ wrap x & wrap c ... not a gain; wrap (extend8_s x) is not simpler either.
        // extend_s (wrap x) ⇒ extend32_s x: the same cost, one op instead of two
        rw(
            "extend-s-wrap".into(),
            "(i64.extend_i32_s (i32.wrap_i64 ?x))",
            "(i64.extend32_s ?x)",
        ),
    ]
}

/// `select`.
pub fn select() -> Vec<Rewrite<Zir, Fold>> {
    let mut v = Vec::new();
    for t in ["i32", "i64", "f32", "f64"] {
        // select a a c ⇒ a
        v.push(rw(
            format!("select-same-{t}"),
            &format!("({t}.select ?a ?a ?c)"),
            "?a",
        ));
        // select a b (eqz c) ⇒ select b a c
        v.push(rw(
            format!("select-eqz-{t}"),
            &format!("({t}.select ?a ?b (i32.eqz ?c))"),
            &format!("({t}.select ?b ?a ?c)"),
        ));
        // select a b c ⇒ a or b, for a constant c
        v.push(rw_fn(
            format!("select-const-{t}"),
            &format!("({t}.select ?a ?b ?c)"),
            "?a",
            |eg, s| {
                let c = konst(eg, s, "?c")?;
                Some(s[var(if c.bits != 0 { "?a" } else { "?b" })])
            },
        ));
    }
    // select 1 0 b ⇒ b, for a boolean b
    v.push(rw_if(
        "select-10-bool".into(),
        "(i32.select i32#1 i32#0 ?b)",
        "?b",
        |eg, s| is_bool(eg, s, "?b"),
    ));
    // select 0 1 c ⇒ eqz c
    v.push(rw(
        "select-01".into(),
        "(i32.select i32#0 i32#1 ?c)",
        "(i32.eqz ?c)",
    ));
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use egg::RecExpr;

    /// Saturates `input` with every rule and extracts the cheapest form.
    fn opt(input: &str) -> String {
        let e: RecExpr<Zir> = input.parse().unwrap();
        super::super::tests::best(&e, all().iter().collect())
    }

    fn check(input: &str, want: &str) {
        assert_eq!(opt(input), want, "{input}");
    }

    /// For every rule, on an e-graph where the rules have run (classes of several nodes,
    /// constants, operands shared), [`Lhs`]'s search finds what egg's pattern search finds, in
    /// the same order: the e-classes, and per class the same substitutions.
    #[test]
    fn the_direct_search_finds_what_egg_finds() {
        let mut eg = EG::default();
        for t in INTS {
            for e in [
                format!("({t}.add ({t}.sub v1 {t}#5) {t}#0)"),
                format!("({t}.add {t}#3 ({t}.add v2 {t}#-1))"),
                format!("({t}.sub v3 v3)"),
                format!("({t}.and ({t}.or v1 v2) {t}#-1)"),
                format!("({t}.eq ({t}.xor v1 v1) {t}#0)"),
                format!("({t}.mul ({t}.add v1 v1) {t}#8)"),
                format!("({t}.lt_u v4 ({t}.add v4 {t}#1))"),
                format!("({t}.select v1 v2 ({t}.ne v3 {t}#0))"),
            ] {
                eg.add_expr(&e.parse().unwrap());
            }
        }
        let rules = all();
        super::super::saturate(&mut eg, &rules.iter().collect::<Vec<_>>(), 10_000);
        let mut direct = 0;
        for r in &rules {
            let lhs = Lhs::new(&r.searcher.get_pattern_ast().unwrap().to_string());
            direct += lhs.direct.is_some() as usize;
            let by_egg = egg::Searcher::<Zir, Fold>::search(&lhs.pat, &eg);
            let ours = egg::Searcher::search(&lhs, &eg);
            let vars = lhs.pat.vars();
            let key = |ms: &[egg::SearchMatches<Zir>]| -> Vec<(Id, Vec<Vec<Id>>)> {
                (ms.iter())
                    .map(|m| {
                        let substs = m
                            .substs
                            .iter()
                            .map(|s| vars.iter().map(|v| s[*v]).collect());
                        (m.eclass, substs.collect())
                    })
                    .collect()
            };
            assert_eq!(key(&ours), key(&by_egg), "{}", r.name);
        }
        assert!(
            direct > rules.len() * 3 / 4,
            "{direct} of {} rules",
            rules.len()
        );
    }

    #[test]
    fn fold_add_wraps() {
        check("(i32.add i32#2147483647 i32#1)", "i32#-2147483648");
    }
    #[test]
    fn fold_shift_amount_masked() {
        check("(i32.shl i32#1 i32#33)", "i32#2");
    }
    #[test]
    fn fold_shr_s() {
        check("(i64.shr_s i64#-8 i64#1)", "i64#-4");
    }
    #[test]
    fn fold_rotl32() {
        check("(i32.rotl i32#-2147483648 i32#1)", "i32#1");
    }
    #[test]
    fn fold_clz32() {
        check("(i32.clz i32#1)", "i32#31");
    }
    #[test]
    fn fold_lt_s() {
        check("(i32.lt_s i32#-1 i32#0)", "i32#1");
    }
    #[test]
    fn fold_lt_u() {
        check("(i32.lt_u i32#-1 i32#0)", "i32#0");
    }
    #[test]
    fn fold_extend_s() {
        check("(i64.extend_i32_s i32#-1)", "i64#-1");
    }
    #[test]
    fn fold_extend_u() {
        check("(i64.extend_i32_u i32#-1)", "i64#4294967295");
    }
    #[test]
    fn fold_wrap() {
        check("(i32.wrap_i64 i64#4294967297)", "i32#1");
    }
    #[test]
    fn fold_extend8() {
        check("(i32.extend8_s i32#128)", "i32#-128");
    }
    #[test]
    fn add_0() {
        check("(i32.add v1 i32#0)", "v1");
    }
    #[test]
    fn sub_0() {
        check("(i64.sub v1 i64#0)", "v1");
    }
    #[test]
    fn sub_self() {
        check("(i32.sub v1 v1)", "i32#0");
    }
    #[test]
    fn mul_0() {
        check("(i32.mul v1 i32#0)", "i32#0");
    }
    #[test]
    fn mul_1() {
        check("(i64.mul v1 i64#1)", "v1");
    }
    #[test]
    fn and_0() {
        check("(i32.and v1 i32#0)", "i32#0");
    }
    #[test]
    fn and_ones() {
        check("(i32.and v1 i32#-1)", "v1");
    }
    #[test]
    fn and_self() {
        check("(i32.and v1 v1)", "v1");
    }
    #[test]
    fn or_0() {
        check("(i32.or v1 i32#0)", "v1");
    }
    #[test]
    fn or_ones() {
        check("(i64.or v1 i64#-1)", "i64#-1");
    }
    #[test]
    fn or_self() {
        check("(i32.or v1 v1)", "v1");
    }
    #[test]
    fn xor_0() {
        check("(i32.xor v1 i32#0)", "v1");
    }
    #[test]
    fn xor_self() {
        check("(i32.xor v1 v1)", "i32#0");
    }
    #[test]
    fn xor_xor() {
        check("(i32.xor (i32.xor v1 v2) v2)", "v1");
    }
    #[test]
    fn neg_neg() {
        check("(i32.sub i32#0 (i32.sub i32#0 v1))", "v1");
    }
    #[test]
    fn add_neg() {
        check("(i32.add v1 (i32.sub i32#0 v2))", "(i32.sub v1 v2)");
    }
    #[test]
    fn add_sub() {
        check("(i32.sub (i32.add v1 v2) v2)", "v1");
    }
    #[test]
    fn shift_0() {
        check("(i64.rotr v1 i64#0)", "v1");
    }
    #[test]
    fn const_right() {
        check("(i32.and i32#7 (i32.and v1 i32#12))", "(i32.and v1 i32#4)");
    }
    #[test]
    fn const_chain() {
        check("(i32.add (i32.add v1 i32#3) i32#4)", "(i32.add v1 i32#7)");
    }
    #[test]
    fn const_chain_left() {
        check("(i32.add i32#4 (i32.add i32#3 v1))", "(i32.add v1 i32#7)");
    }
    #[test]
    fn sub_const() {
        check("(i32.sub v1 i32#5)", "(i32.add v1 i32#-5)");
    }
    #[test]
    fn mul_pow2() {
        check("(i64.mul v1 i64#8)", "(i64.shl v1 i64#3)");
    }
    #[test]
    fn mul_2_is_add() {
        check("(i32.mul v1 i32#2)", "(i32.add v1 v1)");
    }
    #[test]
    fn mul_3_stays() {
        check("(i32.mul v1 i32#3)", "(i32.mul v1 i32#3)");
    }
    #[test]
    fn mul_neg1() {
        check("(i32.mul v1 i32#-1)", "(i32.sub i32#0 v1)");
    }
    #[test]
    fn shl1_add() {
        check("(i64.shl v1 i64#1)", "(i64.add v1 v1)");
    }
    #[test]
    fn shl_shru_mask() {
        check(
            "(i32.shr_u (i32.shl v1 i32#24) i32#24)",
            "(i32.and v1 i32#255)",
        );
    }
    #[test]
    fn shl_shrs_ext8() {
        check(
            "(i32.shr_s (i32.shl v1 i32#24) i32#24)",
            "(i32.extend8_s v1)",
        );
    }
    #[test]
    fn shl_shrs_ext32() {
        check(
            "(i64.shr_s (i64.shl v1 i64#32) i64#32)",
            "(i64.extend32_s v1)",
        );
    }
    #[test]
    fn gt_swap() {
        check("(i32.gt_u v1 v2)", "(i32.lt_u v2 v1)");
    }
    #[test]
    fn ge_swap() {
        check("(i64.ge_s v1 v2)", "(i64.le_s v2 v1)");
    }
    #[test]
    fn eqz_lt() {
        check("(i32.eqz (i32.lt_s v1 v2))", "(i32.le_s v2 v1)");
    }
    #[test]
    fn eqz_le_u() {
        check("(i32.eqz (i64.le_u v1 v2))", "(i64.lt_u v2 v1)");
    }
    #[test]
    fn eqz_eq() {
        check("(i32.eqz (i32.eq v1 v2))", "(i32.ne v1 v2)");
    }
    #[test]
    fn eqz_ne() {
        check("(i32.eqz (i32.ne v1 v2))", "(i32.eq v1 v2)");
    }
    #[test]
    fn eq_0() {
        check("(i64.eq v1 i64#0)", "(i64.eqz v1)");
    }
    #[test]
    fn ltu_1() {
        check("(i32.lt_u v1 i32#1)", "(i32.eqz v1)");
    }
    #[test]
    fn leu_0() {
        check("(i32.le_u v1 i32#0)", "(i32.eqz v1)");
    }
    #[test]
    fn eqz_sub() {
        check("(i32.eqz (i32.sub v1 v2))", "(i32.eq v1 v2)");
    }
    #[test]
    fn eqz_xor() {
        check("(i32.eqz (i32.xor v1 v2))", "(i32.eq v1 v2)");
    }
    #[test]
    fn eq_self() {
        check("(i64.eq v1 v1)", "i32#1");
    }
    #[test]
    fn ltu_self() {
        check("(i32.lt_u v1 v1)", "i32#0");
    }
    #[test]
    fn lts_self() {
        check("(i32.lt_s v1 v1)", "i32#0");
    }
    #[test]
    fn eqz_eqz_bool() {
        check("(i32.eqz (i32.eqz (i32.lt_u v1 v2)))", "(i32.lt_u v1 v2)");
    }
    #[test]
    fn eqz_eqz_int_stays() {
        check("(i32.eqz (i32.eqz v1))", "(i32.eqz (i32.eqz v1))");
    }
    #[test]
    fn ne0_bool() {
        check("(i32.ne (i64.lt_u v1 v2) i32#0)", "(i64.lt_u v1 v2)");
    }
    #[test]
    fn and1_bool() {
        check("(i32.and (i32.eq v1 v2) i32#1)", "(i32.eq v1 v2)");
    }
    #[test]
    fn xor1_bool() {
        check("(i32.xor (i32.lt_u v1 v2) i32#1)", "(i32.le_u v2 v1)");
    }
    #[test]
    fn wrap_extend_u() {
        check("(i32.wrap_i64 (i64.extend_i32_u v1))", "v1");
    }
    #[test]
    fn wrap_extend_s() {
        check("(i32.wrap_i64 (i64.extend_i32_s v1))", "v1");
    }
    #[test]
    fn extend_u_mask() {
        check(
            "(i64.and (i64.extend_i32_u v1) i64#4294967295)",
            "(i64.extend_i32_u v1)",
        );
    }
    #[test]
    fn extend_s_wrap() {
        check(
            "(i64.extend_i32_s (i32.wrap_i64 v1))",
            "(i64.extend32_s v1)",
        );
    }
    #[test]
    fn select_same() {
        check("(f64.select v1 v1 v2)", "v1");
    }
    #[test]
    fn select_eqz() {
        check("(i32.select v1 v2 (i32.eqz v3))", "(i32.select v2 v1 v3)");
    }
    #[test]
    fn select_const() {
        check("(i64.select v1 v2 i32#0)", "v2");
    }
    #[test]
    fn select_10_bool() {
        check(
            "(i32.select i32#1 i32#0 (i32.lt_s v1 v2))",
            "(i32.lt_s v1 v2)",
        );
    }
    #[test]
    fn select_01() {
        check("(i32.select i32#0 i32#1 v1)", "(i32.eqz v1)");
    }
    #[test]
    fn no_fold_of_floats() {
        check(
            "(f32.add f32#0x3f800000 f32#0x3f800000)",
            "(f32.add f32#0x3f800000 f32#0x3f800000)",
        );
    }
}

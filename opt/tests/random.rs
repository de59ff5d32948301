//! Property test: random small functions (pure integer DAGs over i32/i64 with constants, a
//! trapping division now and then, optionally a diamond) give the same results, or the same
//! trap, before and after -O1 and -O2. Our own generator (xorshift), so every failure is
//! reproducible from its seed.

use zkc_ir::interp::{Instance, Limits, NoHost, Val};
use zkc_ir::text::parse_module;
use zkc_ir::Type;
use zkc_testkit::Rng;

const INTERESTING: [i64; 12] = [0, 1, -1, 2, 3, 8, 24, 31, 32, 63, 0x8000_0000, -0x8000_0000];

struct Gen {
    rng: Rng,
    text: String,
    next: u32,
    /// Values available in the current block, with their types.
    pool: Vec<(u32, Type)>,
}

impl Gen {
    fn fresh(&mut self) -> u32 {
        self.next += 1;
        self.next - 1
    }

    fn pick_val(&mut self, ty: Type) -> u32 {
        let c: Vec<u32> = self
            .pool
            .iter()
            .filter(|p| p.1 == ty)
            .map(|p| p.0)
            .collect();
        if c.is_empty() || self.rng.below(3) == 0 {
            let k = if self.rng.below(2) == 0 {
                self.rng.pick(&INTERESTING)
            } else {
                self.rng.next_u64() as i64 >> self.rng.below(64)
            };
            let v = self.fresh();
            let k = if ty == Type::I32 { k as i32 as i64 } else { k };
            self.text.push_str(&format!("    v{v} = {ty}.const {k}\n"));
            self.pool.push((v, ty));
            v
        } else {
            self.rng.pick(&c)
        }
    }

    fn inst(&mut self) {
        let ty = if self.rng.below(2) == 0 {
            Type::I32
        } else {
            Type::I64
        };
        let bins = [
            "add", "sub", "mul", "and", "or", "xor", "shl", "shr_s", "shr_u", "rotl", "rotr",
        ];
        let cmps = [
            "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
        ];
        let (line, rty) = match self.rng.below(12) {
            0..=4 => {
                let (a, b) = (self.pick_val(ty), self.pick_val(ty));
                (format!("{ty}.{} v{a}, v{b}", self.rng.pick(&bins)), ty)
            }
            5 | 6 => {
                let (a, b) = (self.pick_val(ty), self.pick_val(ty));
                (
                    format!("{ty}.{} v{a}, v{b}", self.rng.pick(&cmps)),
                    Type::I32,
                )
            }
            7 => {
                let a = self.pick_val(ty);
                let op = self
                    .rng
                    .pick(&["eqz", "clz", "ctz", "popcnt", "extend8_s", "extend16_s"]);
                (
                    format!("{ty}.{op} v{a}"),
                    if op == "eqz" { Type::I32 } else { ty },
                )
            }
            8 => {
                let a = self.pick_val(Type::I64);
                ("i32.wrap_i64 v".to_string() + &a.to_string(), Type::I32)
            }
            9 => {
                let a = self.pick_val(Type::I32);
                let s = self.rng.pick(&["s", "u"]);
                (format!("i64.extend_i32_{s} v{a}"), Type::I64)
            }
            10 => {
                let (a, b, c) = (
                    self.pick_val(ty),
                    self.pick_val(ty),
                    self.pick_val(Type::I32),
                );
                (format!("{ty}.select v{a}, v{b}, v{c}"), ty)
            }
            _ => {
                let (a, b) = (self.pick_val(ty), self.pick_val(ty));
                let op = self.rng.pick(&["div_u", "rem_u", "div_s", "rem_s"]);
                (format!("{ty}.{op} v{a}, v{b}"), ty)
            }
        };
        let v = self.fresh();
        self.text.push_str(&format!("    v{v} = {line}\n"));
        self.pool.push((v, rty));
    }
}

/// A module with one export `f(i32, i64, i32) -> (i32, i64)`.
fn random_module(seed: u64) -> String {
    let mut g = Gen {
        rng: Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1),
        text: String::new(),
        next: 3,
        pool: vec![(0, Type::I32), (1, Type::I64), (2, Type::I32)],
    };
    g.text
        .push_str("func @f(i32, i64, i32) -> (i32, i64) {\nblock0(v0: i32, v1: i64, v2: i32):\n");
    let n = 4 + g.rng.below(16);
    for _ in 0..n {
        g.inst();
    }
    if g.rng.below(2) == 0 {
        // A diamond: both arms compute, the join receives one i32 and one i64.
        let c = g.pick_val(Type::I32);
        let entry_pool = g.pool.clone();
        g.text.push_str(&format!("    brif v{c}, block1, block2\n"));
        let mut arms = Vec::new();
        for b in 1..=2 {
            g.pool = entry_pool.clone();
            g.text.push_str(&format!("block{b}:\n"));
            for _ in 0..1 + g.rng.below(5) {
                g.inst();
            }
            let (x, y) = (g.pick_val(Type::I32), g.pick_val(Type::I64));
            arms.push((x, y));
            g.text.push_str(&format!("    jump block3(v{x}, v{y})\n"));
        }
        let (p, q) = (g.fresh(), g.fresh());
        g.pool = entry_pool;
        g.pool.push((p, Type::I32));
        g.pool.push((q, Type::I64));
        g.text.push_str(&format!("block3(v{p}: i32, v{q}: i64):\n"));
        for _ in 0..g.rng.below(5) {
            g.inst();
        }
    }
    let (x, y) = (g.pick_val(Type::I32), g.pick_val(Type::I64));
    g.text.push_str(&format!(
        "    return v{x}, v{y}\n}}\nexport \"f\" func @f\n"
    ));
    g.text
}

/// A module with one export `f(i32, i64, i32) -> (i32, i64)` that is a loop in the shape jump
/// threading looks for: a header `block1(flag, x, y, z, n)` tests its flag in a few pure
/// instructions (`and`, `eqz`, a `br_table` on `flag & 3`, or the flag itself) and the arms,
/// which read the header's parameters and results directly, count `n` down and go back with a
/// constant flag (mostly) or a computed one, or return.
fn random_loop_module(seed: u64) -> String {
    let mut g = Gen {
        rng: Rng(seed.wrapping_mul(0xd1b5_4a32_d192_ed03) | 1),
        text: String::new(),
        next: 3,
        pool: vec![(0, Type::I32), (1, Type::I64), (2, Type::I32)],
    };
    let flags: [i64; 6] = [0, 1, 2, 3, -1, 5];
    g.text
        .push_str("func @f(i32, i64, i32) -> (i32, i64) {\nblock0(v0: i32, v1: i64, v2: i32):\n");
    let (k15, n0) = (g.fresh(), g.fresh());
    g.text.push_str(&format!(
        "    v{k15} = i32.const 15\n    v{n0} = i32.and v2, v{k15}\n"
    ));
    let f0 = if g.rng.below(4) == 0 {
        0
    } else {
        let f = g.fresh();
        let k = g.rng.pick(&flags);
        g.text.push_str(&format!("    v{f} = i32.const {k}\n"));
        f
    };
    let (pf, px, py, pz, pn) = (g.fresh(), g.fresh(), g.fresh(), g.fresh(), g.fresh());
    g.text.push_str(&format!(
        "    jump block1(v{f0}, v0, v1, v2, v{n0})\nblock1(v{pf}: i32, v{px}: i32, v{py}: i64, v{pz}: i32, v{pn}: i32):\n"
    ));
    g.pool = vec![
        (pf, Type::I32),
        (px, Type::I32),
        (py, Type::I64),
        (pz, Type::I32),
        (pn, Type::I32),
    ];
    let arms = match g.rng.below(4) {
        0 => {
            let (k, t) = (g.fresh(), g.fresh());
            let mask = g.rng.pick(&[1, 2, 3]);
            g.text.push_str(&format!(
                "    v{k} = i32.const {mask}\n    v{t} = i32.and v{pf}, v{k}\n    brif v{t}, block2, block3\n"
            ));
            g.pool.push((t, Type::I32));
            2
        }
        1 => {
            let t = g.fresh();
            g.text.push_str(&format!(
                "    v{t} = i32.eqz v{pf}\n    brif v{t}, block2, block3\n"
            ));
            g.pool.push((t, Type::I32));
            2
        }
        2 => {
            let (k, t) = (g.fresh(), g.fresh());
            g.text.push_str(&format!(
                "    v{k} = i32.const 3\n    v{t} = i32.and v{pf}, v{k}\n    br_table v{t}, [block2, block3, block4], block5\n"
            ));
            g.pool.push((t, Type::I32));
            4
        }
        _ => {
            g.text
                .push_str(&format!("    brif v{pf}, block2, block3\n"));
            2
        }
    };
    let header_pool = g.pool.clone();
    let mut next_block = 2 + arms;
    for a in 0..arms {
        g.pool = header_pool.clone();
        g.text.push_str(&format!("block{}:\n", 2 + a));
        for _ in 0..g.rng.below(4) {
            g.inst();
        }
        let (one, n1, zero, c) = (g.fresh(), g.fresh(), g.fresh(), g.fresh());
        g.text.push_str(&format!(
            "    v{one} = i32.const 1\n    v{n1} = i32.sub v{pn}, v{one}\n    v{zero} = i32.const 0\n    v{c} = i32.gt_s v{pn}, v{zero}\n"
        ));
        let (back, exit) = (next_block, next_block + 1);
        next_block += 2;
        g.text.push_str(&format!(
            "    brif v{c}, block{back}, block{exit}\nblock{back}:\n"
        ));
        let arm_pool = g.pool.clone();
        let f = if g.rng.below(4) == 0 {
            g.pick_val(Type::I32)
        } else {
            let f = g.fresh();
            let k = g.rng.pick(&flags);
            g.text.push_str(&format!("    v{f} = i32.const {k}\n"));
            f
        };
        let (x, y, z) = (
            g.pick_val(Type::I32),
            g.pick_val(Type::I64),
            g.pick_val(Type::I32),
        );
        g.text.push_str(&format!(
            "    jump block1(v{f}, v{x}, v{y}, v{z}, v{n1})\nblock{exit}:\n"
        ));
        g.pool = arm_pool;
        let (x, y) = (g.pick_val(Type::I32), g.pick_val(Type::I64));
        g.text.push_str(&format!("    return v{x}, v{y}\n"));
    }
    g.text.push_str("}\nexport \"f\" func @f\n");
    g.text
}

fn run(m: &zkc_ir::Module, args: &[Val]) -> String {
    let mut inst = Instance::new(m, NoHost, Limits::with_fuel(1_000_000)).unwrap();
    match inst.invoke_export("f", args) {
        Ok(v) => format!("{:?}", v.iter().map(|x| x.bits()).collect::<Vec<_>>()),
        Err(t) => format!("trap {t}"),
    }
}

#[test]
fn random_functions_keep_their_results() {
    check_random(random_module);
}

#[test]
fn random_loops_keep_their_results() {
    let (cases, threaded) = check_random(random_loop_module);
    // Most loops are threaded through: the generator exercises what it was written for.
    assert!(
        threaded >= cases,
        "{threaded} edges threaded in {cases} loops"
    );
}

/// Optimizes `m` (generated from `text` by `seed`) at `level` and asserts that `f` gives the
/// same results on every input; returns the passes' reports.
fn optimized_alike(
    m: &zkc_ir::Module,
    text: &str,
    seed: u64,
    level: u8,
    inputs: &[Vec<Val>],
) -> Vec<zkc_opt::PassReport> {
    let mut o = m.clone();
    let reports = zkc_opt::run_pipeline(&zkc_opt::passes_for_level(level), &mut o, true)
        .unwrap_or_else(|e| panic!("seed {seed} -O{level}: {e}\n{text}"));
    for args in inputs {
        let (want, got) = (run(m, args), run(&o, args));
        assert_eq!(
            got,
            want,
            "seed {seed} -O{level} args {args:?}\n{text}\n--- optimized:\n{}",
            zkc_ir::text::print_module(&o)
        );
    }
    reports
}

/// Checks `ZKC_RANDOM_CASES` (default 400) modules; returns how many, and the edges that
/// `simplify-cfg` threaded in them at -O2.
fn check_random(generate: fn(u64) -> String) -> (u64, u64) {
    let mut threaded = 0;
    let cases: u64 = std::env::var("ZKC_RANDOM_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    let mut arg_rng = Rng(0x1234_5678_9abc_def1);
    for seed in 0..cases {
        let text = generate(seed);
        let m = parse_module(&text).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text}"));
        zkc_ir::verify::verify_module(&m).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text}"));
        let mut inputs: Vec<Vec<Val>> = Vec::new();
        for _ in 0..6 {
            let a = arg_rng.pick(&INTERESTING);
            let b = arg_rng.next_u64() as i64;
            let c = if arg_rng.below(2) == 0 {
                arg_rng.pick(&INTERESTING)
            } else {
                arg_rng.next_u64() as i64
            };
            inputs.push(vec![Val::i32(a as i32), Val::i64(b), Val::i32(c as i32)]);
        }
        for level in [1u8, 2] {
            let reports = optimized_alike(&m, &text, seed, level, &inputs);
            if level == 2 {
                threaded += reports.iter().map(|r| r.get("edges threaded")).sum::<u64>();
            }
        }
    }
    (cases, threaded)
}

/// A random memory loop over a pattern in memory: per iteration `unroll` pairs of a load from
/// `s + k*w` and a store of it at `d + k*w` (in a random order, so that some are not copies
/// in memmove's sense), the pointers stepping by `unroll * w` up or down, now and then a running
/// sum kept at a constant address (a slot) that may lie inside the copied bytes, counted by
/// one of the tests `version` reads (`c + 1 != n`, `brif c - 1`, `c + 1 <u n`). `f(d, s, n)`
/// returns a checksum of the first 1100 bytes.
fn random_memory_loop_module(seed: u64) -> String {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let w = rng.pick(&[1u32, 2, 4, 8]);
    let unroll = 1 + rng.below(3) as u32;
    let down = rng.below(5) == 0;
    let slot = (rng.below(3) == 0).then(|| 8 * rng.below(120) as u32);
    let (load, store, ty) = match w {
        1 => ("i32.load8_u", "i32.store8", "i32"),
        2 => ("i32.load16_u", "i32.store16", "i32"),
        4 => ("i32.load", "i32.store", "i32"),
        _ => ("i64.load", "i64.store", "i64"),
    };
    let mut t = String::from(
        "memory 1\nfunc @f(i32, i32, i32) -> i32 {\nblock0(v0: i32, v1: i32, v2: i32):\n    v3 = i32.const 0\n    jump block1(v3)\nblock1(v4: i32):\n    v5 = i32.const 7\n    v6 = i32.mul v4, v5\n",
    );
    t += &format!(
        "    v7 = i32.const {}\n    v8 = i32.add v6, v7\n    i32.store8 v4, v8\n    v9 = i32.const 1\n    v10 = i32.add v4, v9\n    v11 = i32.const 1100\n    v12 = i32.lt_u v10, v11\n    brif v12, block1(v10), block2\nblock2:\n    v13 = i32.const 63\n    v14 = i32.and v2, v13\n",
        rng.below(256)
    );
    let counter = rng.below(3);
    let start = if counter == 1 { "v14" } else { "v3" };
    t += &format!("    jump block3(v0, v1, {start})\nblock3(v20: i32, v21: i32, v22: i32):\n");
    let mut next = 100;
    let mut fresh = || {
        next += 1;
        next - 1
    };
    let mut order: Vec<u32> = (0..unroll).collect();
    if rng.below(2) == 0 {
        order.reverse();
    }
    for &k in &order {
        let (l, off) = (fresh(), k * w);
        t += &format!("    v{l} = {ty}.{} v21 offset={off}\n", &load[4..]);
        if let Some(a) = slot {
            let (c, x, z) = (fresh(), fresh(), fresh());
            t += &format!("    v{c} = i32.const {a}\n    v{x} = i64.load v{c}\n");
            let y = if ty == "i64" {
                l
            } else {
                let y = fresh();
                t += &format!("    v{y} = i64.extend_i32_u v{l}\n");
                y
            };
            t += &format!("    v{z} = i64.add v{x}, v{y}\n    i64.store v{c}, v{z}\n");
        }
        t += &format!("    {ty}.{} v20, v{l} offset={off}\n", &store[4..]);
    }
    let step = (unroll * w) as i64 * if down { -1 } else { 1 };
    let (k, d, s) = (fresh(), fresh(), fresh());
    t += &format!(
        "    v{k} = i32.const {step}\n    v{d} = i32.add v20, v{k}\n    v{s} = i32.add v21, v{k}\n"
    );
    let (one, c, test) = (fresh(), fresh(), fresh());
    match counter {
        0 => t += &format!("    v{one} = i32.const 1\n    v{c} = i32.add v22, v{one}\n    v{test} = i32.ne v{c}, v14\n"),
        1 => t += &format!("    v{one} = i32.const -1\n    v{c} = i32.add v22, v{one}\n    v{test} = i32.add v{c}, v3\n"),
        _ => t += &format!("    v{one} = i32.const 1\n    v{c} = i32.add v22, v{one}\n    v{test} = i32.lt_u v{c}, v14\n"),
    }
    t += &format!("    brif v{test}, block3(v{d}, v{s}, v{c}), block4(v3, v3)\n");
    t += "block4(v23: i32, v24: i32):\n    v25 = i32.load8_u v23\n    v26 = i32.const 31\n    v27 = i32.mul v24, v26\n    v28 = i32.add v27, v25\n    v29 = i32.const 1\n    v30 = i32.add v23, v29\n    v40 = i32.const 1100\n    v41 = i32.lt_u v30, v40\n    brif v41, block4(v30, v28), block5\nblock5:\n    return v28\n}\nexport \"f\" func @f\n";
    t
}

/// Random memory loops (copy loops, slots and neither) leave the same memory, or trap the
/// same, before and after -O1 and -O2, over sources and destinations that overlap either way
/// or lie apart, and lengths from 0 (a count that wraps) to 63.
#[test]
fn random_memory_loops_keep_memory() {
    let cases: u64 = std::env::var("ZKC_RANDOM_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let mut arg_rng = Rng(0x05ee_d0fc_09e5);
    let mut rewritten = 0;
    for seed in 0..cases {
        let text = random_memory_loop_module(seed);
        let m = parse_module(&text).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text}"));
        let inputs: Vec<Vec<Val>> = (0..5)
            .map(|_| {
                let d = 200 + arg_rng.below(400) as i32;
                let s = match arg_rng.below(3) {
                    0 => d + arg_rng.below(17) as i32 - 8,
                    1 => arg_rng.below(700) as i32,
                    _ => 65_500,
                };
                vec![Val::i32(d), Val::i32(s), Val::i32(arg_rng.below(64) as i32)]
            })
            .collect();
        for level in [1u8, 2] {
            rewritten += optimized_alike(&m, &text, seed, level, &inputs)
                .iter()
                .map(|r| r.get("copy loops") + r.get("slots in values"))
                .sum::<u64>();
        }
    }
    // The generator makes what it was written for.
    assert!(
        rewritten >= cases / 2,
        "{rewritten} copy loops and slots in {cases} modules"
    );
}

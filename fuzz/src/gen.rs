//! Seeded module and argument generation: a deterministic RNG fills the byte buffer that
//! `wasm-smith` reads its choices from, so a seed number names one module for ever (for this
//! wasm-smith version and these configurations).

use arbitrary::Unstructured;
use std::fmt;
use zkc_ir::interp::Val;
use zkc_ir::Type;

/// The fuel `ensure_termination` gives a module: shared by all calls of a session (it is a
/// global), decremented at every function entry and loop header.
pub const FUEL: u32 = 3000;

/// Which instructions the generator may use.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flavor {
    /// Integer MVP only: no floats, no bulk memory, sign extension, multi-value, reference types.
    Int,
    /// Floats (NaNs canonicalized by wasm-smith), bulk memory, sign extension, multi-value,
    /// saturating conversions, reference types.
    Float,
}

impl Flavor {
    pub fn name(self) -> &'static str {
        match self {
            Flavor::Int => "int",
            Flavor::Float => "float",
        }
    }

    pub fn parse(s: &str) -> Option<Flavor> {
        match s {
            "int" => Some(Flavor::Int),
            "float" => Some(Flavor::Float),
            _ => None,
        }
    }
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// SplitMix64: tiny, fast and fully determined by its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5a4b_435f_4655_5a5a)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// The wasm-smith configuration of a flavor: no imports, everything exported, one memory of at
/// most 4 pages with a maximum, and bigger functions than smith's defaults (more instructions,
/// functions, and calls between them) so that register pressure is real. Without `traps`,
/// wasm-smith masks addresses, guards divisions and conversions and leaves out `unreachable`,
/// so that calls run to their end instead of trapping in their first lines.
pub fn config(flavor: Flavor, traps: bool) -> wasm_smith::Config {
    let float = flavor == Flavor::Float;
    wasm_smith::Config {
        max_imports: 0,
        min_imports: 0,
        available_imports: None,
        export_everything: true,
        allow_start_export: true,
        min_funcs: 2,
        max_funcs: 12,
        max_instructions: 600,
        max_nesting_depth: 12,
        max_globals: 12,
        max_types: 24,
        max_data_segments: 4,
        max_element_segments: 4,
        max_elements: 16,
        max_memories: 1,
        max_memory32_bytes: 4 * 65536,
        memory_max_size_required: true,
        max_tables: 1,
        max_table_elements: 64,
        table_max_size_required: true,
        allow_floats: float,
        canonicalize_nans: float,
        bulk_memory_enabled: float,
        sign_extension_ops_enabled: float,
        multi_value_enabled: float,
        saturating_float_to_int_enabled: float,
        reference_types_enabled: float,
        extended_const_enabled: false,
        simd_enabled: false,
        relaxed_simd_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        exceptions_enabled: false,
        gc_enabled: false,
        tail_call_enabled: false,
        memory64_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        custom_descriptors_enabled: false,
        generate_custom_sections: false,
        disallow_traps: !traps,
        ..wasm_smith::Config::default()
    }
}

/// Bytes of choices per module; smith stops generating when they run out.
const BUFFER: usize = 24 * 1024;

/// The module of `seed`. Odd seeds bias the choice bytes' low bit to 1, which makes every
/// "one more?" loop of the generator (locals, params, results, functions, exports) run longer:
/// wider signatures and more live values than smith's even odds give. One seed in three may
/// trap anywhere; the others only where fuel runs out (see [`config`]).
pub fn module(seed: u64, flavor: Flavor) -> Result<Vec<u8>, String> {
    let mut rng = Rng::new(seed.wrapping_mul(2).wrapping_add(flavor as u64));
    let biased = seed % 2 == 1;
    let bytes: Vec<u8> = (0..BUFFER)
        .map(|_| {
            let r = rng.next_u64();
            let b = r as u8;
            if biased && !(r >> 32).is_multiple_of(5) {
                b | 1
            } else {
                b
            }
        })
        .collect();
    let mut u = Unstructured::new(&bytes);
    let traps = seed.is_multiple_of(3);
    let mut m =
        wasm_smith::Module::new(config(flavor, traps), &mut u).map_err(|e| e.to_string())?;
    m.ensure_termination(FUEL).map_err(|e| e.to_string())?;
    Ok(m.to_bytes())
}

const I32_EDGES: [i32; 10] = [0, 1, -1, i32::MIN, i32::MAX, 2, 31, 32, 65535, 65536];
const I64_EDGES: [i64; 10] = [
    0,
    1,
    -1,
    i64::MIN,
    i64::MAX,
    i32::MIN as i64,
    u32::MAX as i64,
    63,
    64,
    1 << 32,
];
const F64_EDGES: [f64; 12] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::MIN_POSITIVE,
    f64::MAX,
    2147483648.0,
    9_223_372_036_854_775_808.0,
    0.5,
];

/// A value of `ty` for argument set `set` of a call: set 0 is all zeros, set 1 cycles through
/// the edge values from a seeded start, later sets are edge values or random bits.
pub fn arg(rng: &mut Rng, set: usize, ty: Type) -> Option<Val> {
    let edge = set == 1 || (set > 1 && rng.below(2) == 0);
    let k = rng.next_u64() as usize;
    Some(match ty {
        Type::I32 if set == 0 => Val::i32(0),
        Type::I64 if set == 0 => Val::i64(0),
        Type::F32 if set == 0 => Val::f32(0.0),
        Type::F64 if set == 0 => Val::f64(0.0),
        Type::I32 if edge => Val::i32(I32_EDGES[k % I32_EDGES.len()]),
        Type::I64 if edge => Val::i64(I64_EDGES[k % I64_EDGES.len()]),
        Type::F32 if edge => Val::f32(F64_EDGES[k % F64_EDGES.len()] as f32),
        Type::F64 if edge => Val::f64(F64_EDGES[k % F64_EDGES.len()]),
        Type::I32 => Val::I32(rng.next_u64() as u32),
        Type::I64 => Val::I64(rng.next_u64()),
        Type::F32 => Val::F32(rng.next_u64() as u32),
        Type::F64 => Val::F64(rng.next_u64()),
        Type::FuncRef | Type::ExternRef => return None,
    })
}

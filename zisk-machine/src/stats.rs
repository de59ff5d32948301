//! ZisK's cost model (version 1) and the `ziskemu -X` report.
//!
//! What is charged, from ziskemu 1.4.0-alpha:
//! - every step costs `MAIN_COST` (`stats.rs` `report`);
//! - every operation its `cost()`, to OPCODES, unless `(op, a, b)` is a frequent operation
//!   ([`crate::frops`]), which goes to FROPS instead, or an `add` BinaryAddHi can prove, which
//!   costs [`ADD_HI_COST`] (`stats.rs` `on_op`, `cheap_variant`);
//! - every memory access by zone (RAM, ROM data, input) and shape, registers free
//!   (`stats/mem_operations_stats.rs`, costs from `emu_costs.rs`); 1-byte writes are cheaper
//!   when the stored value fits in a byte ("clean");
//! - every initialised data word once: ROM words as a ROM read, RAM words as a RAM write.
//!
//! VARIABLE = MAIN + OPCODES + PRECOMPILES + MEMORY; BASE is a constant. [`Stats::format_like_ziskemu`]
//! reproduces the text of the default `-X` report (`stats.rs` `report`, `stats_report.rs`).

use crate::mem_map::*;
use crate::ops::{Op, ADD_HI_COST, MAIN_COST};

/// `MEM_READ_COST` = ceil(ceil(87 / 4) * 50%) (emu_costs.rs).
pub const MEM_READ: u64 = 11;
/// `MEM_WRITE_COST` = ceil(ceil(87 / 4) * 80%).
pub const MEM_WRITE: u64 = 18;
/// `ROM_READ_COST` = ceil(22 / 2).
const ROM_READ: u64 = 11;
/// `INPUT_READ_COST`.
const INPUT_READ: u64 = 29;
/// `MEM_ALIGN_READ_BYTE_COST`, `MEM_ALIGN_WRITE_BYTE_COST`.
const ALIGN_READ_BYTE: u64 = 25;
const ALIGN_WRITE_BYTE: u64 = 32;
/// `MEM_ALIGN_COST` multiples for unaligned accesses in one word (`_1`) or across two (`_2`).
const ALIGN_READ_1: u64 = 100;
const ALIGN_READ_2: u64 = 150;
const ALIGN_WRITE_1: u64 = 150;
const ALIGN_WRITE_2: u64 = 250;
/// `BASE_COST` = `ROM_COST` + `TABLES_COST` = (16 << 22) + ((65 + 39) << 21).
pub const BASE_COST: u64 = (16 << 22) + ((65 + 39) << 21);
/// Rows of the ROM trace (zisk-pil `RomRomTrace`), the denominator of ROM USAGE.
const ROM_ROWS: u64 = 4_194_304;

/// Memory zone of an access (mem_operations_stats.rs `MemoryOperationsStats`; the stack part of
/// RAM is costed like the rest).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    Ram = 0,
    Rom = 1,
    Input = 2,
}

impl Zone {
    /// The zone of `addr`, or `None` outside every known region.
    #[inline(always)]
    pub fn of(addr: u64) -> Option<Zone> {
        if addr.wrapping_sub(RAM_ADDR) < RAM_SIZE {
            Some(Zone::Ram)
        } else if (ROM_ADDR..=ROM_ADDR_MAX).contains(&addr) {
            Some(Zone::Rom)
        } else if addr.wrapping_sub(INPUT_ADDR) < MAX_INPUT_SIZE {
            Some(Zone::Input)
        } else {
            None
        }
    }

    fn read_cost(self) -> u64 {
        match self {
            Zone::Ram => MEM_READ,
            Zone::Rom => ROM_READ,
            Zone::Input => INPUT_READ,
        }
    }
}

/// Shape of an access: aligned 8 bytes, one byte, unaligned within one word, or across two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Aligned = 0,
    Byte = 1,
    Single = 2,
    Double = 3,
}

impl Shape {
    #[inline(always)]
    pub fn of(addr: u64, width: u8) -> Shape {
        let offset = addr & 7;
        match width {
            8 if offset == 0 => Shape::Aligned,
            1 => Shape::Byte,
            2 if offset <= 6 => Shape::Single,
            4 if offset <= 4 => Shape::Single,
            _ => Shape::Double,
        }
    }
}

/// The raw counters the emulator bumps on every step.
#[derive(Clone, Debug)]
pub struct Counters {
    /// Executions per opcode that were not frequent operations.
    pub ops: [u64; 256],
    /// Frequent operations per opcode.
    pub frops: [u64; 256],
    /// `add`s charged as BinaryAddHi.
    pub add_hi: u64,
    /// Reads by zone and shape.
    pub reads: [[u64; 4]; 3],
    /// RAM writes by shape; index 4 is a "dirty" byte write (value above 0xff).
    pub writes: [u64; 5],
    /// The operand-dependent cost of the DMA operations per opcode, beyond their fixed cost.
    pub variable: [u64; 256],
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            ops: [0; 256],
            frops: [0; 256],
            add_hi: 0,
            reads: [[0; 4]; 3],
            writes: [0; 5],
            variable: [0; 256],
        }
    }
}

impl Counters {
    #[inline(always)]
    pub fn read(&mut self, zone: Zone, addr: u64, width: u8) {
        self.reads[zone as usize][Shape::of(addr, width) as usize] += 1;
    }

    #[inline(always)]
    pub fn write(&mut self, addr: u64, width: u8, value: u64) {
        let shape = Shape::of(addr, width);
        let dirty_byte = shape == Shape::Byte && value > 0xff;
        self.writes[if dirty_byte { 4 } else { shape as usize }] += 1;
    }

    /// MEMORY so far, without the one-time charge of initialised data.
    pub fn memory_cost(&self) -> u64 {
        let mut cost = 0;
        for (zone, counts) in [Zone::Ram, Zone::Rom, Zone::Input].iter().zip(&self.reads) {
            let rc = zone.read_cost();
            cost += counts[0] * rc
                + counts[1] * (ALIGN_READ_BYTE + rc)
                + counts[2] * (ALIGN_READ_1 + rc)
                + counts[3] * (ALIGN_READ_2 + 2 * rc);
        }
        let rw = MEM_READ + MEM_WRITE;
        let w = &self.writes;
        cost + w[0] * MEM_WRITE
            + w[1] * (ALIGN_WRITE_BYTE + rw)
            + (w[2] + w[4]) * (ALIGN_WRITE_1 + rw)
            + w[3] * (ALIGN_WRITE_2 + 2 * rw)
    }
}

/// Per-opcode figures of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpStat {
    pub op: Op,
    /// Executions charged to OPCODES.
    pub count: u64,
    pub cost: u64,
    /// Executions that were frequent operations, and their cost (charged to FROPS).
    pub frops_count: u64,
    pub frops_cost: u64,
}

/// The costs of a run, as `ziskemu -X` reports them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stats {
    pub steps: u64,
    pub main_cost: u64,
    pub opcodes_cost: u64,
    /// The fixed costs of the precompiles that ran (their memory accesses are in MEMORY).
    pub precompiles_cost: u64,
    pub memory_cost: u64,
    pub frops_cost: u64,
    /// Opcodes that ran, in opcode order.
    pub ops: Vec<OpStat>,
    /// Steps below `ROM_ADDR`, in program ROM, ZisK library ROM, float library ROM, elsewhere.
    pub region_steps: [u64; 5],
    /// Rows the ROM occupies: instructions plus initialised data in 4-word rows.
    pub rom_rows: u64,
}

/// The one-time MEMORY charge of a ROM's initialised data: each ROM word as a ROM read, each
/// RAM word as a RAM write; part of VARIABLE, in no instruction's cost.
pub fn init_data_cost(rom: &crate::Rom) -> u64 {
    rom.rom_init_words() * ROM_READ + rom.ram_init_words() * MEM_WRITE
}

impl Stats {
    /// Turns raw counters into costs. `rom` is the ROM that ran.
    pub fn new(counters: &Counters, steps: u64, region_steps: [u64; 5], rom: &crate::Rom) -> Stats {
        let mut ops = Vec::new();
        let (mut opcodes_cost, mut precompiles_cost, mut frops_cost) = (0, 0, 0);
        for &op in Op::ALL {
            let code = op.code() as usize;
            let (all, frops) = (counters.ops[code], counters.frops[code]);
            if all == 0 && frops == 0 {
                continue;
            }
            let hi = if op == Op::Add { counters.add_hi } else { 0 };
            let cost = (all - hi) * op.cost() + hi * ADD_HI_COST + counters.variable[code];
            let frops_cost_op = frops * op.cost();
            if op.is_precompile() {
                precompiles_cost += cost;
            } else {
                opcodes_cost += cost;
            }
            frops_cost += frops_cost_op;
            ops.push(OpStat {
                op,
                count: all,
                cost,
                frops_count: frops,
                frops_cost: frops_cost_op,
            });
        }
        let memory_cost = counters.memory_cost() + init_data_cost(rom);
        Stats {
            steps,
            main_cost: steps * MAIN_COST,
            opcodes_cost,
            precompiles_cost,
            memory_cost,
            frops_cost,
            ops,
            region_steps,
            rom_rows: rom.insts.len() as u64
                + rom.rom_init_words().div_ceil(4)
                + rom.ram_init_words().div_ceil(4),
        }
    }

    /// MAIN + OPCODES + PRECOMPILES + MEMORY: the figure that compares programs.
    pub fn variable_cost(&self) -> u64 {
        self.main_cost + self.opcodes_cost + self.precompiles_cost + self.memory_cost
    }

    pub fn total_cost(&self) -> u64 {
        self.variable_cost() + BASE_COST
    }

    /// The text `ziskemu -X` prints after the program's console output (without symbols,
    /// `--sdk` or the optional sections), byte for byte.
    pub fn format_like_ziskemu(&self) -> String {
        let total = self.total_cost();
        let variable = self.variable_cost();
        let mut r = Report {
            out: String::new(),
            cost_divisor: total as f64 / 100.0,
        };
        let steps_divisor = self.steps as f64 / 100.0;
        r.title(&format!("{:<24} {:>15}", "REPORT (cost version 1)", ""));
        r.line(&format!("{:<24} {:>15}", "STEPS", thousands(self.steps)));
        r.title(&format!(
            "{:<24} {:>15}       %",
            "COST DISTRIBUTION", "COST"
        ));
        r.cost_perc("MAIN", self.main_cost);
        r.cost_perc("OPCODES", self.opcodes_cost);
        r.cost_perc("PRECOMPILES", self.precompiles_cost);
        r.cost_perc("MEMORY", self.memory_cost);
        r.separator();
        r.cost_perc("VARIABLE", variable);
        r.cost_perc("BASE", BASE_COST);
        r.separator();
        r.cost_perc("TOTAL", total);
        r.out.push('\n');
        r.cost_divisor = variable as f64 / 100.0;
        r.cost_perc("FROPS", self.frops_cost);
        r.perc("ROM USAGE", self.rom_rows, ROM_ROWS);

        r.title(&format!("{:<24} {:>15}       %", "ROM REGIONS", "STEPS"));
        let labels = [
            "LOW (< ROM)",
            "PROGRAM ROM",
            "ZISKLIB ROM",
            "FLOAT ROM",
            "OTHER",
        ];
        let region_total = self.region_steps.iter().sum::<u64>().max(1);
        for (label, &steps) in labels.iter().zip(&self.region_steps) {
            if steps > 0 || *label != "OTHER" {
                r.perc(label, steps, region_total);
            }
        }

        let count_cost_title =
            |name: &str| format!("{name:<24} {:>15}       % {:>15}       %", "COUNT", "COST");
        r.title(&count_cost_title("COST BY BASE OPCODE"));
        // Zero-cost opcodes are not counted, except pubout (ops_costs.rs `add_cost_op`).
        // Each section sorted by cost, then count, highest first (stats.rs `report_opcodes`).
        let section = |r: &mut Report, precompiles: bool| {
            let mut rows: Vec<&OpStat> = self
                .ops
                .iter()
                .filter(|s| s.count > 0 && (s.cost > 0 || s.op == Op::PubOut))
                .filter(|s| s.op.is_precompile() == precompiles)
                .collect();
            rows.sort_by_key(|s| std::cmp::Reverse((s.cost, s.count)));
            for s in rows {
                let count_perc = s.count as f64 / steps_divisor;
                r.count_perc_cost(&format!("OP {}", s.op), s.count, count_perc, s.cost);
            }
        };
        section(&mut r, false);
        r.title(&count_cost_title("COST BY PRECOMPILED OPCODE"));
        section(&mut r, true);
        r.title(&format!(
            "{:<24} {:>15} {:>6} {:>15}       %",
            "FROPS BY OPCODE", "COUNT", "HIT", "COST"
        ));
        let mut frops: Vec<&OpStat> = self.ops.iter().filter(|s| s.frops_count > 0).collect();
        frops.sort_by_key(|s| std::cmp::Reverse((s.frops_cost, s.frops_count)));
        for s in &frops {
            let counted = if s.cost > 0 || s.op == Op::PubOut {
                s.count
            } else {
                0
            };
            let hit = s.frops_count as f64 * 100.0 / (s.frops_count + counted) as f64;
            r.count_perc_cost(&format!("FROP {}", s.op), s.frops_count, hit, s.frops_cost);
        }
        // `println!("{report}")`.
        r.out.push('\n');
        r.out
    }
}

/// The line formats of ziskemu's `stats_report.rs` (label width 24).
struct Report {
    out: String,
    cost_divisor: f64,
}

impl Report {
    fn title(&mut self, title: &str) {
        self.out += &format!("\n{title}\n{}\n", "-".repeat(title.len()));
    }

    fn line(&mut self, text: &str) {
        self.out += text;
        self.out.push('\n');
    }

    fn cost_perc(&mut self, label: &str, cost: u64) {
        let line = format!(
            "{label:<24} {:>15} {:6.2}%",
            thousands(cost),
            cost as f64 / self.cost_divisor
        );
        self.line(&line);
    }

    fn perc(&mut self, label: &str, value: u64, total: u64) {
        let perc = value as f64 * 100.0 / total as f64;
        self.line(&format!("{label:<24} {:>15} {perc:6.2}%", thousands(value)));
    }

    fn separator(&mut self) {
        self.line(&format!("{:24}{}", "", "-".repeat(24)));
    }

    fn count_perc_cost(&mut self, label: &str, count: u64, count_perc: f64, cost: u64) {
        let cost_perc = cost as f64 / self.cost_divisor;
        self.line(&format!(
            "{label:<24} {:>15} {count_perc:6.2}% {:>15} {cost_perc:6.2}%",
            thousands(count),
            thousands(cost)
        ));
    }
}

/// `1234567` as `1,234,567` (ziskemu formats with the `en` locale).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separator() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(285_212_672), "285,212,672");
    }

    #[test]
    fn shapes_follow_mem_operations_stats() {
        assert_eq!(Shape::of(0x10, 8), Shape::Aligned);
        assert_eq!(Shape::of(0x11, 8), Shape::Double);
        assert_eq!(Shape::of(0x17, 1), Shape::Byte);
        assert_eq!(Shape::of(0x16, 2), Shape::Single);
        assert_eq!(Shape::of(0x17, 2), Shape::Double);
        assert_eq!(Shape::of(0x14, 4), Shape::Single);
        assert_eq!(Shape::of(0x15, 4), Shape::Double);
        assert_eq!(Shape::of(0x10, 4), Shape::Single);
    }

    #[test]
    fn base_cost_is_upstream_constant() {
        assert_eq!(BASE_COST, 285_212_672);
    }
}

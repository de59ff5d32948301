//! Where the proof cost goes: a profiled run's VARIABLE by function, by call stack (collapsed
//! stacks and an SVG flamegraph) and by source line (`zkc run --profile`, `--profile-folded`,
//! `--flamegraph`, `--profile-lines`).
//!
//! The emulator charges every step its exact VARIABLE (the step, its operation and its memory
//! accesses) to the instruction and to the call stack it ran under
//! ([`zkc_backend_zisk::Emulator::call_stacks`]); the one-time charge of the initialised data
//! belongs to no instruction and is a row of its own, so that every report adds up to the
//! VARIABLE that `--stats` prints.
//!
//! - Collapsed stacks are the format of Brendan Gregg's `stackcollapse` scripts, which
//!   `flamegraph.pl`, inferno and speedscope read: `outer;middle;inner WEIGHT`, one line per
//!   distinct stack, the weight what ran with that stack on top. The SVG is inferno's
//!   rendering of the same lines.
//! - Frames are the ROM's function symbols ([`zkc_backend_zisk::Rom::symbols`]), named as
//!   [`Names`] says: the name section's names, Rust's demangled (`rustc-demangle`), else
//!   `func[N]` as wasm tools print an unnamed function; zkc's WASI runtime `runtime:NAME`, its
//!   soft-float routines `softfloat:NAME`, its own code (the entry, trap handlers)
//!   `zkc:NAME`, and the BIOS `(bios)`. Functions zkc inlined are part of their callers.
//! - Source lines come from the wasm's DWARF (the custom sections `.debug_*`), read with
//!   `addr2line`. Every ZisK instruction keeps the wasm offset of the code it was selected for
//!   ([`zkc_backend_zisk::Program::wasm_offsets`]); DWARF's address of wasm code is its offset
//!   from the start of the code section's contents (WebAssembly tool-conventions
//!   `Debugging.md`). The line table gives the innermost line of an address, so code the
//!   producer inlined counts on its own source line; code zkc inlined keeps its own offsets.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use zkc_backend_zisk::codegen::is_zkc_code;
use zkc_backend_zisk::{stats::init_data_cost, Program, Rom};
use zkc_ir::{EntityRef, FuncDef, Module};

use crate::driver::{Error, ZiskRun};

/// The name of the frame or row of code outside every function: the BIOS.
const BIOS: &str = "(bios)";
/// The row of the initialised data's one-time cost.
const INIT_DATA: &str = "(initialised data)";
/// The row of code without a source line (runtime, soft-float, zkc's own code).
const NO_LINE: &str = "(no source line)";

/// How profiles name the functions of a compiled module.
pub struct Names {
    /// The module's function name (a symbol's) → the name shown.
    shown: HashMap<String, String>,
}

impl Names {
    /// The names of the functions of `translated`, the module as the frontend gave it (before
    /// the runtime is linked in); what linking adds is the runtime's or soft-float's.
    pub fn new(translated: &Module) -> Names {
        let shown = translated
            .funcs
            .iter()
            .map(|(id, f)| {
                let shown = match &f.def {
                    FuncDef::Import(i) if i.module == "wasi_snapshot_preview1" => {
                        format!("runtime:{}", i.field)
                    }
                    _ if f.name == format!("f{}", id.index()) => format!("func[{}]", id.index()),
                    _ => format!("{:#}", rustc_demangle::demangle(&f.name)),
                };
                (f.name.clone(), frame_name(&shown))
            })
            .collect();
        Names { shown }
    }

    /// The name shown for the function symbol `name`.
    pub fn show(&self, name: &str) -> String {
        if let Some(s) = self.shown.get(name) {
            return s.clone();
        }
        let shown = if let Some(rest) = name.strip_prefix(zkc_softfloat::PREFIX) {
            format!("softfloat:{rest}")
        } else if is_zkc_code(name) {
            format!("zkc:{name}")
        } else {
            format!("runtime:{name}")
        };
        frame_name(&shown)
    }

    /// The name of the frame of `func`, an index into `rom.symbols` (`None`: the BIOS).
    fn frame(&self, rom: &Rom, func: Option<usize>) -> String {
        match func {
            Some(k) => self.show(&rom.symbols[k].name),
            None => BIOS.to_string(),
        }
    }
}

/// A name as one frame of a collapsed stack: `;` separates frames, and a line ends the stack.
fn frame_name(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            ';' => ',',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// One function's share of a profiled run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionCost {
    pub name: String,
    pub steps: u64,
    pub variable: u64,
}

/// A profiled run's costs by function (the code of each function symbol, the BIOS), most
/// expensive first.
pub fn by_function(rom: &Rom, run: &ZiskRun, names: &Names) -> Vec<FunctionCost> {
    let mut by_name: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for &(pc, count, cost) in &run.pc_costs {
        let e = by_name
            .entry(names.frame(rom, rom.function_at(pc)))
            .or_default();
        e.0 += count;
        e.1 += cost;
    }
    let mut out: Vec<FunctionCost> = by_name
        .into_iter()
        .map(|(name, (steps, variable))| FunctionCost {
            name,
            steps,
            variable,
        })
        .collect();
    out.sort_by(|a, b| b.variable.cmp(&a.variable).then(a.name.cmp(&b.name)));
    out
}

/// The collapsed stacks of a profiled run, one `outer;...;inner WEIGHT` line per distinct
/// stack, sorted, then the initialised data's line; the weights add up to the run's VARIABLE.
/// The BIOS, which calls the program, is left out of the stacks above it.
pub fn folded(rom: &Rom, run: &ZiskRun, names: &Names) -> String {
    let mut stacks: BTreeMap<String, u64> = BTreeMap::new();
    for (path, cost) in &run.call_stacks {
        let frames = if path.len() > 1 { &path[1..] } else { path };
        let stack: Vec<String> = frames.iter().map(|&f| names.frame(rom, f)).collect();
        *stacks.entry(stack.join(";")).or_default() += cost;
    }
    let mut out = String::new();
    for (stack, cost) in stacks {
        let _ = writeln!(out, "{stack} {cost}");
    }
    let _ = writeln!(out, "{INIT_DATA} {}", init_data_cost(rom));
    out
}

/// The SVG flamegraph of collapsed stacks ([`folded`]), titled with `title`; the same stacks
/// give the same bytes.
pub fn flamegraph(folded: &str, title: &str) -> Result<Vec<u8>, Error> {
    let mut options = inferno::flamegraph::Options::default();
    options.title = title.to_string();
    options.count_name = "VARIABLE".to_string();
    // Colours from the names, so that the same profile draws the same picture.
    options.deterministic = true;
    let mut svg = Vec::new();
    inferno::flamegraph::from_lines(&mut options, folded.lines(), &mut svg)
        .map_err(|e| Error::Internal(format!("flamegraph: {e}")))?;
    Ok(svg)
}

/// The DWARF sections of a wasm module and where its code section's contents start.
struct WasmDebug<'a> {
    sections: HashMap<&'a str, &'a [u8]>,
    code_start: u64,
}

impl<'a> WasmDebug<'a> {
    /// The module's `.debug_*` custom sections, or `None` when it has no line table.
    fn parse(wasm: &'a [u8]) -> Result<Option<WasmDebug<'a>>, String> {
        use wasmparser::{Parser, Payload};
        if !wasm.starts_with(b"\0asm") {
            return Ok(None);
        }
        let mut sections = HashMap::new();
        let mut code_start = None;
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(|e| e.to_string())? {
                Payload::CodeSectionStart {
                    unchecked_range, ..
                } => code_start = Some(unchecked_range.start),
                Payload::CustomSection(c) if c.name().starts_with(".debug_") => {
                    sections.insert(c.name(), c.data());
                }
                _ => {}
            }
        }
        match code_start {
            Some(code_start) if sections.contains_key(".debug_line") => Ok(Some(WasmDebug {
                sections,
                code_start,
            })),
            _ => Ok(None),
        }
    }

    fn context(&self) -> Result<addr2line::Context<Slice<'a>>, String> {
        use addr2line::gimli;
        let dwarf = gimli::Dwarf::load(|id| -> Result<Slice<'a>, gimli::Error> {
            let data = self.sections.get(id.name()).copied().unwrap_or(&[]);
            Ok(gimli::EndianSlice::new(data, gimli::LittleEndian))
        })
        .map_err(|e| e.to_string())?;
        addr2line::Context::from_dwarf(dwarf).map_err(|e| e.to_string())
    }
}

type Slice<'a> = addr2line::gimli::EndianSlice<'a, addr2line::gimli::LittleEndian>;

/// A profiled run's VARIABLE by source line of the wasm module `wasm` (the bytes the program
/// was compiled from): `FILE:LINE WEIGHT` lines, most expensive first, then the code without
/// a line. `None` when the module has no DWARF line table.
pub fn by_line(wasm: &[u8], program: &Program, run: &ZiskRun) -> Result<Option<String>, Error> {
    let bad = |e: String| Error::Input(format!("DWARF: {e}"));
    let Some(debug) = WasmDebug::parse(wasm).map_err(bad)? else {
        return Ok(None);
    };
    let ctx = debug.context().map_err(bad)?;
    let offsets: HashMap<u64, u32> = program.wasm_offsets().into_iter().collect();
    let mut lines: HashMap<String, u64> = HashMap::new();
    let mut no_line = 0;
    for &(pc, _, cost) in &run.pc_costs {
        let at = offsets
            .get(&pc)
            .and_then(|&o| (o as u64).checked_sub(debug.code_start));
        let location = match at {
            Some(addr) => ctx.find_location(addr).map_err(|e| bad(e.to_string()))?,
            None => None,
        };
        match location.and_then(|l| Some((l.file?, l.line?))) {
            Some((file, line)) => *lines.entry(format!("{file}:{line}")).or_default() += cost,
            None => no_line += cost,
        }
    }
    let mut rows: Vec<(String, u64)> = lines.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut out = String::new();
    for (line, cost) in rows {
        let _ = writeln!(out, "{line} {cost}");
    }
    let _ = writeln!(out, "{NO_LINE} {no_line}");
    Ok(Some(out))
}

/// The title of a run's flamegraph.
pub fn title(input: &Path) -> String {
    let name = input.file_name().map_or_else(
        || input.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    format!("{name}: VARIABLE by call stack")
}

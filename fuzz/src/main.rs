//! `zkc-fuzz --campaign differential|malformed|all --seeds N --start S [--config int|float]`.

use clap::Parser;
use std::path::PathBuf;
use std::time::Duration;
use zkc_fuzz::campaign::{self, Run};
use zkc_fuzz::gen::Flavor;

#[derive(Parser)]
#[command(
    name = "zkc-fuzz",
    about = "Differential and malformed-input fuzzing of zkc"
)]
struct Args {
    /// differential, malformed or all.
    #[arg(long, default_value = "all")]
    campaign: String,
    /// Seeds (mutants for `malformed`) per campaign and configuration.
    #[arg(long, default_value_t = 100)]
    seeds: u64,
    /// First seed.
    #[arg(long, default_value_t = 0)]
    start: u64,
    /// int or float; both when absent.
    #[arg(long)]
    config: Option<String>,
    /// Seeds of the malformed campaign, when they differ from --seeds.
    #[arg(long)]
    malformed_seeds: Option<u64>,
    /// First mutant of the malformed campaign, when it differs from --start.
    #[arg(long)]
    malformed_start: Option<u64>,
    /// Also compile the hostile modules (malformed campaign).
    #[arg(long)]
    hostile: bool,
    /// Wall-time budget of one seed or compile, in seconds.
    #[arg(long, default_value_t = 120)]
    budget: u64,
    /// Where reproducers are written.
    #[arg(long, default_value = "target/fuzz-findings")]
    findings: PathBuf,
    /// Write the summary (Markdown) here as well as to stdout.
    #[arg(long)]
    report: Option<PathBuf>,
    /// The bench modules the malformed campaign mutates.
    #[arg(long, default_value = "../shared/bench/wasm")]
    bench: PathBuf,
    /// Exit 0 when every finding is of a known bug (CI).
    #[arg(long)]
    tolerate_known: bool,
    /// Print progress and each finding to stderr.
    #[arg(short, long)]
    verbose: bool,
    /// Internal: compile one file as `zkc FILE --emit zisk` and exit with its status.
    #[arg(long, hide = true)]
    compile_one: Option<PathBuf>,
}

fn main() {
    let args = Args::parse();
    if let Some(path) = &args.compile_one {
        std::process::exit(zkc_fuzz::malformed::compile_one(path));
    }
    let command = std::iter::once("cargo run --release -p zkc-fuzz --".to_string())
        .chain(std::env::args().skip(1))
        .collect::<Vec<_>>()
        .join(" ");
    let flavors = match args.config.as_deref() {
        None => vec![Flavor::Int, Flavor::Float],
        Some(s) => match Flavor::parse(s) {
            Some(f) => vec![f],
            None => {
                eprintln!("--config {s}: expected int or float");
                std::process::exit(2);
            }
        },
    };
    let (diff, mal) = match args.campaign.as_str() {
        "differential" => (true, false),
        "malformed" => (false, true),
        "all" => (true, true),
        other => {
            eprintln!("--campaign {other}: expected differential, malformed or all");
            std::process::exit(2);
        }
    };
    let run = Run {
        findings_dir: Some(args.findings.clone()),
        budget: Duration::from_secs(args.budget),
        progress: args.verbose,
        ..Run::default()
    };
    let mut diffs = Vec::new();
    if diff {
        for &f in &flavors {
            diffs.push(campaign::differential(f, args.start, args.seeds, &run));
        }
    }
    let malformed = if mal {
        let seeds = args.malformed_seeds.unwrap_or(args.seeds);
        let start = args.malformed_start.unwrap_or(args.start);
        match campaign::malformed(&args.bench, start, seeds, args.hostile, &run) {
            Ok(m) => Some(m),
            Err(e) => {
                eprintln!("{}: {e}", args.bench.display());
                std::process::exit(2);
            }
        }
    } else {
        None
    };
    let text = campaign::report(&command, &diffs, malformed.as_ref());
    print!("{text}");
    if let Some(p) = &args.report {
        if let Err(e) = std::fs::write(p, &text) {
            eprintln!("{}: {e}", p.display());
            std::process::exit(2);
        }
    }
    let findings: usize = diffs.iter().map(|d| d.findings()).sum::<usize>()
        + malformed
            .as_ref()
            .map_or(0, |m| m.findings + m.hostile_findings);
    let unknown: usize = diffs.iter().map(|d| d.unknown_findings()).sum::<usize>()
        + malformed.as_ref().map_or(0, |m| {
            m.groups
                .values()
                .filter(|g| g.known.is_none())
                .map(|g| g.count)
                .sum::<usize>()
                + m.hostile.iter().filter(|h| h.2.is_finding()).count()
        });
    let failed = if args.tolerate_known {
        unknown > 0
    } else {
        findings > 0
    };
    let runs = diffs.iter().map(|d| d.run).sum::<usize>()
        + malformed
            .as_ref()
            .map_or(0, |m| m.seeds as usize + m.hostile.len());
    let failing = diffs.iter().map(|d| d.failing_seeds).sum::<usize>()
        + malformed
            .as_ref()
            .map_or(0, |m| m.findings + m.hostile_findings);
    // With --tolerate-known, modules whose findings are all of known bugs count as passed
    // (the summary lists them); the closing line then counts the unknown findings as failed.
    let failed_count = if args.tolerate_known {
        unknown
    } else {
        failing
    };
    println!(
        "zkc-fuzz: {} passed, {} failed",
        runs.saturating_sub(failing.min(runs)) + (failing - failed_count.min(failing)).min(runs),
        failed_count
    );
    std::process::exit(i32::from(failed));
}

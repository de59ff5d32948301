//! Campaign loops and their counts: every number in the summary comes from here.

use crate::diff::{self, Kind, Outcome};
use crate::gen::Flavor;
use crate::malformed::{self, Verdict};
use crate::repro;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A group of findings that share a signature.
#[derive(Clone, Debug)]
pub struct Group {
    pub kind: String,
    pub count: usize,
    /// The first seeds (or mutants) that showed it.
    pub seeds: Vec<u64>,
    pub detail: String,
    pub reproducer: Option<PathBuf>,
    /// The known bug it looks like, when it looks like one.
    pub known: Option<&'static str>,
}

/// Counts of a differential campaign over one configuration.
#[derive(Clone, Debug, Default)]
pub struct DiffStats {
    pub flavor: Option<Flavor>,
    pub start: u64,
    pub seeds: u64,
    pub generated: usize,
    pub run: usize,
    pub skipped: BTreeMap<String, usize>,
    /// Stages that refused a module as unimplemented (stage: reason).
    pub stage_skips: BTreeMap<String, usize>,
    pub calls: usize,
    pub divergences: usize,
    pub panics: usize,
    pub internals: usize,
    pub hangs: usize,
    /// Seeds with at least one finding.
    pub failing_seeds: usize,
    pub groups: BTreeMap<String, Group>,
    /// What wasmi's calls did (coverage): returned, or trapped by kind; instantiation traps.
    pub oracle: BTreeMap<String, usize>,
    pub seconds: f64,
}

impl DiffStats {
    pub fn findings(&self) -> usize {
        self.divergences + self.panics + self.internals + self.hangs
    }

    pub fn unknown_findings(&self) -> usize {
        self.groups
            .values()
            .filter(|g| g.known.is_none())
            .map(|g| g.count)
            .sum()
    }
}

/// Findings that are no zkc bug, recognized by their signature: engines' stack limits differ
/// (wasmi overflows its stack where zkc's deeper one does not, or the reverse). The bugs this
/// list once held (#19: segments refused at compile time, the empty-segment panic, the
/// coloring allocator's dropped clobbers) are fixed, so their findings count again.
fn known(signature: &str, _coloring_only: bool) -> Option<&'static str> {
    signature
        .contains("StackOverflow")
        .then_some("engines' stack limits differ (not a zkc bug)")
}

/// Options of a campaign run.
#[derive(Clone, Debug)]
pub struct Run {
    /// Where reproducers go; none written when `None`.
    pub findings_dir: Option<PathBuf>,
    /// Wall-time budget of one seed (differential) or one compile (malformed).
    pub budget: Duration,
    pub progress: bool,
    pub check: diff::Check,
}

impl Default for Run {
    fn default() -> Self {
        Run {
            findings_dir: None,
            budget: Duration::from_secs(120),
            progress: false,
            check: diff::Check::default(),
        }
    }
}

/// The differential campaign over seeds `start..start + seeds`.
pub fn differential(flavor: Flavor, start: u64, seeds: u64, run: &Run) -> DiffStats {
    diff::install_panic_hook();
    let began = Instant::now();
    let mut st = DiffStats {
        flavor: Some(flavor),
        start,
        seeds,
        ..DiffStats::default()
    };
    for seed in start..start + seeds {
        if run.progress && seed > start && (seed - start).is_multiple_of(50) {
            eprintln!(
                "{flavor}: {} seeds, {} run, {} findings, {:.0}s",
                seed - start,
                st.run,
                st.findings(),
                began.elapsed().as_secs_f64()
            );
        }
        let (tx, rx) = mpsc::channel();
        let check = run.check.clone();
        std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || {
                let _ = tx.send(diff::check_seed(seed, flavor, &check));
            })
            .expect("a thread");
        let outcome = match rx.recv_timeout(run.budget) {
            Ok(o) => o,
            Err(_) => {
                // The thread is left behind (it cannot be stopped); the seed is a hang.
                st.generated += 1;
                st.run += 1;
                st.hangs += 1;
                st.failing_seeds += 1;
                let sig = format!("hang: seed over {}s", run.budget.as_secs());
                add(
                    &mut st.groups,
                    sig,
                    "hang",
                    seed,
                    "over budget".into(),
                    None,
                );
                continue;
            }
        };
        match outcome {
            Outcome::Skipped(reason) => {
                if !reason.starts_with("wasm-smith") {
                    st.generated += 1;
                }
                *st.skipped.entry(reason).or_default() += 1;
            }
            Outcome::Checked {
                calls,
                stage_skips,
                findings,
                expected,
                ..
            } => {
                match &expected {
                    Ok(results) => {
                        for r in results {
                            let k = match r {
                                Ok(_) => "returned".to_string(),
                                Err(t) => format!("trapped: {t}"),
                            };
                            *st.oracle.entry(k).or_default() += 1;
                        }
                    }
                    Err(t) => *st.oracle.entry(format!("instantiation: {t}")).or_default() += 1,
                }
                st.generated += 1;
                st.run += 1;
                st.calls += calls;
                for (stage, why) in stage_skips {
                    *st.stage_skips.entry(format!("{stage}: {why}")).or_default() += 1;
                }
                if findings.is_empty() {
                    continue;
                }
                st.failing_seeds += 1;
                let coloring_only = findings.iter().all(|f| f.stage.ends_with("-coloring"));
                for f in &findings {
                    match f.kind {
                        Kind::Divergence => st.divergences += 1,
                        Kind::Panic => st.panics += 1,
                        Kind::Internal => st.internals += 1,
                        Kind::Hang => st.hangs += 1,
                    }
                }
                // One group per distinct signature; a reproducer for the first seed of each.
                for f in &findings {
                    let known = known(&f.signature, coloring_only);
                    let new = !st.groups.contains_key(&f.signature);
                    let detail = format!("{}: {}", f.stage, f.detail);
                    add(
                        &mut st.groups,
                        f.signature.clone(),
                        &f.kind.to_string(),
                        seed,
                        detail,
                        known,
                    );
                    if new {
                        if let Some(dir) = &run.findings_dir {
                            let path = reproduce(dir, flavor, seed, f);
                            st.groups.get_mut(&f.signature).unwrap().reproducer = path;
                        }
                    }
                }
                if run.progress {
                    eprintln!(
                        "seed {seed}: {}",
                        findings
                            .iter()
                            .map(|f| f.signature.as_str())
                            .collect::<Vec<_>>()
                            .join("; ")
                    );
                }
            }
        }
    }
    st.seconds = began.elapsed().as_secs_f64();
    st
}

fn add(
    groups: &mut BTreeMap<String, Group>,
    sig: String,
    kind: &str,
    seed: u64,
    detail: String,
    known: Option<&'static str>,
) {
    let g = groups.entry(sig).or_insert_with(|| Group {
        kind: kind.into(),
        count: 0,
        seeds: vec![],
        detail,
        reproducer: None,
        known,
    });
    g.count += 1;
    if g.seeds.len() < 5 {
        g.seeds.push(seed);
    }
}

/// Shrinks and writes the reproducer of a finding; `None` when the seed's case cannot be
/// rebuilt (a frontend finding keeps its module only).
fn reproduce(dir: &Path, flavor: Flavor, seed: u64, f: &diff::Finding) -> Option<PathBuf> {
    let bytes = crate::gen::module(seed, flavor).ok()?;
    let calls = match diff::translate(&bytes) {
        Ok(m) => diff::plan(&m, seed),
        Err(_) => vec![],
    };
    let (bytes, calls) = diff::catch(|| repro::shrink(&bytes, &calls, f)).ok()?;
    let stage = f.stage.replace(['/', ' '], "_");
    let name = format!("diff-{flavor}-seed{seed}-{stage}");
    let header = format!(
        "zkc-fuzz differential, config {flavor}, seed {seed}\n{}: {}\nreproduce: cargo run --release -p zkc-fuzz -- --campaign differential --config {flavor} --seeds 1 --start {seed}",
        f.signature, f.detail
    );
    repro::write(dir, &name, &header, &bytes, &calls).ok()
}

/// Counts of a malformed campaign.
#[derive(Clone, Debug, Default)]
pub struct MalformedStats {
    pub start: u64,
    pub seeds: u64,
    /// Per mutation kind: (mutants, per-verdict counts).
    pub by_mutation: BTreeMap<&'static str, BTreeMap<&'static str, usize>>,
    pub findings: usize,
    pub groups: BTreeMap<String, Group>,
    /// Hostile modules: (name, what, verdict, seconds, known note).
    pub hostile: Vec<(String, String, Verdict, f64)>,
    pub hostile_findings: usize,
    pub seconds: f64,
}

/// The malformed campaign: mutants `start..start + seeds` of the bench modules in `bench`,
/// then (when `hostile`) every hostile module.
pub fn malformed(
    bench: &Path,
    start: u64,
    seeds: u64,
    hostile: bool,
    run: &Run,
) -> std::io::Result<MalformedStats> {
    let began = Instant::now();
    let bases = malformed::bench_modules(bench)?;
    let tmp = std::env::temp_dir().join(format!("zkc-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let mut st = MalformedStats {
        start,
        seeds,
        ..MalformedStats::default()
    };
    for seed in start..start + seeds {
        let (base, kind, bytes) = malformed::mutant(seed, &bases);
        let path = tmp.join("mutant.wasm");
        std::fs::write(&path, &bytes)?;
        let (verdict, _) = malformed::compile_in_child(&path, run.budget);
        *st.by_mutation
            .entry(kind)
            .or_default()
            .entry(verdict.label())
            .or_default() += 1;
        if verdict.is_finding() {
            st.findings += 1;
            let sig = format!(
                "{}: {}",
                verdict.label(),
                diff::normalize(verdict.message())
            );
            let new = !st.groups.contains_key(&sig);
            let detail = format!("{kind} of {base}: {}", verdict.message());
            let known = known(&sig, false);
            add(
                &mut st.groups,
                sig.clone(),
                verdict.label(),
                seed,
                detail,
                known,
            );
            if new {
                if let Some(dir) = &run.findings_dir {
                    std::fs::create_dir_all(dir)?;
                    let p = dir.join(format!("malformed-seed{seed}-{kind}-{base}.wasm"));
                    std::fs::write(&p, &bytes)?;
                    st.groups.get_mut(&sig).unwrap().reproducer = Some(p);
                }
            }
            if run.progress {
                eprintln!("mutant {seed} ({kind} of {base}): {sig}");
            }
        }
        if run.progress && (seed - start + 1).is_multiple_of(100) {
            eprintln!(
                "malformed: {} mutants, {} findings, {:.0}s",
                seed - start + 1,
                st.findings,
                began.elapsed().as_secs_f64()
            );
        }
    }
    if hostile {
        for (name, what, wat) in malformed::hostile() {
            let bytes = wat::parse_str(&wat).expect("hostile modules are valid text");
            let path = tmp.join(format!("{name}.wasm"));
            std::fs::write(&path, &bytes)?;
            let (verdict, t) = malformed::compile_in_child(&path, run.budget);
            if run.progress {
                eprintln!(
                    "hostile {name}: {} in {:.1}s",
                    verdict.label(),
                    t.as_secs_f64()
                );
            }
            if verdict.is_finding() {
                st.hostile_findings += 1;
                if let Some(dir) = &run.findings_dir {
                    std::fs::create_dir_all(dir)?;
                    std::fs::write(dir.join(format!("hostile-{name}.wasm")), &bytes)?;
                }
            }
            st.hostile
                .push((name.into(), what.into(), verdict, t.as_secs_f64()));
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    st.seconds = began.elapsed().as_secs_f64();
    Ok(st)
}

/// The summary in Markdown.
pub fn report(command: &str, diffs: &[DiffStats], mal: Option<&MalformedStats>) -> String {
    let mut s = String::new();
    s += "# zkc fuzzing summary\n\n";
    s += "Written by `zkc-fuzz` (fuzz/); every count below comes from this run:\n\n";
    s += &format!("```\n{command}\n```\n\n");
    for d in diffs {
        let flavor = d.flavor.map(|f| f.name()).unwrap_or("?");
        s += &format!(
            "## differential, config {flavor}: seeds {}..{} ({:.0} s)\n\n",
            d.start,
            d.start + d.seeds,
            d.seconds
        );
        s += "| modules generated | run | skipped | export calls checked (all stages) | divergences | panics | internal errors | hangs | failing seeds |\n";
        s += "|---|---|---|---|---|---|---|---|---|\n";
        s += &format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n\n",
            d.generated,
            d.run,
            d.skipped.values().sum::<usize>(),
            d.calls,
            d.divergences,
            d.panics,
            d.internals,
            d.hangs,
            d.failing_seeds
        );
        if !d.skipped.is_empty() {
            s += "Skipped modules, by reason:\n\n";
            for (r, n) in &d.skipped {
                s += &format!("- {n}: {r}\n");
            }
            s += "\n";
        }
        if !d.oracle.is_empty() {
            s += "What wasmi's calls did (per call; \"instantiation\" per module):\n\n";
            for (r, n) in &d.oracle {
                s += &format!("- {n}: {r}\n");
            }
            s += "\n";
        }
        if !d.stage_skips.is_empty() {
            s += "Stages that refused a module as unimplemented:\n\n";
            for (r, n) in &d.stage_skips {
                s += &format!("- {n}: {r}\n");
            }
            s += "\n";
        }
        groups(&mut s, &d.groups);
    }
    if let Some(m) = mal {
        s += &format!(
            "## malformed: mutants {}..{} of ../shared/bench/wasm ({:.0} s)\n\n",
            m.start,
            m.start + m.seeds,
            m.seconds
        );
        s += "| mutation | mutants | compiled | refused (input) | refused (unimplemented) | panic | internal error | hang | crash/oom |\n";
        s += "|---|---|---|---|---|---|---|---|---|\n";
        for (kind, v) in &m.by_mutation {
            let n = |k: &str| v.get(k).copied().unwrap_or(0);
            s += &format!(
                "| {kind} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                v.values().sum::<usize>(),
                n("compiled"),
                n("refused (input)"),
                n("refused (unimplemented)"),
                n("panic"),
                n("internal error"),
                n("hang"),
                n("crash/oom")
            );
        }
        s += &format!("\nFindings among the mutants: {}\n\n", m.findings);
        groups(&mut s, &m.groups);
        if !m.hostile.is_empty() {
            s +=
                "### hostile modules\n\n| module | what | verdict | seconds |\n|---|---|---|---|\n";
            for (name, what, v, t) in &m.hostile {
                let msg = diff::normalize(v.message());
                let verdict = if msg.is_empty() {
                    v.label().to_string()
                } else {
                    format!("{}: {}", v.label(), msg.replace('|', "\\|"))
                };
                s += &format!("| {name} | {what} | {verdict} | {t:.1} |\n");
            }
            s += "\n";
        }
    }
    s
}

fn groups(s: &mut String, groups: &BTreeMap<String, Group>) {
    if groups.is_empty() {
        return;
    }
    *s += "Distinct findings:\n\n| signature | count | seeds | known | reproducer | first detail |\n|---|---|---|---|---|---|\n";
    for (sig, g) in groups {
        let detail: String = g.detail.chars().take(200).collect();
        *s += &format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            sig.replace('|', "\\|"),
            g.count,
            g.seeds
                .iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(" "),
            g.known.unwrap_or("no"),
            g.reproducer
                .as_ref()
                .map(|p| format!("`{}`", p.display()))
                .unwrap_or_default(),
            detail.replace('|', "\\|").replace('\n', " ")
        );
    }
    *s += "\n";
}

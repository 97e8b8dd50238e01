//! Measurement driver for the rule engine (not the `perfaudit scan` pipeline): walks a
//! directory, parses every `.py` file, builds the project index, runs the rules, and prints
//! the findings as JSON lines.
//!
//! ```text
//! cargo run --release -p perfaudit_scan --example rules_check -- DIR [--no-rules]
//!     [--select PA3,PA401] [--stats] [--each]
//! ```
//! `--no-rules` only walks, reads and parses (the baseline for the rules' overhead).
//! `--each`: every directory directly under DIR is its own project (its own model index and
//! manifests, as `perfaudit scan DIR/<name>` would see it); paths stay relative to DIR.
// A measurement tool, not an engine: it reports on stderr.
#![allow(clippy::print_stderr)]

use perfaudit_scan::python::parser::parse_module;
use perfaudit_scan::rules::{
    check_module, codes, collect_facts, may_have_facts, ModuleInput, ProjectIndex, RuleSettings,
};
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Nanoseconds spent in each phase, summed over threads.
static PARSE_NS: AtomicU64 = AtomicU64::new(0);
static FACTS_NS: AtomicU64 = AtomicU64::new(0);
static CHECK_NS: AtomicU64 = AtomicU64::new(0);

fn timed<T>(counter: &AtomicU64, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let v = f();
    counter.fetch_add(t.elapsed().as_nanos() as u64, Relaxed);
    v
}
use std::path::{Path, PathBuf};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut root = None;
    let mut no_rules = false;
    let mut stats = false;
    let mut each = false;
    let mut select: Option<String> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--no-rules" => no_rules = true,
            "--stats" => stats = true,
            "--each" => each = true,
            "--select" => select = args.next(),
            other => root = Some(PathBuf::from(other)),
        }
    }
    let root = root.expect("usage: rules_check DIR [--no-rules] [--select CODES] [--stats]");
    let t0 = Instant::now();
    let files = walk(&root);
    let mut settings = RuleSettings::default();
    if let Some(sel) = select {
        settings.enabled = sel
            .split(',')
            .filter_map(codes::selecting)
            .fold(perfaudit_scan::rules::RuleSet::empty(), |a, b| a.union(b));
    }
    let rel = |p: &Path| -> String {
        p.strip_prefix(&root)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    if no_rules {
        let n: usize = files
            .par_iter()
            .map(|p| {
                let Ok(src) = std::fs::read_to_string(p) else {
                    return 0;
                };
                usize::from(parse_module(&src).is_ok())
            })
            .sum();
        if stats {
            eprintln!(
                "files={} parsed={n} elapsed={:?}",
                files.len(),
                t0.elapsed()
            );
        }
        return;
    }
    // Phase 1: read every file once; facts from model/migration modules.
    let sources: Vec<(PathBuf, String)> = files
        .par_iter()
        .filter_map(|p| Some((p.clone(), std::fs::read_to_string(p).ok()?)))
        .collect();
    let facts: Vec<_> = sources
        .par_iter()
        .filter_map(|(p, src)| {
            if !timed(&FACTS_NS, || may_have_facts(src)) {
                return None;
            }
            let parsed = timed(&FACTS_NS, || parse_module(src)).ok()?;
            let r = rel(p);
            Some(timed(&FACTS_NS, || {
                collect_facts(&ModuleInput {
                    rel_path: &r,
                    module_name: None,
                    source: src,
                    parsed: &parsed,
                })
            }))
        })
        .collect();
    let n_fact_files = facts.len();
    // One project per directory under the root with `--each`, else the root.
    let project_of = |rel: &str| -> String {
        if each {
            rel.split('/').next().unwrap_or("").to_string()
        } else {
            String::new()
        }
    };
    let mut grouped: HashMap<String, Vec<_>> = HashMap::new();
    for f in facts {
        grouped.entry(project_of(&f.path)).or_default().push(f);
    }
    for (p, _) in &sources {
        grouped.entry(project_of(&rel(p))).or_default();
    }
    let projects: HashMap<String, (ProjectIndex, RuleSettings)> = grouped
        .into_iter()
        .map(|(name, facts)| {
            let mut s = settings.clone();
            s.mysql_only = perfaudit_scan::rules::database::mysql_only_project(&root.join(&name));
            (name, (ProjectIndex::from_facts(facts), s))
        })
        .collect();
    let n_models: usize = projects.values().map(|(p, _)| p.models.models.len()).sum();
    let mysql_only: Vec<&str> = projects
        .iter()
        .filter(|(_, (_, s))| s.mysql_only)
        .map(|(n, _)| n.as_str())
        .collect();
    let t1 = t0.elapsed();
    // Phase 2: parse and run the rules.
    let mut findings: Vec<_> = sources
        .par_iter()
        .flat_map_iter(|(p, src)| {
            let Ok(parsed) = timed(&PARSE_NS, || parse_module(src)) else {
                return Vec::new();
            };
            let r = rel(p);
            let (project, settings) = &projects[&project_of(&r)];
            timed(&CHECK_NS, || {
                check_module(
                    &ModuleInput {
                        rel_path: &r,
                        module_name: None,
                        source: src,
                        parsed: &parsed,
                    },
                    project,
                    settings,
                )
            })
        })
        .collect();
    findings.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    let out = std::io::stdout();
    let mut w = std::io::BufWriter::new(out.lock());
    for f in &findings {
        let _ = writeln!(w, "{}", serde_json::to_string(f).unwrap_or_default());
    }
    let _ = w.flush();
    if stats {
        let mut counts = std::collections::BTreeMap::new();
        for f in &findings {
            *counts.entry(f.code.as_str()).or_insert(0usize) += 1;
        }
        let (parse, facts, check) = (
            PARSE_NS.load(Relaxed) as f64 / 1e9,
            FACTS_NS.load(Relaxed) as f64 / 1e9,
            CHECK_NS.load(Relaxed) as f64 / 1e9,
        );
        eprintln!(
            "files={} projects={} fact_files={n_fact_files} models={n_models} mysql_only={mysql_only:?} index_built={t1:?} elapsed={:?}",
            files.len(),
            projects.len(),
            t0.elapsed()
        );
        eprintln!(
            "cpu: parse={parse:.3}s facts(parse+collect)={facts:.3}s rules={check:.3}s overhead={:.1}%",
            100.0 * (facts + check) / parse
        );
        for (c, n) in counts {
            eprintln!("{c} {n}");
        }
    }
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .filter_entry(|e| {
            let n = e.file_name().to_string_lossy();
            !matches!(
                n.as_ref(),
                ".git"
                    | "venv"
                    | ".venv"
                    | "node_modules"
                    | "site-packages"
                    | "__pycache__"
                    | "build"
                    | "dist"
                    | ".tox"
                    | ".mypy_cache"
            )
        })
        .build();
    for e in walker.flatten() {
        if e.file_type().is_some_and(|t| t.is_file())
            && e.path().extension().is_some_and(|x| x == "py")
        {
            files.push(e.into_path());
        }
    }
    files.sort();
    files
}

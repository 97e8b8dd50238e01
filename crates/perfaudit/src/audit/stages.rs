//! One function per engine: settings in, a run-record section out (errors as text).

use super::collect;
use super::config::{BenchSettings, ImportsSettings, LoadSettings, MonitorSettings, ScanSettings};
use super::service::resolve_url;
use perfaudit_model::run::{BenchSection, FindingView, ImportsSection, ScanSection};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use perfaudit_bench::quote_word as sh_quote;

/// Lines of code shown before and after a finding's line.
const CONTEXT_LINES: u32 = 2;

pub(crate) fn scan(s: &ScanSettings) -> Result<ScanSection, String> {
    if !s.root.exists() {
        return Err(format!("{} does not exist", s.root.display()));
    }
    let report = perfaudit_scan::scan(&s.root, &s.engine, &|_| {});
    let base = if s.root.is_file() {
        s.root.parent().map(Path::to_path_buf).unwrap_or_default()
    } else {
        s.root.clone()
    };
    let mut sources: HashMap<String, Option<Vec<String>>> = HashMap::new();
    let mut ordered: Vec<&perfaudit_model::scan::Finding> = report.findings.iter().collect();
    ordered.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.path.cmp(&b.path))
            .then(a.line.cmp(&b.line))
    });
    let findings = ordered
        .into_iter()
        .map(|f| {
            let lines = sources.entry(f.path.clone()).or_insert_with(|| {
                std::fs::read(base.join(&f.path)).ok().map(|b| {
                    String::from_utf8_lossy(&b)
                        .lines()
                        .map(|l| l.chars().take(300).collect())
                        .collect()
                })
            });
            let snippet = lines.as_ref().map_or_else(Vec::new, |lines| {
                let first = f.line.saturating_sub(CONTEXT_LINES).max(1);
                let last = (f.line + CONTEXT_LINES).min(lines.len() as u32);
                (first..=last)
                    .filter_map(|n| lines.get(n as usize - 1).map(|t| (n, t.clone())))
                    .collect()
            });
            FindingView {
                code: f.code.clone(),
                name: f.name.clone(),
                severity: f.severity,
                path: f.path.clone(),
                line: f.line,
                column: f.column,
                message: f.message.clone(),
                help: f.help.clone(),
                snippet,
            }
        })
        .collect();
    let counts = BTreeMap::from([
        ("error".to_string(), report.summary.error),
        ("warning".to_string(), report.summary.warning),
        ("info".to_string(), report.summary.info),
    ]);
    Ok(ScanSection {
        root: s.root.display().to_string(),
        files: report.files,
        lines: report.lines,
        counts,
        findings,
    })
}

pub(crate) fn imports(i: &ImportsSettings) -> Result<ImportsSection, String> {
    let mut spec = perfaudit_bench::ImportsSpec::new(i.module.clone());
    spec.python = i.python.clone();
    spec.runs = i.runs as usize;
    spec.top = 15;
    spec.cwd = Some(i.cwd.clone());
    let doc = perfaudit_bench::profile_imports(&spec).map_err(|e| e.to_string())?;
    Ok(collect::imports_section(&doc))
}

pub(crate) fn bench(b: &BenchSettings) -> Result<BenchSection, String> {
    let words: Vec<String> = b.argv.iter().map(|a| sh_quote(a)).collect();
    let command = format!(
        "cd {} && exec {}",
        sh_quote(&b.cwd.to_string_lossy()),
        words.join(" ")
    );
    let mut spec =
        perfaudit_bench::BenchSpec::new(vec![perfaudit_bench::CommandSpec::new(command)]);
    spec.runs = perfaudit_bench::RunCount::exactly(u64::from(b.runs));
    spec.warmup = u64::from(b.warmup);
    let doc =
        perfaudit_bench::run_benchmark(&spec, &mut perfaudit_bench::RealExecutor, &mut |_| {})
            .map_err(|e| e.to_string())?;
    let r = doc
        .results
        .first()
        .ok_or_else(|| "the benchmark produced no result".to_string())?;
    Ok(collect::bench_section(&b.name, &b.display, r))
}

pub(crate) fn start_monitor(
    pid: u32,
    m: &MonitorSettings,
) -> Result<perfaudit_monitor::MonitorHandle, String> {
    let mut spec = perfaudit_monitor::MonitorSpec::pid(pid);
    spec.interval = m.interval;
    spec.alerts = m.alerts.clone();
    perfaudit_monitor::Monitor::start(spec).map_err(|e| e.to_string())
}

/// The plan of one `[[load]]`, built by the same code as `perfaudit load --scenario`: its
/// URLs resolved against the service (`{port}` substituted; a path is relative to the
/// service), then [`perfaudit_load::Scenario::build`].
pub(crate) fn load_plan(
    l: &LoadSettings,
    port: Option<u16>,
) -> Result<perfaudit_load::LoadPlan, String> {
    let mut sc = l.scenario.clone();
    let service_url = |u: &str| resolve_url(u, port);
    sc.url = match (&sc.url, port) {
        (Some(u), _) => Some(service_url(u)),
        (None, Some(_)) => Some(service_url("/")),
        (None, None) => None,
    };
    if let Some(p) = port {
        for ep in &mut sc.endpoints {
            ep.url = super::service::subst(&ep.url, p);
        }
    }
    let threads_given = sc.threads.is_some();
    // File names are absolute already; "." is only the fallback for none.
    let mut plan = sc.build(Path::new(".")).map_err(|e| e.to_string())?;
    if plan.endpoints.len() == 1 && sc.endpoints.is_empty() {
        plan.endpoints[0].name = l.name.clone();
    }
    if !threads_given {
        plan.threads = plan.threads.min(plan.connections).max(1);
    }
    plan.validate().map_err(|e| e.to_string())?;
    Ok(plan)
}

//! The metric catalog: every metric an audit run can produce, in one table. Each row declares
//! its name, unit (which decides how KPI targets are parsed), which direction is worse, the
//! evidence a regression test uses, and whether it is a regression metric by default. KPIs,
//! the comparison, the reports and the README's metric table come from here.

use crate::run::Better;

/// Where a metric lives: its full name is built from the scope and the row's `suffix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `<suffix>`, e.g. `latency.p95`.
    Run,
    /// `load.<scenario>.<suffix>`.
    Scenario,
    /// `load.<scenario>.<endpoint>.<suffix>`.
    Endpoint,
    /// `bench.<name>.<suffix>`.
    Bench,
    /// `imports.<module>` (the suffix is empty).
    Import,
}

/// What independent units a regression test of the metric compares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Evidence {
    /// The q-quantile of each block of consecutive seconds (batch quantiles).
    Quantile(f64),
    /// The mean latency of each block (batch means).
    Mean,
    /// Responses per second, one unit per second.
    Throughput,
    /// Failed share of each second's requests.
    ErrorShare,
    /// The smallest (`false`) or largest (`true`) latency of each second.
    Extreme(bool),
    /// Service CPU time per response, one unit per second.
    CpuPerResponse,
    /// Each repetition is one unit (cold starts, benchmark runs, import runs).
    Repetitions,
    /// An exact count: the threshold alone decides.
    Count,
    /// No independent units (a summary of correlated samples): KPI only.
    None,
}

impl Evidence {
    pub fn describe(self) -> &'static str {
        match self {
            Evidence::Quantile(_) => "per-block quantile",
            Evidence::Mean => "per-block mean",
            Evidence::Throughput => "per-second rate",
            Evidence::ErrorShare => "per-second share",
            Evidence::Extreme(_) => "per-second extreme",
            Evidence::CpuPerResponse => "per-second ratio",
            Evidence::Repetitions => "repetitions",
            Evidence::Count => "exact count",
            Evidence::None => "none",
        }
    }
}

/// A latency statistic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stat {
    Min,
    Mean,
    /// A quantile, 0..1.
    Q(f64),
    Max,
}

/// Where a metric's value comes from in a run (the extraction is one exhaustive match over
/// this, in the audit's `collect`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source {
    Latency(Stat),
    Rps,
    Requests,
    ErrorRate,
    ColdStart,
    CpuMean,
    CpuMax,
    CpuPerRequest,
    MemoryMean,
    MemoryMax,
    RssMean,
    RssMax,
    ThreadsMax,
    FdsMax,
    ImportTime,
    /// Findings of one severity (`None`: all).
    Findings(Option<&'static str>),
    BenchMean,
    BenchMedian,
    BenchMax,
    ImportModule,
}

/// One row of the catalog.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricDef {
    pub scope: Scope,
    pub suffix: &'static str,
    /// How the value is extracted from a run.
    pub source: Source,
    /// `ms`, `%`, `bytes`, `req/s`, `count`.
    pub unit: &'static str,
    pub better: Better,
    pub evidence: Evidence,
    /// A regression metric when `[regression] metrics` is not given.
    pub gated: bool,
    pub what: &'static str,
}

#[allow(clippy::too_many_arguments)]
const fn row(
    scope: Scope,
    suffix: &'static str,
    source: Source,
    unit: &'static str,
    better: Better,
    evidence: Evidence,
    gated: bool,
    what: &'static str,
) -> MetricDef {
    MetricDef {
        scope,
        suffix,
        source,
        unit,
        better,
        evidence,
        gated,
        what,
    }
}

use Better::{Higher, Lower};
use Evidence as E;
use Scope::*;
use Source as S;
use Stat as St;

/// Every metric. Latency statistics of the whole run are the worst scenario's (see
/// [`WORST_SCENARIO`]).
#[rustfmt::skip]
pub const METRICS: &[MetricDef] = &[
    row(Run, "latency.min", S::Latency(St::Min), "ms", Lower, E::Extreme(false), false, "the smallest latency of any scenario"),
    row(Run, "latency.mean", S::Latency(St::Mean), "ms", Lower, E::Mean, true, "the largest scenario mean latency"),
    row(Run, "latency.p50", S::Latency(St::Q(0.50)), "ms", Lower, E::Quantile(0.50), true, "the largest scenario median"),
    row(Run, "latency.p90", S::Latency(St::Q(0.90)), "ms", Lower, E::Quantile(0.90), true, "the largest scenario p90"),
    row(Run, "latency.p95", S::Latency(St::Q(0.95)), "ms", Lower, E::Quantile(0.95), true, "the largest scenario p95"),
    row(Run, "latency.p99", S::Latency(St::Q(0.99)), "ms", Lower, E::Quantile(0.99), false, "the largest scenario p99"),
    row(Run, "latency.p999", S::Latency(St::Q(0.999)), "ms", Lower, E::Quantile(0.999), false, "the largest scenario p99.9"),
    row(Run, "latency.max", S::Latency(St::Max), "ms", Lower, E::Extreme(true), false, "the largest latency of any scenario"),
    row(Run, "rps", S::Rps, "req/s", Higher, E::Throughput, true, "responses per second over all scenarios (errors are in `error_rate`)"),
    row(Run, "requests", S::Requests, "count", Higher, E::Count, false, "requests completed, failed or not sent"),
    row(Run, "error_rate", S::ErrorRate, "%", Lower, E::ErrorShare, true, "failed share: transport errors, 4xx, 5xx, open-model requests not sent"),
    row(Run, "cold_start", S::ColdStart, "ms", Lower, E::Repetitions, true, "spawn until the ready URL answered (median of `[service] cold_starts`)"),
    row(Run, "cpu.mean", S::CpuMean, "%", Lower, E::None, false, "the service's CPU under load (100% = one core)"),
    row(Run, "cpu.max", S::CpuMax, "%", Lower, E::None, false, "the service's peak CPU"),
    row(Run, "cpu.per_request", S::CpuPerRequest, "ms", Lower, E::CpuPerResponse, false, "the service's CPU time per response (work-normalised CPU)"),
    row(Run, "memory.mean", S::MemoryMean, "bytes", Lower, E::None, false, "the service tree's real memory under load: PSS (shared pages divided among the processes mapping them), the RSS sum when PSS is not readable"),
    row(Run, "memory.max", S::MemoryMax, "bytes", Lower, E::None, false, "its peak"),
    row(Run, "rss.mean", S::RssMean, "bytes", Lower, E::None, false, "the plain sum of the tree's RSS (a pre-fork server's shared pages counted once per worker)"),
    row(Run, "rss.max", S::RssMax, "bytes", Lower, E::None, false, "the service's peak resident memory"),
    row(Run, "threads.max", S::ThreadsMax, "count", Lower, E::None, false, "the service's most threads"),
    row(Run, "fds.max", S::FdsMax, "count", Lower, E::None, false, "the service's most open files"),
    row(Run, "import_time", S::ImportTime, "ms", Lower, E::Repetitions, true, "import time of the slowest profiled module (median)"),
    row(Run, "findings.error", S::Findings(Some("error")), "count", Lower, E::Count, true, "static findings of severity error"),
    row(Run, "findings.warning", S::Findings(Some("warning")), "count", Lower, E::Count, true, "static findings of severity warning"),
    row(Run, "findings.info", S::Findings(Some("info")), "count", Lower, E::Count, false, "static findings of severity info"),
    row(Run, "findings.total", S::Findings(None), "count", Lower, E::Count, true, "all static findings"),
    row(Scenario, "latency.min", S::Latency(St::Min), "ms", Lower, E::Extreme(false), false, "one scenario's smallest latency"),
    row(Scenario, "latency.mean", S::Latency(St::Mean), "ms", Lower, E::Mean, true, "one scenario's mean latency"),
    row(Scenario, "latency.p50", S::Latency(St::Q(0.50)), "ms", Lower, E::Quantile(0.50), true, "one scenario's median"),
    row(Scenario, "latency.p90", S::Latency(St::Q(0.90)), "ms", Lower, E::Quantile(0.90), false, "one scenario's p90"),
    row(Scenario, "latency.p95", S::Latency(St::Q(0.95)), "ms", Lower, E::Quantile(0.95), true, "one scenario's p95"),
    row(Scenario, "latency.p99", S::Latency(St::Q(0.99)), "ms", Lower, E::Quantile(0.99), false, "one scenario's p99"),
    row(Scenario, "latency.p999", S::Latency(St::Q(0.999)), "ms", Lower, E::Quantile(0.999), false, "one scenario's p99.9"),
    row(Scenario, "latency.max", S::Latency(St::Max), "ms", Lower, E::Extreme(true), false, "one scenario's largest latency"),
    row(Scenario, "rps", S::Rps, "req/s", Higher, E::Throughput, true, "one scenario's responses per second"),
    row(Scenario, "requests", S::Requests, "count", Higher, E::Count, false, "one scenario's requests"),
    row(Scenario, "error_rate", S::ErrorRate, "%", Lower, E::ErrorShare, true, "one scenario's failed share"),
    row(Endpoint, "latency.mean", S::Latency(St::Mean), "ms", Lower, E::None, false, "one endpoint's mean latency"),
    row(Endpoint, "latency.p50", S::Latency(St::Q(0.50)), "ms", Lower, E::None, false, "one endpoint's median"),
    row(Endpoint, "latency.p95", S::Latency(St::Q(0.95)), "ms", Lower, E::None, false, "one endpoint's p95"),
    row(Endpoint, "latency.p99", S::Latency(St::Q(0.99)), "ms", Lower, E::None, false, "one endpoint's p99"),
    row(Endpoint, "latency.max", S::Latency(St::Max), "ms", Lower, E::None, false, "one endpoint's largest latency"),
    row(Endpoint, "requests", S::Requests, "count", Higher, E::Count, false, "one endpoint's requests"),
    row(Endpoint, "error_rate", S::ErrorRate, "%", Lower, E::None, false, "one endpoint's failed share"),
    row(Bench, "mean", S::BenchMean, "ms", Lower, E::Repetitions, true, "a benchmarked command's mean time"),
    row(Bench, "median", S::BenchMedian, "ms", Lower, E::Repetitions, true, "its median time"),
    row(Bench, "max", S::BenchMax, "ms", Lower, E::None, false, "its slowest run"),
    row(Import, "", S::ImportModule, "ms", Lower, E::Repetitions, true, "one module's import time (median)"),
];

/// What the run-level latency statistics are: documented in one place.
pub const WORST_SCENARIO: &str = "the run-level `latency.*` statistics are the worst \
scenario's (the largest scenario value; for `latency.min` the smallest), so no slow scenario \
hides behind a fast one";

/// The names a run's metrics carry.
#[derive(Debug, Clone, Default)]
pub struct Names<'a> {
    /// Each scenario with its endpoints' names.
    pub scenarios: Vec<(&'a str, Vec<&'a str>)>,
    pub benches: Vec<&'a str>,
    pub modules: Vec<&'a str>,
}

impl MetricDef {
    /// The full name of this row for one scenario / endpoint / bench / module.
    pub fn name(&self, a: &str, b: &str) -> String {
        match self.scope {
            Scope::Run => self.suffix.to_string(),
            Scope::Scenario => format!("load.{a}.{}", self.suffix),
            Scope::Endpoint => format!("load.{a}.{b}.{}", self.suffix),
            Scope::Bench => format!("bench.{a}.{}", self.suffix),
            Scope::Import => format!("imports.{a}"),
        }
    }

    /// The name pattern shown in the README: `load.<scenario>.latency.p95`.
    pub fn pattern(&self) -> String {
        self.name("<scenario>", "<endpoint>")
            .replace("bench.<scenario>", "bench.<name>")
            .replace("imports.<scenario>", "imports.<module>")
    }
}

/// Every metric name of a run with these scenarios, benches and modules, with its row.
/// `with_load` / `with_service` / ... say which stages ran.
pub fn expand(names: &Names<'_>) -> Vec<(String, &'static MetricDef)> {
    let mut out = Vec::new();
    for d in METRICS {
        match d.scope {
            Scope::Run => out.push((d.name("", ""), d)),
            Scope::Scenario => {
                for (s, _) in &names.scenarios {
                    out.push((d.name(s, ""), d));
                }
            }
            Scope::Endpoint => {
                for (s, eps) in &names.scenarios {
                    for e in eps {
                        out.push((d.name(s, e), d));
                    }
                }
            }
            Scope::Bench => {
                for b in &names.benches {
                    out.push((d.name(b, ""), d));
                }
            }
            Scope::Import => {
                for m in &names.modules {
                    out.push((d.name(m, ""), d));
                }
            }
        }
    }
    out
}

/// The row of a metric name, from its shape alone: `load.<s>.<suffix>` (a scenario name has no
/// dot), `load.<s>.<e>.<suffix>`, `bench.<b>.<suffix>`, `imports.<m>`, or a run-level name.
/// `scenarios`, when given, are the known scenario names (they may then contain dots).
pub fn find(name: &str, scenarios: Option<&[&str]>) -> Option<&'static MetricDef> {
    if let Some(d) = METRICS
        .iter()
        .find(|d| d.scope == Scope::Run && d.suffix == name)
    {
        return Some(d);
    }
    if let Some(rest) = name.strip_prefix("load.") {
        let splits: Vec<(&str, &str)> = match scenarios {
            Some(known) => known
                .iter()
                .filter_map(|s| {
                    rest.strip_prefix(s)
                        .and_then(|r| r.strip_prefix('.'))
                        .map(|r| (*s, r))
                })
                .collect(),
            None => rest.split_once('.').into_iter().collect(),
        };
        for (_, after) in splits {
            if let Some(d) = METRICS
                .iter()
                .find(|d| d.scope == Scope::Scenario && d.suffix == after)
            {
                return Some(d);
            }
            if let Some((endpoint, suffix)) = after.split_once('.') {
                if !endpoint.is_empty() {
                    if let Some(d) = METRICS
                        .iter()
                        .find(|d| d.scope == Scope::Endpoint && d.suffix == suffix)
                    {
                        return Some(d);
                    }
                }
            }
        }
        return None;
    }
    if let Some(rest) = name.strip_prefix("bench.") {
        let (_, suffix) = rest.rsplit_once('.')?;
        return METRICS
            .iter()
            .find(|d| d.scope == Scope::Bench && d.suffix == suffix);
    }
    if name.strip_prefix("imports.").is_some_and(|m| !m.is_empty()) {
        return METRICS.iter().find(|d| d.scope == Scope::Import);
    }
    None
}

/// The README's metric table (checked against the README by a test).
pub fn markdown_table() -> String {
    let mut s = String::from(
        "| metric | unit | worse | regression test on | gated by default | what |\n|---|---|---|---|---|---|\n",
    );
    for d in METRICS {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            d.pattern(),
            d.unit,
            match d.better {
                Better::Lower => "higher",
                Better::Higher => "lower",
            },
            d.evidence.describe(),
            if d.gated { "yes" } else { "no" },
            d.what
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_to_their_rows() {
        assert_eq!(find("latency.p95", None).unwrap().scope, Scope::Run);
        let d = find("load.list.latency.p95", None).unwrap();
        assert_eq!(d.scope, Scope::Scenario);
        let d = find("load.mixed.document.latency.p95", None).unwrap();
        assert_eq!(d.scope, Scope::Endpoint);
        let d = find("load.a.b.latency.p95", Some(&["a.b"])).unwrap();
        assert_eq!(d.scope, Scope::Scenario);
        assert_eq!(find("bench.x.mean", None).unwrap().scope, Scope::Bench);
        assert_eq!(find("imports.app.web", None).unwrap().scope, Scope::Import);
        assert!(find("latency.p42", None).is_none());
        assert!(find("load.list.latency.p42", None).is_none());
        assert!(find("imports.", None).is_none());
    }

    #[test]
    fn every_row_has_a_unique_name_per_scope() {
        let mut seen = std::collections::BTreeSet::new();
        for d in METRICS {
            assert!(seen.insert(d.pattern()), "{} twice", d.pattern());
            assert!(["ms", "%", "bytes", "req/s", "count"].contains(&d.unit));
        }
        // Extremes and resource summaries are never gated by default.
        for d in METRICS {
            if matches!(d.evidence, Evidence::Extreme(_) | Evidence::None) {
                assert!(!d.gated, "{}", d.pattern());
            }
        }
    }
}

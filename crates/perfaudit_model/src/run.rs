//! The whole audit run (`perfaudit/run/v1`) and the comparison of two runs
//! (`perfaudit/compare/v1`). Owned by the audit stage.
//!
//! A run record is self-contained: the renderers read only this document (never the stage
//! engines), so a stored run can be re-rendered years later. Times in series are seconds since
//! the load phase began, so the load timeline and the server's resource samples share one axis.

use crate::Severity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One audit run as stored in the history and written as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Always `perfaudit/run/v1`.
    pub schema: String,
    /// Id in the history (0 before the run is stored).
    #[serde(default)]
    pub id: i64,
    /// Project name (from `[project] name`, else the directory name).
    pub project: String,
    /// RFC 3339 UTC start time.
    pub started_at: String,
    pub duration_s: f64,
    /// The config file the run was made from.
    pub config_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<GitInfo>,
    pub environment: Environment,
    /// The overall verdict: `pass`, `fail` (a KPI failed or a significant regression) or
    /// `error` (a stage could not run).
    pub status: RunStatus,
    /// KPI verdicts in config order.
    pub kpis: Vec<KpiResult>,
    /// Every measured metric by name (`latency.p95`, `rps`, `rss.max`, ...): the values KPIs
    /// and regression verdicts are computed from.
    pub metrics: BTreeMap<String, Metric>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<ScanSection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceSection>,
    #[serde(default)]
    pub load: Vec<LoadSection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitor: Option<MonitorSection>,
    #[serde(default)]
    pub bench: Vec<BenchSection>,
    #[serde(default)]
    pub imports: Vec<ImportsSection>,
    /// CPU profiles of the service per load scenario (`[profile]`), and the findings ranked
    /// by what their code cost under load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<crate::profile::ProfileSection>,
    /// Verdicts against the baseline run, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<CompareDocument>,
    /// What went wrong in stages that could not run (the run then has status `error`).
    #[serde(default)]
    pub errors: Vec<StageError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Pass,
    Fail,
    Error,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Pass => "pass",
            RunStatus::Fail => "fail",
            RunStatus::Error => "error",
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RunStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pass" => Ok(RunStatus::Pass),
            "fail" => Ok(RunStatus::Fail),
            "error" => Ok(RunStatus::Error),
            other => Err(format!("unknown run status `{other}`")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitInfo {
    pub commit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Uncommitted changes in the work tree.
    pub dirty: bool,
}

/// Where the run was measured. Two runs are comparable when their fingerprints match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Environment {
    pub hostname: String,
    pub os: String,
    pub kernel: String,
    pub arch: String,
    pub cpu_model: String,
    pub cpu_cores: u32,
    pub memory_bytes: u64,
    /// `perfaudit` and the tools the audit drove (`python3`, ...), name -> version.
    pub tools: BTreeMap<String, String>,
}

impl Environment {
    /// The differences that make two runs' numbers incomparable (hostname is not one of them;
    /// memory differing by less than 5% is not either). Empty when comparable.
    pub fn differences(&self, other: &Environment) -> Vec<String> {
        let mut diffs = Vec::new();
        let mut cmp = |what: &str, a: &str, b: &str| {
            if a != b {
                diffs.push(format!("{what}: {a} vs {b}"));
            }
        };
        cmp("CPU", &self.cpu_model, &other.cpu_model);
        cmp(
            "cores",
            &self.cpu_cores.to_string(),
            &other.cpu_cores.to_string(),
        );
        cmp("OS", &self.os, &other.os);
        cmp("arch", &self.arch, &other.arch);
        for (tool, v) in &self.tools {
            if tool == "perfaudit" {
                continue;
            }
            if let Some(w) = other.tools.get(tool) {
                cmp(tool, v, w);
            }
        }
        let (a, b) = (self.memory_bytes as f64, other.memory_bytes as f64);
        if a.max(b) > 0.0 && (a - b).abs() / a.max(b) > 0.05 {
            diffs.push(format!(
                "memory: {} MiB vs {} MiB",
                self.memory_bytes >> 20,
                other.memory_bytes >> 20
            ));
        }
        diffs
    }

    /// A stable short fingerprint of the comparable fields (FNV-1a, hex).
    pub fn fingerprint(&self) -> String {
        let mut s = format!(
            "{}|{}|{}|{}|{}",
            self.cpu_model,
            self.cpu_cores,
            self.os,
            self.arch,
            (self.memory_bytes + (1 << 29)) >> 30
        );
        for (k, v) in &self.tools {
            if k != "perfaudit" {
                s.push_str(&format!("|{k}={v}"));
            }
        }
        let mut h: u64 = 0xcbf29ce484222325;
        for b in s.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
        format!("{h:016x}")
    }
}

/// Which direction of change is an improvement for a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    Lower,
    Higher,
}

/// A measured value with its unit, and the raw observations behind it when there are any
/// (significance tests run on those).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    pub value: f64,
    /// `ms`, `s`, `us`, `bytes`, `%`, `req/s`, `count`.
    pub unit: String,
    pub better: Better,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<Distribution>,
}

/// Raw observations of a metric: plain samples (bench times, per-second rps, RSS samples) or
/// a histogram as `[value, count]` pairs (latency, from the HDR histogram).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Distribution {
    Samples { values: Vec<f64> },
    Histogram { buckets: Vec<(f64, u64)> },
}

/// Pass/warn/fail of a KPI or a metric comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KpiStatus {
    Pass,
    Warn,
    Fail,
}

impl KpiStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KpiStatus::Pass => "pass",
            KpiStatus::Warn => "warn",
            KpiStatus::Fail => "fail",
        }
    }
}

impl fmt::Display for KpiStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Comparison operator of a KPI target (the one operator of `units`).
pub use crate::units::Op;

/// A key performance indicator as configured: `latency.p95 < 100ms`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kpi {
    /// The metric name, e.g. `latency.p95`.
    pub metric: String,
    pub op: Op,
    /// The target in the metric's unit.
    pub target: f64,
    /// The target as the user wrote it, e.g. `< 100ms`.
    pub expr: String,
    /// Within this fraction of the target on the passing side counts as `warn`
    /// (default 0.1 = 10%).
    pub warn_margin: f64,
}

/// The verdict of one KPI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiResult {
    pub metric: String,
    /// The target as written, e.g. `< 100ms`.
    pub target: String,
    /// The measured value in the metric's unit; `None` when the metric was not measured.
    pub value: Option<f64>,
    pub unit: String,
    pub status: KpiStatus,
    /// One sentence: why this status.
    pub message: String,
}

/// The static scan as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanSection {
    pub root: String,
    pub files: u64,
    pub lines: u64,
    /// Findings per severity name.
    pub counts: BTreeMap<String, u64>,
    pub findings: Vec<FindingView>,
}

/// A finding with the lines of code around it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingView {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    pub help: String,
    /// `(line number, text)` around the finding (a few lines before and after).
    #[serde(default)]
    pub snippet: Vec<(u32, String)>,
}

/// The service under test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceSection {
    pub command: String,
    pub ready_url: String,
    /// From spawn until the ready URL answered.
    pub cold_start_s: f64,
    /// How it ended when stopped: `stopped by SIGTERM`, `killed`, `exited with 1 before ready`.
    pub stopped: String,
    /// The last lines the service wrote on stderr (kept for diagnosing crashes).
    #[serde(default)]
    pub stderr_tail: Vec<String>,
}

/// One load scenario's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadSection {
    pub name: String,
    pub target: String,
    /// When this scenario started, seconds since the load phase began.
    pub offset_s: f64,
    pub requests: u64,
    pub duration_s: f64,
    pub rps: f64,
    /// Failed requests / all requests (0..1). Failures: transport errors and 5xx.
    pub error_rate: f64,
    pub errors: BTreeMap<String, u64>,
    pub status: BTreeMap<String, u64>,
    pub latency_us: LatencySummary,
    /// `(percentile 0..100, latency us)` points of the latency distribution.
    pub percentiles: Vec<(f64, f64)>,
    pub timeline: Vec<LoadSecond>,
    #[serde(default)]
    pub endpoints: Vec<EndpointSummary>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct LatencySummary {
    pub min: f64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

/// One second of a load run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadSecond {
    /// Seconds since the load phase began.
    pub t_s: f64,
    pub requests: u64,
    pub errors: u64,
    pub p50_us: f64,
    pub p99_us: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointSummary {
    pub name: String,
    pub requests: u64,
    pub errors: u64,
    pub latency_us: LatencySummary,
}

/// The server's resources while under load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorSection {
    pub pid: u32,
    pub samples: Vec<ResourceSample>,
    pub cpu_pct_mean: f64,
    pub cpu_pct_max: f64,
    pub rss_bytes_mean: f64,
    pub rss_bytes_max: f64,
    /// The tree's PSS over the run (the `memory.*` metrics); absent when not readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pss_bytes_mean: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pss_bytes_max: Option<f64>,
    pub threads_max: u64,
    pub fds_max: u64,
    #[serde(default)]
    pub alerts: Vec<String>,
    /// e.g. `no leak (slope 0.3 MB/min, p=0.41)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leak: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceSample {
    /// Seconds since the load phase began (negative before it).
    pub t_s: f64,
    pub cpu_pct: f64,
    pub rss_bytes: f64,
    /// The tree's PSS (shared pages counted once); absent when not readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pss_bytes: Option<f64>,
    pub threads: u64,
    pub fds: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchSection {
    pub name: String,
    pub command: String,
    pub runs: u64,
    pub mean_s: f64,
    pub stddev_s: f64,
    pub median_s: f64,
    pub min_s: f64,
    pub max_s: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_bytes: Option<u64>,
    pub times_s: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportsSection {
    pub module: String,
    /// Total import time of the module (cumulative of the top entry), microseconds, median over runs.
    pub total_us: f64,
    /// Total import time of each repetition, microseconds.
    #[serde(default)]
    pub totals_us: Vec<f64>,
    /// The slowest imports by self time.
    pub top: Vec<ImportEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportEntry {
    pub module: String,
    pub self_us: f64,
    pub cumulative_us: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageError {
    pub stage: String,
    pub message: String,
}

/// The verdict of one metric between two runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Worse by more than the threshold, and significant.
    Regression,
    /// Better by more than the threshold, and significant.
    Improvement,
    /// Changed by more than the threshold but the test says it may be noise.
    Noise,
    /// Within the threshold.
    Unchanged,
    /// Measured in only one of the two runs.
    Missing,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Regression => "regression",
            Verdict::Improvement => "improvement",
            Verdict::Noise => "noise",
            Verdict::Unchanged => "unchanged",
            Verdict::Missing => "missing",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One metric compared between a base and a head run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricComparison {
    pub metric: String,
    pub unit: String,
    pub base: Option<f64>,
    pub head: Option<f64>,
    /// (head - base) / base; `None` when either is missing or base is 0.
    pub change: Option<f64>,
    /// Two-sided p-value of the Mann-Whitney U test, when both runs kept raw observations.
    pub p_value: Option<f64>,
    pub verdict: Verdict,
}

/// `perfaudit/compare/v1`: verdicts per metric between two runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareDocument {
    /// Always `perfaudit/compare/v1`.
    pub schema: String,
    pub base_id: i64,
    pub head_id: i64,
    pub base_started_at: String,
    pub head_started_at: String,
    /// Relative change that counts (0.2 = 20%).
    pub threshold: f64,
    /// Significance level of the test (p below it is significant).
    pub alpha: f64,
    /// Where the two environments differ (empty when comparable).
    pub environment_differences: Vec<String>,
    pub metrics: Vec<MetricComparison>,
    /// `true` when any metric regressed.
    pub regressed: bool,
    /// Functions whose self share of the CPU profile changed, per scenario both runs profiled
    /// (which function got slower). Informative: not part of `regressed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<crate::profile::FunctionChange>,
}

impl RunRecord {
    /// The worst KPI status (pass when there are none).
    pub fn worst_kpi(&self) -> KpiStatus {
        self.kpis
            .iter()
            .map(|k| k.status)
            .max()
            .unwrap_or(KpiStatus::Pass)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_differences_ignore_hostname_and_small_memory_changes() {
        let a = Environment {
            hostname: "a".into(),
            os: "Debian 12".into(),
            kernel: "6.1".into(),
            arch: "x86_64".into(),
            cpu_model: "Xeon".into(),
            cpu_cores: 2,
            memory_bytes: 8 << 30,
            tools: [("python3".to_string(), "3.11.7".to_string())].into(),
        };
        let mut b = a.clone();
        b.hostname = "b".into();
        b.memory_bytes = (8 << 30) - (100 << 20);
        assert!(a.differences(&b).is_empty());
        assert_eq!(a.fingerprint(), b.fingerprint());
        b.cpu_cores = 4;
        b.tools.insert("python3".into(), "3.12.0".into());
        let d = a.differences(&b);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].starts_with("cores"));
        assert_ne!(a.fingerprint(), b.fingerprint());
    }

    #[test]
    fn ops_and_distribution_json() {
        assert!(Op::Lt.holds(1.0, 2.0) && !Op::Lt.holds(2.0, 2.0));
        assert!(Op::Ge.holds(2.0, 2.0) && Op::Eq.holds(0.0, 0.0));
        let d = Distribution::Histogram {
            buckets: vec![(1.0, 3)],
        };
        let j = serde_json::to_string(&d).unwrap();
        assert_eq!(j, r#"{"kind":"histogram","buckets":[[1.0,3]]}"#);
        assert_eq!(serde_json::from_str::<Distribution>(&j).unwrap(), d);
    }
}

//! `perfaudit bench` and `perfaudit imports` documents (owned by the bench stage).
//!
//! Field names are a public contract (DESIGN.md "Output contract"): the bench document's
//! `results[]` carry `command`, `runs`, `mean_s`, `stddev_s`, `median_s`, `min_s`, `max_s`,
//! `user_s`, `system_s`, `peak_rss_bytes`, `times_s[]`, `exit_codes[]`.

use crate::common::{SCHEMA_BENCH, SCHEMA_IMPORTS};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One `perfaudit bench` run: a result per benchmarked command, and the comparisons between
/// them (each backed by a Mann-Whitney U test).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchDocument {
    /// Always `perfaudit/bench/v1`.
    pub schema: String,
    pub results: Vec<BenchResult>,
    /// Each other command against the reference (`--reference`, else the fastest).
    #[serde(default)]
    pub comparisons: Vec<BenchComparison>,
}

impl BenchDocument {
    pub fn new(results: Vec<BenchResult>, comparisons: Vec<BenchComparison>) -> Self {
        BenchDocument {
            schema: SCHEMA_BENCH.to_string(),
            results,
            comparisons,
        }
    }
}

/// What one timing measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BenchMode {
    /// From process start to its exit.
    Wall,
    /// From process start to the first 2xx answer of `ready_url` (cold start); the process
    /// group is stopped afterwards.
    Ready,
}

/// Statistics of one benchmarked command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    /// The command as run (parameters substituted).
    pub command: String,
    /// Parameter values of a scan (`-P`/`-L`), by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, String>,
    pub mode: BenchMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_url: Option<String>,
    /// Number of timed runs (warmups excluded).
    pub runs: usize,
    pub mean_s: f64,
    /// Sample standard deviation; null with a single run.
    pub stddev_s: Option<f64>,
    pub median_s: f64,
    pub min_s: f64,
    pub max_s: f64,
    /// Mean user CPU time per run (the child and the descendants it waited for).
    pub user_s: f64,
    /// Mean system CPU time per run.
    pub system_s: f64,
    /// Largest peak resident set size over the runs (`ru_maxrss` of `wait4` on that child).
    pub peak_rss_bytes: u64,
    /// Wall time of each run, in order.
    pub times_s: Vec<f64>,
    pub user_times_s: Vec<f64>,
    pub system_times_s: Vec<f64>,
    pub peak_rss_runs_bytes: Vec<u64>,
    /// Exit code of each run; null when the process was killed by a signal (or, in ready
    /// mode, stopped by perfaudit).
    pub exit_codes: Vec<Option<i32>>,
    /// Signal that ended each run, when one did.
    pub signals: Vec<Option<i32>>,
    /// Indices of runs whose modified Z-score exceeds the warning threshold.
    pub outliers: Vec<usize>,
    /// Shell start-up time subtracted from every run (0 without a shell).
    pub shell_overhead_s: f64,
    /// Human-readable warnings (outliers, slow first run, failures ignored, ...).
    pub warnings: Vec<String>,
}

/// `command` against `reference`: how many times faster or slower, and whether the
/// difference is significant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchComparison {
    pub command: String,
    pub reference: String,
    /// mean(command) / mean(reference): above 1 means `command` is slower.
    pub ratio: f64,
    /// Propagated standard uncertainty of `ratio`.
    pub ratio_stddev: f64,
    /// Mann-Whitney U statistic of `command`'s times against the reference's.
    pub u: f64,
    pub p_value: f64,
    /// Significance level the verdict used.
    pub alpha: f64,
    pub significant: bool,
    /// `faster`, `slower` (than the reference) or `not_significant`.
    pub verdict: Verdict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Faster,
    Slower,
    NotSignificant,
}

/// One `perfaudit imports` profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportsDocument {
    /// Always `perfaudit/imports/v1`.
    pub schema: String,
    /// The module imported (`import MODULE`).
    pub module: String,
    /// The interpreter used, and its version.
    pub python: String,
    pub python_version: String,
    /// Fresh interpreter processes measured.
    pub runs: usize,
    /// Median over runs of the total time importing `module` (sum of the top-level rows after
    /// interpreter start-up), microseconds.
    pub total_us: f64,
    pub total_us_runs: Vec<u64>,
    /// Median time of the imports the interpreter itself does at start-up (site, encodings).
    pub startup_us: f64,
    pub startup_modules: usize,
    /// Modules newly imported by `import module`.
    pub modules: usize,
    /// `-X importtime=2` rows for modules found already imported (Python 3.14+; else 0).
    pub cached_hits: usize,
    pub top_self: Vec<ImportEntry>,
    pub top_cumulative: Vec<ImportEntry>,
    /// The slowest top-level import and its subtree (nodes above 1% of the total).
    pub slowest_branch: Vec<ImportEntry>,
    pub split: ImportSplit,
    /// Every module imported, in tree order (parents before children), with its depth.
    pub imports: Vec<ImportEntry>,
}

impl ImportsDocument {
    pub fn schema_id() -> &'static str {
        SCHEMA_IMPORTS
    }
}

/// One module of an import profile; times are medians over the runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportEntry {
    pub module: String,
    /// Nesting level in the import tree (0: imported by the `import` statement itself).
    pub depth: usize,
    pub self_us: f64,
    pub cumulative_us: f64,
    pub kind: ModuleKind,
}

/// Where a module comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModuleKind {
    /// Neither standard library nor installed in site-packages: the code under audit.
    Application,
    /// Installed in a site-packages / dist-packages directory.
    ThirdParty,
    /// Part of the Python standard library (or built in).
    Stdlib,
}

/// Modules and self time per kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportSplit {
    pub application: ImportGroup,
    pub third_party: ImportGroup,
    pub stdlib: ImportGroup,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportGroup {
    pub modules: usize,
    pub self_us: f64,
}

//! The metric catalog: every name a KPI or a regression verdict can refer to, with its
//! dimension (which decides the unit) and which direction is better.

use perfaudit_model::run::Better;
use perfaudit_model::units::Dim;

pub(crate) const LATENCY_STATS: [&str; 8] =
    ["min", "mean", "p50", "p90", "p95", "p99", "p999", "max"];

/// Metrics that exist in every audit that runs the matching stage.
pub(crate) const GLOBAL: &[(&str, Dim, Better)] = &[
    ("latency.min", Dim::Time, Better::Lower),
    ("latency.mean", Dim::Time, Better::Lower),
    ("latency.p50", Dim::Time, Better::Lower),
    ("latency.p90", Dim::Time, Better::Lower),
    ("latency.p95", Dim::Time, Better::Lower),
    ("latency.p99", Dim::Time, Better::Lower),
    ("latency.p999", Dim::Time, Better::Lower),
    ("latency.max", Dim::Time, Better::Lower),
    ("rps", Dim::Rate, Better::Higher),
    ("requests", Dim::Count, Better::Higher),
    ("error_rate", Dim::Percent, Better::Lower),
    ("cold_start", Dim::Time, Better::Lower),
    ("cpu.mean", Dim::Percent, Better::Lower),
    ("cpu.max", Dim::Percent, Better::Lower),
    ("memory.mean", Dim::Bytes, Better::Lower),
    ("memory.max", Dim::Bytes, Better::Lower),
    ("rss.mean", Dim::Bytes, Better::Lower),
    ("rss.max", Dim::Bytes, Better::Lower),
    ("threads.max", Dim::Count, Better::Lower),
    ("fds.max", Dim::Count, Better::Lower),
    ("import_time", Dim::Time, Better::Lower),
    ("findings.error", Dim::Count, Better::Lower),
    ("findings.warning", Dim::Count, Better::Lower),
    ("findings.info", Dim::Count, Better::Lower),
    ("findings.total", Dim::Count, Better::Lower),
];

/// Per-scenario metric suffixes: `load.<scenario>.<suffix>`.
pub(crate) const PER_SCENARIO: &[(&str, Dim, Better)] = &[
    ("latency.p50", Dim::Time, Better::Lower),
    ("latency.p90", Dim::Time, Better::Lower),
    ("latency.p95", Dim::Time, Better::Lower),
    ("latency.p99", Dim::Time, Better::Lower),
    ("latency.max", Dim::Time, Better::Lower),
    ("rps", Dim::Rate, Better::Higher),
    ("error_rate", Dim::Percent, Better::Lower),
];

/// Per-benchmark metric suffixes: `bench.<name>.<suffix>`.
pub(crate) const PER_BENCH: &[(&str, Dim, Better)] = &[
    ("mean", Dim::Time, Better::Lower),
    ("median", Dim::Time, Better::Lower),
    ("max", Dim::Time, Better::Lower),
];

/// Every metric name a config with these scenario, bench and import names can produce.
pub(crate) fn catalog(
    scenarios: &[String],
    benches: &[String],
    modules: &[String],
) -> Vec<(String, Dim, Better)> {
    let mut all: Vec<(String, Dim, Better)> = GLOBAL
        .iter()
        .map(|(n, d, b)| (n.to_string(), *d, *b))
        .collect();
    for s in scenarios {
        for (suffix, d, b) in PER_SCENARIO {
            all.push((format!("load.{s}.{suffix}"), *d, *b));
        }
    }
    for s in benches {
        for (suffix, d, b) in PER_BENCH {
            all.push((format!("bench.{s}.{suffix}"), *d, *b));
        }
    }
    for m in modules {
        all.push((format!("imports.{m}"), Dim::Time, Better::Lower));
    }
    all
}

/// The closest candidate within a small edit distance, for "did you mean".
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

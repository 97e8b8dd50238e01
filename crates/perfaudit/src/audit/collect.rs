//! Turn the engines' documents into the run record's sections, and the sections into the
//! metrics KPIs and regression verdicts are computed from.

use perfaudit_model::histogram::Histogram;
pub(crate) use perfaudit_model::project::{
    bench_section, imports_section, load_section, monitor_section,
};
use perfaudit_model::run::*;
use std::collections::BTreeMap;

fn metric(value: f64, unit: &str, better: Better, distribution: Option<Distribution>) -> Metric {
    Metric {
        value,
        unit: unit.to_string(),
        better,
        distribution,
    }
}

fn samples(values: Vec<f64>) -> Option<Distribution> {
    (!values.is_empty()).then_some(Distribution::Samples { values })
}

/// Per-second throughput samples of a timeline (the last, partial second left out when there
/// are others).
fn rps_samples(l: &LoadSection) -> Vec<f64> {
    let n = l.timeline.len();
    let keep = if n > 2 { n - 1 } else { n };
    l.timeline
        .iter()
        .take(keep)
        .map(|t| t.requests as f64)
        .collect()
}

fn latency_metrics(
    out: &mut BTreeMap<String, Metric>,
    prefix: &str,
    h: &Histogram,
    stats: &[&str],
) {
    if h.is_empty() {
        return;
    }
    let buckets = coarse_buckets(h.iter_recorded());
    let dist = Distribution::Histogram { buckets };
    let s = h.summary();
    for stat in stats {
        let us = match *stat {
            "min" => s.min as f64,
            "mean" => s.mean,
            "p50" => s.p50 as f64,
            "p90" => s.p90 as f64,
            "p95" => s.p95 as f64,
            "p99" => s.p99 as f64,
            "p999" => s.p999 as f64,
            _ => s.max as f64,
        };
        out.insert(
            format!("{prefix}latency.{stat}"),
            metric(us / 1e3, "ms", Better::Lower, Some(dist.clone())),
        );
    }
}

/// Relative width of the latency buckets kept for significance tests: far below any regression
/// threshold, and it keeps a stored run small (a few hundred buckets at most).
const BUCKET_WIDTH: f64 = 0.02;

/// Latency values (us) and counts, merged into log-spaced buckets of [`BUCKET_WIDTH`], in ms.
fn coarse_buckets(recorded: impl Iterator<Item = (u64, u64)>) -> Vec<(f64, u64)> {
    let step = (1.0 + BUCKET_WIDTH).ln();
    let mut merged: BTreeMap<i64, u64> = BTreeMap::new();
    for (us, count) in recorded {
        let ms = (us.max(1)) as f64 / 1e3;
        *merged.entry((ms.ln() / step).round() as i64).or_default() += count;
    }
    merged
        .into_iter()
        .map(|(k, c)| {
            let v = (k as f64 * step).exp();
            ((v * 1e4).round() / 1e4, c)
        })
        .collect()
}

/// Everything the engines measured, as metrics. `histograms` are the scenarios' latency
/// histograms in the order of `run.load`.
pub(crate) fn metrics(run: &RunRecord, histograms: &[Histogram]) -> BTreeMap<String, Metric> {
    let mut m = BTreeMap::new();
    if let Some(s) = &run.scan {
        let c = |k: &str| s.counts.get(k).copied().unwrap_or(0) as f64;
        m.insert(
            "findings.error".into(),
            metric(c("error"), "count", Better::Lower, None),
        );
        m.insert(
            "findings.warning".into(),
            metric(c("warning"), "count", Better::Lower, None),
        );
        m.insert(
            "findings.info".into(),
            metric(c("info"), "count", Better::Lower, None),
        );
        m.insert(
            "findings.total".into(),
            metric(s.findings.len() as f64, "count", Better::Lower, None),
        );
    }
    if let Some(s) = &run.service {
        m.insert(
            "cold_start".into(),
            metric(
                s.cold_start_s * 1e3,
                "ms",
                Better::Lower,
                samples(vec![s.cold_start_s * 1e3]),
            ),
        );
    }
    if !run.load.is_empty() {
        let mut all = Histogram::new();
        for h in histograms {
            let _ = all.merge(h);
        }
        latency_metrics(&mut m, "", &all, &crate::audit::metrics::LATENCY_STATS);
        let requests: u64 = run.load.iter().map(|l| l.requests).sum();
        let duration: f64 = run.load.iter().map(|l| l.duration_s).sum();
        let errors: f64 = run
            .load
            .iter()
            .map(|l| l.error_rate * l.requests as f64)
            .sum();
        let rps_all: Vec<f64> = run.load.iter().flat_map(rps_samples).collect();
        m.insert(
            "rps".into(),
            metric(
                if duration > 0.0 {
                    requests as f64 / duration
                } else {
                    0.0
                },
                "req/s",
                Better::Higher,
                samples(rps_all),
            ),
        );
        m.insert(
            "requests".into(),
            metric(requests as f64, "count", Better::Higher, None),
        );
        let err_samples: Vec<f64> = run
            .load
            .iter()
            .flat_map(|l| l.timeline.iter())
            .filter(|t| t.requests > 0)
            .map(|t| t.errors as f64 / t.requests as f64 * 100.0)
            .collect();
        m.insert(
            "error_rate".into(),
            metric(
                if requests > 0 {
                    errors / requests as f64 * 100.0
                } else {
                    0.0
                },
                "%",
                Better::Lower,
                samples(err_samples),
            ),
        );
        for (l, h) in run.load.iter().zip(histograms) {
            let prefix = format!("load.{}.", l.name);
            latency_metrics(&mut m, &prefix, h, &["p50", "p90", "p95", "p99", "max"]);
            m.insert(
                format!("{prefix}rps"),
                metric(l.rps, "req/s", Better::Higher, samples(rps_samples(l))),
            );
            m.insert(
                format!("{prefix}error_rate"),
                metric(l.error_rate * 100.0, "%", Better::Lower, None),
            );
        }
    }
    if let Some(mon) = &run.monitor {
        let cpu: Vec<f64> = mon.samples.iter().map(|s| s.cpu_pct).collect();
        let rss: Vec<f64> = mon.samples.iter().map(|s| s.rss_bytes).collect();
        m.insert(
            "cpu.mean".into(),
            metric(mon.cpu_pct_mean, "%", Better::Lower, samples(cpu.clone())),
        );
        m.insert(
            "cpu.max".into(),
            metric(mon.cpu_pct_max, "%", Better::Lower, samples(cpu)),
        );
        m.insert(
            "rss.mean".into(),
            metric(
                mon.rss_bytes_mean,
                "bytes",
                Better::Lower,
                samples(rss.clone()),
            ),
        );
        m.insert(
            "rss.max".into(),
            metric(mon.rss_bytes_max, "bytes", Better::Lower, samples(rss)),
        );
        // The tree's memory: PSS (shared pages counted once) when smaps_rollup was readable,
        // else the RSS sum (which counts a pre-fork server's shared pages once per process).
        let pss: Option<Vec<f64>> = mon.samples.iter().map(|s| s.pss_bytes).collect();
        let (mem_mean, mem_max, mem_samples) = match (mon.pss_bytes_mean, mon.pss_bytes_max, pss) {
            (Some(mean), Some(max), Some(p)) => (mean, max, p),
            _ => (
                mon.rss_bytes_mean,
                mon.rss_bytes_max,
                mon.samples.iter().map(|s| s.rss_bytes).collect(),
            ),
        };
        m.insert(
            "memory.mean".into(),
            metric(
                mem_mean,
                "bytes",
                Better::Lower,
                samples(mem_samples.clone()),
            ),
        );
        m.insert(
            "memory.max".into(),
            metric(mem_max, "bytes", Better::Lower, samples(mem_samples)),
        );
        m.insert(
            "threads.max".into(),
            metric(mon.threads_max as f64, "count", Better::Lower, None),
        );
        m.insert(
            "fds.max".into(),
            metric(mon.fds_max as f64, "count", Better::Lower, None),
        );
    }
    for b in &run.bench {
        let ms: Vec<f64> = b.times_s.iter().map(|t| t * 1e3).collect();
        let p = format!("bench.{}.", b.name);
        m.insert(
            format!("{p}mean"),
            metric(b.mean_s * 1e3, "ms", Better::Lower, samples(ms.clone())),
        );
        m.insert(
            format!("{p}median"),
            metric(b.median_s * 1e3, "ms", Better::Lower, samples(ms.clone())),
        );
        m.insert(
            format!("{p}max"),
            metric(b.max_s * 1e3, "ms", Better::Lower, samples(ms)),
        );
    }
    let mut slowest: Option<&ImportsSection> = None;
    for i in &run.imports {
        let ms: Vec<f64> = i.totals_us.iter().map(|t| t / 1e3).collect();
        m.insert(
            format!("imports.{}", i.module),
            metric(i.total_us / 1e3, "ms", Better::Lower, samples(ms)),
        );
        if slowest.is_none_or(|s| i.total_us > s.total_us) {
            slowest = Some(i);
        }
    }
    if let Some(i) = slowest {
        let ms: Vec<f64> = i.totals_us.iter().map(|t| t / 1e3).collect();
        m.insert(
            "import_time".into(),
            metric(i.total_us / 1e3, "ms", Better::Lower, samples(ms)),
        );
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_merged_within_two_percent() {
        let b = coarse_buckets([(10_000, 3), (10_020, 2), (20_000, 1)].into_iter());
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].1, 5);
        assert!((b[0].0 - 10.0).abs() / 10.0 < 0.02, "{b:?}");
        assert!((b[1].0 - 20.0).abs() / 20.0 < 0.02, "{b:?}");
    }
}

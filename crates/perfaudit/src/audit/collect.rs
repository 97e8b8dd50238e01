//! Turn the engines' documents into the run record's sections, and the sections into the
//! metrics KPIs and regression verdicts are computed from.

use perfaudit_model::bench::{BenchResult, ImportsDocument};
use perfaudit_model::histogram::{Histogram, LatencySummary as HdrSummary};
use perfaudit_model::load::LoadResult;
use perfaudit_model::monitor::MonitorReport;
use perfaudit_model::run::*;
use std::collections::BTreeMap;

/// Percentiles drawn in the latency curve.
const CURVE: [f64; 22] = [
    0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 75.0, 80.0, 85.0, 90.0, 95.0, 97.5, 99.0, 99.5,
    99.75, 99.9, 99.95, 99.99, 99.999, 100.0,
];

fn summary(s: &HdrSummary) -> LatencySummary {
    LatencySummary {
        min: s.min as f64,
        mean: s.mean,
        p50: s.p50 as f64,
        p90: s.p90 as f64,
        p95: s.p95 as f64,
        p99: s.p99 as f64,
        p999: s.p999 as f64,
        max: s.max as f64,
    }
}

fn curve(h: &Histogram) -> Vec<(f64, f64)> {
    if h.is_empty() {
        return Vec::new();
    }
    CURVE
        .iter()
        .map(|p| (*p, h.quantile(p / 100.0) as f64))
        .collect()
}

/// One scenario's section; `phase_start_ms` is when the load phase began (the time axis origin).
pub fn load_section(name: &str, r: &LoadResult, phase_start_ms: u64) -> LoadSection {
    let rel = |unix_ms: u64| (unix_ms as f64 - phase_start_ms as f64) / 1e3;
    LoadSection {
        name: name.to_string(),
        target: r.target.clone(),
        offset_s: rel(r.started_unix_ms),
        requests: r.requests,
        duration_s: r.duration_s,
        rps: r.rps,
        error_rate: r.error_rate,
        errors: r.errors.clone(),
        status: r.status.clone(),
        latency_us: summary(&r.latency_us),
        percentiles: curve(&r.histogram),
        timeline: r
            .timeline
            .iter()
            .map(|t| LoadSecond {
                t_s: rel(t.t_unix_ms),
                requests: t.requests,
                errors: t.errors,
                p50_us: t.p50_us as f64,
                p99_us: t.p99_us as f64,
            })
            .collect(),
        endpoints: r
            .endpoints
            .iter()
            .map(|e| EndpointSummary {
                name: e.name.clone(),
                requests: e.requests,
                errors: e.errors.values().sum(),
                latency_us: summary(&e.latency_us),
            })
            .collect(),
    }
}

pub fn monitor_section(m: &MonitorReport, phase_start_ms: u64) -> MonitorSection {
    let s = &m.summary;
    MonitorSection {
        pid: m.target.pid,
        samples: m
            .samples
            .iter()
            .map(|x| ResourceSample {
                t_s: (x.t_unix_ms as f64 - phase_start_ms as f64) / 1e3,
                cpu_pct: x.cpu_pct,
                rss_bytes: x.rss_bytes as f64,
                threads: x.threads,
                fds: x.fds.unwrap_or(0),
            })
            .collect(),
        cpu_pct_mean: s.cpu_pct.mean,
        cpu_pct_max: s.cpu_pct.max,
        rss_bytes_mean: s.rss_bytes.mean,
        rss_bytes_max: s.rss_bytes.max,
        threads_max: s.threads.max as u64,
        fds_max: s.fds.as_ref().map_or(0, |f| f.max as u64),
        alerts: m
            .alerts
            .iter()
            .map(|a| {
                format!(
                    "{} — fired at {:.1}s for {:.1}s, peak {:.1} {}",
                    a.rule, a.start_s, a.duration_s, a.peak, a.unit
                )
            })
            .collect(),
        leak: Some(format!("{}: {}", m.leak.verdict.as_str(), m.leak.reason)),
    }
}

pub fn bench_section(name: &str, display: &str, r: &BenchResult) -> BenchSection {
    BenchSection {
        name: name.to_string(),
        command: display.to_string(),
        runs: r.runs as u64,
        mean_s: r.mean_s,
        stddev_s: r.stddev_s.unwrap_or(0.0),
        median_s: r.median_s,
        min_s: r.min_s,
        max_s: r.max_s,
        peak_rss_bytes: (r.peak_rss_bytes > 0).then_some(r.peak_rss_bytes),
        times_s: r.times_s.clone(),
    }
}

pub fn imports_section(d: &ImportsDocument) -> ImportsSection {
    ImportsSection {
        module: d.module.clone(),
        total_us: d.total_us,
        totals_us: d.total_us_runs.iter().map(|x| *x as f64).collect(),
        top: d
            .top_self
            .iter()
            .map(|e| ImportEntry {
                module: e.module.clone(),
                self_us: e.self_us,
                cumulative_us: e.cumulative_us,
            })
            .collect(),
    }
}

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
    let buckets: Vec<(f64, u64)> = h
        .iter_recorded()
        .map(|(v, c)| (v as f64 / 1e3, c))
        .collect();
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

/// Everything the engines measured, as metrics. `histograms` are the scenarios' latency
/// histograms in the order of `run.load`.
pub fn metrics(run: &RunRecord, histograms: &[Histogram]) -> BTreeMap<String, Metric> {
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

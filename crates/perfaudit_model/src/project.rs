//! The projection of stage documents (load, monitor, bench, imports) onto the run record's
//! sections. The audit builds its run record with it, and the single-stage HTML pages draw
//! through it, so both show the same numbers. No renderer projects anything itself.

use crate::bench::{BenchResult, ImportsDocument};
use crate::histogram::{Histogram, LatencySummary as HdrSummary};
use crate::load::LoadResult;
use crate::monitor::MonitorReport;
use crate::run::*;

/// Percentiles drawn in the latency curve.
const CURVE: [f64; 22] = [
    0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 75.0, 80.0, 85.0, 90.0, 95.0, 97.5, 99.0, 99.5,
    99.75, 99.9, 99.95, 99.99, 99.999, 100.0,
];

pub fn summary(s: &HdrSummary) -> LatencySummary {
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
        target: match r.endpoints.as_slice() {
            [one] if one.url.starts_with('/') => format!("{}{}", r.target, one.url),
            [one] if !one.url.is_empty() => one.url.clone(),
            _ => r.target.clone(),
        },
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
                pss_bytes: x.pss_bytes.map(|v| v as f64),
                threads: x.threads,
                fds: x.fds.unwrap_or(0),
            })
            .collect(),
        cpu_pct_mean: s.cpu_pct.mean,
        cpu_pct_max: s.cpu_pct.max,
        rss_bytes_mean: s.rss_bytes.mean,
        rss_bytes_max: s.rss_bytes.max,
        pss_bytes_mean: s.pss_bytes.as_ref().map(|p| p.mean),
        pss_bytes_max: s.pss_bytes.as_ref().map(|p| p.max),
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

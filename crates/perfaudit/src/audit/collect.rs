//! Turn the engines' documents into the run record's sections, and the sections into the
//! metrics KPIs and regression verdicts are computed from: one value per row of the metric
//! catalog (`perfaudit_model::catalog`), with the independent units of evidence its test needs
//! (block statistics of the load timeline, repetitions of cold starts, benchmarks, imports).

use perfaudit_model::catalog::{self, Evidence, MetricDef, Names, Scope, Source, Stat};
use perfaudit_model::histogram::Histogram;
use perfaudit_model::load::LoadResult;
pub(crate) use perfaudit_model::project::{bench_section, imports_section, monitor_section};
use perfaudit_model::run::*;
use perfaudit_stats::blocks;
use std::collections::BTreeMap;

/// One scenario's section, with the load document's numbers made honest for the run record:
/// open-model requests that were never sent are errors of their own kind (`not_sent`), and a
/// scenario without a single response has no latency.
pub(crate) fn load_section(name: &str, r: &LoadResult, phase_start_ms: u64) -> LoadSection {
    let mut s = perfaudit_model::project::load_section(name, r, phase_start_ms);
    s.responses = r.responses;
    if let Some(o) = &r.open_model {
        s.scheduled = Some(o.scheduled);
        s.not_sent = o.not_sent;
        if o.not_sent > 0 {
            s.errors.insert("not_sent".into(), o.not_sent);
            let failed: u64 = r.errors.values().sum::<u64>() + o.not_sent;
            s.requests = r.requests + o.not_sent;
            s.error_rate = failed as f64 / s.requests as f64;
        }
    }
    s.rps = if r.duration_s > 0.0 {
        (r.responses as f64 / r.duration_s * 1000.0).round() / 1000.0
    } else {
        0.0
    };
    if r.responses == 0 {
        s.latency_us = None;
        s.percentiles.clear();
    }
    s
}

/// A scenario as the metrics see it.
struct Scenario<'a> {
    section: &'a LoadSection,
    result: &'a LoadResult,
    /// Latencies of the responses of each second.
    seconds: Vec<Histogram>,
    /// How many leading seconds are complete (the last, partial one is left out of rates).
    full: usize,
}

impl<'a> Scenario<'a> {
    fn new(section: &'a LoadSection, result: &'a LoadResult) -> Self {
        let seconds: Vec<Histogram> = result
            .timeline
            .iter()
            .map(|t| t.histogram().unwrap_or_default())
            .collect();
        let whole = result.duration_s.floor() as usize;
        let full = if whole >= 1 {
            whole.min(seconds.len())
        } else {
            seconds.len()
        };
        Scenario {
            section,
            result,
            seconds,
            full,
        }
    }

    fn responses(&self) -> u64 {
        self.result.responses
    }
}

fn ms(us: f64) -> f64 {
    us / 1e3
}

fn stat_of(h: &Histogram, s: Stat) -> f64 {
    match s {
        Stat::Min => h.min() as f64,
        Stat::Mean => h.mean(),
        Stat::Q(q) => h.quantile(q) as f64,
        Stat::Max => h.max() as f64,
    }
}

fn merged(hs: &[Histogram]) -> Histogram {
    let mut all = Histogram::new();
    for h in hs {
        let _ = all.merge(h);
    }
    all
}

/// Block statistics of a latency statistic over a scenario's seconds.
fn latency_units(seconds: &[Histogram], stat: Stat, evidence: Evidence) -> Vec<f64> {
    let counts: Vec<u64> = seconds.iter().map(|h| h.len()).collect();
    match evidence {
        Evidence::Quantile(q) => blocks::group(&counts, blocks::min_count_for_quantile(q))
            .into_iter()
            .map(|r| ms(stat_of(&merged(&seconds[r]), stat)))
            .collect(),
        Evidence::Mean => blocks::group(&counts, 20)
            .into_iter()
            .map(|r| ms(merged(&seconds[r]).mean()))
            .collect(),
        Evidence::Extreme(_) => seconds
            .iter()
            .filter(|h| !h.is_empty())
            .map(|h| ms(stat_of(h, stat)))
            .collect(),
        _ => Vec::new(),
    }
}

fn metric(d: &MetricDef, value: f64, units: Option<Vec<f64>>) -> Metric {
    Metric {
        value,
        unit: d.unit.to_string(),
        better: d.better,
        distribution: units.map(|values| Distribution::Samples { values }),
    }
}

fn median(v: &[f64]) -> f64 {
    perfaudit_stats::summary::median(v).unwrap_or(0.0)
}

/// Responses per second of each complete second.
fn rps_units(s: &Scenario<'_>) -> Vec<f64> {
    s.seconds[..s.full].iter().map(|h| h.len() as f64).collect()
}

/// Failed share (%) of each complete second with requests.
fn error_units(s: &Scenario<'_>) -> Vec<f64> {
    s.result.timeline[..s.full.min(s.result.timeline.len())]
        .iter()
        .filter(|t| t.requests > 0)
        .map(|t| t.errors as f64 / t.requests as f64 * 100.0)
        .collect()
}

/// Service CPU milliseconds and responses of each complete load second that has monitor
/// samples.
fn cpu_seconds(s: &Scenario<'_>, mon: &MonitorSection) -> Vec<(f64, u64)> {
    let mut out = Vec::new();
    for (i, t) in s.section.timeline.iter().enumerate().take(s.full) {
        let n = s.seconds[i].len();
        let inside: Vec<f64> = mon
            .samples
            .iter()
            .filter(|x| x.t_s >= t.t_s && x.t_s < t.t_s + 1.0)
            .map(|x| x.cpu_pct)
            .collect();
        if n > 0 && !inside.is_empty() {
            let mean = inside.iter().sum::<f64>() / inside.len() as f64;
            out.push((mean / 100.0 * 1000.0, n));
        }
    }
    out
}

fn scenario_metric(d: &MetricDef, s: &Scenario<'_>) -> Option<Metric> {
    match d.source {
        Source::Latency(stat) => {
            if s.responses() == 0 || s.result.histogram.is_empty() {
                return None;
            }
            let v = ms(stat_of(&s.result.histogram, stat));
            Some(metric(
                d,
                v,
                Some(latency_units(&s.seconds, stat, d.evidence)),
            ))
        }
        Source::Rps => Some(metric(d, s.section.rps, Some(rps_units(s)))),
        Source::Requests => Some(metric(d, s.section.requests as f64, None)),
        Source::ErrorRate => Some(metric(
            d,
            s.section.error_rate * 100.0,
            Some(error_units(s)),
        )),
        _ => None,
    }
}

fn endpoint_metric(d: &MetricDef, e: &perfaudit_model::load::EndpointResult) -> Option<Metric> {
    match d.source {
        Source::Latency(stat) => (e.responses > 0 && !e.histogram.is_empty())
            .then(|| metric(d, ms(stat_of(&e.histogram, stat)), None)),
        Source::Requests => Some(metric(d, e.requests as f64, None)),
        Source::ErrorRate => Some(metric(d, e.error_rate * 100.0, None)),
        _ => None,
    }
}

/// The names a run's metrics carry.
pub(crate) fn names(run: &RunRecord, loads: &[LoadResult]) -> (Vec<String>, Vec<Vec<String>>) {
    let scen: Vec<String> = run.load.iter().map(|l| l.name.clone()).collect();
    let eps: Vec<Vec<String>> = loads
        .iter()
        .map(|r| r.endpoints.iter().map(|e| e.name.clone()).collect())
        .collect();
    (scen, eps)
}

/// Everything the engines measured, as metrics. `loads` are the scenarios' load documents in
/// the order of `run.load`.
pub(crate) fn metrics(run: &RunRecord, loads: &[LoadResult]) -> BTreeMap<String, Metric> {
    let scenarios: Vec<Scenario<'_>> = run
        .load
        .iter()
        .zip(loads)
        .map(|(s, r)| Scenario::new(s, r))
        .collect();
    let (scen_names, ep_names) = names(run, loads);
    let names = Names {
        scenarios: scen_names
            .iter()
            .zip(&ep_names)
            .map(|(s, e)| (s.as_str(), e.iter().map(String::as_str).collect()))
            .collect(),
        benches: run.bench.iter().map(|b| b.name.as_str()).collect(),
        modules: run.imports.iter().map(|i| i.module.as_str()).collect(),
    };
    let mut m = BTreeMap::new();
    for (name, d) in catalog::expand(&names) {
        if let Some(v) = extract(d, &name, run, &scenarios) {
            m.insert(name, v);
        }
    }
    m
}

fn extract(d: &MetricDef, name: &str, run: &RunRecord, sc: &[Scenario<'_>]) -> Option<Metric> {
    match d.scope {
        Scope::Scenario => {
            let s = sc.iter().find(|s| name == d.name(&s.section.name, ""))?;
            return scenario_metric(d, s);
        }
        Scope::Endpoint => {
            for s in sc {
                for e in &s.result.endpoints {
                    if name == d.name(&s.section.name, &e.name) {
                        return endpoint_metric(d, e);
                    }
                }
            }
            return None;
        }
        Scope::Bench | Scope::Import | Scope::Run => {}
    }
    let exact = |v: f64| Some(metric(d, v, None));
    match d.source {
        Source::Latency(stat) => {
            // The worst scenario's statistic (the smallest for `min`).
            let mut best: Option<Metric> = None;
            for s in sc {
                if let Some(x) = scenario_metric(d, s) {
                    let worse = match (&best, stat) {
                        (None, _) => true,
                        (Some(b), Stat::Min) => x.value < b.value,
                        (Some(b), _) => x.value > b.value,
                    };
                    if worse {
                        best = Some(x);
                    }
                }
            }
            best
        }
        Source::Rps => {
            if sc.is_empty() {
                return None;
            }
            let responses: u64 = sc.iter().map(|s| s.responses()).sum();
            let duration: f64 = sc.iter().map(|s| s.result.duration_s).sum();
            let v = if duration > 0.0 {
                responses as f64 / duration
            } else {
                0.0
            };
            Some(metric(d, v, Some(sc.iter().flat_map(rps_units).collect())))
        }
        Source::Requests => (!sc.is_empty()).then(|| {
            metric(
                d,
                sc.iter().map(|s| s.section.requests).sum::<u64>() as f64,
                None,
            )
        }),
        Source::ErrorRate => {
            let requests: u64 = sc.iter().map(|s| s.section.requests).sum();
            if sc.is_empty() {
                return None;
            }
            let failed: f64 = sc
                .iter()
                .map(|s| s.section.error_rate * s.section.requests as f64)
                .sum();
            let v = if requests > 0 {
                failed / requests as f64 * 100.0
            } else {
                0.0
            };
            Some(metric(
                d,
                v,
                Some(sc.iter().flat_map(error_units).collect()),
            ))
        }
        Source::ColdStart => {
            let s = run.service.as_ref()?;
            if s.cold_starts_s.is_empty() {
                return None;
            }
            let units: Vec<f64> = s.cold_starts_s.iter().map(|t| t * 1e3).collect();
            Some(metric(d, median(&units), Some(units)))
        }
        Source::CpuMean => exact(run.monitor.as_ref()?.cpu_pct_mean),
        Source::CpuMax => exact(run.monitor.as_ref()?.cpu_pct_max),
        Source::MemoryMean => {
            let m = run.monitor.as_ref()?;
            exact(m.pss_bytes_mean.unwrap_or(m.rss_bytes_mean))
        }
        Source::MemoryMax => {
            let m = run.monitor.as_ref()?;
            exact(m.pss_bytes_max.unwrap_or(m.rss_bytes_max))
        }
        Source::RssMean => exact(run.monitor.as_ref()?.rss_bytes_mean),
        Source::RssMax => exact(run.monitor.as_ref()?.rss_bytes_max),
        Source::ThreadsMax => exact(run.monitor.as_ref()?.threads_max as f64),
        Source::FdsMax => exact(run.monitor.as_ref()?.fds_max as f64),
        Source::CpuPerRequest => {
            let mon = run.monitor.as_ref()?;
            let secs: Vec<(f64, u64)> = sc.iter().flat_map(|s| cpu_seconds(s, mon)).collect();
            let responses: u64 = secs.iter().map(|x| x.1).sum();
            if responses == 0 {
                return None;
            }
            let cpu: f64 = secs.iter().map(|x| x.0).sum();
            let units = secs.iter().map(|(c, n)| c / *n as f64).collect();
            Some(metric(d, cpu / responses as f64, Some(units)))
        }
        Source::Findings(sev) => {
            let s = run.scan.as_ref()?;
            exact(match sev {
                Some(k) => s.counts.get(k).copied().unwrap_or(0) as f64,
                None => s.findings.len() as f64,
            })
        }
        Source::BenchMean | Source::BenchMedian | Source::BenchMax => {
            let b = run.bench.iter().find(|b| name == d.name(&b.name, ""))?;
            let units: Vec<f64> = b.times_s.iter().map(|t| t * 1e3).collect();
            match d.source {
                Source::BenchMean => Some(metric(d, b.mean_s * 1e3, Some(units))),
                Source::BenchMedian => Some(metric(d, b.median_s * 1e3, Some(units))),
                _ => exact(b.max_s * 1e3),
            }
        }
        Source::ImportModule => {
            let i = run.imports.iter().find(|i| name == d.name(&i.module, ""))?;
            let units: Vec<f64> = i.totals_us.iter().map(|t| t / 1e3).collect();
            Some(metric(d, i.total_us / 1e3, Some(units)))
        }
        Source::ImportTime => {
            let i = run
                .imports
                .iter()
                .max_by(|a, b| a.total_us.total_cmp(&b.total_us))?;
            let units: Vec<f64> = i.totals_us.iter().map(|t| t / 1e3).collect();
            Some(metric(d, i.total_us / 1e3, Some(units)))
        }
    }
}

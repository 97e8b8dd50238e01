//! From worker statistics to the `perfaudit/load/v1` document; thresholds; exact merges.

use crate::engine::Shared;
use crate::plan::{HttpVersion, Pacing};
use crate::record::{Timeline, WorkerStats};
use crate::threshold::{Measured, ThresholdSpec};
use perfaudit_model::histogram::Histogram;
use perfaudit_model::load::{
    CpuTime, EndpointResult, LoadResult, OpenModel, ThresholdResult, TimelineEntry,
};
use perfaudit_model::SCHEMA_LOAD;
use std::collections::BTreeMap;
use std::time::Instant;

pub(crate) fn assemble(
    s: &Shared,
    start_unix_ms: u64,
    workers: Vec<WorkerStats>,
    finished: Instant,
) -> LoadResult {
    let plan = &s.plan;
    let mut all = WorkerStats::new(plan.endpoints.len());
    for w in &workers {
        all.merge(w);
    }
    let elapsed = finished
        .saturating_duration_since(s.measure_start)
        .as_secs_f64();
    let duration_s = match plan.duration {
        Some(d) if elapsed >= d.as_secs_f64() => d.as_secs_f64().max(all.last_done_s.min(elapsed)),
        _ if all.last_done_s > 0.0 => all.last_done_s,
        _ => elapsed,
    };
    let per_s = |n: u64| {
        if duration_s > 0.0 {
            n as f64 / duration_s
        } else {
            0.0
        }
    };

    let mut overall = crate::record::EndpointStats::default();
    let mut endpoints = Vec::new();
    for (e, st) in plan.endpoints.iter().zip(&all.endpoints) {
        overall.merge(st);
        endpoints.push(EndpointResult {
            name: e.name.clone(),
            method: e.method.clone(),
            url: e.path.source().to_string(),
            requests: st.requests,
            rps: round3(per_s(st.requests)),
            responses: st.responses,
            errors: st.errors_map(),
            error_rate: rate(st.error_count(), st.requests),
            status: st.status_map(),
            latency_us: st.latency.summary(),
            histogram: st.latency.clone(),
            ttfb_us: st.ttfb.summary(),
            bytes: st.bytes,
        });
    }
    let open_model = match &plan.pacing {
        Pacing::Rate(schedule) => {
            let w0 = plan.warmup.as_secs_f64();
            let end = plan
                .duration
                .map_or(f64::INFINITY, |d| w0 + d.as_secs_f64());
            let mut scheduled = schedule
                .count_before(end)
                .saturating_sub(schedule.count_before(w0));
            if let Some(n) = plan.requests {
                scheduled = scheduled.min(n);
            }
            Some(OpenModel {
                rate: schedule.peak(),
                scheduled,
                not_sent: scheduled.saturating_sub(all.started),
                schedule_lag_us: all.lag.summary(),
            })
        }
        _ => None,
    };
    let connections = match &plan.pacing {
        Pacing::Connections(stages) => stages
            .iter()
            .map(|s| s.target.round() as u32)
            .max()
            .unwrap_or(0)
            .min(plan.connections),
        _ => plan.connections,
    };
    let timeline = s
        .timeline
        .lock()
        .map(|mut t| std::mem::replace(&mut *t, Timeline::new(0, 0)))
        .unwrap_or_else(|e| std::mem::replace(&mut *e.into_inner(), Timeline::new(0, 0)))
        .finish(duration_s.ceil() as u32);
    let mut result = LoadResult {
        schema: SCHEMA_LOAD.to_string(),
        target: plan.target.origin(),
        model: plan.model().to_string(),
        http_version: match plan.http {
            HttpVersion::Http1 => "1.1",
            HttpVersion::Http2 => "2",
        }
        .to_string(),
        connections,
        threads: workers.len() as u32,
        started_unix_ms: start_unix_ms,
        warmup_s: plan.warmup.as_secs_f64(),
        requests: overall.requests,
        duration_s: round3(duration_s),
        rps: round3(per_s(overall.requests)),
        responses: overall.responses,
        errors: overall.errors_map(),
        error_rate: rate(overall.error_count(), overall.requests),
        status: overall.status_map(),
        latency_us: overall.latency.summary(),
        histogram: overall.latency.clone(),
        ttfb_us: overall.ttfb.summary(),
        connect_us: all.connect.summary(),
        connections_opened: all.connections_opened,
        bytes: overall.bytes,
        open_model,
        unfinished: all.unfinished,
        timeline,
        endpoints,
        cpu_s: CpuTime {
            user: round3(all.cpu_user),
            sys: round3(all.cpu_sys),
        },
        thresholds: Vec::new(),
        passed: true,
    };
    result.thresholds = evaluate_thresholds(&result, &plan.thresholds);
    result.passed = result.thresholds.iter().all(|t| t.passed);
    result
}

fn rate(n: u64, of: u64) -> f64 {
    if of == 0 {
        0.0
    } else {
        n as f64 / of as f64
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Check `specs` against a result (overall, or the endpoint a spec names). A spec naming an
/// endpoint the result does not have fails, saying so in its `metric`.
pub fn evaluate_thresholds(r: &LoadResult, specs: &[ThresholdSpec]) -> Vec<ThresholdResult> {
    specs
        .iter()
        .map(|spec| match &spec.endpoint {
            None => spec.evaluate(&Measured {
                histogram: &r.histogram,
                error_rate: r.error_rate,
                rps: r.rps,
                requests: r.requests,
            }),
            Some(name) => match r.endpoints.iter().find(|e| &e.name == name) {
                Some(e) => spec.evaluate(&Measured {
                    histogram: &e.histogram,
                    error_rate: e.error_rate,
                    rps: e.rps,
                    requests: e.requests,
                }),
                None => {
                    let empty = Histogram::new();
                    let mut t = spec.evaluate(&Measured {
                        histogram: &empty,
                        error_rate: 1.0,
                        rps: 0.0,
                        requests: 0,
                    });
                    t.passed = false;
                    t
                }
            },
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("nothing to merge")]
    Empty,
    #[error("{0}")]
    Histogram(String),
    /// A count would exceed u64: forged or corrupt input, never a real run.
    #[error("run {run}: `{field}` overflows when added (forged or corrupt counts)")]
    Overflow { run: usize, field: String },
    #[error("run {run} measured `{other}`, run 1 measured `{first}`: runs of different targets are not merged")]
    Targets {
        run: usize,
        first: String,
        other: String,
    },
    #[error("run {run} is the same run as run {same} (identical start, counts and histogram): a shard given twice")]
    Duplicate { run: usize, same: usize },
}

fn add(a: &mut u64, b: u64, run: usize, field: &str) -> Result<(), MergeError> {
    *a = a.checked_add(b).ok_or_else(|| MergeError::Overflow {
        run,
        field: field.to_string(),
    })?;
    Ok(())
}

fn add_maps(
    a: &mut BTreeMap<String, u64>,
    b: &BTreeMap<String, u64>,
    run: usize,
    what: &str,
) -> Result<(), MergeError> {
    for (k, v) in b {
        add(
            a.entry(k.clone()).or_insert(0),
            *v,
            run,
            &format!("{what}.{k}"),
        )?;
    }
    Ok(())
}

fn merge_hist(a: &mut Histogram, b: &Histogram) -> Result<(), MergeError> {
    a.merge(b).map_err(|e| MergeError::Histogram(e.to_string()))
}

/// Combine runs made at the same time from several machines: counts add, histograms merge
/// exactly (bucket by bucket), the window spans the earliest start to the latest end, and the
/// thresholds of the first run are checked again on the merged numbers.
pub fn merge_results(runs: &[LoadResult]) -> Result<LoadResult, MergeError> {
    let first = runs.first().ok_or(MergeError::Empty)?;
    let mut m = first.clone();
    let start = runs.iter().map(|r| r.started_unix_ms).min().unwrap_or(0);
    let end = runs
        .iter()
        .map(|r| r.started_unix_ms as f64 + r.duration_s * 1000.0)
        .fold(0.0, f64::max);
    let mut ttfb_max = first.ttfb_us;
    let mut connect = first.connect_us;
    for (i, r) in runs.iter().enumerate().skip(1) {
        let run = i + 1;
        if r.target != first.target {
            return Err(MergeError::Targets {
                run,
                first: first.target.clone(),
                other: r.target.clone(),
            });
        }
        if let Some(j) = runs[..i].iter().position(|o| {
            o.started_unix_ms == r.started_unix_ms
                && o.requests == r.requests
                && o.responses == r.responses
                && o.histogram == r.histogram
        }) {
            return Err(MergeError::Duplicate { run, same: j + 1 });
        }
        add(&mut m.requests, r.requests, run, "requests")?;
        add(&mut m.responses, r.responses, run, "responses")?;
        m.connections = m.connections.saturating_add(r.connections);
        m.threads = m.threads.saturating_add(r.threads);
        add(
            &mut m.connections_opened,
            r.connections_opened,
            run,
            "connections_opened",
        )?;
        add(&mut m.unfinished, r.unfinished, run, "unfinished")?;
        add(&mut m.bytes.sent, r.bytes.sent, run, "bytes.sent")?;
        add(
            &mut m.bytes.received,
            r.bytes.received,
            run,
            "bytes.received",
        )?;
        m.cpu_s.user += r.cpu_s.user;
        m.cpu_s.sys += r.cpu_s.sys;
        add_maps(&mut m.errors, &r.errors, run, "errors")?;
        add_maps(&mut m.status, &r.status, run, "status")?;
        if m.histogram.len().checked_add(r.histogram.len()).is_none() {
            return Err(MergeError::Overflow {
                run,
                field: "histogram".into(),
            });
        }
        merge_hist(&mut m.histogram, &r.histogram)?;
        // Summaries without histograms (ttfb, connect) take the worst of the runs.
        ttfb_max = worst(ttfb_max, r.ttfb_us);
        connect = worst(connect, r.connect_us);
        match (&mut m.open_model, &r.open_model) {
            (Some(a), Some(b)) => {
                a.rate += b.rate;
                add(&mut a.scheduled, b.scheduled, run, "open_model.scheduled")?;
                add(&mut a.not_sent, b.not_sent, run, "open_model.not_sent")?;
                a.schedule_lag_us = worst(a.schedule_lag_us, b.schedule_lag_us);
            }
            (None, Some(b)) => m.open_model = Some(b.clone()),
            _ => {}
        }
        for e in &r.endpoints {
            match m.endpoints.iter_mut().find(|x| x.name == e.name) {
                Some(x) => {
                    add(&mut x.requests, e.requests, run, "endpoints.requests")?;
                    add(&mut x.responses, e.responses, run, "endpoints.responses")?;
                    add_maps(&mut x.errors, &e.errors, run, "endpoints.errors")?;
                    add_maps(&mut x.status, &e.status, run, "endpoints.status")?;
                    if x.histogram.len().checked_add(e.histogram.len()).is_none() {
                        return Err(MergeError::Overflow {
                            run,
                            field: "endpoints.histogram".into(),
                        });
                    }
                    merge_hist(&mut x.histogram, &e.histogram)?;
                    x.ttfb_us = worst(x.ttfb_us, e.ttfb_us);
                    add(&mut x.bytes.sent, e.bytes.sent, run, "endpoints.bytes.sent")?;
                    add(
                        &mut x.bytes.received,
                        e.bytes.received,
                        run,
                        "endpoints.bytes.received",
                    )?;
                }
                None => m.endpoints.push(e.clone()),
            }
        }
    }
    m.ttfb_us = ttfb_max;
    m.connect_us = connect;
    m.started_unix_ms = start;
    m.duration_s = round3(((end - start as f64) / 1000.0).max(0.0));
    let per_s = |n: u64| {
        if m.duration_s > 0.0 {
            round3(n as f64 / m.duration_s)
        } else {
            0.0
        }
    };
    m.rps = per_s(m.requests);
    m.error_rate = rate(m.errors.values().sum(), m.requests);
    m.latency_us = m.histogram.summary();
    for e in &mut m.endpoints {
        e.rps = per_s(e.requests);
        e.error_rate = rate(e.errors.values().sum(), e.requests);
        e.latency_us = e.histogram.summary();
    }
    m.timeline = merge_timelines(runs, start)?;
    let specs: Vec<ThresholdSpec> = first
        .thresholds
        .iter()
        .filter_map(|t| ThresholdSpec::parse(&t.expr, t.endpoint.as_deref()).ok())
        .collect();
    m.thresholds = evaluate_thresholds(&m, &specs);
    m.passed = m.thresholds.iter().all(|t| t.passed);
    Ok(m)
}

fn worst(
    a: perfaudit_model::histogram::LatencySummary,
    b: perfaudit_model::histogram::LatencySummary,
) -> perfaudit_model::histogram::LatencySummary {
    perfaudit_model::histogram::LatencySummary {
        min: a.min.min(b.min),
        mean: a.mean.max(b.mean),
        p50: a.p50.max(b.p50),
        p90: a.p90.max(b.p90),
        p95: a.p95.max(b.p95),
        p99: a.p99.max(b.p99),
        p999: a.p999.max(b.p999),
        max: a.max.max(b.max),
    }
}

/// Align every run's seconds on the wall clock (second k of the merged run starts at
/// `start + k s`) and merge their histograms.
fn merge_timelines(runs: &[LoadResult], start: u64) -> Result<Vec<TimelineEntry>, MergeError> {
    let mut secs: BTreeMap<u32, (u64, u64, Histogram)> = BTreeMap::new();
    for r in runs {
        for e in &r.timeline {
            let k = (e.t_unix_ms.saturating_sub(start) / 1000) as u32;
            let slot = secs.entry(k).or_insert_with(|| (0, 0, Histogram::new()));
            slot.0 += e.requests;
            slot.1 += e.errors;
            let h = e.histogram().map_err(|err| {
                MergeError::Histogram(format!("timeline second {}: {err}", e.second))
            })?;
            merge_hist(&mut slot.2, &h)?;
        }
    }
    Ok(secs
        .into_iter()
        .map(|(k, (requests, errors, h))| TimelineEntry {
            second: k,
            t_unix_ms: start + u64::from(k) * 1000,
            requests,
            errors,
            p50_us: h.quantile(0.5),
            p99_us: h.quantile(0.99),
            max_us: h.max(),
            histogram: h.to_base64(),
        })
        .collect())
}

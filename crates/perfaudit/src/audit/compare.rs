//! Regression verdicts between two stored runs, metric by metric, from the metric catalog:
//! which metrics are gated, which direction is worse, and which independent units of evidence
//! (blocks of seconds, repetitions) the test compares. A change the head's busier machine can
//! explain is `noisy`, not a regression (`[regression] noisy`).

use perfaudit_model::catalog::{self, Evidence, MetricDef, Source};
use perfaudit_model::run::{
    Better, CompareDocument, Distribution, Metric, MetricComparison, RunRecord, StageNoise, Verdict,
};
use perfaudit_stats::regression::{judge, Change, Evidence as Units, Settings};

/// What to do with a regression measured while the head's machine was busier than the base's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoisyPolicy {
    /// Verdict `noisy`, a warning, the audit does not fail (default).
    Warn,
    /// A regression like any other.
    Fail,
    /// Verdict `inconclusive`.
    Inconclusive,
}

impl std::str::FromStr for NoisyPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "warn" => Ok(NoisyPolicy::Warn),
            "fail" => Ok(NoisyPolicy::Fail),
            "inconclusive" => Ok(NoisyPolicy::Inconclusive),
            o => Err(format!(
                "`{o}` is not \"warn\", \"fail\" or \"inconclusive\""
            )),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Options<'a> {
    pub threshold: f64,
    pub alpha: f64,
    /// Judge only these metrics (else the catalog's regression metrics).
    pub only: Option<&'a [String]>,
    pub noisy: NoisyPolicy,
}

fn evidence<'a>(d: Option<&MetricDef>, m: &'a Metric) -> Units<'a> {
    match d.map(|d| d.evidence) {
        Some(Evidence::Count) => Units::Exact,
        Some(Evidence::None) | None => Units::Unavailable,
        Some(_) => match &m.distribution {
            Some(Distribution::Samples { values }) => Units::Units(values),
            // Per-request buckets (stored by an older perfaudit) are not independent units.
            Some(Distribution::Histogram { .. }) | None => Units::Unavailable,
        },
    }
}

/// The stage whose machine state a metric depends on.
fn stage_of(d: &MetricDef) -> Option<&'static str> {
    match d.source {
        Source::Latency(_)
        | Source::Rps
        | Source::Requests
        | Source::ErrorRate
        | Source::CpuMean
        | Source::CpuMax
        | Source::CpuPerRequest
        | Source::MemoryMean
        | Source::MemoryMax
        | Source::RssMean
        | Source::RssMax
        | Source::ThreadsMax
        | Source::FdsMax => Some("load"),
        Source::ColdStart => Some("service"),
        Source::ImportTime | Source::ImportModule => Some("imports"),
        Source::BenchMean | Source::BenchMedian | Source::BenchMax => Some("bench"),
        Source::Findings(_) => None,
    }
}

fn stage<'a>(run: &'a RunRecord, name: &str) -> Option<&'a StageNoise> {
    run.noise.iter().find(|n| n.stage == name)
}

/// When the head's stage had measurably less CPU than the base's, the sentence saying so.
fn busier(base: &RunRecord, head: &RunRecord, stage_name: &str) -> Option<String> {
    let h = stage(head, stage_name)?;
    if !h.is_noisy() {
        return None;
    }
    let b = stage(base, stage_name);
    let (b_other, b_steal, b_load) = b.map_or((0.0, 0.0, 0.0), |b| {
        (b.other_cores, b.steal_pct, b.load_per_core())
    });
    let more_other = h.other_cores - b_other >= 0.1 * f64::from(h.cores.max(1));
    let more_steal = h.steal_pct - b_steal >= 5.0;
    // A longer run queue: oversubscribed, and at least a quarter longer than the base's.
    let more_load = h.load_per_core() > 2.0 && h.load_per_core() >= 1.25 * b_load;
    (more_other || more_steal || more_load).then(|| {
        format!(
            "the machine was busier during the head's {stage_name} stage: other work used {:.2} cores (base {:.2}), steal {:.1}% (base {:.1}%), load average {:.1} per core (base {:.1}), {:.2} of {} cores left",
            h.other_cores, b_other, h.steal_pct, b_steal, h.load_per_core(), b_load, h.available_cores, h.cores
        )
    })
}

/// Compare `head` with `base`.
pub(crate) fn compare(base: &RunRecord, head: &RunRecord, opts: Options<'_>) -> CompareDocument {
    let mut names: Vec<&String> = base.metrics.keys().chain(head.metrics.keys()).collect();
    names.sort();
    names.dedup();
    let scenarios: Vec<&str> = head
        .load
        .iter()
        .chain(&base.load)
        .map(|l| l.name.as_str())
        .collect();
    let settings = Settings {
        threshold: opts.threshold,
        alpha: opts.alpha,
    };
    let mut noise_notes: Vec<String> = Vec::new();
    let metrics: Vec<MetricComparison> = names
        .into_iter()
        .filter(|n| opts.only.is_none_or(|o| o.contains(n)))
        .map(|name| {
            let def = catalog::find(name, Some(&scenarios));
            let gated = opts.only.is_some() || def.is_some_and(|d| d.gated);
            let (b, h) = (base.metrics.get(name), head.metrics.get(name));
            let (Some(b), Some(h)) = (b, h) else {
                return MetricComparison {
                    metric: name.clone(),
                    unit: b.or(h).map(|m| m.unit.clone()).unwrap_or_default(),
                    base: b.map(|m| m.value),
                    head: h.map(|m| m.value),
                    change: None,
                    p_value: None,
                    verdict: Verdict::Missing,
                    units: None,
                    reason: Some(format!(
                        "measured only in the {} run",
                        if b.is_some() { "base" } else { "head" }
                    )),
                };
            };
            let change = perfaudit_stats::regression::relative_change(b.value, h.value);
            if !gated {
                return MetricComparison {
                    metric: name.clone(),
                    unit: h.unit.clone(),
                    base: Some(b.value),
                    head: Some(h.value),
                    change,
                    p_value: None,
                    verdict: Verdict::NotGated,
                    units: None,
                    reason: None,
                };
            }
            let lower = def.map_or(h.better == Better::Lower, |d| d.better == Better::Lower);
            let j = judge(
                b.value,
                h.value,
                lower,
                evidence(def, b),
                evidence(def, h),
                settings,
            );
            let units = (j.units != (0, 0)).then_some(j.units);
            let (mut verdict, mut reason) = match j.verdict {
                Change::Regression => (Verdict::Regression, None),
                Change::Improvement => (Verdict::Improvement, None),
                Change::Noise => (Verdict::Noise, None),
                Change::Unchanged => (Verdict::Unchanged, None),
                Change::Inconclusive { have, need } => (
                    Verdict::Inconclusive,
                    Some(if have == 0 {
                        format!(
                            "inconclusive: a single value per run, no independent units to test; use ≥ {need} repetitions or blocks per run"
                        )
                    } else {
                        format!(
                            "inconclusive: {have} samples cannot reach p < {}; use ≥ {need}",
                            opts.alpha
                        )
                    }),
                ),
            };
            if verdict == Verdict::Regression && opts.noisy != NoisyPolicy::Fail {
                if let Some(why) = def.and_then(stage_of).and_then(|s| busier(base, head, s)) {
                    if !noise_notes.contains(&why) {
                        noise_notes.push(why.clone());
                    }
                    verdict = match opts.noisy {
                        NoisyPolicy::Warn => Verdict::Noisy,
                        _ => Verdict::Inconclusive,
                    };
                    reason = Some(format!("{why}; that can explain the change"));
                }
            }
            MetricComparison {
                metric: name.clone(),
                unit: h.unit.clone(),
                base: Some(b.value),
                head: Some(h.value),
                change: j.change,
                p_value: j.p_value,
                verdict,
                units,
                reason,
            }
        })
        .collect();
    CompareDocument {
        schema: perfaudit_model::SCHEMA_COMPARE.to_string(),
        base_id: base.id,
        head_id: head.id,
        base_started_at: base.started_at.clone(),
        head_started_at: head.started_at.clone(),
        threshold: opts.threshold,
        alpha: opts.alpha,
        environment_differences: base.environment.differences(&head.environment),
        regressed: metrics.iter().any(|m| m.verdict == Verdict::Regression),
        metrics,
        noise: noise_notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perfaudit_model::run::*;
    use std::collections::BTreeMap;

    fn m(value: f64, unit: &str, better: Better, units: Option<Vec<f64>>) -> Metric {
        Metric {
            value,
            unit: unit.into(),
            better,
            distribution: units.map(|values| Distribution::Samples { values }),
        }
    }

    fn run(id: i64, cores: u32, p95: f64, findings: f64) -> RunRecord {
        let blocks: Vec<f64> = (0..8).map(|i| p95 * (1.0 + 0.01 * i as f64)).collect();
        let mut metrics = BTreeMap::new();
        metrics.insert(
            "latency.p95".to_string(),
            m(p95, "ms", Better::Lower, Some(blocks.clone())),
        );
        metrics.insert(
            "latency.max".to_string(),
            m(p95 * 3.0, "ms", Better::Lower, Some(blocks)),
        );
        metrics.insert(
            "findings.error".to_string(),
            m(findings, "count", Better::Lower, None),
        );
        metrics.insert(
            "cold_start".to_string(),
            m(500.0, "ms", Better::Lower, Some(vec![500.0])),
        );
        RunRecord {
            schema: perfaudit_model::SCHEMA_RUN.into(),
            id,
            project: "p".into(),
            started_at: "2026-11-22T00:00:00Z".into(),
            duration_s: 1.0,
            config_path: "perfaudit.toml".into(),
            git: None,
            environment: Environment {
                cpu_model: "cpu".into(),
                cpu_cores: cores,
                ..Environment::default()
            },
            status: RunStatus::Pass,
            kpis: vec![],
            metrics,
            scan: None,
            service: None,
            load: vec![],
            monitor: None,
            bench: vec![],
            imports: vec![],
            comparison: None,
            errors: vec![],
            noise: vec![],
        }
    }

    fn opts() -> Options<'static> {
        Options {
            threshold: 0.2,
            alpha: 0.01,
            only: None,
            noisy: NoisyPolicy::Warn,
        }
    }

    fn v(c: &CompareDocument, m: &str) -> Verdict {
        c.metrics.iter().find(|x| x.metric == m).unwrap().verdict
    }

    #[test]
    fn verdicts_per_metric_and_environment_differences() {
        let base = run(1, 2, 14.0, 0.0);
        let same = run(2, 2, 14.0, 0.0);
        let c = compare(&base, &same, opts());
        assert!(!c.regressed);
        assert!(c.environment_differences.is_empty());
        assert_eq!(v(&c, "latency.p95"), Verdict::Unchanged);
        // Extremes are not gated by default.
        assert_eq!(v(&c, "latency.max"), Verdict::NotGated);

        let mut worse = run(3, 4, 20.0, 2.0);
        worse.metrics.get_mut("cold_start").unwrap().value = 1500.0;
        let c = compare(&base, &worse, opts());
        assert!(c.regressed);
        assert_eq!(c.environment_differences, ["cores: 2 vs 4"]);
        assert_eq!(v(&c, "latency.p95"), Verdict::Regression);
        assert_eq!(v(&c, "findings.error"), Verdict::Regression);
        assert_eq!(v(&c, "latency.max"), Verdict::NotGated);
        // One cold start a side: inconclusive with the size that would do, never noise.
        let cold = c.metrics.iter().find(|x| x.metric == "cold_start").unwrap();
        assert_eq!(cold.verdict, Verdict::Inconclusive);
        assert_eq!(
            cold.reason.as_deref(),
            Some("inconclusive: 1 samples cannot reach p < 0.01; use ≥ 5")
        );
        // Faster is an improvement, never a regression.
        let faster = run(4, 2, 7.0, 0.0);
        let c = compare(&base, &faster, opts());
        assert_eq!(v(&c, "latency.p95"), Verdict::Improvement);
        assert!(!c.regressed);
        // Restricted to one metric (which is then gated even when the catalog says not).
        let only = ["latency.max".to_string()];
        let c = compare(
            &base,
            &worse,
            Options {
                only: Some(&only),
                ..opts()
            },
        );
        assert_eq!(c.metrics.len(), 1);
        assert_eq!(v(&c, "latency.max"), Verdict::Regression);
        // A metric only one run has is missing.
        let mut head = run(5, 2, 14.0, 0.0);
        head.metrics.remove("findings.error");
        let c = compare(&base, &head, opts());
        assert_eq!(v(&c, "findings.error"), Verdict::Missing);
    }

    #[test]
    fn per_request_buckets_are_not_evidence() {
        let mut base = run(1, 2, 14.0, 0.0);
        let mut head = run(2, 2, 20.0, 0.0);
        for r in [&mut base, &mut head] {
            let p = r.metrics.get_mut("latency.p95").unwrap();
            p.distribution = Some(Distribution::Histogram {
                buckets: vec![(p.value, 10_000)],
            });
        }
        let c = compare(&base, &head, opts());
        assert_eq!(v(&c, "latency.p95"), Verdict::Inconclusive);
    }

    #[test]
    fn a_busier_head_makes_a_regression_noisy() {
        let noise = |other: f64| StageNoise {
            stage: "load".into(),
            wall_s: 10.0,
            loadavg_before: 0.5,
            loadavg_after: 1.5,
            other_cores: other,
            steal_pct: 0.0,
            available_cores: 2.0 - other,
            cores: 2,
        };
        let mut base = run(1, 2, 14.0, 0.0);
        base.noise.push(noise(0.02));
        let mut head = run(2, 2, 20.0, 0.0);
        head.noise.push(noise(1.0));
        let c = compare(&base, &head, opts());
        assert_eq!(v(&c, "latency.p95"), Verdict::Noisy);
        assert!(!c.regressed);
        assert_eq!(c.noise.len(), 1, "{:?}", c.noise);
        let c = compare(
            &base,
            &head,
            Options {
                noisy: NoisyPolicy::Fail,
                ..opts()
            },
        );
        assert_eq!(v(&c, "latency.p95"), Verdict::Regression);
        let c = compare(
            &base,
            &head,
            Options {
                noisy: NoisyPolicy::Inconclusive,
                ..opts()
            },
        );
        assert_eq!(v(&c, "latency.p95"), Verdict::Inconclusive);
        // A quiet head with a busy base: the regression stands.
        let c = compare(&head, &base, opts());
        assert_eq!(v(&c, "latency.p95"), Verdict::Improvement);
    }
}

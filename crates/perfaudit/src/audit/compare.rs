//! Regression verdicts between two stored runs, metric by metric.

use perfaudit_model::run::{
    Better, CompareDocument, Distribution, Metric, MetricComparison, RunRecord, Verdict,
};
use perfaudit_stats::regression::{judge, Change, Observations, Settings};

fn observations(m: &Metric) -> Observations<'_> {
    match &m.distribution {
        None => Observations::Exact,
        Some(Distribution::Samples { values }) => Observations::Samples(values),
        Some(Distribution::Histogram { buckets }) => Observations::Histogram(buckets),
    }
}

/// Compare `head` with `base`. `only`: restrict to these metrics (else every metric of either run).
pub fn compare(
    base: &RunRecord,
    head: &RunRecord,
    threshold: f64,
    alpha: f64,
    only: Option<&[String]>,
) -> CompareDocument {
    let mut names: Vec<&String> = base.metrics.keys().chain(head.metrics.keys()).collect();
    names.sort();
    names.dedup();
    if let Some(only) = only {
        names.retain(|n| only.contains(n));
    }
    let settings = Settings { threshold, alpha };
    let metrics: Vec<MetricComparison> = names
        .into_iter()
        .map(|name| {
            let (b, h) = (base.metrics.get(name), head.metrics.get(name));
            match (b, h) {
                (Some(b), Some(h)) => {
                    let j = judge(
                        b.value,
                        h.value,
                        h.better == Better::Lower,
                        observations(b),
                        observations(h),
                        settings,
                    );
                    MetricComparison {
                        metric: name.clone(),
                        unit: h.unit.clone(),
                        base: Some(b.value),
                        head: Some(h.value),
                        change: j.change,
                        p_value: j.p_value,
                        verdict: match j.verdict {
                            Change::Regression => Verdict::Regression,
                            Change::Improvement => Verdict::Improvement,
                            Change::Noise => Verdict::Noise,
                            Change::Unchanged => Verdict::Unchanged,
                        },
                    }
                }
                _ => MetricComparison {
                    metric: name.clone(),
                    unit: b.or(h).map(|m| m.unit.clone()).unwrap_or_default(),
                    base: b.map(|m| m.value),
                    head: h.map(|m| m.value),
                    change: None,
                    p_value: None,
                    verdict: Verdict::Missing,
                },
            }
        })
        .collect();
    CompareDocument {
        schema: perfaudit_model::SCHEMA_COMPARE.to_string(),
        base_id: base.id,
        head_id: head.id,
        base_started_at: base.started_at.clone(),
        head_started_at: head.started_at.clone(),
        threshold,
        alpha,
        environment_differences: base.environment.differences(&head.environment),
        regressed: metrics.iter().any(|m| m.verdict == Verdict::Regression),
        metrics,
    }
}

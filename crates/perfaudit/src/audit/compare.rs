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
pub(crate) fn compare(
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
        functions: super::profile::function_changes(base, head, alpha),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perfaudit_model::run::*;
    use std::collections::BTreeMap;

    fn run(id: i64, cores: u32, p95: f64, lat: &[(f64, u64)], findings: f64) -> RunRecord {
        let mut metrics = BTreeMap::new();
        metrics.insert(
            "latency.p95".to_string(),
            Metric {
                value: p95,
                unit: "ms".into(),
                better: Better::Lower,
                distribution: Some(Distribution::Histogram {
                    buckets: lat.to_vec(),
                }),
            },
        );
        metrics.insert(
            "findings.error".to_string(),
            Metric {
                value: findings,
                unit: "count".into(),
                better: Better::Lower,
                distribution: None,
            },
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
            profile: None,
            comparison: None,
            errors: vec![],
        }
    }

    #[test]
    fn verdicts_per_metric_and_environment_differences() {
        let fast = [(10.0, 400), (11.0, 500), (14.0, 100)];
        let slow = [(15.0, 400), (16.0, 500), (20.0, 100)];
        let base = run(1, 2, 14.0, &fast, 0.0);
        let same = run(2, 2, 14.0, &fast, 0.0);
        let c = compare(&base, &same, 0.2, 0.01, None);
        assert!(!c.regressed);
        assert!(c.environment_differences.is_empty());
        assert!(c.metrics.iter().all(|m| m.verdict == Verdict::Unchanged));

        let worse = run(3, 4, 20.0, &slow, 2.0);
        let c = compare(&base, &worse, 0.2, 0.01, None);
        assert!(c.regressed);
        assert_eq!(c.environment_differences, ["cores: 2 vs 4"]);
        let v = |m: &str| c.metrics.iter().find(|x| x.metric == m).unwrap().verdict;
        assert_eq!(v("latency.p95"), Verdict::Regression);
        assert_eq!(v("findings.error"), Verdict::Regression);
        // Restricted to one metric.
        let only = ["latency.p95".to_string()];
        let c = compare(&base, &worse, 0.2, 0.01, Some(&only));
        assert_eq!(c.metrics.len(), 1);
        // A metric only one run has is missing.
        let mut head = run(4, 2, 14.0, &fast, 0.0);
        head.metrics.remove("findings.error");
        let c = compare(&base, &head, 0.2, 0.01, None);
        assert_eq!(
            c.metrics
                .iter()
                .find(|x| x.metric == "findings.error")
                .unwrap()
                .verdict,
            Verdict::Missing
        );
    }
}

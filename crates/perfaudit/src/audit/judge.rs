//! KPI verdicts: each configured target against the measured metrics.

use perfaudit_model::run::{Kpi, KpiResult, KpiStatus, Metric, Op};
use perfaudit_model::units::fmt_value as format_value;
use std::collections::BTreeMap;

/// Judge one KPI. `warn` is the optional stricter target; without one, a value within
/// `warn_margin` of the target (on the passing side) is a warning.
pub(crate) fn judge_kpi(
    kpi: &Kpi,
    warn: Option<(Op, f64)>,
    metrics: &BTreeMap<String, Metric>,
) -> KpiResult {
    let Some(m) = metrics.get(&kpi.metric) else {
        return KpiResult {
            metric: kpi.metric.clone(),
            target: kpi.expr.clone(),
            value: None,
            unit: String::new(),
            status: KpiStatus::Fail,
            message: "not measured (the stage that produces it did not run or failed)".into(),
        };
    };
    let v = m.value;
    let shown = format_value(v, &m.unit);
    let target_shown = format!("{} {}", kpi.op.as_str(), format_value(kpi.target, &m.unit));
    let (status, message) = if !kpi.op.holds(v, kpi.target) {
        (
            KpiStatus::Fail,
            format!("{shown} misses the target {target_shown}"),
        )
    } else if let Some((wop, wt)) = warn {
        if wop.holds(v, wt) {
            (KpiStatus::Pass, format!("{shown} meets {target_shown}"))
        } else {
            (
                KpiStatus::Warn,
                format!(
                    "{shown} meets {target_shown} but not the warning level {} {}",
                    wop.as_str(),
                    format_value(wt, &m.unit)
                ),
            )
        }
    } else {
        let near = match kpi.op {
            Op::Lt | Op::Le => v > kpi.target * (1.0 - kpi.warn_margin),
            Op::Gt | Op::Ge => v < kpi.target * (1.0 + kpi.warn_margin),
            Op::Eq => false,
        };
        if near && kpi.target != 0.0 {
            (
                KpiStatus::Warn,
                format!(
                    "{shown} meets {target_shown} within {:.0}% of the target",
                    kpi.warn_margin * 100.0
                ),
            )
        } else {
            (KpiStatus::Pass, format!("{shown} meets {target_shown}"))
        }
    };
    KpiResult {
        metric: kpi.metric.clone(),
        target: kpi.expr.clone(),
        value: Some(v),
        unit: m.unit.clone(),
        status,
        message,
    }
}

/// The thresholds of scenario `scenario` (from its file or its `[[load]]` table), as KPI
/// results: `load.<scenario>[.<endpoint>].latency.p95` and so on, in the KPIs' units.
pub(crate) fn threshold_kpis(
    scenario: &str,
    results: &[perfaudit_model::load::ThresholdResult],
) -> Vec<KpiResult> {
    results
        .iter()
        .map(|t| {
            let (metric, value, unit) = match t.metric.as_str() {
                "error_rate" | "errors" => ("error_rate".to_string(), t.actual * 100.0, "%"),
                "rps" => ("rps".to_string(), t.actual, "req/s"),
                "requests" => ("requests".to_string(), t.actual, "count"),
                m => (
                    format!("latency.{}", m.replace('.', "")),
                    t.actual / 1e3,
                    "ms",
                ),
            };
            let scope = match &t.endpoint {
                Some(e) => format!("load.{scenario}.{e}.{metric}"),
                None => format!("load.{scenario}.{metric}"),
            };
            let shown = format_value(value, unit);
            let (status, message) = if t.passed {
                (
                    KpiStatus::Pass,
                    format!("{shown} meets the scenario threshold `{}`", t.expr),
                )
            } else if t.actual.is_nan() || (unit == "ms" && t.actual == 0.0 && !t.passed) {
                (
                    KpiStatus::Fail,
                    format!(
                        "the scenario threshold `{}` has no measurement (no request completed)",
                        t.expr
                    ),
                )
            } else {
                (
                    KpiStatus::Fail,
                    format!("{shown} misses the scenario threshold `{}`", t.expr),
                )
            };
            KpiResult {
                metric: scope,
                target: t.expr.clone(),
                value: Some(value),
                unit: unit.to_string(),
                status,
                message,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use perfaudit_model::run::Better;

    fn metrics(v: f64) -> BTreeMap<String, Metric> {
        BTreeMap::from([(
            "latency.p95".to_string(),
            Metric {
                value: v,
                unit: "ms".into(),
                better: Better::Lower,
                distribution: None,
            },
        )])
    }

    fn kpi() -> Kpi {
        Kpi {
            metric: "latency.p95".into(),
            op: Op::Lt,
            target: 100.0,
            expr: "< 100ms".into(),
            warn_margin: 0.1,
        }
    }

    #[test]
    fn pass_warn_fail() {
        assert_eq!(
            judge_kpi(&kpi(), None, &metrics(50.0)).status,
            KpiStatus::Pass
        );
        assert_eq!(
            judge_kpi(&kpi(), None, &metrics(95.0)).status,
            KpiStatus::Warn
        );
        let f = judge_kpi(&kpi(), None, &metrics(120.0));
        assert_eq!(f.status, KpiStatus::Fail);
        assert!(f.message.contains("misses"), "{}", f.message);
        let w = judge_kpi(&kpi(), Some((Op::Lt, 40.0)), &metrics(50.0));
        assert_eq!(w.status, KpiStatus::Warn);
        let missing = judge_kpi(&kpi(), None, &BTreeMap::new());
        assert_eq!(missing.status, KpiStatus::Fail);
        assert_eq!(missing.value, None);
    }
}

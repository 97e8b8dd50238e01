//! Pass/fail thresholds: `p95<100ms`, `p99.9<1s`, `mean<=20ms`, `max<2s`, `error_rate<1%`,
//! `rps>500`, `requests>=1000`. Latency limits take `us`, `ms` (the default) or `s`.

use crate::error::LoadError;
use perfaudit_model::histogram::Histogram;
use perfaudit_model::load::ThresholdResult;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    /// A latency quantile in 0..=1 (`p99.9` -> 0.999).
    Quantile(f64),
    Mean,
    Min,
    Max,
    ErrorRate,
    Rps,
    Requests,
}

pub use perfaudit_model::units::Op;

/// A parsed threshold, optionally limited to one endpoint (by name).
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdSpec {
    pub expr: String,
    pub endpoint: Option<String>,
    pub metric: Metric,
    pub metric_name: String,
    pub op: Op,
    /// In the metric's unit: µs for latency, a fraction for error_rate.
    pub limit: f64,
}

/// The numbers a threshold is checked against.
pub struct Measured<'a> {
    pub histogram: &'a Histogram,
    pub error_rate: f64,
    pub rps: f64,
    pub requests: u64,
}

impl ThresholdSpec {
    pub fn parse(expr: &str, endpoint: Option<&str>) -> Result<ThresholdSpec, LoadError> {
        let bad = |reason: String| LoadError::Threshold {
            expr: expr.to_string(),
            reason,
        };
        let compact: String = expr.chars().filter(|c| !c.is_whitespace()).collect();
        let (name, op, value) = Op::split(&compact)
            .filter(|(n, _, v)| !n.is_empty() && !v.is_empty())
            .ok_or_else(|| bad("expected a comparison, e.g. p95<100ms".into()))?;
        // k6's spelling of a percentile: `p(95)`, `p(99.9)`.
        let name = match name.strip_prefix("p(").and_then(|r| r.strip_suffix(')')) {
            Some(q) => format!("p{q}"),
            None => name.to_string(),
        };
        let name = name.to_ascii_lowercase();
        let metric = match name.as_str() {
            "mean" | "avg" => Metric::Mean,
            "min" => Metric::Min,
            "max" => Metric::Max,
            "error_rate" | "errors" => Metric::ErrorRate,
            "rps" => Metric::Rps,
            "requests" => Metric::Requests,
            p if p.starts_with('p') => {
                let q: f64 = p[1..]
                    .parse()
                    .map_err(|_| bad(format!("unknown metric `{name}`")))?;
                if !(0.0..=100.0).contains(&q) {
                    return Err(bad(format!("percentile `{name}` must be within p0..p100")));
                }
                Metric::Quantile((q * 1e4).round() / 1e6)
            }
            _ => {
                return Err(bad(format!(
                    "unknown metric `{name}` (pNN, mean, min, max, error_rate, rps, requests)"
                )))
            }
        };
        let limit = match metric {
            Metric::Quantile(_) | Metric::Mean | Metric::Min | Metric::Max => {
                parse_latency_us(value).map_err(bad)?
            }
            Metric::ErrorRate => perfaudit_model::units::parse_fraction(value)
                .map_err(|_| bad(format!("invalid rate `{value}` (e.g. 1% or 0.01)")))?,
            Metric::Rps => {
                perfaudit_model::units::parse_quantity(value, perfaudit_model::units::Dim::Rate)
                    .map_err(|_| bad(format!("invalid rate `{value}` (e.g. 500 or 500/s)")))?
            }
            Metric::Requests => perfaudit_model::units::parse_count(value)
                .map_err(|_| bad(format!("invalid number `{value}` (e.g. 1000 or 10k)")))?
                as f64,
        };
        if !limit.is_finite() || limit < 0.0 {
            return Err(bad(format!("invalid limit `{value}`")));
        }
        Ok(ThresholdSpec {
            expr: expr.trim().to_string(),
            endpoint: endpoint.map(str::to_string),
            metric,
            metric_name: name,
            op,
            limit,
        })
    }

    pub fn evaluate(&self, m: &Measured<'_>) -> ThresholdResult {
        let h = m.histogram;
        let actual = match self.metric {
            Metric::Quantile(q) => h.quantile(q) as f64,
            Metric::Mean => h.mean(),
            Metric::Min => h.min() as f64,
            Metric::Max => h.max() as f64,
            Metric::ErrorRate => m.error_rate,
            Metric::Rps => m.rps,
            Metric::Requests => m.requests as f64,
        };
        // A latency threshold with no response measured cannot pass.
        let no_data = matches!(
            self.metric,
            Metric::Quantile(_) | Metric::Mean | Metric::Min | Metric::Max
        ) && h.is_empty();
        ThresholdResult {
            expr: self.expr.clone(),
            endpoint: self.endpoint.clone(),
            metric: self.metric_name.clone(),
            op: self.op.as_str().to_string(),
            limit: self.limit,
            actual,
            passed: !no_data && self.op.holds(actual, self.limit),
        }
    }
}

/// `100ms`, `1s`, `250us`, `1.5s`; bare numbers are milliseconds. Returns µs.
fn parse_latency_us(v: &str) -> Result<f64, String> {
    perfaudit_model::units::parse_latency_us(v).map_err(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        let t = ThresholdSpec::parse("p95<100ms", None).unwrap();
        assert_eq!(
            (t.metric, t.op, t.limit),
            (Metric::Quantile(0.95), Op::Lt, 100_000.0)
        );
        let t = ThresholdSpec::parse("p99.9 < 1s", Some("home")).unwrap();
        assert_eq!(t.metric, Metric::Quantile(0.999));
        assert_eq!(t.limit, 1e6);
        assert_eq!(t.endpoint.as_deref(), Some("home"));
        let t = ThresholdSpec::parse("error_rate<1%", None).unwrap();
        assert_eq!((t.metric, t.limit), (Metric::ErrorRate, 0.01));
        let t = ThresholdSpec::parse("rps>=500", None).unwrap();
        assert_eq!((t.metric, t.op, t.limit), (Metric::Rps, Op::Ge, 500.0));
        for bad in [
            "p95",
            "p95<",
            "latency<1ms",
            "p101<1s",
            "p95<1 parsec",
            "rps>x",
            "error_rate<-1",
        ] {
            assert!(ThresholdSpec::parse(bad, None).is_err(), "{bad}");
        }
    }

    #[test]
    fn evaluates() {
        let mut h = Histogram::new();
        for v in 1..=100u64 {
            h.record(v * 1000);
        }
        let m = Measured {
            histogram: &h,
            error_rate: 0.02,
            rps: 600.0,
            requests: 100,
        };
        let check = |e: &str| ThresholdSpec::parse(e, None).unwrap().evaluate(&m).passed;
        assert!(check("p95<100ms"));
        assert!(!check("p95<90ms"));
        assert!(check("max<=100.1ms"));
        assert!(!check("error_rate<1%"));
        assert!(check("rps>500"));
        assert!(!check("requests>100"));
        let empty = Histogram::new();
        let m = Measured {
            histogram: &empty,
            error_rate: 1.0,
            rps: 0.0,
            requests: 0,
        };
        assert!(
            !ThresholdSpec::parse("p99<1s", None)
                .unwrap()
                .evaluate(&m)
                .passed
        );
    }
}

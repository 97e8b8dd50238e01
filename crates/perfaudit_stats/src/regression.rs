//! Regression verdicts: a metric regressed when it got worse by more than a relative threshold
//! (default 20%) AND a significance test on the raw observations says the change is not noise.
//!
//! The test is the two-sided Mann-Whitney U test (`mann_whitney`): on plain samples (bench
//! times, per-second throughput, resource samples) or on histogram buckets `(value, count)`
//! (latency, from HDR histograms, through the weighted variant). A change beyond the threshold
//! that the test cannot call significant is `Noise`, never a regression. Metrics without
//! observations (counts such as findings) are exact: the threshold alone decides.

use crate::mann_whitney::{mann_whitney_u, mann_whitney_u_weighted};

/// Raw observations behind a metric value.
#[derive(Debug, Clone, Copy)]
pub enum Observations<'a> {
    /// An exact value (a count): no test is needed.
    Exact,
    Samples(&'a [f64]),
    /// `(value, count)` buckets.
    Histogram(&'a [(f64, u64)]),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Relative change that counts, e.g. 0.2 for 20%.
    pub threshold: f64,
    /// Significance level: p below it is significant.
    pub alpha: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            threshold: 0.20,
            alpha: 0.01,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Regression,
    Improvement,
    /// Beyond the threshold, but not significant (or too few observations to tell).
    Noise,
    /// Within the threshold.
    Unchanged,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judgement {
    /// (head - base) / |base|; `None` when base is 0 and head is not.
    pub change: Option<f64>,
    /// Two-sided Mann-Whitney p-value, when both sides had observations to test.
    pub p_value: Option<f64>,
    pub verdict: Change,
}

/// Relative change from `base` to `head`. Both zero is no change; a zero base with a non-zero
/// head is an infinite change (`None`).
pub fn relative_change(base: f64, head: f64) -> Option<f64> {
    if base == head {
        return Some(0.0);
    }
    if base == 0.0 || !base.is_finite() || !head.is_finite() {
        return None;
    }
    Some((head - base) / base.abs())
}

/// Judge one metric between two runs. `lower_is_better` gives the direction of "worse".
pub fn judge(
    base: f64,
    head: f64,
    lower_is_better: bool,
    base_obs: Observations<'_>,
    head_obs: Observations<'_>,
    settings: Settings,
) -> Judgement {
    let change = relative_change(base, head);
    // An infinite change (from zero) is beyond any threshold.
    let beyond = change.is_none_or(|c| c.abs() > settings.threshold);
    if !beyond {
        return Judgement {
            change,
            p_value: None,
            verdict: Change::Unchanged,
        };
    }
    let worse = if lower_is_better {
        head > base
    } else {
        head < base
    };
    let p_value = match (base_obs, head_obs) {
        (Observations::Samples(a), Observations::Samples(b)) => {
            mann_whitney_u(a, b).map(|m| m.p_value)
        }
        (Observations::Histogram(a), Observations::Histogram(b)) => {
            mann_whitney_u_weighted(a, b).map(|m| m.p_value)
        }
        _ => None,
    };
    let exact = matches!(base_obs, Observations::Exact) && matches!(head_obs, Observations::Exact);
    let significant = if exact {
        true
    } else {
        p_value.is_some_and(|p| p < settings.alpha)
    };
    let verdict = match (significant, worse) {
        (false, _) => Change::Noise,
        (true, true) => Change::Regression,
        (true, false) => Change::Improvement,
    };
    Judgement {
        change,
        p_value,
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spread(center: f64, n: usize) -> Vec<f64> {
        // Deterministic jitter of +-5% around `center`.
        (0..n)
            .map(|i| center * (1.0 + 0.05 * (((i * 7919) % 21) as f64 / 10.0 - 1.0)))
            .collect()
    }

    #[test]
    fn within_threshold_is_unchanged() {
        let j = judge(
            100.0,
            115.0,
            true,
            Observations::Exact,
            Observations::Exact,
            Settings::default(),
        );
        assert_eq!(j.verdict, Change::Unchanged);
        assert!((j.change.unwrap() - 0.15).abs() < 1e-12);
    }

    #[test]
    fn significant_slowdown_is_a_regression() {
        let a = spread(10.0, 30);
        let b = spread(14.0, 30);
        let j = judge(
            10.0,
            14.0,
            true,
            Observations::Samples(&a),
            Observations::Samples(&b),
            Settings::default(),
        );
        assert_eq!(j.verdict, Change::Regression);
        assert!(j.p_value.unwrap() < 0.001);
        // The same data for a higher-is-better metric is an improvement.
        let j = judge(
            10.0,
            14.0,
            false,
            Observations::Samples(&a),
            Observations::Samples(&b),
            Settings::default(),
        );
        assert_eq!(j.verdict, Change::Improvement);
    }

    #[test]
    fn a_large_change_on_few_noisy_samples_is_noise() {
        // Medians differ by 40%, but the samples overlap heavily: not significant.
        let a = [10.0, 30.0, 12.0];
        let b = [14.0, 11.0, 29.0];
        let j = judge(
            12.0,
            14.0,
            true,
            Observations::Samples(&a),
            Observations::Samples(&b),
            Settings {
                threshold: 0.1,
                alpha: 0.01,
            },
        );
        assert_eq!(j.verdict, Change::Noise);
        // Missing observations on one side: cannot tell.
        let j = judge(
            10.0,
            20.0,
            true,
            Observations::Samples(&a),
            Observations::Exact,
            Settings::default(),
        );
        assert_eq!(j.verdict, Change::Noise);
    }

    #[test]
    fn histograms_are_compared_with_the_weighted_test() {
        let base = [(1000.0, 500u64), (1100.0, 400), (1500.0, 100)];
        let slow = [(1600.0, 500u64), (1800.0, 400), (2500.0, 100)];
        let j = judge(
            1100.0,
            1800.0,
            true,
            Observations::Histogram(&base),
            Observations::Histogram(&slow),
            Settings::default(),
        );
        assert_eq!(j.verdict, Change::Regression);
        let same = judge(
            1100.0,
            1100.0,
            true,
            Observations::Histogram(&base),
            Observations::Histogram(&base),
            Settings::default(),
        );
        assert_eq!(same.verdict, Change::Unchanged);
    }

    #[test]
    fn exact_counts_from_zero() {
        let j = judge(
            0.0,
            2.0,
            true,
            Observations::Exact,
            Observations::Exact,
            Settings::default(),
        );
        assert_eq!(j.verdict, Change::Regression);
        assert_eq!(j.change, None);
        assert_eq!(relative_change(0.0, 0.0), Some(0.0));
    }
}

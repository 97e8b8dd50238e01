//! Regression verdicts: a metric regressed when it got worse by more than a relative threshold
//! (default 20%) AND a significance test on independent units of evidence says the change is
//! not noise.
//!
//! The units are repetitions (cold starts, benchmark runs, import runs) or block statistics of
//! a run (`blocks`: per-block quantiles, means, rates), never individual requests: requests of
//! one run are serially correlated, so a per-request test finds any drift of the machine
//! "significant" (Kalibera and Jones 2013; Schmeiser 1982). The test is the two-sided
//! Mann-Whitney U test, exact for small samples without ties (`exact`), else the tie-corrected
//! normal approximation (`mann_whitney`).
//!
//! Power is stated, not hidden: when the samples cannot reach p < α even if every head value
//! is worse than every base value ([`crate::exact::min_p_value`]), the verdict is
//! `Inconclusive` with the sample size per side that could, never "noise". Counts (findings)
//! are exact: the threshold alone decides. Improvements are never regressions.

use crate::exact::{exact_p_value, exact_p_value_ties, min_p_value, samples_needed, EXACT_LIMIT};
use crate::mann_whitney::mann_whitney_u;

/// The evidence behind one metric value.
#[derive(Debug, Clone, Copy)]
pub enum Evidence<'a> {
    /// An exact value (a count): no test is needed.
    Exact,
    /// Independent units: repetitions, or the statistic of each block of a run.
    Units(&'a [f64]),
    /// No independent observations (a single event, a run too short for two blocks, or a
    /// stored run from a perfaudit that kept per-request observations only).
    Unavailable,
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
    /// Beyond the threshold, and the samples could have shown significance, but did not.
    Noise,
    /// Beyond the threshold, but the samples cannot reach p < α at all: `have` units on the
    /// smaller side, `need` per side would (0: no independent evidence on a side).
    Inconclusive {
        have: usize,
        need: usize,
    },
    /// Within the threshold.
    Unchanged,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judgement {
    /// (head - base) / |base|; `None` when base is 0 and head is not.
    pub change: Option<f64>,
    /// Two-sided Mann-Whitney p-value, when both sides had units to test.
    pub p_value: Option<f64>,
    pub verdict: Change,
    /// Units of evidence on each side (base, head); 0 for exact values.
    pub units: (usize, usize),
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

/// Two-sided Mann-Whitney p-value of `a` against `b`: exact without ties for small samples,
/// else the tie-corrected normal approximation.
pub fn mann_whitney_p(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.is_empty() || b.is_empty() || a.iter().chain(b).any(|v| v.is_nan()) {
        return None;
    }
    let mut all: Vec<f64> = a.iter().chain(b).copied().collect();
    all.sort_by(f64::total_cmp);
    let ties = all.windows(2).any(|w| w[0] == w[1]);
    let mw = mann_whitney_u(a, b)?;
    if !ties && a.len() * b.len() <= EXACT_LIMIT {
        return exact_p_value(mw.u, a.len(), b.len());
    }
    if ties {
        if let Some(p) = exact_p_value_ties(a, b) {
            return Some(p);
        }
    }
    Some(mw.p_value)
}

/// Judge one metric between two runs. `lower_is_better` gives the direction of "worse".
pub fn judge(
    base: f64,
    head: f64,
    lower_is_better: bool,
    base_ev: Evidence<'_>,
    head_ev: Evidence<'_>,
    settings: Settings,
) -> Judgement {
    let change = relative_change(base, head);
    let units = |e: Evidence<'_>| match e {
        Evidence::Units(u) => u.len(),
        _ => 0,
    };
    let n = (units(base_ev), units(head_ev));
    // An infinite change (from zero) is beyond any threshold.
    let beyond = change.is_none_or(|c| c.abs() > settings.threshold);
    if !beyond {
        return Judgement {
            change,
            p_value: None,
            verdict: Change::Unchanged,
            units: n,
        };
    }
    let worse = if lower_is_better {
        head > base
    } else {
        head < base
    };
    let direction = if worse {
        Change::Regression
    } else {
        Change::Improvement
    };
    let (verdict, p_value) = match (base_ev, head_ev) {
        (Evidence::Exact, Evidence::Exact) => (direction, None),
        (Evidence::Units(a), Evidence::Units(b)) => {
            let need = samples_needed(settings.alpha);
            if min_p_value(a.len(), b.len()) >= settings.alpha {
                (
                    Change::Inconclusive {
                        have: a.len().min(b.len()),
                        need,
                    },
                    None,
                )
            } else {
                match mann_whitney_p(a, b) {
                    Some(p) if p < settings.alpha => (direction, Some(p)),
                    p => (Change::Noise, p),
                }
            }
        }
        _ => (
            Change::Inconclusive {
                have: 0,
                need: samples_needed(settings.alpha),
            },
            None,
        ),
    };
    Judgement {
        change,
        p_value,
        verdict,
        units: n,
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
            Evidence::Exact,
            Evidence::Exact,
            Settings::default(),
        );
        assert_eq!(j.verdict, Change::Unchanged);
        assert!((j.change.unwrap() - 0.15).abs() < 1e-12);
    }

    #[test]
    fn significant_slowdown_is_a_regression_and_faster_is_an_improvement() {
        let a = spread(10.0, 12);
        let b = spread(14.0, 12);
        let j = judge(
            10.0,
            14.0,
            true,
            Evidence::Units(&a),
            Evidence::Units(&b),
            Settings::default(),
        );
        assert_eq!(j.verdict, Change::Regression);
        assert!(j.p_value.unwrap() < 0.001);
        assert_eq!(j.units, (12, 12));
        // The same data for a higher-is-better metric is an improvement, never a regression.
        let j = judge(
            10.0,
            14.0,
            false,
            Evidence::Units(&a),
            Evidence::Units(&b),
            Settings::default(),
        );
        assert_eq!(j.verdict, Change::Improvement);
    }

    #[test]
    fn five_repetitions_reach_one_percent_with_the_exact_test() {
        // Import time +577% over 5 runs a side: the normal approximation's best is p = 0.012,
        // the exact test gives 2/252 = 0.0079 < 0.01.
        let a = [70.0, 71.0, 69.5, 72.0, 70.5];
        let b = [470.0, 480.0, 475.0, 469.0, 490.0];
        let j = judge(
            70.5,
            475.0,
            true,
            Evidence::Units(&a),
            Evidence::Units(&b),
            Settings::default(),
        );
        assert_eq!(j.verdict, Change::Regression);
        assert!((j.p_value.unwrap() - 2.0 / 252.0).abs() < 1e-12);
    }

    #[test]
    fn too_few_units_are_inconclusive_with_the_size_that_would_do() {
        let a = [10.0, 10.5, 10.2];
        let b = [20.0, 20.5, 20.2];
        let j = judge(
            10.2,
            20.2,
            true,
            Evidence::Units(&a),
            Evidence::Units(&b),
            Settings::default(),
        );
        assert_eq!(j.verdict, Change::Inconclusive { have: 3, need: 5 });
        // One cold start a side (a single event): inconclusive, not noise.
        let j = judge(
            300.0,
            840.0,
            true,
            Evidence::Units(&[300.0]),
            Evidence::Units(&[840.0]),
            Settings::default(),
        );
        assert_eq!(j.verdict, Change::Inconclusive { have: 1, need: 5 });
        let j = judge(
            300.0,
            840.0,
            true,
            Evidence::Unavailable,
            Evidence::Units(&b),
            Settings::default(),
        );
        assert_eq!(j.verdict, Change::Inconclusive { have: 0, need: 5 });
    }

    #[test]
    fn overlapping_samples_with_enough_power_are_noise() {
        let a = [10.0, 30.0, 12.0, 28.0, 11.0, 29.0];
        let b = [14.0, 11.5, 29.5, 13.0, 31.0, 12.5];
        let j = judge(
            12.0,
            14.5,
            true,
            Evidence::Units(&a),
            Evidence::Units(&b),
            Settings {
                threshold: 0.1,
                alpha: 0.01,
            },
        );
        assert_eq!(j.verdict, Change::Noise);
        assert!(j.p_value.unwrap() > 0.1);
    }

    #[test]
    fn exact_counts_from_zero() {
        let j = judge(
            0.0,
            2.0,
            true,
            Evidence::Exact,
            Evidence::Exact,
            Settings::default(),
        );
        assert_eq!(j.verdict, Change::Regression);
        assert_eq!(j.change, None);
        assert_eq!(relative_change(0.0, 0.0), Some(0.0));
    }

    #[test]
    fn ties_use_the_permutation_distribution_small_and_the_normal_approximation_large() {
        let a = [1.0, 1.0, 2.0, 2.0, 3.0, 3.0];
        let b = [1.0, 2.0, 2.0, 3.0, 3.0, 3.0];
        let p = mann_whitney_p(&a, &b).unwrap();
        assert_eq!(p, exact_p_value_ties(&a, &b).unwrap());
        let a: Vec<f64> = (0..40).map(|i| (i % 5) as f64).collect();
        let b: Vec<f64> = (0..40).map(|i| (i % 4) as f64).collect();
        let p = mann_whitney_p(&a, &b).unwrap();
        assert_eq!(p, mann_whitney_u(&a, &b).unwrap().p_value);
    }
}

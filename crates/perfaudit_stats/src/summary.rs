//! Descriptive statistics of a sample: mean, standard deviation, median, quantiles, min/max,
//! and the ratio of two means with its propagated uncertainty.
//!
//! References:
//! - Sample standard deviation with Bessel's correction (divisor `n − 1`), computed with
//!   Welford's one-pass update: B. P. Welford (1962), "Note on a method for calculating
//!   corrected sums of squares and products", *Technometrics* 4(3), 419-420.
//! - Quantiles: linear interpolation between order statistics, definition 7 of R. J. Hyndman
//!   and Y. Fan (1996), "Sample quantiles in statistical packages", *The American
//!   Statistician* 50(4), 361-365 (the default of R, NumPy and Excel's `PERCENTILE.INC`).
//! - Uncertainty of a quotient: first-order error propagation for independent quantities,
//!   J. R. Taylor (1997), *An Introduction to Error Analysis*, 2nd ed., §3.8 (eq. 3.18):
//!   `σ_q / |q| = sqrt((σ_x/x)² + (σ_y/y)²)` for `q = x / y`.

/// Summary of a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    /// Sample standard deviation (divisor n − 1); `None` for a single value.
    pub stddev: Option<f64>,
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

/// Summarise a sample. `None` when it is empty or holds a NaN.
pub fn summarize(xs: &[f64]) -> Option<Summary> {
    if xs.is_empty() || xs.iter().any(|x| x.is_nan()) {
        return None;
    }
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some(Summary {
        n: xs.len(),
        mean: mean(xs)?,
        stddev: stddev(xs),
        median: quantile_sorted(&sorted, 0.5)?,
        min: sorted[0],
        max: sorted[sorted.len() - 1],
    })
}

/// Arithmetic mean; `None` for an empty sample.
pub fn mean(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    // Welford's running mean avoids overflow of a plain sum on huge values.
    let mut m = 0.0;
    for (i, &x) in xs.iter().enumerate() {
        m += (x - m) / (i + 1) as f64;
    }
    Some(m)
}

/// Sample standard deviation (Bessel-corrected); `None` with fewer than two values.
pub fn stddev(xs: &[f64]) -> Option<f64> {
    if xs.len() < 2 {
        return None;
    }
    let (mut m, mut s) = (0.0, 0.0);
    for (i, &x) in xs.iter().enumerate() {
        let d = x - m;
        m += d / (i + 1) as f64;
        s += d * (x - m);
    }
    Some((s / (xs.len() - 1) as f64).max(0.0).sqrt())
}

/// Median (the 0.5 quantile); `None` for an empty sample.
pub fn median(xs: &[f64]) -> Option<f64> {
    quantile(xs, 0.5)
}

/// The `q` quantile (0 ≤ q ≤ 1), Hyndman-Fan definition 7. `None` for an empty sample or a
/// `q` outside [0, 1].
pub fn quantile(xs: &[f64], q: f64) -> Option<f64> {
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    quantile_sorted(&sorted, q)
}

/// As [`quantile`], for a sample already sorted ascending.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// `x / y` with its standard uncertainty propagated from the two standard deviations
/// (independent errors, first order; Taylor eq. 3.18). A missing deviation counts as zero.
/// `None` when `y` is zero.
pub fn ratio_with_uncertainty(
    x: f64,
    sx: Option<f64>,
    y: f64,
    sy: Option<f64>,
) -> Option<(f64, f64)> {
    if y == 0.0 || x.is_nan() || y.is_nan() {
        return None;
    }
    let q = x / y;
    let rel_x = if x == 0.0 { 0.0 } else { sx.unwrap_or(0.0) / x };
    let rel_y = sy.unwrap_or(0.0) / y;
    let sq = q.abs() * (rel_x * rel_x + rel_y * rel_y).sqrt();
    Some((q, sq))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_a_small_sample() {
        // mean 5, sample variance 32/7, median 4.5
        let s = summarize(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!(s.n, 8);
        assert_eq!(s.mean, 5.0);
        assert!((s.stddev.unwrap() - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!(s.median, 4.5);
        assert_eq!((s.min, s.max), (2.0, 9.0));
    }

    #[test]
    fn single_value_has_no_stddev() {
        let s = summarize(&[0.25]).unwrap();
        assert_eq!(s.stddev, None);
        assert_eq!((s.mean, s.median, s.min, s.max), (0.25, 0.25, 0.25, 0.25));
        assert!(summarize(&[]).is_none());
        assert!(summarize(&[1.0, f64::NAN]).is_none());
    }

    #[test]
    fn quantiles_follow_hyndman_fan_7() {
        let xs = [15.0, 20.0, 35.0, 40.0, 50.0];
        assert_eq!(quantile(&xs, 0.0), Some(15.0));
        assert_eq!(quantile(&xs, 1.0), Some(50.0));
        assert_eq!(quantile(&xs, 0.4), Some(29.0)); // numpy.percentile(xs, 40) = 29.0
        assert_eq!(quantile(&xs, 0.9), Some(46.0));
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(quantile(&xs, 1.5), None);
    }

    #[test]
    fn stddev_is_stable_for_large_offsets() {
        let xs: Vec<f64> = [4.0, 7.0, 13.0, 16.0].iter().map(|x| x + 1e9).collect();
        assert!((stddev(&xs).unwrap() - 30.0f64.sqrt()).abs() < 1e-6);
    }

    #[test]
    fn ratio_propagates_relative_errors() {
        // 2.0 ± 0.2 over 1.0 ± 0.05: q = 2, σ = 2·sqrt(0.01 + 0.0025)
        let (q, s) = ratio_with_uncertainty(2.0, Some(0.2), 1.0, Some(0.05)).unwrap();
        assert_eq!(q, 2.0);
        assert!((s - 2.0 * 0.0125f64.sqrt()).abs() < 1e-12);
        assert_eq!(
            ratio_with_uncertainty(1.0, None, 1.0, None),
            Some((1.0, 0.0))
        );
        assert_eq!(ratio_with_uncertainty(1.0, None, 0.0, None), None);
    }
}

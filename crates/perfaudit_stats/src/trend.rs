//! Trend statistics for leak detection: the Theil-Sen slope estimator and the Mann-Kendall
//! trend test with tie correction.
//!
//! - Theil (1950), Sen (1968): the slope is the median of the slopes of all pairs of points;
//!   robust to up to ~29% outliers. O(n²) pairs: callers keep n in the hundreds.
//! - Mann (1945), Kendall (1975), as given by Gilbert (1987), "Statistical Methods for
//!   Environmental Pollution Monitoring", §16.4: S = Σ_{i<j} sign(x_j − x_i),
//!   Var(S) = [n(n−1)(2n+5) − Σ_t t(t−1)(2t+5)] / 18 over the groups of tied values,
//!   Z = (S − 1)/√Var(S) if S > 0, (S + 1)/√Var(S) if S < 0, else 0 (continuity correction),
//!   p from the standard normal distribution.

/// A fitted line `y = intercept + slope * x`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TheilSen {
    pub slope: f64,
    /// Conover's intercept: median(y) − slope × median(x).
    pub intercept: f64,
}

/// Theil-Sen slope of `y` over `x`. Pairs with equal `x` are skipped. `None` when there are
/// fewer than two points with distinct `x`, when lengths differ, or on non-finite input.
pub fn theil_sen(x: &[f64], y: &[f64]) -> Option<TheilSen> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    if x.iter().chain(y).any(|v| !v.is_finite()) {
        return None;
    }
    let n = x.len();
    let mut slopes = Vec::with_capacity(n * (n - 1) / 2);
    for i in 0..n {
        for j in (i + 1)..n {
            let dx = x[j] - x[i];
            if dx != 0.0 {
                slopes.push((y[j] - y[i]) / dx);
            }
        }
    }
    let slope = median_in_place(&mut slopes)?;
    let mut xs = x.to_vec();
    let mut ys = y.to_vec();
    let intercept = median_in_place(&mut ys)? - slope * median_in_place(&mut xs)?;
    Some(TheilSen { slope, intercept })
}

/// The Mann-Kendall test of a series in time order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannKendall {
    pub n: usize,
    /// Σ sign(x_j − x_i) over i < j.
    pub s: i64,
    /// Variance of S under H0, corrected for ties.
    pub var_s: f64,
    /// Normal score with continuity correction.
    pub z: f64,
    /// Kendall's tau-a: S / (n(n−1)/2).
    pub tau: f64,
    /// Two-sided p-value (any monotonic trend).
    pub p_two_sided: f64,
    /// One-sided p-value for an increasing trend.
    pub p_increasing: f64,
    /// One-sided p-value for a decreasing trend.
    pub p_decreasing: f64,
}

/// Mann-Kendall trend test with tie correction. `None` for fewer than 3 points or non-finite
/// values. A series whose values are all equal has Var(S) = 0: Z = 0, p = 1 (no evidence).
pub fn mann_kendall(x: &[f64]) -> Option<MannKendall> {
    let n = x.len();
    if n < 3 || x.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut s: i64 = 0;
    for i in 0..n {
        let xi = x[i];
        for &xj in &x[i + 1..] {
            if xj > xi {
                s += 1;
            } else if xj < xi {
                s -= 1;
            }
        }
    }
    // Tie groups.
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && sorted[j] == sorted[i] {
            j += 1;
        }
        let t = (j - i) as f64;
        if t > 1.0 {
            tie_term += t * (t - 1.0) * (2.0 * t + 5.0);
        }
        i = j;
    }
    let nf = n as f64;
    let var_s = ((nf * (nf - 1.0) * (2.0 * nf + 5.0) - tie_term) / 18.0).max(0.0);
    let z = if var_s == 0.0 {
        0.0
    } else if s > 0 {
        (s as f64 - 1.0) / var_s.sqrt()
    } else if s < 0 {
        (s as f64 + 1.0) / var_s.sqrt()
    } else {
        0.0
    };
    let (p_two_sided, p_increasing, p_decreasing) = if var_s == 0.0 {
        (1.0, 1.0, 1.0)
    } else {
        (
            (2.0 * normal_sf(z.abs())).min(1.0),
            normal_sf(z),
            normal_sf(-z),
        )
    };
    Some(MannKendall {
        n,
        s,
        var_s,
        z,
        tau: s as f64 / (nf * (nf - 1.0) / 2.0),
        p_two_sided,
        p_increasing,
        p_decreasing,
    })
}

/// Upper tail of the standard normal distribution, P(Z > z).
pub fn normal_sf(z: f64) -> f64 {
    0.5 * crate::mann_whitney::erfc(z / std::f64::consts::SQRT_2)
}

/// Median of a slice (reorders it). `None` when empty.
fn median_in_place(v: &mut [f64]) -> Option<f64> {
    let n = v.len();
    if n == 0 {
        return None;
    }
    let mid = n / 2;
    let (_, &mut upper, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    if n % 2 == 1 {
        Some(upper)
    } else {
        let lower = v[..mid].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some((lower + upper) / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mann_whitney::erfc;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn normal_tail_matches_tables() {
        // Standard normal table values.
        assert!(close(normal_sf(0.0), 0.5, 1e-15));
        assert!(close(normal_sf(1.959_963_984_540_054), 0.025, 1e-12));
        assert!(close(normal_sf(1.0), 0.158_655_253_931_457_05, 1e-13));
        assert!(close(normal_sf(-1.0), 0.841_344_746_068_542_9, 1e-13));
        assert!(close(normal_sf(3.0), 1.349_898_031_630_094_6e-3, 1e-15));
        assert!(close(normal_sf(6.0), 9.865_876_450_376_98e-10, 1e-20));
        assert!(close(erfc(0.3), 0.671_373_240_540_872_6, 1e-14));
        assert!(close(erfc(10.0), 2.088_487_583_762_544_6e-45, 1e-55));
        assert_eq!(erfc(30.0), 0.0);
        assert!(close(erfc(-30.0), 2.0, 0.0));
    }

    /// The worked example "A Mann-Kendall Example (By Hand)", J. Little, College of the Holy
    /// Cross (Montserrat volcano data): 14 values with one tied pair, S = 54,
    /// V = 14·13·33/18 − 2·1·9/18, Z = 2.9058, one-sided p ≈ 0.0018.
    #[test]
    fn mann_kendall_published_example_with_a_tie() {
        let x = [
            12.9, 14.8, 13.2, 15.7, 13.8, 15.6, 12.9, 11.0, 17.3, 15.9, 19.0, 18.3, 20.1, 21.7,
        ];
        let mk = mann_kendall(&x).unwrap();
        assert_eq!(mk.n, 14);
        assert_eq!(mk.s, 54);
        assert!(close(
            mk.var_s,
            14.0 * 13.0 * 33.0 / 18.0 - 2.0 * 9.0 / 18.0,
            1e-9
        ));
        assert!(close(mk.z, 2.9058, 5e-5), "z = {}", mk.z);
        assert!(
            close(mk.p_increasing, 0.0018, 5e-5),
            "p = {}",
            mk.p_increasing
        );
        assert!(close(mk.p_two_sided, 2.0 * mk.p_increasing, 1e-15));
        assert!(close(mk.tau, 54.0 / 91.0, 1e-12));
    }

    /// Gilbert (1987) Table A18 territory computed by hand: 1..5 strictly increasing gives
    /// S = 10, Var = 5·4·15/18, Z = 9/√(50/3) = 2.2045.
    #[test]
    fn mann_kendall_monotone_and_flat() {
        let mk = mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(mk.s, 10);
        assert!(close(mk.var_s, 50.0 / 3.0, 1e-12));
        assert!(close(mk.z, 9.0 / (50.0f64 / 3.0).sqrt(), 1e-12));
        assert!(
            close(mk.p_two_sided, 0.027_486_1, 1e-6),
            "{}",
            mk.p_two_sided
        );
        let down = mann_kendall(&[5.0, 4.0, 3.0, 2.0, 1.0]).unwrap();
        assert_eq!(down.s, -10);
        assert!(down.p_decreasing < 0.02 && down.p_increasing > 0.98);
        // All equal: no information.
        let flat = mann_kendall(&[7.0; 10]).unwrap();
        assert_eq!(flat.s, 0);
        assert_eq!(flat.var_s, 0.0);
        assert_eq!(flat.p_two_sided, 1.0);
        // Ties: [1,1,2,3] -> S = 5, Var = (4·3·13 − 2·1·9)/18.
        let t = mann_kendall(&[1.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!(t.s, 5);
        assert!(close(t.var_s, (156.0 - 18.0) / 18.0, 1e-12));
        assert!(mann_kendall(&[1.0, 2.0]).is_none());
        assert!(mann_kendall(&[1.0, f64::NAN, 2.0]).is_none());
    }

    #[test]
    fn theil_sen_exact_line_and_outliers() {
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| 3.0 + 2.0 * v).collect();
        let fit = theil_sen(&x, &y).unwrap();
        assert_eq!(fit.slope, 2.0);
        assert_eq!(fit.intercept, 3.0);
        // Two gross outliers do not move the median slope much (least squares would).
        let mut y2 = y.clone();
        y2[3] = 1000.0;
        y2[7] = -1000.0;
        let fit2 = theil_sen(&x, &y2).unwrap();
        assert!(close(fit2.slope, 2.0, 0.3), "{}", fit2.slope);
        // Hand example: points (1,1), (2,3), (3,2), (4,5): slopes 2, 0.5, 4/3, -1, 1, 3
        // -> sorted -1, .5, 1, 4/3, 2, 3 -> median (1 + 4/3)/2 = 7/6.
        let f = theil_sen(&[1.0, 2.0, 3.0, 4.0], &[1.0, 3.0, 2.0, 5.0]).unwrap();
        assert!(close(f.slope, 7.0 / 6.0, 1e-12));
        // Intercept: median(y) = 2.5, median(x) = 2.5 -> 2.5 − 7/6·2.5.
        assert!(close(f.intercept, 2.5 - 7.0 / 6.0 * 2.5, 1e-12));
        // Equal x pairs are skipped; degenerate inputs give None.
        assert!(theil_sen(&[1.0, 1.0], &[1.0, 2.0]).is_none());
        assert!(theil_sen(&[1.0], &[1.0]).is_none());
        assert!(theil_sen(&[1.0, 2.0], &[1.0]).is_none());
    }
}

//! Mann-Whitney U test (Wilcoxon rank-sum test), two-sided, normal approximation with tie
//! correction and continuity correction.
//!
//! References:
//! - H. B. Mann and D. R. Whitney (1947), "On a test of whether one of two random variables is
//!   stochastically larger than the other", *Ann. Math. Statist.* 18(1), 50-60.
//! - W. J. Conover (1999), *Practical Nonparametric Statistics*, 3rd ed., §5.1: midranks for
//!   ties and the tie-corrected variance
//!   `σ² = n₁n₂/12 · ((n+1) − Σ(t³−t) / (n(n−1)))`.
//! - The continuity correction (`|U − μ| − ½`) is the one scipy's `mannwhitneyu(...,
//!   method="asymptotic", use_continuity=True)` applies; the expected figures in the tests are
//!   worked by hand from these formulas (erfc values from Python's `math.erfc`).
//!
//! `u` is the statistic of the first sample: the number of pairs `(a_i, b_j)` with
//! `a_i > b_j`, ties counting ½ (scipy's `U1`). `z` is positive when `a` tends to be larger
//! than `b`. With no spread at all (every value equal) `z = 0` and `p = 1`.

// Cody's coefficients are printed with more digits than an f64 holds; keep them as published.
#![allow(clippy::excessive_precision)]

/// Outcome of a Mann-Whitney U test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// U statistic of the first sample (pairs where `a > b`, ties ½).
    pub u: f64,
    /// Standardised statistic (continuity-corrected), signed: positive when `a` is larger.
    pub z: f64,
    /// Two-sided p-value from the normal approximation.
    pub p_value: f64,
}

/// Two-sided Mann-Whitney U test of `a` against `b`. `None` when a sample is empty or holds
/// a NaN.
pub fn mann_whitney_u(a: &[f64], b: &[f64]) -> Option<MannWhitney> {
    let mut pairs: Vec<(f64, u64)> = Vec::with_capacity(a.len());
    pairs.extend(a.iter().map(|&v| (v, 1)));
    let mut pb: Vec<(f64, u64)> = Vec::with_capacity(b.len());
    pb.extend(b.iter().map(|&v| (v, 1)));
    mann_whitney_u_weighted(&pairs, &pb)
}

/// The same test computed from `(value, count)` pairs (e.g. histogram buckets) without expanding
/// them: each value stands for `count` equal observations. Pairs with a zero count are ignored;
/// the same value may appear several times. `None` when a sample's total count is zero or a
/// value is NaN.
pub fn mann_whitney_u_weighted(a: &[(f64, u64)], b: &[(f64, u64)]) -> Option<MannWhitney> {
    if a.iter().chain(b).any(|(v, _)| v.is_nan()) {
        return None;
    }
    let n_a: f64 = a.iter().map(|&(_, c)| c as f64).sum();
    let n_b: f64 = b.iter().map(|&(_, c)| c as f64).sum();
    if n_a == 0.0 || n_b == 0.0 {
        return None;
    }
    // (value, count in a, count in b), sorted by value.
    let mut all: Vec<(f64, f64, f64)> = Vec::with_capacity(a.len() + b.len());
    all.extend(
        a.iter()
            .filter(|p| p.1 > 0)
            .map(|&(v, c)| (v, c as f64, 0.0)),
    );
    all.extend(
        b.iter()
            .filter(|p| p.1 > 0)
            .map(|&(v, c)| (v, 0.0, c as f64)),
    );
    all.sort_by(|x, y| x.0.total_cmp(&y.0));

    let n = n_a + n_b;
    let mut rank_sum_a = 0.0;
    let mut tie_term = 0.0; // Σ (t³ − t) over groups of equal values
    let mut below = 0.0; // observations ranked before the current group
    let mut i = 0;
    while i < all.len() {
        let value = all[i].0;
        let (mut ca, mut cb) = (0.0, 0.0);
        while i < all.len() && all[i].0 == value {
            ca += all[i].1;
            cb += all[i].2;
            i += 1;
        }
        let t = ca + cb;
        // Midrank of ranks below+1 ..= below+t.
        let midrank = below + (t + 1.0) / 2.0;
        rank_sum_a += ca * midrank;
        tie_term += t * t * t - t;
        below += t;
    }

    let u = rank_sum_a - n_a * (n_a + 1.0) / 2.0;
    let mean = n_a * n_b / 2.0;
    let variance = n_a * n_b / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
    if variance.is_nan() || variance <= 0.0 {
        return Some(MannWhitney {
            u,
            z: 0.0,
            p_value: 1.0,
        });
    }
    let diff = u - mean;
    let corrected = (diff.abs() - 0.5).max(0.0);
    let z = corrected.copysign(diff) / variance.sqrt();
    let p_value = erfc(z.abs() / std::f64::consts::SQRT_2).clamp(0.0, 1.0);
    Some(MannWhitney { u, z, p_value })
}

/// Complementary error function, W. J. Cody (1969), "Rational Chebyshev approximations for the
/// error function", *Math. Comp.* 23, 631-637 — relative error below 1e-15 over the real line
/// (the coefficients of his tables, as used by many libm implementations).
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 0.5 {
        return 1.0 - erf_small(x);
    }
    if x < 4.0 {
        const P: [f64; 9] = [
            5.641_884_969_886_700_9e-1,
            8.883_149_794_388_376e0,
            6.611_919_063_714_163e1,
            2.986_351_381_974_001_3e2,
            8.819_522_212_417_691e2,
            1.712_047_612_634_070_7e3,
            2.051_078_377_826_071_6e3,
            1.230_339_354_797_997_2e3,
            2.153_115_354_744_038_3e-8,
        ];
        const Q: [f64; 8] = [
            1.574_492_611_070_983_5e1,
            1.176_939_508_913_125e2,
            5.371_811_018_620_098_6e2,
            1.621_389_574_566_690_3e3,
            3.290_799_235_733_459_7e3,
            4.362_619_090_143_247e3,
            3.439_367_674_143_721_6e3,
            1.230_339_354_803_749_4e3,
        ];
        let mut num = P[8] * x;
        let mut den = x;
        for k in 0..7 {
            num = (num + P[k]) * x;
            den = (den + Q[k]) * x;
        }
        let r = (num + P[7]) / (den + Q[7]);
        return r * exp_neg_square(x);
    }
    if x > 27.0 {
        return 0.0;
    }
    const P: [f64; 6] = [
        3.053_266_349_612_323_4e-1,
        3.603_448_999_498_044_5e-1,
        1.257_817_261_112_292_6e-1,
        1.608_378_514_874_227_6e-2,
        6.587_491_615_298_378_5e-4,
        1.631_538_713_730_709_6e-2,
    ];
    const Q: [f64; 5] = [
        2.568_520_192_289_822_4e0,
        1.872_952_849_923_460_5e0,
        5.279_051_029_514_284e-1,
        6.051_834_131_244_131_9e-2,
        2.335_204_976_268_691_8e-3,
    ];
    let z = 1.0 / (x * x);
    let mut num = P[5] * z;
    let mut den = z;
    for k in 0..4 {
        num = (num + P[k]) * z;
        den = (den + Q[k]) * z;
    }
    let mut r = z * (num + P[4]) / (den + Q[4]);
    const SQRT_PI_INV: f64 = 0.564_189_583_547_756_3;
    r = (SQRT_PI_INV - r) / x;
    r * exp_neg_square(x)
}

fn erf_small(x: f64) -> f64 {
    const A: [f64; 5] = [
        3.161_123_743_870_565_6e0,
        1.138_641_541_510_501_6e2,
        3.774_852_376_853_020_2e2,
        3.209_377_589_138_469_5e3,
        1.857_777_061_846_031_5e-1,
    ];
    const B: [f64; 4] = [
        2.360_129_095_234_412e1,
        2.440_246_379_344_441_7e2,
        1.282_616_526_077_372_3e3,
        2.844_236_833_439_171e3,
    ];
    let z = x * x;
    let mut num = A[4] * z;
    let mut den = z;
    for k in 0..3 {
        num = (num + A[k]) * z;
        den = (den + B[k]) * z;
    }
    x * (num + A[3]) / (den + B[3])
}

/// `exp(-x²)` computed as in Cody's code to keep accuracy for large x.
fn exp_neg_square(x: f64) -> f64 {
    let xs = (x * 16.0).trunc() / 16.0;
    let del = (x - xs) * (x + xs);
    (-xs * xs).exp() * (-del).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn erfc_matches_known_values() {
        // Abramowitz & Stegun, table 7.1 / high-precision references.
        assert!(close(erfc(0.0), 1.0, 1e-15));
        assert!(close(erfc(0.1), 0.887_537_083_981_715_1, 1e-14));
        assert!(close(erfc(0.5), 0.479_500_122_186_953_5, 1e-14));
        assert!(close(erfc(1.0), 0.157_299_207_050_285_13, 1e-14));
        assert!(close(erfc(2.0), 0.004_677_734_981_047_265_8, 1e-15));
        assert!(close(erfc(3.0), 2.209_049_699_858_544e-5, 1e-17));
        assert!(close(erfc(5.0) / 1.537_459_794_428_034_8e-12, 1.0, 1e-12));
        assert!(close(erfc(-1.0), 1.842_700_792_949_715, 1e-14));
        assert_eq!(erfc(30.0), 0.0);
    }

    #[test]
    fn no_ties_matches_scipy() {
        // U1 = 0; z = (0 - 12.5 + 0.5) / sqrt(25 * 11 / 12); p = erfc(|z| / √2) = 0.0121858
        let r = mann_whitney_u(&[1.0, 2.0, 3.0, 4.0, 5.0], &[6.0, 7.0, 8.0, 9.0, 10.0]).unwrap();
        assert_eq!(r.u, 0.0);
        let sigma = (25.0f64 * 11.0 / 12.0).sqrt();
        assert!(close(r.z, -12.0 / sigma, 1e-12));
        assert!(
            close(r.p_value, 0.012_185_780_355_344_818, 1e-12),
            "{}",
            r.p_value
        );
        // Symmetric: swapping the samples flips z, keeps p, and U becomes n1*n2 - U.
        let s = mann_whitney_u(&[6.0, 7.0, 8.0, 9.0, 10.0], &[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(s.u, 25.0);
        assert!(close(s.z, -r.z, 1e-12));
        assert!(close(s.p_value, r.p_value, 1e-15));
    }

    #[test]
    fn ties_use_midranks_and_corrected_variance() {
        // a = [1, 2, 2, 3], b = [2, 3, 4, 5]; combined sorted: 1 2 2 2 3 3 4 5
        // ranks: 1, 3,3,3, 5.5,5.5, 7, 8. R_a = 1 + 3 + 3 + 5.5 = 12.5, U = 12.5 - 10 = 2.5.
        // ties: t=3 (24), t=2 (6) -> Σ = 30; σ² = 16/12 * (9 - 30/56) = 11.285714...
        // z = (|2.5 - 8| - 0.5) / σ = -5 / 3.3594; p = erfc(1.48835 / √2) = 0.136658.
        let r = mann_whitney_u(&[1.0, 2.0, 2.0, 3.0], &[2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(r.u, 2.5);
        let var: f64 = 16.0 / 12.0 * (9.0 - 30.0 / 56.0);
        assert!(close(r.z, -5.0 / var.sqrt(), 1e-12));
        assert!(close(
            r.p_value,
            erfc(5.0 / var.sqrt() / 2f64.sqrt()),
            1e-15
        ));
        assert!(close(r.p_value, 0.136_65, 5e-5), "{}", r.p_value);
    }

    #[test]
    fn identical_samples_are_not_significant() {
        let r = mann_whitney_u(&[3.0; 10], &[3.0; 7]).unwrap();
        assert_eq!(r.z, 0.0);
        assert_eq!(r.p_value, 1.0);
        assert_eq!(r.u, 35.0);
        let r = mann_whitney_u(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(r.u, 4.5);
        assert_eq!(r.p_value, 1.0);
    }

    #[test]
    fn empty_or_nan_samples_give_none() {
        assert!(mann_whitney_u(&[], &[1.0]).is_none());
        assert!(mann_whitney_u(&[1.0], &[]).is_none());
        assert!(mann_whitney_u(&[f64::NAN], &[1.0]).is_none());
        assert!(mann_whitney_u_weighted(&[(1.0, 0)], &[(1.0, 3)]).is_none());
    }

    #[test]
    fn weighted_equals_expanded() {
        let a = [(1.0, 3u64), (2.0, 2), (5.0, 1), (2.0, 1), (9.0, 0)];
        let b = [(2.0, 4u64), (3.0, 2), (7.0, 5)];
        let expand = |s: &[(f64, u64)]| -> Vec<f64> {
            s.iter()
                .flat_map(|&(v, c)| std::iter::repeat_n(v, c as usize))
                .collect()
        };
        let w = mann_whitney_u_weighted(&a, &b).unwrap();
        let e = mann_whitney_u(&expand(&a), &expand(&b)).unwrap();
        assert!(close(w.u, e.u, 1e-9));
        assert!(close(w.z, e.z, 1e-12));
        assert!(close(w.p_value, e.p_value, 1e-12));
    }

    #[test]
    fn weighted_handles_huge_counts_without_overflow() {
        // Two histograms of a million observations each, shifted by one bucket.
        let a = [(1.0, 500_000u64), (2.0, 500_000)];
        let b = [(2.0, 500_000u64), (3.0, 500_000)];
        let r = mann_whitney_u_weighted(&a, &b).unwrap();
        assert!(r.z < -100.0);
        assert_eq!(r.p_value, 0.0);
        // U = pairs with a > b (none) + 1/2 · ties (500k · 500k).
        assert_eq!(r.u, 0.5 * 500_000.0 * 500_000.0);
    }

    #[test]
    fn large_shift_is_significant_small_is_not() {
        let a: Vec<f64> = (0..30).map(|i| 10.0 + (i % 7) as f64 * 0.1).collect();
        let b: Vec<f64> = (0..30).map(|i| 12.0 + (i % 5) as f64 * 0.1).collect();
        assert!(mann_whitney_u(&a, &b).unwrap().p_value < 1e-6);
        let c: Vec<f64> = (0..30).map(|i| 10.0 + (i % 6) as f64 * 0.1).collect();
        assert!(mann_whitney_u(&a, &c).unwrap().p_value > 0.05);
    }
}

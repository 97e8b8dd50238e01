//! Outlier detection with the modified Z-score.
//!
//! B. Iglewicz and D. C. Hoaglin (1993), *How to Detect and Handle Outliers*, ASQC Quality
//! Press, ch. 3: `M_i = 0.6745 (x_i − x̃) / MAD`, where `x̃` is the median and `MAD` the median
//! absolute deviation; they label `|M_i| > 3.5` as potential outliers. 0.6745 is the 0.75
//! quantile of the standard normal, so `M` is a Z-score for normal data but robust against the
//! outliers themselves.
//!
//! When more than half of the values are equal the MAD is zero; then the mean absolute
//! deviation stands in (`M_i = (x_i − x̃) / (1.253314 · MeanAD)`, 1.253314 = sqrt(π/2), as
//! IBM SPSS documents for its robust Z). When both are zero every value equals the median and
//! every score is zero.
//!
//! Benchmarks are noisy in one direction (interrupts, cache misses), so `perfaudit bench` warns
//! from the higher [`BENCH_THRESHOLD`] of 10 (the same cut hyperfine uses:
//! `|x − x̃| / MAD > 14.826`, i.e. `M > 10`) rather than 3.5.

use crate::summary::median;

/// Iglewicz and Hoaglin's recommended cut for `|M|`.
pub const IGLEWICZ_HOAGLIN_THRESHOLD: f64 = 3.5;
/// The cut `perfaudit bench` warns from.
pub const BENCH_THRESHOLD: f64 = 10.0;

const NORMAL_Q3: f64 = 0.6745;
const SQRT_HALF_PI: f64 = 1.253_314;

/// Modified Z-score of each value (same order as `xs`). Empty for an empty sample.
pub fn modified_z_scores(xs: &[f64]) -> Vec<f64> {
    let Some(med) = median(xs) else {
        return Vec::new();
    };
    let deviations: Vec<f64> = xs.iter().map(|x| (x - med).abs()).collect();
    let mad = median(&deviations).unwrap_or(0.0);
    if mad > 0.0 {
        return xs.iter().map(|x| NORMAL_Q3 * (x - med) / mad).collect();
    }
    let mean_ad = deviations.iter().sum::<f64>() / deviations.len() as f64;
    if mean_ad > 0.0 {
        return xs
            .iter()
            .map(|x| (x - med) / (SQRT_HALF_PI * mean_ad))
            .collect();
    }
    vec![0.0; xs.len()]
}

/// Indices of the values whose `|M|` exceeds `threshold`.
pub fn outlier_indices(xs: &[f64], threshold: f64) -> Vec<usize> {
    modified_z_scores(xs)
        .iter()
        .enumerate()
        .filter(|(_, z)| z.abs() > threshold)
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_follow_iglewicz_hoaglin() {
        // median 3, |deviations| = 2,1,0,1,97 -> MAD 1; M = 0.6745·(x − 3)
        let z = modified_z_scores(&[1.0, 2.0, 3.0, 4.0, 100.0]);
        let expected = [-1.349, -0.6745, 0.0, 0.6745, 65.4265];
        for (a, b) in z.iter().zip(expected) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
        assert_eq!(
            outlier_indices(&[1.0, 2.0, 3.0, 4.0, 100.0], IGLEWICZ_HOAGLIN_THRESHOLD),
            vec![4]
        );
    }

    #[test]
    fn zero_mad_falls_back_to_mean_absolute_deviation() {
        // median 1, MAD 0; MeanAD = 9/5 = 1.8 -> M(10) = 9 / (1.253314 · 1.8) = 3.9893
        let z = modified_z_scores(&[1.0, 1.0, 1.0, 1.0, 10.0]);
        assert_eq!(&z[..4], &[0.0; 4]);
        assert!((z[4] - 9.0 / (1.253_314 * 1.8)).abs() < 1e-9);
        assert_eq!(modified_z_scores(&[2.0; 4]), vec![0.0; 4]);
        assert!(modified_z_scores(&[]).is_empty());
    }

    #[test]
    fn bench_threshold_is_tolerant_of_ordinary_noise() {
        let xs = [1.00, 1.01, 0.99, 1.02, 0.98, 1.00, 1.03, 0.97];
        assert!(outlier_indices(&xs, BENCH_THRESHOLD).is_empty());
        let mut slow_first = xs.to_vec();
        slow_first[0] = 2.0;
        assert_eq!(outlier_indices(&slow_first, BENCH_THRESHOLD), vec![0]);
    }
}

//! The exact null distribution of the Mann-Whitney U statistic for small samples without ties,
//! and the power bound that follows from it: the smallest two-sided p-value two samples of
//! sizes `n` and `m` can reach at all.
//!
//! References:
//! - H. B. Mann and D. R. Whitney (1947), *Ann. Math. Statist.* 18(1), 50-60, §3: the
//!   recurrence `p(u; n, m) = n/(n+m) · p(u−m; n−1, m) + m/(n+m) · p(u; n, m−1)`, here on
//!   counts of arrangements: `c(u; n, m) = c(u−m; n−1, m) + c(u; n, m−1)`.
//! - W. J. Conover (1999), *Practical Nonparametric Statistics*, 3rd ed., §5.1 and Table A7
//!   (exact quantiles; e.g. n = m = 5: P(U ≤ 2) = 0.0278, P(U ≤ 0) = 1/252).
//! - The exact method is what scipy's `mannwhitneyu(method="exact")` computes without ties.
//!   With ties, [`exact_p_value_ties`] gives the exact conditional (permutation) distribution
//!   of the midrank sum given the observed ties (C. R. Mehta and N. R. Patel (1983), "A network
//!   algorithm for performing Fisher's exact test", *JASA* 78, and the StatXact manual: the
//!   permutation distribution of a linear rank statistic), counted by dynamic programming
//!   over items, group size and (doubled, hence integer) rank sum.
//!
//! With the normal approximation, two samples of five can never fall below p = 0.012 (the
//! figure a regression gate at α = 0.01 silently never reaches); the exact test gives
//! 2/252 = 0.0079. [`min_p_value`] makes that bound explicit, so a caller can say
//! "inconclusive: these samples cannot reach p < α" instead of calling a change noise.

/// Largest `n * m` for which the exact distribution is computed (the table has
/// `(n+1)(m+1)(nm+1)` entries: about 3 MB at the limit).
pub const EXACT_LIMIT: usize = 625;

/// Number of arrangements for each U = 0..=n*m (sum = C(n+m, n)).
fn counts(n: usize, m: usize) -> Vec<f64> {
    // c[i][j] is the distribution for sizes (i, j), each a Vec over u = 0..=i*j.
    let mut prev_row: Vec<Vec<f64>> = (0..=m).map(|_| vec![1.0]).collect(); // i = 0
    for i in 1..=n {
        let mut row: Vec<Vec<f64>> = Vec::with_capacity(m + 1);
        row.push(vec![1.0]); // j = 0
        for j in 1..=m {
            let mut c = vec![0.0; i * j + 1];
            // c(u; i, j) = c(u - j; i-1, j) + c(u; i, j-1)
            for (u, slot) in c.iter_mut().enumerate() {
                let a = if u >= j {
                    prev_row[j].get(u - j).copied().unwrap_or(0.0)
                } else {
                    0.0
                };
                let b = row[j - 1].get(u).copied().unwrap_or(0.0);
                *slot = a + b;
            }
            row.push(c);
        }
        prev_row = row;
    }
    prev_row.swap_remove(m)
}

/// Two-sided exact p-value of `u` (the U statistic of the first sample) for sizes `n`, `m`:
/// `min(1, 2 · min(P(U ≤ u), P(U ≥ u)))`. `None` when `n * m` exceeds [`EXACT_LIMIT`] or a
/// size is zero.
pub fn exact_p_value(u: f64, n: usize, m: usize) -> Option<f64> {
    if n == 0 || m == 0 || n * m > EXACT_LIMIT {
        return None;
    }
    let c = counts(n, m);
    let total: f64 = c.iter().sum();
    let k = u.round().clamp(0.0, (n * m) as f64) as usize;
    let lower: f64 = c[..=k].iter().sum::<f64>() / total;
    let upper: f64 = c[k..].iter().sum::<f64>() / total;
    Some((2.0 * lower.min(upper)).min(1.0))
}

/// Largest total sample size for [`exact_p_value_ties`].
pub const EXACT_TIES_LIMIT: usize = 60;

/// Two-sided exact permutation p-value of the Mann-Whitney test with ties: the share of all
/// `C(n+m, n)` ways to split the pooled values into groups of sizes `n` and `m` whose midrank
/// sum of the first group is at least as far from its mean as the observed one. `None` above
/// [`EXACT_TIES_LIMIT`] values, with an empty side, or with a NaN.
pub fn exact_p_value_ties(a: &[f64], b: &[f64]) -> Option<f64> {
    let (n, m) = (a.len(), b.len());
    let total = n + m;
    if n == 0 || m == 0 || total > EXACT_TIES_LIMIT || a.iter().chain(b).any(|v| v.is_nan()) {
        return None;
    }
    let mut all: Vec<(f64, bool)> = a
        .iter()
        .map(|&v| (v, true))
        .chain(b.iter().map(|&v| (v, false)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    // Doubled midranks (integers): a group of t equal values at ranks below+1..=below+t has
    // midrank below + (t+1)/2, doubled 2·below + t + 1.
    let mut ranks = Vec::with_capacity(total);
    let mut observed = 0usize;
    let mut i = 0;
    while i < total {
        let mut j = i;
        while j < total && all[j].0 == all[i].0 {
            j += 1;
        }
        let r2 = 2 * i + (j - i) + 1;
        for item in &all[i..j] {
            ranks.push(r2);
            if item.1 {
                observed += r2;
            }
        }
        i = j;
    }
    let max_sum: usize = ranks.iter().sum();
    // ways[k][s]: subsets of k items with doubled rank sum s.
    let mut ways = vec![vec![0.0f64; max_sum + 1]; n + 1];
    ways[0][0] = 1.0;
    for (idx, &r) in ranks.iter().enumerate() {
        for k in (1..=n.min(idx + 1)).rev() {
            let (lo, hi) = ways.split_at_mut(k);
            let (prev, cur) = (&lo[k - 1], &mut hi[0]);
            for s in (r..=max_sum).rev() {
                let add = prev[s - r];
                if add != 0.0 {
                    cur[s] += add;
                }
            }
        }
    }
    let dist = &ways[n];
    let count: f64 = dist.iter().sum();
    // Mean of the doubled sum: n (N + 1).
    let mean = (n * (total + 1)) as f64;
    let d_obs = (observed as f64 - mean).abs();
    let extreme: f64 = dist
        .iter()
        .enumerate()
        .filter(|(s, _)| (*s as f64 - mean).abs() >= d_obs - 1e-9)
        .map(|(_, c)| c)
        .sum();
    Some((extreme / count).min(1.0))
}

/// The smallest two-sided p-value samples of sizes `n` and `m` can give (complete separation):
/// `2 / C(n+m, n)` exactly for small samples, the normal approximation's bound above
/// [`EXACT_LIMIT`]. 1 when a side is empty.
pub fn min_p_value(n: usize, m: usize) -> f64 {
    if n == 0 || m == 0 {
        return 1.0;
    }
    if n * m <= EXACT_LIMIT {
        // 2 / C(n+m, n), computed as a product to stay in range.
        let mut c = 1.0f64;
        for i in 1..=n.min(m) {
            c = c * (n.max(m) + i) as f64 / i as f64;
        }
        return (2.0 / c).min(1.0);
    }
    let (nf, mf) = (n as f64, m as f64);
    let sd = (nf * mf * (nf + mf + 1.0) / 12.0).sqrt();
    let z = (nf * mf / 2.0 - 0.5) / sd;
    crate::mann_whitney::erfc(z / std::f64::consts::SQRT_2)
}

/// The smallest equal sample size per side that can reach p < `alpha` (two-sided).
pub fn samples_needed(alpha: f64) -> usize {
    (2..=1000)
        .find(|&k| min_p_value(k, k) < alpha)
        .unwrap_or(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distribution_matches_conover_table() {
        // n = m = 5: 252 arrangements; P(U <= 0) = 1/252, P(U <= 2) = 7/252 (Table A7: 0.0278).
        let c = counts(5, 5);
        assert_eq!(c.iter().sum::<f64>(), 252.0);
        assert_eq!(c[0], 1.0);
        assert_eq!(c[..=2].iter().sum::<f64>(), 4.0); // u=0:1, u=1:1, u=2:2
        assert_eq!(c[..=4].iter().sum::<f64>(), 12.0); // 12/252 = 0.0476 (Table A7: 0.0476)
                                                       // Symmetric around nm/2.
        for u in 0..=25 {
            assert_eq!(c[u], c[25 - u]);
        }
        assert!((exact_p_value(0.0, 5, 5).unwrap() - 2.0 / 252.0).abs() < 1e-12);
        assert!((exact_p_value(25.0, 5, 5).unwrap() - 2.0 / 252.0).abs() < 1e-12);
        assert_eq!(exact_p_value(12.5, 5, 5).unwrap(), 1.0);
        // n=3, m=4: 35 arrangements.
        assert_eq!(counts(3, 4).iter().sum::<f64>(), 35.0);
    }

    #[test]
    fn permutation_test_with_ties() {
        // Without ties it equals the exact U distribution.
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        let b = [6.0, 7.0, 8.0, 9.0, 10.0];
        assert!((exact_p_value_ties(&a, &b).unwrap() - 2.0 / 252.0).abs() < 1e-12);
        let a = [1.0, 3.0, 5.0, 7.0, 9.0];
        let b = [2.0, 4.0, 6.0, 8.0, 10.0];
        let u = crate::mann_whitney::mann_whitney_u(&a, &b).unwrap().u;
        let want = exact_p_value(u, 5, 5).unwrap();
        assert!((exact_p_value_ties(&a, &b).unwrap() - want).abs() < 1e-12);
        // Ties inside each group, groups separated: still the most extreme split, 2/252
        // (the normal approximation gives about 0.0097 here).
        let a = [161.4, 161.4, 161.7, 161.4, 161.4];
        let b = [41.0, 41.0, 41.2, 41.0, 41.0];
        assert!((exact_p_value_ties(&a, &b).unwrap() - 2.0 / 252.0).abs() < 1e-12);
        // All equal: p = 1.
        assert_eq!(exact_p_value_ties(&[1.0, 1.0], &[1.0, 1.0]).unwrap(), 1.0);
        // A tie across the groups: 3 vs 3 with one shared value. Splits of {1,2,3.5,3.5,5,6}:
        // the observed {1,2,3.5} is the most extreme along with its mirror and the split
        // using the other 3.5: 4 of 20.
        let p = exact_p_value_ties(&[1.0, 2.0, 3.5], &[3.5, 5.0, 6.0]).unwrap();
        assert!((p - 4.0 / 20.0).abs() < 1e-12, "{p}");
    }

    #[test]
    fn power_bounds() {
        assert!((min_p_value(5, 5) - 2.0 / 252.0).abs() < 1e-12);
        assert!((min_p_value(3, 3) - 0.1).abs() < 1e-12);
        assert!((min_p_value(1, 10) - 2.0 / 11.0).abs() < 1e-12);
        assert_eq!(min_p_value(0, 4), 1.0);
        assert_eq!(samples_needed(0.01), 5);
        assert_eq!(samples_needed(0.05), 4);
        assert_eq!(samples_needed(0.001), 7);
        assert!(min_p_value(40, 40) < 1e-10);
    }
}

//! Independent units of evidence inside one run: batch (block) statistics.
//!
//! Requests of one load run are not independent observations: they are serially correlated
//! (queues, GC pauses, caches) and share the machine's state, so a test that treats each
//! request as a sample calls any shift of the machine's speed "significant" at p ≈ 0. The
//! classical remedy in simulation output analysis is the method of batch means: cut the run
//! into consecutive batches long enough that their statistics are nearly independent, and
//! treat each batch's statistic as one observation.
//!
//! References:
//! - B. Schmeiser (1982), "Batch size effects in the analysis of simulation output",
//!   *Operations Research* 30(3), 556-568: a small number of batches (10-30) of equal length;
//!   fewer, longer batches trade power for independence.
//! - P. Heidelberger and P. A. W. Lewis (1984), "Quantile estimation in dependent sequences",
//!   *Operations Research* 32(1), 185-209: batch quantiles — the q-quantile of each batch as
//!   one observation; a batch must hold enough observations for its tail (here at least
//!   `2 / (1 − q)`, i.e. two observations above the quantile, and at least 20).
//! - T. Kalibera and R. Jones (2013), "Rigorous benchmarking in reasonable time", ISMM '13:
//!   variation between executions dominates; repetitions (here: cold starts, benchmark and
//!   import runs, each one unit) are the unit of evidence, not iterations within one.
//!
//! The load timeline is kept per second; blocks here are runs of consecutive seconds.

use std::ops::Range;

/// Fewest observations a block needs for its q-quantile to be estimated (at least two above
/// it, and at least 20 for the centre of the distribution).
pub fn min_count_for_quantile(q: f64) -> u64 {
    let tail = (1.0 - q).max(1e-6);
    ((2.0 / tail).ceil() as u64).max(20)
}

/// Group consecutive seconds (their observation counts in `counts`) into blocks of at least
/// `min` observations each. A remainder smaller than `min` at the end joins the last block.
/// Seconds with no observation never start a block of their own.
pub fn group(counts: &[u64], min: u64) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut start = 0;
    let mut acc = 0u64;
    for (i, &c) in counts.iter().enumerate() {
        acc += c;
        if acc >= min.max(1) {
            out.push(start..i + 1);
            start = i + 1;
            acc = 0;
        }
    }
    if acc > 0 {
        match out.last_mut() {
            Some(last) => last.end = counts.len(),
            None => out.push(start..counts.len()),
        }
    }
    out
}

/// Lag-1 autocorrelation of a series (None below 3 values or with no spread). Used to report
/// whether the blocks of a run look independent.
pub fn lag1_autocorrelation(x: &[f64]) -> Option<f64> {
    if x.len() < 3 {
        return None;
    }
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var: f64 = x.iter().map(|v| (v - mean).powi(2)).sum();
    if var <= 0.0 {
        return None;
    }
    let cov: f64 = x.windows(2).map(|w| (w[0] - mean) * (w[1] - mean)).sum();
    Some(cov / var)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_block_sizes() {
        assert_eq!(min_count_for_quantile(0.5), 20);
        assert_eq!(min_count_for_quantile(0.95), 40);
        assert_eq!(min_count_for_quantile(0.99), 200);
        assert_eq!(min_count_for_quantile(0.999), 2000);
    }

    #[test]
    fn grouping_merges_short_seconds_and_the_remainder() {
        assert_eq!(group(&[50, 50, 50], 40), vec![0..1, 1..2, 2..3]);
        assert_eq!(group(&[30, 30, 30, 10], 40), vec![0..2, 2..4]);
        assert_eq!(group(&[10, 10], 40), vec![0..2]);
        assert_eq!(group(&[], 40), Vec::<Range<usize>>::new());
        assert_eq!(group(&[0, 0], 40), Vec::<Range<usize>>::new());
    }

    #[test]
    fn autocorrelation() {
        let alternating = [1.0, -1.0, 1.0, -1.0, 1.0, -1.0];
        assert!(lag1_autocorrelation(&alternating).unwrap() < -0.5);
        let trend = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        assert!(lag1_autocorrelation(&trend).unwrap() > 0.4);
        assert_eq!(lag1_autocorrelation(&[1.0, 1.0, 1.0]), None);
    }
}

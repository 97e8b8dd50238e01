//! Leak detection: after a warm-up, a Theil-Sen slope and a one-sided Mann-Kendall test for an
//! increasing trend on RSS, open file descriptors and threads.
//!
//! Each metric's series is kept in bounded memory for the whole run: points are averaged in
//! buckets, and when the buffer fills, neighbouring points are merged and the bucket doubles
//! (at most `CAP` points, whatever the run length). Averaging also dampens the serial
//! correlation of fast samples, which the Mann-Kendall test assumes absent.
//!
//! Verdict per metric:
//! - `inconclusive`: fewer than `MIN_POINTS` points after warm-up, the metric was not
//!   readable, weak evidence (alpha <= p < 0.1) of a material upward trend, or a significant
//!   material rise that is not sustained over both halves of the window;
//! - `leak`: p < alpha, positive slope, the fitted growth over the window is material
//!   (RSS: at least 1 MiB and 2% of its median; fds and threads: at least 2), and sustained
//!   (the Theil-Sen slope of each half of the window is positive: a step is not a leak);
//! - `no-leak`: otherwise (no significant upward trend, or an immaterial one).
//!
//! The overall verdict is the most serious one: leak > inconclusive > no-leak.

use perfaudit_model::monitor::{LeakMetric, LeakReport, LeakVerdict};
use perfaudit_stats::trend::{mann_kendall, theil_sen};

/// Most points kept per series.
pub const CAP: usize = 512;
/// Fewest points after warm-up for a verdict.
pub const MIN_POINTS: usize = 10;
/// Above alpha and below this, a material upward trend is "inconclusive".
const WEAK_P: f64 = 0.1;

/// A time series in bounded memory (bucket means).
#[derive(Debug, Clone, Default)]
pub struct Series {
    points: Vec<(f64, f64)>,
    stride: usize,
    acc_t: f64,
    acc_v: f64,
    acc_n: usize,
}

impl Series {
    pub fn new() -> Series {
        Series {
            points: Vec::with_capacity(CAP),
            stride: 1,
            ..Series::default()
        }
    }

    pub fn push(&mut self, t: f64, v: f64) {
        self.acc_t += t;
        self.acc_v += v;
        self.acc_n += 1;
        if self.acc_n >= self.stride {
            let n = self.acc_n as f64;
            self.points.push((self.acc_t / n, self.acc_v / n));
            self.acc_t = 0.0;
            self.acc_v = 0.0;
            self.acc_n = 0;
            if self.points.len() >= CAP {
                let merged: Vec<(f64, f64)> = self
                    .points
                    .chunks(2)
                    .map(|c| {
                        let k = c.len() as f64;
                        (
                            c.iter().map(|p| p.0).sum::<f64>() / k,
                            c.iter().map(|p| p.1).sum::<f64>() / k,
                        )
                    })
                    .collect();
                self.points = merged;
                self.stride *= 2;
            }
        }
    }

    /// The points, including a partial last bucket.
    pub fn points(&self) -> Vec<(f64, f64)> {
        let mut p = self.points.clone();
        if self.acc_n > 0 {
            let n = self.acc_n as f64;
            p.push((self.acc_t / n, self.acc_v / n));
        }
        p
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty() && self.acc_n == 0
    }
}

/// What counts as material growth over the analysed window.
#[derive(Debug, Clone, Copy)]
pub enum Materiality {
    /// At least this many bytes and this share of the median.
    Bytes { min: f64, share: f64 },
    /// At least this many units (fds, threads).
    Count(f64),
}

/// Analyse one metric's points (t in seconds since start, value).
pub fn analyse(
    metric: &str,
    points: &[(f64, f64)],
    warmup_s: f64,
    alpha: f64,
    materiality: Materiality,
) -> LeakMetric {
    let window: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(t, _)| *t >= warmup_s)
        .collect();
    let (ws, we) = match (window.first(), window.last()) {
        (Some(a), Some(b)) => (a.0, b.0),
        _ => (warmup_s, warmup_s),
    };
    let mut out = LeakMetric {
        metric: metric.to_string(),
        verdict: LeakVerdict::Inconclusive,
        slope_per_min: None,
        p_value: None,
        tau: None,
        n: window.len() as u64,
        window_start_s: ws,
        window_end_s: we,
        growth: None,
        reason: String::new(),
    };
    if window.len() < MIN_POINTS {
        out.reason = format!(
            "too few samples after the {warmup_s:.1}s warm-up ({} < {MIN_POINTS}): run longer",
            window.len()
        );
        return out;
    }
    let ts: Vec<f64> = window.iter().map(|p| p.0).collect();
    let vs: Vec<f64> = window.iter().map(|p| p.1).collect();
    let (Some(fit), Some(mk)) = (theil_sen(&ts, &vs), mann_kendall(&vs)) else {
        out.reason = "the series could not be analysed (non-finite values)".to_string();
        return out;
    };
    let slope_min = fit.slope * 60.0;
    let growth = fit.slope * (we - ws);
    out.slope_per_min = Some(slope_min);
    out.p_value = Some(mk.p_increasing);
    out.tau = Some(mk.tau);
    out.growth = Some(growth);
    let mut sorted = vs.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let (needed, unit) = match materiality {
        Materiality::Bytes { min, share } => (min.max(share * median.abs()), "bytes"),
        Materiality::Count(c) => (c, ""),
    };
    let material = fit.slope > 0.0 && growth >= needed;
    let p = mk.p_increasing;
    let describe = |g: f64| {
        if unit == "bytes" {
            format!("{:.1} MiB", g / 1048576.0)
        } else {
            format!("{g:.1}")
        }
    };
    // A leak climbs all along; a one-off step (a cache filled once) makes Mann-Kendall
    // significant too, but one half of the window is then flat.
    let half = ts.len() / 2;
    let sustained = [(&ts[..half], &vs[..half]), (&ts[half..], &vs[half..])]
        .iter()
        .all(|(t, v)| theil_sen(t, v).is_some_and(|f| f.slope > 0.0));
    if p < alpha && material && !sustained {
        out.verdict = LeakVerdict::Inconclusive;
        out.reason = format!(
            "{metric} rose by {} over {:.1}s (p = {p:.2e}) but not steadily: one half of the \
             window is flat (a step, not a climb); run longer",
            describe(growth),
            we - ws
        );
    } else if p < alpha && material {
        out.verdict = LeakVerdict::Leak;
        out.reason = format!(
            "{metric} grows steadily: +{} over {:.1}s (Mann-Kendall p = {p:.2e} < {alpha})",
            describe(growth),
            we - ws
        );
    } else if p < WEAK_P && material {
        out.verdict = LeakVerdict::Inconclusive;
        out.reason = format!(
            "weak evidence of growth: +{} over {:.1}s but p = {p:.3} is not below {alpha}; run longer",
            describe(growth),
            we - ws
        );
    } else if p < alpha {
        out.verdict = LeakVerdict::NoLeak;
        out.reason = format!(
            "an upward trend (p = {p:.2e}) too small to matter: +{} over {:.1}s (needs {})",
            describe(growth.max(0.0)),
            we - ws,
            describe(needed)
        );
    } else {
        out.verdict = LeakVerdict::NoLeak;
        out.reason = format!(
            "no significant upward trend over {:.1}s (p = {p:.3})",
            we - ws
        );
    }
    out
}

/// Combine per-metric results into the overall verdict. `metrics` in priority order (the
/// first wins ties); metrics marked unavailable only count when nothing else was measured.
pub fn overall(metrics: Vec<(LeakMetric, bool)>, warmup_s: f64, alpha: f64) -> LeakReport {
    let measured: Vec<&LeakMetric> = metrics
        .iter()
        .filter(|(_, ok)| *ok)
        .map(|(m, _)| m)
        .collect();
    let pick = if measured.is_empty() {
        metrics.first().map(|(m, _)| m)
    } else {
        let worst = measured.iter().map(|m| m.verdict.rank()).max().unwrap_or(0);
        let mut cands: Vec<&&LeakMetric> = measured
            .iter()
            .filter(|m| m.verdict.rank() == worst)
            .collect();
        if worst == LeakVerdict::Leak.rank() {
            cands.sort_by(|a, b| {
                a.p_value
                    .unwrap_or(1.0)
                    .total_cmp(&b.p_value.unwrap_or(1.0))
            });
        }
        cands.first().map(|m| **m)
    };
    let all: Vec<LeakMetric> = metrics.iter().map(|(m, _)| m.clone()).collect();
    match pick {
        Some(m) => LeakReport {
            metric: m.metric.clone(),
            slope_per_min: m.slope_per_min,
            p_value: m.p_value,
            verdict: m.verdict,
            reason: m.reason.clone(),
            warmup_s,
            alpha,
            metrics: all,
        },
        None => LeakReport {
            metric: "rss_bytes".to_string(),
            slope_per_min: None,
            p_value: None,
            verdict: LeakVerdict::Inconclusive,
            reason: "nothing was measured".to_string(),
            warmup_s,
            alpha,
            metrics: all,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: Materiality = Materiality::Bytes {
        min: 1048576.0,
        share: 0.02,
    };

    #[test]
    fn series_stays_bounded_and_keeps_the_shape() {
        let mut s = Series::new();
        for i in 0..100_000 {
            s.push(i as f64, 2.0 * i as f64);
        }
        let p = s.points();
        assert!(p.len() <= CAP + 1, "{}", p.len());
        assert!(p.len() >= CAP / 2);
        // Bucket means of a line stay on the line.
        for (t, v) in p {
            assert!((v - 2.0 * t).abs() < 1e-6);
        }
    }

    #[test]
    fn steady_growth_is_a_leak() {
        // 10 MiB/min with noise of +-200 KiB, after a warm-up spike.
        let pts: Vec<(f64, f64)> = (0..200)
            .map(|i| {
                let t = i as f64 * 0.5;
                let noise = ((i * 7919) % 13) as f64 / 13.0 * 400e3 - 200e3;
                let warm = if t < 5.0 { 30e6 } else { 0.0 };
                (t, 100e6 + warm + t * 10.0 * 1048576.0 / 60.0 + noise)
            })
            .collect();
        let m = analyse("rss_bytes", &pts, 10.0, 0.01, RSS);
        assert_eq!(m.verdict, LeakVerdict::Leak, "{m:?}");
        let slope = m.slope_per_min.unwrap();
        assert!((slope / 1048576.0 - 10.0).abs() < 0.5, "{slope}");
        assert!(m.p_value.unwrap() < 1e-6);
    }

    #[test]
    fn flat_churn_is_no_leak_and_short_runs_are_inconclusive() {
        // Saw-tooth churn around a flat level.
        let pts: Vec<(f64, f64)> = (0..200)
            .map(|i| (i as f64 * 0.5, 100e6 + ((i % 10) as f64) * 5e6))
            .collect();
        let m = analyse("rss_bytes", &pts, 10.0, 0.01, RSS);
        assert_eq!(m.verdict, LeakVerdict::NoLeak, "{m:?}");
        let short = analyse("rss_bytes", &pts[..12], 3.0, 0.01, RSS);
        assert_eq!(short.verdict, LeakVerdict::Inconclusive);
        assert!(short.reason.contains("too few"));
        // A one-off step of one fd is not a leak.
        let fds: Vec<(f64, f64)> = (0..100)
            .map(|i| (i as f64, if i < 50 { 10.0 } else { 11.0 }))
            .collect();
        let f = analyse("fds", &fds, 0.0, 0.01, Materiality::Count(2.0));
        assert_eq!(f.verdict, LeakVerdict::NoLeak, "{f:?}");
        // fds climbing by one every few samples is.
        let fds: Vec<(f64, f64)> = (0..100)
            .map(|i| (i as f64, 10.0 + (i / 5) as f64))
            .collect();
        let f = analyse("fds", &fds, 0.0, 0.01, Materiality::Count(2.0));
        assert_eq!(f.verdict, LeakVerdict::Leak, "{f:?}");
        // RSS that jumps once by 30 MB mid-window and then stays: significant, material, not
        // sustained.
        let step: Vec<(f64, f64)> = (0..100)
            .map(|i| {
                (
                    i as f64,
                    if i < 50 { 10e6 } else { 40e6 } + (i % 3) as f64 * 1e3,
                )
            })
            .collect();
        let m = analyse("rss_bytes", &step, 0.0, 0.01, RSS);
        assert_eq!(m.verdict, LeakVerdict::Inconclusive, "{m:?}");
        assert!(m.reason.contains("not steadily"));
    }

    #[test]
    fn overall_takes_the_most_serious() {
        let mk = |metric: &str, verdict, p| LeakMetric {
            metric: metric.into(),
            verdict,
            slope_per_min: Some(1.0),
            p_value: Some(p),
            tau: None,
            n: 20,
            window_start_s: 0.0,
            window_end_s: 10.0,
            growth: Some(1.0),
            reason: String::new(),
        };
        let r = overall(
            vec![
                (mk("rss_bytes", LeakVerdict::NoLeak, 0.5), true),
                (mk("fds", LeakVerdict::Leak, 1e-4), true),
                (mk("threads", LeakVerdict::Inconclusive, 0.05), true),
            ],
            1.0,
            0.01,
        );
        assert_eq!((r.metric.as_str(), r.verdict), ("fds", LeakVerdict::Leak));
        let r = overall(
            vec![
                (mk("rss_bytes", LeakVerdict::NoLeak, 0.5), true),
                (mk("fds", LeakVerdict::Inconclusive, 1.0), false),
            ],
            1.0,
            0.01,
        );
        assert_eq!(
            (r.metric.as_str(), r.verdict),
            ("rss_bytes", LeakVerdict::NoLeak)
        );
        assert_eq!(r.metrics.len(), 2);
    }
}

//! Which function got slower between two runs of a scenario. The evidence is time blocks: per
//! second of each profile, the function's self share of that second's samples, compared with a
//! two-sided Mann-Whitney U test (never individual samples, which are not independent). A
//! change counts when the self share moved by at least `min_pp` percentage points AND p <
//! `alpha`; a large move the test cannot confirm is `noise`.

use perfaudit_model::profile::{FunctionChange, FunctionStat, ScenarioProfile};
use perfaudit_stats::mann_whitney::mann_whitney_u;

/// Functions considered per scenario (the top of either run by self share).
const TOP: usize = 15;

fn shares(f: &FunctionStat, p: &ScenarioProfile) -> Vec<f64> {
    p.profile
        .timeline
        .iter()
        .enumerate()
        .filter(|(_, s)| s.samples > 0)
        .map(|(i, s)| f.per_second_self.get(i).copied().unwrap_or(0) as f64 / s.samples as f64)
        .collect()
}

fn ms_per_request(f: &FunctionStat, p: &ScenarioProfile) -> Option<f64> {
    (p.requests > 0 && p.profile.rate_hz > 0)
        .then(|| f.self_samples as f64 / f64::from(p.profile.rate_hz) / p.requests as f64 * 1e3)
}

/// Changes of the scenarios both runs profiled, biggest share change first.
pub fn compare(
    base: &[ScenarioProfile],
    head: &[ScenarioProfile],
    min_pp: f64,
    alpha: f64,
) -> Vec<FunctionChange> {
    let mut out = Vec::new();
    for h in head {
        let Some(b) = base.iter().find(|b| b.scenario == h.scenario) else {
            continue;
        };
        let mut keys: Vec<(&str, &str)> = Vec::new();
        for f in h
            .profile
            .functions
            .iter()
            .take(TOP)
            .chain(b.profile.functions.iter().take(TOP))
        {
            if f.self_samples > 0 && !keys.contains(&(f.name.as_str(), f.file.as_str())) {
                keys.push((&f.name, &f.file));
            }
        }
        for (name, file) in keys {
            let find = |p: &'_ ScenarioProfile| {
                p.profile
                    .functions
                    .iter()
                    .find(|f| f.name == name && f.file == file)
                    .cloned()
            };
            let (bf, hf) = (find(b), find(h));
            let base_share = bf.as_ref().map_or(0.0, |f| f.self_share);
            let head_share = hf.as_ref().map_or(0.0, |f| f.self_share);
            let delta_pp = (head_share - base_share) * 100.0;
            let p_value = match (&bf, &hf) {
                (Some(x), Some(y))
                    if !x.per_second_self.is_empty() && !y.per_second_self.is_empty() =>
                {
                    mann_whitney_u(&shares(y, h), &shares(x, b)).map(|m| m.p_value)
                }
                _ => None,
            };
            let verdict = match (&bf, &hf) {
                (None, Some(_)) if head_share * 100.0 >= min_pp => "new",
                (Some(_), None) if base_share * 100.0 >= min_pp => "gone",
                _ if delta_pp.abs() < min_pp => "unchanged",
                _ => match p_value {
                    Some(p) if p < alpha && delta_pp > 0.0 => "slower",
                    Some(p) if p < alpha => "faster",
                    _ => "noise",
                },
            };
            out.push(FunctionChange {
                scenario: h.scenario.clone(),
                name: name.to_string(),
                file: file.to_string(),
                base_share,
                head_share,
                base_ms_per_request: bf.as_ref().and_then(|f| ms_per_request(f, b)),
                head_ms_per_request: hf.as_ref().and_then(|f| ms_per_request(f, h)),
                p_value,
                verdict: verdict.to_string(),
            });
        }
    }
    out.sort_by(|a, b| {
        let d = |c: &FunctionChange| (c.head_share - c.base_share).abs();
        d(b).total_cmp(&d(a))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fold::{Folder, FrameRef};
    use perfaudit_model::profile::ProfileEnd;

    /// `seconds` seconds of 100 samples each; `slow` of them in `slow_fn`, the rest in `fast`.
    fn scenario(slow: u32, seconds: u32) -> ScenarioProfile {
        let mut folder = Folder::new(100, false, 0);
        for s in 0..seconds {
            for i in 0..100 {
                let name = if i < slow { "slow_fn" } else { "fast" };
                let fr = [FrameRef {
                    name,
                    file: "/a.py",
                    line: 1,
                }];
                folder.add(s, 1, true, true, fr.into_iter());
            }
        }
        ScenarioProfile {
            scenario: "s".into(),
            requests: 1000,
            worst_second: None,
            profile: folder.finish(f64::from(seconds), ProfileEnd::Completed),
        }
    }

    #[test]
    fn a_function_that_grew_is_slower() {
        let c = compare(&[scenario(20, 10)], &[scenario(50, 10)], 5.0, 0.01);
        let slow = c.iter().find(|c| c.name == "slow_fn").unwrap();
        assert_eq!(slow.verdict, "slower");
        assert!((slow.base_share - 0.2).abs() < 1e-9 && (slow.head_share - 0.5).abs() < 1e-9);
        assert!(slow.p_value.unwrap() < 0.01);
        // 200 samples at 100 Hz over 1000 requests = 2 ms per request.
        assert!((slow.base_ms_per_request.unwrap() - 2.0).abs() < 1e-9);
        let fast = c.iter().find(|c| c.name == "fast").unwrap();
        assert_eq!(fast.verdict, "faster");
    }

    #[test]
    fn small_or_unconfirmed_changes_are_not_slower() {
        let c = compare(&[scenario(20, 10)], &[scenario(22, 10)], 5.0, 0.01);
        assert!(c.iter().all(|c| c.verdict == "unchanged"));
        // Two seconds each: too few blocks to confirm a big change.
        let c = compare(&[scenario(20, 2)], &[scenario(50, 2)], 5.0, 0.01);
        assert_eq!(
            c.iter().find(|c| c.name == "slow_fn").unwrap().verdict,
            "noise"
        );
    }
}

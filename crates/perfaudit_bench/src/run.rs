//! The benchmark algorithm (hyperfine's): shell calibration, then per command: setup, warmup
//! runs, timed runs each between prepare and conclude, cleanup; statistics; comparisons.

use crate::error::BenchError;
use crate::executor::{Executor, Invocation, Measurement, OutputMode, Shell};
use crate::http::HttpUrl;
use crate::params::substitute;
use perfaudit_model::bench::{BenchComparison, BenchDocument, BenchMode, BenchResult, Verdict};
use perfaudit_stats::mann_whitney::mann_whitney_u;
use perfaudit_stats::outliers::{modified_z_scores, BENCH_THRESHOLD};
use perfaudit_stats::summary::{mean, ratio_with_uncertainty, summarize};
use std::collections::BTreeMap;
use std::time::Duration;

/// One command to benchmark (parameters already substituted).
#[derive(Debug, Clone, PartialEq)]
pub struct CommandSpec {
    pub command: String,
    pub parameters: BTreeMap<String, String>,
}

impl CommandSpec {
    pub fn new(command: impl Into<String>) -> Self {
        CommandSpec {
            command: command.into(),
            parameters: BTreeMap::new(),
        }
    }
}

/// How many timed runs: at least `min`, at most `max`, and otherwise as many as fit in
/// `min_time` judging by the first run (hyperfine's rule). `--runs N` is `min = max = N`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunCount {
    pub min: u64,
    pub max: Option<u64>,
    pub min_time: Duration,
}

impl Default for RunCount {
    fn default() -> Self {
        RunCount {
            min: 10,
            max: None,
            min_time: Duration::from_secs(3),
        }
    }
}

impl RunCount {
    pub fn exactly(n: u64) -> Self {
        RunCount {
            min: n,
            max: Some(n),
            min_time: Duration::ZERO,
        }
    }

    /// Total number of timed runs given the first run's wall time.
    pub fn total(&self, first_s: f64) -> u64 {
        let fit = if first_s > 0.0 {
            (self.min_time.as_secs_f64() / first_s).min(u64::MAX as f64 / 2.0) as u64
        } else {
            self.max.unwrap_or(self.min)
        };
        let n = fit.max(self.min);
        self.max.map_or(n, |m| n.min(m)).max(1)
    }
}

/// Everything `run_benchmark` needs.
#[derive(Debug, Clone)]
pub struct BenchSpec {
    pub commands: Vec<CommandSpec>,
    pub warmup: u64,
    pub runs: RunCount,
    /// Once before each command's runs (after its warmup setup).
    pub setup: Option<String>,
    /// Once after each command's runs.
    pub cleanup: Option<String>,
    /// Before every run (warmups too): none, one for all, or one per command.
    pub prepare: Vec<String>,
    /// After every run: none, one for all, or one per command.
    pub conclude: Vec<String>,
    pub shell: Shell,
    pub output: OutputMode,
    pub ignore_failure: bool,
    /// Index of the command the others are compared with; `None`: the fastest.
    pub reference: Option<usize>,
    /// Cold-start mode: each run is timed to the first 2xx of this URL.
    pub ready: Option<(HttpUrl, Duration)>,
    /// Significance level of the Mann-Whitney tests behind comparisons.
    pub alpha: f64,
}

impl BenchSpec {
    pub fn new(commands: Vec<CommandSpec>) -> Self {
        BenchSpec {
            commands,
            warmup: 0,
            runs: RunCount::default(),
            setup: None,
            cleanup: None,
            prepare: Vec::new(),
            conclude: Vec::new(),
            shell: Shell::Program("sh".to_string()),
            output: OutputMode::Null,
            ignore_failure: false,
            reference: None,
            ready: None,
            alpha: 0.05,
        }
    }

    fn validate(&self) -> Result<(), BenchError> {
        if self.commands.is_empty() {
            return Err(BenchError::Invalid("no command to benchmark".into()));
        }
        for (what, list) in [("--prepare", &self.prepare), ("--conclude", &self.conclude)] {
            if list.len() > 1 && list.len() != self.commands.len() {
                return Err(BenchError::Invalid(format!(
                    "{what} was given {} times for {} commands: give it once, or once per command",
                    list.len(),
                    self.commands.len()
                )));
            }
        }
        if let Some(r) = self.reference {
            if r >= self.commands.len() {
                return Err(BenchError::Invalid("reference index out of range".into()));
            }
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(BenchError::Invalid(
                "significance level must be in (0, 1)".into(),
            ));
        }
        Ok(())
    }
}

/// What the caller may show while the benchmark runs.
#[derive(Debug)]
pub enum Progress<'a> {
    /// Measuring the shell's own start-up time.
    Calibrating,
    /// A command starts (index into the spec's commands).
    Started {
        index: usize,
        command: &'a str,
    },
    Warmup {
        index: usize,
        done: u64,
        total: u64,
    },
    /// A timed run finished; `total` is known after the first run.
    Run {
        index: usize,
        done: u64,
        total: u64,
        measurement: &'a Measurement,
    },
    /// A command is done: its result (write exports now, so an interrupted run keeps it).
    Finished {
        index: usize,
        result: &'a BenchResult,
    },
}

const CALIBRATION_RUNS: u64 = 20;

/// Run the whole benchmark. On the first failing command (not found, non-zero exit without
/// `ignore_failure`, not ready in time) it stops and returns the error; results of the
/// commands before were already handed to `progress` as [`Progress::Finished`].
pub fn run_benchmark(
    spec: &BenchSpec,
    exec: &mut dyn Executor,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<BenchDocument, BenchError> {
    spec.validate()?;
    // The shell's start-up is part of a cold start (and tiny next to it): calibrate only when
    // timing commands to their exit.
    let overhead = match spec.shell {
        Shell::Program(_) if spec.ready.is_none() => {
            progress(Progress::Calibrating);
            calibrate_shell(spec, exec)?
        }
        _ => Overhead::default(),
    };
    let mut results = Vec::with_capacity(spec.commands.len());
    for (index, cmd) in spec.commands.iter().enumerate() {
        let result = bench_one(spec, exec, index, cmd, overhead, progress)?;
        progress(Progress::Finished {
            index,
            result: &result,
        });
        results.push(result);
    }
    let comparisons = compare(&results, spec.reference, spec.alpha);
    Ok(BenchDocument::new(results, comparisons))
}

#[derive(Debug, Default, Clone, Copy)]
struct Overhead {
    wall: f64,
    user: f64,
    system: f64,
}

fn calibrate_shell(spec: &BenchSpec, exec: &mut dyn Executor) -> Result<Overhead, BenchError> {
    let inv = Invocation {
        command: "",
        shell: &spec.shell,
        output: OutputMode::Null,
        ready: None,
    };
    let mut ms = Vec::with_capacity(CALIBRATION_RUNS as usize);
    for _ in 0..CALIBRATION_RUNS {
        let m = exec.execute(&inv).map_err(|e| match e {
            BenchError::CommandNotFound(_) => BenchError::CommandNotFound(match &spec.shell {
                Shell::Program(s) => s.clone(),
                Shell::None => String::new(),
            }),
            e => e,
        })?;
        ms.push(m);
    }
    let avg =
        |f: fn(&Measurement) -> f64| mean(&ms.iter().map(f).collect::<Vec<_>>()).unwrap_or(0.0);
    Ok(Overhead {
        wall: avg(|m| m.wall_s),
        user: avg(|m| m.user_s),
        system: avg(|m| m.system_s),
    })
}

fn pick(list: &[String], index: usize) -> Option<&String> {
    match list.len() {
        0 => None,
        1 => list.first(),
        _ => list.get(index),
    }
}

fn auxiliary(
    spec: &BenchSpec,
    exec: &mut dyn Executor,
    stage: &'static str,
    template: Option<&String>,
    cmd: &CommandSpec,
) -> Result<(), BenchError> {
    let Some(t) = template else { return Ok(()) };
    let line = substitute(t, &cmd.parameters);
    let inv = Invocation {
        command: &line,
        shell: &spec.shell,
        output: spec.output,
        ready: None,
    };
    let m = exec.execute(&inv)?;
    if !m.exit.success() {
        return Err(BenchError::AuxiliaryFailed {
            stage,
            command: line,
            state: m.exit.describe(),
        });
    }
    Ok(())
}

fn bench_one(
    spec: &BenchSpec,
    exec: &mut dyn Executor,
    index: usize,
    cmd: &CommandSpec,
    overhead: Overhead,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<BenchResult, BenchError> {
    progress(Progress::Started {
        index,
        command: &cmd.command,
    });
    let prepare = pick(&spec.prepare, index);
    let conclude = pick(&spec.conclude, index);
    let inv = Invocation {
        command: &cmd.command,
        shell: &spec.shell,
        output: spec.output,
        ready: spec.ready.as_ref().map(|(u, t)| (u, *t)),
    };
    let check = |m: &Measurement| -> Result<(), BenchError> {
        if spec.ready.is_none() && !m.exit.success() && !spec.ignore_failure {
            return Err(BenchError::CommandFailed {
                command: cmd.command.clone(),
                state: m.exit.describe(),
            });
        }
        Ok(())
    };

    auxiliary(spec, exec, "setup", spec.setup.as_ref(), cmd)?;
    for done in 0..spec.warmup {
        auxiliary(spec, exec, "prepare", prepare, cmd)?;
        let m = exec.execute(&inv)?;
        check(&m)?;
        auxiliary(spec, exec, "conclude", conclude, cmd)?;
        progress(Progress::Warmup {
            index,
            done: done + 1,
            total: spec.warmup,
        });
    }
    let mut runs: Vec<Measurement> = Vec::new();
    let mut total = u64::MAX;
    while (runs.len() as u64) < total {
        auxiliary(spec, exec, "prepare", prepare, cmd)?;
        let raw = exec.execute(&inv)?;
        check(&raw)?;
        auxiliary(spec, exec, "conclude", conclude, cmd)?;
        let m = Measurement {
            wall_s: (raw.wall_s - overhead.wall).max(0.0),
            user_s: (raw.user_s - overhead.user).max(0.0),
            system_s: (raw.system_s - overhead.system).max(0.0),
            ..raw
        };
        if runs.is_empty() {
            total = spec.runs.total(m.wall_s);
        }
        runs.push(m);
        progress(Progress::Run {
            index,
            done: runs.len() as u64,
            total,
            measurement: &m,
        });
    }
    auxiliary(spec, exec, "cleanup", spec.cleanup.as_ref(), cmd)?;
    Ok(summarize_runs(spec, cmd, &runs, overhead.wall))
}

fn summarize_runs(
    spec: &BenchSpec,
    cmd: &CommandSpec,
    runs: &[Measurement],
    shell_overhead_s: f64,
) -> BenchResult {
    let times: Vec<f64> = runs.iter().map(|m| m.wall_s).collect();
    let users: Vec<f64> = runs.iter().map(|m| m.user_s).collect();
    let systems: Vec<f64> = runs.iter().map(|m| m.system_s).collect();
    let rss: Vec<u64> = runs.iter().map(|m| m.peak_rss_bytes).collect();
    let s = summarize(&times).unwrap_or(perfaudit_stats::summary::Summary {
        n: 0,
        mean: 0.0,
        stddev: None,
        median: 0.0,
        min: 0.0,
        max: 0.0,
    });
    let z = modified_z_scores(&times);
    let outliers: Vec<usize> = z
        .iter()
        .enumerate()
        .filter(|(_, z)| z.abs() > BENCH_THRESHOLD)
        .map(|(i, _)| i)
        .collect();
    let mut warnings = Vec::new();
    let failed = runs.iter().filter(|m| !m.exit.success()).count();
    if failed > 0 && spec.ready.is_none() {
        warnings.push(format!(
            "{failed} of {} runs failed (ignored with --ignore-failure)",
            runs.len()
        ));
    }
    if z.first().is_some_and(|&z0| z0 > BENCH_THRESHOLD) && times.len() > 1 {
        warnings.push(format!(
            "the first run was significantly slower than the rest ({:.3} s vs median {:.3} s): \
             caches were probably cold; consider --warmup or --prepare",
            times[0], s.median
        ));
    }
    if !outliers.is_empty() {
        warnings.push(format!(
            "{} statistical outlier(s) (modified Z-score > {BENCH_THRESHOLD}): another program \
             may have interfered; consider re-running on a quiet system or with --warmup",
            outliers.len()
        ));
    }
    if matches!(spec.shell, Shell::Program(_)) && s.mean < 0.005 && spec.ready.is_none() {
        warnings.push(
            "the command took less than 5 ms: results may be inaccurate because the shell's \
             start-up time cannot be subtracted more precisely; consider --no-shell (-N)"
                .to_string(),
        );
    }
    BenchResult {
        command: cmd.command.clone(),
        parameters: cmd.parameters.clone(),
        mode: if spec.ready.is_some() {
            BenchMode::Ready
        } else {
            BenchMode::Wall
        },
        ready_url: spec.ready.as_ref().map(|(u, _)| u.to_string()),
        runs: runs.len(),
        mean_s: s.mean,
        stddev_s: s.stddev,
        median_s: s.median,
        min_s: s.min,
        max_s: s.max,
        user_s: mean(&users).unwrap_or(0.0),
        system_s: mean(&systems).unwrap_or(0.0),
        peak_rss_bytes: rss.iter().copied().max().unwrap_or(0),
        times_s: times,
        user_times_s: users,
        system_times_s: systems,
        peak_rss_runs_bytes: rss,
        exit_codes: runs.iter().map(|m| m.exit.code()).collect(),
        signals: runs.iter().map(|m| m.exit.signal()).collect(),
        outliers,
        shell_overhead_s,
        warnings,
    }
}

/// Compare every result with the reference (`reference`, else the one with the lowest mean):
/// ratio of means with propagated uncertainty, and a two-sided Mann-Whitney U test at `alpha`.
pub fn compare(
    results: &[BenchResult],
    reference: Option<usize>,
    alpha: f64,
) -> Vec<BenchComparison> {
    if results.len() < 2 {
        return Vec::new();
    }
    let ref_i = reference.filter(|&r| r < results.len()).unwrap_or_else(|| {
        (0..results.len())
            .min_by(|&a, &b| results[a].mean_s.total_cmp(&results[b].mean_s))
            .unwrap_or(0)
    });
    let r = &results[ref_i];
    results
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != ref_i)
        .filter_map(|(_, c)| {
            let (ratio, ratio_stddev) =
                ratio_with_uncertainty(c.mean_s, c.stddev_s, r.mean_s, r.stddev_s)
                    .unwrap_or((f64::INFINITY, 0.0));
            let mw = mann_whitney_u(&c.times_s, &r.times_s)?;
            let significant = mw.p_value < alpha;
            let verdict = if !significant {
                Verdict::NotSignificant
            } else if mw.z > 0.0 {
                Verdict::Slower
            } else {
                Verdict::Faster
            };
            Some(BenchComparison {
                command: c.command.clone(),
                reference: r.command.clone(),
                ratio: if ratio.is_finite() { ratio } else { 0.0 },
                ratio_stddev,
                u: mw.u,
                p_value: mw.p_value,
                alpha,
                significant,
                verdict,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::{ExitState, MockExecutor};

    fn no_shell(commands: &[&str], runs: u64) -> BenchSpec {
        let mut spec = BenchSpec::new(commands.iter().map(|c| CommandSpec::new(*c)).collect());
        spec.shell = Shell::None;
        spec.runs = RunCount::exactly(runs);
        spec
    }

    #[test]
    fn exact_statistics_from_scripted_times() {
        let spec = no_shell(&["a"], 5);
        let mut exec = MockExecutor::new().measurements(
            "a",
            &[0.10, 0.20, 0.30, 0.40, 0.50]
                .iter()
                .enumerate()
                .map(|(i, &w)| Measurement {
                    wall_s: w,
                    user_s: 0.01 * (i + 1) as f64,
                    system_s: 0.02,
                    peak_rss_bytes: 1000 * (i as u64 + 1),
                    exit: ExitState::Code(0),
                })
                .collect::<Vec<_>>(),
        );
        let doc = run_benchmark(&spec, &mut exec, &mut |_| {}).unwrap();
        let r = &doc.results[0];
        assert_eq!(doc.schema, "perfaudit/bench/v1");
        assert_eq!(r.runs, 5);
        assert!((r.mean_s - 0.3).abs() < 1e-12);
        assert!((r.stddev_s.unwrap() - 0.025f64.sqrt()).abs() < 1e-12);
        assert_eq!(r.median_s, 0.3);
        assert_eq!((r.min_s, r.max_s), (0.1, 0.5));
        assert!((r.user_s - 0.03).abs() < 1e-12);
        assert!((r.system_s - 0.02).abs() < 1e-12);
        assert_eq!(r.peak_rss_bytes, 5000);
        assert_eq!(r.exit_codes, vec![Some(0); 5]);
        assert!(r.outliers.is_empty());
        assert!(doc.comparisons.is_empty());
    }

    #[test]
    fn run_count_follows_min_time_and_bounds() {
        let rc = RunCount {
            min: 10,
            max: None,
            min_time: Duration::from_secs(3),
        };
        assert_eq!(rc.total(0.1), 30);
        assert_eq!(rc.total(1.0), 10);
        let capped = RunCount {
            max: Some(20),
            ..rc
        };
        assert_eq!(capped.total(0.001), 20);
        assert_eq!(RunCount::exactly(7).total(100.0), 7);
        // The mock's first run takes 0.5 s: 3 s / 0.5 s = 6 < min 10 -> 10 runs.
        let mut spec = no_shell(&["x"], 1);
        spec.runs = rc;
        let mut exec = MockExecutor::new().times("x", &[0.5; 12]);
        let doc = run_benchmark(&spec, &mut exec, &mut |_| {}).unwrap();
        assert_eq!(doc.results[0].runs, 10);
    }

    #[test]
    fn order_of_setup_warmup_prepare_conclude_cleanup() {
        let mut spec = no_shell(&["cmd {n}"], 2);
        spec.commands[0].parameters.insert("n".into(), "1".into());
        spec.commands[0].command = "cmd 1".into();
        spec.warmup = 1;
        spec.setup = Some("setup {n}".into());
        spec.cleanup = Some("cleanup".into());
        spec.prepare = vec!["prep".into()];
        spec.conclude = vec!["conc".into()];
        let mut exec = MockExecutor::new();
        run_benchmark(&spec, &mut exec, &mut |_| {}).unwrap();
        assert_eq!(
            exec.calls,
            [
                "setup 1", "prep", "cmd 1", "conc", "prep", "cmd 1", "conc", "prep", "cmd 1",
                "conc", "cleanup"
            ]
        );
    }

    #[test]
    fn shell_overhead_is_measured_and_subtracted() {
        let mut spec = BenchSpec::new(vec![CommandSpec::new("work")]);
        spec.runs = RunCount::exactly(3);
        let mut exec = MockExecutor::new()
            .times("", &[0.002; 20])
            .times("work", &[0.102, 0.202, 0.302]);
        let doc = run_benchmark(&spec, &mut exec, &mut |_| {}).unwrap();
        let r = &doc.results[0];
        assert!((r.shell_overhead_s - 0.002).abs() < 1e-12);
        assert!((r.mean_s - 0.2).abs() < 1e-12);
        assert!((r.min_s - 0.1).abs() < 1e-12);
        assert_eq!(exec.calls.iter().filter(|c| c.is_empty()).count(), 20);
    }

    #[test]
    fn failures_stop_unless_ignored() {
        let failing = Measurement {
            wall_s: 0.1,
            user_s: 0.0,
            system_s: 0.0,
            peak_rss_bytes: 0,
            exit: ExitState::Code(3),
        };
        let spec = no_shell(&["ok", "bad"], 2);
        let mut exec = MockExecutor::new().measurements("bad", &[failing, failing]);
        let mut finished = Vec::new();
        let err = run_benchmark(&spec, &mut exec, &mut |p| {
            if let Progress::Finished { result, .. } = p {
                finished.push(result.command.clone());
            }
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "`bad` exited with code 3; use --ignore-failure to benchmark it anyway"
        );
        assert_eq!(finished, ["ok"], "the first command's result was delivered");

        let mut spec = no_shell(&["bad"], 2);
        spec.ignore_failure = true;
        let killed = Measurement {
            exit: ExitState::Signal(9),
            ..failing
        };
        let mut exec = MockExecutor::new().measurements("bad", &[failing, killed]);
        let doc = run_benchmark(&spec, &mut exec, &mut |_| {}).unwrap();
        assert_eq!(doc.results[0].exit_codes, vec![Some(3), None]);
        assert_eq!(doc.results[0].signals, vec![None, Some(9)]);
        assert!(doc.results[0].warnings[0].contains("2 of 2 runs failed"));

        let mut exec = MockExecutor::new().spawn_error("nope", "not found");
        let err = run_benchmark(&no_shell(&["nope"], 1), &mut exec, &mut |_| {}).unwrap_err();
        assert!(matches!(err, BenchError::CommandNotFound(c) if c == "nope"));
    }

    #[test]
    fn slow_first_run_and_outliers_are_flagged() {
        let spec = no_shell(&["c"], 8);
        let mut exec =
            MockExecutor::new().times("c", &[2.0, 1.01, 0.99, 1.02, 0.98, 1.00, 1.03, 0.97]);
        let doc = run_benchmark(&spec, &mut exec, &mut |_| {}).unwrap();
        let r = &doc.results[0];
        assert_eq!(r.outliers, vec![0]);
        assert!(r.warnings.iter().any(|w| w.contains("first run")));
        assert!(r
            .warnings
            .iter()
            .any(|w| w.contains("1 statistical outlier")));
    }

    #[test]
    fn comparisons_carry_significance() {
        let spec = no_shell(&["slow", "fast", "fast2"], 10);
        let fast: Vec<f64> = (0..10).map(|i| 0.100 + i as f64 * 0.001).collect();
        let fast2: Vec<f64> = (0..10).map(|i| 0.1005 + i as f64 * 0.001).collect();
        let slow: Vec<f64> = (0..10).map(|i| 0.200 + i as f64 * 0.001).collect();
        let mut exec = MockExecutor::new()
            .times("slow", &slow)
            .times("fast", &fast)
            .times("fast2", &fast2);
        let doc = run_benchmark(&spec, &mut exec, &mut |_| {}).unwrap();
        assert_eq!(doc.comparisons.len(), 2);
        let c0 = &doc.comparisons[0];
        assert_eq!(
            (c0.command.as_str(), c0.reference.as_str()),
            ("slow", "fast")
        );
        assert_eq!(c0.verdict, Verdict::Slower);
        assert_eq!(c0.u, 100.0);
        assert!(c0.p_value < 0.001);
        assert!((c0.ratio - 0.2045 / 0.1045).abs() < 1e-9);
        let c1 = &doc.comparisons[1];
        assert_eq!(c1.command, "fast2");
        assert_eq!(c1.verdict, Verdict::NotSignificant);
        assert!(!c1.significant && c1.p_value > 0.05);

        // An explicit reference.
        let cmp = compare(&doc.results, Some(0), 0.05);
        assert_eq!(cmp[0].reference, "slow");
        assert_eq!(cmp[0].verdict, Verdict::Faster);
        assert!(cmp[0].ratio < 1.0);
    }

    #[test]
    fn progress_reports_every_run() {
        let mut spec = no_shell(&["p"], 3);
        spec.warmup = 2;
        let mut exec = MockExecutor::new().times("p", &[0.1; 5]);
        let mut events = Vec::new();
        run_benchmark(&spec, &mut exec, &mut |p| {
            events.push(match p {
                Progress::Calibrating => "cal".to_string(),
                Progress::Started { .. } => "start".into(),
                Progress::Warmup { done, total, .. } => format!("w{done}/{total}"),
                Progress::Run { done, total, .. } => format!("r{done}/{total}"),
                Progress::Finished { .. } => "done".into(),
            })
        })
        .unwrap();
        assert_eq!(
            events,
            ["start", "w1/2", "w2/2", "r1/3", "r2/3", "r3/3", "done"]
        );
    }

    #[test]
    fn bad_specs_are_rejected() {
        let mut spec = no_shell(&["a", "b", "c"], 1);
        spec.prepare = vec!["x".into(), "y".into()];
        assert!(run_benchmark(&spec, &mut MockExecutor::new(), &mut |_| {})
            .unwrap_err()
            .to_string()
            .contains("--prepare was given 2 times for 3 commands"));
        assert!(run_benchmark(&no_shell(&[], 1), &mut MockExecutor::new(), &mut |_| {}).is_err());
    }
}

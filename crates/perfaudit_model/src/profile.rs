//! Sampling CPU profiles of Python processes (`perfaudit/profile/v1`), and the audit's per-scenario
//! profiles. Owned by the profile stage (`perfaudit_profile`).
//!
//! A profile is a table of folded stacks: every distinct stack (root first, frames interned in
//! `frames`) with the number of thread samples that saw it. Memory is bounded by the number of
//! distinct stacks, never by the length of the run. A *sample* is one thread of one process seen
//! by one sampling tick; a share is a count divided by `samples`.

use serde::{Deserialize, Serialize};

/// One frame: the Python function, its file as the profiled process sees it, and the line that
/// was executing (0 when unknown, e.g. a native frame).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Frame {
    pub name: String,
    pub file: String,
    pub line: u32,
}

/// A distinct stack and how often it was seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stack {
    /// Indexes into `frames`, the outermost call first, the executing frame last.
    pub frames: Vec<u32>,
    /// Thread samples that saw this stack (counted in the profile).
    pub samples: u64,
    /// Of those, samples whose thread was idle (waiting: only present with `idle` on).
    #[serde(default)]
    pub idle: u64,
    /// Of those, samples whose thread held the GIL.
    #[serde(default)]
    pub gil: u64,
}

/// One line of a function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineStat {
    pub line: u32,
    /// Samples executing this line in this function (the innermost frame).
    pub self_samples: u64,
    /// Samples with this line of this function anywhere on the stack.
    pub total_samples: u64,
}

/// A function (name + file) over all its lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionStat {
    pub name: String,
    pub file: String,
    /// The line with the most self samples (else the most total samples).
    pub line: u32,
    /// Samples in which this function was the executing (innermost) frame.
    pub self_samples: u64,
    /// Samples with this function anywhere on the stack (recursion counted once).
    pub total_samples: u64,
    /// `self_samples / samples` (0..1).
    pub self_share: f64,
    /// `total_samples / samples` (0..1).
    pub total_share: f64,
    /// The hottest lines (by total samples), at most 10.
    #[serde(default)]
    pub lines: Vec<LineStat>,
    /// Self samples per second of the profile (index = second), for time-block comparisons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub per_second_self: Vec<u64>,
}

/// One second of the profile: how many samples, and the stacks seen in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileSecond {
    /// Whole seconds since the profile started.
    pub t_s: u32,
    /// Thread samples counted in this second.
    pub samples: u64,
    /// `(stack index, samples)`, most samples first; at most the top stacks of the second
    /// (see `other`). Empty when the report keeps only totals for this second.
    #[serde(default)]
    pub stacks: Vec<(u32, u64)>,
    /// Samples of this second in stacks not listed (bounded memory per second).
    #[serde(default)]
    pub other: u64,
}

/// A process of the profiled tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessStat {
    pub pid: u32,
    pub command: String,
    pub samples: u64,
}

/// Why sampling stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileEnd {
    /// The planned duration elapsed, or the caller stopped it (end of a load scenario).
    Completed,
    /// Every profiled process exited before the end: the profile covers the time until then.
    TargetExited,
    /// Ctrl-C / SIGTERM: the profile so far.
    Interrupted,
}

impl ProfileEnd {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileEnd::Completed => "completed",
            ProfileEnd::TargetExited => "target_exited",
            ProfileEnd::Interrupted => "interrupted",
        }
    }
}

/// The measured profile (the same in `perfaudit profile` and in an audit's scenario).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Sampling rate asked for, Hz.
    pub rate_hz: u32,
    /// Unix time (ms) of the first tick.
    pub started_unix_ms: u64,
    pub duration_s: f64,
    pub end: ProfileEnd,
    /// Sampling ticks taken.
    pub ticks: u64,
    /// Thread samples counted (the denominator of every share).
    pub samples: u64,
    /// Thread samples seen idle (waiting on I/O, a lock, sleep). Counted in `samples` only when
    /// idle threads are included.
    pub idle_samples: u64,
    /// Whether idle samples are counted.
    pub include_idle: bool,
    /// Thread samples that held the GIL.
    pub gil_samples: u64,
    /// Ticks that found no thread running (every thread idle).
    pub empty_ticks: u64,
    /// Stack reads that failed (a process was exiting, memory changed under the reader).
    pub errors: u64,
    /// Ticks taken more than one interval late, and the worst lateness (ms).
    pub late_ticks: u64,
    pub max_late_ms: f64,
    pub processes: Vec<ProcessStat>,
    pub frames: Vec<Frame>,
    pub stacks: Vec<Stack>,
    /// Samples of stacks dropped from `stacks` by the size cap (counted in `samples`).
    #[serde(default)]
    pub truncated_samples: u64,
    /// Functions by self samples, most first.
    pub functions: Vec<FunctionStat>,
    pub timeline: Vec<ProfileSecond>,
}

impl Profile {
    /// Share of all samples (0..1); 0 when there were none.
    pub fn share(&self, n: u64) -> f64 {
        if self.samples == 0 {
            0.0
        } else {
            n as f64 / self.samples as f64
        }
    }

    /// A stack's frames, outermost first.
    pub fn stack_frames<'a>(&'a self, s: &'a Stack) -> impl Iterator<Item = &'a Frame> + 'a {
        s.frames.iter().filter_map(|&i| self.frames.get(i as usize))
    }
}

/// What was asked of the profiler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileSettings {
    pub rate_hz: u32,
    /// The planned duration (absent: until the target exits or Ctrl-C).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    pub subprocesses: bool,
    pub native: bool,
    pub idle: bool,
    /// Always true: the target is never paused to read its stacks.
    pub nonblocking: bool,
}

/// The profiled process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileTarget {
    pub pid: u32,
    /// The command perfaudit spawned (absent with `--pid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// The exit status of the spawned command, when it exited during the profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
}

/// `perfaudit profile`'s document (`perfaudit/profile/v1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileReport {
    /// Always `perfaudit/profile/v1`.
    pub schema: String,
    pub target: ProfileTarget,
    pub settings: ProfileSettings,
    #[serde(flatten)]
    pub profile: Profile,
}

/// The audit's profile of one `[[load]]` scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioProfile {
    pub scenario: String,
    /// Requests the scenario completed while profiled (for per-request costs).
    pub requests: u64,
    /// The second of the load timeline with the worst p99, and what ran then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worst_second: Option<WorstSecond>,
    pub profile: Profile,
}

/// The stacks of the second with the worst p99 latency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorstSecond {
    /// Seconds since the scenario's load began (the load timeline's second).
    pub t_s: u32,
    pub p99_us: f64,
    pub samples: u64,
    /// `(stack index into the profile's stacks, samples)`, most first.
    pub stacks: Vec<(u32, u64)>,
}

/// How a finding's location met the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CostScope {
    /// The finding's own line was on the sampled stacks.
    Line,
    /// The function enclosing the finding was on the sampled stacks (not its line).
    Function,
}

/// A static finding with the share of samples its location cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingCost {
    pub code: String,
    pub path: String,
    pub line: u32,
    pub message: String,
    /// The scenario where the share is largest.
    pub scenario: String,
    pub scope: CostScope,
    /// The function enclosing the finding (when known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// Samples on stacks through the location / all samples of the scenario (0..1).
    pub share: f64,
    pub samples: u64,
}

/// A function whose self share changed between two runs, per scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionChange {
    pub scenario: String,
    pub name: String,
    pub file: String,
    /// Self share of samples in the base and head run (0..1).
    pub base_share: f64,
    pub head_share: f64,
    /// Estimated CPU milliseconds per request (self samples / rate / requests), when both runs
    /// have requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_ms_per_request: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_ms_per_request: Option<f64>,
    /// Mann-Whitney U p-value of the per-second self shares (time blocks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// `slower`, `faster`, `unchanged`, `noise` (a large change the test cannot confirm),
    /// `new` (only in head), `gone` (only in base).
    pub verdict: String,
}

/// The audit's `[profile]` results: every profiled scenario and the findings ranked by cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileSection {
    pub settings: ProfileSettings,
    pub scenarios: Vec<ScenarioProfile>,
    /// Findings whose location was sampled, by measured cost (most first).
    pub ranked_findings: Vec<FindingCost>,
    /// Findings (code path:line) whose location no sample touched.
    #[serde(default)]
    pub unsampled_findings: Vec<String>,
    /// Why the service could not be profiled (on by default for a Python service, so a
    /// failure is reported here rather than failing the audit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

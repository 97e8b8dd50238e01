//! The monitor document (`perfaudit/monitor/v1`): samples of a process tree and the host,
//! running summaries, alert events and the leak verdict. Owned by the monitor stage.
//!
//! Every sample carries `t_unix_ms` (wall clock, ms since the Unix epoch) and `t_s` (seconds
//! since the monitor started, monotonic), so it lines up with the load engine's timeline.

use serde::{Deserialize, Serialize};

/// The whole report of one monitor run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorReport {
    /// Always `perfaudit/monitor/v1`.
    pub schema: String,
    pub target: Target,
    /// The sampling interval asked for, in milliseconds.
    pub interval_ms: f64,
    /// Wall clock of the first sample's time origin (ms since the Unix epoch).
    pub started_unix_ms: u64,
    pub ended_unix_ms: u64,
    /// Monotonic seconds from start to stop.
    pub duration_s: f64,
    /// Why sampling stopped.
    pub ended: EndReason,
    /// How the spawned command ended (absent with `--pid` or while it still runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit: Option<ChildExit>,
    /// Samples taken over the whole run (the `samples` ring keeps the most recent ones).
    pub samples_total: u64,
    /// Samples that fell out of the bounded ring (still counted in `summary`).
    pub samples_dropped: u64,
    pub samples: Vec<Sample>,
    pub summary: Summary,
    pub alerts: Vec<AlertEvent>,
    pub leak: LeakReport,
    /// What could not be measured and why (e.g. `/proc/PID/io` permission denied).
    pub warnings: Vec<String>,
}

/// What was monitored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The root of the process tree.
    pub pid: u32,
    /// The command line of the root (spawned command, or `/proc/PID/cmdline`).
    pub command: Vec<String>,
    /// True when perfaudit started the command itself.
    pub spawned: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EndReason {
    /// `--duration` elapsed.
    Duration,
    /// The root process (and its whole tree) exited.
    TargetExited,
    /// Stopped by the caller (library `stop()`, Ctrl-C).
    Stopped,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Duration => "duration",
            EndReason::TargetExited => "target-exited",
            EndReason::Stopped => "stopped",
        }
    }
}

/// The fate of a spawned command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildExit {
    /// Exit code when it exited normally.
    pub code: Option<i32>,
    /// Signal number when it was killed by a signal.
    pub signal: Option<i32>,
    /// The kernel's peak RSS of the command (`wait4` `ru_maxrss`: the largest of the child and
    /// its waited-for descendants).
    pub max_rss_bytes: Option<u64>,
    /// CPU seconds of the command and its waited-for descendants, from `wait4`.
    pub user_s: Option<f64>,
    pub system_s: Option<f64>,
    /// True when perfaudit terminated it at the end of `--duration`.
    pub terminated_by_monitor: bool,
}

/// One sample of the process tree (summed over the root and all its descendants) and the host.
///
/// CPU percentages of the tree use one core = 100% (like `top`); rates are per second over
/// the interval since the previous sample (0 for the first sample).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Wall clock, milliseconds since the Unix epoch.
    pub t_unix_ms: u64,
    /// Seconds since the monitor started (monotonic clock).
    pub t_s: f64,
    /// Live processes in the tree.
    pub processes: u32,
    pub cpu_pct: f64,
    pub cpu_user_pct: f64,
    pub cpu_sys_pct: f64,
    /// Sum of the processes' RSS: pages shared between them (a pre-fork server's code and
    /// copy-on-write heap) are counted once per process.
    pub rss_bytes: u64,
    /// Proportional set size of the tree (`/proc/PID/smaps_rollup` `Pss`, summed): each shared
    /// page divided among the processes that map it, so the tree's real memory. Read every
    /// 500 ms at most often (held in between); absent when not readable.
    #[serde(default)]
    pub pss_bytes: Option<u64>,
    /// Unique set size of the tree (`Private_Clean + Private_Dirty`, summed): what ending the
    /// tree would free at least.
    #[serde(default)]
    pub uss_bytes: Option<u64>,
    pub threads: u64,
    /// Open file descriptors; absent when `/proc/PID/fd` is not readable.
    pub fds: Option<u64>,
    /// Disk bytes read/written per second (`/proc/PID/io`); absent when not readable.
    pub read_bytes_per_s: Option<f64>,
    pub write_bytes_per_s: Option<f64>,
    /// Context switches per second.
    pub ctx_voluntary_per_s: f64,
    pub ctx_involuntary_per_s: f64,
    pub host: HostSample,
    /// Per-process detail (`--per-process`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_process: Option<Vec<ProcessSample>>,
}

/// The host at the time of a sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostSample {
    /// Busy share of all cores (0-100).
    pub cpu_pct: f64,
    pub mem_total_bytes: u64,
    pub mem_used_bytes: u64,
    pub mem_available_bytes: u64,
    pub load1: f64,
    pub load5: f64,
    pub load15: f64,
    /// Network bytes per second over all interfaces but loopback.
    pub net_rx_bytes_per_s: f64,
    pub net_tx_bytes_per_s: f64,
}

/// One process of the tree at the time of a sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessSample {
    pub pid: u32,
    pub ppid: u32,
    /// The kernel's short name (`comm`).
    pub name: String,
    pub cpu_pct: f64,
    pub cpu_user_pct: f64,
    pub cpu_sys_pct: f64,
    pub rss_bytes: u64,
    /// The kernel's peak RSS of this process (`VmHWM`).
    pub rss_peak_bytes: u64,
    pub threads: u64,
    pub fds: Option<u64>,
}

/// Mean, minimum and maximum of a metric over every sample of the run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

/// Running summaries over all samples (not only those kept in the ring). CPU statistics
/// start at the second sample (the first has no interval to measure a rate over).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub samples: u64,
    pub cpu_pct: Stat,
    pub cpu_user_pct: Stat,
    pub cpu_sys_pct: Stat,
    pub rss_bytes: Stat,
    /// The tree's PSS (its real memory); absent when smaps_rollup was not readable.
    #[serde(default)]
    pub pss_bytes: Option<Stat>,
    /// The tree's USS; absent when not readable.
    #[serde(default)]
    pub uss_bytes: Option<Stat>,
    pub threads: Stat,
    /// Absent when file descriptors could never be read.
    pub fds: Option<Stat>,
    pub processes: Stat,
    /// CPUs the tree could run on (its root's affinity): no sample exceeds 100% x this.
    #[serde(default)]
    pub cpus: u32,
    /// Processes of the tree whose last interval of CPU was lost: reaped by a process outside
    /// the tree (init), so their final counters went nowhere we read.
    #[serde(default)]
    pub cpu_lost_exits: u64,
    /// The most CPU time ever carried from one interval into the next because an interval
    /// measured more than the tree's capacity (tick rounding of the per-process counters).
    #[serde(default)]
    pub cpu_carried_max_s: f64,
    /// The largest kernel peak RSS (`VmHWM`) of any single process of the tree.
    pub rss_peak_process_bytes: u64,
    /// Totals over the run (sum of per-interval deltas of the processes seen).
    pub cpu_user_s: f64,
    pub cpu_system_s: f64,
    pub read_bytes: Option<u64>,
    pub write_bytes: Option<u64>,
    pub ctx_voluntary: u64,
    pub ctx_involuntary: u64,
    pub host: HostSummary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostSummary {
    pub cpu_pct: Stat,
    pub mem_used_bytes: Stat,
    pub mem_available_bytes: Stat,
    pub load1: Stat,
    pub net_rx_bytes: u64,
    pub net_tx_bytes: u64,
}

/// A threshold that held for at least its minimum duration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertEvent {
    /// The rule as given, normalised (e.g. `cpu>80% for 5s`).
    pub rule: String,
    pub metric: String,
    /// The unit of `peak`: `%`, `bytes`, `bytes/s`, `count` or `load`.
    pub unit: String,
    /// When the condition started to hold (first breaching sample).
    pub start_unix_ms: u64,
    pub start_s: f64,
    /// The first sample where it no longer held; absent when it still held at the end.
    pub end_unix_ms: Option<u64>,
    pub end_s: Option<f64>,
    /// From start to end (or to the last sample when still active).
    pub duration_s: f64,
    /// The worst value seen during the event, in the metric's unit (%, bytes, count).
    pub peak: f64,
    /// True when the condition still held at the last sample.
    pub active_at_end: bool,
}

/// The leak verdict of one metric, or the overall one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LeakVerdict {
    Leak,
    NoLeak,
    Inconclusive,
}

impl LeakVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            LeakVerdict::Leak => "leak",
            LeakVerdict::NoLeak => "no-leak",
            LeakVerdict::Inconclusive => "inconclusive",
        }
    }

    /// Which verdict wins when combining metrics: leak > inconclusive > no-leak.
    pub fn rank(self) -> u8 {
        match self {
            LeakVerdict::NoLeak => 0,
            LeakVerdict::Inconclusive => 1,
            LeakVerdict::Leak => 2,
        }
    }
}

/// Leak analysis of one metric: Theil-Sen slope and Mann-Kendall trend test after warm-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeakMetric {
    /// `rss_bytes`, `fds` or `threads`.
    pub metric: String,
    pub verdict: LeakVerdict,
    /// Theil-Sen slope, in the metric's unit per minute.
    pub slope_per_min: Option<f64>,
    /// One-sided Mann-Kendall p-value for an increasing trend (with tie correction).
    pub p_value: Option<f64>,
    /// Kendall's tau of the analysed series.
    pub tau: Option<f64>,
    /// Points analysed (after warm-up; long runs are averaged into at most a few hundred).
    pub n: u64,
    /// The analysed window, seconds since start.
    pub window_start_s: f64,
    pub window_end_s: f64,
    /// The fitted growth over the window (slope x window), in the metric's unit.
    pub growth: Option<f64>,
    /// One sentence: why this verdict.
    pub reason: String,
}

/// The overall leak verdict (the most serious metric) with every metric's detail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeakReport {
    pub metric: String,
    pub slope_per_min: Option<f64>,
    pub p_value: Option<f64>,
    pub verdict: LeakVerdict,
    pub reason: String,
    /// Seconds of warm-up excluded from the analysis.
    pub warmup_s: f64,
    /// The significance level used (`leak` needs p < alpha).
    pub alpha: f64,
    pub metrics: Vec<LeakMetric>,
}

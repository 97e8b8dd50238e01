//! `perfaudit monitor`: process-tree and host sampling, alerts, leak verdicts. Never prints.
//!
//! ```no_run
//! use perfaudit_monitor::{Monitor, MonitorSpec};
//! use std::time::Duration;
//!
//! let mut spec = MonitorSpec::pid(1234);
//! spec.interval = Duration::from_millis(100);
//! let handle = Monitor::start(spec).expect("start");
//! // ... run the load ...
//! let report = handle.stop();
//! println!("{} samples, leak verdict {:?}", report.samples_total, report.leak.verdict);
//! ```
//!
//! The sampler runs on its own thread. Every sample carries `t_unix_ms` (the wall clock at
//! the sampler's start plus the monotonic time elapsed since, so it never jumps) and `t_s`.

pub mod alert;
pub mod leak;
pub mod metrics_server;
mod summary;

#[cfg(target_os = "linux")]
mod host;
#[cfg(target_os = "linux")]
pub mod procfs;
#[cfg(target_os = "linux")]
mod sampler;
#[cfg(target_os = "linux")]
mod tree;

pub use alert::AlertRule;
pub use perfaudit_model::monitor::*;

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// What to watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSpec {
    /// An existing process (and its descendants).
    Pid(u32),
    /// Spawn this command (program and arguments), follow it to its exit.
    Command(Vec<String>),
}

/// Everything that is live during a run, handed to the observer after every sample.
pub struct Live<'a> {
    /// The root PID of the watched tree.
    pub pid: u32,
    pub sample: &'a Sample,
    /// Running summaries over the whole run so far.
    pub summary: &'a Summary,
    /// Alert rules firing right now.
    pub active_alerts: &'a [String],
    /// Alert events so far (closed and firing).
    pub alert_events: usize,
    /// Warnings raised by this sample (each is raised once per run).
    pub new_warnings: &'a [String],
}

/// Called on the sampler thread after every sample; keep it quick.
pub type Observer = Box<dyn FnMut(&Live<'_>) + Send>;

/// How to run the monitor.
pub struct MonitorSpec {
    pub target: TargetSpec,
    /// Time between samples (10 ms or more).
    pub interval: Duration,
    /// Stop after this long (a spawned command is then terminated).
    pub duration: Option<Duration>,
    /// Record each process of the tree in every sample.
    pub per_process: bool,
    pub alerts: Vec<AlertRule>,
    /// Samples kept in the report (the most recent ones); summaries cover all.
    pub ring_capacity: usize,
    /// Time excluded from leak analysis; default 20% of the run, at most 60 s.
    pub warmup: Option<Duration>,
    /// Significance level of the leak test.
    pub alpha: f64,
    /// Grace between SIGTERM and SIGKILL when a spawned command must be stopped.
    pub kill_grace: Duration,
    pub observer: Option<Observer>,
}

impl MonitorSpec {
    pub const MIN_INTERVAL: Duration = Duration::from_millis(10);

    /// Watch an existing process with default settings (1 s interval, no deadline).
    pub fn pid(pid: u32) -> MonitorSpec {
        MonitorSpec::new(TargetSpec::Pid(pid))
    }

    /// Spawn `argv` and watch it with default settings.
    pub fn command(argv: Vec<String>) -> MonitorSpec {
        MonitorSpec::new(TargetSpec::Command(argv))
    }

    pub fn new(target: TargetSpec) -> MonitorSpec {
        MonitorSpec {
            target,
            interval: Duration::from_secs(1),
            duration: None,
            per_process: false,
            alerts: Vec::new(),
            ring_capacity: 10_000,
            warmup: None,
            alpha: 0.01,
            kill_grace: Duration::from_secs(2),
            observer: None,
        }
    }
}

impl std::fmt::Debug for MonitorSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MonitorSpec")
            .field("target", &self.target)
            .field("interval", &self.interval)
            .field("duration", &self.duration)
            .field("per_process", &self.per_process)
            .field("alerts", &self.alerts)
            .field("ring_capacity", &self.ring_capacity)
            .field("warmup", &self.warmup)
            .field("alpha", &self.alpha)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error("perfaudit monitor reads /proc and supports Linux only (this is {0})")]
    Unsupported(&'static str),
    #[error("no process with PID {0}")]
    NoSuchProcess(u32),
    #[error("permission denied reading process {pid}: {detail}")]
    PermissionDenied { pid: u32, detail: String },
    #[error("command not found: {0}")]
    CommandNotFound(String),
    #[error("cannot start `{program}`: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    InvalidSpec(String),
    #[error("cannot start the sampler thread: {0}")]
    Thread(std::io::Error),
}

/// Starts monitors.
pub struct Monitor;

impl Monitor {
    /// Validate the spec, spawn the command if asked, and start sampling on a new thread.
    pub fn start(spec: MonitorSpec) -> Result<MonitorHandle, MonitorError> {
        if spec.interval < MonitorSpec::MIN_INTERVAL {
            return Err(MonitorError::InvalidSpec(format!(
                "--interval {}ms is too short (10ms at least)",
                spec.interval.as_millis()
            )));
        }
        if let Some(d) = spec.duration {
            if d.is_zero() {
                return Err(MonitorError::InvalidSpec(
                    "--duration must be more than 0".to_string(),
                ));
            }
        }
        if let TargetSpec::Command(argv) = &spec.target {
            if argv.is_empty() {
                return Err(MonitorError::InvalidSpec(
                    "no command to run after `--`".to_string(),
                ));
            }
        }
        if !(spec.alpha > 0.0 && spec.alpha < 1.0) {
            return Err(MonitorError::InvalidSpec(format!(
                "alpha must be between 0 and 1 (got {})",
                spec.alpha
            )));
        }
        start_impl(spec)
    }
}

#[cfg(target_os = "linux")]
fn start_impl(spec: MonitorSpec) -> Result<MonitorHandle, MonitorError> {
    let (stop_tx, stop_rx) = mpsc::channel();
    let state = sampler::Sampler::prepare(spec)?;
    let pid = state.root_pid();
    let join = std::thread::Builder::new()
        .name("perfaudit-monitor".into())
        .spawn(move || state.run(stop_rx))
        .map_err(MonitorError::Thread)?;
    Ok(MonitorHandle { pid, stop_tx, join })
}

#[cfg(not(target_os = "linux"))]
fn start_impl(_spec: MonitorSpec) -> Result<MonitorHandle, MonitorError> {
    Err(MonitorError::Unsupported(std::env::consts::OS))
}

/// A running monitor.
pub struct MonitorHandle {
    pid: u32,
    stop_tx: mpsc::Sender<()>,
    join: JoinHandle<MonitorReport>,
}

impl MonitorHandle {
    /// The root PID (the spawned command's PID with `TargetSpec::Command`).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// True once sampling ended by itself (duration over, target exited).
    pub fn is_finished(&self) -> bool {
        self.join.is_finished()
    }

    /// Stop sampling now (a spawned command is terminated) and return the report.
    pub fn stop(self) -> MonitorReport {
        let _ = self.stop_tx.send(());
        self.join_report()
    }

    /// Wait until the duration is over or the target exited, and return the report.
    pub fn wait(self) -> MonitorReport {
        let MonitorHandle { stop_tx, join, .. } = self;
        let report = match join.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        drop(stop_tx);
        report
    }

    fn join_report(self) -> MonitorReport {
        match self.join.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

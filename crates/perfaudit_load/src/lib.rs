//! `perfaudit load`: the HTTP load engine. Never prints; callers draw progress from the
//! callback.
//!
//! ```no_run
//! use perfaudit_load::{run, LoadPlan};
//! let mut plan = LoadPlan::for_url("http://127.0.0.1:8000/health").unwrap();
//! plan.connections = 32;
//! let result = run(plan, &|p| eprintln!("{} req, p99 {} us", p.requests, p.p99_us)).unwrap();
//! println!("{} requests, p99 {} us", result.requests, result.latency_us.p99);
//! ```
//!
//! - Closed model (default): each connection sends its next request when the previous one
//!   completed. Open model ([`Pacing::Rate`]): requests leave on a schedule and latency is
//!   measured from each request's intended send time (no coordinated omission); schedule lag
//!   and requests that could not be sent are reported.
//! - Latency is kept in HDR histograms (µs, 3 significant digits) per worker and endpoint,
//!   merged at the end; memory does not grow with the number of requests.
//! - Every run ends: at its deadline plus [`LoadPlan::grace`], or by count, with a per-request
//!   timeout.

mod client;
mod engine;
mod error;
pub mod parse;
mod plan;
mod record;
mod result;
mod scenario;
mod template;
mod threshold;

pub use error::{ErrorKind, LoadError};
pub use perfaudit_model::histogram::{Histogram, LatencySummary};
pub use perfaudit_model::load::LoadResult;
pub use plan::{
    default_threads, parse_duration, Endpoint, HttpVersion, LoadPlan, Pacing, RateSchedule, Scheme,
    Stage, Target,
};
pub use result::{all_failed, evaluate_thresholds, merge_results, MergeError};
pub use scenario::{Scenario, ScenarioEndpoint, ScenarioStage};
pub use template::{DataSets, Template};
pub use threshold::{Metric, Op, ThresholdSpec};

use std::time::{Duration, Instant};

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Requests are sent but not measured.
    Warmup,
    Measuring,
    /// The deadline passed; in-flight requests are finishing.
    Draining,
}

/// A snapshot for a live progress line (called about every 250 ms from the calling thread).
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Time since the start of measurement (zero during warm-up).
    pub elapsed: Duration,
    pub planned: Option<Duration>,
    pub planned_requests: Option<u64>,
    pub phase: Phase,
    /// Requests completed in seconds already handed over by every worker.
    pub requests: u64,
    pub errors: u64,
    /// Requests completed in the last complete second.
    pub rps: f64,
    /// p99 latency in the last complete second, µs.
    pub p99_us: u64,
}

/// Run `plan` to completion on its own worker threads, calling `progress` periodically from
/// the calling thread. Fails only when the run cannot start (bad plan, unresolvable host,
/// TLS setup); failed requests are counted in the result.
pub fn run(plan: LoadPlan, progress: &dyn Fn(&Progress)) -> Result<LoadResult, LoadError> {
    run_until(plan, progress, &|| false)
}

/// [`run`], cancellable: `cancel` is asked every 20 ms; once it says true nothing more is
/// sent, requests in flight are abandoned (counted in `unfinished`), and the result of what
/// was measured so far comes back with `interrupted` set.
pub fn run_until(
    plan: LoadPlan,
    progress: &dyn Fn(&Progress),
    cancel: &dyn Fn() -> bool,
) -> Result<LoadResult, LoadError> {
    let started = engine::start(plan)?;
    let mut last = Instant::now();
    while !started.handles.iter().all(|h| h.is_finished()) {
        std::thread::sleep(Duration::from_millis(20));
        if cancel() {
            started.shared.cancel();
        }
        if last.elapsed() >= Duration::from_millis(250) {
            progress(&engine::progress(&started.shared));
            last = Instant::now();
        }
    }
    let finished = Instant::now();
    let mut stats = Vec::new();
    for h in started.handles {
        match h.join() {
            Ok(s) => stats.push(s),
            Err(_) => return Err(LoadError::Config("a load worker thread panicked".into())),
        }
    }
    progress(&engine::progress(&started.shared));
    Ok(result::assemble(
        &started.shared,
        started.start_unix_ms,
        stats,
        finished,
    ))
}

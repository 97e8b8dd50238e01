//! `perfaudit bench` and `perfaudit imports`: command timings, cold start, import profiles.
//! Never prints: progress goes to a callback, results are returned as `perfaudit_model`
//! documents.
//!
//! - [`run_benchmark`]: the hyperfine algorithm (setup, warmup, prepare/run/conclude, cleanup)
//!   over an [`Executor`]; [`RealExecutor`] spawns processes and reads `wait4`'s rusage,
//!   [`MockExecutor`] replays scripted measurements so tests assert exact statistics.
//! - [`cold_start`]: start a service in its own process group and time it to the first 2xx
//!   answer of a ready URL (plain `http://` only), returning the still-running service.
//! - [`profile_imports`]: `python -X importtime` repeated, parsed into a tree and classified.

mod error;
mod executor;
mod http;
mod imports;
mod params;
mod process;
mod run;
pub mod watchdog;

pub use error::BenchError;
pub use executor::{
    quote_word, split_words, Executor, ExitState, Invocation, Measurement, MockExecutor,
    OutputMode, RealExecutor, Shell,
};
pub use http::{http_get_status, parse_http_url, HttpUrl};
pub use imports::{
    classify_module, parse_importtime, profile_imports, ImportRow, ImportTrace, ImportsSpec,
    ModuleOrigins,
};
pub use params::{expand_parameters, ParameterScan};
pub use process::{cold_start, ColdStartSpec, RunningService};
pub use run::{compare, run_benchmark, BenchSpec, CommandSpec, Progress, RunCount};

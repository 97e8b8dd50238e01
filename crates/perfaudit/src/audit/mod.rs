//! The audit: configuration, the pipeline that drives the engines, KPI and regression
//! judgement, environment fingerprint. `commands/{audit,report,compare}.rs` call into here.

pub(crate) mod collect;
pub(crate) mod compare;
pub(crate) mod config;
pub(crate) mod env;
pub(crate) mod judge;
pub(crate) mod metrics;
pub(crate) mod pipeline;
pub(crate) mod profile;
pub(crate) mod service;
pub(crate) mod stages;

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the signal thread on Ctrl-C / SIGTERM / SIGHUP.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

pub(crate) fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// On SIGINT, SIGTERM or SIGHUP: stop the service's process group at once (so no orphan
/// survives), then exit with 128 + signal. History writes are single transactions, so an
/// interrupted audit leaves the history as it was.
pub(crate) fn install_signal_handlers(stop_grace: std::time::Duration) -> anyhow::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("perfaudit-signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                INTERRUPTED.store(true, Ordering::SeqCst);
                crate::output::stderr_line("perfaudit: interrupted; stopping the service");
                service::kill_registered(libc::SIGTERM, stop_grace);
                std::process::exit(128 + sig);
            }
        })?;
    Ok(())
}

/// Where `report` and `compare` find the history: `--history`, else the `[history] path` of
/// DIR/perfaudit.toml, else DIR/.perfaudit/history.db. Also the project name and regression
/// settings when there is a config.
pub(crate) fn locate_history(
    dir: Option<&std::path::Path>,
    history: Option<&std::path::Path>,
) -> anyhow::Result<(std::path::PathBuf, Option<config::Settings>)> {
    let dir = dir.unwrap_or_else(|| std::path::Path::new("."));
    let cfg_path = dir.join(config::FILE_NAME);
    let settings = if cfg_path.is_file() {
        Some(config::load(&cfg_path)?)
    } else {
        None
    };
    let path = match (history, &settings) {
        (Some(h), _) => h.to_path_buf(),
        (None, Some(s)) => s
            .history
            .clone()
            .unwrap_or_else(|| s.base_dir.join(perfaudit_history::DEFAULT_PATH)),
        (None, None) => dir.join(perfaudit_history::DEFAULT_PATH),
    };
    Ok((path, settings))
}

//! The audit: configuration, the pipeline that drives the engines, KPI and regression
//! judgement, environment fingerprint. `commands/{audit,report,compare}.rs` call into here.

pub mod collect;
pub mod compare;
pub mod config;
pub mod env;
pub mod judge;
pub mod metrics;
pub mod noise;
pub mod pipeline;
pub mod service;
pub mod stages;
pub mod units;

/// Where `report` and `compare` find the history: `--history`, else the `[history] path` of
/// DIR/perfaudit.toml, else DIR/.perfaudit/history.db. Also the project name and regression
/// settings when there is a config.
pub fn locate_history(
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

//! The list of stored runs (`perfaudit report --list`): one line per run of the history.

use crate::run::RunStatus;
use serde::{Deserialize, Serialize};

/// `perfaudit/history/v1`.
pub const SCHEMA_HISTORY: &str = "perfaudit/history/v1";

/// One stored run, as the history lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub id: i64,
    pub project: String,
    pub started_at: String,
    pub status: RunStatus,
    pub commit: Option<String>,
    pub baseline: bool,
}

/// The stored runs, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryList {
    pub schema: String,
    pub runs: Vec<RunSummary>,
}

impl HistoryList {
    pub fn new(runs: Vec<RunSummary>) -> Self {
        HistoryList {
            schema: SCHEMA_HISTORY.to_string(),
            runs,
        }
    }
}

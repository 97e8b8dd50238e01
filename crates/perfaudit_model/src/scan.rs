//! The `perfaudit/scan/v1` document: inventory, imports, findings. Owned by the scan stage.

use crate::Severity;
use serde::{Deserialize, Serialize};

/// One finding of a static rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule code, e.g. `PA503`.
    pub code: String,
    /// Rule name, e.g. `unused-import`.
    pub name: String,
    pub severity: Severity,
    /// Path relative to the scanned root, `/`-separated.
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
    /// What was found, naming the concrete thing.
    pub message: String,
    /// How to fix it.
    pub help: String,
    /// The bound name (PA503) or distribution name (PA504-PA506) the finding is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// 1-based end line/column of the flagged range, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_column: Option<u32>,
}

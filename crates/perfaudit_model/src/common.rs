//! Types shared by several kinds of documents.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How serious a finding or a breached threshold is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Error];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "warning" | "warn" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(format!(
                "unknown severity `{other}` (expected info, warning or error)"
            )),
        }
    }
}

/// The `schema` value of every JSON document perfaudit writes: `perfaudit/<kind>/v1`.
pub fn schema_id(kind: &str) -> String {
    format!("perfaudit/{kind}/v1")
}

pub const SCHEMA_SCAN: &str = "perfaudit/scan/v1";
pub const SCHEMA_LOAD: &str = "perfaudit/load/v1";
pub const SCHEMA_BENCH: &str = "perfaudit/bench/v1";
pub const SCHEMA_IMPORTS: &str = "perfaudit/imports/v1";
pub const SCHEMA_MONITOR: &str = "perfaudit/monitor/v1";
pub const SCHEMA_RUN: &str = "perfaudit/run/v1";
pub const SCHEMA_COMPARE: &str = "perfaudit/compare/v1";
pub const SCHEMA_PROFILE: &str = "perfaudit/profile/v1";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Info < Severity::Warning && Severity::Warning < Severity::Error);
        assert_eq!("WARN".parse::<Severity>().unwrap(), Severity::Warning);
        assert!("fatal".parse::<Severity>().is_err());
        assert_eq!(schema_id("scan"), SCHEMA_SCAN);
    }
}

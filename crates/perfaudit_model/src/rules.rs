//! The rule catalog (`perfaudit rule`): every rule's code, name, group and default severity,
//! and, when asked for, its doc. The scan engine's registry fills it; the renderers print it.

use crate::Severity;
use serde::{Deserialize, Serialize};

/// `perfaudit/rules/v1`.
pub const SCHEMA_RULES: &str = "perfaudit/rules/v1";

/// The rules selected by `perfaudit rule [CODE]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RulesDocument {
    pub schema: String,
    pub rules: Vec<RuleEntry>,
}

impl RulesDocument {
    pub fn new(rules: Vec<RuleEntry>) -> Self {
        RulesDocument {
            schema: SCHEMA_RULES.to_string(),
            rules,
        }
    }

    /// Whether the entries carry their docs (one rule explained, or `--all`).
    pub fn full(&self) -> bool {
        self.rules.iter().any(|r| r.doc.is_some())
    }
}

/// One rule of the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleEntry {
    pub code: String,
    pub name: String,
    /// The group's letter (`A` .. `E`).
    pub group: String,
    pub group_title: String,
    pub severity: Severity,
    /// Where the rule runs: `module` (one file at a time) or `project` (needs the index).
    pub stage: String,
    /// Runs only when selected by its code (or `ALL`), not by default nor by a prefix.
    pub opt_in: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opt_in_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<RuleDocText>,
}

impl RuleEntry {
    /// How the rule is enabled, for its full doc: by default, or only when selected (and why).
    pub fn enablement(&self) -> String {
        match &self.opt_in_reason {
            Some(why) => format!(
                "Opt-in: runs only when selected by its code (`--select {}`) or by `--select ALL`, \
not by default nor by a prefix, because {why}.",
                self.code
            ),
            None => "Enabled by default.".to_string(),
        }
    }
}

/// A rule's doc, in the sections `ruff rule` uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleDocText {
    pub what: String,
    pub why: String,
    pub example: String,
    pub use_instead: String,
    pub limits: String,
}

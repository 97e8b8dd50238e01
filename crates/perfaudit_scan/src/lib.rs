//! `perfaudit scan`: the static half of the audit.
//!
//! - `python`: the adapter over the pinned ruff parser (the only module that names it).
//! - `rules`: the rule engine (one traversal per module), codes table, one file per rule.

pub mod python;
pub mod rules;
pub mod semantic;

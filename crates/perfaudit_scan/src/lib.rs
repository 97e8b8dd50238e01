//! `perfaudit scan`: the static half of the audit.
//!
//! - `walk`: the parallel walk (the `ignore` crate) and the per-file inventory measures.
//! - `inventory`: languages by extension, name and shebang; lines; largest files.
//! - `python`: the adapter over the pinned ruff parser (the only module that names it).
//! - `imports`: the import index and module names; stdlib / third-party / first-party.
//! - `deps`: dependency manifests, distribution <-> import mapping, PA504-PA506.
//! - `rules`: the rule engine (one traversal per module), codes table, one file per rule.
//! - `pipeline`: `scan()`, tying them together with bounded memory.
//! - `config`, `settings`, `suppress`, `pathglob`: configuration and filtering.

pub mod config;
pub mod deps;
pub mod imports;
pub mod inventory;
pub mod pathglob;
pub mod pipeline;
pub mod python;
pub mod rules;
pub mod semantic;
pub mod settings;
pub mod suppress;
pub mod walk;

pub use pipeline::{
    analyze_source, analyze_standalone, scan, FileOutcome, ModuleContext, Progress,
};
pub use settings::{CliOverrides, ScanSettings};

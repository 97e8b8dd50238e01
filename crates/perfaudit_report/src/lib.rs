//! Renderers: one entry point per kind of document in [`render`], exhaustive over that kind's
//! formats ([`format`]); one module per output format, one file per kind of document inside
//! it, each writing to `impl Write`. Everything that came from scanned code or a server is
//! data and is escaped for the target format (`escape`).

pub mod csv;
pub mod escape;
pub mod format;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod openmetrics;
pub mod profile;
pub mod render;
pub mod sarif;
pub mod style;
pub mod text;
pub mod units;

pub use format::{DocumentFormat, Format};
pub use render::{
    BenchFormat, CompareFormat, HistoryFormat, ImportsFormat, LoadFormat, MonitorFormat,
    ProfileFormat, RulesFormat, RunFormat, ScanFormat,
};

#[cfg(test)]
mod snapshot_tests;

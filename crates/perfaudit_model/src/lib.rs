//! Types every perfaudit stage shares. No I/O lives here.
//!
//! JSON field names in this crate are a public contract (see DESIGN.md, "Output contract"):
//! rename nothing without bumping the document's `schema` version.
//!
//! One module per kind of document; the stage that produces the document owns its module.

pub mod bench;
pub mod common;
pub mod histogram;
pub mod history;
pub mod load;
pub mod monitor;
pub mod profile;
pub mod project;
pub mod rules;
pub mod run;
pub mod scan;
pub mod units;

pub use common::*;

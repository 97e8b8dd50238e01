//! CSV exports, one file per kind of document.

pub mod bench;
pub mod monitor;

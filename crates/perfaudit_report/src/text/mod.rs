//! text renderers, one file per kind of document.

pub mod bench;
pub mod history;
pub mod imports;
pub mod load;
pub mod monitor;
pub mod profile;
pub mod rules;
pub mod run;
pub mod scan;

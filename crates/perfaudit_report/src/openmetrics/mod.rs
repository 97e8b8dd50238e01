//! OpenMetrics text exposition, one file per kind of document.

pub mod load;
pub mod monitor;
pub mod run;

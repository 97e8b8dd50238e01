//! E. Start-up, inventory and dependencies. PA501 and PA503 run in the rule traversal; PA502
//! and PA504-PA506 are project-level checks of the scan pipeline, documented here so
//! `perfaudit rule` explains every code.

pub mod heavy_import;
pub mod pipeline_docs;
pub mod unused_import;

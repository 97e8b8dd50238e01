//! The audit: configuration, the pipeline that drives the engines, KPI and regression
//! judgement, environment fingerprint. `commands/{audit,report,compare}.rs` call into here.

pub mod config;
pub mod env;
pub mod judge;
pub mod metrics;
pub mod units;
pub mod service;

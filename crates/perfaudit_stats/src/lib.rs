//! Pure math for perfaudit. No I/O, no clocks: every function takes numbers and returns numbers,
//! so each is unit-tested against values from the literature.
//!
//! - `summary`: mean, standard deviation, median, quantiles, min/max.
//! - `outliers`: modified Z-score (Iglewicz and Hoaglin).
//! - `mann_whitney`: Mann-Whitney U test with tie correction (normal approximation).
//! - `exact`: the exact Mann-Whitney distribution for small samples; the smallest p-value a
//!   sample size can reach (the power bound behind "inconclusive").
//! - `blocks`: batch statistics — the independent units inside one run (Schmeiser;
//!   Heidelberger and Lewis).
//! - `trend`: Theil-Sen slope and Mann-Kendall trend test (leak detection).
//! - `regression`: relative change + significance on independent units -> regression verdict.

pub mod blocks;
pub mod exact;
pub mod mann_whitney;
pub mod outliers;
pub mod regression;
pub mod summary;
pub mod trend;

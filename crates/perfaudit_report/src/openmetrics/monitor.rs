//! OpenMetrics rendering of the monitor document.

//! OpenMetrics rendering of the run document.

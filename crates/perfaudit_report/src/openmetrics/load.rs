//! OpenMetrics rendering of the load document.

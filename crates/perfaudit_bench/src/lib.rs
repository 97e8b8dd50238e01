//! `perfaudit bench` and `perfaudit imports`: command timings, cold start, import profiles. Never prints.

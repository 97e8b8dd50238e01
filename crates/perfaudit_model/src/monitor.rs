//! Owned by the monitor stage (see DESIGN.md). Filled in by that stage's issue.

//! Owned by the bench stage (see DESIGN.md). Filled in by that stage's issue.

//! Owned by the load stage (see DESIGN.md). Filled in by that stage's issue.

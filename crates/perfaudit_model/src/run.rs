//! The whole audit run (RunRecord, Environment, KPIs, verdicts). Owned by the audit stage (see DESIGN.md). Filled in by that stage's issue.

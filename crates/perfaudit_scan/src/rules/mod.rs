//! The rule engine: a codes table, one file per rule under `rules/<group>/`, and one AST
//! traversal per module that dispatches every enabled rule. Filled in by the rules issue.

//! Rule docs as data: every rule file holds a `DOC`; the registry row of each rule points at it
//! (`codes::RuleMeta::doc`), for `perfaudit rule` and the README catalog.

/// The documentation of one rule, in the sections `perfaudit rule CODE` prints.
#[derive(Debug, Clone, Copy)]
pub struct RuleDoc {
    /// What it does.
    pub what: &'static str,
    /// Why is this bad?
    pub why: &'static str,
    /// Example (Python).
    pub example: &'static str,
    /// Use instead (Python).
    pub use_instead: &'static str,
    /// Known limits.
    pub limits: &'static str,
}

/// The doc of a rule code (case-insensitive).
pub fn doc(code: &str) -> Option<&'static RuleDoc> {
    super::codes::lookup(code).map(|r| r.doc)
}

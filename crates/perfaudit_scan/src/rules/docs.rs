//! Rule docs as data: every rule file holds a `DOC`; this table reaches them by code, for
//! `perfaudit rule` and the README catalog.

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

use super::{caching, database, event_loop, http, startup};

/// The doc of a rule code (case-sensitive, as in the codes table).
pub fn doc(code: &str) -> Option<&'static RuleDoc> {
    Some(match code {
        "PA101" => &event_loop::blocking_sleep::DOC,
        "PA102" => &event_loop::blocking_http::DOC,
        "PA103" => &event_loop::blocking_io::DOC,
        "PA104" => &event_loop::sync_db::DOC,
        "PA105" => &event_loop::sequential_await::DOC,
        "PA201" => &http::timeout::DOC,
        "PA202" => &http::client_per_call::DOC,
        "PA301" => &database::n_plus_one_sqlalchemy::DOC,
        "PA302" => &database::n_plus_one_django::DOC,
        "PA303" => &database::query_in_loop::DOC,
        "PA304" => &database::unpaginated_list_endpoint::DOC,
        "PA305" => &database::count_by_fetching::DOC,
        "PA306" => &database::select_star::DOC,
        "PA307" => &database::connection_per_request::DOC,
        "PA308" => &database::foreign_key_without_index::DOC,
        "PA309" => &database::filter_without_index::DOC,
        "PA310" => &database::blocking_index_migration::DOC,
        "PA401" => &caching::redis_keys::DOC,
        "PA402" => &caching::redis_roundtrip::DOC,
        "PA403" => &caching::unbounded_cache::DOC,
        "PA404" => &caching::module_state_growth::DOC,
        "PA501" => &startup::heavy_import::DOC,
        "PA502" => &startup::pipeline_docs::PA502,
        "PA503" => &startup::unused_import::DOC,
        "PA504" => &startup::pipeline_docs::PA504,
        "PA505" => &startup::pipeline_docs::PA505,
        "PA506" => &startup::pipeline_docs::PA506,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::codes::RULES;

    #[test]
    fn every_code_has_a_complete_doc() {
        for r in RULES {
            let d = doc(r.code).unwrap_or_else(|| panic!("{} has no doc", r.code));
            for (section, text) in [
                ("what", d.what),
                ("why", d.why),
                ("example", d.example),
                ("use_instead", d.use_instead),
                ("limits", d.limits),
            ] {
                assert!(text.len() > 10, "{} doc section {section} is empty", r.code);
            }
        }
    }
}

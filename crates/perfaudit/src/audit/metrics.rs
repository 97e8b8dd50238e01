//! The metric names a config can refer to, from the metric catalog
//! (`perfaudit_model::catalog`), with the dimension that decides how a KPI target is parsed.

use perfaudit_model::catalog::{self, Names, Scope};
use perfaudit_model::run::Better;
use perfaudit_model::units::Dim;

/// The dimension of a catalog unit.
pub(crate) fn dim_of(unit: &str) -> Dim {
    match unit {
        "ms" => Dim::Time,
        "bytes" => Dim::Bytes,
        "%" => Dim::Percent,
        "req/s" => Dim::Rate,
        _ => Dim::Count,
    }
}

/// Every metric name a config with these scenario, bench and import names can produce
/// (endpoint metrics are resolved by [`resolve`]: their names come from the scenarios).
pub(crate) fn catalog(
    scenarios: &[String],
    benches: &[String],
    modules: &[String],
) -> Vec<(String, Dim, Better)> {
    let names = Names {
        scenarios: scenarios.iter().map(|s| (s.as_str(), Vec::new())).collect(),
        benches: benches.iter().map(String::as_str).collect(),
        modules: modules.iter().map(String::as_str).collect(),
    };
    catalog::expand(&names)
        .into_iter()
        .map(|(n, d)| (n, dim_of(d.unit), d.better))
        .collect()
}

/// A metric name of this config: a catalog name, or `load.<scenario>.<endpoint>.<suffix>`
/// of a configured scenario.
pub(crate) fn metric_dim(
    name: &str,
    scenarios: &[String],
    benches: &[String],
    modules: &[String],
) -> Option<(Dim, Better)> {
    if let Some((_, d, b)) = catalog(scenarios, benches, modules)
        .into_iter()
        .find(|(n, _, _)| n == name)
    {
        return Some((d, b));
    }
    let known: Vec<&str> = scenarios.iter().map(String::as_str).collect();
    let d = catalog::find(name, Some(&known))?;
    (d.scope == Scope::Endpoint).then(|| (dim_of(d.unit), d.better))
}

/// The closest candidate within a small edit distance, for "did you mean".
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_kpis_of_configured_scenarios_resolve() {
        let s = vec!["list".to_string()];
        assert!(metric_dim("load.list.latency.p95", &s, &[], &[]).is_some());
        assert!(metric_dim("load.list.document.latency.p95", &s, &[], &[]).is_some());
        assert!(metric_dim("load.other.document.latency.p95", &s, &[], &[]).is_none());
        assert!(metric_dim("latency.p95", &s, &[], &[]).is_some());
        assert!(metric_dim("rss.max", &s, &[], &[]).map(|x| x.0) == Some(Dim::Bytes));
    }

    /// The README's metric table is the catalog's.
    #[test]
    fn readme_metric_table_is_the_catalog() {
        let readme = include_str!("../../../../README.md");
        let table = catalog::markdown_table();
        assert!(
            readme.contains(&table),
            "README.md's metric table differs from the catalog; paste this:\n{table}"
        );
    }
}

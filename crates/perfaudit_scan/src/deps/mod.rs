//! Dependencies: what the manifests declare against what the code imports.
//!
//! - PA504 undeclared-dependency: a third-party import no declared distribution provides.
//! - PA505 unused-dependency: a declared application dependency no module imports (minus the
//!   web allow-list: servers, DB drivers named in URLs, Django app strings, stubs).
//! - PA506 misplaced-dependency: a development dependency imported by application code; a
//!   standard-library module declared as a dependency.
//!
//! Nothing runs when the project has no manifest (there is nothing to compare against).

pub mod manifests;
pub mod mapping;

use crate::imports::{is_stdlib, ImportRecord};
use crate::rules::Rule;
use mapping::{covers, DistIndex};
use perfaudit_model::scan::{DeclaredDependency, DependencySummary, Finding};
use std::collections::{BTreeMap, HashMap, HashSet};

/// PEP 503 normalisation: lower-case, runs of `-`, `_`, `.` become one `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if c == '-' || c == '_' || c == '.' {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Distributions used without an import statement in a typical web service.
const ALWAYS_USED: &[&str] = &[
    "uvicorn",
    "gunicorn",
    "hypercorn",
    "daphne",
    "granian",
    "waitress",
    "uwsgi",
    "python-multipart",
    "uvloop",
    "httptools",
    "hiredis",
    "websockets",
    "watchfiles",
    "setuptools",
    "wheel",
    "pip",
    "tzdata",
];

/// Database drivers and the URL scheme words that select them (`postgresql+asyncpg://`,
/// bare `postgresql://` selects psycopg2 in SQLAlchemy and Django).
const DRIVERS: &[(&str, &[&str])] = &[
    (
        "psycopg2",
        &["psycopg2", "postgresql", "postgres", "postgis"],
    ),
    (
        "psycopg2-binary",
        &["psycopg2", "postgresql", "postgres", "postgis"],
    ),
    ("psycopg", &["psycopg", "postgresql", "postgres"]),
    ("psycopg-binary", &["psycopg", "postgresql", "postgres"]),
    ("asyncpg", &["asyncpg"]),
    ("pg8000", &["pg8000"]),
    ("pymysql", &["pymysql"]),
    ("mysqlclient", &["mysql", "mysqldb"]),
    ("aiomysql", &["aiomysql"]),
    ("asyncmy", &["asyncmy"]),
    ("mysql-connector-python", &["mysqlconnector"]),
    ("aiosqlite", &["aiosqlite"]),
    ("pyodbc", &["pyodbc", "mssql"]),
    ("cx-oracle", &["cx_oracle", "oracle"]),
    ("oracledb", &["oracledb", "oracle"]),
    ("clickhouse-driver", &["clickhouse", "native"]),
    ("redis", &["redis", "rediss"]),
    ("django-redis", &["redis"]),
    ("pymemcache", &["pymemcache"]),
];

/// A module's imports, kept for the dependency checks (third-party ones only).
#[derive(Debug, Clone)]
pub struct FileImports {
    pub rel: String,
    /// Test/dev code (tests, conftest, setup.py, docs): dev dependencies are fine here.
    pub dev_code: bool,
    pub records: Vec<ImportRecord>,
}

/// Test/dev code by path.
pub fn is_dev_code(rel: &str) -> bool {
    let file = rel.rsplit('/').next().unwrap_or(rel);
    if matches!(
        file,
        "conftest.py" | "setup.py" | "noxfile.py" | "tasks.py" | "fabfile.py" | "tests.py"
    ) || file.starts_with("test_")
        || file.ends_with("_test.py")
        || file.ends_with("_tests.py")
    {
        return true;
    }
    rel.split('/').rev().skip(1).any(|d| {
        matches!(
            d,
            "tests" | "test" | "testing" | "docs" | "doc" | "benchmarks" | "e2e" | "fixtures"
        )
    })
}

pub struct DepInput<'a> {
    pub manifests: &'a manifests::Manifests,
    pub index: &'a DistIndex,
    pub files: &'a [FileImports],
    /// Dotted strings naming modules (Django INSTALLED_APPS, MIDDLEWARE).
    pub string_modules: &'a HashSet<String>,
    pub url_schemes: &'a HashSet<String>,
    /// User allow-list: distributions never reported unused.
    pub allowed_unused: &'a [String],
    /// Top-level modules never reported undeclared.
    pub allowed_undeclared: &'a [String],
}

fn finding(
    rule: Rule,
    path: &str,
    line: u32,
    column: u32,
    message: String,
    help: String,
    dist: &str,
) -> Finding {
    let meta = rule.meta();
    Finding {
        code: meta.code.to_string(),
        name: meta.name.to_string(),
        severity: meta.severity,
        path: path.to_string(),
        line: line.max(1),
        column: column.max(1),
        message,
        help,
        symbol: Some(dist.to_string()),
        end_line: None,
        end_column: None,
    }
}

/// Compare declarations against imports. Returns findings for every code (the caller filters
/// by the enabled set) and the summary for the document.
pub fn check(input: &DepInput) -> (Vec<Finding>, DependencySummary) {
    let m = input.manifests;
    let mut summary = DependencySummary {
        manifests: m.files.clone(),
        mapping: if input.index.environment.is_some() {
            "environment".to_string()
        } else {
            "builtin".to_string()
        },
        environment: input
            .index
            .environment
            .as_ref()
            .map(|p| p.display().to_string()),
        declared: Vec::new(),
    };
    let mut findings = Vec::new();
    if m.files.is_empty() {
        return (findings, summary);
    }
    // One entry per normalised name; a name declared as main anywhere is main.
    let mut dists: BTreeMap<String, (bool, &manifests::Declared, Vec<String>)> = BTreeMap::new();
    for d in &m.declared {
        let e = dists
            .entry(d.normalized.clone())
            .or_insert_with(|| (d.dev, d, input.index.modules(&d.normalized)));
        if !d.dev && e.0 {
            e.0 = false;
            e.1 = d;
        }
    }
    for (dev, d, mods) in dists.values() {
        summary.declared.push(DeclaredDependency {
            name: d.name.clone(),
            dev: *dev,
            source: d.source.clone(),
            line: d.line,
            modules: mods.clone(),
        });
    }
    // Every declared dist covering `module`, and whether one of them is an application one.
    let providers = |module: &str| -> (Vec<&String>, bool) {
        let lower = module.to_ascii_lowercase();
        let mut hits = Vec::new();
        let mut main = false;
        for (norm, (dev, _, mods)) in &dists {
            if mods.iter().any(|p| covers(p, &lower)) {
                hits.push(norm);
                main |= !*dev;
            }
        }
        (hits, main)
    };
    // The same modules are imported over and over (`django.db` thousands of times): ask once.
    let mut known: HashMap<&str, (Vec<&String>, bool)> = HashMap::new();
    let allowed_undeclared: HashSet<String> = input
        .allowed_undeclared
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    // PA504 / PA506 (dev in app code), and which dists are used.
    let mut used: HashSet<&String> = HashSet::new();
    for f in input.files {
        for r in &f.records {
            let (hits, main) = known
                .entry(r.module.as_str())
                .or_insert_with(|| providers(&r.module));
            let main = *main;
            match hits.first() {
                Some(&first) => {
                    used.extend(hits.iter().copied());
                    if !main && !f.dev_code && !r.optional && !r.typing_only {
                        let d = dists[first].1;
                        findings.push(finding(
                            Rule::MisplacedDependency,
                            &f.rel,
                            r.line,
                            r.column,
                            format!(
                                "`{}` is imported by application code but `{}` is declared only as a development dependency ({}:{})",
                                r.module, d.name, d.source, d.line
                            ),
                            format!("move `{}` to the application dependencies", d.name),
                            &d.name,
                        ));
                    }
                }
                None => {
                    if r.optional || allowed_undeclared.contains(&r.top().to_ascii_lowercase()) {
                        continue;
                    }
                    let dist = input.index.guess_dist(&r.module);
                    findings.push(finding(
                        Rule::UndeclaredDependency,
                        &f.rel,
                        r.line,
                        r.column,
                        format!(
                            "`{}` is imported but no declared dependency provides it",
                            r.module
                        ),
                        format!(
                            "declare `{dist}` in {} (or map it in `dependency-map` if it comes from another distribution)",
                            m.files.first().map(|s| s.as_str()).unwrap_or("the manifest")
                        ),
                        &dist,
                    ));
                }
            }
        }
    }
    for s in input.string_modules {
        used.extend(providers(s).0);
    }
    let allowed: HashSet<String> = input.allowed_unused.iter().map(|s| normalize(s)).collect();
    for (norm, (dev, d, mods)) in &dists {
        // PA506: a standard-library module declared as a dependency.
        let as_module = norm.replace('-', "_");
        if is_stdlib(&as_module) && !mods.iter().any(|x| x.contains('.')) {
            findings.push(finding(
                Rule::MisplacedDependency,
                &d.source,
                d.line,
                1,
                format!(
                    "`{}` is declared as a dependency but `{as_module}` is in the standard library",
                    d.name
                ),
                format!("remove `{}` from {}", d.name, d.source),
                &d.name,
            ));
            continue;
        }
        if *dev || used.contains(norm) {
            continue;
        }
        if allowed.contains(norm)
            || ALWAYS_USED.contains(&norm.as_str())
            || norm.starts_with("types-")
            || norm.ends_with("-stubs")
        {
            continue;
        }
        if let Some((_, words)) = DRIVERS.iter().find(|(dn, _)| dn == norm) {
            if words.iter().any(|w| input.url_schemes.contains(*w)) {
                continue;
            }
        }
        findings.push(finding(
            Rule::UnusedDependency,
            &d.source,
            d.line,
            1,
            format!(
                "`{}` is declared but no module imports it (looked for: {})",
                d.name,
                mods.join(", ")
            ),
            format!(
                "remove `{}`, or list it in `allowed-unused-dependencies` if it is used without an import",
                d.name
            ),
            &d.name,
        ));
    }
    (findings, summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503() {
        assert_eq!(normalize("Foo.Bar__baz"), "foo-bar-baz");
        assert_eq!(normalize("PyYAML"), "pyyaml");
        assert_eq!(normalize("zope.interface"), "zope-interface");
    }

    #[test]
    fn dev_code_paths() {
        assert!(is_dev_code("tests/test_api.py"));
        assert!(is_dev_code("app/tests/x.py"));
        assert!(is_dev_code("conftest.py"));
        assert!(!is_dev_code("app/testing_utils.py"));
        assert!(!is_dev_code("app/views.py"));
    }
}

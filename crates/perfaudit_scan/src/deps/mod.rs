//! Dependencies: what the manifests declare against what the code imports.
//!
//! - PA504 undeclared-dependency: a third-party import no declared distribution provides.
//! - PA505 unused-dependency: a declared application dependency no module imports (minus the
//!   web allow-list: servers, DB drivers named in URLs, Django app strings, stubs).
//! - PA506 misplaced-dependency: a development dependency imported by application code; a
//!   standard-library module declared as a dependency.
//!
//! Nothing runs when the project has no manifest (there is nothing to compare against).
//!
//! The model: every project of the tree (see [`manifests`]) owns the modules below it; a
//! module's imports are looked up in the declarations of its project and of the projects
//! above it (a monorepo root's shared tools); first-party names come from the import roots
//! ([`layout`]); a declaration's [`manifests::Role`] says what production installs.

pub mod layout;
pub mod manifests;
pub mod mapping;

use crate::imports::{is_stdlib, ImportRecord};
use crate::rules::Rule;
use layout::Layout;
use manifests::{Declared, Role};
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

/// A module's imports, kept for the dependency checks (not standard library, not relative).
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
    let stem = file
        .strip_suffix(".py")
        .or_else(|| file.strip_suffix(".pyi"));
    // A file whose name is not an identifier cannot be imported: a script or a tool's hook
    // (`hook-mypkg.py` for PyInstaller), never application code.
    let importable = stem.is_some_and(|s| {
        let mut c = s.chars();
        c.next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && c.all(|c| c.is_alphanumeric() || c == '_')
    });
    if !importable
        || matches!(
            file,
            "conftest.py" | "setup.py" | "noxfile.py" | "tasks.py" | "fabfile.py" | "tests.py"
        )
        || file.starts_with("test_")
        || file.ends_with("_test.py")
        || file.ends_with("_tests.py")
    {
        return true;
    }
    rel.split('/').rev().skip(1).any(|d| {
        matches!(
            d,
            "tests"
                | "test"
                | "testing"
                | "docs"
                | "doc"
                | "benchmarks"
                | "e2e"
                | "fixtures"
                | "scripts"
                | "tools"
                | "examples"
                | "example"
                | "sandbox"
                | "demo"
                | "builder"
                | "packaging"
                | "release"
        ) || d.starts_with('.')
    })
}

/// A type-stub distribution (`types-requests`, `lxml-stubs`, `django-stubs`).
fn is_stub(norm: &str) -> bool {
    norm.starts_with("types-") || norm.ends_with("-stubs")
}

/// Modules that no distribution provides and that are not code to import: `_typeshed`
/// exists only in type stubs (under `TYPE_CHECKING`), `__main__` is the running script.
fn never_a_distribution(top: &str) -> bool {
    matches!(top, "_typeshed" | "__main__" | "__builtin__" | "builtins")
}

pub struct DepInput<'a> {
    pub manifests: &'a manifests::Manifests,
    pub index: &'a DistIndex,
    pub files: &'a [FileImports],
    /// Which names are first-party, per module.
    pub layout: &'a Layout,
    /// Dotted strings naming modules (Django INSTALLED_APPS, MIDDLEWARE, settings values).
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

/// Which role wins when a name is declared several times in one project: production beats
/// optional beats an installed pin beats development.
fn rank(r: Role) -> u8 {
    match r {
        Role::Main => 0,
        Role::Optional => 1,
        Role::Transitive => 2,
        Role::Dev => 3,
    }
}

/// One distinct declared distribution of a project.
struct Dist<'a> {
    role: Role,
    decl: &'a Declared,
    modules: Vec<String>,
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
    // Per project: one entry per normalised name, the strongest role wins.
    let projects = &m.projects;
    let mut dists: Vec<BTreeMap<String, Dist>> = Vec::with_capacity(projects.len());
    for p in projects {
        let mut t: BTreeMap<String, Dist> = BTreeMap::new();
        for d in &p.declared {
            match t.get_mut(&d.normalized) {
                Some(e) => {
                    if rank(d.role) < rank(e.role) {
                        e.role = d.role;
                        e.decl = d;
                    }
                }
                None => {
                    t.insert(
                        d.normalized.clone(),
                        Dist {
                            role: d.role,
                            decl: d,
                            modules: input.index.modules(&d.normalized),
                        },
                    );
                }
            }
        }
        dists.push(t);
    }
    for t in &dists {
        for d in t.values() {
            summary.declared.push(DeclaredDependency {
                name: d.decl.name.clone(),
                dev: d.role == Role::Dev,
                source: d.decl.source.clone(),
                line: d.decl.line,
                modules: d.modules.clone(),
            });
        }
    }
    // The projects whose declarations a module of project `i` may use: itself and the
    // projects above it.
    let chains: Vec<Vec<usize>> = (0..projects.len())
        .map(|i| {
            let mut chain = vec![i];
            let mut dir = projects[i].dir.as_str();
            while !dir.is_empty() {
                dir = dir.rsplit_once('/').map(|x| x.0).unwrap_or("");
                let up = manifests::owner_index(projects, dir);
                if !chain.contains(&up) {
                    chain.push(up);
                }
                if up == 0 {
                    break;
                }
            }
            if !chain.contains(&0) {
                chain.push(0);
            }
            chain
        })
        .collect();
    // Every declared dist of `chain` covering `module`, and whether one of them is installed
    // in production. Stub distributions (`types-*`, `*-stubs`) provide a module only to
    // type checkers: for a run-time import they provide nothing.
    let providers =
        |chain: &[usize], module: &str, runtime: bool| -> (Vec<(usize, String)>, bool) {
            let lower = module.to_ascii_lowercase();
            let mut hits = Vec::new();
            let mut main = false;
            for &pi in chain {
                for (norm, d) in &dists[pi] {
                    if runtime && is_stub(norm) {
                        continue;
                    }
                    if d.modules.iter().any(|p| covers(p, &lower)) {
                        hits.push((pi, norm.clone()));
                        main |= d.role != Role::Dev;
                    }
                }
            }
            (hits, main)
        };
    let all: Vec<usize> = (0..projects.len()).collect();
    // Is a top-level name provided by any declaration (for namespace directories)?
    let mut provided_memo: HashMap<String, bool> = HashMap::new();
    let mut provided = |top: &str| -> bool {
        if let Some(&v) = provided_memo.get(top) {
            return v;
        }
        let v = !providers(&all, top, false).0.is_empty();
        provided_memo.insert(top.to_string(), v);
        v
    };
    // The same modules are imported over and over (`django.db` thousands of times): ask once.
    type Providers = (Vec<(usize, String)>, bool);
    let mut known: HashMap<(usize, String, bool), Providers> = HashMap::new();
    let allowed_undeclared: HashSet<String> = input
        .allowed_undeclared
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let mut used: HashSet<String> = HashSet::new();
    let mut first_party_memo: HashMap<(String, String), bool> = HashMap::new();
    for f in input.files {
        let owner = manifests::owner_index(projects, &f.rel);
        let base = input.layout.basedir(&f.rel).to_string();
        for r in &f.records {
            let top = r.top();
            if is_stdlib(top) || never_a_distribution(top) {
                continue;
            }
            // First-party depends on the module's base directory only. A type checker's
            // path is configured (`mypy_path`, `extraPaths`): for a typing-only import any
            // module of the tree by that name is first-party.
            let key = (base.clone(), top.to_string());
            let fp = match first_party_memo.get(&key) {
                Some(&v) => v,
                None => {
                    let v = input.layout.is_first_party(&f.rel, top, &mut provided);
                    first_party_memo.insert(key, v);
                    v
                }
            } || (r.typing_only && input.layout.anywhere(top));
            if fp {
                continue;
            }
            let runtime = !r.typing_only;
            let (hits, main) = known
                .entry((owner, r.module.clone(), runtime))
                .or_insert_with(|| providers(&chains[owner], &r.module, runtime));
            let main = *main;
            match hits.first() {
                Some((pi, first)) => {
                    used.extend(hits.iter().map(|(_, n)| n.clone()));
                    if !main && !f.dev_code && !r.optional && !r.typing_only && !r.dev_guard {
                        let d = dists[*pi][first].decl;
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
                    if r.optional || allowed_undeclared.contains(&top.to_ascii_lowercase()) {
                        continue;
                    }
                    let dist = input.index.guess_dist(&r.module);
                    let manifest = projects[owner]
                        .files
                        .first()
                        .or(m.files.first())
                        .map(|s| s.as_str())
                        .unwrap_or("the manifest");
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
                            "declare `{dist}` in {manifest} (or map it in `dependency-map` if it comes from another distribution)"
                        ),
                        &dist,
                    ));
                }
            }
        }
    }
    // Settings strings: the modules they name are used, and their words select drivers
    // (`django.db.backends.postgresql`, `django.core.cache.backends.redis.RedisCache`).
    let mut words: HashSet<&str> = input.url_schemes.iter().map(|s| s.as_str()).collect();
    for s in input.string_modules {
        used.extend(providers(&all, s, false).0.into_iter().map(|(_, n)| n));
        for w in s.split('.') {
            words.insert(w);
        }
    }
    let allowed: HashSet<String> = input.allowed_unused.iter().map(|s| normalize(s)).collect();
    let first_party = input.layout.first_party_names();
    let own_names: HashSet<&str> = projects
        .iter()
        .filter_map(|p| p.own_name.as_deref())
        .collect();
    for t in &dists {
        for (norm, d) in t {
            let decl = d.decl;
            // PA506: a standard-library module declared as a dependency.
            let as_module = norm.replace('-', "_");
            if is_stdlib(&as_module)
                && !d.modules.iter().any(|x| x.contains('.') || x != &as_module)
                && d.role != Role::Transitive
            {
                findings.push(finding(
                    Rule::MisplacedDependency,
                    &decl.source,
                    decl.line,
                    1,
                    format!(
                        "`{}` is declared as a dependency but `{as_module}` is in the standard library",
                        decl.name
                    ),
                    format!("remove `{}` from {}", decl.name, decl.source),
                    &decl.name,
                ));
                continue;
            }
            if d.role != Role::Main || used.contains(norm) {
                continue;
            }
            if allowed.contains(norm)
                || ALWAYS_USED.contains(&norm.as_str())
                || is_stub(norm)
                || own_names.contains(norm.as_str())
            {
                continue;
            }
            // The project's own packages (workspace members, path dependencies).
            if !d.modules.is_empty()
                && d.modules.iter().all(|x| {
                    let top = x.split('.').next().unwrap_or(x);
                    first_party.contains(top)
                        || first_party.iter().any(|f| f.eq_ignore_ascii_case(top))
                })
            {
                continue;
            }
            if let Some((_, ws)) = DRIVERS.iter().find(|(dn, _)| dn == norm) {
                if ws.iter().any(|w| words.contains(*w)) {
                    continue;
                }
            }
            findings.push(finding(
                Rule::UnusedDependency,
                &decl.source,
                decl.line,
                1,
                format!(
                    "`{}` is declared but no module imports it (looked for: {})",
                    decl.name,
                    d.modules.join(", ")
                ),
                format!(
                    "remove `{}`, or list it in `allowed-unused-dependencies` if it is used without an import",
                    decl.name
                ),
                &decl.name,
            ));
        }
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

//! The rule engine: the rule registry (`codes`: one row per rule, the [`Rule`] enum and
//! [`RuleSet`]), one file per rule under `rules/<group>/`, and one AST traversal per module that
//! dispatches every enabled rule.
//!
//! The scan pipeline (walk, inventory, imports, dependencies, output) calls this module through
//! three entry points and nothing else:
//!
//! 1. [`collect_facts`] on modules that may define models or migrations (project-wide facts:
//!    SQLAlchemy/Django models, columns, foreign keys, relationships, indexes),
//! 2. [`ProjectIndex::from_facts`] once, to merge them,
//! 3. [`check_module`] on every parsed module, returning its findings.
//!
//! PA502 and PA504-PA506 are project-level checks made by the scan pipeline itself (registry
//! stage `Project`); they are in the registry like every other rule.

pub mod caching;
pub mod checker;
pub mod codes;
pub mod database;
pub mod docs;
pub mod event_loop;
pub mod http;
pub mod startup;

use crate::python::parser::{ParsedModule, Visitor};
use crate::semantic::models::ModelIndex;
use perfaudit_model::scan::Finding;
use std::collections::BTreeSet;

pub use codes::{Rule, RuleSet};

/// One Python module handed to the rules.
pub struct ModuleInput<'a> {
    /// Path relative to the scanned root, `/`-separated (goes into findings as is).
    pub rel_path: &'a str,
    /// Dotted module name when it can be derived from the path (`app.models`), else `None`.
    pub module_name: Option<&'a str>,
    pub source: &'a str,
    pub parsed: &'a ParsedModule,
}

/// Rule options resolved from the command line and configuration.
#[derive(Debug, Clone)]
pub struct RuleSettings {
    /// Rules that run (after `select`/`ignore` were applied).
    pub enabled: RuleSet,
    /// PA501: top-level module names considered heavy at import time.
    pub heavy_imports: Vec<String>,
    /// PA503: imports kept for their side effects (exact module or `pkg.*` prefix).
    pub allowed_unused_imports: Vec<String>,
    /// First-party top-level package names found in the scanned tree.
    pub first_party: BTreeSet<String>,
    /// PA308: the project runs on MySQL only (InnoDB indexes every foreign key); see
    /// [`database::mysql_only_project`].
    pub mysql_only: bool,
}

impl Default for RuleSettings {
    fn default() -> Self {
        RuleSettings {
            enabled: RuleSet::default_enabled(),
            heavy_imports: DEFAULT_HEAVY_IMPORTS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            allowed_unused_imports: Vec::new(),
            first_party: BTreeSet::new(),
            mysql_only: false,
        }
    }
}

impl RuleSettings {
    /// Settings with exactly these rules enabled (tests, benchmarks).
    pub fn only(rules: impl IntoIterator<Item = Rule>) -> Self {
        RuleSettings {
            enabled: rules.into_iter().collect(),
            ..RuleSettings::default()
        }
    }

    #[inline]
    pub fn is_enabled(&self, rule: Rule) -> bool {
        self.enabled.contains(rule)
    }

    /// Does any enabled rule need the checker's traversal (registry stage `Module`)? Not when
    /// only the inventory and dependency rules run (`--select PA502,PA504,PA505,PA506`).
    pub fn any_module_rule(&self) -> bool {
        const MODULE: RuleSet = RuleSet::module_rules();
        self.enabled.intersects(&MODULE)
    }

    /// Does any enabled rule ask the project index (models, relationships, indexes)? When not,
    /// the facts pass is skipped.
    pub fn needs_project_index(&self) -> bool {
        const INDEX: RuleSet = RuleSet::index_rules();
        self.enabled.intersects(&INDEX)
    }
}

/// PA501's default heavy list (RULES.md).
pub const DEFAULT_HEAVY_IMPORTS: &[&str] = &[
    "pandas",
    "numpy",
    "torch",
    "tensorflow",
    "sklearn",
    "scipy",
    "matplotlib",
    "cv2",
    "transformers",
    "spacy",
];

/// What one module contributes to the project-wide model index.
pub use crate::semantic::models::ModuleFacts;

/// The project-wide index built before rules run: every model, column, foreign key,
/// relationship and index of the scanned tree.
#[derive(Debug, Clone, Default)]
pub struct ProjectIndex {
    pub models: ModelIndex,
}

impl ProjectIndex {
    pub fn from_facts(facts: Vec<ModuleFacts>) -> Self {
        ProjectIndex {
            models: ModelIndex::from_facts(facts),
        }
    }
}

/// Cheap textual test: may this module contribute facts (models, migrations, DRF settings)?
/// Modules for which this is false need not be passed to [`collect_facts`].
pub fn may_have_facts(source: &str) -> bool {
    use aho_corasick::AhoCorasick;
    use std::sync::OnceLock;
    /// Index 0 vetoes: Django migrations mirror the models' `Meta.indexes`, and the models are
    /// the source of truth. The last one needs a look at what follows it.
    const NEEDLES: &[&str] = &[
        "migrations.Migration",
        // SQLAlchemy / SQLModel / Alembic
        "__tablename__",
        "Column(",
        "mapped_column",
        "relationship(",
        "Table(",
        "table=True",
        "create_index",
        "Index(",
        // DRF settings
        "DEFAULT_PAGINATION_CLASS",
        // Django models: `models.<X>Field(`, `models.ForeignKey(`, `models.Model`.
        "models.",
    ];
    static SEARCHER: OnceLock<AhoCorasick> = OnceLock::new();
    let searcher = SEARCHER.get_or_init(|| {
        AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(NEEDLES)
            .expect("fixed needles")
    });
    let b = source.as_bytes();
    let mut found = false;
    // One pass over the text for every needle.
    for m in searcher.find_iter(b) {
        match m.pattern().as_usize() {
            0 => return false,
            i if i == NEEDLES.len() - 1 => {
                if !found {
                    let rest = &b[m.end()..];
                    let ident_len = rest
                        .iter()
                        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                        .count();
                    let ident = &rest[..ident_len];
                    found =
                        ident.ends_with(b"Field") || ident == b"ForeignKey" || ident == b"Model";
                }
            }
            _ => found = true,
        }
    }
    found
}

/// Extract this module's contribution to the project index.
pub fn collect_facts(input: &ModuleInput) -> ModuleFacts {
    crate::semantic::models::collect(input.rel_path, input.source, input.parsed)
}

/// Run every enabled rule over one module (one traversal), returning its findings.
pub fn check_module(
    input: &ModuleInput,
    project: &ProjectIndex,
    settings: &RuleSettings,
) -> Vec<Finding> {
    let mut checker = checker::Checker::new(input, project, settings);
    checker.visit_body(input.parsed.body());
    checker.finish()
}

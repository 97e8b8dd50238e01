//! PA501 heavy-import-at-module-level.

use crate::python::parser::ast;
use crate::python::parser::{Ranged, TextRange};
use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::rules::Rule;
use crate::semantic::{BindingId, ScopeKind};

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds module-scope imports of heavy libraries (default list: pandas, numpy, torch, \
tensorflow, sklearn, scipy, matplotlib, cv2, transformers, spacy; configurable) in application \
modules, when the module does not use the name at module scope (only inside functions), and \
not under `if TYPE_CHECKING:`.",
    why: "These imports take from hundreds of milliseconds to several seconds and tens to \
hundreds of MB each. At module level they are paid by every process start (each worker, each \
autoscaled replica, each CLI command, each test run) even when no request needs them: slower \
deploys, cold starts and scale-out.",
    example: "import pandas as pd\n\ndef export(rows):\n    return pd.DataFrame(rows).to_csv()",
    use_instead: "def export(rows):\n    import pandas as pd  # paid only when an export runs\n    return pd.DataFrame(rows).to_csv()",
    limits: "Reachability from the app is approximated: tests, `conftest.py`, migrations, and \
`scripts/`, `docs/`, `examples/`, `notebooks/`, `benchmarks/` directories are skipped. Uses in \
annotations count as module-scope uses unless `from __future__ import annotations` is active.",
};

pub struct Candidate {
    binding: BindingId,
    range: TextRange,
    module: String,
}

const SKIP_DIRS: &[&str] = &[
    "scripts",
    "docs",
    "examples",
    "notebooks",
    "benchmarks",
    "benchmark",
    "migrations",
    "tests",
    "test",
];

pub(crate) fn on_import(checker: &mut Checker, qualified: &str, alias: &ast::Alias, id: BindingId) {
    if !checker.enabled(Rule::HeavyImportAtModuleLevel)
        || checker.is_test_module
        || checker.sem.scope().kind != ScopeKind::Module
        || checker.sem.type_checking_depth > 0
    {
        return;
    }
    let top = qualified.split('.').next().unwrap_or("");
    if !checker.settings.heavy_imports.iter().any(|h| h == top) {
        return;
    }
    if checker
        .input
        .rel_path
        .split('/')
        .any(|seg| SKIP_DIRS.contains(&seg))
    {
        return;
    }
    checker.state.heavy.push(Candidate {
        binding: id,
        range: alias.range(),
        module: top.to_string(),
    });
}

pub(crate) fn finish(checker: &mut Checker) {
    let cands = std::mem::take(&mut checker.state.heavy);
    for c in cands {
        let b = checker.sem.binding(c.binding);
        if b.used_at_import_time {
            continue;
        }
        let name = b.name;
        checker.report(
            Rule::HeavyImportAtModuleLevel,
            c.range,
            format!(
                "`{}` is imported at module level (as `{name}`) but only used inside functions: every process start pays for it",
                c.module
            ),
            format!("Import `{}` inside the functions that need it (or behind a lazy accessor)", c.module),
        );
    }
}

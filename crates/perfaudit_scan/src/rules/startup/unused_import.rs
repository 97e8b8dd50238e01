//! PA503 unused-import.

use crate::rules::checker::Checker;
use crate::rules::docs::RuleDoc;
use crate::semantic::BindingKind;

pub const DOC: RuleDoc = RuleDoc {
    what: "Finds imports whose bound name is never used, with ruff's F401 semantics: names \
listed in `__all__` (`=`, `+=`, `.extend(...)`, `.append(...)`, list/tuple concatenation) are \
exports; `import x as x` and `from y import x as x` are explicit re-exports; `from __future__` \
imports are never reported; uses inside `if TYPE_CHECKING:` code, annotations and string \
annotations (`\"Foo\"`, `Optional[\"Foo\"]`, `cast(\"Foo\", x)`) count; a name rebound before \
use shadows the import (only the live binding is checked, as ruff does), `del name` counts as \
a use, function bodies resolve names against the final module scope; `__init__.py` files are \
checked like any module (as ruff does today: the fix there is to re-export). Existing \
`# noqa` / `# noqa: F401` comments and file-level `# ruff: noqa`/`# flake8: noqa` are honoured, \
so a codebase already clean under ruff stays clean. Side-effect imports can be allow-listed \
(`allowed-unused-imports = [\"app.signals\", \"app.models.*\"]`).",
    why: "Every import runs the imported module at start-up (and pulls its dependencies into \
memory); an unused one is pure start-up time and RSS, and it hides real dependencies from \
readers and tools.",
    example: "import json\nfrom typing import TYPE_CHECKING, Any\n\ndef f(x):\n    return x",
    use_instead: "def f(x):\n    return x",
    limits: "Deliberate differences from ruff: none known in the checked corpora (see \
bench/pa503_vs_ruff.sh). Like ruff, conditional imports in `try/except ImportError` are \
reported when unused, `__getattr__`-based lazy exports are not understood, and names used \
only in `# type:` comments or docstrings do not count.",
};
use crate::rules::Rule;

/// Lines with a `# noqa` (bare or listing F401) and whether the whole file is exempt.
fn noqa(checker: &Checker) -> (bool, Vec<u32>) {
    let src = checker.input.source;
    let mut lines = Vec::new();
    let mut file = false;
    for r in checker.input.parsed.comments() {
        let start = u32::from(r.start()) as usize;
        let end = u32::from(r.end()) as usize;
        let Some(text) = src.get(start..end) else {
            continue;
        };
        let lower = text.to_ascii_lowercase();
        let body = lower.trim_start_matches('#').trim_start();
        for prefix in ["ruff: noqa", "flake8: noqa", "ruff:noqa", "flake8:noqa"] {
            if let Some(rest) = body.strip_prefix(prefix) {
                let rest = rest.trim();
                if rest.is_empty() || (rest.starts_with(':') && rest.contains("f401")) {
                    file = true;
                }
            }
        }
        // `# noqa`, `# noqa: F401,E501`, also after other text (`# type: ignore # noqa`)
        let mut from = 0;
        while let Some(pos) = lower[from..].find("noqa") {
            let at = from + pos;
            from = at + 4;
            let before = lower[..at].trim_end();
            if !before.ends_with('#') {
                continue;
            }
            let rest = &lower[at + 4..];
            let exempt = match rest.trim_start().strip_prefix(':') {
                Some(codes) => codes.contains("f401"),
                None => true,
            };
            if exempt {
                let line = checker.input.parsed.line_col(src, r.start()).0;
                lines.push(line);
            }
        }
    }
    (file, lines)
}

fn allowed(checker: &Checker, qualified: &str) -> bool {
    let q = qualified.trim_start_matches('.');
    checker.settings.allowed_unused_imports.iter().any(|a| {
        if let Some(prefix) = a.strip_suffix(".*") {
            q == prefix || q.starts_with(&format!("{prefix}."))
        } else {
            q == a
        }
    })
}

pub(crate) fn finish(checker: &mut Checker) {
    if !checker.enabled(Rule::UnusedImport) {
        return;
    }
    let (file_exempt, noqa_lines) = noqa(checker);
    if file_exempt {
        return;
    }
    let mut unused = Vec::new();
    for scope in &checker.sem.scopes {
        for (&name, &bid) in &scope.names {
            let b = checker.sem.binding(bid);
            let BindingKind::Import {
                qualified,
                redundant_alias,
                future,
                stmt_start,
                ..
            } = &b.kind
            else {
                continue;
            };
            if b.used || b.global || *future || *redundant_alias {
                continue;
            }
            unused.push((b.range, name, qualified.clone(), *stmt_start));
        }
    }
    unused.sort_by_key(|(r, _, _, _)| r.start());
    for (range, name, qualified, stmt_start) in unused {
        if allowed(checker, &qualified) {
            continue;
        }
        let line = checker.line_of(range.start());
        let stmt_line = checker.line_of(stmt_start);
        if noqa_lines.contains(&line) || noqa_lines.contains(&stmt_line) {
            continue;
        }
        let message = if checker.is_init_module {
            format!("`{qualified}` imported but unused; in `__init__.py` re-export it (`__all__` or `import x as x`) or remove it")
        } else {
            format!("`{qualified}` imported but unused")
        };
        checker.report_with(
            Rule::UnusedImport,
            range,
            message,
            format!("Remove the import of `{name}`; if it is imported for its side effects, add it to `allowed-unused-imports`"),
            None,
            Some(name.to_string()),
        );
    }
}

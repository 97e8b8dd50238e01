//! The import index: every `import`/`from ... import` of every module (at any depth), with
//! where it is, whether it is optional (`try: ... except ImportError`) or typing-only
//! (`if TYPE_CHECKING:`); module names from paths; stdlib / third-party / first-party.

use crate::python::parser::{ast, LineCursor, ParsedModule, Ranged};
use perfaudit_model::scan::{ImportKind, ImportSummary, ModuleCount};
use std::collections::{BTreeSet, HashMap, HashSet};

/// One imported module, as written (absolute: relative imports are resolved or dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    /// Full dotted module (`google.cloud.storage`; for `from a.b import c`, `a.b`).
    pub module: String,
    pub line: u32,
    pub column: u32,
    /// Inside `try:` whose handlers catch `ImportError`/`ModuleNotFoundError`/`Exception`.
    pub optional: bool,
    /// Inside `if TYPE_CHECKING:`.
    pub typing_only: bool,
    /// Was relative (`from . import x`): first-party by construction.
    pub relative: bool,
}

impl ImportRecord {
    pub fn top(&self) -> &str {
        self.module.split('.').next().unwrap_or(&self.module)
    }
}

/// Extract every import of a parsed module. `module_name` (dotted) resolves relative imports;
/// `is_package` says the module is an `__init__`.
pub fn extract(
    parsed: &ParsedModule,
    source: &str,
    module_name: Option<&str>,
    is_package: bool,
) -> (Vec<ImportRecord>, Vec<String>) {
    let mut x = Extractor {
        module_name,
        is_package,
        out: Vec::new(),
        string_modules: Vec::new(),
        lines: LineCursor::new(source),
    };
    x.suite(parsed.body(), false, false);
    (x.out, x.string_modules)
}

struct Extractor<'a> {
    module_name: Option<&'a str>,
    is_package: bool,
    out: Vec<ImportRecord>,
    /// Module paths named in Django's `INSTALLED_APPS`/`MIDDLEWARE` strings.
    string_modules: Vec<String>,
    /// Imports come in source order: locate them without a line index.
    lines: LineCursor<'a>,
}

fn is_type_checking(test: &ast::Expr) -> bool {
    match test {
        ast::Expr::Name(n) => n.id.as_str() == "TYPE_CHECKING",
        ast::Expr::Attribute(a) => a.attr.id.as_str() == "TYPE_CHECKING",
        ast::Expr::BoolOp(b) => b.values.iter().any(is_type_checking),
        _ => false,
    }
}

fn catches_import_error(handlers: &[ast::ExceptHandler]) -> bool {
    fn names_it(e: &ast::Expr) -> bool {
        match e {
            ast::Expr::Name(n) => matches!(
                n.id.as_str(),
                "ImportError" | "ModuleNotFoundError" | "Exception" | "BaseException"
            ),
            ast::Expr::Attribute(a) => matches!(
                a.attr.id.as_str(),
                "ImportError" | "ModuleNotFoundError" | "Exception"
            ),
            ast::Expr::Tuple(t) => t.elts.iter().any(names_it),
            _ => false,
        }
    }
    handlers.iter().any(|h| match h {
        ast::ExceptHandler::ExceptHandler(h) => h.type_.as_deref().is_none_or(names_it),
    })
}

impl Extractor<'_> {
    fn record(
        &mut self,
        module: String,
        range: crate::python::parser::TextRange,
        optional: bool,
        typing_only: bool,
        relative: bool,
    ) {
        let (line, column) = self.lines.line_col(range.start());
        self.out.push(ImportRecord {
            module,
            line,
            column,
            optional,
            typing_only,
            relative,
        });
    }

    fn suite(&mut self, body: &[ast::Stmt], optional: bool, typing: bool) {
        for stmt in body {
            self.stmt(stmt, optional, typing);
        }
    }

    fn stmt(&mut self, stmt: &ast::Stmt, optional: bool, typing: bool) {
        match stmt {
            ast::Stmt::Import(imp) => {
                for alias in &imp.names {
                    self.record(
                        alias.name.id.to_string(),
                        alias.range(),
                        optional,
                        typing,
                        false,
                    );
                }
            }
            ast::Stmt::ImportFrom(imp) => {
                let written = imp.module.as_ref().map(|m| m.id.as_str()).unwrap_or("");
                if imp.level == 0 {
                    self.record(written.to_string(), imp.range(), optional, typing, false);
                } else if let Some(resolved) = self.resolve_relative(imp.level, written) {
                    self.record(resolved, imp.range(), optional, typing, true);
                }
            }
            ast::Stmt::If(s) => {
                let tc = typing || is_type_checking(&s.test);
                self.suite(&s.body, optional, tc);
                for clause in &s.elif_else_clauses {
                    self.suite(&clause.body, optional, typing);
                }
            }
            ast::Stmt::Try(s) => {
                let opt = optional || catches_import_error(&s.handlers);
                self.suite(&s.body, opt, typing);
                for h in &s.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    // A fallback import in the handler is optional as well.
                    self.suite(&h.body, opt, typing);
                }
                self.suite(&s.orelse, optional, typing);
                self.suite(&s.finalbody, optional, typing);
            }
            ast::Stmt::For(s) => {
                self.suite(&s.body, optional, typing);
                self.suite(&s.orelse, optional, typing);
            }
            ast::Stmt::While(s) => {
                self.suite(&s.body, optional, typing);
                self.suite(&s.orelse, optional, typing);
            }
            ast::Stmt::With(s) => self.suite(&s.body, optional, typing),
            ast::Stmt::FunctionDef(s) => self.suite(&s.body, optional, typing),
            ast::Stmt::ClassDef(s) => self.suite(&s.body, optional, typing),
            ast::Stmt::Match(s) => {
                for case in &s.cases {
                    self.suite(&case.body, optional, typing);
                }
            }
            ast::Stmt::Assign(s) => {
                for t in &s.targets {
                    self.settings_strings(t, &s.value);
                }
            }
            ast::Stmt::AugAssign(s) => self.settings_strings(&s.target, &s.value),
            ast::Stmt::AnnAssign(s) => {
                if let Some(v) = &s.value {
                    self.settings_strings(&s.target, v);
                }
            }
            _ => {}
        }
    }

    /// `INSTALLED_APPS = [...]` / `MIDDLEWARE = (...)`: the dotted strings name modules that
    /// Django imports for the project.
    fn settings_strings(&mut self, target: &ast::Expr, value: &ast::Expr) {
        let ast::Expr::Name(n) = target else {
            return;
        };
        if !matches!(
            n.id.as_str(),
            "INSTALLED_APPS"
                | "MIDDLEWARE"
                | "MIDDLEWARE_CLASSES"
                | "THIRD_PARTY_APPS"
                | "DJANGO_APPS"
                | "SHARED_APPS"
                | "TENANT_APPS"
                | "AUTHENTICATION_BACKENDS"
        ) {
            return;
        }
        let elts: &[ast::Expr] = match value {
            ast::Expr::List(l) => &l.elts,
            ast::Expr::Tuple(t) => &t.elts,
            ast::Expr::BinOp(b) => {
                self.settings_strings(target, &b.left);
                self.settings_strings(target, &b.right);
                return;
            }
            _ => return,
        };
        for e in elts {
            if let ast::Expr::StringLiteral(s) = e {
                let v = s.value.to_str();
                if !v.is_empty() && !v.contains(char::is_whitespace) {
                    self.string_modules.push(v.to_string());
                }
            }
        }
    }

    fn resolve_relative(&self, level: u32, written: &str) -> Option<String> {
        let name = self.module_name?;
        let mut parts: Vec<&str> = name.split('.').collect();
        // The package a module lives in: itself for `__init__`, else its parent.
        if !self.is_package {
            parts.pop();
        }
        for _ in 1..level {
            parts.pop()?;
        }
        if parts.is_empty() {
            return None;
        }
        let mut out = parts.join(".");
        if !written.is_empty() {
            out.push('.');
            out.push_str(written);
        }
        Some(out)
    }
}

/// Dotted module names from relative paths: a file's package chain goes up while directories
/// hold an `__init__.py`; directories above it are source roots.
pub struct ModuleNamer {
    package_dirs: HashSet<String>,
}

impl ModuleNamer {
    pub fn new<'a>(python_rel_paths: impl Iterator<Item = &'a str>) -> Self {
        let mut package_dirs = HashSet::new();
        for p in python_rel_paths {
            if let Some(dir) = p
                .strip_suffix("/__init__.py")
                .or_else(|| p.strip_suffix("/__init__.pyi"))
            {
                package_dirs.insert(dir.to_string());
            } else if p == "__init__.py" || p == "__init__.pyi" {
                package_dirs.insert(String::new());
            }
        }
        ModuleNamer { package_dirs }
    }

    /// `(dotted name, is_package, namespace dirs above the package root)`.
    pub fn name(&self, rel: &str) -> Option<(String, bool, Vec<String>)> {
        let (dir, file) = match rel.rfind('/') {
            Some(i) => (&rel[..i], &rel[i + 1..]),
            None => ("", rel),
        };
        let stem = file
            .strip_suffix(".pyi")
            .or_else(|| file.strip_suffix(".py"))?;
        let is_package = stem == "__init__";
        let mut parts: Vec<&str> = Vec::new();
        if !is_package {
            parts.push(stem);
        }
        let mut d = dir;
        loop {
            if d.is_empty() || !self.package_dirs.contains(d) {
                break;
            }
            match d.rfind('/') {
                Some(i) => {
                    parts.push(&d[i + 1..]);
                    d = &d[..i];
                }
                None => {
                    parts.push(d);
                    d = "";
                }
            }
        }
        if parts.is_empty() {
            return None;
        }
        parts.reverse();
        if !parts.iter().all(|p| is_identifier(p)) {
            return None;
        }
        let namespace: Vec<String> = if d.is_empty() {
            Vec::new()
        } else {
            d.split('/')
                .filter(|c| is_identifier(c))
                .map(|c| c.to_string())
                .collect()
        };
        Some((parts.join("."), is_package, namespace))
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// Is `module` (top-level) in the standard library of any supported Python (3.8-3.14)?
pub fn is_stdlib(top: &str) -> bool {
    top == "__future__"
        || (8..=14).any(|minor| ruff_python_stdlib::sys::is_known_standard_library(minor, top))
}

pub struct Classifier<'a> {
    pub first_party: &'a BTreeSet<String>,
}

impl Classifier<'_> {
    pub fn classify(&self, top: &str) -> ImportKind {
        if is_stdlib(top) {
            ImportKind::Stdlib
        } else if self.first_party.contains(top) {
            ImportKind::FirstParty
        } else {
            ImportKind::ThirdParty
        }
    }
}

/// Accumulates the import index across modules.
#[derive(Default)]
pub struct ImportIndex {
    total: u64,
    /// top-level -> (statements, files)
    counts: HashMap<String, (u64, u64)>,
}

impl ImportIndex {
    pub fn add_module(&mut self, records: &[ImportRecord]) {
        let mut tops: Vec<&str> = records.iter().map(|r| r.top()).collect();
        self.total += tops.len() as u64;
        tops.sort_unstable();
        for same in tops.chunk_by(|a, b| a == b) {
            let n = same.len() as u64;
            match self.counts.get_mut(same[0]) {
                Some(e) => {
                    e.0 += n;
                    e.1 += 1;
                }
                None => {
                    self.counts.insert(same[0].to_string(), (n, 1));
                }
            }
        }
    }

    pub fn merge(&mut self, other: ImportIndex) {
        self.total += other.total;
        for (k, (c, f)) in other.counts {
            let e = self.counts.entry(k).or_insert((0, 0));
            e.0 += c;
            e.1 += f;
        }
    }

    pub fn modules(&self) -> impl Iterator<Item = &str> {
        self.counts.keys().map(|s| s.as_str())
    }

    pub fn summary(&self, classifier: &Classifier, top_n: usize) -> ImportSummary {
        let mut s = ImportSummary {
            total: self.total,
            unique: self.counts.len() as u64,
            ..Default::default()
        };
        let mut all: Vec<ModuleCount> = self
            .counts
            .iter()
            .map(|(m, &(count, files))| ModuleCount {
                module: m.clone(),
                kind: classifier.classify(m),
                count,
                files,
            })
            .collect();
        for m in &all {
            match m.kind {
                ImportKind::Stdlib => s.stdlib += 1,
                ImportKind::ThirdParty => {
                    s.third_party += 1;
                    s.third_party_modules.push(m.module.clone());
                }
                ImportKind::FirstParty => s.first_party += 1,
            }
        }
        s.third_party_modules.sort();
        all.sort_by(|a, b| b.count.cmp(&a.count).then(a.module.cmp(&b.module)));
        all.truncate(top_n);
        s.most_common = all;
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::parser::parse_module;

    fn imports(src: &str, name: Option<&str>, pkg: bool) -> Vec<ImportRecord> {
        let p = parse_module(src).unwrap();
        extract(&p, src, name, pkg).0
    }

    #[test]
    fn extracts_with_context() {
        let src = "import os, a.b as c\nfrom x.y import z\ntry:\n    import ujson\nexcept ImportError:\n    import json\nif TYPE_CHECKING:\n    from typing_mod import T\ndef f():\n    import inner\nfrom . import sib\nfrom ..up import thing\n";
        let r = imports(src, Some("pkg.sub.mod"), false);
        let mods: Vec<&str> = r.iter().map(|r| r.module.as_str()).collect();
        assert_eq!(
            mods,
            [
                "os",
                "a.b",
                "x.y",
                "ujson",
                "json",
                "typing_mod",
                "inner",
                "pkg.sub",
                "pkg.up"
            ]
        );
        assert!(r[3].optional && r[4].optional && !r[0].optional);
        assert!(r[5].typing_only);
        assert!(r[7].relative);
        assert_eq!((r[2].line, r[2].column), (2, 1));
    }

    #[test]
    fn installed_apps_strings() {
        let src = "INSTALLED_APPS = ['django.contrib.admin', 'corsheaders'] + ['x.apps.XConfig']\n";
        let p = parse_module(src).unwrap();
        let (_, strs) = extract(&p, src, None, false);
        assert_eq!(
            strs,
            ["django.contrib.admin", "corsheaders", "x.apps.XConfig"]
        );
    }

    #[test]
    fn module_names() {
        let files = [
            "app/__init__.py",
            "app/models.py",
            "app/sub/__init__.py",
            "app/sub/x.py",
            "scripts/run.py",
            "src/ns/__init__.py",
            "src/ns/m.py",
            "manage.py",
        ];
        let n = ModuleNamer::new(files.iter().copied());
        assert_eq!(n.name("app/models.py").unwrap().0, "app.models");
        assert_eq!(
            n.name("app/sub/__init__.py").unwrap(),
            ("app.sub".to_string(), true, vec![])
        );
        assert_eq!(
            n.name("scripts/run.py").unwrap(),
            ("run".to_string(), false, vec!["scripts".to_string()])
        );
        assert_eq!(
            n.name("src/ns/m.py").unwrap(),
            ("ns.m".to_string(), false, vec!["src".to_string()])
        );
        assert_eq!(n.name("manage.py").unwrap().0, "manage");
        assert!(n.name("my-dir/x-y.py").is_none());
    }

    #[test]
    fn stdlib() {
        assert!(is_stdlib("os") && is_stdlib("asyncio") && is_stdlib("distutils"));
        assert!(!is_stdlib("requests"));
    }
}

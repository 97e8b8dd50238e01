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
    /// Inside an `if` about debugging or tests (`if DEBUG:`, `if settings.DEBUG_TOOLBAR:`,
    /// `if running_tests:`): development-time code.
    pub dev_guard: bool,
}

impl ImportRecord {
    pub fn top(&self) -> &str {
        self.module.split('.').next().unwrap_or(&self.module)
    }
}

/// What one module tells the import index and the dependency model.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Extracted {
    pub records: Vec<ImportRecord>,
    /// Module paths named in strings: Django's `INSTALLED_APPS`/`MIDDLEWARE` entries, and in a
    /// settings module every dotted string of an upper-case setting (`"django_redis.cache.
    /// RedisCache"`, `"pythonjsonlogger.jsonlogger.JsonFormatter"`).
    pub string_modules: Vec<String>,
    /// Directories this module adds to `sys.path` (`sys.path.insert(0, ...)`, `append`,
    /// `site.addsitedir`).
    pub sys_path: Vec<SysPathEntry>,
}

/// A directory added to `sys.path`, as far as it can be read from the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SysPathEntry {
    /// Levels above the module's own directory when the path is built from `__file__`
    /// (`os.path.dirname(__file__)` is 0, `Path(__file__).parent.parent` is 1); `None` when
    /// the base is a variable (`BASE_DIR`): then every ancestor directory is a candidate.
    pub ups: Option<u32>,
    /// The literal path parts joined with `/` (`"apps"`, `"../src"`), possibly empty.
    pub tail: String,
}

/// Extract every import of a parsed module. `module_name` (dotted) resolves relative imports;
/// `is_package` says the module is an `__init__`.
pub fn extract(
    parsed: &ParsedModule,
    source: &str,
    module_name: Option<&str>,
    is_package: bool,
) -> Extracted {
    let mut x = Extractor {
        module_name,
        is_package,
        out: Vec::new(),
        string_modules: Vec::new(),
        setting_strings: Vec::new(),
        is_settings: module_name.is_some_and(|m| m.split('.').any(|p| p.contains("settings"))),
        sys_path: Vec::new(),
        lines: LineCursor::new(source),
        depth: 0,
        dev_guard: 0,
    };
    x.suite(parsed.body(), false, false);
    let mut string_modules = x.string_modules;
    if x.is_settings {
        string_modules.extend(x.setting_strings);
    }
    Extracted {
        records: x.out,
        string_modules,
        sys_path: x.sys_path,
    }
}

struct Extractor<'a> {
    module_name: Option<&'a str>,
    is_package: bool,
    out: Vec<ImportRecord>,
    /// Module paths named in Django's `INSTALLED_APPS`/`MIDDLEWARE` strings.
    string_modules: Vec<String>,
    /// Dotted strings of upper-case module-level settings (kept if this is a settings module).
    setting_strings: Vec<String>,
    is_settings: bool,
    sys_path: Vec<SysPathEntry>,
    /// Imports come in source order: locate them without a line index.
    lines: LineCursor<'a>,
    /// Function/class nesting (settings are module-level).
    depth: u32,
    /// Inside this many `if` blocks about debugging or tests.
    dev_guard: u32,
}

/// Does an `if` test name debugging or tests (`DEBUG`, `settings.DEBUG_TOOLBAR`,
/// `running_tests`, `"test" in sys.argv`)?
fn is_dev_guard(test: &ast::Expr) -> bool {
    fn word(s: &str) -> bool {
        let l = s.to_ascii_lowercase();
        l.contains("debug")
            || l.split('_')
                .any(|p| matches!(p, "test" | "tests" | "testing"))
    }
    fn walk(e: &ast::Expr, depth: u32) -> bool {
        if depth > 8 {
            return false;
        }
        match e {
            ast::Expr::Name(n) => word(n.id.as_str()),
            ast::Expr::Attribute(a) => word(a.attr.id.as_str()),
            ast::Expr::StringLiteral(s) => matches!(s.value.to_str(), "test" | "tests"),
            ast::Expr::BoolOp(b) => b.values.iter().any(|v| walk(v, depth + 1)),
            ast::Expr::UnaryOp(u) => walk(&u.operand, depth + 1),
            ast::Expr::Compare(c) => walk(&c.left, depth + 1),
            _ => false,
        }
    }
    walk(test, 0)
}

/// `a.b.C`: two or more identifier parts (a module path, maybe ending in a class).
fn dotted_module_path(s: &str) -> bool {
    s.len() < 200
        && s.contains('.')
        && s.split('.').all(|p| {
            let mut c = p.chars();
            c.next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// Dotted strings anywhere in a settings value (lists, tuples, dicts, calls), bounded depth.
fn collect_dotted(e: &ast::Expr, out: &mut Vec<String>, depth: u32) {
    if depth > 12 {
        return;
    }
    match e {
        ast::Expr::StringLiteral(s) => {
            let v = s.value.to_str();
            if dotted_module_path(v) {
                out.push(v.to_string());
            }
        }
        ast::Expr::List(l) => l
            .elts
            .iter()
            .for_each(|x| collect_dotted(x, out, depth + 1)),
        ast::Expr::Tuple(t) => t
            .elts
            .iter()
            .for_each(|x| collect_dotted(x, out, depth + 1)),
        ast::Expr::Set(t) => t
            .elts
            .iter()
            .for_each(|x| collect_dotted(x, out, depth + 1)),
        ast::Expr::Dict(d) => {
            for item in &d.items {
                if let Some(k) = &item.key {
                    collect_dotted(k, out, depth + 1);
                }
                collect_dotted(&item.value, out, depth + 1);
            }
        }
        ast::Expr::BinOp(b) => {
            collect_dotted(&b.left, out, depth + 1);
            collect_dotted(&b.right, out, depth + 1);
        }
        ast::Expr::Call(c) => {
            c.arguments
                .args
                .iter()
                .for_each(|x| collect_dotted(x, out, depth + 1));
            c.arguments
                .keywords
                .iter()
                .for_each(|k| collect_dotted(&k.value, out, depth + 1));
        }
        ast::Expr::If(i) => {
            collect_dotted(&i.body, out, depth + 1);
            collect_dotted(&i.orelse, out, depth + 1);
        }
        _ => {}
    }
}

/// Read a path expression added to `sys.path`: how many levels above `__file__`'s directory,
/// and the literal parts.
fn sys_path_expr(e: &ast::Expr) -> Option<SysPathEntry> {
    // Returns (ups from __file__ or None for an unknown base, literal parts).
    fn walk(e: &ast::Expr, depth: u32) -> Option<(Option<i64>, Vec<String>)> {
        if depth > 16 {
            return None;
        }
        match e {
            ast::Expr::StringLiteral(s) => Some((None, vec![s.value.to_str().to_string()])),
            ast::Expr::Name(n) if n.id.as_str() == "__file__" => Some((Some(-1), Vec::new())),
            ast::Expr::Name(_) => Some((None, Vec::new())),
            ast::Expr::Attribute(a) => {
                let (ups, parts) = walk(&a.value, depth + 1)?;
                match a.attr.id.as_str() {
                    "parent" => Some((ups.map(|u| u + 1), parts)),
                    _ => Some((ups, parts)),
                }
            }
            ast::Expr::Call(c) => {
                let fname = match &*c.func {
                    ast::Expr::Attribute(a) => a.attr.id.as_str(),
                    ast::Expr::Name(n) => n.id.as_str(),
                    _ => "",
                };
                match fname {
                    "dirname" => {
                        let (ups, parts) = walk(c.arguments.args.first()?, depth + 1)?;
                        Some((ups.map(|u| u + 1), parts))
                    }
                    "join" | "Path" | "PurePath" | "abspath" | "realpath" | "normpath"
                    | "resolve" | "absolute" | "str" | "fspath" | "joinpath" => {
                        let mut base: Option<i64> = None;
                        let mut parts = Vec::new();
                        if let ast::Expr::Attribute(a) = &*c.func {
                            if matches!(fname, "resolve" | "absolute" | "joinpath") {
                                let (u, p) = walk(&a.value, depth + 1)?;
                                base = u;
                                parts = p;
                            }
                        }
                        for (i, arg) in c.arguments.args.iter().enumerate() {
                            let (u, p) = walk(arg, depth + 1)?;
                            if i == 0 && base.is_none() {
                                base = u;
                            }
                            parts.extend(p);
                        }
                        Some((base, parts))
                    }
                    _ => None,
                }
            }
            ast::Expr::BinOp(b) if matches!(b.op, ast::Operator::Div) => {
                let (u, mut p) = walk(&b.left, depth + 1)?;
                let (_, q) = walk(&b.right, depth + 1)?;
                p.extend(q);
                Some((u, p))
            }
            _ => None,
        }
    }
    let (ups, parts) = walk(e, 0)?;
    let tail = parts
        .iter()
        .map(|p| p.trim_matches('/'))
        .filter(|p| !p.is_empty() && *p != ".")
        .collect::<Vec<_>>()
        .join("/");
    let ups = ups.map(|u| u.max(0) as u32);
    if ups.is_none() && tail.is_empty() {
        return None;
    }
    Some(SysPathEntry { ups, tail })
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
            dev_guard: self.dev_guard > 0,
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
                let guard = is_dev_guard(&s.test);
                self.dev_guard += guard as u32;
                self.suite(&s.body, optional, tc);
                self.dev_guard -= guard as u32;
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
            ast::Stmt::FunctionDef(s) => {
                self.depth += 1;
                self.suite(&s.body, optional, typing);
                self.depth -= 1;
            }
            ast::Stmt::ClassDef(s) => {
                self.depth += 1;
                self.suite(&s.body, optional, typing);
                self.depth -= 1;
            }
            ast::Stmt::Expr(e) => self.sys_path_call(&e.value),
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

    /// `sys.path.insert(i, P)`, `sys.path.append(P)`, `site.addsitedir(P)`.
    fn sys_path_call(&mut self, e: &ast::Expr) {
        let ast::Expr::Call(c) = e else {
            return;
        };
        let ast::Expr::Attribute(f) = &*c.func else {
            return;
        };
        let arg = match f.attr.id.as_str() {
            "insert" | "append" => {
                let ast::Expr::Attribute(sp) = &*f.value else {
                    return;
                };
                let is_sys_path = sp.attr.id.as_str() == "path"
                    && matches!(&*sp.value, ast::Expr::Name(n) if n.id.as_str() == "sys");
                if !is_sys_path {
                    return;
                }
                if f.attr.id.as_str() == "insert" {
                    c.arguments.args.get(1)
                } else {
                    c.arguments.args.first()
                }
            }
            "addsitedir" => c.arguments.args.first(),
            _ => return,
        };
        if let Some(entry) = arg.and_then(sys_path_expr) {
            if self.sys_path.len() < 64 {
                self.sys_path.push(entry);
            }
        }
    }

    /// `INSTALLED_APPS = [...]` / `MIDDLEWARE = (...)`: the dotted strings name modules that
    /// Django imports for the project. In a settings module, dotted strings of every
    /// upper-case setting are kept too.
    fn settings_strings(&mut self, target: &ast::Expr, value: &ast::Expr) {
        let ast::Expr::Name(n) = target else {
            return;
        };
        let name = n.id.as_str();
        if self.depth == 0
            && name.len() > 1
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        {
            if matches!(
                name,
                "INSTALLED_APPS" | "MIDDLEWARE" | "ROOT_URLCONF" | "WSGI_APPLICATION"
            ) {
                self.is_settings = true;
            }
            if self.setting_strings.len() < 4096 {
                collect_dotted(value, &mut self.setting_strings, 0);
            }
        }
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
        extract(&p, src, name, pkg).records
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
        let strs = extract(&p, src, None, false).string_modules;
        assert!(strs.contains(&"corsheaders".to_string()));
        assert!(strs.contains(&"x.apps.XConfig".to_string()));
    }

    #[test]
    fn settings_module_strings_and_sys_path() {
        let src = "import os, sys\nfrom pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\nsys.path.insert(0, os.path.join(BASE_DIR, 'apps'))\nsys.path.append(os.path.dirname(os.path.dirname(__file__)))\nsys.path.insert(0, str(Path(__file__).parent / 'src'))\nCACHES = {'default': {'BACKEND': 'django_redis.cache.RedisCache', 'LOCATION': 'redis://x'}}\nLOGGING = {'formatters': {'j': {'()': 'pythonjsonlogger.jsonlogger.JsonFormatter'}}}\nMIDDLEWARE = []\ndef f():\n    X = 'not.a.setting'\n";
        let p = parse_module(src).unwrap();
        let x = extract(&p, src, Some("proj.conf"), false);
        assert!(x
            .string_modules
            .contains(&"django_redis.cache.RedisCache".to_string()));
        assert!(x
            .string_modules
            .contains(&"pythonjsonlogger.jsonlogger.JsonFormatter".to_string()));
        assert!(!x.string_modules.contains(&"not.a.setting".to_string()));
        assert_eq!(
            x.sys_path,
            [
                SysPathEntry {
                    ups: None,
                    tail: "apps".into()
                },
                SysPathEntry {
                    ups: Some(1),
                    tail: String::new()
                },
                SysPathEntry {
                    ups: Some(0),
                    tail: "src".into()
                },
            ]
        );
        // Not a settings module: upper-case strings are not module names.
        let src2 = "X = {'a': 'b.c'}\n";
        let p2 = parse_module(src2).unwrap();
        assert!(extract(&p2, src2, Some("app.consts"), false)
            .string_modules
            .is_empty());
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

//! Dependency manifests: requirements*.txt (with `-r` includes), pyproject.toml (PEP 621,
//! PEP 735 dependency groups, Poetry, uv/PDM dev dependencies), setup.cfg, setup.py (literal
//! lists only). Every declaration keeps its manifest and line.

use super::normalize;
use crate::python::parser::{ast, parse_module, Ranged};
use perfaudit_model::scan::{Diagnostic, DiagnosticKind};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// One declared dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// As written (`PyYAML`).
    pub name: String,
    /// PEP 503 normalised (`pyyaml`).
    pub normalized: String,
    pub dev: bool,
    /// Manifest path relative to the root.
    pub source: String,
    pub line: u32,
}

#[derive(Debug, Default)]
pub struct Manifests {
    pub files: Vec<String>,
    pub declared: Vec<Declared>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Names that make a requirements file, extra or group a development one.
fn dev_like(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "dev", "test", "lint", "doc", "ci", "typing", "mypy", "qa", "check", "style", "format",
        "bench", "debug", "local",
    ]
    .iter()
    .any(|w| {
        n.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|part| part == *w || part.starts_with(w) && *w != "ci" && *w != "qa")
    })
}

/// The PEP 508 distribution name at the start of a requirement string.
pub fn requirement_name(req: &str) -> Option<&str> {
    let s = req.trim_start();
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(s.len());
    let name = s[..end].trim_end_matches(['.', '-', '_']);
    if name.is_empty() || !name.as_bytes()[0].is_ascii_alphanumeric() {
        None
    } else {
        Some(name)
    }
}

fn egg_name(url: &str) -> Option<&str> {
    let frag = url.split_once("#egg=")?.1;
    requirement_name(frag.split('&').next().unwrap_or(frag))
}

/// Find the manifests of the project at `root` and read them.
pub fn read_all(root: &Path) -> Manifests {
    let mut m = Manifests::default();
    let mut req_files: Vec<PathBuf> = Vec::new();
    if let Ok(rd) = std::fs::read_dir(root) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.ends_with(".txt") && name.contains("requirements") {
                req_files.push(e.path());
            }
        }
    }
    for dir in ["requirements", "requirements.d", "reqs"] {
        if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
            for e in rd.flatten() {
                let p = e.path();
                if matches!(
                    p.extension().and_then(|x| x.to_str()),
                    Some("txt") | Some("in")
                ) {
                    req_files.push(p);
                }
            }
        }
    }
    req_files.sort();
    let mut seen = HashSet::new();
    for f in &req_files {
        read_requirements(root, f, false, &mut seen, &mut m, 0);
    }
    let pyproject = root.join("pyproject.toml");
    if pyproject.is_file() {
        read_pyproject(root, &pyproject, &mut m);
    }
    let setup_cfg = root.join("setup.cfg");
    if setup_cfg.is_file() {
        read_setup_cfg(root, &setup_cfg, &mut m);
    }
    let setup_py = root.join("setup.py");
    if setup_py.is_file() {
        read_setup_py(root, &setup_py, &mut m);
    }
    m.files.sort();
    m.files.dedup();
    m
}

fn rel(root: &Path, p: &Path) -> String {
    crate::walk::relative(root, p)
}

fn read_text(root: &Path, path: &Path, m: &mut Manifests) -> Option<String> {
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(s) => Some(s),
            Err(_) => {
                m.diagnostics.push(Diagnostic::new(
                    rel(root, path),
                    DiagnosticKind::NotUtf8,
                    "manifest is not valid UTF-8; its dependencies were not read",
                ));
                None
            }
        },
        Err(e) => {
            m.diagnostics.push(Diagnostic::new(
                rel(root, path),
                DiagnosticKind::Unreadable,
                format!("cannot read manifest: {e}"),
            ));
            None
        }
    }
}

fn push(m: &mut Manifests, name: &str, dev: bool, source: &str, line: u32) {
    m.declared.push(Declared {
        name: name.to_string(),
        normalized: normalize(name),
        dev,
        source: source.to_string(),
        line,
    });
}

fn read_requirements(
    root: &Path,
    path: &Path,
    dev_parent: bool,
    seen: &mut HashSet<PathBuf>,
    m: &mut Manifests,
    depth: usize,
) {
    let canon = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if depth > 16 || !seen.insert(canon) {
        return;
    }
    let source = rel(root, path);
    let stem = path
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let dev = dev_parent || dev_like(&stem.replace("requirements", ""));
    let Some(text) = read_text(root, path, m) else {
        return;
    };
    m.files.push(source.clone());
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        let lineno = i as u32 + 1;
        // Join continuation lines.
        let mut line = raw.to_string();
        while line.trim_end().ends_with('\\') {
            let t = line.trim_end();
            line = t[..t.len() - 1].to_string();
            match lines.next() {
                Some((_, next)) => line.push_str(next),
                None => break,
            }
        }
        let no_comment = match line.find(" #").or_else(|| line.find("\t#")) {
            Some(i) => &line[..i],
            None if line.trim_start().starts_with('#') => "",
            None => line.as_str(),
        };
        let t = no_comment.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(rest) = t
            .strip_prefix("-r")
            .or_else(|| t.strip_prefix("--requirement"))
        {
            let inc = rest.trim_start_matches('=').trim();
            if !inc.is_empty() {
                let inc_path = path.parent().unwrap_or(root).join(inc);
                if inc_path.is_file() {
                    read_requirements(root, &inc_path, dev, seen, m, depth + 1);
                } else {
                    m.diagnostics.push(
                        Diagnostic::new(
                            source.clone(),
                            DiagnosticKind::BadManifest,
                            format!("included requirements file `{inc}` not found"),
                        )
                        .at(lineno, 1),
                    );
                }
            }
            continue;
        }
        if let Some(rest) = t
            .strip_prefix("-e")
            .or_else(|| t.strip_prefix("--editable"))
        {
            if let Some(name) = egg_name(rest.trim()) {
                push(m, name, dev, &source, lineno);
            }
            continue;
        }
        if t.starts_with('-') {
            // -c constraints, --index-url, --hash, ... declare nothing.
            continue;
        }
        if t.contains("://") && !t.contains(" @ ") && !t.contains("@ ") {
            if let Some(name) = egg_name(t) {
                push(m, name, dev, &source, lineno);
            }
            continue;
        }
        if t.starts_with('.') || t.starts_with('/') {
            continue;
        }
        if let Some(name) = requirement_name(t) {
            push(m, name, dev, &source, lineno);
        }
    }
}

/// 1-based line of the first line containing `needle` (after line `from`), else `fallback`.
fn find_line(text: &str, needle: &str, fallback: u32) -> u32 {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i as u32 + 1)
        .unwrap_or(fallback)
}

/// Line of a TOML key `name = ...` (bare or quoted) inside the section whose header line
/// contains `section`.
fn find_key_line(text: &str, section: &str, key: &str) -> u32 {
    let mut in_section = false;
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        if t.starts_with('[') {
            in_section = t.trim_matches(['[', ']']).trim() == section;
            continue;
        }
        if in_section {
            let k = t
                .split('=')
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches(['"', '\'']);
            if k.eq_ignore_ascii_case(key) {
                return i as u32 + 1;
            }
        }
    }
    find_line(text, key, 1)
}

fn read_pyproject(root: &Path, path: &Path, m: &mut Manifests) {
    let source = rel(root, path);
    let Some(text) = read_text(root, path, m) else {
        return;
    };
    let doc: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            m.diagnostics.push(Diagnostic::new(
                source,
                DiagnosticKind::BadManifest,
                format!("invalid TOML: {}", e.message()),
            ));
            return;
        }
    };
    let before = m.declared.len();
    let pep508 = |m: &mut Manifests, v: &toml::Value, dev: bool| {
        if let Some(arr) = v.as_array() {
            for item in arr {
                if let Some(s) = item.as_str() {
                    if let Some(name) = requirement_name(s) {
                        let line = find_line(&text, &format!("\"{s}\""), 0);
                        let line = if line == 0 {
                            find_line(&text, &format!("'{s}'"), 1)
                        } else {
                            line
                        };
                        push(m, name, dev, &source, line);
                    }
                }
            }
        }
    };
    if let Some(project) = doc.get("project").and_then(|p| p.as_table()) {
        if let Some(deps) = project.get("dependencies") {
            pep508(m, deps, false);
        }
        if let Some(opt) = project
            .get("optional-dependencies")
            .and_then(|o| o.as_table())
        {
            for (extra, deps) in opt {
                pep508(m, deps, dev_like(extra));
            }
        }
    }
    if let Some(groups) = doc.get("dependency-groups").and_then(|g| g.as_table()) {
        for deps in groups.values() {
            pep508(m, deps, true);
        }
    }
    let tool = doc.get("tool").and_then(|t| t.as_table());
    if let Some(uv) = tool.and_then(|t| t.get("uv")).and_then(|t| t.as_table()) {
        if let Some(d) = uv.get("dev-dependencies") {
            pep508(m, d, true);
        }
    }
    if let Some(pdm) = tool.and_then(|t| t.get("pdm")).and_then(|t| t.as_table()) {
        if let Some(groups) = pdm.get("dev-dependencies").and_then(|g| g.as_table()) {
            for deps in groups.values() {
                pep508(m, deps, true);
            }
        }
    }
    if let Some(poetry) = tool
        .and_then(|t| t.get("poetry"))
        .and_then(|t| t.as_table())
    {
        let keys = |m: &mut Manifests, table: Option<&toml::Value>, section: &str, dev: bool| {
            if let Some(t) = table.and_then(|t| t.as_table()) {
                for key in t.keys() {
                    if key.eq_ignore_ascii_case("python") {
                        continue;
                    }
                    let line = find_key_line(&text, section, key);
                    push(m, key, dev, &source, line);
                }
            }
        };
        keys(
            m,
            poetry.get("dependencies"),
            "tool.poetry.dependencies",
            false,
        );
        keys(
            m,
            poetry.get("dev-dependencies"),
            "tool.poetry.dev-dependencies",
            true,
        );
        if let Some(groups) = poetry.get("group").and_then(|g| g.as_table()) {
            for (g, body) in groups {
                let section = format!("tool.poetry.group.{g}.dependencies");
                keys(m, body.get("dependencies"), &section, g != "main");
            }
        }
    }
    if m.declared.len() > before
        || doc.contains_key("project")
        || tool.is_some_and(|t| t.contains_key("poetry"))
    {
        m.files.push(source);
    }
}

fn read_setup_cfg(root: &Path, path: &Path, m: &mut Manifests) {
    let source = rel(root, path);
    let Some(text) = read_text(root, path, m) else {
        return;
    };
    let before = m.declared.len();
    let mut section = String::new();
    // (key, dev) of the multi-line value being read.
    let mut current: Option<bool> = None;
    for (i, raw) in text.lines().enumerate() {
        let lineno = i as u32 + 1;
        let t = raw.trim();
        if t.starts_with('[') && t.ends_with(']') {
            section = t[1..t.len() - 1].trim().to_string();
            current = None;
            continue;
        }
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        let indented = raw.starts_with(' ') || raw.starts_with('\t');
        let value: &str;
        if !indented {
            current = None;
            let Some((k, v)) = t.split_once('=') else {
                continue;
            };
            let k = k.trim();
            let dev = match (section.as_str(), k) {
                ("options", "install_requires") => Some(false),
                ("options", "tests_require") | ("options", "setup_requires") => Some(true),
                ("options.extras_require", extra) => Some(dev_like(extra)),
                _ => None,
            };
            let Some(dev) = dev else {
                continue;
            };
            if section == "options" && k == "setup_requires" {
                continue;
            }
            current = Some(dev);
            value = v;
        } else {
            value = t;
        }
        let Some(dev) = current else {
            continue;
        };
        for part in value.split(';').next().into_iter() {
            let part = part.split(" #").next().unwrap_or("").trim();
            if let Some(name) = requirement_name(part) {
                push(m, name, dev, &source, lineno);
            }
        }
    }
    if m.declared.len() > before {
        m.files.push(source);
    }
}

fn read_setup_py(root: &Path, path: &Path, m: &mut Manifests) {
    let source = rel(root, path);
    let Some(text) = read_text(root, path, m) else {
        return;
    };
    let Ok(parsed) = parse_module(&text) else {
        // The syntax error is reported by the Python pass like any module's.
        return;
    };
    let before = m.declared.len();
    // Module-level `NAME = [literal strings]`.
    let mut lists: Vec<(&str, &ast::Expr)> = Vec::new();
    for stmt in parsed.body() {
        if let ast::Stmt::Assign(a) = stmt {
            if let [ast::Expr::Name(n)] = a.targets.as_slice() {
                lists.push((n.id.as_str(), &a.value));
            }
        }
    }
    fn resolve<'a>(lists: &[(&str, &'a ast::Expr)], e: &'a ast::Expr) -> Option<&'a ast::Expr> {
        if let ast::Expr::Name(n) = e {
            lists
                .iter()
                .rev()
                .find(|(k, _)| *k == n.id.as_str())
                .map(|(_, v)| *v)
        } else {
            Some(e)
        }
    }
    let strings = |m: &mut Manifests, e: &ast::Expr, dev: bool| {
        let Some(e) = resolve(&lists, e) else {
            return;
        };
        let elts: &[ast::Expr] = match e {
            ast::Expr::List(l) => &l.elts,
            ast::Expr::Tuple(t) => &t.elts,
            _ => return,
        };
        for el in elts {
            if let ast::Expr::StringLiteral(s) = el {
                if let Some(name) = requirement_name(s.value.to_str()) {
                    let (line, _) = parsed.line_col(&text, s.range().start());
                    push(m, name, dev, &source, line);
                }
            }
        }
    };
    let mut calls: Vec<&ast::ExprCall> = Vec::new();
    for stmt in parsed.body() {
        let expr = match stmt {
            ast::Stmt::Expr(e) => &*e.value,
            ast::Stmt::If(i) => {
                for s in &i.body {
                    if let ast::Stmt::Expr(e) = s {
                        if let ast::Expr::Call(c) = &*e.value {
                            calls.push(c);
                        }
                    }
                }
                continue;
            }
            _ => continue,
        };
        if let ast::Expr::Call(c) = expr {
            calls.push(c);
        }
    }
    for call in calls {
        let is_setup = match &*call.func {
            ast::Expr::Name(n) => n.id.as_str() == "setup",
            ast::Expr::Attribute(a) => a.attr.id.as_str() == "setup",
            _ => false,
        };
        if !is_setup {
            continue;
        }
        for kw in &call.arguments.keywords {
            let Some(arg) = &kw.arg else { continue };
            match arg.id.as_str() {
                "install_requires" => strings(m, &kw.value, false),
                "tests_require" => strings(m, &kw.value, true),
                "extras_require" => {
                    if let Some(ast::Expr::Dict(d)) = resolve(&lists, &kw.value) {
                        for item in &d.items {
                            let dev = match &item.key {
                                Some(ast::Expr::StringLiteral(k)) => dev_like(k.value.to_str()),
                                _ => false,
                            };
                            strings(m, &item.value, dev);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    if m.declared.len() > before {
        m.files.push(source);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(requirement_name("Django>=4.2"), Some("Django"));
        assert_eq!(requirement_name("uvicorn[standard]==0.30"), Some("uvicorn"));
        assert_eq!(requirement_name("foo @ https://x/y.whl"), Some("foo"));
        assert_eq!(
            requirement_name("zope.interface ; python_version>'3'"),
            Some("zope.interface")
        );
        assert_eq!(requirement_name("  "), None);
        assert_eq!(
            egg_name("git+https://g/x.git#egg=my_pkg&subdirectory=a"),
            Some("my_pkg")
        );
        assert!(dev_like("requirements-dev") && dev_like("test") && dev_like("docs"));
        assert!(!dev_like("postgres") && !dev_like("server") && !dev_like("cid"));
    }
}

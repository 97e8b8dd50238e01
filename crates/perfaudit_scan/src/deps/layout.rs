//! Which top-level names are first-party: what is importable from the project's import roots,
//! not any folder of the same name.
//!
//! A name is first-party for a module when it is an entry (a `.py` module, a package with an
//! `__init__.py`, or a namespace directory) of
//! - the module's own base directory, the first directory above it that is not a package:
//!   Python puts a script's directory first on `sys.path`, and pytest's default `rootdir`
//!   insertion does the same for test modules (`conftest`, `tests/base_test_class`);
//! - an import root: every project directory, its `src/`, the roots its metadata declares
//!   (`package-dir`, `packages.find.where`, Poetry `from`, pytest `pythonpath`), and the
//!   directories code adds to `sys.path` (`manage.py`, `wsgi.py`, `conftest.py`, settings);
//! - or it is the top of a package chain somewhere in the tree (a package whose parent
//!   directory is not one: importable when that directory is the working directory).
//!
//! A namespace directory (no `__init__.py`) and a package-chain top are first-party only when
//! no declared distribution provides the same name: a regular package found later on
//! `sys.path` wins over a namespace portion, and a nested `docker/` or `pydantic/` folder
//! must not hide the real distribution.

use crate::imports::SysPathEntry;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Default)]
pub struct Layout {
    /// Directory (relative, `""` the root) -> entry name -> is a regular module/package.
    entries: HashMap<String, HashMap<String, bool>>,
    /// Directories holding an `__init__.py`.
    packages: HashSet<String>,
    /// Import roots (directories, relative).
    roots: Vec<String>,
    /// Tops of package chains (a package whose parent directory is not a package).
    chain_tops: HashSet<String>,
    /// Names configured as first-party (`first-party = [...]`).
    extra: HashSet<String>,
}

fn parent(dir: &str) -> Option<&str> {
    if dir.is_empty() {
        None
    } else {
        Some(dir.rsplit_once('/').map(|x| x.0).unwrap_or(""))
    }
}

fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && c.all(|c| c.is_alphanumeric() || c == '_')
}

/// Normalise a relative path with `..` and `.` components; `None` if it leaves the tree.
fn normalize_rel(path: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            c => out.push(c),
        }
    }
    Some(out.join("/"))
}

impl Layout {
    /// From the tree's Python files (relative paths).
    pub fn new<'a>(python: impl Iterator<Item = &'a str>, extra: &[String]) -> Self {
        let mut l = Layout {
            extra: extra.iter().cloned().collect(),
            ..Default::default()
        };
        let files: Vec<&str> = python.collect();
        for f in &files {
            if let Some(dir) = f
                .strip_suffix("/__init__.py")
                .or_else(|| f.strip_suffix("/__init__.pyi"))
            {
                l.packages.insert(dir.to_string());
            }
        }
        for f in &files {
            let (dir, file) = match f.rsplit_once('/') {
                Some((d, n)) => (d, n),
                None => ("", *f),
            };
            let stem = file
                .strip_suffix(".pyi")
                .or_else(|| file.strip_suffix(".py"))
                .unwrap_or(file);
            if stem != "__init__" && is_identifier(stem) {
                l.entries
                    .entry(dir.to_string())
                    .or_default()
                    .insert(stem.to_string(), true);
            }
            // Every ancestor directory has the next component as an entry.
            let mut child = dir;
            while let Some(up) = parent(child) {
                let name = child.rsplit('/').next().unwrap_or(child);
                if is_identifier(name) {
                    let regular = l.packages.contains(child);
                    let e = l.entries.entry(up.to_string()).or_default();
                    let v = e.entry(name.to_string()).or_insert(regular);
                    *v |= regular;
                }
                child = up;
            }
        }
        for p in &l.packages {
            let up = parent(p).unwrap_or("");
            if !l.packages.contains(up) {
                let name = p.rsplit('/').next().unwrap_or(p);
                l.chain_tops.insert(name.to_string());
            }
        }
        l
    }

    /// Add an import root (relative directory; ignored when it is not in the tree).
    pub fn add_root(&mut self, dir: &str) {
        let Some(d) = normalize_rel(dir) else {
            return;
        };
        if (d.is_empty() || self.entries.contains_key(&d)) && !self.roots.contains(&d) {
            self.roots.push(d);
        }
    }

    /// Add what a module at `rel` puts on `sys.path`.
    pub fn add_sys_path(&mut self, rel: &str, e: &SysPathEntry) {
        let dir = parent(rel).unwrap_or("");
        match e.ups {
            Some(ups) => {
                let mut base = dir.to_string();
                for _ in 0..ups {
                    base.push_str("/..");
                }
                self.add_root(&format!("{base}/{}", e.tail));
            }
            None => {
                // An unknown base (`BASE_DIR`): every ancestor directory that has the tail.
                let mut d = Some(dir);
                while let Some(cur) = d {
                    self.add_root(&format!("{cur}/{}", e.tail));
                    d = parent(cur);
                }
            }
        }
    }

    /// The first directory at or above `rel`'s directory that is not a package.
    pub fn basedir<'a>(&self, rel: &'a str) -> &'a str {
        let mut d = parent(rel).unwrap_or("");
        while self.packages.contains(d) {
            match parent(d) {
                Some(up) => d = up,
                None => break,
            }
        }
        d
    }

    /// Is `top` first-party for the module at `rel`? `provided` says whether a declared
    /// distribution provides the name.
    pub fn is_first_party(
        &self,
        rel: &str,
        top: &str,
        mut provided: impl FnMut(&str) -> bool,
    ) -> bool {
        if self.extra.contains(top) {
            return true;
        }
        let entry = |dir: &str| self.entries.get(dir).and_then(|e| e.get(top)).copied();
        let mut namespace = false;
        match entry(self.basedir(rel)) {
            Some(true) => return true,
            Some(false) => namespace = true,
            None => {}
        }
        for r in &self.roots {
            match entry(r) {
                Some(true) => return true,
                Some(false) => namespace = true,
                None => {}
            }
        }
        (namespace || self.chain_tops.contains(top)) && !provided(top)
    }

    /// Is `top` a module or package anywhere in the tree?
    pub fn anywhere(&self, top: &str) -> bool {
        self.entries.values().any(|e| e.contains_key(top))
    }

    /// Every name first-party somewhere (for the import summary): the roots' entries, the
    /// package-chain tops and the configured names.
    pub fn first_party_names(&self) -> std::collections::BTreeSet<String> {
        let mut out: std::collections::BTreeSet<String> = self.extra.iter().cloned().collect();
        out.extend(self.chain_tops.iter().cloned());
        for r in &self.roots {
            if let Some(e) = self.entries.get(r) {
                out.extend(e.keys().cloned());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(files: &[&str]) -> Layout {
        let mut l = Layout::new(files.iter().copied(), &[]);
        l.add_root("");
        l
    }

    #[test]
    fn nested_folders_do_not_hide_distributions() {
        let l = layout(&[
            "app/__init__.py",
            "app/schemas/pydantic/models.py",
            "app/docker/__init__.py",
            "docker/build.py",
        ]);
        let declared = |n: &str| n == "pydantic" || n == "docker";
        assert!(!l.is_first_party("app/views.py", "pydantic", declared));
        // `docker/` at the root is a namespace directory: the declared distribution wins.
        assert!(!l.is_first_party("app/views.py", "docker", declared));
        assert!(l.is_first_party("app/views.py", "app", declared));
        // Not declared: the namespace directory is what `import docker` finds.
        assert!(l.is_first_party("app/views.py", "docker", |_| false));
    }

    #[test]
    fn test_modules_and_sys_path_roots() {
        let mut l = layout(&[
            "manage.py",
            "apps/__init__.py",
            "apps/shop/__init__.py",
            "apps/shop/views.py",
            "tests/conftest.py",
            "tests/base_test_class.py",
            "tests/test_x.py",
        ]);
        // `apps/` is a package: `shop` is not importable until manage.py adds apps/ to sys.path.
        assert!(!l.is_first_party("apps/shop/views.py", "shop", |n| n == "shop"));
        l.add_sys_path(
            "manage.py",
            &SysPathEntry {
                ups: None,
                tail: "apps".into(),
            },
        );
        assert!(l.is_first_party("apps/shop/views.py", "shop", |n| n == "shop"));
        assert!(l.is_first_party("tests/test_x.py", "base_test_class", |_| false));
        assert!(l.is_first_party("tests/test_x.py", "conftest", |_| false));
        assert!(!l.is_first_party("apps/shop/views.py", "base_test_class", |_| false));
        assert_eq!(l.basedir("apps/shop/views.py"), "");
        assert_eq!(normalize_rel("a/../../x"), None);
    }
}

//! Dependency manifests: requirements*.txt / *.in (with `-r` includes and pip-compile lock
//! files), pyproject.toml (PEP 621 with extras, PEP 735 dependency groups, Poetry groups,
//! uv/PDM dev dependencies), setup.cfg, setup.py (literal lists only). Every declaration keeps
//! its manifest, line and role.
//!
//! A tree may hold several projects (a monorepo): every directory with a `pyproject.toml`,
//! `setup.py` or `setup.cfg` that declares something, or with requirement files outside test,
//! docs and CI folders, is a project and owns the Python files below it up to the next
//! project. Manifests are read only inside the scanned tree: a requirement include or a
//! manifest that resolves outside it (an absolute path, `..`, a symlink, `/proc`) is refused
//! with a diagnostic that names the include, never a line of the file it points to.

use super::normalize;
use crate::python::parser::{ast, parse_module, Ranged};
use perfaudit_model::scan::{Diagnostic, DiagnosticKind};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Manifests larger than this are not read (a diagnostic says so).
pub const MAX_MANIFEST_BYTES: u64 = 32 << 20;

/// What a declaration means for the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Installed in production: application code may import it; unused is reported.
    Main,
    /// Installed in production on request (a non-development extra or group whose use is not
    /// known): provides imports anywhere, never reported unused.
    Optional,
    /// Development/test/docs only: importing it from application code is reported.
    Dev,
    /// A pin of a lock file that something else pulled in (`# via celery`): installed, not a
    /// declaration of intent; provides imports, never reported unused.
    Transitive,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Main => "main",
            Role::Optional => "optional",
            Role::Dev => "dev",
            Role::Transitive => "transitive",
        }
    }
}

/// One declared dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// As written (`PyYAML`).
    pub name: String,
    /// PEP 503 normalised (`pyyaml`).
    pub normalized: String,
    /// `role == Role::Dev` (kept for callers that only ask that).
    pub dev: bool,
    pub role: Role,
    /// Manifest path relative to the scanned root.
    pub source: String,
    pub line: u32,
}

/// One project: a directory with its own manifests.
#[derive(Debug, Default, Clone)]
pub struct Project {
    /// Directory relative to the scanned root (`""` for the root itself).
    pub dir: String,
    pub files: Vec<String>,
    pub declared: Vec<Declared>,
    /// The project's own distribution name (normalised), from `[project] name` / Poetry.
    pub own_name: Option<String>,
    /// Import roots declared by the project (relative to the scanned root): `src` layouts,
    /// `package-dir`, `packages.find.where`, Poetry `from`, pytest `pythonpath`.
    pub roots: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Manifests {
    /// Every manifest read, relative to the root.
    pub files: Vec<String>,
    /// Every declaration of every project.
    pub declared: Vec<Declared>,
    pub projects: Vec<Project>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Words that make a requirements file, extra or group a development one.
const DEV_WORDS: &[&str] = &[
    "dev",
    "develop",
    "development",
    "test",
    "tests",
    "testing",
    "lint",
    "linting",
    "linters",
    "doc",
    "docs",
    "documentation",
    "ci",
    "typing",
    "types",
    "mypy",
    "qa",
    "check",
    "checks",
    "style",
    "format",
    "formatting",
    "bench",
    "benchmark",
    "benchmarks",
    "debug",
    "local",
    "mkdocs",
    "sphinx",
    "tox",
    "nox",
    "release",
    "publish",
    "tools",
    "tooling",
    "precommit",
    "coverage",
    "e2e",
    "selenium",
    "playwright",
    "stubs",
    "profiling",
    "notebook",
    "jupyter",
    "build",
    "builder",
    "pre",
    "deploy",
    "deployment",
    "packaging",
    "installer",
    "pyinstaller",
];

/// Does a file, extra or group name say development (`requirements-dev`, `test`, `docs`,
/// `ci`, `lint`, `mkdocs`, ...)? Split on non-alphanumerics; a part matches a word, or
/// starts with one of the longer ones (`tests2`, `docs_build`).
pub fn dev_like(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .any(|part| {
            DEV_WORDS.iter().any(|w| {
                part == *w
                    || (w.len() >= 3
                        && part.starts_with(w)
                        && part[w.len()..].chars().all(|c| c.is_ascii_digit()))
            })
        })
}

/// Names of groups/extras that production installs by convention.
fn production_name(name: &str) -> bool {
    matches!(
        normalize(name).as_str(),
        "main" | "prod" | "production" | "runtime" | "server" | "web" | "app" | "base"
    )
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

/// Reads manifests inside one scanned tree.
struct Reader {
    root: PathBuf,
    /// The canonical root: every file read must resolve below it.
    canon_root: PathBuf,
    diagnostics: Vec<Diagnostic>,
    /// Groups (PEP 735, Poetry) that a Dockerfile installs.
    installed_groups: HashSet<String>,
}

/// Why a path was not read.
enum Refused {
    Outside,
    NotRegular,
    TooLarge(u64),
    Io(std::io::Error),
    NotUtf8,
}

impl Reader {
    fn new(root: &Path) -> Self {
        let canon_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        Reader {
            root: root.to_path_buf(),
            canon_root,
            diagnostics: Vec::new(),
            installed_groups: HashSet::new(),
        }
    }

    fn rel(&self, p: &Path) -> String {
        crate::walk::relative(&self.root, p)
    }

    /// The canonical form of `p` if it lies inside the tree.
    fn inside(&self, p: &Path) -> Option<PathBuf> {
        let c = p.canonicalize().ok()?;
        c.starts_with(&self.canon_root).then_some(c)
    }

    /// Read a text file that must resolve inside the tree and be a regular file of bounded
    /// size. The UTF-8 BOM is dropped.
    fn read_inside(&self, p: &Path) -> Result<String, Refused> {
        let Some(c) = self.inside(p) else {
            return Err(match p.canonicalize() {
                Ok(_) => Refused::Outside,
                Err(e) => Refused::Io(e),
            });
        };
        let meta = std::fs::metadata(&c).map_err(Refused::Io)?;
        if !meta.is_file() {
            return Err(Refused::NotRegular);
        }
        if meta.len() > MAX_MANIFEST_BYTES {
            return Err(Refused::TooLarge(meta.len()));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        std::fs::File::open(&c)
            .and_then(|f| f.take(MAX_MANIFEST_BYTES + 1).read_to_end(&mut bytes))
            .map_err(Refused::Io)?;
        if bytes.len() as u64 > MAX_MANIFEST_BYTES {
            return Err(Refused::TooLarge(bytes.len() as u64));
        }
        let bytes = match bytes.strip_prefix(b"\xef\xbb\xbf") {
            Some(rest) => rest.to_vec(),
            None => bytes,
        };
        String::from_utf8(bytes).map_err(|_| Refused::NotUtf8)
    }

    /// [`Self::read_inside`] with a diagnostic on refusal; `source` names the manifest.
    fn read_text(&mut self, path: &Path) -> Option<String> {
        let source = self.rel(path);
        match self.read_inside(path) {
            Ok(s) => Some(s),
            Err(why) => {
                let (kind, msg) = match why {
                    Refused::Outside => (
                        DiagnosticKind::Unreadable,
                        "manifest resolves outside the scanned tree (symbolic link): not read"
                            .to_string(),
                    ),
                    Refused::NotRegular => (
                        DiagnosticKind::Unreadable,
                        "manifest is not a regular file: not read".to_string(),
                    ),
                    Refused::TooLarge(n) => (
                        DiagnosticKind::TooLarge,
                        format!(
                            "manifest of {n} bytes is over the {MAX_MANIFEST_BYTES} byte limit: not read"
                        ),
                    ),
                    Refused::Io(e) => (
                        DiagnosticKind::Unreadable,
                        format!("cannot read manifest: {e}"),
                    ),
                    Refused::NotUtf8 => (
                        DiagnosticKind::NotUtf8,
                        "manifest is not valid UTF-8; its dependencies were not read".to_string(),
                    ),
                };
                self.diagnostics.push(Diagnostic::new(source, kind, msg));
                None
            }
        }
    }
}

fn push(p: &mut Project, name: &str, role: Role, source: &str, line: u32) {
    p.declared.push(Declared {
        name: name.to_string(),
        normalized: normalize(name),
        dev: role == Role::Dev,
        role,
        source: source.to_string(),
        line,
    });
}

/// Is this a requirements file name (`requirements.txt`, `requirements-dev.in`,
/// `dev-requirements.txt`)?
fn is_requirements_name(name: &str) -> bool {
    (name.ends_with(".txt") || name.ends_with(".in")) && name.contains("requirements")
}

/// Directory components that make a folder's requirement files development ones (and keep
/// a manifest there from starting a project of its own).
fn dev_dir(component: &str) -> bool {
    matches!(
        component,
        "tests"
            | "test"
            | "testing"
            | "docs"
            | "doc"
            | "ci"
            | ".github"
            | ".gitlab"
            | ".circleci"
            | "benchmarks"
            | "bench"
            | "e2e"
            | "fixtures"
            | "examples"
            | "example"
            | "scripts"
            | "tools"
            | "dev"
            | "sandbox"
            | "demo"
            | "builder"
            | "packaging"
            | "release"
            | "installer"
    ) || component.starts_with('.')
}

/// Dockerfile-like files: where the groups production installs are named.
fn is_container_file(rel: &str) -> bool {
    let file = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    file.starts_with("dockerfile")
        || file.ends_with(".dockerfile")
        || file.starts_with("containerfile")
}

/// Group names after `--group`, `--only-group`, `--with`, `--only` (uv, pip 25.1, Poetry).
fn install_groups(text: &str, into: &mut HashSet<String>) {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '\\')
        .filter(|w| !w.is_empty())
        .collect();
    for (i, w) in words.iter().enumerate() {
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) => (f, Some(v)),
            None => (*w, None),
        };
        if !matches!(flag, "--group" | "--only-group" | "--with" | "--only") {
            continue;
        }
        let value = inline.or_else(|| words.get(i + 1).copied()).unwrap_or("");
        for g in value.split(',') {
            // pip's `--group pyproject.toml:main`.
            let g = g.rsplit(':').next().unwrap_or(g);
            if !g.is_empty() && !g.starts_with('-') {
                into.insert(normalize(g));
            }
        }
    }
}

/// Read the manifests of the project at `root` only (no sub-projects).
pub fn read_all(root: &Path) -> Manifests {
    let mut names: Vec<String> = Vec::new();
    if let Ok(rd) = std::fs::read_dir(root) {
        for e in rd.flatten() {
            names.push(e.file_name().to_string_lossy().to_string());
        }
    }
    for dir in ["requirements", "requirements.d", "reqs"] {
        if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
            for e in rd.flatten() {
                names.push(format!("{dir}/{}", e.file_name().to_string_lossy()));
            }
        }
    }
    let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    read_projects(root, &refs, false)
}

/// Find and read every project's manifests. `rel_paths` are the tree's files relative to
/// `root` (the walk's list); `nested` finds sub-projects (else only the root's manifests).
pub fn read_projects(root: &Path, rel_paths: &[&str], nested: bool) -> Manifests {
    let mut r = Reader::new(root);
    // Groups that a production container build installs (not `docker/development/Dockerfile`,
    // `Dockerfile.dev`, `ci/test.Dockerfile`).
    for rel in rel_paths
        .iter()
        .filter(|p| is_container_file(p) && !p.split('/').any(dev_like))
    {
        if let Ok(text) = r.read_inside(&root.join(rel)) {
            install_groups(&text, &mut r.installed_groups);
        }
    }
    // Manifests by directory.
    #[derive(Default)]
    struct Dir<'a> {
        pyproject: bool,
        setup_cfg: bool,
        setup_py: bool,
        requirements: Vec<&'a str>,
    }
    let mut dirs: std::collections::BTreeMap<String, Dir> = std::collections::BTreeMap::new();
    for rel in rel_paths {
        let (dir, file) = match rel.rfind('/') {
            Some(i) => (&rel[..i], &rel[i + 1..]),
            None => ("", *rel),
        };
        // `requirements/`, `requirements.d/`, `reqs/` hold their parent's requirement files.
        let (owner, in_req_dir) = match dir.rsplit_once('/') {
            Some((parent, "requirements" | "requirements.d" | "reqs")) => (parent, true),
            None if matches!(dir, "requirements" | "requirements.d" | "reqs") => ("", true),
            _ => (dir, false),
        };
        if !nested && !owner.is_empty() {
            continue;
        }
        if in_req_dir {
            if file.ends_with(".txt") || file.ends_with(".in") {
                dirs.entry(owner.to_string())
                    .or_default()
                    .requirements
                    .push(rel);
            }
            continue;
        }
        let d = match file {
            "pyproject.toml" | "setup.cfg" | "setup.py" => dirs.entry(dir.to_string()).or_default(),
            f if is_requirements_name(f) => dirs.entry(dir.to_string()).or_default(),
            _ => continue,
        };
        match file {
            "pyproject.toml" => d.pyproject = true,
            "setup.cfg" => d.setup_cfg = true,
            "setup.py" => d.setup_py = true,
            _ => d.requirements.push(rel),
        }
    }
    let mut projects: Vec<Project> = Vec::new();
    // Requirement files in test/docs/CI folders: development declarations of the project
    // that encloses them.
    let mut dev_extra: Vec<(String, Vec<&str>)> = Vec::new();
    for (dir, d) in &mut dirs {
        d.requirements.sort_unstable();
        let devdir = !dir.is_empty() && dir.split('/').any(dev_dir);
        if devdir {
            if !d.requirements.is_empty() {
                dev_extra.push((dir.clone(), std::mem::take(&mut d.requirements)));
            }
            continue;
        }
        let mut p = Project {
            dir: dir.clone(),
            ..Default::default()
        };
        let base = if dir.is_empty() {
            root.to_path_buf()
        } else {
            root.join(dir)
        };
        if d.pyproject {
            read_pyproject(&mut r, &base.join("pyproject.toml"), &mut p);
        }
        if d.setup_cfg {
            read_setup_cfg(&mut r, &base.join("setup.cfg"), &mut p);
        }
        if d.setup_py {
            read_setup_py(&mut r, &base.join("setup.py"), &mut p);
            // Without a `[build-system]` table, setuptools builds the project (PEP 517's
            // fallback): setup.py's own imports of it are declared by that.
            if !p.declared.iter().any(|x| x.normalized == "setuptools") {
                let source = join_rel(dir, "setup.py");
                push(&mut p, "setuptools", Role::Dev, &source, 1);
            }
        }
        let has_metadata_deps = p.declared.iter().any(|x| x.role == Role::Main);
        read_requirement_set(&mut r, root, &d.requirements, has_metadata_deps, &mut p);
        p.files.sort();
        p.files.dedup();
        if !p.files.is_empty() || dir.is_empty() {
            if base.join("src").is_dir() {
                p.roots.push(join_rel(dir, "src"));
            }
            p.roots.sort();
            p.roots.dedup();
            projects.push(p);
        }
    }
    if projects.is_empty() || !projects[0].dir.is_empty() {
        projects.insert(0, Project::default());
    }
    for (dir, reqs) in dev_extra {
        let owner = owner_index(&projects, &dir);
        let p = &mut projects[owner];
        let has_metadata_deps = p.declared.iter().any(|x| x.role == Role::Main);
        read_requirement_set(&mut r, root, &reqs, has_metadata_deps, p);
    }
    let mut m = Manifests {
        diagnostics: std::mem::take(&mut r.diagnostics),
        ..Default::default()
    };
    for p in &projects {
        m.files.extend(p.files.iter().cloned());
        m.declared.extend(p.declared.iter().cloned());
    }
    m.files.sort();
    m.files.dedup();
    m.projects = projects;
    m
}

/// The index of the project owning `rel` (a file or directory): the one with the longest
/// directory that is `rel` or an ancestor of it. Index 0 is the root project.
pub fn owner_index(projects: &[Project], rel: &str) -> usize {
    let mut best = (0usize, 0usize);
    for (i, p) in projects.iter().enumerate() {
        if p.dir.is_empty() {
            continue;
        }
        let under = rel == p.dir
            || (rel.starts_with(p.dir.as_str()) && rel.as_bytes().get(p.dir.len()) == Some(&b'/'));
        if under && p.dir.len() > best.1 {
            best = (i, p.dir.len());
        }
    }
    best.0
}

fn join_rel(dir: &str, name: &str) -> String {
    let name = name.trim_start_matches("./").trim_end_matches('/');
    if name.is_empty() || name == "." {
        return dir.to_string();
    }
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// One requirement line.
struct ReqLine {
    name: String,
    line: u32,
    /// The `# via` entries that follow it (pip-compile / uv lock output).
    via: Vec<String>,
}

/// A parsed requirements file.
struct ReqFile {
    source: String,
    role: Role,
    reqs: Vec<ReqLine>,
    /// Written by a lock tool (`# via` comments or `--hash`).
    lock: bool,
}

/// Read a set of requirement files (and what they include). Lock files are not declarations
/// when the intent is written elsewhere: a sibling `.in` file, or the project metadata; else
/// only the pins that came from a requirements input (`# via -r ...`) are.
fn read_requirement_set(
    r: &mut Reader,
    root: &Path,
    rels: &[&str],
    has_metadata_deps: bool,
    p: &mut Project,
) {
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut files: Vec<ReqFile> = Vec::new();
    for rel in rels {
        read_requirements(r, &root.join(rel), &mut seen, &mut files, 0);
    }
    let inputs: HashSet<String> = files
        .iter()
        .filter(|f| f.source.ends_with(".in"))
        .map(|f| f.source.trim_end_matches(".in").to_string())
        .collect();
    for f in files {
        p.files.push(f.source.clone());
        let has_input = f
            .source
            .strip_suffix(".txt")
            .is_some_and(|stem| inputs.contains(stem));
        for q in f.reqs {
            let role = if !f.lock {
                f.role
            } else if has_input || has_metadata_deps {
                Role::Transitive
            } else {
                let direct = q.via.is_empty()
                    || q.via.iter().any(|v| {
                        v.starts_with("-r ")
                            || v.starts_with("-r\t")
                            || v.ends_with("(pyproject.toml)")
                            || v.ends_with("(setup.py)")
                            || v.ends_with("(setup.cfg)")
                            || v == "pyproject.toml"
                    });
                if direct {
                    f.role
                } else {
                    Role::Transitive
                }
            };
            push(p, &q.name, role, &f.source, q.line);
        }
    }
}

fn read_requirements(
    r: &mut Reader,
    path: &Path,
    seen: &mut HashSet<PathBuf>,
    out: &mut Vec<ReqFile>,
    depth: usize,
) {
    let Some(canon) = r.inside(path) else {
        // A manifest that is a symbolic link out of the tree: refused, said.
        let _ = r.read_text(path);
        return;
    };
    if depth > 16 || !seen.insert(canon) {
        return;
    }
    let source = r.rel(path);
    let stem = path
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    // The file's own name and folder say its role; an include does not pass its role on (a
    // docs file that includes `-r requirements.txt` does not make the runtime requirements
    // dev ones).
    let in_dev_dir = source
        .rsplit_once('/')
        .is_some_and(|(dir, _)| dir.split('/').any(dev_dir));
    let role = if in_dev_dir || dev_like(&stem.replace("requirements", "")) {
        Role::Dev
    } else {
        Role::Main
    };
    let Some(text) = r.read_text(path) else {
        return;
    };
    let mut file = ReqFile {
        source: source.clone(),
        role,
        reqs: Vec::new(),
        lock: false,
    };
    let mut includes: Vec<PathBuf> = Vec::new();
    // Inside a `# via` block (the entries follow on `#   name` lines).
    let mut in_via = false;
    let mut lines = text.lines().enumerate();
    while let Some((i, raw)) = lines.next() {
        let lineno = i as u32 + 1;
        let trimmed = raw.trim();
        if let Some(comment) = trimmed.strip_prefix('#') {
            let c = comment.trim();
            if let Some(rest) = c.strip_prefix("via") {
                if rest.is_empty() || rest.starts_with(char::is_whitespace) {
                    file.lock = true;
                    let rest = rest.trim();
                    in_via = rest.is_empty();
                    if !rest.is_empty() {
                        if let Some(last) = file.reqs.last_mut() {
                            last.via.push(rest.to_string());
                        }
                    }
                    continue;
                }
            }
            if in_via && !c.is_empty() && comment.starts_with(char::is_whitespace) {
                if let Some(last) = file.reqs.last_mut() {
                    last.via.push(c.to_string());
                }
                continue;
            }
            in_via = false;
            continue;
        }
        in_via = false;
        // Join continuation lines.
        let mut line = raw.to_string();
        while line.trim_end().ends_with('\\') {
            let t = line.trim_end();
            line = t[..t.len() - 1].to_string();
            match lines.next() {
                Some((_, next)) => {
                    line.push(' ');
                    line.push_str(next);
                }
                None => break,
            }
        }
        if line.contains("--hash") {
            file.lock = true;
        }
        let no_comment = match line.find(" #").or_else(|| line.find("\t#")) {
            Some(i) => &line[..i],
            None => line.as_str(),
        };
        let t = no_comment.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(rest) = t
            .strip_prefix("--requirement")
            .or_else(|| t.strip_prefix("-r"))
        {
            let inc = rest.trim_start_matches('=').trim();
            if inc.is_empty() {
                continue;
            }
            let refuse = |r: &mut Reader, why: &str| {
                r.diagnostics.push(
                    Diagnostic::new(
                        source.clone(),
                        DiagnosticKind::BadManifest,
                        format!("included requirements file `{inc}` {why}: not read"),
                    )
                    .at(lineno, 1),
                );
            };
            if inc.contains("://") {
                refuse(r, "is a URL");
                continue;
            }
            let inc_path = path.parent().unwrap_or(&r.root).join(inc);
            if Path::new(inc).is_absolute() {
                refuse(r, "is outside the scanned tree");
            } else if !inc_path.exists() {
                refuse(r, "was not found");
            } else if r.inside(&inc_path).is_none() {
                refuse(r, "is outside the scanned tree");
            } else {
                includes.push(inc_path);
            }
            continue;
        }
        if let Some(rest) = t
            .strip_prefix("--editable")
            .or_else(|| t.strip_prefix("-e"))
        {
            if let Some(name) = egg_name(rest.trim()) {
                file.reqs.push(ReqLine {
                    name: name.to_string(),
                    line: lineno,
                    via: Vec::new(),
                });
            }
            continue;
        }
        if t.starts_with('-') {
            // -c constraints, --index-url, --hash, ... declare nothing.
            continue;
        }
        let name = if t.contains("://") && !t.contains(" @ ") && !t.contains("@ ") {
            egg_name(t)
        } else if t.starts_with('.') || t.starts_with('/') {
            None
        } else {
            requirement_name(t)
        };
        if let Some(name) = name {
            file.reqs.push(ReqLine {
                name: name.to_string(),
                line: lineno,
                via: Vec::new(),
            });
        }
    }
    out.push(file);
    for inc in includes {
        read_requirements(r, &inc, seen, out, depth + 1);
    }
}

/// Where quoted strings and `key =` lines are in a TOML text: built in one pass, so that
/// locating every declaration stays linear in the file's size.
struct TomlLines {
    /// Quoted string content -> lines where it appears, in order.
    strings: HashMap<String, Vec<u32>>,
    /// (section header, lower-case key) -> line.
    keys: HashMap<(String, String), u32>,
    /// How many of each string's lines were handed out already.
    used: HashMap<String, usize>,
}

impl TomlLines {
    fn new(text: &str) -> Self {
        let mut strings: HashMap<String, Vec<u32>> = HashMap::new();
        let mut keys = HashMap::new();
        let mut section = String::new();
        for (i, l) in text.lines().enumerate() {
            let lineno = i as u32 + 1;
            let t = l.trim();
            if t.starts_with('[') && !t.starts_with("[[") || t.starts_with("[[") {
                section = t
                    .trim_start_matches('[')
                    .split(']')
                    .next()
                    .unwrap_or("")
                    .split('.')
                    .map(|s| s.trim().trim_matches(['"', '\'']))
                    .collect::<Vec<_>>()
                    .join(".");
            } else if let Some((k, _)) = t.split_once('=') {
                let k = k.trim().trim_matches(['"', '\'']).to_ascii_lowercase();
                if !k.is_empty() {
                    keys.entry((section.clone(), k)).or_insert(lineno);
                }
            }
            // Quoted strings on this line (basic strings unescaped as TOML does for `\"`
            // and `\\`, so that they match the parsed values).
            let b = l.as_bytes();
            let mut j = 0;
            while j < b.len() {
                let q = b[j];
                if q == b'"' || q == b'\'' {
                    let mut k = j + 1;
                    let mut val = String::new();
                    let mut closed = false;
                    while k < b.len() {
                        let c = b[k];
                        if c == b'\\' && q == b'"' && k + 1 < b.len() {
                            match b[k + 1] {
                                b'"' => val.push('"'),
                                b'\\' => val.push('\\'),
                                other => {
                                    val.push('\\');
                                    val.push(other as char);
                                }
                            }
                            k += 2;
                            continue;
                        }
                        if c == q {
                            closed = true;
                            break;
                        }
                        // Multi-byte UTF-8 is copied through whole.
                        let ch_len = l[k..].chars().next().map(|ch| ch.len_utf8()).unwrap_or(1);
                        val.push_str(&l[k..k + ch_len]);
                        k += ch_len;
                    }
                    if !closed {
                        break;
                    }
                    strings.entry(val).or_default().push(lineno);
                    j = k + 1;
                    continue;
                }
                if q == b'#' {
                    break;
                }
                j += 1;
            }
        }
        TomlLines {
            strings,
            keys,
            used: HashMap::new(),
        }
    }

    /// The line of the next unused occurrence of the quoted string `s`.
    fn string_line(&mut self, s: &str) -> u32 {
        let Some(lines) = self.strings.get(s) else {
            return 1;
        };
        let n = self.used.entry(s.to_string()).or_insert(0);
        let line = lines.get(*n).or(lines.last()).copied().unwrap_or(1);
        *n += 1;
        line
    }

    fn key_line(&self, section: &str, key: &str) -> u32 {
        self.keys
            .get(&(section.to_string(), key.to_ascii_lowercase()))
            .copied()
            .unwrap_or(1)
    }
}

fn read_pyproject(r: &mut Reader, path: &Path, p: &mut Project) {
    let source = r.rel(path);
    let Some(text) = r.read_text(path) else {
        return;
    };
    let doc: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            let mut d = Diagnostic::new(
                source,
                DiagnosticKind::BadManifest,
                format!("invalid TOML: {}", e.message()),
            );
            if let Some(span) = e.span() {
                let line = text[..span.start.min(text.len())].matches('\n').count() as u32 + 1;
                d = d.at(line, 1);
            }
            r.diagnostics.push(d);
            return;
        }
    };
    let mut lines = TomlLines::new(&text);
    let before = p.declared.len();
    let dir = p.dir.clone();
    let pep508 = |p: &mut Project, lines: &mut TomlLines, v: &toml::Value, role: Role| {
        if let Some(arr) = v.as_array() {
            for item in arr {
                if let Some(s) = item.as_str() {
                    if let Some(name) = requirement_name(s) {
                        let line = lines.string_line(s);
                        push(p, name, role, &source, line);
                    }
                }
            }
        }
    };
    // A development name wins; else a group a production container installs, or one named
    // like production, is production; any other group is optional.
    let group_role = |name: &str, installed: &HashSet<String>| {
        if dev_like(name) {
            Role::Dev
        } else if installed.contains(&normalize(name)) || production_name(name) {
            Role::Main
        } else {
            Role::Optional
        }
    };
    if let Some(project) = doc.get("project").and_then(|p| p.as_table()) {
        if let Some(name) = project.get("name").and_then(|n| n.as_str()) {
            p.own_name = Some(normalize(name));
        }
        if let Some(deps) = project.get("dependencies") {
            pep508(p, &mut lines, deps, Role::Main);
        }
        if let Some(opt) = project
            .get("optional-dependencies")
            .and_then(|o| o.as_table())
        {
            for (extra, deps) in opt {
                let role = if dev_like(extra) {
                    Role::Dev
                } else {
                    Role::Optional
                };
                pep508(p, &mut lines, deps, role);
            }
        }
    }
    if let Some(groups) = doc.get("dependency-groups").and_then(|g| g.as_table()) {
        for (name, deps) in groups {
            let role = group_role(name, &r.installed_groups);
            pep508(p, &mut lines, deps, role);
        }
    }
    let tool = doc.get("tool").and_then(|t| t.as_table());
    let tool_get = |k: &str| tool.and_then(|t| t.get(k)).and_then(|t| t.as_table());
    if let Some(uv) = tool_get("uv") {
        if let Some(d) = uv.get("dev-dependencies") {
            pep508(p, &mut lines, d, Role::Dev);
        }
    }
    if let Some(pdm) = tool_get("pdm") {
        if let Some(groups) = pdm.get("dev-dependencies").and_then(|g| g.as_table()) {
            for deps in groups.values() {
                pep508(p, &mut lines, deps, Role::Dev);
            }
        }
    }
    if let Some(poetry) = tool_get("poetry") {
        if let Some(name) = poetry.get("name").and_then(|n| n.as_str()) {
            p.own_name.get_or_insert_with(|| normalize(name));
        }
        let keys = |p: &mut Project, table: Option<&toml::Value>, section: &str, role: Role| {
            if let Some(t) = table.and_then(|t| t.as_table()) {
                for key in t.keys() {
                    if key.eq_ignore_ascii_case("python") {
                        continue;
                    }
                    let line = lines.key_line(section, key);
                    push(p, key, role, &source, line);
                }
            }
        };
        keys(
            p,
            poetry.get("dependencies"),
            "tool.poetry.dependencies",
            Role::Main,
        );
        keys(
            p,
            poetry.get("dev-dependencies"),
            "tool.poetry.dev-dependencies",
            Role::Dev,
        );
        if let Some(groups) = poetry.get("group").and_then(|g| g.as_table()) {
            for (g, body) in groups {
                let section = format!("tool.poetry.group.{g}.dependencies");
                let role = if g == "main" {
                    Role::Main
                } else {
                    group_role(g, &r.installed_groups)
                };
                keys(p, body.get("dependencies"), &section, role);
            }
        }
        if let Some(pkgs) = poetry.get("packages").and_then(|v| v.as_array()) {
            for pk in pkgs {
                if let Some(from) = pk.get("from").and_then(|f| f.as_str()) {
                    p.roots.push(join_rel(&dir, from));
                }
            }
        }
    }
    // Import roots.
    if let Some(st) = tool_get("setuptools") {
        if let Some(pd) = st.get("package-dir").and_then(|v| v.as_table()) {
            for v in pd.values().filter_map(|v| v.as_str()) {
                let root_of = if pd.contains_key("") {
                    v.to_string()
                } else {
                    // `{"pkg" = "src/pkg"}`: the package's parent is the root.
                    v.rsplit_once('/').map(|x| x.0).unwrap_or("").to_string()
                };
                p.roots.push(join_rel(&dir, &root_of));
            }
        }
        if let Some(w) = st
            .get("packages")
            .and_then(|v| v.get("find"))
            .and_then(|f| f.get("where"))
            .and_then(|w| w.as_array())
        {
            for s in w.iter().filter_map(|s| s.as_str()) {
                p.roots.push(join_rel(&dir, s));
            }
        }
    }
    if let Some(pk) = tool_get("hatch")
        .and_then(|h| h.get("build"))
        .and_then(|b| b.get("targets"))
        .and_then(|t| t.get("wheel"))
        .and_then(|w| w.get("packages"))
        .and_then(|p| p.as_array())
    {
        for s in pk.iter().filter_map(|s| s.as_str()) {
            let parent = s.trim_end_matches('/').rsplit_once('/').map(|x| x.0);
            p.roots.push(join_rel(&dir, parent.unwrap_or("")));
        }
    }
    if let Some(pp) = tool_get("pytest")
        .and_then(|t| t.get("ini_options"))
        .and_then(|o| o.get("pythonpath"))
    {
        let items: Vec<&str> = match pp {
            toml::Value::String(s) => s.split_whitespace().collect(),
            toml::Value::Array(a) => a.iter().filter_map(|s| s.as_str()).collect(),
            _ => Vec::new(),
        };
        for s in items {
            p.roots.push(join_rel(&dir, s));
        }
    }
    // The build backend and its requirements are there while setup.py and build hooks run.
    if let Some(req) = doc
        .get("build-system")
        .and_then(|b| b.get("requires"))
        .filter(|_| p.declared.len() > before || doc.contains_key("project"))
    {
        pep508(p, &mut lines, req, Role::Dev);
    }
    if p.declared.len() > before
        || doc.contains_key("project")
        || tool.is_some_and(|t| t.contains_key("poetry"))
    {
        p.files.push(source);
    }
}

fn read_setup_cfg(r: &mut Reader, path: &Path, p: &mut Project) {
    let source = r.rel(path);
    let Some(text) = r.read_text(path) else {
        return;
    };
    let before = p.declared.len();
    let dir = p.dir.clone();
    let mut section = String::new();
    // What the multi-line value being read is.
    enum Cur {
        Deps(Role),
        Roots,
        PyPath,
    }
    let mut current: Option<Cur> = None;
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
            let Some((k, v)) = t.split_once('=').or_else(|| t.split_once(':')) else {
                continue;
            };
            let k = k.trim();
            current = match (section.as_str(), k) {
                ("options", "install_requires") => Some(Cur::Deps(Role::Main)),
                ("options", "tests_require") => Some(Cur::Deps(Role::Dev)),
                ("options.extras_require", extra) => Some(Cur::Deps(if dev_like(extra) {
                    Role::Dev
                } else {
                    Role::Optional
                })),
                ("options", "package_dir") | ("options.packages.find", "where") => Some(Cur::Roots),
                ("tool:pytest", "pythonpath") => Some(Cur::PyPath),
                _ => None,
            };
            value = v;
        } else {
            value = t;
        }
        match &current {
            Some(Cur::Deps(role)) => {
                let part = value.split(';').next().unwrap_or("");
                let part = part.split(" #").next().unwrap_or("").trim();
                if let Some(name) = requirement_name(part) {
                    push(p, name, *role, &source, lineno);
                }
            }
            Some(Cur::Roots) => {
                // `=src` (the root package dir) or `pkg = src/pkg`.
                let v = value.trim();
                if let Some(rest) = v.strip_prefix('=') {
                    p.roots.push(join_rel(&dir, rest.trim()));
                } else if let Some((_, d)) = v.split_once('=') {
                    let d = d.trim();
                    let parent = d.rsplit_once('/').map(|x| x.0).unwrap_or("");
                    p.roots.push(join_rel(&dir, parent));
                } else if !v.is_empty() {
                    p.roots.push(join_rel(&dir, v));
                }
            }
            Some(Cur::PyPath) => {
                for s in value.split_whitespace() {
                    p.roots.push(join_rel(&dir, s));
                }
            }
            None => {}
        }
    }
    if p.declared.len() > before {
        p.files.push(source);
    }
}

fn read_setup_py(r: &mut Reader, path: &Path, p: &mut Project) {
    let source = r.rel(path);
    let Some(text) = r.read_text(path) else {
        return;
    };
    let Ok(parsed) = parse_module(&text) else {
        // The syntax error is reported by the Python pass like any module's.
        return;
    };
    let before = p.declared.len();
    let dir = p.dir.clone();
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
    let strings = |p: &mut Project, e: &ast::Expr, role: Role| {
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
                    push(p, name, role, &source, line);
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
                "name" => {
                    if let ast::Expr::StringLiteral(s) = &kw.value {
                        p.own_name
                            .get_or_insert_with(|| normalize(s.value.to_str()));
                    }
                }
                "install_requires" => strings(p, &kw.value, Role::Main),
                "tests_require" => strings(p, &kw.value, Role::Dev),
                "extras_require" => {
                    if let Some(ast::Expr::Dict(d)) = resolve(&lists, &kw.value) {
                        for item in &d.items {
                            let role = match &item.key {
                                Some(ast::Expr::StringLiteral(k)) if dev_like(k.value.to_str()) => {
                                    Role::Dev
                                }
                                _ => Role::Optional,
                            };
                            strings(p, &item.value, role);
                        }
                    }
                }
                "package_dir" => {
                    if let Some(ast::Expr::Dict(d)) = resolve(&lists, &kw.value) {
                        for item in &d.items {
                            if let (
                                Some(ast::Expr::StringLiteral(k)),
                                ast::Expr::StringLiteral(v),
                            ) = (&item.key, &item.value)
                            {
                                let v = v.value.to_str();
                                let root_of = if k.value.to_str().is_empty() {
                                    v
                                } else {
                                    v.rsplit_once('/').map(|x| x.0).unwrap_or("")
                                };
                                p.roots.push(join_rel(&dir, root_of));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    if p.declared.len() > before {
        p.files.push(source);
    }
}

/// The distinct names of every project's declarations (for callers that need a set).
pub fn declared_names(m: &Manifests) -> BTreeSet<String> {
    m.declared.iter().map(|d| d.normalized.clone()).collect()
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
        assert!(dev_like("mkdocs") && dev_like("tests2") && dev_like("ci"));
        assert!(!dev_like("postgres") && !dev_like("server") && !dev_like("cid"));
        assert!(!dev_like("main") && !dev_like("prod") && !dev_like("redis"));
    }

    #[test]
    fn install_group_flags() {
        let mut g = HashSet::new();
        install_groups(
            "RUN uv sync --frozen --no-dev --group web \\\n && pip install --group=pyproject.toml:main --only-group prod,extra2\nRUN poetry install --with server",
            &mut g,
        );
        let mut v: Vec<_> = g.into_iter().collect();
        v.sort();
        assert_eq!(v, ["extra2", "main", "prod", "server", "web"]);
    }

    #[test]
    fn toml_lines_are_found_in_one_pass() {
        let text = "[project]\ndependencies = [\n  \"a>=1\",\n  'b',\n  \"a>=1\",\n]\n[tool.poetry.dependencies]\nDjango = \"^4\"\n";
        let mut l = TomlLines::new(text);
        assert_eq!(l.string_line("a>=1"), 3);
        assert_eq!(l.string_line("b"), 4);
        assert_eq!(l.string_line("a>=1"), 5);
        assert_eq!(l.key_line("tool.poetry.dependencies", "django"), 8);
    }
}

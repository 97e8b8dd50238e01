//! The parallel walk (the `ignore` crate, like ripgrep and ruff): respects `.gitignore`,
//! `.ignore` and the user's `--exclude` globs, skips environments and build output, follows
//! symbolic links but never a loop. Every non-Python file is measured for the inventory on the
//! walker's own threads (one read per file); Python modules are collected for the pipeline, and
//! read on the walker's threads too when the caller wants a first look at their text
//! ([`WalkOptions::python_hook`]).

use crate::inventory::{self, FileMeasure};
use crate::pathglob::PathGlobs;
use ignore::{DirEntry, ParallelVisitor, ParallelVisitorBuilder, WalkBuilder, WalkState};
use perfaudit_model::scan::{Diagnostic, DiagnosticKind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Directory names never walked into (environments, caches, build output, VCS data).
pub const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".bzr",
    ".venv",
    "venv",
    "node_modules",
    "site-packages",
    "__pypackages__",
    "__pycache__",
    "build",
    "dist",
    "_build",
    "buck-out",
    ".tox",
    ".nox",
    ".eggs",
    ".direnv",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".pytype",
    ".ipynb_checkpoints",
    ".perfaudit",
];

fn is_skipped_dir(name: &str) -> bool {
    SKIPPED_DIRS.contains(&name) || name.ends_with(".egg-info")
}

/// A Python module found by the walk.
#[derive(Debug, Clone)]
pub struct PyFile {
    pub path: PathBuf,
    /// Relative to the root, `/`-separated.
    pub rel: String,
    pub bytes: u64,
    /// The module's bytes, when the walk read them and kept them within
    /// [`WalkOptions::keep_python_bytes`].
    pub text: Option<Box<[u8]>>,
}

/// What the walk produced.
#[derive(Debug, Default)]
pub struct WalkOutput {
    /// Python modules (`.py`, `.pyi`), sorted by relative path.
    pub python: Vec<PyFile>,
    /// Every other file, already measured.
    pub others: Vec<FileMeasure>,
    pub diagnostics: Vec<Diagnostic>,
    /// Driver strings seen in database URLs (`asyncpg` of `postgresql+asyncpg://`), and the
    /// bare schemes (`postgresql`), gathered from text files for the dependency checks.
    pub url_schemes: Vec<String>,
}

/// Called on the walker's threads with each Python module's bytes (at most `max_file_bytes`).
pub type PythonHook<'a> = &'a (dyn Fn(&PyFile, &[u8]) + Sync);

pub struct WalkOptions<'a> {
    pub excludes: &'a PathGlobs,
    pub respect_gitignore: bool,
    pub max_file_bytes: u64,
    /// When set, every Python module is read during the walk (its size is what was read, no
    /// `stat`) and handed to this hook. Unreadable and too-large modules are not.
    pub python_hook: Option<PythonHook<'a>>,
    /// With a hook: how many bytes of Python text the walk may keep in [`PyFile::text`] so that
    /// the pipeline need not read those modules again (small modules first come, first kept).
    pub keep_python_bytes: usize,
}

/// Modules up to this size may be kept by the walk (small ones cost the most to open again).
const KEEP_FILE_MAX: usize = 64 << 10;

/// Read buffers up to this size are kept from file to file.
const READ_BUFFER_KEEP: usize = 1 << 20;

/// Read `path` into `buf`, a buffer reused from file to file (no allocation per file), until
/// its end or until more than `limit` bytes were read; returns the number of bytes read. A
/// buffer that had to grow past 1 MiB for one large file is released afterwards by
/// [`release_large`].
pub fn read_into(
    path: &Path,
    size_hint: u64,
    limit: u64,
    buf: &mut Vec<u8>,
) -> std::io::Result<usize> {
    use std::io::Read;
    // One byte more than expected, so that a read of the whole file is seen to end.
    let want = (size_hint.min(limit) as usize + 1).max(8192);
    if buf.len() < want {
        buf.resize(want, 0);
    }
    let mut file = std::fs::File::open(path)?;
    let mut n = 0;
    loop {
        if n as u64 > limit {
            return Ok(n);
        }
        if n == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        match file.read(&mut buf[n..]) {
            Ok(0) => return Ok(n),
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Drop a read buffer that grew for one large file (see [`read_into`]).
pub fn release_large(buf: &mut Vec<u8>) {
    if buf.len() > READ_BUFFER_KEEP {
        *buf = Vec::new();
    }
}

/// Relative, `/`-separated form of `path` under `root` (`.` for the root itself).
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut out = String::new();
    for comp in rel.components() {
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(&comp.as_os_str().to_string_lossy());
    }
    if out.is_empty() {
        ".".to_string()
    } else {
        out
    }
}

/// Walk `start` (a directory or a file under `root`); paths are reported relative to `root`.
pub fn walk_from(root: &Path, start: &Path, opts: &WalkOptions) -> WalkOutput {
    let mut builder = WalkBuilder::new(start);
    builder
        .hidden(false)
        .parents(opts.respect_gitignore)
        .ignore(opts.respect_gitignore)
        .git_ignore(opts.respect_gitignore)
        .git_global(false)
        .git_exclude(opts.respect_gitignore)
        .require_git(false)
        .follow_links(true);
    let root_buf = root.to_path_buf();
    let excludes = opts.excludes.clone();
    builder.filter_entry(move |entry| {
        if entry.depth() == 0 {
            return true;
        }
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        if is_dir {
            if let Some(name) = entry.file_name().to_str() {
                if is_skipped_dir(name) {
                    return false;
                }
            }
        }
        if excludes.is_empty() {
            return true;
        }
        let rel = relative(&root_buf, entry.path());
        !excludes.matches(&rel)
    });

    let shared = Mutex::new(WalkOutput::default());
    let keep = AtomicUsize::new(opts.keep_python_bytes);
    let mut vb = Builder {
        root,
        shared: &shared,
        max_file_bytes: opts.max_file_bytes,
        python_hook: opts.python_hook,
        keep: &keep,
    };
    builder.build_parallel().visit(&mut vb);
    let mut out = shared.into_inner().unwrap_or_else(|p| p.into_inner());
    out.python.sort_by(|a, b| a.rel.cmp(&b.rel));
    out.others.sort_by(|a, b| a.rel.cmp(&b.rel));
    out.diagnostics
        .sort_by(|a, b| a.path.cmp(&b.path).then(a.kind.cmp(&b.kind)));
    out.url_schemes.sort();
    out.url_schemes.dedup();
    out
}

struct Builder<'a> {
    root: &'a Path,
    shared: &'a Mutex<WalkOutput>,
    max_file_bytes: u64,
    python_hook: Option<PythonHook<'a>>,
    keep: &'a AtomicUsize,
}

impl<'s> ParallelVisitorBuilder<'s> for Builder<'s> {
    fn build(&mut self) -> Box<dyn ParallelVisitor + 's> {
        Box::new(Visitor {
            root: self.root,
            shared: self.shared,
            max_file_bytes: self.max_file_bytes,
            python_hook: self.python_hook,
            keep: self.keep,
            local: WalkOutput::default(),
            buf: Vec::new(),
        })
    }
}

struct Visitor<'a> {
    root: &'a Path,
    shared: &'a Mutex<WalkOutput>,
    max_file_bytes: u64,
    python_hook: Option<PythonHook<'a>>,
    keep: &'a AtomicUsize,
    local: WalkOutput,
    buf: Vec<u8>,
}

impl Drop for Visitor<'_> {
    fn drop(&mut self) {
        let local = std::mem::take(&mut self.local);
        let mut shared = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        shared.python.extend(local.python);
        shared.others.extend(local.others);
        shared.diagnostics.extend(local.diagnostics);
        shared.url_schemes.extend(local.url_schemes);
    }
}

impl ParallelVisitor for Visitor<'_> {
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        match entry {
            Ok(entry) => self.visit_entry(entry),
            Err(err) => {
                self.local.diagnostics.push(walk_error(self.root, err));
            }
        }
        WalkState::Continue
    }
}

impl Visitor<'_> {
    fn visit_entry(&mut self, entry: DirEntry) {
        // A walk error attached to a yielded entry (e.g. a .gitignore it could not read).
        if let Some(err) = entry.error() {
            self.local
                .diagnostics
                .push(walk_error(self.root, err.clone()));
        }
        let Some(ft) = entry.file_type() else {
            return;
        };
        if !ft.is_file() {
            return;
        }
        let path = entry.path();
        let rel = relative(self.root, path);
        if let (Some(hook), true) = (self.python_hook, inventory::is_python_path(path)) {
            let read = read_into(path, 0, self.max_file_bytes, &mut self.buf);
            let size = |n: u64| entry.metadata().map(|m| m.len()).unwrap_or(n);
            let mut file = PyFile {
                path: path.to_path_buf(),
                rel,
                bytes: 0,
                text: None,
            };
            match read {
                Ok(n) if n as u64 <= self.max_file_bytes => {
                    file.bytes = n as u64;
                    hook(&file, &self.buf[..n]);
                    let kept = n <= KEEP_FILE_MAX
                        && self
                            .keep
                            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                                left.checked_sub(n)
                            })
                            .is_ok();
                    if kept {
                        file.text = Some(self.buf[..n].into());
                    }
                }
                // Too large or unreadable: the pipeline reports it when it gets there.
                Ok(n) => file.bytes = size(n as u64),
                Err(_) => file.bytes = size(0),
            }
            release_large(&mut self.buf);
            self.local.python.push(file);
            return;
        }
        let bytes = match entry.metadata() {
            Ok(m) => m.len(),
            Err(err) => {
                self.local.diagnostics.push(Diagnostic::new(
                    rel,
                    DiagnosticKind::Unreadable,
                    format!("cannot read metadata: {err}"),
                ));
                return;
            }
        };
        if inventory::is_python_path(path) {
            self.local.python.push(PyFile {
                path: path.to_path_buf(),
                rel,
                bytes,
                text: None,
            });
            return;
        }
        match inventory::measure_file(path, rel, bytes, self.max_file_bytes) {
            Ok((m, schemes)) => {
                self.local.url_schemes.extend(schemes);
                self.local.others.push(m);
            }
            Err(diag) => self.local.diagnostics.push(diag),
        }
    }
}

/// Turn an `ignore` walk error into a diagnostic with the path it concerns.
fn walk_error(root: &Path, err: ignore::Error) -> Diagnostic {
    fn find_path(err: &ignore::Error) -> Option<&Path> {
        match err {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                find_path(err)
            }
            ignore::Error::Loop { child, .. } => Some(child),
            ignore::Error::Partial(errs) => errs.iter().find_map(find_path),
            _ => None,
        }
    }
    fn is_loop(err: &ignore::Error) -> Option<(&Path, &Path)> {
        match err {
            ignore::Error::Loop { ancestor, child } => Some((ancestor, child)),
            ignore::Error::WithDepth { err, .. }
            | ignore::Error::WithLineNumber { err, .. }
            | ignore::Error::WithPath { err, .. } => is_loop(err),
            _ => None,
        }
    }
    if let Some((ancestor, child)) = is_loop(&err) {
        return Diagnostic::new(
            relative(root, child),
            DiagnosticKind::SymlinkLoop,
            format!(
                "symbolic link loop to {}: not followed",
                relative(root, ancestor)
            ),
        );
    }
    let path = find_path(&err)
        .map(|p| relative(root, p))
        .unwrap_or_else(|| ".".to_string());
    let reason = match err.io_error() {
        Some(io) => io.to_string(),
        None => err.to_string(),
    };
    Diagnostic::new(
        path,
        DiagnosticKind::Unreadable,
        format!("cannot read: {reason}"),
    )
}

//! The `perfaudit/scan/v1` document: inventory, imports, dependencies, findings, diagnostics.
//! Owned by the scan stage. Field names are a public contract (DESIGN.md, "Output contract").

use crate::Severity;
use serde::{Deserialize, Serialize};

/// One finding of a static rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule code, e.g. `PA503`.
    pub code: String,
    /// Rule name, e.g. `unused-import`.
    pub name: String,
    pub severity: Severity,
    /// Path relative to the scanned root, `/`-separated.
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
    /// What was found, naming the concrete thing.
    pub message: String,
    /// How to fix it.
    pub help: String,
    /// The bound name (PA503) or distribution name (PA504-PA506) the finding is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    /// 1-based end line/column of the flagged range, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_column: Option<u32>,
    /// Where the flagged code runs (performance rules PA1xx-PA4xx; derived from the project's
    /// route handlers, tasks, commands, migrations and tests and what they call).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
}

/// Where code runs, as the scan derives it from the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Context {
    /// A route handler (FastAPI/Starlette, Flask, Django/DRF views) or what one calls.
    Request,
    /// A background task (Celery, RQ, Dramatiq, Huey, taskiq, APScheduler) or what one calls.
    Task,
    /// Start-up: import time, lifespan/startup hooks, app factories, cached factories.
    Startup,
    /// A command-line tool: management commands, click/typer commands, scripts, docs, examples.
    Cli,
    /// A database migration (Django `migrations/`, Alembic `versions/`).
    Migration,
    /// Tests and fixtures.
    Test,
    /// No caller of this code is known (library code, or a call the scan cannot resolve).
    Unknown,
}

impl Context {
    pub const ALL: [Context; 7] = [
        Context::Request,
        Context::Task,
        Context::Startup,
        Context::Cli,
        Context::Migration,
        Context::Test,
        Context::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Context::Request => "request",
            Context::Task => "task",
            Context::Startup => "startup",
            Context::Cli => "cli",
            Context::Migration => "migration",
            Context::Test => "test",
            Context::Unknown => "unknown",
        }
    }

    /// Parse a context name (as written in JSON and in the `contexts` setting).
    pub fn parse(s: &str) -> Option<Context> {
        Context::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// The whole scan document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    /// Always `perfaudit/scan/v1`.
    pub schema: String,
    /// The scanned root as given on the command line.
    pub root: String,
    /// Files counted in the inventory (after ignores and excludes).
    pub files: u64,
    /// Lines of text files (binary files count 0).
    pub lines: u64,
    /// Total size in bytes.
    pub bytes: u64,
    /// Python modules (`.py`/`.pyi`) found, and how many of them were parsed.
    pub python_files: u64,
    pub parsed_files: u64,
    /// Per language, largest first (by lines, then bytes).
    pub languages: Vec<LanguageStat>,
    /// Per file extension (`.py`, `(none)` for files without one), largest first.
    pub extensions: Vec<ExtensionStat>,
    /// The largest files by size.
    pub largest_files: Vec<FileStat>,
    pub imports: ImportSummary,
    pub dependencies: DependencySummary,
    /// Findings, sorted by path, line, column, code.
    pub findings: Vec<Finding>,
    /// Findings silenced by `# perfaudit: ignore` comments.
    pub suppressed: u64,
    /// Counts of findings per severity and per code.
    pub summary: FindingSummary,
    /// Per-file problems (unreadable, syntax error, not UTF-8, binary, too large, empty).
    pub diagnostics: Vec<Diagnostic>,
    /// Wall time of the scan in milliseconds.
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguageStat {
    pub language: String,
    pub files: u64,
    pub lines: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionStat {
    /// `.py`, or `(none)`.
    pub extension: String,
    pub language: String,
    pub files: u64,
    pub lines: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStat {
    pub path: String,
    pub language: String,
    pub bytes: u64,
    pub lines: u64,
}

/// Where an imported top-level module comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImportKind {
    Stdlib,
    ThirdParty,
    FirstParty,
}

impl ImportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Stdlib => "stdlib",
            ImportKind::ThirdParty => "third-party",
            ImportKind::FirstParty => "first-party",
        }
    }
}

/// The import index of the scanned tree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    /// Imported modules counted per statement alias (`import a, b` is 2; `from x import a, b` is 1).
    pub total: u64,
    /// Distinct top-level modules imported.
    pub unique: u64,
    /// The most imported top-level modules.
    pub most_common: Vec<ModuleCount>,
    /// Distinct top-level modules of each kind.
    pub stdlib: u64,
    pub third_party: u64,
    pub first_party: u64,
    /// The distinct third-party top-level modules, sorted.
    pub third_party_modules: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleCount {
    pub module: String,
    pub kind: ImportKind,
    /// Import statements naming it.
    pub count: u64,
    /// Files importing it.
    pub files: u64,
}

/// What the dependency manifests declare.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependencySummary {
    /// Manifests read, relative to the root (`requirements.txt`, `pyproject.toml`, ...).
    pub manifests: Vec<String>,
    /// Where the import names of distributions came from: `environment` (an installed
    /// environment's metadata, path given) or `builtin` (the built-in table).
    pub mapping: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Declared distributions (PEP 503 normalised), application and development.
    pub declared: Vec<DeclaredDependency>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredDependency {
    /// Distribution name as written.
    pub name: String,
    /// Development/test dependency (dev requirements file, dependency group, dev extra).
    pub dev: bool,
    /// Manifest and 1-based line.
    pub source: String,
    pub line: u32,
    /// Top-level modules it provides (from the environment, the table or the name).
    pub modules: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingSummary {
    pub error: u64,
    pub warning: u64,
    pub info: u64,
    pub by_code: Vec<CodeCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeCount {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub count: u64,
}

/// Why a file (or directory) could not be fully analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosticKind {
    /// Could not be read (permissions, I/O error); a directory that could not be listed.
    Unreadable,
    /// A Python syntax error (like ruff's E999).
    SyntaxError,
    /// Not valid UTF-8.
    NotUtf8,
    /// A `.py` file holding binary data (NUL bytes).
    Binary,
    /// Over the size limit; counted in the inventory, not parsed.
    TooLarge,
    /// An empty module (not `__init__.py`).
    Empty,
    /// A symbolic link loop, not followed.
    SymlinkLoop,
    /// A dependency manifest or configuration that could not be understood.
    BadManifest,
}

impl DiagnosticKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosticKind::Unreadable => "unreadable",
            DiagnosticKind::SyntaxError => "syntax-error",
            DiagnosticKind::NotUtf8 => "not-utf8",
            DiagnosticKind::Binary => "binary",
            DiagnosticKind::TooLarge => "too-large",
            DiagnosticKind::Empty => "empty",
            DiagnosticKind::SymlinkLoop => "symlink-loop",
            DiagnosticKind::BadManifest => "bad-manifest",
        }
    }

    /// How much the problem matters: unreadable input and files that could not be
    /// analysed are errors; skipped binary/oversized files warnings; empty modules info.
    pub fn severity(self) -> Severity {
        match self {
            DiagnosticKind::Unreadable
            | DiagnosticKind::SyntaxError
            | DiagnosticKind::NotUtf8
            | DiagnosticKind::BadManifest => Severity::Error,
            DiagnosticKind::Binary | DiagnosticKind::TooLarge => Severity::Warning,
            DiagnosticKind::Empty | DiagnosticKind::SymlinkLoop => Severity::Info,
        }
    }
}

/// A per-file problem: the path, what kind, and a readable reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Relative to the scanned root, `/`-separated (`.` for the root itself).
    pub path: String,
    pub kind: DiagnosticKind,
    pub severity: Severity,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

impl Diagnostic {
    pub fn new(path: impl Into<String>, kind: DiagnosticKind, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            kind,
            severity: kind.severity(),
            message: message.into(),
            line: None,
            column: None,
        }
    }

    pub fn at(mut self, line: u32, column: u32) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }
}

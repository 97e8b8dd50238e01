//! The scan pipeline: walk -> (facts pass) -> (parse + check pass) -> dependencies -> report.
//!
//! Memory stays bounded: no more than one AST per worker thread is alive at a time. Modules
//! that may define models or migrations (`rules::may_have_facts`, a cheap textual test) are
//! parsed in a first pass to build the project index; every module is then parsed once more
//! in the second pass, checked, and dropped.

use crate::deps::{self, manifests, mapping::DistIndex, FileImports};
use crate::imports::{self, Classifier, ImportIndex, ImportRecord, ModuleNamer};
use crate::inventory::{self, FileMeasure};
use crate::python::parser::{self, ast, ParsedModule};
use crate::rules::{self, codes, ModuleInput, ProjectIndex};
use crate::settings::ScanSettings;
use crate::suppress::{parse_comment, SuppressMap};
use crate::walk::{self, PyFile, WalkOptions};
use perfaudit_model::scan::{
    CodeCount, Diagnostic, DiagnosticKind, Finding, FindingSummary, ImportKind, ScanReport,
};
use perfaudit_model::SCHEMA_SCAN;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Progress events for the binary to draw (the engine never prints).
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// The walk finished: files found, of which Python modules.
    Walked { files: u64, python: u64 },
    /// Python modules checked so far, of `total`.
    Checked { done: u64, total: u64 },
}

/// The context a module is analysed in.
pub struct ModuleContext<'a> {
    pub settings: &'a ScanSettings,
    pub project: &'a ProjectIndex,
    pub classifier: &'a Classifier<'a>,
}

/// What analysing one Python file produced.
#[derive(Debug, Default)]
pub struct FileOutcome {
    pub lines: u64,
    pub parsed: bool,
    pub diagnostic: Option<Diagnostic>,
    /// After inline suppression (not yet filtered by select/per-file-ignores).
    pub findings: Vec<Finding>,
    pub suppressed: u64,
    /// Every import (for the index).
    pub imports: Vec<ImportRecord>,
    /// Module strings from Django settings.
    pub string_modules: Vec<String>,
    pub url_schemes: Vec<String>,
    /// Kept only when non-empty: for dependency findings located in this file.
    pub suppressions: Option<SuppressMap>,
}

fn is_init(rel: &str) -> bool {
    rel == "__init__.py"
        || rel == "__init__.pyi"
        || rel.ends_with("/__init__.py")
        || rel.ends_with("/__init__.pyi")
}

/// Line (1-based) of a byte offset.
fn line_of(data: &[u8], offset: usize) -> u32 {
    memchr::memchr_iter(b'\n', &data[..offset.min(data.len())]).count() as u32 + 1
}

/// Decode a Python source: UTF-8 (a BOM is dropped), not binary, not empty.
pub fn decode<'a>(rel: &str, data: &'a [u8]) -> Result<&'a str, Diagnostic> {
    if data.is_empty() || data.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Diagnostic::new(
            rel,
            DiagnosticKind::Empty,
            "empty module: nothing to analyse",
        ));
    }
    if inventory::looks_binary(data) {
        let at = memchr::memchr(0, data).unwrap_or(0);
        return Err(Diagnostic::new(
            rel,
            DiagnosticKind::Binary,
            format!("binary data (NUL byte at offset {at}) in a Python file: not parsed"),
        )
        .at(line_of(data, at), 1));
    }
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    std::str::from_utf8(data).map_err(|e| {
        let at = e.valid_up_to();
        let line = line_of(data, at);
        Diagnostic::new(
            rel,
            DiagnosticKind::NotUtf8,
            format!(
                "not valid UTF-8 (byte 0x{:02x} at offset {at}): not parsed",
                data[at]
            ),
        )
        .at(line, 1)
    })
}

/// Analyse one Python source (already read). Never panics on any input.
pub fn analyze_source(
    rel: &str,
    module_name: Option<&str>,
    data: &[u8],
    cx: &ModuleContext,
) -> FileOutcome {
    let mut out = FileOutcome {
        lines: inventory::count_lines(data),
        ..Default::default()
    };
    let source = match decode(rel, data) {
        Ok(s) => s,
        Err(d) => {
            // An empty __init__.py is how packages are made: nothing to say.
            if !(d.kind == DiagnosticKind::Empty && is_init(rel)) {
                out.diagnostic = Some(d);
            }
            return out;
        }
    };
    let parsed = match parser::parse_module(source) {
        Ok(p) => p,
        Err(e) => {
            out.diagnostic = Some(
                Diagnostic::new(
                    rel,
                    DiagnosticKind::SyntaxError,
                    format!("syntax error: {}", e.message),
                )
                .at(e.line, e.column),
            );
            return out;
        }
    };
    out.parsed = true;
    let (imports, strings) = imports::extract(&parsed, source, module_name, is_init(rel));
    out.imports = imports;
    out.string_modules = strings;
    if source.contains("://") {
        out.url_schemes = inventory::url_schemes(source.as_bytes());
    }
    let s = cx.settings;
    let mut findings = Vec::new();
    if s.is_enabled("PA502") {
        oversized(rel, &parsed, out.lines, s, &mut findings);
    }
    let input = ModuleInput {
        rel_path: rel,
        module_name,
        source,
        parsed: &parsed,
    };
    findings.extend(rules::check_module(&input, cx.project, &s.rules));
    let supp = suppressions(&parsed, source);
    if !supp.is_empty() {
        let before = findings.len();
        findings.retain(|f| !supp.suppresses(f.line, &f.code));
        out.suppressed = (before - findings.len()) as u64;
        out.suppressions = Some(supp);
    }
    out.findings = findings;
    out
}

fn suppressions(parsed: &ParsedModule, source: &str) -> SuppressMap {
    let mut m = SuppressMap::default();
    for c in parsed.comments() {
        let text = &source[c.start().to_usize()..c.end().to_usize()];
        if !text.contains("perfaudit") {
            continue;
        }
        if let Some(s) = parse_comment(text) {
            let (line, _) = parsed.line_col(source, c.start());
            m.add(line, s);
        }
    }
    m
}

fn rule_finding(
    code: &str,
    rel: &str,
    line: u32,
    col: u32,
    message: String,
    help: String,
) -> Finding {
    let meta = codes::lookup(code).expect("code in table");
    Finding {
        code: meta.code.to_string(),
        name: meta.name.to_string(),
        severity: meta.severity,
        path: rel.to_string(),
        line,
        column: col,
        message,
        help,
        symbol: None,
        end_line: None,
        end_column: None,
    }
}

/// PA502 oversized-module.
fn oversized(
    rel: &str,
    parsed: &ParsedModule,
    lines: u64,
    s: &ScanSettings,
    out: &mut Vec<Finding>,
) {
    let defs = parsed
        .body()
        .iter()
        .filter(|st| matches!(st, ast::Stmt::FunctionDef(_) | ast::Stmt::ClassDef(_)))
        .count() as u64;
    let mut why = Vec::new();
    if lines > s.max_module_lines {
        why.push(format!("{lines} lines (limit {})", s.max_module_lines));
    }
    if defs > s.max_module_definitions {
        why.push(format!(
            "{defs} top-level functions and classes (limit {})",
            s.max_module_definitions
        ));
    }
    if !why.is_empty() {
        out.push(rule_finding(
            "PA502",
            rel,
            1,
            1,
            format!("module has {}", why.join(" and ")),
            "split it into smaller modules: large modules cost import time and are hard to review"
                .to_string(),
        ));
    }
}

/// Read a Python module into `buf` (a buffer reused from file to file: no allocation, no
/// `stat`, the size is known from the walk) and return its bytes.
fn read_python<'b>(f: &PyFile, max: u64, buf: &'b mut Vec<u8>) -> Result<&'b [u8], Diagnostic> {
    use std::io::Read;
    if f.bytes > max {
        return Err(Diagnostic::new(
            f.rel.clone(),
            DiagnosticKind::TooLarge,
            format!(
                "{} bytes, over the {} byte limit (max-file-size): counted, not parsed",
                f.bytes, max
            ),
        ));
    }
    let unreadable = |e: std::io::Error| {
        Diagnostic::new(
            f.rel.clone(),
            DiagnosticKind::Unreadable,
            format!("cannot read: {e}"),
        )
    };
    // A buffer that grew for one large file is not kept for the rest of the scan.
    if buf.len() > READ_BUFFER_KEEP && (f.bytes as usize) < READ_BUFFER_KEEP {
        *buf = Vec::new();
    }
    // One byte more than expected, so that a read of the whole file is seen to end.
    let want = f.bytes as usize + 1;
    if buf.len() < want {
        buf.resize(want, 0);
    }
    let mut file = std::fs::File::open(&f.path).map_err(unreadable)?;
    let mut n = 0;
    loop {
        if n == buf.len() {
            // The file grew since the walk.
            buf.resize(buf.len() * 2, 0);
        }
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(unreadable(e)),
        }
    }
    if n as u64 > max {
        return Err(Diagnostic::new(
            f.rel.clone(),
            DiagnosticKind::TooLarge,
            format!("{n} bytes, over the {max} byte limit (max-file-size): counted, not parsed"),
        ));
    }
    Ok(&buf[..n])
}

/// Read buffers up to this size are reused from file to file.
const READ_BUFFER_KEEP: usize = 1 << 20;

/// Scan `path` (a directory, or one file).
pub fn scan(
    path: &Path,
    settings: &ScanSettings,
    progress: &(dyn Fn(Progress) + Sync),
) -> ScanReport {
    let started = Instant::now();
    let (base, start) = if path.is_file() {
        (
            path.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf(),
            path.to_path_buf(),
        )
    } else {
        (path.to_path_buf(), path.to_path_buf())
    };
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    if let Err(e) = std::fs::metadata(&start) {
        diagnostics.push(Diagnostic::new(
            ".",
            DiagnosticKind::Unreadable,
            format!("cannot read {}: {e}", path.display()),
        ));
    }
    let walked = walk::walk_from(
        &base,
        &start,
        &WalkOptions {
            excludes: &settings.excludes,
            respect_gitignore: settings.respect_gitignore,
            max_file_bytes: settings.max_file_bytes,
        },
    );
    diagnostics.extend(walked.diagnostics);
    progress(Progress::Walked {
        files: (walked.python.len() + walked.others.len()) as u64,
        python: walked.python.len() as u64,
    });

    // Module names and the first-party set.
    let namer = ModuleNamer::new(walked.python.iter().map(|f| f.rel.as_str()));
    let names: Vec<Option<String>> = walked
        .python
        .iter()
        .map(|f| namer.name(&f.rel).map(|n| n.0))
        .collect();
    let mut first_party: BTreeSet<String> = BTreeSet::new();
    for f in &walked.python {
        if let Some((name, _, ns)) = namer.name(&f.rel) {
            first_party.insert(name.split('.').next().unwrap_or(&name).to_string());
            first_party.extend(ns);
        }
    }
    first_party.extend(settings.extra_first_party.iter().cloned());
    let mut rule_settings = settings.rules.clone();
    rule_settings.first_party = first_party.clone();
    rule_settings.mysql_only = rules::database::mysql_only_project(&base);
    let settings = &ScanSettings {
        rules: rule_settings,
        ..settings.clone()
    };

    // Pass 1: project facts from the modules that may define models or migrations.
    let facts: Vec<rules::ModuleFacts> = walked
        .python
        .par_iter()
        .zip(names.par_iter())
        .map_init(Vec::new, |buf, (f, name)| {
            let data = read_python(f, settings.max_file_bytes, buf).ok()?;
            let source = decode(&f.rel, data).ok()?;
            if !rules::may_have_facts(source) {
                return None;
            }
            let parsed = parser::parse_module(source).ok()?;
            Some(rules::collect_facts(&ModuleInput {
                rel_path: &f.rel,
                module_name: name.as_deref(),
                source,
                parsed: &parsed,
            }))
        })
        .flatten()
        .collect();
    let project = ProjectIndex::from_facts(facts);

    // Pass 2: parse and check every module.
    let classifier = Classifier {
        first_party: &first_party,
    };
    let cx = ModuleContext {
        settings,
        project: &project,
        classifier: &classifier,
    };
    let total = walked.python.len() as u64;
    let done = AtomicU64::new(0);
    let results: Vec<(FileMeasure, FileOutcome)> = walked
        .python
        .par_iter()
        .zip(names.par_iter())
        .map_init(Vec::new, |buf, (f, name)| {
            let outcome = match read_python(f, settings.max_file_bytes, buf) {
                Ok(data) => analyze_source(&f.rel, name.as_deref(), data, &cx),
                Err(d) => {
                    let lines = if d.kind == DiagnosticKind::TooLarge {
                        inventory::measure_file(&f.path, f.rel.clone(), f.bytes, 0)
                            .map(|(m, _)| m.lines)
                            .unwrap_or(0)
                    } else {
                        0
                    };
                    FileOutcome {
                        lines,
                        diagnostic: Some(d),
                        ..Default::default()
                    }
                }
            };
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_multiple_of(64) || n == total {
                progress(Progress::Checked { done: n, total });
            }
            let measure = FileMeasure {
                rel: f.rel.clone(),
                language: "Python",
                extension: inventory::extension_of(&f.path),
                bytes: f.bytes,
                lines: outcome.lines,
            };
            (measure, outcome)
        })
        .collect();

    // Gather.
    let mut findings: Vec<Finding> = Vec::new();
    let mut suppressed = 0u64;
    let mut index = ImportIndex::default();
    let mut file_imports: Vec<FileImports> = Vec::new();
    let mut string_modules: HashSet<String> = HashSet::new();
    let mut url_schemes: HashSet<String> = walked.url_schemes.into_iter().collect();
    let mut supp_maps: HashMap<String, SuppressMap> = HashMap::new();
    let mut parsed_files = 0u64;
    let mut measures: Vec<FileMeasure> = Vec::with_capacity(results.len() + walked.others.len());
    for (m, o) in results {
        if o.parsed {
            parsed_files += 1;
        }
        if let Some(d) = o.diagnostic {
            diagnostics.push(d);
        }
        findings.extend(o.findings);
        suppressed += o.suppressed;
        index.add_module(&o.imports);
        let third: Vec<ImportRecord> = o
            .imports
            .into_iter()
            .filter(|r| !r.relative && classifier.classify(r.top()) == ImportKind::ThirdParty)
            .collect();
        if !third.is_empty() {
            file_imports.push(FileImports {
                rel: m.rel.clone(),
                dev_code: deps::is_dev_code(&m.rel),
                records: third,
            });
        }
        string_modules.extend(o.string_modules);
        url_schemes.extend(o.url_schemes);
        if let Some(s) = o.suppressions {
            supp_maps.insert(m.rel.clone(), s);
        }
        measures.push(m);
    }
    measures.extend(walked.others);
    let inv = inventory::aggregate(measures.iter(), settings.largest_files);
    drop(measures);

    // Dependencies.
    let manifest_root = &base;
    let mans = manifests::read_all(manifest_root);
    diagnostics.extend(mans.diagnostics.iter().cloned());
    let env = settings.python_env.clone().or_else(|| {
        [".venv", "venv", "env", ".env"]
            .iter()
            .map(|d| manifest_root.join(d))
            .find(|p| p.is_dir() && !crate::deps::mapping::site_packages(p).is_empty())
            .or_else(|| std::env::var_os("VIRTUAL_ENV").map(Into::into))
    });
    let env = env.map(|p| {
        if p.is_relative() {
            manifest_root.join(p)
        } else {
            p
        }
    });
    let dist_index = DistIndex::new(env.as_deref(), &settings.dependency_map);
    let (dep_findings, dependencies) = deps::check(&deps::DepInput {
        manifests: &mans,
        index: &dist_index,
        files: &file_imports,
        string_modules: &string_modules,
        url_schemes: &url_schemes,
        allowed_unused: &settings.allowed_unused_dependencies,
        allowed_undeclared: &settings.allowed_undeclared_imports,
    });
    let mut manifest_supp: HashMap<String, SuppressMap> = HashMap::new();
    for f in dep_findings {
        let supp = if let Some(m) = supp_maps.get(&f.path) {
            Some(m)
        } else if mans.files.contains(&f.path) {
            Some(&*manifest_supp.entry(f.path.clone()).or_insert_with(|| {
                std::fs::read_to_string(manifest_root.join(&f.path))
                    .map(|t| SuppressMap::from_text(&t))
                    .unwrap_or_default()
            }))
        } else {
            None
        };
        if supp.is_some_and(|s| s.suppresses(f.line, &f.code)) {
            if settings.is_enabled(&f.code) {
                suppressed += 1;
            }
            continue;
        }
        findings.push(f);
    }

    // Select / ignore / per-file-ignores, in one place for every finding.
    findings.retain(|f| settings.is_enabled(&f.code) && !settings.path_ignores(&f.path, &f.code));
    findings.sort_by(|a, b| {
        a.path
            .cmp(&b.path)
            .then(a.line.cmp(&b.line))
            .then(a.column.cmp(&b.column))
            .then(a.code.cmp(&b.code))
    });
    findings.dedup();
    diagnostics.sort_by(|a, b| {
        a.path
            .cmp(&b.path)
            .then(a.line.cmp(&b.line))
            .then(a.kind.cmp(&b.kind))
    });
    diagnostics.dedup();

    let summary = summarize(&findings);
    ScanReport {
        schema: SCHEMA_SCAN.to_string(),
        root: path.display().to_string(),
        files: inv.files,
        lines: inv.lines,
        bytes: inv.bytes,
        python_files: total,
        parsed_files,
        languages: inv.languages,
        extensions: inv.extensions,
        largest_files: inv.largest_files,
        imports: index.summary(&classifier, settings.most_common),
        dependencies,
        findings,
        suppressed,
        summary,
        diagnostics,
        duration_ms: started.elapsed().as_millis() as u64,
    }
}

fn summarize(findings: &[Finding]) -> FindingSummary {
    let mut s = FindingSummary::default();
    let mut by: BTreeMap<&str, CodeCount> = BTreeMap::new();
    for f in findings {
        match f.severity {
            perfaudit_model::Severity::Error => s.error += 1,
            perfaudit_model::Severity::Warning => s.warning += 1,
            perfaudit_model::Severity::Info => s.info += 1,
        }
        by.entry(&f.code)
            .or_insert_with(|| CodeCount {
                code: f.code.clone(),
                name: f.name.clone(),
                severity: f.severity,
                count: 0,
            })
            .count += 1;
    }
    s.by_code = by.into_values().collect();
    s
}

/// Analyse one file's bytes on its own (no project context but its own facts): what the fuzz
/// target and single-source callers use. Never panics on any input.
pub fn analyze_standalone(rel: &str, data: &[u8], settings: &ScanSettings) -> FileOutcome {
    let mut facts = Vec::new();
    if let Ok(source) = decode(rel, data) {
        if rules::may_have_facts(source) {
            if let Ok(parsed) = parser::parse_module(source) {
                facts.push(rules::collect_facts(&ModuleInput {
                    rel_path: rel,
                    module_name: None,
                    source,
                    parsed: &parsed,
                }));
            }
        }
    }
    let project = ProjectIndex::from_facts(facts);
    let first_party = BTreeSet::new();
    let classifier = Classifier {
        first_party: &first_party,
    };
    let cx = ModuleContext {
        settings,
        project: &project,
        classifier: &classifier,
    };
    analyze_source(rel, None, data, &cx)
}

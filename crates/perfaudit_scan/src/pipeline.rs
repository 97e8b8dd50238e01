//! The scan pipeline: walk (+ facts pass) -> (parse + check pass) -> dependencies -> report.
//!
//! Memory stays bounded: no more than one AST per worker thread is alive at a time. The walk
//! reads each Python module as it finds it; those that may define models or migrations
//! (`rules::may_have_facts`, a cheap textual test) are parsed there to build the project
//! index (a second parse for those few), and up to `keep_python_bytes` of small modules' text
//! is kept. Every module is then parsed in the second pass (read again unless its text was
//! kept), checked, and dropped.

use crate::deps::{self, manifests, mapping::DistIndex, FileImports};
use crate::imports::{self, Classifier, ImportIndex, ImportRecord, ModuleNamer};
use crate::inventory::{self, FileMeasure};
use crate::python::parser::{self, ast, ParsedModule};
use crate::rules::{self, ModuleInput, ProjectIndex, Rule};
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
use std::sync::Mutex;
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
            let (kind, message) = if e.too_deep {
                (
                    DiagnosticKind::TooLarge,
                    format!("{}: counted, not analysed", e.message),
                )
            } else {
                (
                    DiagnosticKind::SyntaxError,
                    format!("syntax error: {}", e.message),
                )
            };
            out.diagnostic = Some(Diagnostic::new(rel, kind, message).at(e.line, e.column));
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
    if s.is_enabled(Rule::OversizedModule) {
        oversized(rel, &parsed, out.lines, s, &mut findings);
    }
    let input = ModuleInput {
        rel_path: rel,
        module_name,
        source,
        parsed: &parsed,
    };
    if s.rules.any_module_rule() {
        findings.extend(rules::check_module(&input, cx.project, &s.rules));
    }
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
    rule: Rule,
    rel: &str,
    line: u32,
    col: u32,
    message: String,
    help: String,
) -> Finding {
    let meta = rule.meta();
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
            Rule::OversizedModule,
            rel,
            1,
            1,
            format!("module has {}", why.join(" and ")),
            "split it into smaller modules: large modules cost import time and are hard to review"
                .to_string(),
        ));
    }
}

/// Read a Python module into `buf` (reused from file to file; the size is known from the walk)
/// and return its bytes.
fn read_python<'b>(f: &PyFile, max: u64, buf: &'b mut Vec<u8>) -> Result<&'b [u8], Diagnostic> {
    let too_large = |n: u64| {
        Diagnostic::new(
            f.rel.clone(),
            DiagnosticKind::TooLarge,
            format!("{n} bytes, over the {max} byte limit (max-file-size): counted, not parsed"),
        )
    };
    if f.bytes > max {
        return Err(too_large(f.bytes));
    }
    walk::release_large(buf);
    match walk::read_into(&f.path, f.bytes, max, buf) {
        Ok(n) if n as u64 > max => Err(too_large(n as u64)),
        Ok(n) => Ok(&buf[..n]),
        Err(e) => Err(Diagnostic::new(
            f.rel.clone(),
            DiagnosticKind::Unreadable,
            format!("cannot read: {e}"),
        )),
    }
}

/// Stack of each scan worker (reserved, not committed: only what deep code touches counts).
pub const WORKER_STACK: usize = 64 << 20;

/// Scan `path` (a directory, or one file).
///
/// The checks recurse once per level of the code's nesting (up to [`parser::MAX_NESTING`]):
/// run it on threads with deep stacks ([`WORKER_STACK`], e.g. rayon's global pool built with
/// that stack size, as the `perfaudit` binary does).
pub fn scan(
    path: &Path,
    settings: &ScanSettings,
    progress: &(dyn Fn(Progress) + Sync),
) -> ScanReport {
    // The passes that run on the calling thread (the project-wide index, small projects) get
    // the same deep stack as the workers: the caller's may be the 8 MiB main thread.
    stacker::grow(WORKER_STACK, || {
        scan_on_deep_stack(path, settings, progress)
    })
}

fn scan_on_deep_stack(
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
    // Pass 1, on the walker's threads as it finds them: project facts from the modules that may
    // define models or migrations (a textual test, then a parse of the few that pass).
    let facts: Mutex<Vec<rules::ModuleFacts>> = Mutex::new(Vec::new());
    let first_look = |f: &PyFile, data: &[u8]| {
        let Ok(source) = decode(&f.rel, data) else {
            return;
        };
        if !rules::may_have_facts(source) {
            return;
        }
        if let Ok(parsed) = parser::parse_module(source) {
            let module = rules::collect_facts(&ModuleInput {
                rel_path: &f.rel,
                // Facts do not depend on the dotted name (not known before the walk ends).
                module_name: None,
                source,
                parsed: &parsed,
            });
            facts.lock().unwrap_or_else(|p| p.into_inner()).push(module);
        }
    };
    let walked = walk::walk_from(
        &base,
        &start,
        &WalkOptions {
            excludes: &settings.excludes,
            respect_gitignore: settings.respect_gitignore,
            max_file_bytes: settings.max_file_bytes,
            // Without rules that ask it there is no project index to build: the walk only stats.
            python_hook: settings
                .rules
                .needs_project_index()
                .then_some(&first_look as walk::PythonHook),
            keep_python_bytes: settings.keep_python_bytes,
        },
    );
    diagnostics.extend(walked.diagnostics);
    progress(Progress::Walked {
        files: (walked.python.len() + walked.others.len()) as u64,
        python: walked.python.len() as u64,
    });

    // Module names and the first-party set.
    let namer = ModuleNamer::new(walked.python.iter().map(|f| f.rel.as_str()));
    let named: Vec<Option<(String, bool, Vec<String>)>> = walked
        .python
        .par_iter()
        .map(|f| namer.name(&f.rel))
        .collect();
    let mut first_party: BTreeSet<String> = BTreeSet::new();
    let names: Vec<Option<String>> = named
        .into_iter()
        .map(|n| {
            n.map(|(name, _, ns)| {
                let top = name.split('.').next().unwrap_or(&name);
                if !first_party.contains(top) {
                    first_party.insert(top.to_string());
                }
                first_party.extend(ns);
                name
            })
        })
        .collect();
    first_party.extend(settings.extra_first_party.iter().cloned());
    let mut rule_settings = settings.rules.clone();
    rule_settings.first_party = first_party.clone();
    // The dependency manifests, read once: PA308 needs the database drivers, PA504-PA506 the rest.
    let manifest_root = &base;
    let mans = manifests::read_all(manifest_root);
    rule_settings.mysql_only = rules::database::mysql_only(&mans.declared);
    let settings = &ScanSettings {
        rules: rule_settings,
        ..settings.clone()
    };

    // The walk's threads found them in no particular order.
    let mut facts = facts.into_inner().unwrap_or_else(|p| p.into_inner());
    facts.sort_by(|a, b| a.path.cmp(&b.path));
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
    // Largest modules first, so that no worker is left with a large one at the end while the
    // others idle; the results are put back in path order afterwards.
    let mut work: Vec<(usize, PyFile, Option<String>)> = walked
        .python
        .into_iter()
        .zip(names)
        .enumerate()
        .map(|(i, (f, name))| (i, f, name))
        .collect();
    work.sort_by_key(|(_, f, _)| std::cmp::Reverse(f.bytes));
    let mut results: Vec<(usize, FileMeasure, FileOutcome, Option<FileImports>)> = work
        .into_par_iter()
        .map_init(Vec::new, |buf, (order, mut f, name)| {
            // The walk's copy if it kept one (dropped with `f` once analysed), else read again.
            let outcome = match f.text.take() {
                Some(text) => Ok(analyze_source(&f.rel, name.as_deref(), &text, &cx)),
                None => read_python(&f, settings.max_file_bytes, buf)
                    .map(|data| analyze_source(&f.rel, name.as_deref(), data, &cx)),
            };
            let outcome = match outcome {
                Ok(outcome) => outcome,
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
            // What the dependency check needs: this file's third-party imports.
            let third: Vec<ImportRecord> = outcome
                .imports
                .iter()
                .filter(|r| !r.relative && classifier.classify(r.top()) == ImportKind::ThirdParty)
                .cloned()
                .collect();
            let third = (!third.is_empty()).then(|| FileImports {
                rel: f.rel.clone(),
                dev_code: deps::is_dev_code(&f.rel),
                records: third,
            });
            (order, measure, outcome, third)
        })
        .collect();
    results.sort_unstable_by_key(|r| r.0);

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
    for (_, m, o, third) in results {
        if o.parsed {
            parsed_files += 1;
        }
        if let Some(d) = o.diagnostic {
            diagnostics.push(d);
        }
        findings.extend(o.findings);
        suppressed += o.suppressed;
        index.add_module(&o.imports);
        file_imports.extend(third);
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
            if settings.is_code_enabled(&f.code) {
                suppressed += 1;
            }
            continue;
        }
        findings.push(f);
    }

    // Select / ignore / per-file-ignores, in one place for every finding.
    findings
        .retain(|f| settings.is_code_enabled(&f.code) && !settings.path_ignores(&f.path, &f.code));
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

//! One entry point per kind of document. Each matches its kind's format enum
//! ([`crate::format`]) exhaustively — there is no `_` arm, so a format added to a kind's list
//! without its renderer does not compile, and no format falls through to another (ripgrep's
//! `Printer`, hyperfine's `ExportType`). The renderers themselves live one file per format
//! (`text/`, `markdown/`, `html/`, ...), one file per kind inside it.

use crate::format::formats;
use crate::sarif::RuleDescriptor;
use crate::style::Style;
use crate::{csv, html, json, junit, markdown, openmetrics, sarif, text};
use perfaudit_model::bench::{BenchDocument, ImportsDocument};
use perfaudit_model::history::HistoryList;
use perfaudit_model::load::LoadResult;
use perfaudit_model::monitor::MonitorReport;
use perfaudit_model::profile::ProfileReport;
use perfaudit_model::rules::RulesDocument;
use perfaudit_model::run::{CompareDocument, RunRecord};
use perfaudit_model::scan::ScanReport;
use perfaudit_model::Severity;
use std::io::{self, Write};

// Each kind's list of formats. Adding a format to a kind = its name here + its arm in the kind's
// entry point below + the renderer's file (the README table and the snapshot are generated).
formats!(
    /// `perfaudit profile`: a CPU profile.
    ProfileFormat, "CPU profile": Text, Json, Html, Collapsed, Speedscope
);
formats!(
    /// `perfaudit scan`.
    ScanFormat, "scan report": Text, Json, Markdown, Html, Sarif
);
formats!(
    /// `perfaudit rule`: the rule catalog or one rule's doc.
    RulesFormat, "rule catalog": Text, Json, Markdown
);
formats!(
    /// `perfaudit load` and `load merge`.
    LoadFormat, "load result": Text, Json, Markdown, Html, Openmetrics
);
formats!(
    /// `perfaudit bench` (and its `--export-*` files).
    BenchFormat, "bench document": Text, Json, Markdown, Html, Csv
);
formats!(
    /// `perfaudit imports`.
    ImportsFormat, "imports profile": Text, Json, Markdown, Html
);
formats!(
    /// `perfaudit monitor`.
    MonitorFormat, "monitor report": Text, Json, Markdown, Html, Openmetrics, Csv
);
formats!(
    /// `perfaudit audit` and `perfaudit report`: a whole run.
    RunFormat, "run": Text, Json, Markdown, Html, Junit, Openmetrics
);
formats!(
    /// `perfaudit compare`.
    CompareFormat, "comparison": Text, Json, Markdown, Html
);
formats!(
    /// `perfaudit report --list`: the stored runs.
    HistoryFormat, "history list": Text, Json
);

/// What the scan renderers need besides the report.
#[derive(Debug, Clone, Copy)]
pub struct ScanOptions<'a> {
    pub style: Style,
    /// The `--fail-on` severity (the text summary says what fails).
    pub fail_on: Severity,
    /// Every rule of the registry (SARIF describes them).
    pub rules: &'a [RuleDescriptor],
}

pub fn scan(
    w: &mut dyn Write,
    doc: &ScanReport,
    f: ScanFormat,
    o: &ScanOptions<'_>,
) -> io::Result<()> {
    match f {
        ScanFormat::Text => text::scan::write(w, doc, o.style, o.fail_on),
        ScanFormat::Json => json::write(w, doc),
        ScanFormat::Markdown => markdown::scan::write(w, doc),
        ScanFormat::Html => html::scan::write(w, doc),
        ScanFormat::Sarif => sarif::write_scan(w, doc, o.rules),
    }
}

pub fn rules(w: &mut dyn Write, doc: &RulesDocument, f: RulesFormat, st: Style) -> io::Result<()> {
    match f {
        RulesFormat::Text => text::rules::write(w, doc, &st),
        RulesFormat::Json => json::write(w, doc),
        RulesFormat::Markdown => markdown::rules::write(w, doc),
    }
}

pub fn load(w: &mut dyn Write, doc: &LoadResult, f: LoadFormat, st: Style) -> io::Result<()> {
    match f {
        LoadFormat::Text => text::load::write(w, doc, st),
        LoadFormat::Json => json::write(w, doc),
        LoadFormat::Markdown => markdown::load::write(w, doc),
        LoadFormat::Html => html::load::write(w, doc),
        LoadFormat::Openmetrics => openmetrics::load::write(w, doc),
    }
}

/// The text options of a bench document (`--show-runs`).
pub use crate::text::bench::TextOptions as BenchOptions;

pub fn bench(
    w: &mut dyn Write,
    doc: &BenchDocument,
    f: BenchFormat,
    o: BenchOptions,
) -> io::Result<()> {
    match f {
        BenchFormat::Text => text::bench::render(w, doc, o),
        BenchFormat::Json => json::write(w, doc),
        BenchFormat::Markdown => markdown::bench::render(w, doc),
        BenchFormat::Html => html::bench::write(w, doc),
        BenchFormat::Csv => csv::bench::render(w, doc),
    }
}

pub fn imports(
    w: &mut dyn Write,
    doc: &ImportsDocument,
    f: ImportsFormat,
    st: Style,
) -> io::Result<()> {
    match f {
        ImportsFormat::Text => text::imports::render(w, doc, st),
        ImportsFormat::Json => json::write(w, doc),
        ImportsFormat::Markdown => markdown::imports::render(w, doc),
        ImportsFormat::Html => html::imports::write(w, doc),
    }
}

pub fn monitor(
    w: &mut dyn Write,
    doc: &MonitorReport,
    f: MonitorFormat,
    st: Style,
) -> io::Result<()> {
    match f {
        MonitorFormat::Text => text::monitor::write(w, doc, &st),
        MonitorFormat::Json => json::write(w, doc),
        MonitorFormat::Markdown => markdown::monitor::write(w, doc),
        MonitorFormat::Html => html::monitor::write(w, doc),
        MonitorFormat::Openmetrics => openmetrics::monitor::write(w, doc),
        MonitorFormat::Csv => csv::monitor::write(w, doc),
    }
}

/// A CPU profile (speedscope's document is titled by the command or pid).
pub fn profile(
    w: &mut dyn Write,
    doc: &ProfileReport,
    f: ProfileFormat,
    st: Style,
) -> io::Result<()> {
    match f {
        ProfileFormat::Text => text::profile::write(w, doc, &st),
        ProfileFormat::Json => json::write(w, doc),
        ProfileFormat::Html => html::profile::write(w, doc),
        ProfileFormat::Collapsed => crate::profile::collapsed::write(w, &doc.profile),
        ProfileFormat::Speedscope => {
            let name = match &doc.target.command {
                Some(c) => c.join(" "),
                None => format!("pid {}", doc.target.pid),
            };
            crate::profile::speedscope::write(w, &doc.profile, &name)
        }
    }
}

pub fn run(w: &mut dyn Write, doc: &RunRecord, f: RunFormat, st: Style) -> io::Result<()> {
    match f {
        RunFormat::Text => text::run::write(w, doc, &st),
        RunFormat::Json => json::write(w, doc),
        RunFormat::Markdown => markdown::run::write(w, doc),
        RunFormat::Html => html::run::write(w, doc),
        RunFormat::Junit => junit::write_run(w, doc),
        RunFormat::Openmetrics => openmetrics::run::write(w, doc),
    }
}

/// What the comparison renderers need besides the document.
#[derive(Debug, Clone, Copy, Default)]
pub struct CompareOptions {
    pub style: Style,
    /// Text: hide the metrics whose verdict is "unchanged".
    pub changed_only: bool,
}

pub fn compare(
    w: &mut dyn Write,
    doc: &CompareDocument,
    f: CompareFormat,
    o: CompareOptions,
) -> io::Result<()> {
    match f {
        CompareFormat::Text => text::run::write_compare(w, doc, &o.style, o.changed_only),
        CompareFormat::Json => json::write(w, doc),
        CompareFormat::Markdown => markdown::run::write_compare(w, doc),
        CompareFormat::Html => html::run::write_compare(w, doc),
    }
}

pub fn history(w: &mut dyn Write, doc: &HistoryList, f: HistoryFormat) -> io::Result<()> {
    match f {
        HistoryFormat::Text => text::history::write(w, doc),
        HistoryFormat::Json => json::write(w, doc),
    }
}

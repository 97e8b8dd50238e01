//! Every document kind in every one of its formats, pinned by insta snapshots
//! (`src/snapshots/`). The stage documents are real outputs of the binary
//! (`tests/fixtures/*.json`); the run and its comparison are `html::testdata`. Filters mask what
//! changes from build to build or machine to machine (uv's `INSTA_FILTERS`): the version, and
//! any absolute temporary path. Review a changed rendering with `cargo insta review`, or accept
//! all with `INSTA_UPDATE=always cargo test -p perfaudit_report`.

use crate::format::DocumentFormat;
use crate::render::{
    self, BenchFormat, CompareFormat, CompareOptions, HistoryFormat, ImportsFormat, LoadFormat,
    MonitorFormat, RulesFormat, RunFormat, ScanFormat, ScanOptions,
};
use crate::sarif::RuleDescriptor;
use crate::style::Style;
use perfaudit_model::history::{HistoryList, RunSummary};
use perfaudit_model::rules::{RuleDocText, RuleEntry, RulesDocument};
use perfaudit_model::run::RunStatus;
use perfaudit_model::Severity;
use std::io;

const FILTERS: &[(&str, &str)] = &[
    // perfaudit's own version (HTML footers, SARIF's tool driver).
    (r"perfaudit \d+\.\d+\.\d+", "perfaudit [VERSION]"),
    (r#""version": "\d+\.\d+\.\d+""#, r#""version": "[VERSION]""#),
    (r"/tmp/[A-Za-z0-9._/-]+", "[TEMP]"),
];

fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Render `doc` in every format of its kind and pin each output.
fn pin<K: DocumentFormat>(kind: &str, render: impl Fn(&mut Vec<u8>, K) -> io::Result<()>) {
    for &f in K::ALL {
        let mut out = Vec::new();
        render(&mut out, f).unwrap();
        let text = String::from_utf8(out).unwrap();
        insta::with_settings!({ filters => FILTERS.to_vec(), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("{kind}.{}", f.name()), text);
        });
    }
}

#[test]
fn scan_report() {
    let doc = fixture("scan.json");
    let rules = [RuleDescriptor {
        code: "PA503".into(),
        name: "unused-import".into(),
        severity: Severity::Warning,
        group: "Start-up, inventory and dependencies".into(),
    }];
    let o = ScanOptions {
        style: Style::new(false),
        fail_on: Severity::Warning,
        rules: &rules,
    };
    pin::<ScanFormat>("scan", |w, f| render::scan(w, &doc, f, &o));
}

#[test]
fn rule_catalog() {
    let entry = |code: &str, opt_in: Option<&str>, doc: bool| RuleEntry {
        code: code.into(),
        name: "blocking-sleep-in-async".into(),
        group: "A".into(),
        group_title: "The event loop".into(),
        severity: Severity::Error,
        stage: "module".into(),
        opt_in: opt_in.is_some(),
        opt_in_reason: opt_in.map(String::from),
        doc: doc.then(|| RuleDocText {
            what: "Finds `time.sleep` in async code.".into(),
            why: "It blocks the event loop: every other request waits.".into(),
            example: "async def f():\n    time.sleep(1)".into(),
            use_instead: "async def f():\n    await asyncio.sleep(1)".into(),
            limits: "Aliases through attributes are not followed.".into(),
        }),
    };
    let list = RulesDocument::new(vec![
        entry("PA101", None, false),
        entry("PA102", Some("it is noisy"), false),
    ]);
    pin::<RulesFormat>("rules_list", |w, f| {
        render::rules(w, &list, f, Style::new(false))
    });
    let full = RulesDocument::new(vec![entry("PA101", Some("it is noisy"), true)]);
    pin::<RulesFormat>("rules_doc", |w, f| {
        render::rules(w, &full, f, Style::new(false))
    });
}

#[test]
fn load_result() {
    let doc = fixture("load.json");
    pin::<LoadFormat>("load", |w, f| render::load(w, &doc, f, Style::new(false)));
}

#[test]
fn bench_document() {
    let doc = fixture("bench.json");
    pin::<BenchFormat>("bench", |w, f| {
        render::bench(w, &doc, f, render::BenchOptions::default())
    });
}

#[test]
fn imports_profile() {
    let doc = fixture("imports.json");
    pin::<ImportsFormat>("imports", |w, f| {
        render::imports(w, &doc, f, Style::new(false))
    });
}

#[test]
fn monitor_report() {
    let doc = fixture("monitor.json");
    pin::<MonitorFormat>("monitor", |w, f| {
        render::monitor(w, &doc, f, Style::new(false))
    });
}

#[test]
fn run_record() {
    let run = crate::html::testdata::sample_run();
    pin::<RunFormat>("run", |w, f| render::run(w, &run, f, Style::new(false)));
}

#[test]
fn comparison() {
    let doc = crate::html::testdata::sample_run().comparison.unwrap();
    let o = CompareOptions {
        style: Style::new(false),
        changed_only: false,
    };
    pin::<CompareFormat>("compare", |w, f| render::compare(w, &doc, f, o));
}

#[test]
fn history_list() {
    let doc = HistoryList::new(vec![
        RunSummary {
            id: 2,
            project: "docservice".into(),
            started_at: "2026-11-22T13:00:00Z".into(),
            status: RunStatus::Fail,
            commit: Some("0123456789abcdef".into()),
            baseline: false,
        },
        RunSummary {
            id: 1,
            project: "docservice".into(),
            started_at: "2026-11-22T12:00:00Z".into(),
            status: RunStatus::Pass,
            commit: None,
            baseline: true,
        },
    ]);
    pin::<HistoryFormat>("history", |w, f| render::history(w, &doc, f));
}

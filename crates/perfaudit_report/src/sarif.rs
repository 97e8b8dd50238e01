//! SARIF 2.1.0 rendering of scan findings (GitHub code scanning, IDEs). Findings become
//! `results` with their rule, level and region; per-file diagnostics become tool execution
//! notifications of the invocation (they are not rule results).

use perfaudit_model::scan::ScanReport;
use perfaudit_model::Severity;
use serde_json::{json, Value};
use std::io::{self, Write};

/// What SARIF says about a rule (the binary fills these from the codes table).
#[derive(Debug, Clone)]
pub struct RuleDescriptor {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub group: String,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative path as a SARIF URI reference: `/`-separated, percent-encoding what a URI
/// cannot hold.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub fn scan_document(r: &ScanReport, rules: &[RuleDescriptor]) -> Value {
    let rule_objs: Vec<Value> = rules
        .iter()
        .map(|d| {
            json!({
                "id": d.code,
                "name": d.name,
                "shortDescription": { "text": format!("{} ({})", d.name, d.group) },
                "helpUri": format!("https://example.invalid/perfaudit/rules/{}", d.code),
                "help": { "text": format!("Run `perfaudit rule {}` for the rule's documentation.", d.code) },
                "defaultConfiguration": { "level": level(d.severity) },
                "properties": { "tags": [d.group] },
            })
        })
        .collect();
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let mut region = json!({ "startLine": f.line, "startColumn": f.column });
            if let Some(l) = f.end_line {
                region["endLine"] = json!(l);
            }
            if let Some(c) = f.end_column {
                region["endColumn"] = json!(c);
            }
            let mut res = json!({
                "ruleId": f.code,
                "level": level(f.severity),
                "message": { "text": format!("{} ({})", f.message, f.help) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&f.path), "uriBaseId": "%SRCROOT%" },
                        "region": region,
                    }
                }],
            });
            if let Some(i) = rules.iter().position(|d| d.code == f.code) {
                res["ruleIndex"] = json!(i);
            }
            if let Some(s) = &f.symbol {
                res["properties"] = json!({ "symbol": s });
            }
            res
        })
        .collect();
    let notifications: Vec<Value> = r
        .diagnostics
        .iter()
        .map(|d| {
            let mut loc = json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": uri(&d.path), "uriBaseId": "%SRCROOT%" }
                }
            });
            if let Some(l) = d.line {
                loc["physicalLocation"]["region"] =
                    json!({ "startLine": l, "startColumn": d.column.unwrap_or(1) });
            }
            json!({
                "level": level(d.severity),
                "message": { "text": d.message },
                "descriptor": { "id": d.kind.as_str() },
                "locations": [loc],
            })
        })
        .collect();
    let unreadable = r
        .diagnostics
        .iter()
        .any(|d| d.kind == perfaudit_model::scan::DiagnosticKind::Unreadable);
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "perfaudit",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://example.invalid/perfaudit",
                    "rules": rule_objs,
                }
            },
            "originalUriBaseIds": { "%SRCROOT%": { "description": { "text": r.root } } },
            "invocations": [{
                "executionSuccessful": !unreadable,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }]
    })
}

pub fn write_scan<W: Write + ?Sized>(
    w: &mut W,
    r: &ScanReport,
    rules: &[RuleDescriptor],
) -> io::Result<()> {
    let doc = scan_document(r, rules);
    serde_json::to_writer_pretty(&mut *w, &doc).map_err(io::Error::other)?;
    w.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_encoded() {
        assert_eq!(uri("app/a b#.py"), "app/a%20b%23.py");
    }
}

//! JUnit XML of an audit run for CI: one test case per KPI (warn passes, with the message in
//! `system-out`), one per metric compared with the baseline (a regression fails), one error
//! per stage that could not run.

use crate::escape::xml;
use perfaudit_model::run::{KpiStatus, RunRecord, Verdict};
use std::io::{self, Write};

pub fn write_run(w: &mut dyn Write, run: &RunRecord) -> io::Result<()> {
    let kpi_fail = run
        .kpis
        .iter()
        .filter(|k| k.status == KpiStatus::Fail)
        .count();
    let cmp = run.comparison.as_ref();
    let reg_fail = cmp.map_or(0, |c| {
        c.metrics
            .iter()
            .filter(|m| m.verdict == Verdict::Regression)
            .count()
    });
    let reg_total = cmp.map_or(0, |c| c.metrics.len());
    let total = run.kpis.len() + reg_total + run.errors.len();
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="perfaudit {}" tests="{total}" failures="{}" errors="{}" time="{:.3}">"#,
        xml(&run.project),
        kpi_fail + reg_fail,
        run.errors.len(),
        run.duration_s
    )?;
    writeln!(
        w,
        r#"  <testsuite name="kpis" tests="{}" failures="{kpi_fail}" errors="0" timestamp="{}">"#,
        run.kpis.len(),
        xml(&run.started_at)
    )?;
    for k in &run.kpis {
        let name = format!("{} {}", k.metric, k.target);
        write!(
            w,
            r#"    <testcase classname="perfaudit.kpi" name="{}" time="0">"#,
            xml(&name)
        )?;
        match k.status {
            KpiStatus::Fail => write!(
                w,
                r#"<failure message="{}" type="kpi">{}</failure>"#,
                xml(&k.message),
                xml(&k.message)
            )?,
            KpiStatus::Warn => write!(w, "<system-out>warning: {}</system-out>", xml(&k.message))?,
            KpiStatus::Pass => write!(w, "<system-out>{}</system-out>", xml(&k.message))?,
        }
        writeln!(w, "</testcase>")?;
    }
    writeln!(w, "  </testsuite>")?;
    if let Some(c) = cmp {
        writeln!(
            w,
            r#"  <testsuite name="regressions" tests="{reg_total}" failures="{reg_fail}" errors="0">"#
        )?;
        for m in &c.metrics {
            let detail = format!(
                "{} vs baseline run #{}: change {}, p {}",
                m.verdict,
                c.base_id,
                m.change
                    .map_or_else(|| "-".into(), |x| format!("{:+.1}%", x * 100.0)),
                m.p_value.map_or_else(|| "-".into(), |p| format!("{p:.2e}"))
            );
            write!(
                w,
                r#"    <testcase classname="perfaudit.regression" name="{}" time="0">"#,
                xml(&m.metric)
            )?;
            if m.verdict == Verdict::Regression {
                write!(
                    w,
                    r#"<failure message="{}" type="regression">{}</failure>"#,
                    xml(&detail),
                    xml(&detail)
                )?;
            } else {
                write!(w, "<system-out>{}</system-out>", xml(&detail))?;
            }
            writeln!(w, "</testcase>")?;
        }
        writeln!(w, "  </testsuite>")?;
    }
    if !run.errors.is_empty() {
        writeln!(
            w,
            r#"  <testsuite name="stages" tests="{n}" failures="0" errors="{n}">"#,
            n = run.errors.len()
        )?;
        for e in &run.errors {
            writeln!(
                w,
                r#"    <testcase classname="perfaudit.stage" name="{}" time="0"><error message="{}" type="stage"/></testcase>"#,
                xml(&e.stage),
                xml(&e.message)
            )?;
        }
        writeln!(w, "  </testsuite>")?;
    }
    writeln!(w, "</testsuites>")
}

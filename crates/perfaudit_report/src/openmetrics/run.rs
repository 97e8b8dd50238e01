//! OpenMetrics text of an audit run's results (for a Pushgateway or a textfile collector).

use crate::escape::label_value as lv;
use perfaudit_model::run::{KpiStatus, RunRecord, Verdict};
use std::io::{self, Write};

fn num(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

pub fn write(w: &mut dyn Write, run: &RunRecord) -> io::Result<()> {
    let p = lv(&run.project);
    writeln!(w, "# TYPE perfaudit_run info")?;
    writeln!(
        w,
        "# HELP perfaudit_run The audit run these metrics come from."
    )?;
    writeln!(
        w,
        "perfaudit_run_info{{project=\"{p}\",run=\"{}\",status=\"{}\",commit=\"{}\"}} 1",
        run.id,
        run.status,
        lv(run.git.as_ref().map_or("", |g| g.commit.as_str()))
    )?;
    writeln!(w, "# TYPE perfaudit_run_duration_seconds gauge")?;
    writeln!(w, "# UNIT perfaudit_run_duration_seconds seconds")?;
    writeln!(
        w,
        "perfaudit_run_duration_seconds{{project=\"{p}\"}} {}",
        num(run.duration_s)
    )?;
    writeln!(w, "# TYPE perfaudit_metric gauge")?;
    writeln!(
        w,
        "# HELP perfaudit_metric A measured metric of the audit, in the unit of its `unit` label."
    )?;
    for (name, m) in &run.metrics {
        writeln!(
            w,
            "perfaudit_metric{{project=\"{p}\",metric=\"{}\",unit=\"{}\"}} {}",
            lv(name),
            lv(&m.unit),
            num(m.value)
        )?;
    }
    if !run.kpis.is_empty() {
        writeln!(w, "# TYPE perfaudit_kpi_status gauge")?;
        writeln!(
            w,
            "# HELP perfaudit_kpi_status KPI verdict: 0 pass, 1 warn, 2 fail."
        )?;
        for k in &run.kpis {
            let v = match k.status {
                KpiStatus::Pass => 0,
                KpiStatus::Warn => 1,
                KpiStatus::Fail => 2,
            };
            writeln!(
                w,
                "perfaudit_kpi_status{{project=\"{p}\",metric=\"{}\",target=\"{}\"}} {v}",
                lv(&k.metric),
                lv(&k.target)
            )?;
        }
    }
    if let Some(c) = &run.comparison {
        writeln!(w, "# TYPE perfaudit_regression gauge")?;
        writeln!(
            w,
            "# HELP perfaudit_regression 1 when the metric regressed significantly against the baseline run."
        )?;
        for m in &c.metrics {
            writeln!(
                w,
                "perfaudit_regression{{project=\"{p}\",metric=\"{}\",baseline=\"{}\"}} {}",
                lv(&m.metric),
                c.base_id,
                u8::from(m.verdict == Verdict::Regression)
            )?;
        }
    }
    if let Some(s) = &run.scan {
        writeln!(w, "# TYPE perfaudit_findings gauge")?;
        for sev in ["error", "warning", "info"] {
            writeln!(
                w,
                "perfaudit_findings{{project=\"{p}\",severity=\"{sev}\"}} {}",
                s.counts.get(sev).copied().unwrap_or(0)
            )?;
        }
    }
    writeln!(w, "# EOF")
}

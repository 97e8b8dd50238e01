//! The parts of a report page, each writing HTML into a `String`. Every value that came from
//! scanned code, a command line or a server is escaped here.

use super::chart::{bars, fmt_plain, LineChart, Series, XScale};
use crate::escape::html as esc;
use perfaudit_model::run::{
    BenchSection, CompareDocument, Environment, FindingView, ImportsSection, KpiResult,
    LoadSection, MonitorSection, ScanSection, Verdict,
};
use std::fmt::Write as _;

pub use perfaudit_model::units::{fmt_bytes, fmt_secs as fmt_s, fmt_us, fmt_value};

fn fmt_ms_tick(ms: f64) -> String {
    fmt_us(ms * 1e3)
}

fn fmt_mib_tick(v: f64) -> String {
    format!("{}M", fmt_plain(v))
}

fn fmt_pct_tick(v: f64) -> String {
    format!("{}%", fmt_plain(v))
}

pub fn badge(status: &str) -> String {
    format!(
        r#"<span class="badge {s}">{}</span>"#,
        esc(&status.to_uppercase()),
        s = esc(status)
    )
}

pub fn kpis(out: &mut String, kpis: &[KpiResult]) {
    if kpis.is_empty() {
        return;
    }
    out.push_str(r#"<h2 id="kpis">KPIs</h2><table class="sortable kpis"><thead><tr><th>status</th><th>metric</th><th>target</th><th>current</th><th>why</th></tr></thead><tbody>"#);
    for k in kpis {
        let value = k
            .value
            .map_or_else(|| "—".to_string(), |v| fmt_value(v, &k.unit));
        let _ = write!(
            out,
            r#"<tr class="kpi-{s}"><td data-v="{s}">{}</td><td><code>{}</code></td><td>{}</td><td class="n" data-v="{}">{}</td><td>{}</td></tr>"#,
            badge(k.status.as_str()),
            esc(&k.metric),
            esc(&k.target),
            k.value.unwrap_or(f64::NAN),
            esc(&value),
            esc(&k.message),
            s = k.status.as_str(),
        );
    }
    out.push_str("</tbody></table>");
}

pub fn comparison(out: &mut String, c: &CompareDocument, heading: &str) {
    let _ = write!(
        out,
        r#"<h2 id="comparison">{}</h2><p class="sub">run #{} ({}) → run #{} ({}); threshold {:.0}%, significance p &lt; {}</p>"#,
        esc(heading),
        c.base_id,
        esc(&c.base_started_at),
        c.head_id,
        esc(&c.head_started_at),
        c.threshold * 100.0,
        c.alpha
    );
    if !c.environment_differences.is_empty() {
        let _ = write!(
            out,
            r#"<div class="alert"><b>The two runs were measured in different environments</b>; differences may come from the machine, not the code: {}</div>"#,
            esc(&c.environment_differences.join("; "))
        );
    }
    out.push_str(r#"<table class="sortable cmp"><thead><tr><th>metric</th><th>base</th><th>head</th><th>change</th><th>p-value</th><th>verdict</th></tr></thead><tbody>"#);
    for m in &c.metrics {
        let f = |v: Option<f64>| v.map_or_else(|| "—".into(), |v| fmt_value(v, &m.unit));
        let change = m
            .change
            .map_or_else(|| "—".into(), |c| format!("{:+.1}%", c * 100.0));
        let p = m.p_value.map_or_else(|| "—".into(), |p| format!("{p:.2e}"));
        let _ = write!(
            out,
            r#"<tr><td><code>{}</code></td><td class="n">{}</td><td class="n">{}</td><td class="n" data-v="{}">{}</td><td class="n">{}</td><td class="v-{v}">{v}</td></tr>"#,
            esc(&m.metric),
            esc(&f(m.base)),
            esc(&f(m.head)),
            m.change.unwrap_or(0.0),
            esc(&change),
            esc(&p),
            v = m.verdict.as_str()
        );
    }
    out.push_str("</tbody></table>");
    let regressions: Vec<&str> = c
        .metrics
        .iter()
        .filter(|m| m.verdict == Verdict::Regression)
        .map(|m| m.metric.as_str())
        .collect();
    if !regressions.is_empty() {
        let _ = write!(
            out,
            r#"<div class="alert">Significant regressions: {}</div>"#,
            esc(&regressions.join(", "))
        );
    }
}

/// Load tables, the latency percentile curve.
pub fn load(out: &mut String, load: &[LoadSection]) {
    if load.is_empty() {
        return;
    }
    out.push_str(r#"<h2 id="load">Load</h2><table class="sortable load"><thead><tr><th>scenario</th><th>target</th><th>requests</th><th>req/s</th><th>errors</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>max</th></tr></thead><tbody>"#);
    for l in load {
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td><code>{}</code></td><td class="n">{}</td><td class="n">{:.1}</td><td class="n" data-v="{}">{:.2}%</td><td class="n" data-v="{}">{}</td><td class="n" data-v="{}">{}</td><td class="n" data-v="{}">{}</td><td class="n" data-v="{}">{}</td><td class="n" data-v="{}">{}</td></tr>"#,
            esc(&l.name),
            esc(&l.target),
            l.requests,
            l.rps,
            l.error_rate,
            l.error_rate * 100.0,
            l.latency_us.p50,
            fmt_us(l.latency_us.p50),
            l.latency_us.p90,
            fmt_us(l.latency_us.p90),
            l.latency_us.p95,
            fmt_us(l.latency_us.p95),
            l.latency_us.p99,
            fmt_us(l.latency_us.p99),
            l.latency_us.max,
            fmt_us(l.latency_us.max),
        );
    }
    out.push_str("</tbody></table>");
    let mut problems = String::new();
    for l in load {
        for (k, v) in l.errors.iter() {
            let _ = write!(problems, "<li>{}: {} × {}</li>", esc(&l.name), v, esc(k));
        }
        for (code, v) in l.status.iter().filter(|(c, _)| !c.starts_with('2')) {
            let _ = write!(
                problems,
                "<li>{}: HTTP {} × {}</li>",
                esc(&l.name),
                esc(code),
                v
            );
        }
    }
    if !problems.is_empty() {
        let _ = write!(
            out,
            r#"<div class="note">Errors and non-2xx responses:<ul>{problems}</ul></div>"#
        );
    }
    let series: Vec<Series> = load
        .iter()
        .filter(|l| !l.percentiles.is_empty())
        .map(|l| Series {
            name: &l.name,
            points: l.percentiles.iter().map(|(p, us)| (*p, us / 1e3)).collect(),
        })
        .collect();
    if !series.is_empty() {
        let hi = load
            .iter()
            .flat_map(|l| l.percentiles.iter().map(|p| p.0))
            .fold(99.0f64, f64::max)
            .min(99.99);
        LineChart {
            title: "Latency by percentile",
            y_label: "latency",
            x_label: "percentile",
            x_domain: Some((0.0, hi)),
            x_scale: XScale::Percentile,
            series,
            y_fmt: fmt_ms_tick,
            bands: vec![],
        }
        .render(out);
    }
    for l in load.iter().filter(|l| l.endpoints.len() > 1) {
        let _ = write!(
            out,
            r#"<table class="sortable endpoints"><thead><tr><th>{} endpoint</th><th>requests</th><th>errors</th><th>p50</th><th>p99</th></tr></thead><tbody>"#,
            esc(&l.name)
        );
        for e in &l.endpoints {
            let _ = write!(
                out,
                r#"<tr><td><code>{}</code></td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
                esc(&e.name),
                e.requests,
                e.errors,
                fmt_us(e.latency_us.p50),
                fmt_us(e.latency_us.p99)
            );
        }
        out.push_str("</tbody></table>");
    }
}

/// Requests/s and p99 over time, stacked above the server's CPU and RSS on the same time axis.
pub fn timeline(out: &mut String, load: &[LoadSection], monitor: Option<&MonitorSection>) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for l in load {
        lo = lo.min(l.offset_s);
        hi = hi.max(l.offset_s + l.duration_s);
    }
    if let Some(m) = monitor {
        for s in &m.samples {
            lo = lo.min(s.t_s);
            hi = hi.max(s.t_s);
        }
    }
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return;
    }
    let domain = Some((lo, hi));
    let bands: Vec<(f64, f64, String)> = load
        .iter()
        .map(|l| (l.offset_s, l.offset_s + l.duration_s, l.name.clone()))
        .collect();
    out.push_str(r#"<h2 id="timeline">Over time</h2><p class="sub">Throughput and tail latency of the load, and the server's CPU and memory, on one time axis (seconds since the load began).</p>"#);
    let has_timeline = load.iter().any(|l| !l.timeline.is_empty());
    if has_timeline {
        LineChart {
            title: "Requests per second",
            y_label: "req/s",
            x_label: "s",
            x_domain: domain,
            x_scale: XScale::Linear,
            series: load
                .iter()
                .map(|l| Series {
                    name: &l.name,
                    points: l
                        .timeline
                        .iter()
                        .map(|s| {
                            // The last second of a run is partial: scale it to a rate.
                            let covered = (l.offset_s + l.duration_s - s.t_s).clamp(0.05, 1.0);
                            (s.t_s, s.requests as f64 / covered)
                        })
                        .collect(),
                })
                .collect(),
            y_fmt: fmt_plain,
            bands: bands.clone(),
        }
        .render(out);
        LineChart {
            title: "p99 latency",
            y_label: "p99",
            x_label: "s",
            x_domain: domain,
            x_scale: XScale::Linear,
            series: load
                .iter()
                .map(|l| Series {
                    name: &l.name,
                    points: l
                        .timeline
                        .iter()
                        .filter(|s| s.requests > 0)
                        .map(|s| (s.t_s, s.p99_us / 1e3))
                        .collect(),
                })
                .collect(),
            y_fmt: fmt_ms_tick,
            bands: bands.clone(),
        }
        .render(out);
    }
    if let Some(m) = monitor.filter(|m| !m.samples.is_empty()) {
        LineChart {
            title: "Server CPU",
            y_label: "CPU",
            x_label: "s",
            x_domain: domain,
            x_scale: XScale::Linear,
            series: vec![Series {
                name: "",
                points: m.samples.iter().map(|s| (s.t_s, s.cpu_pct)).collect(),
            }],
            y_fmt: fmt_pct_tick,
            bands: bands.clone(),
        }
        .render(out);
        LineChart {
            title: "Server memory (RSS)",
            y_label: "RSS",
            x_label: "s",
            x_domain: domain,
            x_scale: XScale::Linear,
            series: vec![Series {
                name: "",
                points: m
                    .samples
                    .iter()
                    .map(|s| (s.t_s, s.rss_bytes / (1024.0 * 1024.0)))
                    .collect(),
            }],
            y_fmt: fmt_mib_tick,
            bands,
        }
        .render(out);
    }
}

pub fn monitor_summary(out: &mut String, m: &MonitorSection) {
    let _ = write!(
        out,
        r#"<h2 id="server">Server resources</h2><table class="monitor"><tbody><tr><td>pid</td><td class="n">{}</td></tr><tr><td>CPU mean / max</td><td class="n">{:.1}% / {:.1}%</td></tr><tr><td>RSS mean / max</td><td class="n">{} / {}</td></tr><tr><td>threads max</td><td class="n">{}</td></tr><tr><td>open files max</td><td class="n">{}</td></tr><tr><td>samples</td><td class="n">{}</td></tr></tbody></table>"#,
        m.pid,
        m.cpu_pct_mean,
        m.cpu_pct_max,
        fmt_bytes(m.rss_bytes_mean),
        fmt_bytes(m.rss_bytes_max),
        m.threads_max,
        m.fds_max,
        m.samples.len()
    );
    if let Some(leak) = &m.leak {
        let _ = write!(out, "<p>Memory trend: {}</p>", esc(leak));
    }
    for a in &m.alerts {
        let _ = write!(out, r#"<div class="note">{}</div>"#, esc(a));
    }
}

pub fn bench(out: &mut String, bench: &[BenchSection]) {
    if bench.is_empty() {
        return;
    }
    out.push_str(r#"<h2 id="bench">Benchmarks</h2><table class="sortable bench"><thead><tr><th>name</th><th>command</th><th>runs</th><th>mean ± σ</th><th>median</th><th>min … max</th><th>peak RSS</th></tr></thead><tbody>"#);
    for b in bench {
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td><code>{}</code></td><td class="n">{}</td><td class="n" data-v="{}">{} ± {}</td><td class="n">{}</td><td class="n">{} … {}</td><td class="n">{}</td></tr>"#,
            esc(&b.name),
            esc(&b.command),
            b.runs,
            b.mean_s,
            fmt_s(b.mean_s),
            fmt_s(b.stddev_s),
            fmt_s(b.median_s),
            fmt_s(b.min_s),
            fmt_s(b.max_s),
            b.peak_rss_bytes
                .map_or_else(|| "—".into(), |r| fmt_bytes(r as f64))
        );
    }
    out.push_str("</tbody></table>");
    if bench.len() > 1 {
        let rows: Vec<(String, f64)> = bench.iter().map(|b| (b.name.clone(), b.mean_s)).collect();
        bars(out, "Mean time per benchmark", &rows, fmt_s);
    }
}

pub fn imports(out: &mut String, imports: &[ImportsSection]) {
    if imports.is_empty() {
        return;
    }
    out.push_str(r#"<h2 id="imports">Import time</h2>"#);
    for i in imports {
        let _ = write!(
            out,
            r#"<p>Importing <code>{}</code> takes <b>{}</b> (median of {} runs).</p>"#,
            esc(&i.module),
            fmt_us(i.total_us),
            i.totals_us.len().max(1)
        );
        let mut rows: Vec<(String, f64)> = i
            .top
            .iter()
            .map(|e| (e.module.clone(), e.self_us))
            .collect();
        rows.sort_by(|a, b| b.1.total_cmp(&a.1));
        rows.truncate(15);
        if !rows.is_empty() {
            bars(
                out,
                &format!("Slowest imports of {} (self time)", i.module),
                &rows,
                fmt_us,
            );
            out.push_str(r#"<table class="sortable imports"><thead><tr><th>module</th><th>self</th><th>cumulative</th></tr></thead><tbody>"#);
            for e in i.top.iter().take(25) {
                let _ = write!(
                    out,
                    r#"<tr><td><code>{}</code></td><td class="n" data-v="{}">{}</td><td class="n" data-v="{}">{}</td></tr>"#,
                    esc(&e.module),
                    e.self_us,
                    fmt_us(e.self_us),
                    e.cumulative_us,
                    fmt_us(e.cumulative_us)
                );
            }
            out.push_str("</tbody></table>");
        }
    }
}

pub fn finding(out: &mut String, f: &FindingView) {
    let _ = write!(
        out,
        r#"<details class="finding"><summary><span class="sev-{sev}">{sev}</span> <code>{}</code> {} — <code class="path">{}:{}:{}</code> {}</summary>"#,
        esc(&f.code),
        esc(&f.name),
        esc(&f.path),
        f.line,
        f.column,
        esc(&f.message),
        sev = f.severity.as_str()
    );
    if !f.snippet.is_empty() {
        out.push_str(r#"<pre class="code">"#);
        for (n, text) in &f.snippet {
            let cls = if *n == f.line { " class=\"hl\"" } else { "" };
            let _ = write!(
                out,
                r#"<span{cls}><span class="ln">{n}</span>{}</span>"#,
                esc(text)
            );
            if cls.is_empty() {
                out.push('\n');
            }
        }
        out.push_str("</pre>");
    }
    if !f.help.is_empty() {
        let _ = write!(out, r#"<p class="help">{}</p>"#, esc(&f.help));
    }
    out.push_str("</details>");
}

pub fn findings(out: &mut String, scan: &ScanSection) {
    let counts: Vec<String> = ["error", "warning", "info"]
        .iter()
        .map(|s| format!("{} {s}", scan.counts.get(*s).copied().unwrap_or(0)))
        .collect();
    let _ = write!(
        out,
        r#"<h2 id="findings">Findings</h2><p class="sub">{} files, {} lines scanned in <code>{}</code>: {}.</p>"#,
        scan.files,
        scan.lines,
        esc(&scan.root),
        counts.join(", ")
    );
    for f in &scan.findings {
        finding(out, f);
    }
}

pub fn environment(out: &mut String, e: &Environment) {
    let tools: Vec<String> = e.tools.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let _ = write!(
        out,
        r#"<h2 id="environment">Environment</h2><table class="env"><tbody><tr><td>host</td><td>{}</td></tr><tr><td>OS</td><td>{} (kernel {}, {})</td></tr><tr><td>CPU</td><td>{} × {}</td></tr><tr><td>memory</td><td>{}</td></tr><tr><td>tools</td><td>{}</td></tr></tbody></table>"#,
        esc(&e.hostname),
        esc(&e.os),
        esc(&e.kernel),
        esc(&e.arch),
        e.cpu_cores,
        esc(&e.cpu_model),
        fmt_bytes(e.memory_bytes as f64),
        esc(&tools.join(", "))
    );
}

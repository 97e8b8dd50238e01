//! The HTML pages of the single-stage documents (`perfaudit_report::html::<kind>::write`),
//! rendered from real engine output: self-contained, escaped, with their charts.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

fn page(render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut v = Vec::new();
    render(&mut v).unwrap();
    let s = String::from_utf8(v).unwrap();
    assert!(s.starts_with("<!DOCTYPE html>") && s.trim_end().ends_with("</html>"));
    assert!(s.contains("default-src 'none'"), "no network fetches");
    assert_eq!(
        s.matches("<script>").count(),
        1,
        "only the page's own script"
    );
    s
}

#[test]
fn scan_page_escapes_file_names_and_messages() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("<img src=x onerror=alert(1)>.py"),
        "import time\n\n\nasync def handler():\n    time.sleep(1)  # <script>x</script>\n",
    )
    .unwrap();
    let settings = perfaudit_scan::ScanSettings::default();
    let report = perfaudit_scan::scan(dir.path(), &settings, &|_| {});
    assert!(!report.findings.is_empty());
    let html = page(|w| perfaudit_report::html::scan::write(w, &report));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;.py"));
    assert!(!html.contains("<img"));
    assert!(html.contains("PA101"));
    assert!(html.contains("data-chart=\"Findings by rule\""));
}

#[test]
fn load_page_has_the_percentile_curve_and_timeline() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { break };
            std::thread::spawn(move || {
                let mut buf = [0u8; 2048];
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0
                        || s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                            .is_err()
                    {
                        break;
                    }
                }
            });
        }
    });
    let mut plan =
        perfaudit_load::LoadPlan::for_url(&format!("http://127.0.0.1:{port}/<x>")).unwrap();
    plan.connections = 2;
    plan.threads = 1;
    plan.duration = Some(Duration::from_millis(600));
    let result = perfaudit_load::run(plan, &|_| {}).unwrap();
    assert!(result.requests > 0);
    let html = page(|w| perfaudit_report::html::load::write(w, &result));
    assert!(html.contains("data-chart=\"Latency by percentile\""));
    assert!(html.contains("data-chart=\"Requests per second\""));
}

#[test]
fn monitor_page_has_cpu_and_rss_charts() {
    let mut spec = perfaudit_monitor::MonitorSpec::command(vec!["sleep".into(), "0.5".into()]);
    spec.interval = Duration::from_millis(50);
    let report = perfaudit_monitor::Monitor::start(spec).unwrap().wait();
    let html = page(|w| perfaudit_report::html::monitor::write(w, &report));
    assert!(html.contains("data-chart=\"Server CPU\""));
    assert!(html.contains("data-chart=\"Server memory (RSS)\""));
}

#[test]
fn bench_and_imports_pages() {
    let mut spec = perfaudit_bench::BenchSpec::new(vec![
        perfaudit_bench::CommandSpec::new("true"),
        perfaudit_bench::CommandSpec::new("echo '<i>x</i>' > /dev/null"),
    ]);
    spec.runs = perfaudit_bench::RunCount::exactly(3);
    let doc =
        perfaudit_bench::run_benchmark(&spec, &mut perfaudit_bench::RealExecutor, &mut |_| {})
            .unwrap();
    let html = page(|w| perfaudit_report::html::bench::write(w, &doc));
    assert!(html.contains("&lt;i&gt;x&lt;/i&gt;") && !html.contains("<i>x"));
    assert!(html.contains("data-chart=\"Mean time per benchmark\""));

    let mut spec = perfaudit_bench::ImportsSpec::new("json");
    spec.runs = 1;
    let doc = perfaudit_bench::profile_imports(&spec).unwrap();
    let html = page(|w| perfaudit_report::html::imports::write(w, &doc));
    assert!(html.contains("Slowest imports of json"));
}

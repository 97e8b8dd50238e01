//! Opens the HTML run report in headless Chromium (Debian's `/usr/bin/chromium`; the test is
//! skipped when it is absent): the script runs without console messages, every chart is in
//! the DOM, and markup in scanned file names and code is shown as text, never parsed.

use super::testdata::{sample_run, EVIL};
use std::path::Path;
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

#[test]
fn the_report_renders_in_headless_chromium() {
    if !Path::new(CHROMIUM).exists() {
        eprintln!("skipped: {CHROMIUM} is not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("perfaudit-chromium-{}", std::process::id()));
    let profile = dir.join("profile");
    std::fs::create_dir_all(&profile).unwrap();
    let page = dir.join("report.html");
    let mut html = Vec::new();
    super::run::write(&mut html, &sample_run()).unwrap();
    std::fs::write(&page, &html).unwrap();
    let out = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let dom = String::from_utf8_lossy(&out.stdout);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium failed: {log}");
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    // Our script ran to its end and counted the charts.
    assert!(
        dom.contains("data-charts=\"6\""),
        "{}",
        &dom[..dom.len().min(400)]
    );
    // Markup from the scanned file's name and code is text in the DOM, not elements.
    assert_eq!(
        dom.matches("<script").count(),
        1,
        "only our own script element"
    );
    assert!(!dom.contains(EVIL));
    assert!(
        !dom.contains("app/<b>"),
        "a <b> from a file name became an element"
    );
    assert!(dom.contains("app/&lt;b&gt;&lt;script&gt;alert('x')&lt;/script&gt;|`**.py:3:5"));
    assert!(dom.contains("conn = sqlite3.connect('&lt;script&gt;alert('x')&lt;/script&gt;|`**')"));
    assert!(dom.matches("<polyline").count() + dom.matches("<circle").count() >= 6);
}

/// The profile page's flame graph: drawn by the page's one script with no console message,
/// markup in function and file names shown as text, the search box finding a frame.
#[test]
fn the_flame_graph_renders_in_headless_chromium() {
    if !Path::new(CHROMIUM).exists() {
        eprintln!("skipped: {CHROMIUM} is not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("perfaudit-flame-{}", std::process::id()));
    let profile = dir.join("profile");
    std::fs::create_dir_all(&profile).unwrap();
    let page = dir.join("flame.html");
    let mut html = Vec::new();
    super::profile::write(&mut html, &super::testdata::sample_profile()).unwrap();
    std::fs::write(&page, &html).unwrap();
    let out = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let dom = String::from_utf8_lossy(&out.stdout);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium failed: {log}");
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    assert!(
        dom.contains("data-flames=\"1\""),
        "{}",
        &dom[..dom.len().min(600)]
    );
    // root + <module> + handle + the two leaves, each a <g> with a rect.
    assert!(dom.contains("data-flame-nodes=\"5\""), "{dom}");
    assert!(dom.matches("<rect").count() >= 5);
    assert_eq!(
        dom.matches("<script").count(),
        1,
        "only our own script element"
    );
    assert!(!dom.contains(EVIL));
    assert!(!dom.contains("<script>alert"));
    assert!(dom.contains("&lt;script&gt;alert('x')&lt;/script&gt;"));
}

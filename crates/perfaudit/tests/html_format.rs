//! `--format html` on every single-stage command: one self-contained page, no network fetches,
//! and whatever came from the measured world escaped.

use assert_cmd::Command;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

fn perfaudit() -> Command {
    Command::cargo_bin("perfaudit").unwrap()
}

fn html_of(args: &[&str]) -> String {
    let out = perfaudit()
        .args(["--format", "html", "--no-progress", "--color", "never"])
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_self_contained(&page);
    page
}

fn assert_self_contained(page: &str) {
    let lower = page.to_ascii_lowercase();
    assert!(
        lower.starts_with("<!doctype html>"),
        "{}",
        &page[..page.len().min(200)]
    );
    assert!(lower.trim_end().ends_with("</html>"));
    for fetch in [
        "src=\"http",
        "href=\"http",
        "src='http",
        "@import",
        "url(http",
    ] {
        assert!(
            !lower.contains(fetch),
            "page fetches from the network: {fetch}"
        );
    }
}

#[test]
fn scan_html_escapes_file_names_and_code() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("<img src=x onerror=alert(1)>.py"),
        "import os  # <script>alert(1)</script>\n",
    )
    .unwrap();
    let page = html_of(&["scan", "--exit-zero", dir.path().to_str().unwrap()]);
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;.py"),
        "file name not shown escaped"
    );
    assert!(!page.contains("<img src=x"));
    assert!(!page.contains("<script>alert(1)</script>"));
    assert!(page.contains("PA503"));
}

#[test]
fn bench_imports_and_monitor_render_html() {
    let page = html_of(&["bench", "-N", "--runs", "3", "--", "true"]);
    assert!(page.contains("true"));
    let page = html_of(&["imports", "json", "--runs", "1"]);
    assert!(page.contains("json"));
    let page = html_of(&["monitor", "--interval", "50ms", "--", "sleep", "0.3"]);
    assert!(page.contains("sleep"));
}

#[test]
fn load_html_escapes_what_the_server_says() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(false).unwrap();
    let server = std::thread::spawn(move || {
        // Serve keep-alive connections until the client goes away; bounded by the test's -n.
        let mut handles = Vec::new();
        for stream in listener.incoming().take(4) {
            let Ok(mut s) = stream else { break };
            handles.push(std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = [0u8; 4096];
                let body = b"<i>ok</i>";
                loop {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            let head = format!(
                                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
                                body.len()
                            );
                            if s.write_all(head.as_bytes()).is_err() || s.write_all(body).is_err() {
                                break;
                            }
                        }
                    }
                }
            }));
        }
        for h in handles {
            let _ = h.join();
        }
    });
    let url = format!("http://{addr}/?q=<script>x</script>");
    let page = html_of(&["load", &url, "-n", "50", "-c", "2", "--threads", "1"]);
    assert!(!page.contains("<script>x</script>"));
    drop(server);
}

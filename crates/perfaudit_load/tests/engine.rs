//! The engine driven in-process against servers started here on 127.0.0.1:0.

mod server;

use perfaudit_load::{run, LoadPlan, Pacing, RateSchedule, Scenario};
use server::{ok, Action, Server};
use std::time::{Duration, Instant};

fn plan(url: &str) -> LoadPlan {
    let mut p = LoadPlan::for_url(url).unwrap();
    p.threads = 2;
    p.connections = 4;
    p.duration = None;
    p.timeout = Duration::from_secs(2);
    p
}

fn quiet(_: &perfaudit_load::Progress) {}

#[test]
fn exact_count_and_statuses() {
    let srv = Server::http1(|i, _| match i % 4 {
        3 => Action::Respond {
            status: 503,
            body: "busy",
            delay: Duration::ZERO,
            close: false,
        },
        _ => ok(),
    });
    let mut p = plan(&srv.url("/hello?x=1"));
    p.requests = Some(400);
    let r = run(p, &quiet).unwrap();
    assert_eq!(r.requests, 400);
    assert_eq!(r.responses, 400);
    assert_eq!(r.status.get("200"), Some(&300));
    assert_eq!(r.status.get("503"), Some(&100));
    assert_eq!(r.errors.get("status_5xx"), Some(&100));
    assert!((r.error_rate - 0.25).abs() < 1e-9);
    assert_eq!(r.histogram.len(), 400);
    assert_eq!(r.connections_opened, 4);
    assert_eq!(srv.seen.lock().unwrap().len(), 400);
    assert_eq!(srv.seen.lock().unwrap()[0].path, "/hello?x=1");
    assert!(r.latency_us.p50 > 0 && r.latency_us.max >= r.latency_us.p99);
    assert_eq!(r.timeline.iter().map(|t| t.requests).sum::<u64>(), 400);
    assert!(r.cpu_s.user + r.cpu_s.sys > 0.0);
}

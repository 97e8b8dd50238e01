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

fn refused_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn connect_refused_is_counted_per_request() {
    let port = refused_port();
    let mut p = plan(&format!("http://127.0.0.1:{port}/"));
    p.requests = Some(10);
    let r = run(p, &quiet).unwrap();
    assert_eq!(r.requests, 10);
    assert_eq!(r.responses, 0);
    assert_eq!(r.errors.get("connect_refused"), Some(&10));
    assert_eq!(r.error_rate, 1.0);
}

#[test]
fn reset_closed_and_garbage_are_told_apart() {
    for (action, kind) in [
        (Action::Reset, "reset"),
        (Action::Close, "closed"),
        (Action::Garbage, "malformed"),
    ] {
        let a = action.clone();
        let srv = Server::http1(move |i, _| if i % 2 == 1 { a.clone() } else { ok() });
        let mut p = plan(&srv.url("/"));
        p.threads = 1;
        p.connections = 1;
        p.requests = Some(20);
        let r = run(p, &quiet).unwrap();
        assert_eq!(r.requests, 20, "{kind}");
        assert_eq!(r.errors.get(kind), Some(&10), "{kind}: {:?}", r.errors);
        assert_eq!(r.status.get("200"), Some(&10), "{kind}");
        assert_eq!(r.errors.len(), 1, "{kind}: {:?}", r.errors);
    }
}

#[test]
fn server_closing_after_each_response_is_not_an_error() {
    let srv = Server::http1(|_, _| Action::Respond {
        status: 200,
        body: "bye",
        delay: Duration::ZERO,
        close: true,
    });
    let mut p = plan(&srv.url("/"));
    p.requests = Some(50);
    let r = run(p, &quiet).unwrap();
    assert_eq!((r.requests, r.responses), (50, 50));
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.connections_opened, 50);
    assert!(r.connect_us.max >= r.connect_us.min);
}

#[test]
fn stalled_requests_time_out() {
    let srv = Server::http1(|_, _| Action::Stall);
    let mut p = plan(&srv.url("/"));
    p.requests = Some(4);
    p.timeout = Duration::from_millis(200);
    let t = Instant::now();
    let r = run(p, &quiet).unwrap();
    assert!(t.elapsed() < Duration::from_secs(2));
    assert_eq!(r.errors.get("timeout"), Some(&4));
}

#[test]
fn never_hangs_past_deadline_plus_grace() {
    let srv = Server::http1(|_, _| Action::Stall);
    let mut p = plan(&srv.url("/"));
    p.duration = Some(Duration::from_millis(300));
    p.grace = Duration::from_millis(200);
    p.timeout = Duration::from_secs(30);
    let t = Instant::now();
    let r = run(p, &quiet).unwrap();
    let took = t.elapsed();
    assert!(took < Duration::from_millis(1500), "{took:?}");
    assert_eq!(r.requests, 0);
    assert_eq!(r.unfinished, 4);
    assert!(r.duration_s >= 0.3);
}

#[test]
fn thresholds_pass_and_fail_with_reasons() {
    let srv = Server::http1(|_, _| ok());
    let mut p = plan(&srv.url("/"));
    p.requests = Some(100);
    p.thresholds = vec![
        perfaudit_load::ThresholdSpec::parse("p99<5s", None).unwrap(),
        perfaudit_load::ThresholdSpec::parse("p50<1us", None).unwrap(),
        perfaudit_load::ThresholdSpec::parse("error_rate<1%", None).unwrap(),
    ];
    let r = run(p, &quiet).unwrap();
    assert!(!r.passed);
    let passed: Vec<bool> = r.thresholds.iter().map(|t| t.passed).collect();
    assert_eq!(passed, vec![true, false, true]);
    assert_eq!(r.breached().next().unwrap().expr, "p50<1us");
}

#[test]
fn scenario_weights_are_exact_and_templates_render() {
    let srv = Server::http1(|_, s| {
        if s.path.starts_with("/b") {
            Action::Respond {
                status: 404,
                body: "",
                delay: Duration::ZERO,
                close: false,
            }
        } else {
            ok()
        }
    });
    std::env::set_var("PERFAUDIT_TEST_TOKEN", "tok");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ids.txt"), "7\n8\n").unwrap();
    let text = format!(
        r#"
url = "{}"
requests = 400
connections = 2
threads = 1
thresholds = ["requests>=400"]
[data]
ids = "ids.txt"
[[endpoints]]
name = "a"
url = "/a/{{{{counter}}}}?id={{{{data.ids}}}}"
weight = 3
[[endpoints]]
name = "b"
method = "POST"
url = "/b"
headers = {{ Authorization = "Bearer {{{{env.PERFAUDIT_TEST_TOKEN}}}}" }}
body = '{{"n": 1}}'
thresholds = ["error_rate<50%"]
"#,
        srv.url("")
    );
    let plan = Scenario::from_toml(&text)
        .unwrap()
        .build(dir.path())
        .unwrap();
    let r = run(plan, &quiet).unwrap();
    assert_eq!(r.requests, 400);
    let a = r.endpoints.iter().find(|e| e.name == "a").unwrap();
    let b = r.endpoints.iter().find(|e| e.name == "b").unwrap();
    assert_eq!((a.requests, b.requests), (300, 100));
    assert_eq!(b.status.get("404"), Some(&100));
    assert_eq!(b.error_rate, 1.0);
    assert!(!r.passed);
    let breached: Vec<_> = r
        .breached()
        .map(|t| (t.expr.as_str(), t.endpoint.as_deref()))
        .collect();
    assert_eq!(breached, vec![("error_rate<50%", Some("b"))]);
    let seen = srv.seen.lock().unwrap();
    let mut counters: Vec<u64> = seen
        .iter()
        .filter(|s| s.path.starts_with("/a/"))
        .map(|s| s.path[3..s.path.find('?').unwrap()].parse().unwrap())
        .collect();
    counters.sort();
    assert_eq!(counters, (0..300).collect::<Vec<_>>());
    assert!(seen
        .iter()
        .filter(|s| s.path.starts_with("/a/"))
        .all(|s| s.path.ends_with("id=7") || s.path.ends_with("id=8")));
    let post = seen.iter().find(|s| s.method == "POST").unwrap();
    assert_eq!(post.body, b"{\"n\": 1}");
    assert!(post
        .headers
        .contains(&("authorization".into(), "Bearer tok".into())));
}

#[test]
fn open_model_rate_is_kept() {
    let srv = Server::http1(|_, _| ok());
    let mut p = plan(&srv.url("/"));
    p.duration = Some(Duration::from_millis(1000));
    p.pacing = Pacing::Rate(RateSchedule::constant(100.0));
    let r = run(p, &quiet).unwrap();
    let om = r.open_model.clone().unwrap();
    assert_eq!(r.model, "open");
    assert_eq!(om.scheduled, 100);
    assert_eq!(r.requests, 100);
    assert_eq!(om.not_sent, 0);
    assert!(om.schedule_lag_us.p50 < 20_000, "{:?}", om.schedule_lag_us);
}

/// The server stalls for 300 ms once. Latency from the intended send time shows the stall for
/// every request scheduled during it, not just the four in flight.
#[test]
fn open_model_latency_counts_a_stall_from_intended_send_time() {
    use std::sync::{Mutex, OnceLock};
    let first: OnceLock<Instant> = OnceLock::new();
    let stall = Duration::from_millis(300);
    let lock = Mutex::new(());
    let srv = Server::http1(move |_, _| {
        let _g = lock.lock().unwrap();
        let now = Instant::now();
        let t0 = *first.get_or_init(|| now);
        let (from, to) = (
            t0 + Duration::from_millis(400),
            t0 + Duration::from_millis(400) + stall,
        );
        let delay = if now >= from && now < to {
            to - now
        } else {
            Duration::ZERO
        };
        Action::Respond {
            status: 200,
            body: "ok",
            delay,
            close: false,
        }
    });
    let mut p = plan(&srv.url("/"));
    p.connections = 4;
    p.duration = Some(Duration::from_millis(1200));
    p.pacing = Pacing::Rate(RateSchedule::constant(200.0));
    let r = run(p, &quiet).unwrap();
    assert_eq!(r.requests, 240, "{:?}", r.open_model);
    let h = &r.histogram;
    let slow = h
        .iter_recorded()
        .filter(|(v, _)| *v >= 100_000)
        .map(|(_, c)| c)
        .sum::<u64>();
    // ~60 requests were due during the stall; their latencies spread from 300 ms down to 0.
    assert!(slow >= 30, "only {slow} requests saw the stall");
    assert!(
        r.latency_us.max >= 280_000 && r.latency_us.max < 400_000,
        "{:?}",
        r.latency_us
    );
    assert!(r.latency_us.p90 >= 100_000, "{:?}", r.latency_us);
    assert!(r.open_model.unwrap().schedule_lag_us.max >= 200_000);
}

#[test]
fn http2_prior_knowledge() {
    let srv = Server::http2(|i, _| {
        if i % 5 == 4 {
            Action::Respond {
                status: 500,
                body: "",
                delay: Duration::ZERO,
                close: false,
            }
        } else {
            ok()
        }
    });
    let mut p = plan(&srv.url("/h2"));
    p.http = perfaudit_load::HttpVersion::Http2;
    p.requests = Some(200);
    let r = run(p, &quiet).unwrap();
    assert_eq!(r.http_version, "2");
    assert_eq!(r.requests, 200);
    assert_eq!(r.status.get("200"), Some(&160));
    assert_eq!(r.status.get("500"), Some(&40));
    assert_eq!(r.connections_opened, 4);
    assert_eq!(srv.seen.lock().unwrap()[0].path, "/h2");
}

#[test]
fn tls_http1_and_http2_insecure_and_verified() {
    let srv = Server::tls(|_, _| ok());
    for http2 in [false, true] {
        let mut p = plan(&srv.https_url("/secure"));
        p.insecure = true;
        p.requests = Some(40);
        if http2 {
            p.http = perfaudit_load::HttpVersion::Http2;
        }
        let r = run(p, &quiet).unwrap();
        assert_eq!(
            r.status.get("200"),
            Some(&40),
            "http2={http2} {:?}",
            r.errors
        );
    }
    // Without --insecure the self-signed certificate is refused.
    let mut p = plan(&srv.https_url("/secure"));
    p.requests = Some(4);
    let r = run(p, &quiet).unwrap();
    assert_eq!(r.errors.get("tls"), Some(&4), "{:?}", r.errors);
}

#[test]
fn warmup_is_excluded() {
    let srv = Server::http1(|_, _| ok());
    let mut p = plan(&srv.url("/"));
    p.warmup = Duration::from_millis(300);
    p.duration = Some(Duration::from_millis(500));
    p.pacing = Pacing::Rate(RateSchedule::constant(100.0));
    let r = run(p, &quiet).unwrap();
    assert_eq!(r.requests, 50);
    assert_eq!(srv.seen.lock().unwrap().len(), 80);
    assert_eq!(r.warmup_s, 0.3);
}

#[test]
fn connection_stages_ramp() {
    let srv = Server::http1(|_, _| ok());
    let s = format!(
        "url = \"{}\"\nthreads = 1\n[[stages]]\nduration = \"400ms\"\nconnections = 4\n[[stages]]\nduration = \"200ms\"\nconnections = 4\n",
        srv.url("/")
    );
    let plan = Scenario::from_toml(&s)
        .unwrap()
        .build(std::path::Path::new("."))
        .unwrap();
    assert_eq!(plan.connections, 4);
    let r = run(plan, &quiet).unwrap();
    assert_eq!(r.connections, 4);
    assert_eq!(r.connections_opened, 4);
    assert!(r.requests > 0 && r.errors.is_empty());
}

#[test]
fn merged_runs_add_up_exactly() {
    let srv = Server::http1(|_, _| ok());
    let mut runs = Vec::new();
    for n in [100, 50] {
        let mut p = plan(&srv.url("/"));
        p.requests = Some(n);
        runs.push(run(p, &quiet).unwrap());
    }
    let m = perfaudit_load::merge_results(&runs).unwrap();
    assert_eq!(m.requests, 150);
    assert_eq!(m.histogram.len(), 150);
    let mut h = runs[0].histogram.clone();
    h.merge(&runs[1].histogram).unwrap();
    assert_eq!(m.histogram, h);
    assert_eq!(m.timeline.iter().map(|t| t.requests).sum::<u64>(), 150);
    let json = serde_json::to_string(&m).unwrap();
    let back: perfaudit_load::LoadResult = serde_json::from_str(&json).unwrap();
    assert_eq!(back, m);
}

/// Forged `load merge` input (issue 21): counts that would wrap u64, the same run twice, and
/// runs of different targets are refused, not merged.
#[test]
fn forged_merge_input_is_refused() {
    let srv = Server::http1(|_, _| ok());
    let mut runs = Vec::new();
    for n in [20, 10] {
        let mut p = plan(&srv.url("/"));
        p.requests = Some(n);
        runs.push(run(p, &quiet).unwrap());
    }
    let mut wrap = runs.clone();
    wrap[1].requests = u64::MAX - 5;
    let e = perfaudit_load::merge_results(&wrap)
        .unwrap_err()
        .to_string();
    assert!(e.contains("`requests` overflows"), "{e}");
    let mut wrap = runs.clone();
    wrap[1].status.insert("200".into(), u64::MAX);
    let e = perfaudit_load::merge_results(&wrap)
        .unwrap_err()
        .to_string();
    assert!(e.contains("status.200"), "{e}");
    let twice = vec![runs[0].clone(), runs[0].clone()];
    let e = perfaudit_load::merge_results(&twice)
        .unwrap_err()
        .to_string();
    assert!(e.contains("same run as run 1"), "{e}");
    let mut other = runs.clone();
    other[1].target = "http://127.0.0.1:1/elsewhere".into();
    let e = perfaudit_load::merge_results(&other)
        .unwrap_err()
        .to_string();
    assert!(e.contains("different targets"), "{e}");
    assert_eq!(perfaudit_load::merge_results(&runs).unwrap().requests, 30);
}

/// One connection cannot keep a 1000/s schedule against a 50 ms server: the requests it could
/// not send are reported, and latency still counts from the intended times.
#[test]
fn open_model_reports_requests_not_sent() {
    let srv = Server::http1(|_, _| Action::Respond {
        status: 200,
        body: "slow",
        delay: Duration::from_millis(50),
        close: false,
    });
    let mut p = plan(&srv.url("/"));
    p.threads = 1;
    p.connections = 1;
    p.duration = Some(Duration::from_millis(500));
    p.pacing = Pacing::Rate(RateSchedule::constant(1000.0));
    let r = run(p, &quiet).unwrap();
    let om = r.open_model.clone().unwrap();
    assert_eq!(om.scheduled, 500);
    assert!(r.requests <= 12, "{}", r.requests);
    assert_eq!(om.not_sent, 500 - r.requests - r.unfinished);
    // The 5th request was due at 4 ms but could only leave after four 50 ms exchanges.
    assert!(r.latency_us.max >= 200_000, "{:?}", r.latency_us);
}

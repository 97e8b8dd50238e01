//! The run: one thread per worker, each a single-threaded tokio event loop owning its share
//! of the connections. Every connection runs the same loop — pace, send, receive, record —
//! built from the stop condition (count and/or deadline) and the pacing strategy (closed,
//! rate, connection stages).

use crate::client::{tls_config, Connector, Outcome, Stream, H1, H2};
use crate::error::{ErrorKind, LoadError};
use crate::plan::{next_active, HttpVersion, LoadPlan, Pacing, Scheme};
use crate::record::{SecondLocal, Timeline, WorkerStats};
use crate::template::Vars;
use crate::{Phase, Progress};
use bytes::Bytes;
use std::cell::{Cell, RefCell};
use std::net::{SocketAddr, ToSocketAddrs};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// State shared by all workers (read-only but for the counters and the timeline).
pub(crate) struct Shared {
    pub plan: LoadPlan,
    pub connector: Connector,
    pub t0: Instant,
    pub measure_start: Instant,
    pub deadline: Option<Instant>,
    pub hard_end: Option<Instant>,
    pub tickets: AtomicU64,
    pub counter: AtomicU64,
    pub timeline: Mutex<Timeline>,
    /// Set when the caller cancels the run: nothing more is sent, requests in flight are
    /// abandoned (counted as unfinished).
    pub stop: AtomicBool,
    pub stop_notify: tokio::sync::Notify,
}

impl Shared {
    pub(crate) fn cancel(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.stop_notify.notify_waiters();
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

pub(crate) struct Started {
    pub shared: Arc<Shared>,
    pub start_unix_ms: u64,
    pub handles: Vec<std::thread::JoinHandle<WorkerStats>>,
}

pub(crate) fn resolve(plan: &LoadPlan) -> Result<SocketAddr, LoadError> {
    let host = plan.target.host.as_str();
    (host, plan.target.port)
        .to_socket_addrs()
        .map_err(|e| LoadError::Resolve {
            host: host.to_string(),
            reason: e.to_string(),
        })?
        .next()
        .ok_or_else(|| LoadError::Resolve {
            host: host.to_string(),
            reason: "no address".to_string(),
        })
}

pub(crate) fn start(plan: LoadPlan) -> Result<Started, LoadError> {
    plan.validate()?;
    let addr = resolve(&plan)?;
    let tls = match plan.target.scheme {
        Scheme::Http => None,
        Scheme::Https => {
            let alpn: &[&[u8]] = match plan.http {
                HttpVersion::Http1 => &[b"http/1.1"],
                HttpVersion::Http2 => &[b"h2"],
            };
            let config = tls_config(plan.insecure, &plan.ca_der, alpn)?;
            let name = rustls::pki_types::ServerName::try_from(plan.target.host.clone())
                .map_err(|e| LoadError::Tls(format!("server name {}: {e}", plan.target.host)))?;
            Some((tokio_rustls::TlsConnector::from(config), name))
        }
    };
    let threads = plan.threads.min(plan.connections).max(1);
    let t0 = Instant::now();
    let now_unix_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let measure_start = t0 + plan.warmup;
    let start_unix_ms = now_unix_ms + plan.warmup.as_millis() as u64;
    let deadline = plan.duration.map(|d| measure_start + d);
    let hard_end = deadline.map(|d| d + plan.grace);
    let shared = Arc::new(Shared {
        connector: Connector { addr, tls },
        t0,
        measure_start,
        deadline,
        hard_end,
        tickets: AtomicU64::new(0),
        counter: AtomicU64::new(0),
        timeline: Mutex::new(Timeline::new(threads as usize, start_unix_ms)),
        stop: AtomicBool::new(false),
        stop_notify: tokio::sync::Notify::new(),
        plan,
    });
    let mut handles = Vec::new();
    for k in 0..threads {
        let s = shared.clone();
        let h = std::thread::Builder::new()
            .name(format!("perfaudit-load-{k}"))
            .spawn(move || worker_thread(s, k, threads))
            .map_err(LoadError::Runtime)?;
        handles.push(h);
    }
    Ok(Started {
        shared,
        start_unix_ms,
        handles,
    })
}

/// Progress numbers as of now.
pub(crate) fn progress(s: &Shared) -> Progress {
    let now = Instant::now();
    let phase = if now < s.measure_start {
        Phase::Warmup
    } else if s.deadline.is_some_and(|d| now >= d) {
        Phase::Draining
    } else {
        Phase::Measuring
    };
    let t = s.timeline.lock().unwrap_or_else(|e| e.into_inner());
    let last = t.last();
    Progress {
        elapsed: now.saturating_duration_since(s.measure_start),
        planned: s.plan.duration,
        planned_requests: s.plan.requests,
        phase,
        requests: t.requests,
        errors: t.errors,
        rps: last.map_or(0.0, |e| e.requests as f64),
        p99_us: last.map_or(0, |e| e.p99_us),
    }
}

/// CPU time of the calling thread (user, system), seconds.
fn thread_cpu() -> (f64, f64) {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    #[cfg(target_os = "linux")]
    let who = libc::RUSAGE_THREAD;
    #[cfg(not(target_os = "linux"))]
    let who = libc::RUSAGE_SELF;
    // SAFETY: valid pointer to a rusage struct.
    unsafe { libc::getrusage(who, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (tv(ru.ru_utime), tv(ru.ru_stime))
}

fn worker_thread(shared: Arc<Shared>, k: u32, threads: u32) -> WorkerStats {
    let (u0, s0) = thread_cpu();
    let w = Rc::new(Worker::new(shared.clone(), k, threads));
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => {
            let local = tokio::task::LocalSet::new();
            let conns = shared.plan.connections;
            for j in (k..conns).step_by(threads as usize) {
                local.spawn_local(connection(w.clone(), j));
            }
            rt.block_on(local);
        }
        Err(_) => {
            // Without an event loop this worker can do nothing; every other worker still runs.
        }
    }
    let w = Rc::try_unwrap(w).unwrap_or_else(|_| unreachable!("all tasks finished"));
    let mut stats = w.finish();
    let (u1, s1) = thread_cpu();
    stats.cpu_user = u1 - u0;
    stats.cpu_sys = s1 - s0;
    stats
}

/// One worker's state, shared by its connection tasks (same thread: `Rc` + `Cell`).
struct Worker {
    shared: Arc<Shared>,
    index: u32,
    threads: u32,
    stats: RefCell<WorkerStats>,
    second: Cell<u32>,
    local_second: RefCell<SecondLocal>,
    /// Open model: this worker's next slot.
    next_slot: Cell<u64>,
    /// Smooth weighted round-robin state.
    wrr: RefCell<Vec<i64>>,
    weights: Vec<i64>,
    rng: Cell<u64>,
    /// Pre-rendered HTTP/1.1 requests of static endpoints.
    static_h1: Vec<Option<Bytes>>,
    /// Pre-built HTTP/2 requests of static endpoints.
    static_h2: Vec<Option<(http::Request<()>, Bytes)>>,
    heads: Vec<bool>,
}

struct WorkerVars<'a> {
    shared: &'a Shared,
    rng: &'a Cell<u64>,
}

impl Vars for WorkerVars<'_> {
    fn counter(&mut self) -> u64 {
        self.shared.counter.fetch_add(1, Ordering::Relaxed)
    }
    fn random(&mut self, n: usize) -> usize {
        // xorshift64*
        let mut x = self.rng.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng.set(x);
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) % n as u64) as usize
    }
}

impl Worker {
    fn new(shared: Arc<Shared>, index: u32, threads: u32) -> Worker {
        let plan = &shared.plan;
        let n = plan.endpoints.len();
        let mut static_h1 = Vec::with_capacity(n);
        let mut static_h2 = Vec::with_capacity(n);
        let rng = Cell::new(
            0x9E37_79B9_7F4A_7C15 ^ (u64::from(index) + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9),
        );
        for (i, e) in plan.endpoints.iter().enumerate() {
            let is_static = e.path.is_static()
                && e.body.is_static()
                && e.headers.iter().all(|(_, v)| v.is_static());
            let mut vars = WorkerVars {
                shared: &shared,
                rng: &rng,
            };
            if is_static {
                let mut buf = Vec::new();
                render_h1(plan, i, &mut vars, &mut buf);
                static_h1.push(Some(Bytes::from(buf)));
                static_h2.push(build_h2(plan, i, &mut vars).ok());
            } else {
                static_h1.push(None);
                static_h2.push(None);
            }
        }
        Worker {
            index,
            threads,
            stats: RefCell::new(WorkerStats::new(n)),
            second: Cell::new(0),
            local_second: RefCell::new(SecondLocal::default()),
            next_slot: Cell::new(0),
            wrr: RefCell::new(vec![0; n]),
            weights: plan.endpoints.iter().map(|e| i64::from(e.weight)).collect(),
            rng,
            static_h1,
            static_h2,
            heads: plan.endpoints.iter().map(|e| e.method == "HEAD").collect(),
            shared,
        }
    }

    /// Smooth weighted round-robin: exact proportions, evenly interleaved.
    fn pick(&self) -> usize {
        if self.weights.len() == 1 {
            return 0;
        }
        let mut cw = self.wrr.borrow_mut();
        let total: i64 = self.weights.iter().sum();
        let mut best = 0;
        for (i, w) in self.weights.iter().enumerate() {
            cw[i] += w;
            if cw[i] > cw[best] {
                best = i;
            }
        }
        cw[best] -= total;
        best
    }

    /// Wait for the next request's turn: `Some(None)` = now, `Some(Some(t))` = it was due at
    /// `t`, `None` = stop. `now` is the caller's latest clock reading (saves one per request).
    async fn pace(&self, conn: u32, h: &mut Option<Conn>, now: Instant) -> Option<Option<Instant>> {
        let s = &*self.shared;
        if s.stopped() {
            return None;
        }
        match &s.plan.pacing {
            Pacing::Closed => {
                if s.deadline.is_some_and(|d| now >= d) {
                    return None;
                }
                Some(None)
            }
            Pacing::Rate(schedule) => {
                let n = self.next_slot.get();
                let i = n * u64::from(self.threads) + u64::from(self.index);
                let at = s.t0 + Duration::from_secs_f64(schedule.time_of(i)?);
                // Past the deadline nothing more is sent, not even requests still due from
                // the backlog: those are reported as not sent.
                if s.deadline.is_some_and(|d| at >= d || now >= d) {
                    return None;
                }
                self.next_slot.set(n + 1);
                if at > Instant::now() {
                    tokio::select! {
                        _ = tokio::time::sleep_until(at.into()) => {}
                        _ = s.stop_notify.notified() => return None,
                    }
                }
                Some(Some(at))
            }
            Pacing::Connections(stages) => loop {
                let now = Instant::now();
                if s.deadline.is_some_and(|d| now >= d) {
                    return None;
                }
                let end = s
                    .deadline
                    .map_or(f64::INFINITY, |d| (d - s.t0).as_secs_f64());
                let t = (now - s.t0).as_secs_f64();
                let at = next_active(stages, conn, t, end)?;
                if at <= t {
                    return Some(None);
                }
                // Inactive: close the connection, come back when this one is ramped in.
                *h = None;
                tokio::select! {
                    _ = tokio::time::sleep_until((s.t0 + Duration::from_secs_f64(at)).into()) => {}
                    _ = s.stop_notify.notified() => return None,
                }
            },
        }
    }

    fn record(
        &self,
        ep: usize,
        result: &Result<Outcome, ErrorKind>,
        latency_from: Instant,
        sent_at: Instant,
        bytes_out: u64,
        done: Instant,
    ) {
        let s = &*self.shared;
        let mut st = self.stats.borrow_mut();
        let rel = done.saturating_duration_since(s.measure_start);
        st.last_done_s = st.last_done_s.max(rel.as_secs_f64());
        let e = &mut st.endpoints[ep];
        e.requests += 1;
        e.bytes.sent += bytes_out;
        let latency = done.saturating_duration_since(latency_from).as_micros() as u64;
        let mut failed = false;
        match result {
            Ok(o) => {
                e.responses += 1;
                e.bytes.received += o.bytes_in;
                e.latency.record(latency);
                let first = o.first_byte.unwrap_or(done);
                e.ttfb
                    .record(first.saturating_duration_since(sent_at).as_micros() as u64);
                let code = usize::from(o.status).min(999);
                e.status[code] += 1;
                if (400..500).contains(&o.status) {
                    e.errors[ErrorKind::Status4xx.index()] += 1;
                    failed = true;
                } else if o.status >= 500 {
                    e.errors[ErrorKind::Status5xx.index()] += 1;
                    failed = true;
                }
            }
            Err(kind) => {
                e.errors[kind.index()] += 1;
                failed = true;
            }
        }
        drop(st);
        let sec = rel.as_secs() as u32;
        let mut local = self.local_second.borrow_mut();
        let cur = self.second.get();
        if sec != cur && sec > cur {
            let mut t = s.timeline.lock().unwrap_or_else(|e| e.into_inner());
            t.flush(self.index as usize, cur, &mut local, sec);
            self.second.set(sec);
        }
        local.requests += 1;
        if failed {
            local.errors += 1;
        }
        if result.is_ok() {
            local.latency.record(latency);
        }
    }

    fn finish(self) -> WorkerStats {
        let mut local = self.local_second.into_inner();
        let mut t = self
            .shared
            .timeline
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        t.flush(self.index as usize, self.second.get(), &mut local, u32::MAX);
        self.stats.into_inner()
    }
}

/// A live connection of either protocol.
enum Conn {
    H1(H1),
    H2(H2),
}

fn render_h1(plan: &LoadPlan, ep: usize, vars: &mut dyn Vars, out: &mut Vec<u8>) {
    let e = &plan.endpoints[ep];
    out.clear();
    let mut body = Vec::new();
    e.body.render(&plan.data, vars, &mut body);
    out.extend_from_slice(e.method.as_bytes());
    out.push(b' ');
    e.path.render(&plan.data, vars, out);
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let has = |name: &str| e.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
    if !has("host") {
        out.extend_from_slice(b"Host: ");
        out.extend_from_slice(plan.target.authority().as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !has("user-agent") {
        out.extend_from_slice(
            concat!("User-Agent: perfaudit/", env!("CARGO_PKG_VERSION"), "\r\n").as_bytes(),
        );
    }
    for (k, v) in &e.headers {
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b": ");
        v.render(&plan.data, vars, out);
        out.extend_from_slice(b"\r\n");
    }
    if (!body.is_empty() || matches!(e.method.as_str(), "POST" | "PUT" | "PATCH"))
        && !has("content-length")
    {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    if plan.new_connection_per_request && !has("connection") {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&body);
}

fn build_h2(
    plan: &LoadPlan,
    ep: usize,
    vars: &mut dyn Vars,
) -> Result<(http::Request<()>, Bytes), ErrorKind> {
    let e = &plan.endpoints[ep];
    let path = e.path.render_to_vec(&plan.data, vars);
    let uri = format!("{}{}", plan.target.origin(), String::from_utf8_lossy(&path));
    let mut b = http::Request::builder()
        .method(e.method.as_str())
        .uri(uri)
        .version(http::Version::HTTP_2);
    for (k, v) in &e.headers {
        if k.eq_ignore_ascii_case("host") || k.eq_ignore_ascii_case("connection") {
            continue;
        }
        b = b.header(k.as_str(), v.render_to_vec(&plan.data, vars));
    }
    let body = Bytes::from(e.body.render_to_vec(&plan.data, vars));
    let req = b.body(()).map_err(|_| ErrorKind::Io)?;
    Ok((req, body))
}

async fn open(shared: &Shared, stats: &RefCell<WorkerStats>) -> Result<Conn, ErrorKind> {
    let t = Instant::now();
    let stream: Stream = shared.connector.connect().await?;
    let conn = match shared.plan.http {
        HttpVersion::Http1 => Conn::H1(H1::new(stream)),
        HttpVersion::Http2 => Conn::H2(H2::handshake(stream).await?),
    };
    let mut st = stats.borrow_mut();
    st.connections_opened += 1;
    st.connect.record(t.elapsed().as_micros() as u64);
    Ok(conn)
}

/// The one hot loop: pace, pick an endpoint, (re)connect, exchange, record.
async fn connection(w: Rc<Worker>, j: u32) {
    let s = &*w.shared.clone();
    let plan = &s.plan;
    let far = tokio::time::Instant::now() + Duration::from_secs(86_400 * 365);
    let hard_end = s.hard_end.map(tokio::time::Instant::from_std);
    let sleep = tokio::time::sleep_until(far);
    tokio::pin!(sleep);
    let mut conn: Option<Conn> = None;
    let mut buf = Vec::new();
    let mut now = Instant::now();
    loop {
        let Some(due) = w.pace(j, &mut conn, now).await else {
            break;
        };
        let sent_at = Instant::now();
        let intended = due.unwrap_or(sent_at);
        let measured = intended >= s.measure_start;
        if measured {
            if let Some(n) = plan.requests {
                if s.tickets.fetch_add(1, Ordering::Relaxed) >= n {
                    break;
                }
            }
        }
        let ep = w.pick();
        if measured {
            let mut st = w.stats.borrow_mut();
            st.started += 1;
            if matches!(plan.pacing, Pacing::Rate(_)) {
                st.lag
                    .record(sent_at.saturating_duration_since(intended).as_micros() as u64);
            }
        }
        let limit = tokio::time::Instant::from_std(sent_at + plan.timeout);
        let limit = hard_end.map_or(limit, |h| h.min(limit));
        sleep.as_mut().reset(limit);
        let mut bytes_out = 0u64;
        let result = {
            let exchange = async {
                if conn.is_none() {
                    conn = Some(open(s, &w.stats).await?);
                }
                match conn.as_mut() {
                    Some(Conn::H1(c)) => {
                        let req: &[u8] = match &w.static_h1[ep] {
                            Some(b) => b,
                            None => {
                                let mut vars = WorkerVars {
                                    shared: s,
                                    rng: &w.rng,
                                };
                                render_h1(plan, ep, &mut vars, &mut buf);
                                &buf
                            }
                        };
                        bytes_out = req.len() as u64;
                        c.exchange(req, w.heads[ep]).await
                    }
                    Some(Conn::H2(c)) => {
                        let (req, body) = match &w.static_h2[ep] {
                            Some((r, b)) => (r.clone(), b.clone()),
                            None => {
                                let mut vars = WorkerVars {
                                    shared: s,
                                    rng: &w.rng,
                                };
                                build_h2(plan, ep, &mut vars)?
                            }
                        };
                        bytes_out = body.len() as u64;
                        c.exchange(req, body).await
                    }
                    None => Err(ErrorKind::Io),
                }
            };
            tokio::select! {
                biased;
                r = exchange => Some(r),
                _ = &mut sleep => None,
                _ = s.stop_notify.notified() => None,
            }
        };
        let result = match result {
            Some(r) => r,
            None if s.stopped() => {
                // Cancelled by the caller: abandoned, not counted.
                if measured {
                    w.stats.borrow_mut().unfinished += 1;
                }
                break;
            }
            None if hard_end.is_some_and(|h| tokio::time::Instant::now() >= h) => {
                // The run's hard stop: this request is abandoned, not counted.
                if measured {
                    w.stats.borrow_mut().unfinished += 1;
                }
                break;
            }
            None => Err(ErrorKind::Timeout),
        };
        now = Instant::now();
        if measured {
            w.record(ep, &result, intended, sent_at, bytes_out, now);
        }
        match &result {
            Ok(o) if o.keep_alive && !plan.new_connection_per_request => {}
            _ => conn = None,
        }
    }
}

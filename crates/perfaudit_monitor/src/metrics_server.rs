//! A tiny HTTP/1.1 server for `GET /metrics` (OpenMetrics text), on its own thread, serving
//! whatever body the caller last published. One connection at a time with short timeouts, so
//! a slow scraper cannot hold it; it stops when the `MetricsServer` is dropped.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The content type of the OpenMetrics text format.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

pub struct MetricsServer {
    addr: SocketAddr,
    body: Arc<Mutex<String>>,
    stop: Arc<AtomicBool>,
    join: Option<JoinHandle<()>>,
}

impl MetricsServer {
    /// Bind `addr` (e.g. `127.0.0.1:9464`, port 0 for any) and serve on a new thread.
    pub fn bind(addr: &str) -> io::Result<MetricsServer> {
        let listener = TcpListener::bind(addr)?;
        let local = listener.local_addr()?;
        let body = Arc::new(Mutex::new(String::from("# EOF\n")));
        let stop = Arc::new(AtomicBool::new(false));
        let (b, s) = (Arc::clone(&body), Arc::clone(&stop));
        let join = std::thread::Builder::new()
            .name("perfaudit-metrics".into())
            .spawn(move || serve(listener, b, s))?;
        Ok(MetricsServer {
            addr: local,
            body,
            stop,
            join: Some(join),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replace the body served on `/metrics`.
    pub fn publish(&self, body: String) {
        if let Ok(mut b) = self.body.lock() {
            *b = body;
        }
    }

    /// A cheap clonable publisher for another thread (e.g. the monitor's observer).
    pub fn publisher(&self) -> Publisher {
        Publisher(Arc::clone(&self.body))
    }
}

#[derive(Clone)]
pub struct Publisher(Arc<Mutex<String>>);

impl Publisher {
    pub fn publish(&self, body: String) {
        if let Ok(mut b) = self.0.lock() {
            *b = body;
        }
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Some(j) = self.join.take() {
            let _ = j.join();
        }
    }
}

fn serve(listener: TcpListener, body: Arc<Mutex<String>>, stop: Arc<AtomicBool>) {
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        if let Ok(stream) = conn {
            let _ = handle(stream, &body);
        }
    }
}

fn handle(mut stream: TcpStream, body: &Mutex<String>) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    let mut req = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") && !req.windows(2).any(|w| w == b"\n\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        req.extend_from_slice(&buf[..n]);
        if req.len() > 16 * 1024 {
            return respond(
                &mut stream,
                "431 Request Header Fields Too Large",
                "text/plain",
                "",
            );
        }
    }
    let line = req.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("");
    let path = target.split('?').next().unwrap_or("");
    match (method, path) {
        ("GET" | "HEAD", "/metrics") => {
            let text = body.lock().map(|b| b.clone()).unwrap_or_default();
            let text = if method == "HEAD" {
                String::new()
            } else {
                text
            };
            respond(&mut stream, "200 OK", CONTENT_TYPE, &text)
        }
        ("GET" | "HEAD", _) => respond(
            &mut stream,
            "404 Not Found",
            "text/plain; charset=utf-8",
            "perfaudit monitor serves /metrics only\n",
        ),
        _ => respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            "",
        ),
    }
}

fn respond(stream: &mut TcpStream, status: &str, ctype: &str, body: &str) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(addr: SocketAddr, path: &str) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn serves_the_latest_body_on_loopback() {
        let srv = MetricsServer::bind("127.0.0.1:0").unwrap();
        let addr = srv.local_addr();
        let r = get(addr, "/metrics");
        assert!(r.starts_with("HTTP/1.1 200 OK"), "{r}");
        assert!(r.contains(CONTENT_TYPE));
        assert!(r.ends_with("# EOF\n"));
        srv.publisher().publish("x_total 1\n# EOF\n".into());
        assert!(get(addr, "/metrics").ends_with("x_total 1\n# EOF\n"));
        assert!(get(addr, "/other").starts_with("HTTP/1.1 404"));
        drop(srv);
        // The thread is gone; the port no longer answers.
        assert!(
            TcpStream::connect_timeout(&addr, Duration::from_millis(200))
                .and_then(|mut s| {
                    write!(s, "GET /metrics HTTP/1.1\r\n\r\n")?;
                    let mut o = String::new();
                    s.read_to_string(&mut o)?;
                    if o.is_empty() {
                        Err(io::Error::other("closed"))
                    } else {
                        Ok(())
                    }
                })
                .is_err()
        );
    }
}

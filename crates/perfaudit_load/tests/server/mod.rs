//! Test servers on 127.0.0.1:0: each runs on its own thread and stops when dropped.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the server does with one request.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// Answer with this status and body after `delay`.
    Respond {
        status: u16,
        body: &'static str,
        delay: Duration,
        close: bool,
    },
    /// Close the connection without answering.
    Close,
    /// Reset the connection (RST).
    Reset,
    /// Answer with bytes that are not HTTP, then close.
    Garbage,
    /// Never answer.
    Stall,
}

pub(crate) fn ok() -> Action {
    Action::Respond {
        status: 200,
        body: "hello",
        delay: Duration::ZERO,
        close: false,
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

pub(crate) type Handler = Arc<dyn Fn(u64, &Seen) -> Action + Send + Sync>;

pub(crate) struct Server {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    pub connections: Arc<AtomicU64>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Server {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub(crate) fn https_url(&self, path: &str) -> String {
        format!("https://localhost:{}{}", self.addr.port(), path)
    }

    /// An HTTP/1.1 server.
    pub(crate) fn http1(handler: impl Fn(u64, &Seen) -> Action + Send + Sync + 'static) -> Server {
        Self::start(Arc::new(handler), Proto::H1, None)
    }

    /// An HTTP/2 (prior knowledge, h2c) server.
    pub(crate) fn http2(handler: impl Fn(u64, &Seen) -> Action + Send + Sync + 'static) -> Server {
        Self::start(Arc::new(handler), Proto::H2, None)
    }

    /// A TLS server (self-signed for `localhost`), HTTP/1.1 or HTTP/2 by ALPN.
    pub(crate) fn tls(handler: impl Fn(u64, &Seen) -> Action + Send + Sync + 'static) -> Server {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into());
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Self::start(Arc::new(handler), Proto::H1, Some(Arc::new(config)))
    }

    fn start(handler: Handler, proto: Proto, tls: Option<Arc<rustls::ServerConfig>>) -> Server {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicU64::new(0));
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let (seen2, conns2) = (seen.clone(), connections.clone());
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::from_std(std_listener).unwrap();
                let counter = Arc::new(AtomicU64::new(0));
                loop {
                    tokio::select! {
                        _ = &mut stopped => break,
                        acc = listener.accept() => {
                            let Ok((sock, _)) = acc else { continue };
                            conns2.fetch_add(1, Ordering::Relaxed);
                            let (h, s, c, tls) = (handler.clone(), seen2.clone(), counter.clone(), tls.clone());
                            tokio::spawn(async move {
                                match tls {
                                    None => serve(sock, proto, h, s, c).await,
                                    Some(cfg) => {
                                        let acceptor = tokio_rustls::TlsAcceptor::from(cfg);
                                        if let Ok(t) = acceptor.accept(sock).await {
                                            let p = if t.get_ref().1.alpn_protocol() == Some(b"h2") { Proto::H2 } else { Proto::H1 };
                                            serve(t, p, h, s, c).await
                                        }
                                    }
                                }
                            });
                        }
                    }
                }
                rt_shutdown_grace().await;
            });
            rt.shutdown_timeout(Duration::from_millis(100));
        });
        Server {
            addr,
            seen,
            connections,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

async fn rt_shutdown_grace() {}

#[derive(Clone, Copy)]
enum Proto {
    H1,
    H2,
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send + 'static {
    fn reset(&mut self) {}
}
impl Io for tokio::net::TcpStream {
    fn reset(&mut self) {
        #[allow(deprecated)]
        let _ = self.set_linger(Some(Duration::ZERO));
    }
}
impl Io for tokio_rustls::server::TlsStream<tokio::net::TcpStream> {
    fn reset(&mut self) {
        #[allow(deprecated)]
        let _ = self.get_ref().0.set_linger(Some(Duration::ZERO));
    }
}

async fn serve<S: Io>(
    sock: S,
    proto: Proto,
    h: Handler,
    seen: Arc<Mutex<Vec<Seen>>>,
    n: Arc<AtomicU64>,
) {
    match proto {
        Proto::H1 => serve_h1(sock, h, seen, n).await,
        Proto::H2 => serve_h2(sock, h, seen, n).await,
    }
}

async fn serve_h1<S: Io>(mut sock: S, h: Handler, seen: Arc<Mutex<Vec<Seen>>>, n: Arc<AtomicU64>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        // Read one request.
        let req = loop {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut r = httparse::Request::new(&mut headers);
            if let Ok(httparse::Status::Complete(len)) = r.parse(&buf) {
                let hs: Vec<(String, String)> = r
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_ascii_lowercase(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect();
                let cl: usize = hs
                    .iter()
                    .find(|(k, _)| k == "content-length")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0);
                if buf.len() >= len + cl {
                    let seen = Seen {
                        method: r.method.unwrap_or("").to_string(),
                        path: r.path.unwrap_or("").to_string(),
                        headers: hs,
                        body: buf[len..len + cl].to_vec(),
                    };
                    buf.drain(..len + cl);
                    break seen;
                }
            }
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(k) => buf.extend_from_slice(&chunk[..k]),
            }
        };
        let i = n.fetch_add(1, Ordering::Relaxed);
        let action = h(i, &req);
        seen.lock().unwrap().push(req);
        match action {
            Action::Respond {
                status,
                body,
                delay,
                close,
            } => {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let resp = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\n{}\r\n{body}",
                    body.len(),
                    if close { "Connection: close\r\n" } else { "" }
                );
                if sock.write_all(resp.as_bytes()).await.is_err() || close {
                    let _ = sock.shutdown().await;
                    return;
                }
            }
            Action::Close => {
                let _ = sock.shutdown().await;
                return;
            }
            Action::Reset => {
                sock.reset();
                return;
            }
            Action::Garbage => {
                let _ = sock
                    .write_all(b"SSH-2.0-OpenSSH_9.6 not http at all\r\n\r\n")
                    .await;
                let _ = sock.shutdown().await;
                return;
            }
            Action::Stall => {
                tokio::time::sleep(Duration::from_secs(30)).await;
                return;
            }
        }
    }
}

async fn serve_h2<S: Io>(sock: S, h: Handler, seen: Arc<Mutex<Vec<Seen>>>, n: Arc<AtomicU64>) {
    let Ok(mut conn) = h2::server::handshake(sock).await else {
        return;
    };
    while let Some(Ok((req, mut respond))) = conn.accept().await {
        let (h, seen, n) = (h.clone(), seen.clone(), n.clone());
        tokio::spawn(async move {
            let (parts, mut body) = req.into_parts();
            let mut data = Vec::new();
            while let Some(Ok(c)) = body.data().await {
                let _ = body.flow_control().release_capacity(c.len());
                data.extend_from_slice(&c);
            }
            let s = Seen {
                method: parts.method.to_string(),
                path: parts
                    .uri
                    .path_and_query()
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                headers: parts
                    .headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                    .collect(),
                body: data,
            };
            let i = n.fetch_add(1, Ordering::Relaxed);
            let action = h(i, &s);
            seen.lock().unwrap().push(s);
            match action {
                Action::Respond {
                    status,
                    body,
                    delay,
                    ..
                } => {
                    tokio::time::sleep(delay).await;
                    let resp = http::Response::builder().status(status).body(()).unwrap();
                    if let Ok(mut tx) = respond.send_response(resp, body.is_empty()) {
                        if !body.is_empty() {
                            let _ = tx.send_data(bytes::Bytes::from_static(body.as_bytes()), true);
                        }
                    }
                }
                Action::Stall => tokio::time::sleep(Duration::from_secs(30)).await,
                _ => respond.send_reset(h2::Reason::INTERNAL_ERROR),
            }
        });
    }
}

//! The HTTP clients: a lean HTTP/1.1 connection (tokio + httparse, bodies skipped, one reused
//! buffer) and an HTTP/2 connection (h2), both over plain TCP or rustls.

use crate::error::{ErrorKind, LoadError};
use crate::parse::{ResponseParser, MAX_HEAD};
use bytes::Bytes;
use rustls::pki_types::ServerName;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

/// A connection's byte stream: plain TCP or TLS.
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Opens connections to the target.
#[derive(Clone)]
pub(crate) struct Connector {
    pub addr: SocketAddr,
    pub tls: Option<(tokio_rustls::TlsConnector, ServerName<'static>)>,
}

impl Connector {
    pub(crate) async fn connect(&self) -> Result<Stream, ErrorKind> {
        let tcp = TcpStream::connect(self.addr)
            .await
            .map_err(|e| ErrorKind::from_connect(&e))?;
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            None => Ok(Stream::Plain(tcp)),
            Some((connector, name)) => {
                let tls = connector.connect(name.clone(), tcp).await.map_err(|e| {
                    match ErrorKind::from_connect(&e) {
                        ErrorKind::Connect | ErrorKind::Reset
                            if e.kind() == io::ErrorKind::InvalidData =>
                        {
                            ErrorKind::Tls
                        }
                        ErrorKind::Connect => ErrorKind::Tls,
                        k => k,
                    }
                })?;
                Ok(Stream::Tls(Box::new(tls)))
            }
        }
    }
}

/// What a completed exchange yielded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outcome {
    pub status: u16,
    pub bytes_in: u64,
    /// When the first response byte arrived; None when the whole response came in the first
    /// read (then it is the completion time, and one clock read is saved).
    pub first_byte: Option<Instant>,
    pub keep_alive: bool,
}

/// An HTTP/1.1 connection: write the request, parse the response as it streams in.
pub(crate) struct H1 {
    stream: Stream,
    tls: bool,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    parser: ResponseParser,
}

impl H1 {
    pub(crate) fn new(stream: Stream) -> H1 {
        let tls = matches!(stream, Stream::Tls(_));
        H1 {
            stream,
            tls,
            buf: vec![0; 16 * 1024],
            start: 0,
            end: 0,
            parser: ResponseParser::new(false),
        }
    }

    pub(crate) async fn exchange(
        &mut self,
        request: &[u8],
        head: bool,
    ) -> Result<Outcome, ErrorKind> {
        self.stream
            .write_all(request)
            .await
            .map_err(|e| ErrorKind::from_io(&e))?;
        if self.tls {
            self.stream
                .flush()
                .await
                .map_err(|e| ErrorKind::from_io(&e))?;
        }
        self.parser.reset(head);
        let mut first_byte = None;
        let mut bytes_in = 0u64;
        loop {
            if self.end > self.start {
                let used = self
                    .parser
                    .feed(&self.buf[self.start..self.end])
                    .map_err(|_| ErrorKind::Malformed)?;
                self.start += used;
                if self.parser.is_done() {
                    break;
                }
            }
            if bytes_in > 0 && first_byte.is_none() {
                first_byte = Some(Instant::now());
            }
            if self.start == self.end {
                self.start = 0;
                self.end = 0;
            } else if self.end == self.buf.len() {
                if self.start > 0 {
                    self.buf.copy_within(self.start..self.end, 0);
                    self.end -= self.start;
                    self.start = 0;
                } else if self.buf.len() <= MAX_HEAD {
                    self.buf.resize(self.buf.len() * 2, 0);
                } else {
                    return Err(ErrorKind::Malformed);
                }
            }
            let n = match self.stream.read(&mut self.buf[self.end..]).await {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => 0,
                Err(e) => return Err(ErrorKind::from_io(&e)),
            };
            if n == 0 {
                return match self.parser.eof() {
                    Ok(()) => Ok(Outcome {
                        status: self.parser.status(),
                        bytes_in,
                        first_byte,
                        keep_alive: false,
                    }),
                    Err(_) if bytes_in == 0 || !self.parser.has_head() => {
                        if bytes_in == 0 {
                            Err(ErrorKind::Closed)
                        } else {
                            Err(ErrorKind::Malformed)
                        }
                    }
                    Err(_) => Err(ErrorKind::Closed),
                };
            }
            bytes_in += n as u64;
            self.end += n;
        }
        Ok(Outcome {
            status: self.parser.status(),
            bytes_in,
            first_byte,
            keep_alive: self.parser.keep_alive(),
        })
    }
}

/// An HTTP/2 connection (one request in flight per connection task).
pub(crate) struct H2 {
    send: h2::client::SendRequest<Bytes>,
}

fn h2_kind(e: &h2::Error) -> ErrorKind {
    match e.get_io() {
        Some(io) => ErrorKind::from_io(io),
        None => ErrorKind::Http2,
    }
}

impl H2 {
    pub(crate) async fn handshake(stream: Stream) -> Result<H2, ErrorKind> {
        let (send, conn) = h2::client::Builder::new()
            .initial_window_size(4 << 20)
            .initial_connection_window_size(8 << 20)
            .handshake::<_, Bytes>(stream)
            .await
            .map_err(|e| h2_kind(&e))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(H2 { send })
    }

    pub(crate) async fn exchange(
        &mut self,
        request: http::Request<()>,
        body: Bytes,
    ) -> Result<Outcome, ErrorKind> {
        let mut send = self.send.clone().ready().await.map_err(|e| h2_kind(&e))?;
        let end = body.is_empty();
        let (response, mut tx) = send.send_request(request, end).map_err(|e| h2_kind(&e))?;
        if !end {
            tx.send_data(body, true).map_err(|e| h2_kind(&e))?;
        }
        let response = response.await.map_err(|e| h2_kind(&e))?;
        let first_byte = Some(Instant::now());
        let status = response.status().as_u16();
        let mut bytes_in: u64 = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().len() + v.len() + 32) as u64)
            .sum();
        let mut body = response.into_body();
        while let Some(chunk) = body.data().await {
            let chunk = chunk.map_err(|e| h2_kind(&e))?;
            bytes_in += chunk.len() as u64;
            let _ = body.flow_control().release_capacity(chunk.len());
        }
        Ok(Outcome {
            status,
            bytes_in,
            first_byte,
            keep_alive: true,
        })
    }
}

/// The rustls client configuration: Mozilla roots plus `ca_der`, or no verification at all
/// with `insecure`. `alpn` lists the protocols offered (`h2` or `http/1.1`).
pub(crate) fn tls_config(
    insecure: bool,
    ca_der: &[Vec<u8>],
    alpn: &[&[u8]],
) -> Result<Arc<rustls::ClientConfig>, LoadError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| LoadError::Tls(e.to_string()))?;
    let mut config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(provider)))
            .with_no_client_auth()
    } else {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for der in ca_der {
            roots
                .add(rustls::pki_types::CertificateDer::from(der.clone()))
                .map_err(|e| LoadError::Tls(format!("bad CA certificate: {e}")))?;
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

#[derive(Debug)]
struct NoVerify(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

//! Errors: why a run could not start (`LoadError`), and why one request failed (`ErrorKind`).

use std::io;

/// Why a load run could not be prepared or started. Failed requests are not errors of the
/// run: they are counted by [`ErrorKind`] in the result.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("invalid URL `{url}`: {reason}")]
    Url { url: String, reason: String },
    #[error("cannot resolve `{host}`: {reason}")]
    Resolve { host: String, reason: String },
    #[error("{0}")]
    Config(String),
    #[error("scenario {path}: {reason}")]
    Scenario { path: String, reason: String },
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("invalid threshold `{expr}`: {reason}")]
    Threshold { expr: String, reason: String },
    #[error("TLS setup: {0}")]
    Tls(String),
    #[error("cannot start worker threads: {0}")]
    Runtime(#[source] io::Error),
}

/// What went wrong with one request; the keys of `errors{}` in the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorKind {
    /// Nothing listens at the target (TCP RST to SYN).
    ConnectRefused,
    /// Any other failure to open a connection (unreachable, connect timeout).
    Connect,
    /// The server reset the connection (RST, broken pipe) during a request.
    Reset,
    /// The server closed the connection before the response was complete.
    Closed,
    /// No complete response within `--timeout`.
    Timeout,
    /// TLS handshake or record failure.
    Tls,
    /// A response that is not HTTP.
    Malformed,
    /// HTTP/2 protocol error (GOAWAY, RST_STREAM, refused stream).
    Http2,
    /// Any other I/O error.
    Io,
    /// A response with status 400-499.
    Status4xx,
    /// A response with status 500-599.
    Status5xx,
}

impl ErrorKind {
    pub const COUNT: usize = 11;
    pub const ALL: [ErrorKind; Self::COUNT] = [
        ErrorKind::ConnectRefused,
        ErrorKind::Connect,
        ErrorKind::Reset,
        ErrorKind::Closed,
        ErrorKind::Timeout,
        ErrorKind::Tls,
        ErrorKind::Malformed,
        ErrorKind::Http2,
        ErrorKind::Io,
        ErrorKind::Status4xx,
        ErrorKind::Status5xx,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::ConnectRefused => "connect_refused",
            ErrorKind::Connect => "connect",
            ErrorKind::Reset => "reset",
            ErrorKind::Closed => "closed",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Tls => "tls",
            ErrorKind::Malformed => "malformed",
            ErrorKind::Http2 => "http2",
            ErrorKind::Io => "io",
            ErrorKind::Status4xx => "status_4xx",
            ErrorKind::Status5xx => "status_5xx",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// Classify an I/O error seen while a request was in flight.
    pub fn from_io(e: &io::Error) -> ErrorKind {
        use io::ErrorKind as K;
        match e.kind() {
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => ErrorKind::Reset,
            K::UnexpectedEof => ErrorKind::Closed,
            K::TimedOut => ErrorKind::Timeout,
            K::ConnectionRefused => ErrorKind::ConnectRefused,
            K::InvalidData if is_tls(e) => ErrorKind::Tls,
            _ if is_tls(e) => ErrorKind::Tls,
            _ => ErrorKind::Io,
        }
    }

    /// Classify an error seen while connecting.
    pub fn from_connect(e: &io::Error) -> ErrorKind {
        match e.kind() {
            io::ErrorKind::ConnectionRefused => ErrorKind::ConnectRefused,
            _ if is_tls(e) => ErrorKind::Tls,
            io::ErrorKind::ConnectionReset | io::ErrorKind::UnexpectedEof => ErrorKind::Reset,
            _ => ErrorKind::Connect,
        }
    }
}

fn is_tls(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<rustls::Error>())
}

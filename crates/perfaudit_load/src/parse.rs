//! The HTTP/1.1 response parser: a synchronous state machine fed with whatever bytes arrived.
//! It never panics on what a server sends (fuzzed: `fuzz/fuzz_targets/http1_response.rs`) and
//! keeps nothing but counters: bodies are skipped, not stored.

/// Largest response head accepted (status line + headers).
pub const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 64;

/// Why a response could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("malformed response head: {0}")]
    Head(&'static str),
    #[error("response head larger than 64 KiB")]
    HeadTooLarge,
    #[error("malformed chunked body")]
    Chunked,
    #[error("invalid Content-Length")]
    ContentLength,
    #[error("connection closed before the response was complete")]
    Truncated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    /// Reading hex digits of the size line.
    Size {
        size: u64,
        digits: u8,
    },
    /// Skipping chunk extensions up to the line end.
    Ext {
        size: u64,
    },
    /// Expecting `\n` after `\r` of the size line.
    SizeLf {
        size: u64,
    },
    /// Skipping chunk data.
    Data {
        left: u64,
    },
    /// Expecting `\r\n` after chunk data.
    DataCr,
    DataLf,
    /// After the last chunk: trailer lines until an empty one. `empty` = at the start of a line.
    Trailer {
        line_len: usize,
    },
    TrailerLf {
        line_len: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Head,
    Length(u64),
    Chunked(Chunk),
    UntilClose,
    Done,
}

/// Parses one response; [`ResponseParser::reset`] readies it for the next on the same connection.
#[derive(Debug, Clone)]
pub struct ResponseParser {
    state: State,
    head_request: bool,
    status: u16,
    keep_alive: bool,
}

impl ResponseParser {
    pub fn new(head_request: bool) -> Self {
        ResponseParser {
            state: State::Head,
            head_request,
            status: 0,
            keep_alive: true,
        }
    }

    pub fn reset(&mut self, head_request: bool) {
        *self = Self::new(head_request);
    }

    /// Status code of the final response (0 until its head was parsed).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Whether the connection can carry another request after this response.
    pub fn keep_alive(&self) -> bool {
        self.keep_alive && self.state != State::UntilClose
    }

    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// True once a final (non-1xx) response head was read.
    pub fn has_head(&self) -> bool {
        self.state != State::Head
    }

    /// Feed the bytes buffered so far; returns how many were consumed. While the head is
    /// incomplete nothing is consumed (the caller keeps the bytes and reads more).
    pub fn feed(&mut self, data: &[u8]) -> Result<usize, ParseError> {
        let mut used = 0;
        loop {
            let rest = &data[used..];
            match self.state {
                State::Done => return Ok(used),
                State::Head => {
                    let n = self.parse_head(rest)?;
                    if n == 0 {
                        return Ok(used);
                    }
                    used += n;
                }
                State::Length(left) => {
                    let take = (rest.len() as u64).min(left);
                    used += take as usize;
                    self.state = if take == left {
                        State::Done
                    } else {
                        State::Length(left - take)
                    };
                    return Ok(used);
                }
                State::UntilClose => return Ok(data.len()),
                State::Chunked(c) => {
                    let (n, next) = chunked(c, rest)?;
                    used += n;
                    match next {
                        Some(c) => {
                            self.state = State::Chunked(c);
                            return Ok(used);
                        }
                        None => self.state = State::Done,
                    }
                }
            }
        }
    }

    /// The connection reached end of file. A close-delimited body ends here; anything else
    /// unfinished is an error.
    pub fn eof(&mut self) -> Result<(), ParseError> {
        match self.state {
            State::Done => Ok(()),
            State::UntilClose => {
                self.state = State::Done;
                self.keep_alive = false;
                Ok(())
            }
            _ => Err(ParseError::Truncated),
        }
    }

    /// Parse a head at the start of `data`; 0 = incomplete. Skips interim 1xx responses.
    fn parse_head(&mut self, data: &[u8]) -> Result<usize, ParseError> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut resp = httparse::Response::new(&mut headers);
        let n = match resp.parse(data) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => {
                return if data.len() >= MAX_HEAD {
                    Err(ParseError::HeadTooLarge)
                } else {
                    Ok(0)
                };
            }
            Err(httparse::Error::TooManyHeaders) => {
                return Err(ParseError::Head("too many headers"))
            }
            Err(_) => return Err(ParseError::Head("bad status line or header")),
        };
        let status = resp.code.unwrap_or(0);
        let version = resp.version.unwrap_or(1);
        if (100..200).contains(&status) && status != 101 {
            // Interim response (100 Continue, 103 Early Hints): the final one follows.
            return Ok(n);
        }
        self.status = status;
        let mut content_length: Option<u64> = None;
        let mut chunked = false;
        let mut close = version == 0;
        for h in resp.headers.iter() {
            if h.name.eq_ignore_ascii_case("content-length") {
                let v = std::str::from_utf8(h.value)
                    .ok()
                    .and_then(|s| s.trim().parse::<u64>().ok())
                    .ok_or(ParseError::ContentLength)?;
                if content_length.is_some_and(|c| c != v) {
                    return Err(ParseError::ContentLength);
                }
                content_length = Some(v);
            } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = h
                    .value
                    .rsplit(|&b| b == b',')
                    .next()
                    .is_some_and(|last| trim(last).eq_ignore_ascii_case(b"chunked"));
            } else if h.name.eq_ignore_ascii_case("connection") {
                for token in h.value.split(|&b| b == b',') {
                    let t = trim(token);
                    if t.eq_ignore_ascii_case(b"close") {
                        close = true;
                    } else if t.eq_ignore_ascii_case(b"keep-alive") && version == 0 {
                        close = false;
                    }
                }
            }
        }
        self.keep_alive = !close;
        self.state = if self.head_request || status == 204 || status == 304 || status == 101 {
            State::Done
        } else if chunked {
            State::Chunked(Chunk::Size { size: 0, digits: 0 })
        } else if let Some(len) = content_length {
            if len == 0 {
                State::Done
            } else {
                State::Length(len)
            }
        } else {
            State::UntilClose
        };
        Ok(n)
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

/// Advance the chunked-body machine over `data`: bytes consumed, and the next state (None = body done).
fn chunked(mut c: Chunk, data: &[u8]) -> Result<(usize, Option<Chunk>), ParseError> {
    let mut i = 0;
    while i < data.len() {
        if let Chunk::Data { left } = c {
            let take = ((data.len() - i) as u64).min(left);
            i += take as usize;
            c = if take == left {
                Chunk::DataCr
            } else {
                Chunk::Data { left: left - take }
            };
            continue;
        }
        let b = data[i];
        i += 1;
        c = match c {
            Chunk::Size { size, digits } => match b {
                b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' => {
                    if digits >= 15 {
                        return Err(ParseError::Chunked);
                    }
                    let d = (b as char).to_digit(16).unwrap_or(0) as u64;
                    Chunk::Size {
                        size: size * 16 + d,
                        digits: digits + 1,
                    }
                }
                b';' | b' ' | b'\t' if digits > 0 => Chunk::Ext { size },
                b'\r' if digits > 0 => Chunk::SizeLf { size },
                _ => return Err(ParseError::Chunked),
            },
            Chunk::Ext { size } => match b {
                b'\r' => Chunk::SizeLf { size },
                b'\n' => return Err(ParseError::Chunked),
                _ => Chunk::Ext { size },
            },
            Chunk::SizeLf { size } => match (b, size) {
                (b'\n', 0) => Chunk::Trailer { line_len: 0 },
                (b'\n', size) => Chunk::Data { left: size },
                _ => return Err(ParseError::Chunked),
            },
            Chunk::DataCr => match b {
                b'\r' => Chunk::DataLf,
                _ => return Err(ParseError::Chunked),
            },
            Chunk::DataLf => match b {
                b'\n' => Chunk::Size { size: 0, digits: 0 },
                _ => return Err(ParseError::Chunked),
            },
            Chunk::Trailer { line_len } => match b {
                b'\r' => Chunk::TrailerLf { line_len },
                _ if line_len >= MAX_HEAD => return Err(ParseError::Chunked),
                _ => Chunk::Trailer {
                    line_len: line_len + 1,
                },
            },
            Chunk::TrailerLf { line_len } => match (b, line_len) {
                (b'\n', 0) => return Ok((i, None)),
                (b'\n', _) => Chunk::Trailer { line_len: 0 },
                _ => return Err(ParseError::Chunked),
            },
            Chunk::Data { .. } => unreachable!("handled above"),
        };
    }
    Ok((i, Some(c)))
}

/// Parse a whole byte stream as a sequence of responses (to GET requests), splitting reads at
/// `split` bytes. Returns the statuses parsed. For the fuzzer and tests.
pub fn parse_stream(data: &[u8], split: usize) -> Result<Vec<u16>, ParseError> {
    let split = split.max(1);
    let mut statuses = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    let mut p = ResponseParser::new(false);
    let mut pos = 0;
    loop {
        if pos < data.len() {
            let end = (pos + split).min(data.len());
            buf.extend_from_slice(&data[pos..end]);
            pos = end;
        }
        let used = p.feed(&buf)?;
        buf.drain(..used);
        if p.is_done() {
            statuses.push(p.status());
            if !p.keep_alive() || (buf.is_empty() && pos == data.len()) {
                return Ok(statuses);
            }
            p.reset(false);
            continue;
        }
        if pos == data.len() && (used == 0 || buf.is_empty()) {
            p.eof()?;
            statuses.push(p.status());
            return Ok(statuses);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_splits(data: &[u8]) -> Vec<Result<Vec<u16>, ParseError>> {
        (1..=data.len()).map(|s| parse_stream(data, s)).collect()
    }

    #[test]
    fn content_length_and_keep_alive() {
        let data = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n";
        for r in all_splits(data) {
            assert_eq!(r.unwrap(), vec![200, 404]);
        }
    }

    #[test]
    fn chunked_with_extensions_and_trailers() {
        let data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5;x=y\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx";
        for r in all_splits(data) {
            assert_eq!(r.unwrap(), vec![200, 201]);
        }
    }

    #[test]
    fn interim_and_close_delimited() {
        let data = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nbody until close";
        for r in all_splits(data) {
            assert_eq!(r.unwrap(), vec![200]);
        }
        let mut p = ResponseParser::new(false);
        p.feed(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
            .unwrap();
        assert!(p.is_done() && !p.keep_alive());
    }

    #[test]
    fn head_and_no_body_statuses() {
        let mut p = ResponseParser::new(true);
        let n = p
            .feed(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
            .unwrap();
        assert!(p.is_done() && n == 40);
        let mut p = ResponseParser::new(false);
        p.feed(b"HTTP/1.1 204 No Content\r\n\r\n").unwrap();
        assert!(p.is_done() && p.status() == 204);
    }

    #[test]
    fn garbage_and_truncation_are_errors() {
        assert!(parse_stream(b"garbage garbage\r\n\r\n", 3).is_err());
        assert_eq!(
            parse_stream(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 4),
            Err(ParseError::Truncated)
        );
        assert_eq!(
            parse_stream(
                b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                100
            ),
            Err(ParseError::ContentLength)
        );
        assert_eq!(
            parse_stream(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                100
            ),
            Err(ParseError::Chunked)
        );
        assert_eq!(
            parse_stream(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n",
                7
            ),
            Err(ParseError::Chunked)
        );
        let huge = [b"HTTP/1.1 200 OK\r\nX: ".as_slice(), &vec![b'a'; MAX_HEAD]].concat();
        assert_eq!(parse_stream(&huge, 4096), Err(ParseError::HeadTooLarge));
        assert_eq!(parse_stream(b"", 1), Err(ParseError::Truncated));
    }

    /// What the fuzz target checks, on pseudo-random mixes of HTTP fragments and noise.
    #[test]
    fn never_panics_on_noise() {
        let pieces: [&[u8]; 12] = [
            b"HTTP/1.1 200 OK\r\n",
            b"Content-Length: 3\r\n",
            b"Transfer-Encoding: chunked\r\n",
            b"\r\n",
            b"abc",
            b"5\r\nhello\r\n",
            b"0\r\n\r\n",
            b"HTTP/1.0 100 C\r\n\r\n",
            b"Connection: close\r\n",
            b"\xff\x00\n",
            b"FFFFFFFFFFFFFFFFFFFF",
            b";ext\r",
        ];
        let mut x: u64 = 0x1234_5678_9abc_def1;
        for _ in 0..3000 {
            let mut data = Vec::new();
            for _ in 0..(x % 12) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                data.extend_from_slice(pieces[(x % 12) as usize]);
            }
            let _ = parse_stream(&data, (x % 7 + 1) as usize);
            let mut p = ResponseParser::new(x.is_multiple_of(2));
            if let Ok(used) = p.feed(&data) {
                assert!(used <= data.len());
            }
        }
    }
}

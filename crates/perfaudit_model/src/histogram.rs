//! Latency histograms: HDR (High Dynamic Range) histograms of microseconds with 3 significant
//! digits, serialized in JSON as the base64 text of the standard V2 deflate encoding (the one
//! HdrHistogram implementations in Java, Go, Python and Rust read), so runs made on several
//! machines merge exactly and two runs can be compared value by value.

use base64::Engine as _;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use serde::{
    Deserialize, Deserializer as SerdeDeserializer, Serialize, Serializer as SerdeSerializer,
};
use std::fmt;

/// Significant decimal digits every perfaudit histogram keeps (relative error <= 0.1%).
pub const SIGNIFICANT_DIGITS: u8 = 3;

/// Why a serialized histogram could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HistogramError {
    #[error("histogram is not valid base64: {0}")]
    Base64(#[from] base64::DecodeError),
    #[error("histogram is not a valid HDR V2 encoding: {0}")]
    Decode(String),
    #[error("cannot merge histograms: {0}")]
    Merge(String),
}

/// An auto-resizing HDR histogram of non-negative integer values (perfaudit records
/// microseconds). Memory depends on the range of values, never on how many were recorded.
#[derive(Clone)]
pub struct Histogram {
    inner: hdrhistogram::Histogram<u64>,
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

impl PartialEq for Histogram {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter_recorded().eq(other.iter_recorded())
    }
}

impl fmt::Debug for Histogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Histogram")
            .field("count", &self.len())
            .field("min", &self.min())
            .field("max", &self.max())
            .finish()
    }
}

impl Histogram {
    /// An empty histogram (1 .. auto-resizing, 3 significant digits).
    pub fn new() -> Self {
        let mut inner = hdrhistogram::Histogram::<u64>::new(SIGNIFICANT_DIGITS)
            .expect("3 significant digits is a valid HDR configuration");
        inner.auto(true);
        Histogram { inner }
    }

    /// Record one value. Zero is recorded as zero; values never fail (auto-resize).
    #[inline]
    pub fn record(&mut self, value: u64) {
        // Auto-resizing histograms only fail for values beyond u64 range limits; saturate.
        let _ = self.inner.record(value.min(i64::MAX as u64 / 2));
    }

    /// Record `count` occurrences of `value`.
    pub fn record_n(&mut self, value: u64, count: u64) {
        let _ = self.inner.record_n(value.min(i64::MAX as u64 / 2), count);
    }

    /// Add every value of `other` (exact: the counts add bucket by bucket).
    pub fn merge(&mut self, other: &Histogram) -> Result<(), HistogramError> {
        self.inner
            .add(&other.inner)
            .map_err(|e| HistogramError::Merge(format!("{e:?}")))
    }

    /// Number of recorded values.
    pub fn len(&self) -> u64 {
        self.inner.len()
    }

    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Smallest recorded value (0 when empty).
    pub fn min(&self) -> u64 {
        if self.is_empty() {
            0
        } else {
            self.inner.min()
        }
    }

    /// Largest recorded value, at histogram precision (0 when empty).
    pub fn max(&self) -> u64 {
        if self.is_empty() {
            0
        } else {
            self.inner.max()
        }
    }

    pub fn mean(&self) -> f64 {
        if self.is_empty() {
            0.0
        } else {
            self.inner.mean()
        }
    }

    pub fn stdev(&self) -> f64 {
        if self.is_empty() {
            0.0
        } else {
            self.inner.stdev()
        }
    }

    /// The value at quantile `q` in `0.0..=1.0` (0 when empty).
    pub fn quantile(&self, q: f64) -> u64 {
        if self.is_empty() {
            0
        } else {
            self.inner.value_at_quantile(q.clamp(0.0, 1.0))
        }
    }

    /// Fraction of recorded values `<= value` (0.0 when empty).
    pub fn fraction_at_or_below(&self, value: u64) -> f64 {
        if self.is_empty() {
            0.0
        } else {
            self.inner.count_between(0, value) as f64 / self.len() as f64
        }
    }

    /// Every distinct recorded value (bucket's representative, ascending) with its count.
    pub fn iter_recorded(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.inner
            .iter_recorded()
            .map(|v| (v.value_iterated_to(), v.count_at_value()))
    }

    /// Summary of the distribution in the form every perfaudit document uses.
    pub fn summary(&self) -> LatencySummary {
        LatencySummary {
            min: self.min(),
            mean: round1(self.mean()),
            p50: self.quantile(0.50),
            p90: self.quantile(0.90),
            p95: self.quantile(0.95),
            p99: self.quantile(0.99),
            p999: self.quantile(0.999),
            max: self.max(),
        }
    }

    /// The V2 deflate encoding, base64 (standard alphabet, padded).
    pub fn to_base64(&self) -> String {
        let mut buf = Vec::new();
        V2DeflateSerializer::new()
            .serialize(&self.inner, &mut buf)
            .expect("serializing into a Vec cannot fail");
        base64::engine::general_purpose::STANDARD.encode(buf)
    }

    /// Read a histogram written by [`Histogram::to_base64`] (or any HdrHistogram V2 encoder).
    ///
    /// Untrusted input (`load merge` reads files from other machines): the lengths in the
    /// encoding are checked against what is really there before anything is allocated, and the
    /// deflate stream may expand to at most [`MAX_DECODED_BYTES`] (a deflate bomb is refused,
    /// not expanded).
    pub fn from_base64(text: &str) -> Result<Self, HistogramError> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(text.trim())?;
        let plain = checked_v2_payload(&bytes)?;
        let mut inner: hdrhistogram::Histogram<u64> = Deserializer::new()
            .deserialize(&mut &plain[..])
            .map_err(|e| HistogramError::Decode(format!("{e:?}")))?;
        inner.auto(true);
        Ok(Histogram { inner })
    }

    /// The underlying `hdrhistogram` value, for callers that need more.
    pub fn as_hdr(&self) -> &hdrhistogram::Histogram<u64> {
        &self.inner
    }
}

/// The largest decoded (inflated) V2 histogram accepted: a 3-significant-digit histogram over
/// the whole u64 range has about 55,000 counters of at most 9 bytes each (~0.5 MB).
pub const MAX_DECODED_BYTES: usize = 4 << 20;

/// The V2 cookies (the base values with the word-size bits `0x10`, as the Java and Rust
/// encoders write them).
const V2_COOKIE: u32 = 0x1c84_9303 | 0x10;
const V2_COMPRESSED_COOKIE: u32 = 0x1c84_9304 | 0x10;
/// Cookie, payload length, normalizing offset, significant digits, lowest, highest, ratio.
const V2_HEADER_BYTES: usize = 40;

/// The plain V2 encoding inside `bytes` (inflated when compressed), with its declared payload
/// length checked against the bytes that follow it.
fn checked_v2_payload(bytes: &[u8]) -> Result<Vec<u8>, HistogramError> {
    use std::io::Read;
    let be32 = |b: &[u8], at: usize| -> Option<u32> {
        b.get(at..at + 4)
            .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    };
    let bad = |m: String| HistogramError::Decode(m);
    let cookie = be32(bytes, 0).ok_or_else(|| bad("shorter than its header".into()))?;
    let plain = match cookie {
        V2_COMPRESSED_COOKIE => {
            let len = be32(bytes, 4).ok_or_else(|| bad("shorter than its header".into()))? as usize;
            let rest = &bytes[8..];
            if len > rest.len() {
                return Err(bad(format!(
                    "compressed payload of {len} bytes declared, {} present",
                    rest.len()
                )));
            }
            let mut out = Vec::new();
            flate2::read::ZlibDecoder::new(&rest[..len])
                .take(MAX_DECODED_BYTES as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| bad(format!("deflate: {e}")))?;
            if out.len() > MAX_DECODED_BYTES {
                return Err(bad(format!(
                    "inflates to more than {MAX_DECODED_BYTES} bytes (a deflate bomb?)"
                )));
            }
            out
        }
        V2_COOKIE => bytes.to_vec(),
        other => return Err(bad(format!("unknown cookie {other:#x}"))),
    };
    if be32(&plain, 0) != Some(V2_COOKIE) {
        return Err(bad("the inflated payload is not a V2 histogram".into()));
    }
    let len = be32(&plain, 4).ok_or_else(|| bad("shorter than its header".into()))? as usize;
    let present = plain.len().saturating_sub(V2_HEADER_BYTES);
    if plain.len() < V2_HEADER_BYTES || len > present {
        return Err(bad(format!(
            "counts payload of {len} bytes declared, {present} present"
        )));
    }
    Ok(plain)
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl Serialize for Histogram {
    fn serialize<S: SerdeSerializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for Histogram {
    fn deserialize<D: SerdeDeserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Histogram::from_base64(&text).map_err(serde::de::Error::custom)
    }
}

/// Quantiles of a latency distribution, in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    pub min: u64,
    pub mean: f64,
    pub p50: u64,
    pub p90: u64,
    pub p95: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_precision() {
        let mut h = Histogram::new();
        for v in 1..=10_000u64 {
            h.record(v);
        }
        assert_eq!(h.len(), 10_000);
        assert_eq!(h.min(), 1);
        let p99 = h.quantile(0.99);
        assert!((9_890..=9_910).contains(&p99), "{p99}");
        let s = h.summary();
        assert!((s.mean - 5000.5).abs() < 5.0);
        assert!(s.p50 <= s.p90 && s.p90 <= s.p95 && s.p95 <= s.p99 && s.p99 <= s.max);
    }

    #[test]
    fn base64_round_trip_is_exact() {
        let mut h = Histogram::new();
        for v in [0u64, 1, 7, 100, 12_345, 2_000_000, 90_000_000] {
            h.record_n(v, v % 5 + 1);
        }
        let text = h.to_base64();
        let back = Histogram::from_base64(&text).unwrap();
        assert_eq!(back, h);
        let json = serde_json::to_string(&h).unwrap();
        let back: Histogram = serde_json::from_str(&json).unwrap();
        assert_eq!(back.len(), h.len());
    }

    #[test]
    fn merge_is_exact() {
        let (mut a, mut b, mut all) = (Histogram::new(), Histogram::new(), Histogram::new());
        for v in 0..5000u64 {
            let x = v * 37 % 100_000;
            if v % 3 == 0 {
                a.record(x)
            } else {
                b.record(x)
            }
            all.record(x);
        }
        let a = Histogram::from_base64(&a.to_base64()).unwrap();
        a.clone().merge(&b).unwrap();
        let mut m = a.clone();
        m.merge(&b).unwrap();
        assert_eq!(m, all);
        let recorded: u64 = m.iter_recorded().map(|(_, c)| c).sum();
        assert_eq!(recorded, 5000);
    }

    #[test]
    fn forged_lengths_and_deflate_bombs_are_refused_without_allocating() {
        use std::io::{Read, Write};
        let mut h = Histogram::new();
        for v in [1u64, 10, 100, 1000] {
            h.record(v);
        }
        let good = base64::engine::general_purpose::STANDARD
            .decode(h.to_base64())
            .unwrap();
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        // The outer (compressed) length says 0x7fffffff.
        let mut forged = good.clone();
        forged[4..8].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
        let e = Histogram::from_base64(&b64(&forged))
            .unwrap_err()
            .to_string();
        assert!(e.contains("declared"), "{e}");
        // The inner (counts) length says 0x7fffffff and 1e9: inflate, patch, deflate again.
        let mut inner = Vec::new();
        flate2::read::ZlibDecoder::new(&good[8..])
            .read_to_end(&mut inner)
            .unwrap();
        for n in [0x7fff_ffffu32, 1_000_000_000] {
            let mut patched = inner.clone();
            patched[4..8].copy_from_slice(&n.to_be_bytes());
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            z.write_all(&patched).unwrap();
            let body = z.finish().unwrap();
            let mut enc = V2_COMPRESSED_COOKIE.to_be_bytes().to_vec();
            enc.extend((body.len() as u32).to_be_bytes());
            enc.extend(body);
            let e = Histogram::from_base64(&b64(&enc)).unwrap_err().to_string();
            assert!(e.contains("declared"), "{e}");
        }
        // A deflate bomb: 200 MB of zeros compress to ~200 KB.
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let mut header = V2_COOKIE.to_be_bytes().to_vec();
        header.extend((200_000_000u32).to_be_bytes());
        z.write_all(&header).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..200 {
            z.write_all(&zeros).unwrap();
        }
        let body = z.finish().unwrap();
        let mut enc = V2_COMPRESSED_COOKIE.to_be_bytes().to_vec();
        enc.extend((body.len() as u32).to_be_bytes());
        enc.extend(body);
        let e = Histogram::from_base64(&b64(&enc)).unwrap_err().to_string();
        assert!(e.contains("deflate bomb"), "{e}");
        // The genuine encoding still reads.
        assert_eq!(Histogram::from_base64(&h.to_base64()).unwrap(), h);
    }

    #[test]
    fn empty_and_garbage() {
        let h = Histogram::new();
        assert_eq!(h.summary(), LatencySummary::default());
        let back = Histogram::from_base64(&h.to_base64()).unwrap();
        assert!(back.is_empty());
        assert!(Histogram::from_base64("not base64!").is_err());
        assert!(Histogram::from_base64("aGVsbG8=").is_err());
    }
}

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
    pub fn from_base64(text: &str) -> Result<Self, HistogramError> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(text.trim())?;
        let mut inner: hdrhistogram::Histogram<u64> = Deserializer::new()
            .deserialize(&mut &bytes[..])
            .map_err(|e| HistogramError::Decode(format!("{e:?}")))?;
        inner.auto(true);
        Ok(Histogram { inner })
    }

    /// The underlying `hdrhistogram` value, for callers that need more.
    pub fn as_hdr(&self) -> &hdrhistogram::Histogram<u64> {
        &self.inner
    }
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
    fn empty_and_garbage() {
        let h = Histogram::new();
        assert_eq!(h.summary(), LatencySummary::default());
        let back = Histogram::from_base64(&h.to_base64()).unwrap();
        assert!(back.is_empty());
        assert!(Histogram::from_base64("not base64!").is_err());
        assert!(Histogram::from_base64("aGVsbG8=").is_err());
    }
}

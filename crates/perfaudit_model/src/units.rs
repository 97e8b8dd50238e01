//! Quantities as people type and read them: THE parser and formatter of durations, sizes,
//! rates, percentages, counts and the comparison operator. Every stage, config file, flag,
//! threshold, alert, KPI and renderer goes through this module, so `30` means the same
//! thing everywhere and `12.3ms` reads the same in every table.
//!
//! Meanings, one for each kind of text:
//!
//! | text | meaning | bare number |
//! |---|---|---|
//! | a duration (`duration`, `timeout`, `warmup`, `interval`, `-d`, `--min-time`, `for 5s`) | how long | **seconds** (as wrk and k6 read `-d 30`) |
//! | a latency limit (`p95<100`, `latency.p95 < 100`) | a bound on a measured time | **milliseconds** (as k6 thresholds read `p(95)<100`) |
//! | a size (`500MB`, `1GiB`, `512M`) | bytes | bytes |
//! | a percentage (`1%`, `0.01`) | a share | a fraction (`0.01` = 1%) |
//! | a rate (`500`, `500/s`) | per second | per second |
//! | a count (`10000`, `10k`, `1M`) | how many | the number |
//!
//! Durations accept `ns`, `us`/`µs`, `ms`, `s`, `m`, `h`, `d` and compounds such as `1m30s`;
//! they are bounded by [`MAX_DURATION`] so that no deadline can overflow a clock.

use std::fmt;
use std::time::Duration;

/// The longest duration any setting accepts: 365 days. Longer values are refused with a
/// message instead of overflowing a deadline (`Instant + Duration`) later.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

/// Why a quantity could not be read. The message names the text and what was expected; the
/// caller adds where it came from (a flag or a TOML key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitError(pub String);

impl fmt::Display for UnitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UnitError {}

impl From<UnitError> for String {
    fn from(e: UnitError) -> String {
        e.0
    }
}

fn err(msg: String) -> UnitError {
    UnitError(msg)
}

/// What a quantity measures: decides which suffixes its text accepts and its stored unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
    /// A measured time; stored in milliseconds; a bare number is milliseconds.
    Time,
    /// Stored in bytes.
    Bytes,
    /// Stored in percent (0..100); `1%` or a bare `1` (percent).
    Percent,
    /// Per second.
    Rate,
    /// A plain count.
    Count,
}

impl Dim {
    /// The stored unit's name, as metric rows and KPI results carry it.
    pub fn unit(self) -> &'static str {
        match self {
            Dim::Time => "ms",
            Dim::Bytes => "bytes",
            Dim::Percent => "%",
            Dim::Rate => "req/s",
            Dim::Count => "count",
        }
    }

    fn examples(self) -> &'static str {
        match self {
            Dim::Time => "a duration such as `250us`, `100ms` or `1.5s`",
            Dim::Bytes => "a size such as `512KB`, `500MB` or `1GiB`",
            Dim::Percent => "a percentage such as `1%`",
            Dim::Rate => "a rate such as `500` or `500/s`",
            Dim::Count => "a number such as `0`",
        }
    }
}

/// Split `100ms` into (100.0, "ms"). Underscores between digits are allowed (`10_000`).
fn split_number(s: &str) -> Option<(f64, &str)> {
    let s = s.trim();
    let mut end = 0;
    for (i, c) in s.char_indices() {
        let sign = (c == '-' || c == '+') && i == 0;
        let exp = (c == 'e' || c == 'E')
            && i > 0
            && s[i + 1..].starts_with(|d: char| d.is_ascii_digit() || d == '-' || d == '+');
        if c.is_ascii_digit() || c == '.' || c == '_' || sign || exp {
            end = i + c.len_utf8();
        } else if (c == '-' || c == '+') && s[..i].ends_with(['e', 'E']) {
            end = i + 1;
        } else {
            break;
        }
    }
    let num: String = s[..end].chars().filter(|&c| c != '_').collect();
    let n: f64 = num.parse().ok()?;
    n.is_finite().then_some((n, s[end..].trim()))
}

fn time_unit_secs(unit: &str) -> Option<f64> {
    Some(match unit {
        "ns" => 1e-9,
        "us" | "µs" | "μs" => 1e-6,
        "ms" => 1e-3,
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86400.0,
        _ => return None,
    })
}

/// Seconds of a duration text: `250ms`, `30s`, `2m`, `1h`, `1.5s`, `1m30s`; a bare number
/// is seconds. Negative, non-finite and values over [`MAX_DURATION`] are refused.
pub fn parse_duration_secs(text: &str) -> Result<f64, UnitError> {
    let bad = || {
        err(format!(
            "invalid duration `{text}` (expected e.g. 500ms, 30s, 2m, 1m30s; a bare number is seconds)"
        ))
    };
    let t = text.trim();
    if t.is_empty() {
        return Err(bad());
    }
    if t.starts_with('-') {
        return Err(err(format!("invalid duration `{text}`: it is negative")));
    }
    let mut rest = t;
    let mut total = 0.0;
    let mut parts = 0;
    while !rest.is_empty() {
        let (n, tail) = split_number(rest).ok_or_else(bad)?;
        if n < 0.0 {
            return Err(err(format!("invalid duration `{text}`: it is negative")));
        }
        let unit_end = tail
            .find(|c: char| c.is_ascii_digit() || c == '.' || c.is_whitespace())
            .unwrap_or(tail.len());
        let unit = &tail[..unit_end];
        let mult = if unit.is_empty() {
            if parts > 0 || !tail.trim().is_empty() {
                return Err(bad());
            }
            1.0
        } else {
            time_unit_secs(&unit.to_ascii_lowercase()).ok_or_else(|| {
                err(format!(
                    "invalid duration `{text}`: unknown unit `{unit}` (use ns, us, ms, s, m, h or d)"
                ))
            })?
        };
        total += n * mult;
        parts += 1;
        rest = tail[unit_end..].trim_start();
    }
    if !total.is_finite() || total > MAX_DURATION.as_secs_f64() {
        return Err(err(format!(
            "duration `{text}` is out of range (at most 365 days)"
        )));
    }
    Ok(total)
}

/// A duration text as a [`Duration`]; see [`parse_duration_secs`].
pub fn parse_duration(text: &str) -> Result<Duration, UnitError> {
    Ok(Duration::from_secs_f64(parse_duration_secs(text)?))
}

/// A size in bytes: `B`, `KB`/`MB`/`GB`/`TB` (powers of 1000), `KiB`/`MiB`/`GiB`/`TiB` and
/// the short `K`/`M`/`G`/`T` (powers of 1024, as `docker` and `ulimit` read them). A bare
/// number is bytes.
pub fn parse_size(text: &str) -> Result<f64, UnitError> {
    let (v, unit) = split_number(text)
        .ok_or_else(|| err(format!("invalid size `{text}` (expected e.g. 500MB, 1GiB)")))?;
    let mult = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tib" => 1024.0f64.powi(4),
        other => {
            return Err(err(format!(
                "invalid size `{text}`: unknown unit `{other}` (use B, KB, MB, GB, KiB, MiB, GiB)"
            )))
        }
    };
    let bytes = v * mult;
    if bytes < 0.0 || !bytes.is_finite() {
        return Err(err(format!("invalid size `{text}`")));
    }
    Ok(bytes)
}

/// A share: `1%` or a plain fraction `0.01`. Returns the fraction (0.01). Values from 0 to
/// 10 (1000%) are accepted, so that a threshold like `200%` can be written.
pub fn parse_fraction(text: &str) -> Result<f64, UnitError> {
    let t = text.trim();
    let bad = || {
        err(format!(
            "`{text}` is not a percentage such as `20%` (or a fraction such as 0.2)"
        ))
    };
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map_err(|_| bad())? / 100.0,
        None => t.parse::<f64>().map_err(|_| bad())?,
    };
    if !(0.0..=10.0).contains(&v) {
        return Err(err(format!("`{text}` is out of range (0% to 1000%)")));
    }
    Ok(v)
}

/// A count: `10000`, `10_000`, `10k`, `1.5M`, `2G` (SI: powers of 1000, as wrk and oha read
/// `-n 10k`). Must be a whole, non-negative number.
pub fn parse_count(text: &str) -> Result<u64, UnitError> {
    let (v, unit) = split_number(text).ok_or_else(|| {
        err(format!(
            "invalid count `{text}` (expected e.g. 1000 or 10k)"
        ))
    })?;
    let mult = match unit {
        "" => 1.0,
        "k" | "K" => 1e3,
        "m" | "M" => 1e6,
        "g" | "G" => 1e9,
        other => {
            return Err(err(format!(
                "invalid count `{text}`: unknown suffix `{other}` (use k, M or G)"
            )))
        }
    };
    let n = v * mult;
    if n < 0.0 || n.fract() != 0.0 || n > u64::MAX as f64 {
        return Err(err(format!(
            "invalid count `{text}`: not a whole non-negative number"
        )));
    }
    Ok(n as u64)
}

/// A quantity of the given dimension in its stored unit ([`Dim::unit`]). A bare number is
/// the stored unit: milliseconds for a time limit, bytes, percent, per second, a count.
pub fn parse_quantity(text: &str, dim: Dim) -> Result<f64, UnitError> {
    let bad = || err(format!("`{text}` is not {}", dim.examples()));
    let (n, suffix) = split_number(text).ok_or_else(bad)?;
    let lower = suffix.to_ascii_lowercase();
    let v = match dim {
        Dim::Time if lower.is_empty() => n,
        Dim::Time => {
            // Compound and unit-suffixed times share the duration grammar.
            let secs = match time_unit_secs(&lower) {
                Some(m) => n * m,
                None => parse_duration_secs(text).map_err(|_| bad())?,
            };
            secs * 1e3
        }
        Dim::Bytes => parse_size(text).map_err(|_| bad())?,
        Dim::Percent => match lower.as_str() {
            "%" | "" => n,
            _ => return Err(bad()),
        },
        Dim::Rate => match lower.as_str() {
            "" | "/s" | "rps" | "req/s" => n,
            _ => return Err(bad()),
        },
        Dim::Count => match lower.as_str() {
            "" => n,
            "k" | "m" | "g" => parse_count(text).map_err(|_| bad())? as f64,
            _ => return Err(bad()),
        },
    };
    if !v.is_finite() {
        return Err(bad());
    }
    Ok(v)
}

/// A latency limit in microseconds: `100ms`, `1.5s`, `250us`; a bare number is
/// milliseconds (as k6 thresholds read it).
pub fn parse_latency_us(text: &str) -> Result<f64, UnitError> {
    let ms = parse_quantity(text, Dim::Time).map_err(|_| {
        err(format!(
            "invalid latency `{text}` (e.g. 250us, 100ms, 1.5s; a bare number is milliseconds)"
        ))
    })?;
    if ms < 0.0 {
        return Err(err(format!("invalid latency `{text}`: it is negative")));
    }
    Ok(ms * 1e3)
}

// ---------------------------------------------------------------------------------------------
// The comparison operator of thresholds, alerts and KPIs.

/// `<`, `<=`, `>`, `>=`, `==`: the one comparison operator of thresholds, alerts and KPIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Op {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "==")]
    Eq,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
        }
    }

    /// Whether `value OP target` holds. `==` allows a relative error of one ulp-ish.
    pub fn holds(self, value: f64, target: f64) -> bool {
        match self {
            Op::Lt => value < target,
            Op::Le => value <= target,
            Op::Gt => value > target,
            Op::Ge => value >= target,
            Op::Eq => (value - target).abs() <= f64::EPSILON * target.abs().max(1.0),
        }
    }

    /// `>`/`>=`: a value must stay above the target (higher is better).
    pub fn upward(self) -> bool {
        matches!(self, Op::Gt | Op::Ge)
    }

    /// The operator at the start of `text` (after spaces) and the rest: `< 100ms` ->
    /// (Lt, "100ms"). A single `=` reads as `==`.
    pub fn strip_prefix(text: &str) -> Option<(Op, &str)> {
        let t = text.trim_start();
        for (p, op) in [
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("==", Op::Eq),
            ("<", Op::Lt),
            (">", Op::Gt),
            ("=", Op::Eq),
        ] {
            if let Some(r) = t.strip_prefix(p) {
                return Some((op, r.trim()));
            }
        }
        None
    }

    /// Split `NAME OP VALUE` at its first operator: `p95 < 100ms` -> ("p95", Lt, "100ms").
    pub fn split(expr: &str) -> Option<(&str, Op, &str)> {
        let at = expr.find(['<', '>', '='])?;
        let (name, rest) = expr.split_at(at);
        let (op, value) = Op::strip_prefix(rest)?;
        Some((name.trim(), op, value))
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------------------------
// Formatting: every report shows quantities through these.

/// Three significant digits with a fixed number of decimals per magnitude: `850`, `12.3`,
/// `1.24`.
fn sig3(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A duration in seconds, human-sized: `850ns`, `850µs`, `12.3ms`, `1.24s`, `2m05s`.
pub fn fmt_secs(s: f64) -> String {
    if !s.is_finite() {
        return "-".into();
    }
    let a = s.abs();
    if a == 0.0 {
        "0s".into()
    } else if a < 1e-6 {
        format!("{}ns", sig3(s * 1e9))
    } else if a < 1e-3 {
        format!("{}µs", sig3(s * 1e6))
    } else if a < 1.0 {
        format!("{}ms", sig3(s * 1e3))
    } else if a < 60.0 {
        format!("{}s", sig3(s))
    } else {
        let total = s.round() as i64;
        let (m, sec) = (total / 60, total % 60);
        if m >= 60 {
            format!("{}h{:02}m", m / 60, m % 60)
        } else {
            format!("{m}m{sec:02}s")
        }
    }
}

/// A duration, human-sized; see [`fmt_secs`].
pub fn fmt_duration(d: Duration) -> String {
    fmt_secs(d.as_secs_f64())
}

/// A latency in microseconds, human-sized; see [`fmt_secs`].
pub fn fmt_us(us: f64) -> String {
    fmt_secs(us / 1e6)
}

/// A latency in milliseconds, human-sized; see [`fmt_secs`].
pub fn fmt_ms(ms: f64) -> String {
    fmt_secs(ms / 1e3)
}

/// A duration as a setting is written back (`5s`, `250ms`, `1.5s`): the shortest exact form,
/// for rule names and config echoes.
pub fn fmt_duration_setting(d: Duration) -> String {
    let s = d.as_secs_f64();
    let trim = |v: f64| {
        let t = format!("{v:.3}");
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    if s >= 1.0 || s == 0.0 {
        format!("{}s", trim(s))
    } else if s >= 1e-3 {
        format!("{}ms", trim(s * 1e3))
    } else {
        format!("{}us", trim(s * 1e6))
    }
}

/// Bytes in binary units: `512 B`, `1.5 KiB`, `18.9 MiB`, `2.00 GiB`.
pub fn fmt_bytes(v: f64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if !v.is_finite() {
        return "-".into();
    }
    if v.abs() < 1024.0 {
        return format!("{v:.0} B");
    }
    let mut x = v / 1024.0;
    let mut u = 0;
    while x.abs() >= 1024.0 && u < UNITS.len() - 1 {
        x /= 1024.0;
        u += 1;
    }
    format!("{} {}", sig3(x), UNITS[u])
}

/// A size limit as the user would write it back: `300MB` stays decimal, `256MiB` binary.
/// Picks decimal units when the value is a round decimal size, else binary.
pub fn fmt_size_setting(v: f64) -> String {
    for (unit, f) in [("GB", 1e9), ("MB", 1e6), ("KB", 1e3)] {
        if v >= f && (v / f).fract() == 0.0 {
            return format!("{}{unit}", v / f);
        }
    }
    for (unit, f) in [
        ("GiB", 1024.0 * 1024.0 * 1024.0),
        ("MiB", 1024.0 * 1024.0),
        ("KiB", 1024.0),
    ] {
        if v >= f && (v / f).fract() == 0.0 {
            return format!("{}{unit}", v / f);
        }
    }
    format!("{v:.0}B")
}

/// A count with thousands separators: `1,234,567`.
pub fn fmt_count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A rate per second: `8,432/s`, `12.5/s`, `0.50/s`.
pub fn fmt_rate(v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    if v.abs() >= 1000.0 {
        format!("{}/s", fmt_count(v.round() as u64))
    } else {
        format!("{}/s", sig3(v))
    }
}

/// A percentage value (already in percent): `12.3%`, `0.25%`, `100%`.
pub fn fmt_percent(pct: f64) -> String {
    if !pct.is_finite() {
        return "-".into();
    }
    if pct == 0.0 {
        "0%".into()
    } else {
        format!("{}%", sig3(pct))
    }
}

/// A fraction as a percentage: 0.0123 -> `1.23%`.
pub fn fmt_fraction(f: f64) -> String {
    fmt_percent(f * 100.0)
}

/// A p-value as people read it: `p < 0.001`, `p = 0.012`, `p = 1`.
pub fn fmt_p(p: f64) -> String {
    if !p.is_finite() {
        "p = n/a".into()
    } else if p < 0.001 {
        "p < 0.001".into()
    } else if p >= 0.9995 {
        "p = 1".into()
    } else {
        format!("p = {p:.3}")
    }
}

/// A plain number: whole numbers without decimals, others with three significant digits.
pub fn fmt_plain(v: f64) -> String {
    if !v.is_finite() {
        "-".into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        sig3(v)
    }
}

/// `1 thread`, `2 threads`; `1 run`, `0 runs`.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", fmt_count(n))
    }
}

/// A value in a stored unit ([`Dim::unit`] names, plus `us`, `s`, `bytes/s`, `fraction`).
pub fn fmt_value(v: f64, unit: &str) -> String {
    match unit {
        "ms" => fmt_ms(v),
        "us" | "µs" => fmt_us(v),
        "s" => fmt_secs(v),
        "bytes" => fmt_bytes(v),
        "bytes/s" => format!("{}/s", fmt_bytes(v)),
        "%" => fmt_percent(v),
        "fraction" => fmt_fraction(v),
        "req/s" | "/s" => fmt_rate(v),
        _ => fmt_plain(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_duration_is_seconds() {
        assert_eq!(parse_duration("30").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("1.5").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("100us").unwrap(), Duration::from_micros(100));
        assert_eq!(parse_duration("100µs").unwrap(), Duration::from_micros(100));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration(" 2 s ").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("0s").unwrap(), Duration::ZERO);
        assert_eq!(parse_duration("1_000ms").unwrap(), Duration::from_secs(1));
    }

    #[test]
    fn bad_durations_are_refused_with_the_text() {
        for bad in [
            "",
            "fast",
            "5 parsecs",
            "-1s",
            "1e400s",
            "10y",
            "1s2",
            "nan",
            "inf",
        ] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.0.contains(bad.trim()), "{bad}: {e}");
        }
        let e = parse_duration("1000000000000s").unwrap_err();
        assert!(e.0.contains("out of range"), "{e}");
        assert!(parse_duration("365d").is_ok());
        assert!(parse_duration("366d").is_err());
    }

    #[test]
    fn sizes_counts_fractions() {
        assert_eq!(parse_size("500MB").unwrap(), 500e6);
        assert_eq!(parse_size("1GiB").unwrap(), 1073741824.0);
        assert_eq!(parse_size("512M").unwrap(), 512.0 * 1048576.0);
        assert_eq!(parse_size("100").unwrap(), 100.0);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5XB").is_err());
        assert!(parse_size("-5MB").is_err());
        assert_eq!(parse_count("10k").unwrap(), 10_000);
        assert_eq!(parse_count("1.5M").unwrap(), 1_500_000);
        assert_eq!(parse_count("10_000").unwrap(), 10_000);
        assert!(parse_count("1.5").is_err());
        assert!(parse_count("-3").is_err());
        assert!(parse_count("3x").is_err());
        assert_eq!(parse_fraction("20%").unwrap(), 0.2);
        assert_eq!(parse_fraction("0.05").unwrap(), 0.05);
        assert!(parse_fraction("-1%").is_err());
    }

    #[test]
    fn quantities_in_their_stored_unit() {
        assert_eq!(parse_quantity("100ms", Dim::Time).unwrap(), 100.0);
        assert_eq!(
            parse_quantity("100", Dim::Time).unwrap(),
            100.0,
            "a limit: ms"
        );
        assert_eq!(parse_quantity("1.5s", Dim::Time).unwrap(), 1500.0);
        assert_eq!(parse_quantity("250us", Dim::Time).unwrap(), 0.25);
        assert_eq!(parse_quantity("1m30s", Dim::Time).unwrap(), 90e3);
        assert_eq!(parse_quantity("500MB", Dim::Bytes).unwrap(), 500e6);
        assert_eq!(parse_quantity("1%", Dim::Percent).unwrap(), 1.0);
        assert_eq!(parse_quantity("500/s", Dim::Rate).unwrap(), 500.0);
        assert_eq!(parse_quantity("1_000", Dim::Count).unwrap(), 1000.0);
        assert_eq!(parse_quantity("2k", Dim::Count).unwrap(), 2000.0);
        let e = parse_quantity("100MB", Dim::Time).unwrap_err();
        assert!(e.0.contains("duration"), "{e}");
        assert!(parse_quantity("fast", Dim::Time).is_err());
        assert!(parse_quantity("5ms", Dim::Bytes).is_err());
        assert_eq!(parse_latency_us("100").unwrap(), 100_000.0);
        assert_eq!(parse_latency_us("2s").unwrap(), 2_000_000.0);
        assert!(parse_latency_us("-1ms").is_err());
    }

    #[test]
    fn operators() {
        assert_eq!(Op::strip_prefix("< 100ms"), Some((Op::Lt, "100ms")));
        assert_eq!(Op::strip_prefix(">=5"), Some((Op::Ge, "5")));
        assert_eq!(Op::strip_prefix("= 0"), Some((Op::Eq, "0")));
        assert_eq!(Op::strip_prefix("100"), None);
        assert_eq!(Op::split("p95 < 100ms"), Some(("p95", Op::Lt, "100ms")));
        assert_eq!(Op::split("rps>=500"), Some(("rps", Op::Ge, "500")));
        assert!(Op::Lt.holds(1.0, 2.0) && !Op::Lt.holds(2.0, 2.0));
        assert!(Op::Eq.holds(0.0, 0.0) && Op::Ge.upward() && !Op::Le.upward());
        assert_eq!(
            serde_json::to_string(&Op::Le).unwrap(),
            "\"<=\"",
            "JSON contract"
        );
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_secs(0.0), "0s");
        assert_eq!(fmt_us(850.0), "850µs");
        assert_eq!(fmt_us(12_345.0), "12.3ms");
        assert_eq!(fmt_us(1_240_000.0), "1.24s");
        assert_eq!(fmt_us(5.5), "5.50µs");
        assert_eq!(fmt_ms(12.34), "12.3ms");
        assert_eq!(fmt_ms(0.25), "250µs");
        assert_eq!(fmt_secs(125.0), "2m05s");
        assert_eq!(fmt_secs(3725.0), "1h02m");
        assert_eq!(fmt_duration_setting(Duration::from_millis(250)), "250ms");
        assert_eq!(fmt_duration_setting(Duration::from_secs(5)), "5s");
        assert_eq!(fmt_bytes(0.0), "0 B");
        assert_eq!(fmt_bytes(1023.0), "1023 B");
        assert_eq!(fmt_bytes(1536.0), "1.50 KiB");
        assert_eq!(fmt_bytes(19_818_086.0), "18.9 MiB");
        assert_eq!(fmt_bytes(3.0 * 1073741824.0), "3.00 GiB");
        assert_eq!(fmt_size_setting(300e6), "300MB");
        assert_eq!(fmt_size_setting(256.0 * 1048576.0), "256MiB");
        assert_eq!(fmt_count(1_234_567), "1,234,567");
        assert_eq!(fmt_rate(8432.4), "8,432/s");
        assert_eq!(fmt_rate(12.54), "12.5/s");
        assert_eq!(fmt_percent(0.25), "0.25%");
        assert_eq!(fmt_percent(12.34), "12.3%");
        assert_eq!(fmt_fraction(0.002), "0.20%");
        assert_eq!(fmt_p(1.0), "p = 1");
        assert_eq!(fmt_p(0.0), "p < 0.001");
        assert_eq!(fmt_p(0.0123), "p = 0.012");
        assert_eq!(plural(1, "thread", "threads"), "1 thread");
        assert_eq!(plural(3, "run", "runs"), "3 runs");
        assert_eq!(fmt_value(1500.0, "ms"), "1.50s");
        assert_eq!(fmt_value(2.0, "count"), "2");
        assert_eq!(fmt_value(3.0 * 1048576.0, "bytes"), "3.00 MiB");
    }
}

//! Quantities as users write them in perfaudit.toml: `100ms`, `2s`, `500MB`, `1%`, `20%`.

/// What a metric measures; decides which suffixes its targets accept and the stored unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dim {
    /// Stored in milliseconds.
    Time,
    /// Stored in bytes.
    Bytes,
    /// Stored in percent (0..100).
    Percent,
    /// Requests per second.
    Rate,
    /// A plain count.
    Count,
}

impl Dim {
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

/// Split `100ms` into (100.0, "ms").
fn split_number(s: &str) -> Option<(f64, &str)> {
    let s = s.trim();
    let end = s
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == '_'))
        .map_or(s.len(), |(i, _)| i);
    let num: String = s[..end].chars().filter(|&c| c != '_').collect();
    let n: f64 = num.parse().ok()?;
    n.is_finite().then_some((n, s[end..].trim()))
}

/// Parse a quantity of the given dimension into the stored unit.
pub(crate) fn parse_quantity(s: &str, dim: Dim) -> Result<f64, String> {
    let (n, suffix) = split_number(s).ok_or_else(|| format!("`{s}` is not {}", dim.examples()))?;
    let lower = suffix.to_ascii_lowercase();
    let factor = match (dim, lower.as_str()) {
        (Dim::Time, "ns") => 1e-6,
        (Dim::Time, "us" | "µs") => 1e-3,
        (Dim::Time, "ms" | "") => 1.0,
        (Dim::Time, "s" | "sec") => 1e3,
        (Dim::Time, "m" | "min") => 60e3,
        (Dim::Bytes, "" | "b") => 1.0,
        (Dim::Bytes, "kb") => 1e3,
        (Dim::Bytes, "mb") => 1e6,
        (Dim::Bytes, "gb") => 1e9,
        (Dim::Bytes, "kib" | "k") => 1024.0,
        (Dim::Bytes, "mib" | "m") => 1024.0 * 1024.0,
        (Dim::Bytes, "gib" | "g") => 1024.0 * 1024.0 * 1024.0,
        (Dim::Percent, "%" | "") => 1.0,
        (Dim::Rate, "" | "/s" | "rps" | "req/s") => 1.0,
        (Dim::Count, "") => 1.0,
        _ => return Err(format!("`{s}` is not {}", dim.examples())),
    };
    Ok(n * factor)
}

/// A duration such as `2s`, `500ms`, `1m`.
pub(crate) fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let ms = parse_quantity(s, Dim::Time)?;
    if ms < 0.0 {
        return Err(format!("`{s}` is negative"));
    }
    Ok(std::time::Duration::from_secs_f64(ms / 1e3))
}

/// A fraction written as a percentage (`20%`) or a plain fraction (`0.2`).
pub(crate) fn parse_fraction(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let v = if let Some(p) = t.strip_suffix('%') {
        p.trim()
            .parse::<f64>()
            .map(|x| x / 100.0)
            .map_err(|_| format!("`{s}` is not a percentage such as `20%`"))?
    } else {
        t.parse::<f64>()
            .map_err(|_| format!("`{s}` is not a percentage such as `20%`"))?
    };
    if !(0.0..=10.0).contains(&v) {
        return Err(format!("`{s}` is out of range"));
    }
    Ok(v)
}

/// Human formatting of a value in a metric's stored unit.
pub(crate) fn format_value(v: f64, unit: &str) -> String {
    match unit {
        "ms" => {
            if v >= 1000.0 {
                format!("{:.2}s", v / 1e3)
            } else if v >= 10.0 {
                format!("{v:.1}ms")
            } else if v >= 1.0 {
                format!("{v:.2}ms")
            } else {
                format!("{:.0}us", v * 1e3)
            }
        }
        "bytes" => {
            let mib = v / (1024.0 * 1024.0);
            if mib >= 1024.0 {
                format!("{:.2}GiB", mib / 1024.0)
            } else if mib >= 1.0 {
                format!("{mib:.1}MiB")
            } else {
                format!("{:.0}KiB", v / 1024.0)
            }
        }
        "%" => format!("{v:.2}%"),
        "req/s" => format!("{v:.1}/s"),
        _ => {
            if v.fract() == 0.0 && v.abs() < 1e15 {
                format!("{v:.0}")
            } else {
                format!("{v:.3}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quantities() {
        assert_eq!(parse_quantity("100ms", Dim::Time).unwrap(), 100.0);
        assert_eq!(parse_quantity("1.5s", Dim::Time).unwrap(), 1500.0);
        assert_eq!(parse_quantity("250us", Dim::Time).unwrap(), 0.25);
        assert_eq!(parse_quantity("500MB", Dim::Bytes).unwrap(), 500e6);
        assert_eq!(parse_quantity("1GiB", Dim::Bytes).unwrap(), 1073741824.0);
        assert_eq!(parse_quantity("1%", Dim::Percent).unwrap(), 1.0);
        assert_eq!(parse_quantity("500/s", Dim::Rate).unwrap(), 500.0);
        assert_eq!(parse_quantity("1_000", Dim::Count).unwrap(), 1000.0);
        let e = parse_quantity("100MB", Dim::Time).unwrap_err();
        assert!(e.contains("duration"), "{e}");
        assert!(parse_quantity("fast", Dim::Time).is_err());
        assert_eq!(parse_duration("2s").unwrap().as_millis(), 2000);
        assert_eq!(parse_fraction("20%").unwrap(), 0.2);
        assert_eq!(parse_fraction("0.05").unwrap(), 0.05);
    }

    #[test]
    fn formats_values() {
        assert_eq!(format_value(1500.0, "ms"), "1.50s");
        assert_eq!(format_value(12.34, "ms"), "12.3ms");
        assert_eq!(format_value(0.25, "ms"), "250us");
        assert_eq!(format_value(3.0 * 1024.0 * 1024.0, "bytes"), "3.0MiB");
        assert_eq!(format_value(2.0, "count"), "2");
    }
}

//! Text rendering of the bench document, hyperfine's layout plus CPU times, peak RSS and a
//! significance test behind every comparison sentence.

use crate::style::Style;
use perfaudit_model::bench::{BenchComparison, BenchDocument, BenchMode, BenchResult, Verdict};
use std::io::{self, Write};

/// Options of the text rendering.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    pub style: Style,
    /// Also list every run (wall, user, system, peak RSS, exit).
    pub show_runs: bool,
}

pub use perfaudit_model::units::fmt_secs as fmt_duration;

pub use crate::units::bytes as fmt_bytes;

pub use perfaudit_model::units::fmt_p;

/// The whole document: every result, then the comparisons.
pub fn render(w: &mut dyn Write, doc: &BenchDocument, opts: TextOptions) -> io::Result<()> {
    for (i, r) in doc.results.iter().enumerate() {
        if i > 0 {
            writeln!(w)?;
        }
        render_result(w, i, r, opts)?;
    }
    render_comparisons(w, doc, opts)
}

/// One result block (written as soon as a command finishes).
pub fn render_result(
    w: &mut dyn Write,
    index: usize,
    r: &BenchResult,
    opts: TextOptions,
) -> io::Result<()> {
    let st = opts.style;
    writeln!(w, "{} {}: {}", st.bold("Benchmark"), index + 1, r.command)?;
    let label = match r.mode {
        BenchMode::Wall => "Time",
        BenchMode::Ready => "Ready",
    };
    let sd = r.stddev_s.map_or_else(|| "n/a".to_string(), fmt_duration);
    writeln!(
        w,
        "  {label} ({} ± {}):  {:>10} ± {:>9}    [User: {}, System: {}]",
        st.green("mean"),
        st.green("σ"),
        st.green(&fmt_duration(r.mean_s)),
        st.green(&sd),
        st.blue(&fmt_duration(r.user_s)),
        st.blue(&fmt_duration(r.system_s)),
    )?;
    writeln!(
        w,
        "  Range ({} … {}):  {:>10} … {:>9}    {} runs",
        st.cyan("min"),
        st.yellow("max"),
        st.cyan(&fmt_duration(r.min_s)),
        st.yellow(&fmt_duration(r.max_s)),
        r.runs
    )?;
    writeln!(
        w,
        "  Median:            {:>10}      Peak RSS: {}",
        fmt_duration(r.median_s),
        fmt_bytes(r.peak_rss_bytes)
    )?;
    if let Some(url) = &r.ready_url {
        writeln!(w, "  Measured to the first 2xx of {url}")?;
    }
    if opts.show_runs {
        writeln!(
            w,
            "  {:>5} {:>11} {:>11} {:>11} {:>11} {:>6}",
            "run", "wall", "user", "system", "peak RSS", "exit"
        )?;
        for i in 0..r.runs {
            let exit = match (
                r.exit_codes.get(i).copied().flatten(),
                r.signals.get(i).copied().flatten(),
            ) {
                (Some(c), _) => c.to_string(),
                (None, Some(s)) => format!("sig{s}"),
                (None, None) => "-".to_string(),
            };
            writeln!(
                w,
                "  {:>5} {:>11} {:>11} {:>11} {:>11} {:>6}{}",
                i + 1,
                fmt_duration(r.times_s.get(i).copied().unwrap_or(0.0)),
                fmt_duration(r.user_times_s.get(i).copied().unwrap_or(0.0)),
                fmt_duration(r.system_times_s.get(i).copied().unwrap_or(0.0)),
                fmt_bytes(r.peak_rss_runs_bytes.get(i).copied().unwrap_or(0)),
                exit,
                if r.outliers.contains(&i) {
                    "  outlier"
                } else {
                    ""
                }
            )?;
        }
    }
    for warning in &r.warnings {
        writeln!(w, "  {}: {warning}", st.yellow("Warning"))?;
    }
    Ok(())
}

/// One sentence about a comparison, from the reference's point of view, with its test.
pub fn comparison_sentence(c: &BenchComparison) -> String {
    let test = format!("Mann-Whitney U = {}, {}", c.u, fmt_p(c.p_value));
    match c.verdict {
        Verdict::Slower => format!(
            "{:.2} ± {:.2} times faster than '{}' ({test})",
            c.ratio, c.ratio_stddev, c.command
        ),
        Verdict::Faster => {
            let inv = if c.ratio > 0.0 { 1.0 / c.ratio } else { 0.0 };
            let sd = if c.ratio > 0.0 {
                c.ratio_stddev / (c.ratio * c.ratio)
            } else {
                0.0
            };
            format!(
                "{inv:.2} ± {sd:.2} times slower than '{}' ({test})",
                c.command
            )
        }
        Verdict::NotSignificant => format!(
            "not significantly different from '{}' (ratio {:.2} ± {:.2}; {test}, not below α = {})",
            c.command, c.ratio, c.ratio_stddev, c.alpha
        ),
    }
}

/// The summary: the reference and each comparison sentence.
pub fn render_comparisons(
    w: &mut dyn Write,
    doc: &BenchDocument,
    opts: TextOptions,
) -> io::Result<()> {
    let Some(first) = doc.comparisons.first() else {
        return Ok(());
    };
    let st = opts.style;
    writeln!(w)?;
    writeln!(w, "{}", st.bold("Summary"))?;
    writeln!(w, "  '{}' ran", st.cyan(&first.reference))?;
    for c in &doc.comparisons {
        let line = comparison_sentence(c);
        let line = match c.verdict {
            Verdict::NotSignificant => st.yellow(&line),
            _ => line,
        };
        writeln!(w, "    {line}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(fmt_duration(0.000_812_4), "812µs");
        assert_eq!(fmt_duration(0.0512), "51.2ms");
        assert_eq!(fmt_duration(3.21), "3.21s");
        assert_eq!(fmt_bytes(512), "512 B");
        assert_eq!(fmt_bytes(3 * 1024 * 1024 + 400 * 1024), "3.39 MiB");
        assert_eq!(fmt_p(0.0004), "p < 0.001");
        assert_eq!(fmt_p(0.25), "p = 0.250");
    }

    #[test]
    fn sentences_say_when_not_significant() {
        let mut c = BenchComparison {
            command: "b".into(),
            reference: "a".into(),
            ratio: 2.0,
            ratio_stddev: 0.1,
            u: 100.0,
            p_value: 0.0001,
            alpha: 0.05,
            significant: true,
            verdict: Verdict::Slower,
        };
        assert_eq!(
            comparison_sentence(&c),
            "2.00 ± 0.10 times faster than 'b' (Mann-Whitney U = 100, p < 0.001)"
        );
        c.ratio = 0.5;
        c.ratio_stddev = 0.025;
        c.verdict = Verdict::Faster;
        assert_eq!(
            comparison_sentence(&c),
            "2.00 ± 0.10 times slower than 'b' (Mann-Whitney U = 100, p < 0.001)"
        );
        c.verdict = Verdict::NotSignificant;
        c.p_value = 0.3;
        assert!(comparison_sentence(&c).starts_with("not significantly different from 'b'"));
        assert!(comparison_sentence(&c).contains("p = 0.300"));
    }
}

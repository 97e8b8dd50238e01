//! Inline SVG charts: line charts (one or several series, optionally sharing an x domain with
//! other charts so timelines line up), percentile curves, horizontal bars. No JavaScript needed.

use crate::escape::html as esc;
use std::fmt::Write as _;

pub const PALETTE: [&str; 6] = [
    "#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2",
];

/// One line of a chart.
pub struct Series<'a> {
    pub name: &'a str,
    pub points: Vec<(f64, f64)>,
}

/// How x values map onto the axis.
#[derive(Clone, Copy, PartialEq)]
pub enum XScale {
    Linear,
    /// Percentiles 0..100 drawn on a log scale of 1/(1-p): 90, 99, 99.9 equally spaced.
    Percentile,
}

pub struct LineChart<'a> {
    pub title: &'a str,
    pub y_label: &'a str,
    pub x_label: &'a str,
    /// Forced x domain (shared time axis).
    pub x_domain: Option<(f64, f64)>,
    pub x_scale: XScale,
    pub series: Vec<Series<'a>>,
    /// Formats y tick values.
    pub y_fmt: fn(f64) -> String,
    /// Shaded x ranges with a label (scenario boundaries).
    pub bands: Vec<(f64, f64, String)>,
}

const W: f64 = 880.0;
const H: f64 = 170.0;
const ML: f64 = 64.0;
const MR: f64 = 16.0;
const MT: f64 = 22.0;
const MB: f64 = 30.0;

/// 1, 2, 5 x 10^k ticks covering [lo, hi].
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if hi <= lo || !lo.is_finite() || !hi.is_finite() {
        return vec![lo];
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let start = (lo / step).ceil() * step;
    let mut v = Vec::new();
    let mut i = 0.0;
    loop {
        let t = start + i * step;
        if t > hi + step * 1e-9 || v.len() >= 50 {
            break;
        }
        // Round away the float noise of the multiplication (0.6000000000000001).
        let digits = (-step.log10().floor()).max(0.0) as i32 + 1;
        let scale = 10f64.powi(digits);
        let t = (t * scale).round() / scale;
        v.push(if t == 0.0 { 0.0 } else { t });
        i += 1.0;
    }
    v
}

fn pct_x(p: f64) -> f64 {
    // 1/(1-p) on a log10 scale; p in 0..100, capped at 99.999.
    let p = p.clamp(0.0, 99.999) / 100.0;
    (1.0 / (1.0 - p)).log10()
}

pub use perfaudit_model::units::fmt_plain;

impl LineChart<'_> {
    pub fn render(&self, out: &mut String) {
        let pts: Vec<&(f64, f64)> = self.series.iter().flat_map(|s| s.points.iter()).collect();
        let tx = |x: f64| match self.x_scale {
            XScale::Linear => x,
            XScale::Percentile => pct_x(x),
        };
        let (x0, x1) = self.x_domain.unwrap_or_else(|| {
            let lo = pts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
            let hi = pts.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
            if lo.is_finite() {
                (lo, hi)
            } else {
                (0.0, 1.0)
            }
        });
        let (tx0, mut tx1) = (tx(x0), tx(x1));
        if tx1 <= tx0 {
            tx1 = tx0 + 1.0;
        }
        let ymax = pts.iter().map(|p| p.1).fold(0.0f64, f64::max);
        let ymax = if ymax > 0.0 { ymax * 1.08 } else { 1.0 };
        let yt = nice_ticks(0.0, ymax, 4);
        let ymax = yt.last().copied().filter(|t| *t >= ymax).unwrap_or(ymax);
        let sx = |x: f64| ML + (tx(x) - tx0) / (tx1 - tx0) * (W - ML - MR);
        let sy = |y: f64| MT + (1.0 - y / ymax) * (H - MT - MB);

        let _ = write!(
            out,
            r#"<figure class="chart"><svg viewBox="0 0 {W} {H}" width="100%" role="img" aria-label="{t}" data-chart="{t}">"#,
            t = esc(self.title)
        );
        let _ = write!(
            out,
            r#"<text x="{ML}" y="14" class="ct">{}</text>"#,
            esc(self.title)
        );
        for (a, b, label) in &self.bands {
            let (xa, xb) = (sx(a.max(x0)), sx(b.min(x1)));
            if xb > xa {
                let _ = write!(
                    out,
                    r#"<rect x="{xa:.1}" y="{MT}" width="{:.1}" height="{:.1}" class="band"><title>{}</title></rect><text x="{:.1}" y="{:.1}" class="bl">{}</text>"#,
                    xb - xa,
                    H - MT - MB,
                    esc(label),
                    xa + 3.0,
                    MT + 10.0,
                    esc(label)
                );
            }
        }
        for t in &yt {
            let y = sy(*t);
            let _ = write!(
                out,
                r#"<line x1="{ML}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" class="grid"/><text x="{:.1}" y="{:.1}" class="yt">{}</text>"#,
                W - MR,
                ML - 6.0,
                y + 4.0,
                esc(&(self.y_fmt)(*t))
            );
        }
        let xticks: Vec<f64> = match self.x_scale {
            XScale::Linear => nice_ticks(x0, x1, 8),
            XScale::Percentile => [0.0, 50.0, 90.0, 99.0, 99.9, 99.99]
                .into_iter()
                .filter(|p| *p >= x0 && *p <= x1)
                .collect(),
        };
        for t in xticks {
            let x = sx(t);
            let label = match self.x_scale {
                XScale::Linear => fmt_plain(t),
                XScale::Percentile => {
                    let s = format!("{t:.3}");
                    format!("p{}", s.trim_end_matches('0').trim_end_matches('.'))
                }
            };
            let _ = write!(
                out,
                r#"<line x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{:.1}" class="axis"/><text x="{x:.1}" y="{:.1}" class="xt">{}</text>"#,
                H - MB,
                H - MB + 4.0,
                H - MB + 16.0,
                esc(&label)
            );
        }
        let _ = write!(
            out,
            r#"<line x1="{ML}" x2="{:.1}" y1="{:.1}" y2="{:.1}" class="axis"/><text x="{:.1}" y="{:.1}" class="xl">{}</text><text x="12" y="{:.1}" class="yl" transform="rotate(-90 12 {:.1})">{}</text>"#,
            W - MR,
            H - MB,
            H - MB,
            W - MR,
            H - 2.0,
            esc(self.x_label),
            MT + (H - MT - MB) / 2.0,
            MT + (H - MT - MB) / 2.0,
            esc(self.y_label)
        );
        for (i, s) in self.series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let path: Vec<String> = s
                .points
                .iter()
                .filter(|p| p.0 >= x0 && p.0 <= x1 && p.1.is_finite())
                .map(|p| format!("{:.1},{:.1}", sx(p.0), sy(p.1)))
                .collect();
            if path.len() == 1 {
                let (x, y) = path[0].split_once(',').unwrap_or(("0", "0"));
                let _ = write!(
                    out,
                    r#"<circle cx="{x}" cy="{y}" r="3" fill="{color}" class="series"><title>{}</title></circle>"#,
                    esc(s.name)
                );
            } else if !path.is_empty() {
                let _ = write!(
                    out,
                    r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="1.8" class="series"><title>{}</title></polyline>"#,
                    path.join(" "),
                    esc(s.name)
                );
            }
        }
        out.push_str("</svg>");
        if self.series.len() > 1 || self.series.first().is_some_and(|s| !s.name.is_empty()) {
            out.push_str(r#"<figcaption class="legend">"#);
            for (i, s) in self.series.iter().enumerate() {
                let _ = write!(
                    out,
                    r#"<span><i style="background:{}"></i>{}</span>"#,
                    PALETTE[i % PALETTE.len()],
                    esc(s.name)
                );
            }
            out.push_str("</figcaption>");
        }
        out.push_str("</figure>");
    }
}

/// Horizontal bars, largest first, with the value printed.
pub fn bars(out: &mut String, title: &str, rows: &[(String, f64)], fmt: fn(f64) -> String) {
    let max = rows
        .iter()
        .map(|r| r.1)
        .fold(0.0f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let row_h = 20.0;
    let h = MT + rows.len() as f64 * row_h + 8.0;
    let label_w = 300.0;
    let _ = write!(
        out,
        r#"<figure class="chart"><svg viewBox="0 0 {W} {h}" width="100%" role="img" aria-label="{t}" data-chart="{t}"><text x="4" y="14" class="ct">{t}</text>"#,
        t = esc(title)
    );
    for (i, (name, v)) in rows.iter().enumerate() {
        let y = MT + i as f64 * row_h;
        let w = (v / max) * (W - label_w - 90.0);
        let shown: String = if name.chars().count() > 44 {
            let tail: String = name
                .chars()
                .rev()
                .take(43)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("…{tail}")
        } else {
            name.clone()
        };
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" class="bn">{}</text><rect x="{label_w}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="{}" class="bar"><title>{}: {}</title></rect><text x="{:.1}" y="{:.1}" class="bv">{}</text>"#,
            label_w - 6.0,
            y + 13.0,
            esc(&shown),
            y + 3.0,
            row_h - 6.0,
            PALETTE[0],
            esc(name),
            esc(&fmt(*v)),
            label_w + w + 6.0,
            y + 13.0,
            esc(&fmt(*v))
        );
    }
    out.push_str("</svg></figure>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_nice() {
        assert_eq!(
            nice_ticks(0.0, 10.0, 5),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        assert_eq!(nice_ticks(0.0, 0.9, 4), vec![0.0, 0.5]);
        assert_eq!(nice_ticks(0.0, 1.0, 5), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
    }

    #[test]
    fn a_chart_escapes_names_and_draws_series() {
        let mut s = String::new();
        LineChart {
            title: "<b>rps</b>",
            y_label: "req/s",
            x_label: "s",
            x_domain: Some((0.0, 10.0)),
            x_scale: XScale::Linear,
            series: vec![Series {
                name: "<script>x</script>",
                points: vec![(0.0, 1.0), (5.0, 3.0)],
            }],
            y_fmt: fmt_plain,
            bands: vec![(0.0, 5.0, "a&b".into())],
        }
        .render(&mut s);
        assert!(s.contains("<polyline"));
        assert!(!s.contains("<script>"));
        assert!(s.contains("&lt;script&gt;"));
        assert!(s.contains("a&amp;b"));
    }
}

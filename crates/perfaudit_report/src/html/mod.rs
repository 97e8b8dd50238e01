//! One self-contained HTML file (inline CSS/JS/SVG, no network fetches). Owned by the audit issue.

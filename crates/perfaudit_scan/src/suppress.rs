//! Inline suppression: `# perfaudit: ignore[PA301, PA5]` on a line silences those codes (or
//! prefixes) on that line; `# perfaudit: ignore` alone silences every code.

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suppress {
    All,
    Codes(Vec<String>),
}

impl Suppress {
    pub fn covers(&self, code: &str) -> bool {
        match self {
            Suppress::All => true,
            Suppress::Codes(c) => c.iter().any(|p| code.starts_with(p.as_str())),
        }
    }
}

/// Line (1-based) -> what is suppressed on it.
#[derive(Debug, Clone, Default)]
pub struct SuppressMap {
    lines: HashMap<u32, Suppress>,
}

impl SuppressMap {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn add(&mut self, line: u32, s: Suppress) {
        match (self.lines.get_mut(&line), s) {
            (None, s) => {
                self.lines.insert(line, s);
            }
            (Some(existing), Suppress::All) => *existing = Suppress::All,
            (Some(Suppress::Codes(have)), Suppress::Codes(more)) => have.extend(more),
            (Some(Suppress::All), _) => {}
        }
    }

    pub fn suppresses(&self, line: u32, code: &str) -> bool {
        self.lines.get(&line).is_some_and(|s| s.covers(code))
    }

    /// Scan plain text line by line (manifests: `#` starts a comment there too).
    pub fn from_text(text: &str) -> Self {
        let mut m = SuppressMap::default();
        if !text.contains("perfaudit") {
            return m;
        }
        for (i, line) in text.lines().enumerate() {
            if let Some(pos) = line.find('#') {
                if let Some(s) = parse_comment(&line[pos..]) {
                    m.add(i as u32 + 1, s);
                }
            }
        }
        m
    }
}

/// Parse one comment (starting with `#`). Several directives may share a comment
/// (`# noqa: F401  # perfaudit: ignore[PA503]`).
pub fn parse_comment(comment: &str) -> Option<Suppress> {
    let mut found: Option<Suppress> = None;
    let mut rest = comment;
    while let Some(pos) = rest.find("perfaudit:") {
        let after = rest[pos + "perfaudit:".len()..].trim_start();
        rest = &rest[pos + "perfaudit:".len()..];
        let Some(after) = after.strip_prefix("ignore") else {
            continue;
        };
        let s = if let Some(list) = after.strip_prefix('[') {
            let Some(end) = list.find(']') else {
                continue;
            };
            let codes: Vec<String> = list[..end]
                .split(',')
                .map(|c| c.trim().to_ascii_uppercase())
                .filter(|c| !c.is_empty())
                .collect();
            if codes.is_empty() {
                continue;
            }
            Suppress::Codes(codes)
        } else if after.is_empty()
            || after.starts_with(char::is_whitespace)
            || after.starts_with('#')
        {
            Suppress::All
        } else {
            continue;
        };
        found = Some(match (found, s) {
            (None, s) => s,
            (Some(Suppress::All), _) | (_, Suppress::All) => Suppress::All,
            (Some(Suppress::Codes(mut a)), Suppress::Codes(b)) => {
                a.extend(b);
                Suppress::Codes(a)
            }
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_directives() {
        assert_eq!(parse_comment("# perfaudit: ignore"), Some(Suppress::All));
        assert_eq!(
            parse_comment("# perfaudit: ignore[PA503, pa1]"),
            Some(Suppress::Codes(vec!["PA503".into(), "PA1".into()]))
        );
        assert_eq!(
            parse_comment("# noqa: F401  # perfaudit:ignore[PA503]"),
            Some(Suppress::Codes(vec!["PA503".into()]))
        );
        assert_eq!(parse_comment("# perfaudit: ignored"), None);
        assert_eq!(parse_comment("# perfaudit: ignore[]"), None);
        assert_eq!(parse_comment("# just a comment"), None);
        let m = SuppressMap::from_text("a==1  # perfaudit: ignore[PA505]\nb\n");
        assert!(m.suppresses(1, "PA505") && !m.suppresses(1, "PA504") && !m.suppresses(2, "PA505"));
    }
}

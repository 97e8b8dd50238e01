//! Path globs as ruff users write them: `tests/**`, `*_pb2.py`, `migrations`. A pattern is
//! matched against the path relative to the scanned root; a pattern that does not start with
//! `/` or `**` also matches at any depth (`migrations` matches `app/migrations`), and a
//! pattern naming a directory matches everything under it.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

#[derive(Debug, Clone, Default)]
pub struct PathGlobs {
    set: Option<GlobSet>,
    /// For each compiled glob, the index of the pattern it came from.
    owners: Vec<usize>,
    patterns: Vec<String>,
}

fn glob(p: &str) -> Result<Glob, String> {
    GlobBuilder::new(p)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("invalid glob `{p}`: {e}"))
}

impl PathGlobs {
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Self, String> {
        if patterns.is_empty() {
            return Ok(PathGlobs::default());
        }
        let mut b = GlobSetBuilder::new();
        let mut owners = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            let p = p.as_ref().trim();
            let p = p.strip_prefix("./").unwrap_or(p);
            let anchored = p.starts_with('/');
            let p = p.trim_start_matches('/').trim_end_matches('/');
            if p.is_empty() {
                return Err("empty glob pattern".to_string());
            }
            let mut forms = vec![p.to_string(), format!("{p}/**")];
            if !anchored && !p.starts_with("**") {
                forms.push(format!("**/{p}"));
                forms.push(format!("**/{p}/**"));
            }
            for f in forms {
                b.add(glob(&f)?);
                owners.push(i);
            }
        }
        let set = b.build().map_err(|e| format!("invalid glob: {e}"))?;
        Ok(PathGlobs {
            set: Some(set),
            owners,
            patterns: patterns.iter().map(|s| s.as_ref().to_string()).collect(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_none()
    }

    /// Does any pattern match this relative, `/`-separated path?
    pub fn matches(&self, rel: &str) -> bool {
        self.set.as_ref().is_some_and(|s| s.is_match(rel))
    }

    /// Indices (into the patterns given to `new`) of the patterns matching `rel`.
    pub fn matching_patterns(&self, rel: &str) -> Vec<usize> {
        let Some(set) = &self.set else {
            return Vec::new();
        };
        let mut out: Vec<usize> = set
            .matches(rel)
            .into_iter()
            .map(|i| self.owners[i])
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_like_ruff_users_expect() {
        let g = PathGlobs::new(&["migrations", "tests/**", "*_pb2.py", "/scripts"]).unwrap();
        assert!(g.matches("app/migrations"));
        assert!(g.matches("app/migrations/0001_initial.py"));
        assert!(g.matches("tests/unit/test_x.py"));
        assert!(g.matches("proto/a_pb2.py"));
        assert!(g.matches("scripts/run.py"));
        assert!(!g.matches("app/scripts/run.py"));
        assert!(!g.matches("app/models.py"));
        assert_eq!(g.matching_patterns("x/y_pb2.py"), vec![2]);
        assert!(PathGlobs::new(&["a[b"]).is_err());
    }
}

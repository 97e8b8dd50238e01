//! Request templates: `{{counter}}` (a run-wide sequence number, 0, 1, 2, ...),
//! `{{data.NAME}}` (a random line of the data file NAME declared in the scenario),
//! `{{env.NAME}}` (an environment variable, read once when the plan is built).

use crate::error::LoadError;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Lit(Vec<u8>),
    Counter,
    Pick(usize),
}

/// A string with placeholders, compiled once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Template {
    parts: Vec<Part>,
    source: String,
}

/// Named data files: each a list of lines to pick from.
#[derive(Debug, Clone, Default)]
pub struct DataSets {
    pub names: Vec<String>,
    pub lines: Vec<Arc<Vec<Vec<u8>>>>,
}

impl DataSets {
    pub fn add(&mut self, name: &str, text: &str) -> Result<(), String> {
        let lines: Vec<Vec<u8>> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.as_bytes().to_vec())
            .collect();
        if lines.is_empty() {
            return Err(format!("data file `{name}` has no lines"));
        }
        self.names.push(name.to_string());
        self.lines.push(Arc::new(lines));
        Ok(())
    }
}

/// What rendering a template needs per request.
pub trait Vars {
    fn counter(&mut self) -> u64;
    /// A random index below `n` (n > 0).
    fn random(&mut self, n: usize) -> usize;
}

impl Template {
    /// Compile `text`; `{{env.X}}` is resolved now from `env`.
    pub fn compile(
        text: &str,
        data: &DataSets,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Template, LoadError> {
        let mut parts = Vec::new();
        let mut lit = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            lit.extend_from_slice(&rest.as_bytes()[..start]);
            let after = &rest[start + 2..];
            let end = after.find("}}").ok_or_else(|| {
                LoadError::Config(format!("unclosed `{{{{` in template `{text}`"))
            })?;
            let name = after[..end].trim();
            if name == "counter" {
                flush(&mut parts, &mut lit);
                parts.push(Part::Counter);
            } else if let Some(var) = name.strip_prefix("env.") {
                let v = env(var).ok_or_else(|| {
                    LoadError::Config(format!(
                        "template `{text}`: environment variable {var} is not set"
                    ))
                })?;
                lit.extend_from_slice(v.as_bytes());
            } else if let Some(set) = name.strip_prefix("data.") {
                let idx = data.names.iter().position(|n| n == set).ok_or_else(|| {
                    LoadError::Config(format!(
                        "template `{text}`: no data file named `{set}` (declare it under [data])"
                    ))
                })?;
                flush(&mut parts, &mut lit);
                parts.push(Part::Pick(idx));
            } else {
                return Err(LoadError::Config(format!(
                    "template `{text}`: unknown placeholder `{{{{{name}}}}}` (use counter, data.NAME or env.NAME)"
                )));
            }
            rest = &after[end + 2..];
        }
        lit.extend_from_slice(rest.as_bytes());
        flush(&mut parts, &mut lit);
        Ok(Template {
            parts,
            source: text.to_string(),
        })
    }

    /// A template without placeholders.
    pub fn literal(text: &str) -> Template {
        let mut t = Template {
            parts: Vec::new(),
            source: text.to_string(),
        };
        if !text.is_empty() {
            t.parts.push(Part::Lit(text.as_bytes().to_vec()));
        }
        t
    }

    /// The text as written (placeholders unexpanded).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// True when rendering always yields the same bytes.
    pub fn is_static(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Lit(_)))
    }

    pub fn render(&self, data: &DataSets, vars: &mut dyn Vars, out: &mut Vec<u8>) {
        for p in &self.parts {
            match p {
                Part::Lit(b) => out.extend_from_slice(b),
                Part::Counter => {
                    let n = vars.counter();
                    out.extend_from_slice(n.to_string().as_bytes());
                }
                Part::Pick(i) => {
                    let lines = &data.lines[*i];
                    out.extend_from_slice(&lines[vars.random(lines.len())]);
                }
            }
        }
    }

    pub fn render_to_vec(&self, data: &DataSets, vars: &mut dyn Vars) -> Vec<u8> {
        let mut v = Vec::new();
        self.render(data, vars, &mut v);
        v
    }
}

fn flush(parts: &mut Vec<Part>, lit: &mut Vec<u8>) {
    if !lit.is_empty() {
        parts.push(Part::Lit(std::mem::take(lit)));
    }
}

/// Environment lookup for [`Template::compile`].
pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(u64);
    impl Vars for Fixed {
        fn counter(&mut self) -> u64 {
            self.0 += 1;
            self.0 - 1
        }
        fn random(&mut self, n: usize) -> usize {
            1 % n
        }
    }

    #[test]
    fn renders_counter_data_env() {
        let mut data = DataSets::default();
        data.add("users", "alice\nbob\n\n").unwrap();
        let env = |k: &str| (k == "TOKEN").then(|| "s3cret".to_string());
        let t = Template::compile(
            "/u/{{data.users}}?n={{ counter }}&t={{env.TOKEN}}",
            &data,
            &env,
        )
        .unwrap();
        assert!(!t.is_static());
        let mut v = Fixed(7);
        assert_eq!(t.render_to_vec(&data, &mut v), b"/u/bob?n=7&t=s3cret");
        assert_eq!(t.render_to_vec(&data, &mut v), b"/u/bob?n=8&t=s3cret");
        let s = Template::compile("/x?t={{env.TOKEN}}", &data, &env).unwrap();
        assert!(s.is_static());
    }

    #[test]
    fn errors_name_the_problem() {
        let data = DataSets::default();
        let env = |_: &str| None;
        let e = Template::compile("/{{nope}}", &data, &env).unwrap_err();
        assert!(e.to_string().contains("nope"), "{e}");
        assert!(Template::compile("/{{data.x}}", &data, &env).is_err());
        assert!(Template::compile("/{{env.X}}", &data, &env).is_err());
        assert!(Template::compile("/{{counter", &data, &env).is_err());
    }
}

//! The function that encloses a line of Python source, from indentation: the nearest `def` /
//! `async def` above the line whose body (the lines indented deeper than it, up to the next
//! line at its level or shallower) contains the line. Enough to tie a finding to the function
//! py-spy names; not a parser (a `def` inside a multi-line string can fool it).

/// A function's name and its lines (the `def` line to the last line of its body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSpan {
    pub name: String,
    pub start: u32,
    pub end: u32,
}

fn indent(line: &str) -> Option<usize> {
    let t = line.trim_start_matches([' ', '\t']);
    if t.is_empty() || t.starts_with('#') {
        None
    } else {
        Some(line.len() - t.len())
    }
}

fn def_name(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let t = t.strip_prefix("async ").map_or(t, str::trim_start);
    let rest = t.strip_prefix("def ")?;
    let name = rest.trim_start().split(['(', ' ', ':', '[']).next()?;
    (!name.is_empty()).then_some(name)
}

/// The innermost function around `line` (1-based) of `text`.
pub fn enclosing_function(text: &str, line: u32) -> Option<FunctionSpan> {
    let lines: Vec<&str> = text.lines().collect();
    let target = line.checked_sub(1)? as usize;
    if target >= lines.len() {
        return None;
    }
    // Indentation of the target line (or the next code line if it is blank).
    let target_indent = (target..lines.len()).find_map(|i| indent(lines[i]))?;
    let mut limit = target_indent;
    for i in (0..=target).rev() {
        let Some(ind) = indent(lines[i]) else {
            continue;
        };
        if i == target {
            if let Some(name) = def_name(lines[i]) {
                return Some(span(&lines, i, ind, name));
            }
            continue;
        }
        if ind < limit {
            // The closing line of a multi-line signature or call is not a scope.
            if lines[i].trim_start().starts_with(')') {
                continue;
            }
            if let Some(name) = def_name(lines[i]) {
                return Some(span(&lines, i, ind, name));
            }
            limit = ind;
            if ind == 0 {
                return None;
            }
        }
    }
    None
}

fn span(lines: &[&str], def_at: usize, def_indent: usize, name: &str) -> FunctionSpan {
    let mut end = def_at;
    // Skip the signature (it may span lines) then the body: every line deeper than the def.
    for (i, l) in lines.iter().enumerate().skip(def_at + 1) {
        match indent(l) {
            Some(ind) if ind <= def_indent => {
                // A closing `)` / `):` of a multi-line signature sits at the def's level.
                let t = l.trim_start();
                if t.starts_with(')') && end == i - 1 && i <= def_at + 30 {
                    end = i;
                    continue;
                }
                break;
            }
            Some(_) => end = i,
            None => {}
        }
    }
    FunctionSpan {
        name: name.to_string(),
        start: def_at as u32 + 1,
        end: end as u32 + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "import time

class Docs:
    @property
    def count(self):
        return 1

    async def recent(self, session):
        rows = await session.execute(q)
        for r in rows:

            print(r.author.name)
        return rows

def top():
    x = 1
    def inner():
        return x
    return inner()
";

    #[test]
    fn method_body() {
        let f = enclosing_function(SRC, 12).unwrap();
        assert_eq!(f.name, "recent");
        assert_eq!((f.start, f.end), (8, 13));
    }

    #[test]
    fn nested_and_outer() {
        assert_eq!(enclosing_function(SRC, 18).unwrap().name, "inner");
        let top = enclosing_function(SRC, 19).unwrap();
        assert_eq!((top.name.as_str(), top.start, top.end), ("top", 15, 19));
    }

    #[test]
    fn def_line_and_module_scope() {
        assert_eq!(enclosing_function(SRC, 5).unwrap().name, "count");
        assert_eq!(enclosing_function(SRC, 1), None);
        assert_eq!(enclosing_function(SRC, 3), None);
        assert_eq!(enclosing_function(SRC, 999), None);
        assert_eq!(enclosing_function(SRC, 0), None);
    }

    #[test]
    fn multiline_signature() {
        let src = "def handler(\n    a,\n    b,\n):\n    return a + b\n\nx = 1\n";
        let f = enclosing_function(src, 5).unwrap();
        assert_eq!((f.name.as_str(), f.start, f.end), ("handler", 1, 5));
    }
}

//! Finding <-> stack matching: the share of a profile's samples that passed through a finding's
//! line (any frame of the stack at that file and line), else through the function enclosing
//! it. Files match by path suffix on whole components: a finding's `app/models.py` (relative
//! to the scanned root) is the process's `/srv/project/app/models.py`.

use crate::source::FunctionSpan;
use perfaudit_model::profile::{CostScope, Frame, Profile};

/// Whether the process's `file` is the scanned file `rel` (relative path).
pub fn same_file(file: &str, rel: &str) -> bool {
    let rel = rel.trim_start_matches("./");
    if rel.is_empty() {
        return false;
    }
    let file = file.trim_start_matches("./");
    file == rel
        || (file.len() > rel.len()
            && file.ends_with(rel)
            && file.as_bytes()[file.len() - rel.len() - 1] == b'/')
}

fn frame_in_function(f: &Frame, rel: &str, span: &FunctionSpan) -> bool {
    let named = f.name == span.name
        || f.name
            .rsplit_once('.')
            .is_some_and(|(_, last)| last == span.name);
    named && f.line >= span.start && f.line <= span.end && same_file(&f.file, rel)
}

/// Samples whose stack passed through the location: `(scope, samples)`, the line when it was
/// sampled, else the enclosing function; `None` when neither was.
pub fn cost(
    profile: &Profile,
    rel: &str,
    line: u32,
    function: Option<&FunctionSpan>,
) -> Option<(CostScope, u64)> {
    // Frame ids at the location, computed once.
    let at_line: Vec<bool> = profile
        .frames
        .iter()
        .map(|f| f.line == line && same_file(&f.file, rel))
        .collect();
    let in_fn: Vec<bool> = match function {
        Some(span) => profile
            .frames
            .iter()
            .map(|f| frame_in_function(f, rel, span))
            .collect(),
        None => vec![false; profile.frames.len()],
    };
    let (mut line_n, mut fn_n) = (0u64, 0u64);
    for s in &profile.stacks {
        let hit = |v: &[bool]| s.frames.iter().any(|&i| v.get(i as usize) == Some(&true));
        if hit(&at_line) {
            line_n += s.samples;
        }
        if hit(&in_fn) {
            fn_n += s.samples;
        }
    }
    if line_n > 0 {
        Some((CostScope::Line, line_n))
    } else if fn_n > 0 {
        Some((CostScope::Function, fn_n))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fold::{Folder, FrameRef};
    use perfaudit_model::profile::ProfileEnd;

    fn f<'a>(name: &'a str, file: &'a str, line: u32) -> FrameRef<'a> {
        FrameRef { name, file, line }
    }

    /// Recorded stacks: an N+1 lazy load under `recent` (app.py:44), ORM work elsewhere.
    fn profile() -> Profile {
        let mut folder = Folder::new(100, false, 0);
        let main = f("run", "/srv/svc/server.py", 10);
        let recent_44 = f("Docs.recent", "/srv/svc/app/views.py", 44);
        let recent_41 = f("Docs.recent", "/srv/svc/app/views.py", 41);
        let lazy = f("_load_for_state", "/venv/sqlalchemy/orm/strategies.py", 900);
        let other = f("listing", "/srv/svc/app/views.py", 70);
        for _ in 0..69 {
            folder.add(0, 1, true, true, [lazy, recent_44, main].into_iter());
        }
        for _ in 0..11 {
            folder.add(0, 1, true, true, [recent_41, main].into_iter());
        }
        for _ in 0..20 {
            folder.add(0, 1, true, true, [other, main].into_iter());
        }
        folder.finish(1.0, ProfileEnd::Completed)
    }

    fn span(name: &str, start: u32, end: u32) -> FunctionSpan {
        FunctionSpan {
            name: name.into(),
            start,
            end,
        }
    }

    #[test]
    fn line_share_includes_callees() {
        let p = profile();
        let (scope, n) = cost(&p, "app/views.py", 44, Some(&span("recent", 38, 50))).unwrap();
        assert_eq!(scope, CostScope::Line);
        assert_eq!(n, 69);
        assert!((p.share(n) - 0.69).abs() < 1e-12);
    }

    #[test]
    fn function_share_when_the_line_is_not_sampled() {
        let p = profile();
        let (scope, n) = cost(&p, "app/views.py", 46, Some(&span("recent", 38, 50))).unwrap();
        assert_eq!(scope, CostScope::Function);
        assert_eq!(n, 80);
    }

    #[test]
    fn unsampled_and_other_files() {
        let p = profile();
        assert_eq!(cost(&p, "app/views.py", 99, None), None);
        // Same line number, another file: no match.
        assert_eq!(cost(&p, "other/views.py", 44, None), None);
        // A function of the same name elsewhere in the file (outside the span): no match.
        assert_eq!(
            cost(&p, "app/views.py", 200, Some(&span("recent", 190, 210))),
            None
        );
    }

    #[test]
    fn path_suffix_on_components() {
        assert!(same_file("/srv/app/models.py", "app/models.py"));
        assert!(same_file("app/models.py", "./app/models.py"));
        assert!(!same_file("/srv/myapp/models.py", "app/models.py"));
        assert!(!same_file("/srv/app/models.py", ""));
    }
}

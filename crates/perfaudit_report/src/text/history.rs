//! Text rendering of the stored runs (`perfaudit report --list`).

use perfaudit_model::history::HistoryList;
use std::io::{self, Write};

pub fn write(w: &mut dyn Write, list: &HistoryList) -> io::Result<()> {
    writeln!(
        w,
        "{:>5}  {:20}  {:6}  {:10}  project",
        "run", "started", "status", "commit"
    )?;
    for r in &list.runs {
        let commit: String = r
            .commit
            .as_deref()
            .unwrap_or("-")
            .chars()
            .take(10)
            .collect();
        writeln!(
            w,
            "{:>5}  {:20}  {:6}  {:10}  {}{}",
            r.id,
            r.started_at,
            r.status.as_str(),
            commit,
            r.project,
            if r.baseline { "  (baseline)" } else { "" }
        )?;
    }
    Ok(())
}

//! Collapsed stacks, the input of flamegraph.pl and inferno: one line per distinct stack,
//! frames root first separated by `;`, a space, the sample count.

use super::frame_label;
use perfaudit_model::profile::Profile;
use std::io::{self, Write};

pub fn write(w: &mut dyn Write, p: &Profile) -> io::Result<()> {
    let labels: Vec<String> = p.frames.iter().map(frame_label).collect();
    for s in &p.stacks {
        if s.samples == 0 {
            continue;
        }
        if s.frames.is_empty() {
            writeln!(w, "(no Python frames) {}", s.samples)?;
            continue;
        }
        let mut first = true;
        for &i in &s.frames {
            if !first {
                w.write_all(b";")?;
            }
            first = false;
            w.write_all(
                labels
                    .get(i as usize)
                    .map_or("?", String::as_str)
                    .as_bytes(),
            )?;
        }
        writeln!(w, " {}", s.samples)?;
    }
    Ok(())
}

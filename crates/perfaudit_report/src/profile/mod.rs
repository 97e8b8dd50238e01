//! The interchange formats of a CPU profile: collapsed stacks (flamegraph.pl / inferno) and
//! speedscope's JSON. (Text, JSON and HTML live with the other documents of their format.)

pub mod collapsed;
pub mod speedscope;

use perfaudit_model::profile::Frame;

/// A frame as one field of a collapsed line: `name (file:line)`, py-spy's spelling. `;` and
/// line breaks (the format's separators) become `:` and spaces.
pub fn frame_label(f: &Frame) -> String {
    let s = if f.line > 0 {
        format!("{} ({}:{})", f.name, f.file, f.line)
    } else {
        format!("{} ({})", f.name, f.file)
    };
    s.chars()
        .map(|c| match c {
            ';' => ':',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

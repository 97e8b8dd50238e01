//! The HTML page of a `perfaudit imports` profile (`perfaudit/imports/v1`).

use super::{page_end, page_start, sections};
use crate::escape::html as esc;
use perfaudit_model::bench::ImportsDocument;
use std::fmt::Write as _;
use std::io::{self, Write};

pub fn write(w: &mut dyn Write, doc: &ImportsDocument) -> io::Result<()> {
    page_start(w, &format!("perfaudit imports — {}", doc.module))?;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<h1>Import time of <code>{}</code></h1><p class="sub">{} {} · {} runs · {} modules</p>"#,
        esc(&doc.module),
        esc(&doc.python),
        esc(&doc.python_version),
        doc.runs,
        doc.modules
    );
    sections::imports(&mut out, &[perfaudit_model::project::imports_section(doc)]);
    w.write_all(out.as_bytes())?;
    page_end(w)
}

//! JSON: every document is a serde type of `perfaudit_model` carrying its own `schema` field.

use serde::Serialize;
use std::io::{self, Write};

/// Write `doc` as pretty JSON followed by a newline.
pub fn write<T: Serialize, W: Write>(mut w: W, doc: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut w, doc).map_err(io::Error::other)?;
    w.write_all(b"\n")
}

//! speedscope's file format (https://www.speedscope.app/file-format-schema.json): one
//! "sampled" profile whose samples are the distinct stacks weighted by their counts.

use perfaudit_model::profile::Profile;
use serde_json::{json, Value};
use std::io::{self, Write};

pub fn document(p: &Profile, name: &str) -> Value {
    let frames: Vec<Value> = p
        .frames
        .iter()
        .map(|f| {
            let mut v = json!({ "name": f.name, "file": f.file });
            if f.line > 0 {
                v["line"] = json!(f.line);
            }
            v
        })
        .collect();
    let stacks: Vec<&perfaudit_model::profile::Stack> =
        p.stacks.iter().filter(|s| s.samples > 0).collect();
    let samples: Vec<&Vec<u32>> = stacks.iter().map(|s| &s.frames).collect();
    let weights: Vec<u64> = stacks.iter().map(|s| s.samples).collect();
    let total: u64 = weights.iter().sum();
    json!({
        "$schema": "https://www.speedscope.app/file-format-schema.json",
        "shared": { "frames": frames },
        "profiles": [{
            "type": "sampled",
            "name": name,
            "unit": "none",
            "startValue": 0,
            "endValue": total,
            "samples": samples,
            "weights": weights,
        }],
        "name": name,
        "activeProfileIndex": 0,
        "exporter": format!("perfaudit {}", env!("CARGO_PKG_VERSION")),
    })
}

pub fn write(w: &mut dyn Write, p: &Profile, name: &str) -> io::Result<()> {
    serde_json::to_writer(&mut *w, &document(p, name)).map_err(io::Error::other)?;
    w.write_all(b"\n")
}

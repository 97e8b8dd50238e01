//! CSV of monitor samples, one row per sample. The columns come from the `Sample` type itself
//! (serialised, nested objects flattened as `host_cpu_pct`), so they never drift from the JSON.
//! Unknown values (e.g. unreadable fds) are empty cells; per-process detail is JSON-only.

use crate::escape::csv_field;
use perfaudit_model::monitor::{MonitorReport, Sample};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::io::{self, Write};

/// Writes samples as CSV, the header before the first row.
#[derive(Debug, Default)]
pub struct SampleCsv {
    header_written: bool,
}

impl SampleCsv {
    pub fn new() -> SampleCsv {
        SampleCsv::default()
    }

    /// Write one sample (and the header first, once).
    pub fn write_row<W: Write>(&mut self, mut w: W, sample: &Sample) -> io::Result<()> {
        let cells = flatten(sample)?;
        if !self.header_written {
            let names: Vec<&str> = cells.iter().map(|(k, _)| k.as_str()).collect();
            writeln!(w, "{}", names.join(","))?;
            self.header_written = true;
        }
        let values: Vec<String> = cells.iter().map(|(_, v)| v.clone()).collect();
        writeln!(w, "{}", values.join(","))
    }
}

/// All samples kept in the report, as CSV.
pub fn write<W: Write>(mut w: W, report: &MonitorReport) -> io::Result<()> {
    let mut csv = SampleCsv::new();
    for s in &report.samples {
        csv.write_row(&mut w, s)?;
    }
    Ok(())
}

/// Serialise the sample and flatten it in field order (struct order, not alphabetical).
fn flatten(sample: &Sample) -> io::Result<Vec<(String, String)>> {
    let json = serde_json::to_string(sample).map_err(io::Error::other)?;
    let mut out = Vec::with_capacity(24);
    let mut de = serde_json::Deserializer::from_str(&json);
    Flat {
        out: &mut out,
        prefix: String::new(),
    }
    .deserialize(&mut de)
    .map_err(io::Error::other)?;
    Ok(out)
}

struct Flat<'a> {
    out: &'a mut Vec<(String, String)>,
    prefix: String,
}

impl<'de> DeserializeSeed<'de> for Flat<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl Flat<'_> {
    fn push(self, v: String) {
        self.out.push((self.prefix, v));
    }
}

impl<'de> Visitor<'de> for Flat<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a sample")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(k) = map.next_key::<String>()? {
            let prefix = if self.prefix.is_empty() {
                k
            } else {
                format!("{}_{k}", self.prefix)
            };
            map.next_value_seed(Flat {
                out: &mut *self.out,
                prefix,
            })?;
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.push(String::new());
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        self.push(String::new());
        Ok(())
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.push(v.to_string());
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.push(v.to_string());
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.push(v.to_string());
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.push(v.to_string());
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.push(csv_field(v).into_owned());
        Ok(())
    }
}

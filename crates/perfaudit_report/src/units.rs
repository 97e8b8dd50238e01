//! Human-readable units shared by the renderers.

/// Bytes in binary units: `512 B`, `1.50 KiB`, `18.9 MiB`, `2.00 GiB` (the one byte
/// formatter, `perfaudit_model::units::fmt_bytes`).
pub fn bytes(n: u64) -> String {
    perfaudit_model::units::fmt_bytes(n as f64)
}

//! Fuzz the source-file path of `perfaudit scan`: decoding (UTF-8, BOM, binary, empty), the
//! parser adapter, import extraction, suppression comments, PA502 and every AST rule.
//!
//!     cargo +nightly fuzz run scan_source
#![no_main]

use libfuzzer_sys::fuzz_target;
use perfaudit_scan::ScanSettings;
use std::sync::OnceLock;

static SETTINGS: OnceLock<ScanSettings> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let settings = SETTINGS.get_or_init(|| {
        let mut s = ScanSettings::default();
        // Small limits so the size paths are reached too.
        s.max_module_lines = 50;
        s.max_module_definitions = 5;
        s
    });
    for rel in ["app/module.py", "pkg/__init__.py"] {
        let out = perfaudit_scan::analyze_standalone(rel, data, settings);
        for f in &out.findings {
            assert!(f.line >= 1 && f.column >= 1, "{f:?}");
        }
    }
});

//! Fuzz the dependency-manifest readers: requirements files (includes, lock-file `# via`
//! blocks, continuations), pyproject.toml (PEP 621, PEP 735, Poetry, import roots),
//! setup.cfg and setup.py, and a Dockerfile's install flags. The input is split at NUL bytes
//! into those files, written to a fresh directory, and read as a project tree.
//!
//!     cargo +nightly fuzz run dep_manifests
#![no_main]

use libfuzzer_sys::fuzz_target;
use perfaudit_scan::deps::manifests;

const FILES: &[&str] = &[
    "requirements.txt",
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "requirements/dev.in",
    "sub/pyproject.toml",
    "Dockerfile",
];

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir_in(std::env::temp_dir()).expect("temp dir");
    let root = dir.path();
    let mut rels: Vec<&str> = Vec::new();
    for (part, rel) in data.split(|b| *b == 0).zip(FILES) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, part).unwrap();
        rels.push(rel);
    }
    let m = manifests::read_projects(root, &rels, true);
    for d in &m.declared {
        assert!(d.line >= 1, "{d:?}");
        assert!(!d.normalized.is_empty(), "{d:?}");
    }
    for f in &m.files {
        assert!(!f.starts_with('/') && !f.contains(".."), "{f}");
    }
});

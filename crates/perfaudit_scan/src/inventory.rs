//! The inventory: files, bytes and lines by language (by extension, by name, by shebang), the
//! largest files. Text files are read once and their newlines counted; files known to be
//! binary by extension are never read.

use perfaudit_model::scan::{Diagnostic, DiagnosticKind, ExtensionStat, FileStat, LanguageStat};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// One measured file.
#[derive(Debug, Clone)]
pub struct FileMeasure {
    pub rel: String,
    pub language: &'static str,
    /// `.py` (lower-cased) or `(none)`.
    pub extension: String,
    pub bytes: u64,
    pub lines: u64,
}

pub fn is_python_path(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("py") | Some("pyi")
    )
}

/// Known binary formats: measured by size only.
const BINARY_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "ico", "webp", "bmp", "tif", "tiff", "psd", "woff", "woff2",
    "ttf", "otf", "eot", "pdf", "zip", "gz", "tgz", "bz2", "xz", "zst", "7z", "rar", "tar", "jar",
    "whl", "egg", "so", "dylib", "dll", "exe", "o", "a", "pyc", "pyo", "pyd", "class", "mo", "mp3",
    "mp4", "wav", "ogg", "webm", "mov", "avi", "sqlite", "sqlite3", "db", "bin", "dat", "pkl",
    "pickle", "npy", "npz", "parquet", "avro", "h5", "onnx", "pt", "ckpt", "xlsx", "xls", "docx",
    "doc", "pptx", "odt", "icns",
];

/// Language of a file by extension (lower-cased, without the dot).
pub fn language_by_extension(ext: &str) -> Option<&'static str> {
    Some(match ext {
        "py" | "pyi" | "pyw" => "Python",
        "pyx" | "pxd" => "Cython",
        "ipynb" => "Jupyter Notebook",
        "js" | "mjs" | "cjs" => "JavaScript",
        "jsx" => "JSX",
        "ts" | "mts" | "cts" => "TypeScript",
        "tsx" => "TSX",
        "vue" => "Vue",
        "svelte" => "Svelte",
        "html" | "htm" | "jinja" | "jinja2" | "j2" => "HTML",
        "css" => "CSS",
        "scss" | "sass" => "Sass",
        "less" => "Less",
        "json" | "jsonl" => "JSON",
        "yaml" | "yml" => "YAML",
        "toml" => "TOML",
        "ini" | "cfg" | "conf" => "INI",
        "xml" | "xsd" | "xsl" => "XML",
        "svg" => "SVG",
        "md" | "markdown" => "Markdown",
        "rst" => "reStructuredText",
        "txt" => "Text",
        "csv" | "tsv" => "CSV",
        "sh" | "bash" | "zsh" => "Shell",
        "ps1" => "PowerShell",
        "bat" | "cmd" => "Batch",
        "sql" => "SQL",
        "graphql" | "gql" => "GraphQL",
        "proto" => "Protocol Buffers",
        "go" => "Go",
        "rs" => "Rust",
        "c" | "h" => "C",
        "cc" | "cpp" | "cxx" | "hpp" | "hh" => "C++",
        "java" => "Java",
        "kt" | "kts" => "Kotlin",
        "rb" => "Ruby",
        "php" => "PHP",
        "pl" | "pm" => "Perl",
        "lua" => "Lua",
        "r" => "R",
        "po" | "pot" => "Gettext",
        "lock" => "Lockfile",
        "env" => "Dotenv",
        "tf" => "Terraform",
        "mk" => "Makefile",
        e if BINARY_EXTENSIONS.contains(&e) => "Binary",
        _ => return None,
    })
}

/// Language of a file by its whole name (`Dockerfile`, `Makefile`).
pub fn language_by_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "Dockerfile" | "Containerfile" => "Dockerfile",
        "Makefile" | "makefile" | "GNUmakefile" => "Makefile",
        "Procfile" => "Procfile",
        "Pipfile" => "TOML",
        ".gitignore" | ".dockerignore" | ".gitattributes" => "Ignore file",
        ".env" => "Dotenv",
        _ if name.starts_with("Dockerfile.") => "Dockerfile",
        _ if name.starts_with(".env.") => "Dotenv",
        _ => return None,
    })
}

/// Language from a `#!` line (`#!/usr/bin/env python3`, `#!/bin/sh`).
pub fn language_by_shebang(head: &[u8]) -> Option<&'static str> {
    let line = head.strip_prefix(b"#!")?;
    let end = memchr::memchr(b'\n', line).unwrap_or(line.len());
    let line = std::str::from_utf8(&line[..end]).ok()?;
    let mut words = line.split_whitespace();
    let mut prog = words.next()?.rsplit('/').next()?;
    if prog == "env" {
        prog = words.find(|w| !w.starts_with('-'))?;
    }
    let prog = prog.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    Some(match prog {
        "python" | "pypy" => "Python",
        "sh" | "bash" | "zsh" | "dash" | "ksh" => "Shell",
        "node" | "nodejs" | "deno" => "JavaScript",
        "ruby" => "Ruby",
        "perl" => "Perl",
        "php" => "PHP",
        _ => return None,
    })
}

/// Number of lines: newlines, plus one for a last line without a newline.
pub fn count_lines(data: &[u8]) -> u64 {
    let n = memchr::memchr_iter(b'\n', data).count() as u64;
    if data.last().is_some_and(|&b| b != b'\n') {
        n + 1
    } else {
        n
    }
}

/// Does this look like binary data (a NUL byte in the first 8 KiB)?
pub fn looks_binary(data: &[u8]) -> bool {
    memchr::memchr(0, &data[..data.len().min(8192)]).is_some()
}

pub fn extension_of(path: &Path) -> String {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) => format!(".{}", e.to_ascii_lowercase()),
        None => "(none)".to_string(),
    }
}

/// Text files whose database URLs are worth reading for driver names.
fn may_hold_urls(language: &str) -> bool {
    matches!(
        language,
        "INI" | "TOML" | "YAML" | "JSON" | "Dotenv" | "Text" | "Dockerfile" | "Shell"
    )
}

/// Measure one non-Python file: language, bytes, lines. Files larger than `max_bytes` are
/// counted by streaming; known binary formats are not read at all.
pub fn measure_file(
    path: &Path,
    rel: String,
    bytes: u64,
    max_bytes: u64,
) -> Result<(FileMeasure, Vec<String>), Diagnostic> {
    let extension = extension_of(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let mut language = language_by_name(&name)
        .or_else(|| language_by_extension(extension.trim_start_matches('.')));
    let mut m = FileMeasure {
        rel,
        language: language.unwrap_or("Other"),
        extension,
        bytes,
        lines: 0,
    };
    if language == Some("Binary") || bytes == 0 {
        return Ok((m, Vec::new()));
    }
    let unreadable = |rel: &str, e: std::io::Error| {
        Diagnostic::new(rel, DiagnosticKind::Unreadable, format!("cannot read: {e}"))
    };
    if bytes > max_bytes {
        // Stream: count lines without holding the file.
        let mut f = std::fs::File::open(path).map_err(|e| unreadable(&m.rel, e))?;
        let mut buf = vec![0u8; 1 << 16];
        let mut first = true;
        let mut last = b'\n';
        loop {
            let n = f.read(&mut buf).map_err(|e| unreadable(&m.rel, e))?;
            if n == 0 {
                break;
            }
            if first {
                first = false;
                if looks_binary(&buf[..n]) {
                    m.lines = 0;
                    if language.is_none() {
                        m.language = "Binary";
                    }
                    return Ok((m, Vec::new()));
                }
                if language.is_none() {
                    language = language_by_shebang(&buf[..n]);
                    m.language = language.unwrap_or("Other");
                }
            }
            m.lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
            last = buf[n - 1];
        }
        if last != b'\n' {
            m.lines += 1;
        }
        return Ok((m, Vec::new()));
    }
    let data = std::fs::read(path).map_err(|e| unreadable(&m.rel, e))?;
    if looks_binary(&data) {
        if language.is_none() {
            m.language = "Binary";
        }
        return Ok((m, Vec::new()));
    }
    if language.is_none() {
        m.language = language_by_shebang(&data).unwrap_or("Other");
    }
    m.lines = count_lines(&data);
    let schemes = if may_hold_urls(m.language) {
        url_schemes(&data)
    } else {
        Vec::new()
    };
    Ok((m, schemes))
}

/// Scheme words of `scheme+driver://` URLs in `data`: `postgresql+asyncpg://` gives
/// `postgresql` and `asyncpg`.
pub fn url_schemes(data: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for pos in memchr::memmem::find_iter(data, b"://") {
        let mut start = pos;
        while start > 0 {
            let c = data[start - 1];
            if c.is_ascii_alphanumeric() || c == b'+' || c == b'_' || c == b'-' {
                start -= 1;
            } else {
                break;
            }
        }
        if start == pos {
            continue;
        }
        let scheme = String::from_utf8_lossy(&data[start..pos]).to_ascii_lowercase();
        if matches!(
            scheme.as_str(),
            "http" | "https" | "file" | "ftp" | "ws" | "wss"
        ) {
            continue;
        }
        for part in scheme.split('+') {
            if !part.is_empty() && !out.iter().any(|s: &String| s == part) {
                out.push(part.to_string());
            }
        }
    }
    out
}

/// Aggregated inventory.
#[derive(Debug, Default)]
pub struct Inventory {
    pub files: u64,
    pub lines: u64,
    pub bytes: u64,
    pub languages: Vec<LanguageStat>,
    pub extensions: Vec<ExtensionStat>,
    pub largest_files: Vec<FileStat>,
}

/// Aggregate measures into per-language and per-extension totals and the `top` largest files.
pub fn aggregate<'a>(measures: impl Iterator<Item = &'a FileMeasure>, top: usize) -> Inventory {
    let mut inv = Inventory::default();
    let mut langs: HashMap<&'static str, LanguageStat> = HashMap::new();
    let mut exts: HashMap<(String, &'static str), ExtensionStat> = HashMap::new();
    let mut largest: Vec<&FileMeasure> = Vec::new();
    for m in measures {
        inv.files += 1;
        inv.lines += m.lines;
        inv.bytes += m.bytes;
        let l = langs.entry(m.language).or_insert_with(|| LanguageStat {
            language: m.language.to_string(),
            files: 0,
            lines: 0,
            bytes: 0,
        });
        l.files += 1;
        l.lines += m.lines;
        l.bytes += m.bytes;
        let e = exts
            .entry((m.extension.clone(), m.language))
            .or_insert_with(|| ExtensionStat {
                extension: m.extension.clone(),
                language: m.language.to_string(),
                files: 0,
                lines: 0,
                bytes: 0,
            });
        e.files += 1;
        e.lines += m.lines;
        e.bytes += m.bytes;
        largest.push(m);
    }
    inv.languages = langs.into_values().collect();
    inv.languages.sort_by(|a, b| {
        b.lines
            .cmp(&a.lines)
            .then(b.bytes.cmp(&a.bytes))
            .then(a.language.cmp(&b.language))
    });
    inv.extensions = exts.into_values().collect();
    inv.extensions.sort_by(|a, b| {
        b.lines
            .cmp(&a.lines)
            .then(b.bytes.cmp(&a.bytes))
            .then(a.extension.cmp(&b.extension))
    });
    largest.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.rel.cmp(&b.rel)));
    inv.largest_files = largest
        .into_iter()
        .take(top)
        .map(|m| FileStat {
            path: m.rel.clone(),
            language: m.language.to_string(),
            bytes: m.bytes,
            lines: m.lines,
        })
        .collect();
    inv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_and_lines() {
        assert_eq!(language_by_extension("py"), Some("Python"));
        assert_eq!(language_by_extension("png"), Some("Binary"));
        assert_eq!(language_by_name("Dockerfile.prod"), Some("Dockerfile"));
        assert_eq!(
            language_by_shebang(b"#!/usr/bin/env python3\nx"),
            Some("Python")
        );
        assert_eq!(language_by_shebang(b"#!/bin/bash -e\n"), Some("Shell"));
        assert_eq!(
            language_by_shebang(b"#!/usr/bin/env -S node\n"),
            Some("JavaScript")
        );
        assert_eq!(language_by_shebang(b"echo"), None);
        assert_eq!(count_lines(b""), 0);
        assert_eq!(count_lines(b"a"), 1);
        assert_eq!(count_lines(b"a\nb\n"), 2);
        assert_eq!(count_lines(b"a\nb"), 2);
    }

    #[test]
    fn url_driver_names() {
        let s = url_schemes(b"DATABASE_URL=postgresql+asyncpg://u@h/db\nX=https://a\nY=redis://r");
        assert_eq!(s, vec!["postgresql", "asyncpg", "redis"]);
    }
}

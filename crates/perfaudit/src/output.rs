//! One place decides output policy: format, destination, colour, progress, quiet.
//! Data goes to stdout (or `--output FILE`, written atomically); progress and logs to stderr.

use crate::cli::{unsupported_format, ColorChoice, GlobalArgs};
use anyhow::Context;
use perfaudit_report::DocumentFormat;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct OutputPolicy {
    /// `--format` given before the subcommand; each command checks it against its own list.
    pub format: Option<String>,
    pub output: Option<PathBuf>,
    pub quiet: bool,
    /// Draw live progress on stderr.
    pub progress: bool,
    /// Colour the data written to stdout.
    pub color: bool,
    /// Colour stderr messages.
    #[allow(dead_code)]
    pub color_stderr: bool,
}

impl OutputPolicy {
    pub fn from_global(g: &GlobalArgs) -> Self {
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let decide = |is_tty: bool| match g.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_tty && !no_color_env,
        };
        let stdout_tty = g.output.is_none() && io::stdout().is_terminal();
        let stderr_tty = io::stderr().is_terminal();
        OutputPolicy {
            format: g.format.clone(),
            output: g.output.clone(),
            quiet: g.quiet,
            progress: !g.quiet && !g.no_progress && stderr_tty,
            color: decide(stdout_tty),
            color_stderr: decide(stderr_tty),
        }
    }

    /// The format to render: the command's own `--format`, else the one given before the
    /// subcommand (checked against the command's list), else the kind's default (text).
    pub fn format<K: DocumentFormat>(&self, chosen: Option<K>) -> anyhow::Result<K> {
        match (chosen, &self.format) {
            (Some(k), _) => Ok(k),
            (None, Some(name)) => {
                K::from_name(name).ok_or_else(|| anyhow::anyhow!(unsupported_format::<K>(name)))
            }
            (None, None) => Ok(K::ALL[0]),
        }
    }

    /// Write the rendered document to stdout or, with `--output`, atomically to the file
    /// (temporary file in the same directory, then rename).
    pub fn emit(
        &self,
        render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> anyhow::Result<()> {
        match &self.output {
            None => {
                let stdout = io::stdout();
                let mut w = io::BufWriter::new(stdout.lock());
                render(&mut w)?;
                w.flush()?;
                Ok(())
            }
            Some(path) => write_atomically(path, render),
        }
    }

    /// A line for the user on stderr, unless `--quiet`.
    #[allow(dead_code)]
    pub fn note(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", msg.as_ref());
        }
    }
}

/// Write a file atomically: a temporary file next to it, then rename over it.
pub fn write_atomically(
    path: &std::path::Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    {
        let mut w = io::BufWriter::new(tmp.as_file_mut());
        render(&mut w).with_context(|| format!("cannot write {}", path.display()))?;
        w.flush()
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    // A temporary file is created 0600; a report is an ordinary file: keep the mode of the file
    // it replaces, else 0644 (minus the umask is not knowable without changing it).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o7777)
            .unwrap_or(0o644);
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

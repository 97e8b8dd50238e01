//! One place decides output policy: format, destination, colour, progress, quiet.
//! Data goes to stdout (or `--output FILE`, written atomically); progress and logs to stderr.

use crate::cli::{ColorChoice, Format, GlobalArgs};
use anyhow::Context;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct OutputPolicy {
    /// `--format` as given; each command picks its default (text) and rejects what it cannot render.
    pub format: Option<Format>,
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
            format: g.format,
            output: g.output.clone(),
            quiet: g.quiet,
            progress: !g.quiet && !g.no_progress && stderr_tty,
            color: decide(stdout_tty),
            color_stderr: decide(stderr_tty),
        }
    }

    /// The format to render, `default` when none was asked for; an error naming the formats
    /// the command supports when the requested one is not among them.
    pub fn format_or(&self, default: Format, supported: &[Format]) -> anyhow::Result<Format> {
        let f = self.format.unwrap_or(default);
        if supported.contains(&f) {
            Ok(f)
        } else {
            let names: Vec<&str> = supported.iter().map(|f| f.name()).collect();
            anyhow::bail!(
                "--format {} is not available here (choose one of: {})",
                f.name(),
                names.join(", ")
            )
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

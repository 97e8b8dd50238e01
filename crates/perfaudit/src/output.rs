//! One place decides output policy: format, destination, colour, progress, quiet.
//! Data goes to stdout (or `--output FILE`: regular files written atomically, devices, FIFOs
//! and symlinks written through, see [`write_atomically`]); progress and logs to stderr.
//!
//! This is the only module that prints (the workspace denies `print_stdout`/`print_stderr`
//! elsewhere): commands write notes, warnings and progress through the policy.
#![allow(clippy::print_stderr)]

use crate::cli::{unsupported_format, ColorChoice, GlobalArgs};
use anyhow::Context;
use perfaudit_report::DocumentFormat;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub(crate) struct OutputPolicy {
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
    pub(crate) fn from_global(g: &GlobalArgs) -> Self {
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
    pub(crate) fn format<K: DocumentFormat>(&self, chosen: Option<K>) -> anyhow::Result<K> {
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
    pub(crate) fn emit(
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
    pub(crate) fn note(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            stderr_line(msg);
        }
    }

    /// A line for the user on stderr above the live progress line `bar` (if one is drawn),
    /// unless `--quiet`.
    pub(crate) fn note_above(&self, bar: Option<&indicatif::ProgressBar>, msg: impl AsRef<str>) {
        if !self.quiet {
            note_above(bar, msg);
        }
    }

    /// A live progress line on stderr drawn with `template` (indicatif), ticking every `tick`,
    /// when progress is drawn at all (a terminal, no `--quiet`, no `--no-progress`).
    pub(crate) fn spinner(
        &self,
        template: &str,
        tick: std::time::Duration,
    ) -> Option<indicatif::ProgressBar> {
        self.progress.then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(tick);
            bar
        })
    }
}

/// A line on stderr that no `--quiet` hides: the final error, a signal's notice.
pub(crate) fn stderr_line(msg: impl AsRef<str>) {
    eprintln!("{}", msg.as_ref());
}

/// A line on stderr above the live progress line `bar`, if one is drawn (for code that holds
/// no policy, such as a sampler's observer; it checks `--quiet` itself).
pub(crate) fn note_above(bar: Option<&indicatif::ProgressBar>, msg: impl AsRef<str>) {
    match bar {
        Some(b) if !b.is_hidden() => b.println(msg.as_ref()),
        _ => stderr_line(msg),
    }
}

/// Write an output file the way its path asks for:
///
/// - a regular file, or a path that does not exist yet: atomically (a temporary file in the same
///   directory, then rename over it), keeping the mode of the file it replaces, else `0666`
///   minus the umask;
/// - a symlink: the link is followed (every hop, relative links against their own directory)
///   and its target is written by these same rules, so the link stays a link;
/// - a device, a FIFO or a socket (or a regular file reached through `/proc/self/fd/N` or
///   `/dev/fd/N`, i.e. an inherited descriptor such as `/dev/stdout`): written through, never
///   replaced (a device or FIFO is opened for writing without truncation; an inherited regular
///   file is appended to, as a shell redirection left it).
///
/// The name is kept from when every file was replaced; only regular files are.
pub(crate) fn write_atomically(
    path: &std::path::Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    match output_target(path)? {
        Target::Replace(real) => replace_atomically(path, &real, render),
        Target::Through { real, append } => {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).append(append);
            let f = opts.open(&real).with_context(|| {
                if real == path {
                    format!("cannot open {} for writing", path.display())
                } else {
                    format!(
                        "cannot open {} (the target of {}) for writing",
                        real.display(),
                        path.display()
                    )
                }
            })?;
            let mut w = io::BufWriter::new(f);
            render(&mut w).with_context(|| format!("cannot write {}", path.display()))?;
            w.flush()
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(())
        }
    }
}

/// How an output path is written.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// Atomically replace (or create) this regular file.
    Replace(PathBuf),
    /// Open this path and write into it; `append` for an inherited regular file.
    Through { real: PathBuf, append: bool },
}

/// Symlink hops followed before giving up (the kernel's own limit is 40).
const MAX_LINK_HOPS: usize = 40;

/// Decide how `path` is written: follow symlinks hop by hop to the file they name.
fn output_target(path: &std::path::Path) -> anyhow::Result<Target> {
    let mut cur = path.to_path_buf();
    for _ in 0..=MAX_LINK_HOPS {
        if is_inherited_fd_path(&cur) {
            // `/proc/self/fd/1` is a "magic" link: its text (`pipe:[123]`, or a path that may
            // since have been renamed) is not a path to replace; open() reaches the open file.
            let append = std::fs::metadata(&cur)
                .map(|m| m.file_type().is_file())
                .unwrap_or(false);
            return Ok(Target::Through { real: cur, append });
        }
        let meta = match std::fs::symlink_metadata(&cur) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Target::Replace(cur)),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot write {}", cur.display()));
            }
        };
        let ft = meta.file_type();
        if ft.is_symlink() {
            let link = std::fs::read_link(&cur)
                .with_context(|| format!("cannot read the symlink {}", cur.display()))?;
            cur = if link.is_absolute() {
                link
            } else {
                match cur.parent() {
                    Some(p) => p.join(link),
                    None => link,
                }
            };
            continue;
        }
        if ft.is_dir() {
            anyhow::bail!("cannot write {}: it is a directory", path.display());
        }
        if ft.is_file() {
            return Ok(Target::Replace(cur));
        }
        // Character/block device, FIFO, socket: write into it, never replace it.
        return Ok(Target::Through {
            real: cur,
            append: false,
        });
    }
    anyhow::bail!(
        "cannot write {}: more than {MAX_LINK_HOPS} levels of symlinks",
        path.display()
    )
}

/// `/proc/self/fd/N`, `/proc/thread-self/fd/N`, `/proc/<pid>/fd/N`, `/dev/fd/N`.
fn is_inherited_fd_path(p: &std::path::Path) -> bool {
    let s = p.to_string_lossy();
    let rest = if let Some(r) = s.strip_prefix("/dev/fd/") {
        r
    } else if let Some(r) = s.strip_prefix("/proc/") {
        match r.split_once("/fd/") {
            Some((_, n)) => n,
            None => return false,
        }
    } else {
        return false;
    };
    !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit())
}

/// Temporary file next to `real`, then rename over it.
fn replace_atomically(
    path: &std::path::Path,
    real: &std::path::Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    let dir = match real.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".perfaudit-");
    // A new report is an ordinary file: 0666 minus the umask (the kernel applies it at creation).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    {
        let mut w = io::BufWriter::new(tmp.as_file_mut());
        render(&mut w).with_context(|| format!("cannot write {}", path.display()))?;
        w.flush()
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    // A file that is replaced keeps its mode.
    #[cfg(unix)]
    if let Ok(m) = std::fs::metadata(real) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            tmp.path(),
            std::fs::Permissions::from_mode(m.permissions().mode() & 0o7777),
        )
        .with_context(|| format!("cannot write {}", path.display()))?;
    }
    tmp.persist(real).map_err(|e| e.error).with_context(|| {
        if real == path {
            format!("cannot write {}", path.display())
        } else {
            format!(
                "cannot write {} (the target of {})",
                real.display(),
                path.display()
            )
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};

    fn write(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
        let text = text.to_string();
        write_atomically(path, move |w| w.write_all(text.as_bytes()))
    }

    #[test]
    fn regular_file_is_replaced_atomically_and_keeps_its_mode() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.txt");
        std::fs::write(&p, "old old old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        let ino = std::fs::metadata(&p).unwrap();
        write(&p, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        let m = std::fs::metadata(&p).unwrap();
        assert_eq!(m.permissions().mode() & 0o777, 0o640);
        use std::os::unix::fs::MetadataExt;
        assert_ne!(m.ino(), ino.ino(), "a regular file is replaced by rename");
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn new_file_honours_the_umask() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("new.txt");
        // The umask of this test process (read without changing it: /proc/self/status).
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let umask = status
            .lines()
            .find_map(|l| l.strip_prefix("Umask:"))
            .map(|v| u32::from_str_radix(v.trim(), 8).unwrap())
            .unwrap();
        write(&p, "x").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o666 & !umask);
    }

    #[test]
    fn symlink_is_followed_and_stays_a_link() {
        let d = tempfile::tempdir().unwrap();
        let sub = d.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let target = sub.join("target.txt");
        std::fs::write(&target, "old").unwrap();
        let link = d.path().join("link.txt");
        std::os::unix::fs::symlink("sub/target.txt", &link).unwrap();
        // A link to a link.
        let link2 = d.path().join("link2.txt");
        std::os::unix::fs::symlink(&link, &link2).unwrap();
        write(&link2, "new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(std::fs::symlink_metadata(&link2)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        // The temporary file was made next to the target, and is gone.
        assert_eq!(std::fs::read_dir(&sub).unwrap().count(), 1);
    }

    #[test]
    fn dangling_symlink_creates_its_target() {
        let d = tempfile::tempdir().unwrap();
        let link = d.path().join("link.txt");
        std::os::unix::fs::symlink("made.txt", &link).unwrap();
        write(&link, "hello").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            std::fs::read_to_string(d.path().join("made.txt")).unwrap(),
            "hello"
        );
    }

    #[test]
    fn symlink_loop_is_an_error_not_a_hang() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a");
        let b = d.path().join("b");
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        let e = write(&a, "x").unwrap_err().to_string();
        assert!(e.contains("levels of symlinks"), "{e}");
    }

    #[test]
    fn directory_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let e = write(d.path(), "x").unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
    }

    #[test]
    fn fifo_is_written_through() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("out.fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        write(&fifo, "through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe");
        assert!(std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo());
    }

    #[test]
    fn device_node_is_written_through_not_replaced() {
        // A character device with /dev/null's numbers (1, 3), made in a temp dir: never the
        // real /dev/null. mknod needs root (CAP_MKNOD); elsewhere the FIFO test covers the path.
        if unsafe { libc::geteuid() } != 0 {
            return;
        }
        let d = tempfile::tempdir().unwrap();
        let dev = d.path().join("null");
        let c = std::ffi::CString::new(dev.as_os_str().as_encoded_bytes()).unwrap();
        let rc = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
        if rc != 0 {
            // A container without CAP_MKNOD: nothing to test here.
            return;
        }
        write(&dev, "discarded").unwrap();
        let m = std::fs::symlink_metadata(&dev).unwrap();
        assert!(m.file_type().is_char_device(), "the device was replaced");
        use std::os::unix::fs::MetadataExt;
        assert_eq!(m.rdev(), libc::makedev(1, 3));
        // And a symlink to the device writes the device too.
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&dev, &link).unwrap();
        write(&link, "discarded").unwrap();
        assert!(std::fs::symlink_metadata(&dev)
            .unwrap()
            .file_type()
            .is_char_device());
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
    }

    #[test]
    fn inherited_descriptor_paths() {
        assert!(is_inherited_fd_path(std::path::Path::new(
            "/proc/self/fd/1"
        )));
        assert!(is_inherited_fd_path(std::path::Path::new(
            "/proc/123/fd/12"
        )));
        assert!(is_inherited_fd_path(std::path::Path::new("/dev/fd/2")));
        assert!(!is_inherited_fd_path(std::path::Path::new(
            "/proc/self/fdinfo/1"
        )));
        assert!(!is_inherited_fd_path(std::path::Path::new("/dev/fd/")));
        assert!(!is_inherited_fd_path(std::path::Path::new("/tmp/fd/1")));
        // /dev/stdout -> /proc/self/fd/1: written through, whatever fd 1 is.
        if std::fs::symlink_metadata("/dev/stdout").is_ok() {
            match output_target(std::path::Path::new("/dev/stdout")).unwrap() {
                Target::Through { real, .. } => {
                    assert_eq!(real, PathBuf::from("/proc/self/fd/1"))
                }
                t => panic!("{t:?}"),
            }
        }
    }
}

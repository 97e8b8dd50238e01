//! The one signal module. SIGINT, SIGTERM and SIGHUP set a flag (signal-hook's
//! async-signal-safe registration, nothing else runs in the handler); long-running commands
//! poll [`received`] and wind down — the load stops at once, the monitor reports what it saw,
//! the audit stops its service and stores nothing — and exit 128 + the signal. A [`watchdog`]
//! ends the process if a command does not wind down in time (a stage that cannot be cancelled).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

static SIGNAL: OnceLock<Arc<AtomicUsize>> = OnceLock::new();

/// The signals that interrupt a command.
pub(crate) const INTERRUPTS: [i32; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// Catch SIGINT, SIGTERM and SIGHUP from now on (idempotent).
pub(crate) fn install() -> std::io::Result<()> {
    let mut fresh = false;
    let flag = SIGNAL.get_or_init(|| {
        fresh = true;
        Arc::new(AtomicUsize::new(0))
    });
    if fresh {
        for s in INTERRUPTS {
            signal_hook::flag::register_usize(s, Arc::clone(flag), s as usize)?;
        }
    }
    Ok(())
}

/// The interrupting signal, once one arrived.
pub(crate) fn received() -> Option<i32> {
    SIGNAL
        .get()
        .map(|f| f.load(Ordering::SeqCst))
        .filter(|&s| s != 0)
        .map(|s| s as i32)
}

/// The exit code of a command interrupted by `signal`.
pub(crate) fn exit_code(signal: i32) -> u8 {
    (128 + signal).clamp(0, 255) as u8
}

/// Once a signal arrived, give the command `grace` to wind down by itself; then run
/// `last_words` (e.g. kill the service) and exit 128 + the signal.
pub(crate) fn watchdog(
    grace: Duration,
    last_words: impl Fn() + Send + 'static,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("perfaudit-signals".into())
        .spawn(move || loop {
            if let Some(sig) = received() {
                std::thread::sleep(grace);
                last_words();
                std::process::exit(i32::from(exit_code(sig)));
            }
            std::thread::sleep(Duration::from_millis(20));
        })
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_is_seen_and_gives_its_exit_code() {
        install().unwrap();
        install().unwrap();
        assert_eq!(received(), None);
        // SAFETY: raising a signal whose handler only stores to an atomic.
        unsafe { libc::raise(libc::SIGHUP) };
        assert_eq!(received(), Some(libc::SIGHUP));
        assert_eq!(exit_code(libc::SIGINT), 130);
        assert_eq!(exit_code(libc::SIGTERM), 143);
    }
}

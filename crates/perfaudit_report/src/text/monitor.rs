//! text rendering of the monitor document.

//! markdown rendering of the monitor document.

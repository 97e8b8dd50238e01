//! text rendering of the run document.

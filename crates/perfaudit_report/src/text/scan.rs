//! text rendering of the scan document.

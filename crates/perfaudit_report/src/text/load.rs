//! text rendering of the load document.

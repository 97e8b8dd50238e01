//! text rendering of the bench document.

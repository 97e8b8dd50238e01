//! text rendering of the imports document.

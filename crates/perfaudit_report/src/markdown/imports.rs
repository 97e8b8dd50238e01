//! markdown rendering of the imports document.

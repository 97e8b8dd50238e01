//! markdown rendering of the load document.

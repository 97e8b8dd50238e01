//! markdown rendering of the run document.

//! markdown rendering of the scan document.

//! markdown rendering of the bench document.

//! CSV rendering of the bench document.

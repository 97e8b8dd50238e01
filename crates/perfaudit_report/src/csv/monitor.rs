//! CSV rendering of the monitor document.

//! See the crate docs; filled in by the stage that needs it first.

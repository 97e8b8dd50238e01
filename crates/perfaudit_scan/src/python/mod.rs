//! Python source handling. `parser` is the one file that talks to `ruff_python_parser`.

pub mod parser;

//! Adapter over the pinned `ruff_python_parser` (=0.0.10). A version bump touches this file.
//!
//! Everything else in the crate reaches the AST through the re-exports here
//! (`crate::python::parser::ast`, `TextRange`, `Ranged`), never through the ruff crates directly.

pub use ruff_python_ast as ast;
pub use ruff_python_ast::visitor;
pub use ruff_python_ast::visitor::Visitor;
pub use ruff_text_size::{Ranged, TextRange, TextSize};

use ruff_python_ast::token::TokenKind;
use ruff_python_ast::ModModule;
use ruff_source_file::LineIndex;

/// A parsed Python module with what rules need to turn offsets into lines and find comments.
pub struct ParsedModule {
    module: ModModule,
    line_index: LineIndex,
    /// Ranges of every `#` comment, in source order.
    comments: Vec<TextRange>,
}

/// A syntax error, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "syntax error at {}:{}: {}",
            self.line, self.column, self.message
        )
    }
}

/// Parse `source` as a Python module. Never panics on any input; a syntax error is returned
/// with its location (the first one the parser reports).
pub fn parse_module(source: &str) -> Result<ParsedModule, SyntaxError> {
    let line_index = LineIndex::from_source_text(source);
    match ruff_python_parser::parse_module(source) {
        Ok(parsed) => {
            let comments = parsed
                .tokens()
                .iter()
                .filter(|t| t.kind() == TokenKind::Comment)
                .map(|t| t.range())
                .collect();
            Ok(ParsedModule {
                module: parsed.into_syntax(),
                line_index,
                comments,
            })
        }
        Err(err) => {
            let (line, column) = line_col(&line_index, source, err.location.start());
            Err(SyntaxError {
                line,
                column,
                message: err.error.to_string(),
            })
        }
    }
}

/// Parse `source` as a single Python expression (a string annotation such as `"Optional[Foo]"`).
/// `None` when it is not one.
pub fn parse_expression(source: &str) -> Option<ast::Expr> {
    ruff_python_parser::parse_expression(source)
        .ok()
        .map(|parsed| parsed.into_expr())
}

/// 1-based line and 1-based character column of a byte offset.
pub fn line_col(index: &LineIndex, source: &str, offset: TextSize) -> (u32, u32) {
    let lc = index.line_column(offset, source);
    (lc.line.get() as u32, lc.column.get() as u32)
}

impl ParsedModule {
    pub fn module(&self) -> &ModModule {
        &self.module
    }

    pub fn body(&self) -> &[ast::Stmt] {
        &self.module.body
    }

    pub fn line_index(&self) -> &LineIndex {
        &self.line_index
    }

    /// Ranges of every comment (including the `#`).
    pub fn comments(&self) -> &[TextRange] {
        &self.comments
    }

    /// 1-based line and column of `offset` in `source` (the text this module was parsed from).
    pub fn line_col(&self, source: &str, offset: TextSize) -> (u32, u32) {
        line_col(&self.line_index, source, offset)
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.line_index.line_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_locates() {
        let src = "import os\n# hi\nx = 1\n";
        let m = parse_module(src).unwrap();
        assert_eq!(m.body().len(), 2);
        assert_eq!(m.comments().len(), 1);
        let (l, c) = m.line_col(src, m.comments()[0].start());
        assert_eq!((l, c), (2, 1));
    }

    #[test]
    fn syntax_error_has_location() {
        let err = parse_module("x = 1\ndef (:\n").err().unwrap();
        assert_eq!(err.line, 2);
        assert!(!err.message.is_empty());
    }
}

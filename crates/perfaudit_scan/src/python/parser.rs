//! Adapter over the pinned `ruff_python_parser` (=0.0.10). A version bump touches this file.
//!
//! Everything else in the crate reaches the AST through the re-exports here
//! (`crate::python::parser::ast`, `TextRange`, `Ranged`), never through the ruff crates directly.

pub use ruff_python_ast as ast;
pub use ruff_python_ast::visitor;
pub use ruff_python_ast::visitor::Visitor;
pub use ruff_text_size::{Ranged, TextRange, TextSize};

use ruff_python_ast::token::TokenKind;
use ruff_python_ast::{ModModule, PySourceType};
use ruff_source_file::LineIndex;
use std::sync::OnceLock;

/// A parsed Python module with what rules need to turn offsets into lines and find comments.
pub struct ParsedModule {
    module: ModModule,
    /// Built on first use: most modules have no finding to locate.
    line_index: OnceLock<LineIndex>,
    /// Byte length of the source, to check that offsets are located in the same text.
    source_len: usize,
    /// Ranges of every `#` comment, in source order.
    comments: Vec<TextRange>,
}

/// A syntax error, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// Not a syntax error but code nested over [`MAX_NESTING`] levels: not analysed.
    pub too_deep: bool,
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

/// Modules whose code nests deeper than this (estimated from the tokens: brackets, operator
/// chains, attribute chains, blocks) are not analysed: the checks and the tree's own drop
/// recurse once per level. CPython compiles far less (it stops at 200 nested parentheses).
pub const MAX_NESTING: usize = 10_000;

/// Parse `source` as a Python module. Never panics on any input; a syntax error is returned
/// with its location (the first one the parser reports). A module nested deeper than
/// [`MAX_NESTING`] is refused too ([`SyntaxError::too_deep`]), so that nothing recursive ever
/// runs out of stack on it.
pub fn parse_module(source: &str) -> Result<ParsedModule, SyntaxError> {
    let parsed = ruff_python_parser::parse_unchecked_source(source, PySourceType::Python);
    // Every level of nesting takes a token at least: few tokens, or short logical lines in
    // shallow blocks, and there is no deep nesting to look for.
    let tokens = parsed.tokens();
    let (depth, at) = if tokens.len() > MAX_NESTING && nesting_bound(tokens) > MAX_NESTING {
        nesting_estimate(tokens)
    } else {
        (0, TextSize::default())
    };
    if depth > MAX_NESTING {
        // Dropping the tree recurses once per level too: do it on a stack made for it.
        let stack = depth
            .saturating_mul(256)
            .saturating_add(1 << 20)
            .min(2 << 30);
        stacker::grow(stack, move || drop(parsed));
        let line_index = LineIndex::from_source_text(source);
        let (line, column) = line_col(&line_index, source, at);
        return Err(SyntaxError {
            line,
            column,
            message: format!(
                "code nested about {depth} levels deep, over the limit of {MAX_NESTING}"
            ),
            too_deep: true,
        });
    }
    if let Some(err) = parsed.errors().first() {
        let line_index = LineIndex::from_source_text(source);
        let (line, column) = line_col(&line_index, source, err.location.start());
        return Err(SyntaxError {
            line,
            column,
            message: err.error.to_string(),
            too_deep: false,
        });
    }
    let comments = parsed
        .tokens()
        .iter()
        .filter(|t| t.kind() == TokenKind::Comment)
        .map(|t| t.range())
        .collect();
    Ok(ParsedModule {
        module: parsed.into_syntax(),
        line_index: OnceLock::new(),
        source_len: source.len(),
        comments,
    })
}

/// A cheap upper bound of [`nesting_estimate`]: the longest logical line in tokens plus the
/// deepest block.
fn nesting_bound(tokens: &[ruff_python_ast::token::Token]) -> usize {
    let (mut longest, mut start, mut blocks, mut deepest) = (0, 0, 0usize, 0);
    for (i, t) in tokens.iter().enumerate() {
        match t.kind() {
            TokenKind::Newline => {
                longest = longest.max(i - start);
                start = i;
            }
            TokenKind::Indent => {
                blocks += 1;
                deepest = deepest.max(blocks);
            }
            TokenKind::Dedent => blocks = blocks.saturating_sub(1),
            _ => {}
        }
    }
    longest.max(tokens.len() - start) + deepest + 1
}

fn is_augmented_assign(k: TokenKind) -> bool {
    matches!(
        k,
        TokenKind::PlusEqual
            | TokenKind::MinusEqual
            | TokenKind::StarEqual
            | TokenKind::SlashEqual
            | TokenKind::PercentEqual
            | TokenKind::AmperEqual
            | TokenKind::VbarEqual
            | TokenKind::CircumflexEqual
            | TokenKind::LeftShiftEqual
            | TokenKind::RightShiftEqual
            | TokenKind::DoubleStarEqual
            | TokenKind::DoubleSlashEqual
            | TokenKind::AtEqual
    )
}

/// An upper bound of how deep the module's tree nests, from its tokens alone (no recursion),
/// and where it is deepest. Each open bracket and each block is a level; within a bracket
/// level, every operator, `.`, `if`/`else`, `lambda`, `not`, `await` since the last comma may
/// add one (a chain `a + b + c` nests one level per operator).
fn nesting_estimate(tokens: &[ruff_python_ast::token::Token]) -> (usize, TextSize) {
    let mut chains: Vec<usize> = vec![0];
    let mut sum = 0usize;
    let mut blocks = 0usize;
    let mut max = 0usize;
    let mut at = TextSize::default();
    let mut prev = TokenKind::Newline;
    for t in tokens {
        let kind = t.kind();
        match kind {
            TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace => {
                // A call or subscript of what came before (`f()()`, `a[0][0]`, `await a()()`)
                // wraps it: one more level of the enclosing chain, which outlives the brackets.
                if is_trailer_base(prev) {
                    if let Some(top) = chains.last_mut() {
                        *top += 1;
                        sum += 1;
                    }
                }
                chains.push(0);
            }
            TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace if chains.len() > 1 => {
                sum -= chains.pop().unwrap_or(0);
            }
            TokenKind::Comma | TokenKind::Semi => {
                if let Some(top) = chains.last_mut() {
                    sum -= *top;
                    *top = 0;
                }
            }
            TokenKind::Newline => {
                chains.truncate(1);
                chains[0] = 0;
                sum = 0;
            }
            TokenKind::Indent => blocks += 1,
            TokenKind::Dedent => blocks = blocks.saturating_sub(1),
            // `=`, `:`, `->`, `...` and augmented assignments do not nest.
            TokenKind::Equal | TokenKind::Colon | TokenKind::Rarrow | TokenKind::Ellipsis => {}
            k if k.is_operator() && !is_augmented_assign(k)
                || matches!(
                    k,
                    TokenKind::If
                        | TokenKind::Else
                        | TokenKind::Lambda
                        | TokenKind::Await
                        | TokenKind::FStringStart
                        | TokenKind::TStringStart
                ) =>
            {
                if let Some(top) = chains.last_mut() {
                    *top += 1;
                    sum += 1;
                }
            }
            _ => {}
        }
        let depth = blocks + chains.len() + sum;
        if depth > max {
            max = depth;
            at = t.start();
        }
        prev = kind;
    }
    (max, at)
}

/// Whether a `(` or `[` after a token of this kind is a call or subscript of it.
fn is_trailer_base(k: TokenKind) -> bool {
    matches!(
        k,
        TokenKind::Name
            | TokenKind::Rpar
            | TokenKind::Rsqb
            | TokenKind::Rbrace
            | TokenKind::String
            | TokenKind::FStringEnd
            | TokenKind::TStringEnd
            | TokenKind::Int
            | TokenKind::Float
            | TokenKind::Complex
            | TokenKind::None
            | TokenKind::True
            | TokenKind::False
    )
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

/// Lines and columns of (mostly) increasing offsets without building a line index: it counts
/// line ends (`\n`, `\r\n`, `\r`) from the previous offset, and starts over when an offset
/// goes backwards. Gives the same answers as [`line_col`].
pub struct LineCursor<'a> {
    source: &'a str,
    offset: usize,
    line: u32,
    line_start: usize,
}

impl<'a> LineCursor<'a> {
    pub fn new(source: &'a str) -> Self {
        LineCursor {
            source,
            offset: 0,
            line: 1,
            line_start: 0,
        }
    }

    /// 1-based line and 1-based character column of `offset`.
    pub fn line_col(&mut self, offset: TextSize) -> (u32, u32) {
        let target = offset.to_usize().min(self.source.len());
        if target < self.offset {
            *self = LineCursor::new(self.source);
        }
        let bytes = self.source.as_bytes();
        for i in memchr::memchr2_iter(b'\n', b'\r', &bytes[self.offset..target]) {
            let at = self.offset + i;
            if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
                continue; // counted at its `\n`
            }
            self.line += 1;
            self.line_start = at + 1;
        }
        self.offset = target;
        let prefix = &self.source[self.line_start..target];
        let column = if prefix.is_ascii() {
            prefix.len()
        } else {
            prefix.chars().count()
        };
        (self.line, column as u32 + 1)
    }
}

impl ParsedModule {
    pub fn module(&self) -> &ModModule {
        &self.module
    }

    pub fn body(&self) -> &[ast::Stmt] {
        &self.module.body
    }

    /// The line index of `source` (the text this module was parsed from), built once.
    pub fn line_index(&self, source: &str) -> &LineIndex {
        debug_assert_eq!(source.len(), self.source_len);
        self.line_index
            .get_or_init(|| LineIndex::from_source_text(source))
    }

    /// Ranges of every comment (including the `#`).
    pub fn comments(&self) -> &[TextRange] {
        &self.comments
    }

    /// 1-based line and column of `offset` in `source` (the text this module was parsed from).
    pub fn line_col(&self, source: &str, offset: TextSize) -> (u32, u32) {
        line_col(self.line_index(source), source, offset)
    }

    /// Number of lines of `source` (the text this module was parsed from).
    pub fn line_count(&self, source: &str) -> usize {
        self.line_index(source).line_count()
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
    fn line_cursor_agrees_with_the_line_index() {
        let src = "import os\r\nx = 'é'  # ü\rimport sys\n\n  from a import (b,\r\n c)\n";
        let index = LineIndex::from_source_text(src);
        let mut cursor = LineCursor::new(src);
        let offsets: Vec<usize> = src.char_indices().map(|(i, _)| i).collect();
        // Increasing, then going back, then increasing again.
        for &o in offsets
            .iter()
            .chain(offsets.iter().rev())
            .chain(offsets.iter())
        {
            let at = TextSize::new(o as u32);
            assert_eq!(cursor.line_col(at), line_col(&index, src, at), "offset {o}");
        }
    }

    #[test]
    fn nesting_is_estimated_from_tokens() {
        let depth = |src: &str| {
            let parsed = ruff_python_parser::parse_unchecked_source(src, PySourceType::Python);
            nesting_estimate(parsed.tokens()).0
        };
        // Flat data does not nest however long it is; chains and brackets do.
        let flat = format!("x = [{}]\n", vec!["-1"; 5000].join(", "));
        assert!(depth(&flat) < 10, "{}", depth(&flat));
        let dict = format!(
            "x = {{{}}}\n",
            (0..3000)
                .map(|i| format!("{i}: {i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert!(depth(&dict) < 10);
        assert!(depth(&format!("x = {}\n", vec!["a"; 3000].join(" + "))) >= 2999);
        assert!(depth(&format!("x = {}1{}\n", "(".repeat(500), ")".repeat(500))) >= 500);
        assert!(depth("def f():\n    if a:\n        if b:\n            x = 1\n") >= 3);
        // Each line starts afresh.
        let lines = "x = a + b + c\n".repeat(5000);
        assert!(depth(&lines) < 10);
        // The cheap bound is never below the estimate.
        for src in [
            lines.clone(),
            flat.clone(),
            format!("x = {}\n", vec!["a"; 3000].join(" + ")),
            "def f():\n    if a:\n        return (b + [c, d.e])\n".to_string(),
        ] {
            let parsed = ruff_python_parser::parse_unchecked_source(&src, PySourceType::Python);
            let tokens = parsed.tokens();
            assert!(nesting_bound(tokens) >= nesting_estimate(tokens).0);
        }
    }

    #[test]
    fn code_nested_too_deep_is_refused_without_running_out_of_stack() {
        let chain = format!("x = {}\n", vec!["a"; 50_000].join("+"));
        let err = parse_module(&chain).err().expect("refused");
        assert!(err.too_deep);
        assert_eq!(err.line, 1);
        assert!(
            err.message.contains("over the limit of 10000"),
            "{}",
            err.message
        );
        let brackets = format!("x = {}{}\n", "[".repeat(60_000), "]".repeat(60_000));
        assert!(parse_module(&brackets).err().expect("refused").too_deep);
        // Postfix chains nest too (issue 21: an 80 KB `x = f()()()...` overflowed the stack):
        // calls, subscripts, slices, awaited calls, chains inside f-strings.
        for src in [
            format!("x = f{}\n", "()".repeat(40_000)),
            format!("x = a{}\n", "[0]".repeat(30_000)),
            format!("x = a{}\n", "[1:2]".repeat(30_000)),
            format!("async def g():\n    x = await a{}\n", "()".repeat(30_000)),
            format!("x = f\"{{a{}}}\"\n", "()".repeat(30_000)),
            format!("x = a{}\n", "().b[0]".repeat(15_000)),
        ] {
            let err = parse_module(&src).err().expect("refused");
            assert!(err.too_deep, "{}", err.message);
        }
        // ... while wide calls and subscripts of data do not.
        let wide = format!("x = f({})\n", vec!["a[0]"; 20_000].join(", "));
        assert!(parse_module(&wide).is_ok());
        // A syntax error is still a syntax error.
        assert!(!parse_module("x = (\n").err().unwrap().too_deep);
        // Deep but under the limit: parsed.
        let ok = format!("x = {}\n", vec!["a"; 1000].join("+"));
        assert!(parse_module(&ok).is_ok());
    }

    #[test]
    fn syntax_error_has_location() {
        let err = parse_module("x = 1\ndef (:\n").err().unwrap();
        assert_eq!(err.line, 2);
        assert!(!err.message.is_empty());
    }
}

//! Output formats: the ten formats perfaudit can write, and the `formats!` macro that declares,
//! for each kind of document, the ONE list of the formats it supports (`ScanFormat`,
//! `LoadFormat`, ...; declared in [`crate::render`] beside the kind's entry point). That list is
//! an enum, so the entry point matches it exhaustively: a format added to
//! a list without its renderer does not compile, and no format can fall through to text. The
//! binary builds each command's `--format` parser (and so its `--help`) from the same list, and a
//! test checks the README's format table against it.

use std::fmt;

/// Every output format perfaudit knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Html,
    Sarif,
    Junit,
    Openmetrics,
    Csv,
    /// Collapsed stacks: the input of flamegraph.pl and inferno.
    Collapsed,
    /// speedscope's JSON file format.
    Speedscope,
}

impl Format {
    /// Every format, in the order help texts list them.
    pub const ALL: [Format; 10] = [
        Format::Text,
        Format::Json,
        Format::Markdown,
        Format::Html,
        Format::Sarif,
        Format::Junit,
        Format::Openmetrics,
        Format::Csv,
        Format::Collapsed,
        Format::Speedscope,
    ];

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Openmetrics => "openmetrics",
            Format::Csv => "csv",
            Format::Collapsed => "collapsed",
            Format::Speedscope => "speedscope",
        }
    }

    /// File name extensions that name this format (lower case, without the dot); the first is
    /// the usual one.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Format::Text => &["txt"],
            Format::Json => &["json"],
            Format::Markdown => &["md", "markdown"],
            Format::Html => &["html", "htm"],
            Format::Sarif => &["sarif"],
            Format::Junit => &["xml"],
            Format::Openmetrics => &["prom", "om"],
            Format::Csv => &["csv"],
            Format::Collapsed => &["folded", "collapsed"],
            Format::Speedscope => &["speedscope"],
        }
    }

    /// A one-line description for help texts.
    pub fn about(self) -> &'static str {
        match self {
            Format::Text => "for a terminal (the default)",
            Format::Json => "the document with its `schema` field (schemas/)",
            Format::Markdown => "tables for a pull request or a wiki",
            Format::Html => "one self-contained page",
            Format::Sarif => "SARIF 2.1.0 for code scanning",
            Format::Junit => "JUnit XML for CI test reports",
            Format::Openmetrics => "OpenMetrics text for Prometheus",
            Format::Csv => "comma-separated values",
            Format::Collapsed => "collapsed stacks for flamegraph.pl / inferno",
            Format::Speedscope => "speedscope's JSON (speedscope.app)",
        }
    }

    /// The format of this `--format` name.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The formats one kind of document supports (implemented by the enums `formats!` declares).
pub trait DocumentFormat: Copy + Eq + fmt::Debug + Send + Sync + 'static {
    /// The kind of document, as help texts and errors name it (`scan report`).
    const KIND: &'static str;
    /// The supported formats, in help order; the first is the default.
    const ALL: &'static [Self];

    fn format(self) -> Format;

    fn name(self) -> &'static str {
        self.format().name()
    }

    /// This kind's variant of `f`, if it supports it.
    fn from_format(f: Format) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.format() == f)
    }

    fn from_name(name: &str) -> Option<Self> {
        Format::from_name(name).and_then(Self::from_format)
    }

    /// The format a file name's extension names, among this kind's formats.
    fn from_extension(ext: &str) -> Option<Self> {
        let ext = ext.to_ascii_lowercase();
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.format().extensions().contains(&ext.as_str()))
    }

    /// The names of the supported formats, in help order.
    fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|f| f.name()).collect()
    }
}

/// Declares a document kind's format enum from its list of formats (used in `render.rs`, next
/// to each kind's entry point).
macro_rules! formats {
    ($(#[$meta:meta])* $name:ident, $kind:literal: $($variant:ident),+ $(,)?) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant),+
        }

        impl $crate::format::DocumentFormat for $name {
            const KIND: &'static str = $kind;
            const ALL: &'static [Self] = &[$($name::$variant),+];

            fn format(self) -> $crate::format::Format {
                match self {
                    $($name::$variant => $crate::format::Format::$variant),+
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                <Self as $crate::format::DocumentFormat>::ALL[0]
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::format::DocumentFormat::name(*self))
            }
        }
    };
}
pub(crate) use formats;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::*;

    #[test]
    fn names_and_extensions_round_trip() {
        for f in Format::ALL {
            assert_eq!(Format::from_name(f.name()), Some(f));
        }
        assert_eq!(RunFormat::from_extension("HTM"), Some(RunFormat::Html));
        assert_eq!(RunFormat::from_extension("xml"), Some(RunFormat::Junit));
        assert_eq!(RunFormat::from_extension("csv"), None);
        assert_eq!(ScanFormat::from_name("junit"), None);
        assert_eq!(LoadFormat::from_name("html"), Some(LoadFormat::Html));
        assert_eq!(MonitorFormat::default(), MonitorFormat::Text);
    }

    #[test]
    fn every_kind_lists_text_first_and_no_format_twice() {
        fn check<K: DocumentFormat>() {
            assert_eq!(K::ALL[0].format(), Format::Text, "{}", K::KIND);
            let mut names = K::names();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), K::ALL.len(), "{}", K::KIND);
        }
        check::<ScanFormat>();
        check::<RulesFormat>();
        check::<LoadFormat>();
        check::<BenchFormat>();
        check::<ImportsFormat>();
        check::<MonitorFormat>();
        check::<RunFormat>();
        check::<CompareFormat>();
        check::<HistoryFormat>();
    }
}

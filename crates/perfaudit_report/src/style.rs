//! Terminal styling: ANSI colours only when the output policy says so (NO_COLOR honoured by
//! the binary when it builds the `Style`). Text stays readable without colour.

#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    pub color: bool,
}

macro_rules! paint {
    ($name:ident, $code:expr) => {
        pub fn $name(&self, s: &str) -> String {
            if self.color {
                format!("\x1b[{}m{}\x1b[0m", $code, s)
            } else {
                s.to_string()
            }
        }
    };
}

impl Style {
    pub fn new(color: bool) -> Self {
        Style { color }
    }
    paint!(bold, "1");
    paint!(dim, "2");
    paint!(red, "31");
    paint!(green, "32");
    paint!(yellow, "33");
    paint!(blue, "34");
    paint!(cyan, "36");

    /// Colour by severity name: error red, warning yellow, info blue.
    pub fn severity(&self, sev: perfaudit_model::Severity, s: &str) -> String {
        match sev {
            perfaudit_model::Severity::Error => self.red(s),
            perfaudit_model::Severity::Warning => self.yellow(s),
            perfaudit_model::Severity::Info => self.blue(s),
        }
    }
}

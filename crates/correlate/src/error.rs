//! Errors of loading rules and of building an engine from them.

use std::fmt;
use std::path::PathBuf;

/// A correlation rule that could not be read: where it is and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// The file, when the rule came from one.
    pub file: Option<PathBuf>,
    /// The line (1-based) of the offending part, best effort.
    pub line: Option<usize>,
    /// What is wrong, in words a rule author can act on.
    pub reason: String,
}

impl ParseError {
    /// An error at `line` with no file yet (the loader adds it).
    pub fn at(line: usize, reason: impl Into<String>) -> Self {
        ParseError {
            file: None,
            line: Some(line),
            reason: reason.into(),
        }
    }

    /// The same error, attributed to `file`.
    pub fn in_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.file = Some(file.into());
        self
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{}:{line}: ", file.display())?,
            (Some(file), None) => write!(f, "{}: ", file.display())?,
            (None, Some(line)) => write!(f, "line {line}: ")?,
            (None, None) => {}
        }
        f.write_str(&self.reason)
    }
}

impl std::error::Error for ParseError {}

/// A set of correlation rules that cannot run together.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BuildError {
    /// Two correlation rules share an id or a name, so references to them are ambiguous.
    #[error("correlation rules {first:?} and {second:?} are both known as {reference:?}")]
    Duplicate {
        /// The shared id or name.
        reference: String,
        /// Title of the first rule.
        first: String,
        /// Title of the second rule.
        second: String,
    },
    /// Correlation rules reference each other in a loop.
    #[error("correlation rules reference each other in a loop: {0}")]
    Cycle(String),
    /// A count threshold can never be reached within the per-group event limit.
    #[error(
        "correlation rule {rule:?} needs more than {threshold} events in one group, \
         above max_events_per_group = {limit}; raise the limit or lower the threshold"
    )]
    ThresholdAboveLimit {
        /// Title of the rule.
        rule: String,
        /// The rule's lower bound.
        threshold: f64,
        /// The configured limit.
        limit: usize,
    },
    /// A configuration value is out of range.
    #[error("invalid correlation engine setting: {0}")]
    InvalidConfig(String),
}

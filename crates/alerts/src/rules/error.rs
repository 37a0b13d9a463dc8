//! Why a rule change was refused.

use palisade_detect::LoadFailure;

/// A refused rule change or an unreadable rule source.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The uploaded text has rules that do not load; each problem names its line.
    #[error("{}", describe(.0))]
    Invalid(Vec<LoadFailure>),
    /// The upload holds no detection or correlation rule.
    #[error("the upload holds no Sigma detection or correlation rule")]
    Empty,
    /// A rule id cannot name an upload.
    #[error("{0}")]
    BadId(String),
    /// Two rules share an id.
    #[error("{0}")]
    Conflict(String),
    /// No rule has this id.
    #[error("no rule has id {0}")]
    NotFound(String),
    /// The rule is built in or comes from a rules dir, so the API cannot change it.
    #[error("{0}")]
    NotUploaded(String),
    /// The rules load but the engines refuse them together.
    #[error("the rule set does not compile: {0}")]
    Build(String),
    /// A file could not be read or written.
    #[error("{0}")]
    Io(String),
    /// The state store failed.
    #[error(transparent)]
    State(#[from] palisade_state::StateError),
}

fn describe(problems: &[LoadFailure]) -> String {
    problems
        .iter()
        .map(|p| match p.line {
            Some(line) => format!("line {line}: {}", p.reason),
            None => p.reason.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

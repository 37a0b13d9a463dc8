//! The rules page (`/console/rules`): the rule list with enable/disable, the upload form
//! (validation problems shown inline), and a test of a rule over recent events.

use super::{EventRow, Session};
use askama::Template;

/// One rule in the list.
#[derive(Debug, Clone)]
pub struct RuleRow {
    /// The rule id.
    pub id: String,
    /// The rule id percent-encoded, for paths and query strings.
    pub id_encoded: String,
    /// Title.
    pub title: String,
    /// Level.
    pub level: String,
    /// `detection` or `correlation`.
    pub kind: String,
    /// `builtin`, `directory` or `uploaded`.
    pub origin: String,
    /// The file it is in.
    pub source: String,
    /// Whether it runs.
    pub enabled: bool,
}

/// A rule that did not load, or a problem of a tested or uploaded text.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The file (source name).
    pub file: String,
    /// The line, when known (empty otherwise).
    pub line: String,
    /// What is wrong.
    pub reason: String,
}

/// The outcome of testing a rule text over recent events.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    /// One line: how many events were read, how many matched, which rules.
    pub summary: String,
    /// The matching events, newest first.
    pub matches: Vec<EventRow>,
}

/// The rules page.
#[derive(Template)]
#[template(path = "rules.html")]
pub struct RulesPage {
    /// Who is looking.
    pub session: Session,
    /// Every rule, disabled ones included.
    pub rules: Vec<RuleRow>,
    /// Rules of the rules dirs and uploads that did not load.
    pub failures: Vec<Problem>,
    /// Whether the role may enable, disable and upload.
    pub can_write: bool,
    /// The rule text in the test box.
    pub test_text: String,
    /// How many recent events the test reads.
    pub test_events: usize,
    /// Problems of the tested text, shown under the box.
    pub test_problems: Vec<Problem>,
    /// The test's result, when one ran.
    pub test: Option<TestOutcome>,
}

//! What evaluation yields: a verdict per rule, a status per check, and the evidence behind
//! each.

use serde::Serialize;

/// The verdict of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The rule's condition holds.
    Held,
    /// It does not.
    NotHeld,
    /// The target is absent (file, /proc, program, kernel parameter): the reason.
    NotApplicable(String),
    /// The target could not be read: the reason.
    Error(String),
}

impl Verdict {
    /// `Held` or `NotHeld`.
    pub fn from_bool(held: bool) -> Verdict {
        if held {
            Verdict::Held
        } else {
            Verdict::NotHeld
        }
    }
}

/// The status of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The check's condition holds.
    Pass,
    /// It does not: a finding.
    Fail,
    /// What it checks is not there (or the policy's requirements are not met).
    NotApplicable,
    /// It could not be evaluated (unreadable file, command timed out).
    Error,
}

impl Status {
    /// `pass`, `fail`, `not_applicable` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NotApplicable => "not_applicable",
            Status::Error => "error",
        }
    }
}

/// One piece of evidence: a quoted line with its place, a file's attributes, a command's
/// output, or a note on what was (not) found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// File path (as seen from the target root) or other source (`$ sshd -T`, `/proc`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// 1-based line number within `source`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// What was seen.
    pub text: String,
}

/// Longest quoted text per evidence item (longer is cut on a character boundary).
const MAX_TEXT: usize = 400;

fn clip(text: &str) -> String {
    if text.len() <= MAX_TEXT {
        return text.to_owned();
    }
    let mut end = MAX_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

impl Evidence {
    /// A quoted line of a file or output.
    pub fn line(source: &str, line: usize, text: &str) -> Evidence {
        Evidence {
            source: Some(source.to_owned()),
            line: Some(line),
            text: clip(text),
        }
    }

    /// An observation about a source (a file's mode, a socket).
    pub fn about(source: &str, text: impl Into<String>) -> Evidence {
        Evidence {
            source: Some(source.to_owned()),
            line: None,
            text: clip(&text.into()),
        }
    }

    /// A note without a place.
    pub fn note(text: impl Into<String>) -> Evidence {
        Evidence {
            source: None,
            line: None,
            text: clip(&text.into()),
        }
    }
}

/// The result of one check, with everything an auditor needs to see why.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    /// The policy's id.
    pub policy: String,
    /// The check's id.
    pub id: String,
    /// The check's title.
    pub title: String,
    /// `informational` … `critical`.
    pub severity: &'static str,
    /// Pass, fail, not applicable or error.
    pub status: Status,
    /// Why the status is what it is, in one line.
    pub reason: String,
    /// Why it matters.
    pub rationale: String,
    /// How to fix it.
    pub remediation: String,
    /// References.
    pub references: Vec<String>,
    /// CSA CCM v4 control ids.
    pub ccm: Vec<String>,
    /// What was seen.
    pub evidence: Vec<Evidence>,
}

/// Counts of results by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Checks that passed.
    pub pass: usize,
    /// Checks that failed.
    pub fail: usize,
    /// Checks that did not apply.
    pub not_applicable: usize,
    /// Checks that could not be evaluated.
    pub error: usize,
}

impl Summary {
    /// Counts the results.
    pub fn of(results: &[CheckResult]) -> Summary {
        let mut s = Summary::default();
        for r in results {
            match r.status {
                Status::Pass => s.pass += 1,
                Status::Fail => s.fail += 1,
                Status::NotApplicable => s.not_applicable += 1,
                Status::Error => s.error += 1,
            }
        }
        s
    }

    /// Checks that applied (passed, failed or errored).
    pub fn applicable(&self) -> usize {
        self.pass + self.fail + self.error
    }
}

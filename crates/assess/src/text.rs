//! Line tests shared by file contents, directory contents, command output and kernel
//! parameters: a regex, an optional test of its captured value, and which lines count.

use crate::outcome::{Evidence, Verdict};
use regex::Regex;

/// What `line:` does when no line matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Absent {
    /// The rule does not hold.
    Fail,
    /// The rule holds (the built-in default is the secure one).
    Pass,
    /// The rule does not apply.
    NotApplicable,
}

/// Which of the matching lines `line:` judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// The first (where the program reads the first occurrence, as sshd does).
    First,
    /// The last (where a later line overrides an earlier one).
    Last,
    /// Holds when any matching line passes the value test.
    Any,
    /// Holds when every matching line passes the value test.
    All,
}

/// A numeric comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

/// Tests of one captured value; every present test must hold.
#[derive(Debug, Clone, Default)]
pub struct ValueTest {
    /// Numeric comparison with a constant.
    pub compare: Option<(CompareOp, f64)>,
    /// Allowed values, lowercase.
    pub is: Vec<String>,
    /// Forbidden values, lowercase.
    pub is_not: Vec<String>,
}

impl ValueTest {
    /// Whether no test is present.
    pub fn is_empty(&self) -> bool {
        self.compare.is_none() && self.is.is_empty() && self.is_not.is_empty()
    }

    /// Whether `value` passes every test. A comparison reads the first number in the
    /// value (`"4096 131072"` compares as 4096); no number fails it.
    pub fn holds(&self, value: &str) -> bool {
        let norm = value.split_whitespace().collect::<Vec<_>>().join(" ");
        let lower = norm.to_ascii_lowercase();
        if let Some((op, rhs)) = self.compare {
            let Some(lhs) = first_number(&norm) else {
                return false;
            };
            let ok = match op {
                CompareOp::Lt => lhs < rhs,
                CompareOp::Le => lhs <= rhs,
                CompareOp::Gt => lhs > rhs,
                CompareOp::Ge => lhs >= rhs,
                CompareOp::Eq => lhs == rhs,
                CompareOp::Ne => lhs != rhs,
            };
            if !ok {
                return false;
            }
        }
        (self.is.is_empty() || self.is.contains(&lower)) && !self.is_not.contains(&lower)
    }
}

/// Parses `"<= 365"`.
pub fn parse_compare(text: &str) -> Result<(CompareOp, f64), String> {
    let t = text.trim();
    let (op, rest) = [
        ("<=", CompareOp::Le),
        (">=", CompareOp::Ge),
        ("==", CompareOp::Eq),
        ("!=", CompareOp::Ne),
        ("<", CompareOp::Lt),
        (">", CompareOp::Gt),
    ]
    .iter()
    .find_map(|(sym, op)| t.strip_prefix(sym).map(|r| (*op, r)))
    .ok_or_else(|| format!("compare {text:?}: start with <, <=, >, >=, == or !="))?;
    let n = rest
        .trim()
        .parse::<f64>()
        .map_err(|_| format!("compare {text:?}: {:?} is not a number", rest.trim()))?;
    Ok((op, n))
}

fn first_number(text: &str) -> Option<f64> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .find(|s| !s.is_empty() && s.parse::<f64>().is_ok())
        .and_then(|s| s.parse().ok())
}

/// One line of input with where it came from.
#[derive(Debug, Clone)]
pub struct SourceLine<'a> {
    /// File path (as the policy names it) or a label such as `$ sshd -T`.
    pub source: &'a str,
    /// 1-based line number.
    pub number: usize,
    /// The line without its end.
    pub text: &'a str,
}

/// `line:` or `no_line:` with its value test.
#[derive(Debug, Clone)]
pub struct LineTest {
    /// The pattern.
    pub pattern: Regex,
    /// `true` for `no_line:`.
    pub negated: bool,
    /// Test of capture group 1 (or the whole match without groups).
    pub value: ValueTest,
    /// Which matching lines `line:` judges.
    pub pick: Pick,
    /// What `line:` does with no matching line.
    pub absent: Absent,
    /// Comment prefix; empty keeps every line.
    pub comment: String,
}

/// At most this many lines are quoted as evidence for one rule.
const MAX_QUOTED: usize = 5;

impl LineTest {
    /// Whether a line is a comment to skip.
    pub fn is_comment(&self, text: &str) -> bool {
        !self.comment.is_empty() && text.trim_start().starts_with(self.comment.as_str())
    }

    /// Judges the lines, recording the lines it relied on.
    pub fn judge(&self, lines: &[SourceLine<'_>], evidence: &mut Vec<Evidence>) -> Verdict {
        let matches: Vec<(&SourceLine<'_>, String)> = lines
            .iter()
            .filter(|l| !self.is_comment(l.text))
            .filter_map(|l| {
                let caps = self.pattern.captures(l.text)?;
                let value = caps.get(1).or_else(|| caps.get(0))?.as_str().to_owned();
                Some((l, value))
            })
            .collect();
        let quote = |evidence: &mut Vec<Evidence>, items: &[&(&SourceLine<'_>, String)]| {
            for (l, _) in items.iter().take(MAX_QUOTED) {
                evidence.push(Evidence::line(l.source, l.number, l.text));
            }
        };
        if self.negated {
            let offending: Vec<_> = matches
                .iter()
                .filter(|(_, v)| self.value.holds(v))
                .collect();
            if offending.is_empty() {
                evidence.push(Evidence::note(format!(
                    "no line matches /{}/",
                    self.pattern
                )));
                return Verdict::Held;
            }
            quote(evidence, &offending);
            return Verdict::NotHeld;
        }
        if matches.is_empty() {
            evidence.push(Evidence::note(format!(
                "no line matches /{}/",
                self.pattern
            )));
            return match self.absent {
                Absent::Pass => Verdict::Held,
                Absent::Fail => Verdict::NotHeld,
                Absent::NotApplicable => {
                    Verdict::NotApplicable(format!("no line matches /{}/", self.pattern))
                }
            };
        }
        let judged: Vec<_> = match self.pick {
            Pick::First => matches.iter().take(1).collect(),
            Pick::Last => matches.iter().rev().take(1).collect(),
            Pick::Any | Pick::All => matches.iter().collect(),
        };
        let passing = judged.iter().filter(|(_, v)| self.value.holds(v)).count();
        let held = match self.pick {
            Pick::Any => passing > 0,
            _ => passing == judged.len(),
        };
        quote(evidence, &judged);
        Verdict::from_bool(held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test(pattern: &str, negated: bool, value: ValueTest, pick: Pick) -> LineTest {
        LineTest {
            pattern: Regex::new(pattern).unwrap(),
            negated,
            value,
            pick,
            absent: Absent::Fail,
            comment: "#".into(),
        }
    }

    fn lines(text: &str) -> Vec<SourceLine<'_>> {
        text.lines()
            .enumerate()
            .map(|(i, t)| SourceLine {
                source: "f",
                number: i + 1,
                text: t,
            })
            .collect()
    }

    #[test]
    fn first_occurrence_wins_and_comments_are_skipped() {
        let t = test(
            r"^\s*PermitRootLogin\s+(\S+)",
            false,
            ValueTest {
                is: vec!["no".into()],
                ..Default::default()
            },
            Pick::First,
        );
        let mut ev = Vec::new();
        let input = lines("#PermitRootLogin no\nPermitRootLogin yes\nPermitRootLogin no\n");
        assert_eq!(t.judge(&input, &mut ev), Verdict::NotHeld);
        assert_eq!(ev[0].line, Some(2));
    }

    #[test]
    fn numeric_comparison_reads_the_capture() {
        let (op, n) = parse_compare("<= 90").unwrap();
        let t = test(
            r"^PASS_MAX_DAYS\s+(\d+)",
            false,
            ValueTest {
                compare: Some((op, n)),
                ..Default::default()
            },
            Pick::Last,
        );
        let mut ev = Vec::new();
        assert_eq!(
            t.judge(&lines("PASS_MAX_DAYS 99999\nPASS_MAX_DAYS 60"), &mut ev),
            Verdict::Held
        );
        assert_eq!(
            t.judge(&lines("PASS_MAX_DAYS 99999"), &mut ev),
            Verdict::NotHeld
        );
        assert!(parse_compare("~ 3").is_err());
        assert!(parse_compare("< x").is_err());
    }

    #[test]
    fn no_line_with_exception_finds_other_uid_zero_accounts() {
        let t = test(
            r"^([^:]+):[^:]*:0:",
            true,
            ValueTest {
                is_not: vec!["root".into()],
                ..Default::default()
            },
            Pick::First,
        );
        let mut ev = Vec::new();
        assert_eq!(
            t.judge(&lines("root:x:0:0::/root:/bin/sh"), &mut ev),
            Verdict::Held
        );
        assert_eq!(
            t.judge(
                &lines("root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/:/bin/sh"),
                &mut ev
            ),
            Verdict::NotHeld
        );
        assert_eq!(ev.last().unwrap().line, Some(2));
    }
}

//! `dir` rules: entry names and the lines of selected entries.

use super::file::{judge_texts, read_text};
use crate::outcome::{Evidence, Verdict};
use crate::target::Target;
use crate::text::LineTest;
use regex::Regex;

/// Most entries listed in the evidence.
const MAX_LISTED: usize = 20;

/// A `dir` rule's parts.
pub struct DirRule<'a> {
    /// The directory.
    pub path: &'a str,
    /// Must (not) exist.
    pub exists: Option<bool>,
    /// Some entry must match.
    pub entry: &'a Option<Regex>,
    /// No entry may match.
    pub no_entry: &'a Option<Regex>,
    /// Entries whose lines are tested.
    pub files: &'a Option<Regex>,
    /// The line test.
    pub text: Option<&'a LineTest>,
}

/// Evaluates a dir rule.
pub fn evaluate(target: &Target, rule: DirRule<'_>, evidence: &mut Vec<Evidence>) -> Verdict {
    let listing = target.resolve(rule.path, true).and_then(std::fs::read_dir);
    let entries = match listing {
        Ok(it) => {
            let mut names: Vec<String> = it
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            evidence.push(Evidence::about(rule.path, "does not exist"));
            return match rule.exists {
                Some(true) => Verdict::NotHeld,
                Some(false) => Verdict::Held,
                None => Verdict::NotApplicable(format!("{} does not exist", rule.path)),
            };
        }
        Err(e) => return Verdict::Error(format!("cannot list {}: {e}", rule.path)),
    };
    if rule.exists == Some(false) {
        evidence.push(Evidence::about(rule.path, "exists"));
        return Verdict::NotHeld;
    }
    let listed: Vec<&str> = entries
        .iter()
        .take(MAX_LISTED)
        .map(String::as_str)
        .collect();
    evidence.push(Evidence::about(
        rule.path,
        format!("{} entries: {}", entries.len(), listed.join(" ")),
    ));
    if let Some(re) = rule.entry {
        if !entries.iter().any(|n| re.is_match(n)) {
            evidence.push(Evidence::note(format!("no entry matches /{re}/")));
            return Verdict::NotHeld;
        }
    }
    if let Some(re) = rule.no_entry {
        let bad: Vec<&String> = entries.iter().filter(|n| re.is_match(n)).collect();
        if !bad.is_empty() {
            for b in bad.iter().take(MAX_LISTED) {
                evidence.push(Evidence::about(
                    &format!("{}/{b}", rule.path.trim_end_matches('/')),
                    "present",
                ));
            }
            return Verdict::NotHeld;
        }
    }
    let Some(text) = rule.text else {
        return Verdict::Held;
    };
    let mut texts = Vec::new();
    for name in entries
        .iter()
        .filter(|n| rule.files.as_ref().is_none_or(|re| re.is_match(n)))
    {
        let path = format!("{}/{name}", rule.path.trim_end_matches('/'));
        let is_file = target
            .resolve(&path, true)
            .and_then(std::fs::metadata)
            .map(|m| m.is_file());
        if !matches!(is_file, Ok(true)) {
            continue;
        }
        match read_text(target, &path) {
            Ok(t) => texts.push((path, t)),
            Err(e) => return Verdict::Error(format!("cannot read {path}: {e}")),
        }
    }
    judge_texts(&texts, text, evidence)
}

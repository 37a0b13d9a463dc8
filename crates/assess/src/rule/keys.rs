//! Reading a rule's keys: regexes, value and line tests, modes, and which keys fit which
//! target.

use crate::spec::{OneOrMany, RuleSpec, Scalar};
use crate::text::{parse_compare, Absent, LineTest, Pick, ValueTest};
use regex::Regex;

pub(super) fn regex(key: &str, pattern: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|e| format!("{key}: invalid regex {pattern:?}: {e}"))
}

pub(super) fn texts(v: &Option<OneOrMany<Scalar>>) -> Vec<String> {
    v.clone()
        .map(|v| {
            v.into_vec()
                .iter()
                .map(|s| s.text().to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn value_test(spec: &RuleSpec) -> Result<ValueTest, String> {
    Ok(ValueTest {
        compare: spec.compare.as_deref().map(parse_compare).transpose()?,
        is: texts(&spec.is),
        is_not: texts(&spec.is_not),
    })
}

pub(super) fn line_test(spec: &RuleSpec) -> Result<Option<LineTest>, String> {
    let (pattern, negated) = match (&spec.line, &spec.no_line) {
        (Some(_), Some(_)) => return Err("use either line or no_line, not both".into()),
        (Some(p), None) => (regex("line", p)?, false),
        (None, Some(p)) => (regex("no_line", p)?, true),
        (None, None) => return Ok(None),
    };
    let pick = match spec.pick.as_deref() {
        None | Some("first") => Pick::First,
        Some("last") => Pick::Last,
        Some("any") => Pick::Any,
        Some("all") => Pick::All,
        Some(other) => return Err(format!("pick {other:?}: use first, last, any or all")),
    };
    let absent = match spec.absent.as_deref() {
        None | Some("fail") => Absent::Fail,
        Some("pass") => Absent::Pass,
        Some("not_applicable") => Absent::NotApplicable,
        Some(other) => {
            return Err(format!(
                "absent {other:?}: use fail, pass or not_applicable"
            ))
        }
    };
    Ok(Some(LineTest {
        pattern,
        negated,
        value: value_test(spec)?,
        pick,
        absent,
        comment: spec.comment.clone().unwrap_or_else(|| "#".into()),
    }))
}

pub(super) fn parse_mode(s: &Scalar) -> Result<u32, String> {
    let text = s.text();
    u32::from_str_radix(text.trim_start_matches("0o"), 8)
        .ok()
        .filter(|m| *m <= 0o7777)
        .ok_or_else(|| format!("mode_max {text:?}: write an octal mode such as \"0640\""))
}

/// The keys set in a spec besides the target key, for "not allowed here" errors.
fn set_keys(s: &RuleSpec) -> Vec<&'static str> {
    let flags = [
        ("exists", s.exists.is_some()),
        ("type", s.kind.is_some()),
        ("mode_max", s.mode_max.is_some()),
        ("owner", s.owner.is_some()),
        ("group", s.group.is_some()),
        ("line", s.line.is_some()),
        ("no_line", s.no_line.is_some()),
        ("pick", s.pick.is_some()),
        ("compare", s.compare.is_some()),
        ("is", s.is.is_some()),
        ("is_not", s.is_not.is_some()),
        ("absent", s.absent.is_some()),
        ("comment", s.comment.is_some()),
        ("entry", s.entry.is_some()),
        ("no_entry", s.no_entry.is_some()),
        ("files", s.files.is_some()),
        ("running", s.running.is_some()),
        ("proto", s.proto.is_some()),
        ("listening", s.listening.is_some()),
        ("public", s.public.is_some()),
        ("timeout", s.timeout.is_some()),
        ("exit", s.exit.is_some()),
    ];
    flags
        .iter()
        .filter(|(_, set)| *set)
        .map(|(k, _)| *k)
        .collect()
}

const TEXT_KEYS: [&str; 8] = [
    "line", "no_line", "pick", "compare", "is", "is_not", "absent", "comment",
];

pub(super) fn only(spec: &RuleSpec, target: &str, allowed: &[&str]) -> Result<(), String> {
    match set_keys(spec).into_iter().find(|k| !allowed.contains(k)) {
        Some(k) => Err(format!("{k} does not apply to a {target} rule")),
        None => Ok(()),
    }
}

pub(super) fn with_text(extra: &[&'static str]) -> Vec<&'static str> {
    extra.iter().chain(TEXT_KEYS.iter()).copied().collect()
}

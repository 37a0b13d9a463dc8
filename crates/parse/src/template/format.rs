//! Loghub-style header formats: `<Date> <Time> <Level> <Component>: <Content>`.
//!
//! A format names fields in angle brackets; the text between them is a regular expression
//! fragment (so `\[` is a literal bracket and `(\[<PID>\])?` an optional part), where every run
//! of spaces matches any run of white space. Each field matches as little as it can, and the
//! whole line must match. One field must be called `Content`: it is what the miner sees.

use regex::{CaptureLocations, Regex};
use std::fmt;

/// Why a header format string was refused.
#[derive(Debug)]
pub enum FormatError {
    /// No `<Content>` field.
    NoContent,
    /// A `<` without a matching `>`, or an empty or repeated field name.
    BadField(String),
    /// The format does not compile as a regular expression.
    Regex(regex::Error),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::NoContent => f.write_str(
                "the log format has no <Content> field (example: \"<Date> <Time> <Level>: <Content>\")",
            ),
            FormatError::BadField(why) => write!(f, "bad field in the log format: {why}"),
            FormatError::Regex(e) => write!(f, "the log format is not a valid pattern: {e}"),
        }
    }
}

impl std::error::Error for FormatError {}

/// A compiled header format.
#[derive(Debug, Clone)]
pub struct HeaderFormat {
    regex: Regex,
    /// When `<Content>` ends the format: the part before it alone, with no capture groups,
    /// which the regex engine's DFA matches several times faster than the capturing whole.
    /// Content is then the rest of the line (the whole pattern's preferred match has the same
    /// prefix, since `(?P<Content>.*?)$` matches any rest without a newline).
    prefix: Option<Regex>,
    /// The regex-free matcher, when the format is simple enough ([`super::scan`]).
    simple: Option<super::scan::SimpleFormat>,
    content_group: usize,
    fields: Vec<String>,
}

impl HeaderFormat {
    /// Compiles a format string.
    pub fn parse(format: &str) -> Result<Self, FormatError> {
        let mut pattern = String::from("^");
        let mut prefix = String::from("^");
        let mut fields: Vec<String> = Vec::new();
        let mut rest = format;
        while let Some(open) = rest.find('<') {
            push_literal(&mut pattern, &rest[..open]);
            if !fields.iter().any(|f| f == "Content") {
                push_literal(&mut prefix, &rest[..open]);
            }
            let after = &rest[open + 1..];
            let close = after
                .find('>')
                .ok_or_else(|| FormatError::BadField(format!("unclosed '<' in {rest:?}")))?;
            let name = &after[..close];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(FormatError::BadField(format!(
                    "field name {name:?} must be letters, digits or '_'"
                )));
            }
            if fields.iter().any(|f| f == name) {
                return Err(FormatError::BadField(format!(
                    "field <{name}> appears twice"
                )));
            }
            pattern.push_str("(?P<");
            pattern.push_str(name);
            pattern.push_str(">.*?)");
            if !fields.iter().any(|f| f == "Content") && name != "Content" {
                prefix.push_str("(?:.*?)");
            }
            fields.push(name.to_owned());
            rest = &after[close + 1..];
        }
        push_literal(&mut pattern, rest);
        pattern.push('$');
        if !fields.iter().any(|f| f == "Content") {
            return Err(FormatError::NoContent);
        }
        let regex = Regex::new(&pattern).map_err(FormatError::Regex)?;
        let content_last = fields.last().is_some_and(|f| f == "Content") && rest.is_empty();
        let prefix = content_last.then(|| Regex::new(&prefix).ok()).flatten();
        let content_group = regex
            .capture_names()
            .position(|name| name == Some("Content"))
            .ok_or(FormatError::NoContent)?;
        Ok(HeaderFormat {
            regex,
            prefix,
            simple: super::scan::SimpleFormat::new(format),
            content_group,
            fields,
        })
    }

    /// The field names, in order.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// Room for one match's positions; reuse it across lines.
    pub fn locations(&self) -> CaptureLocations {
        self.regex.capture_locations()
    }

    /// The `<Content>` of a line (trimmed of surrounding white space first), or `None` when
    /// the line does not match the format.
    pub fn content<'l>(&self, line: &'l str, locations: &mut CaptureLocations) -> Option<&'l str> {
        let line = line.trim();
        if memchr::memchr(b'\n', line.as_bytes()).is_none() {
            return self.content_of_line(line, locations);
        }
        self.whole_pattern(line, locations)
    }

    /// [`HeaderFormat::content`] for a line already known to hold no `\n` (offline mining
    /// splits its input at them).
    pub(super) fn content_of_line<'l>(
        &self,
        line: &'l str,
        locations: &mut CaptureLocations,
    ) -> Option<&'l str> {
        let line = line.trim();
        if let Some(start) = self.simple.as_ref().and_then(|s| s.content_start(line)) {
            return Some(&line[start..]);
        }
        if let Some(prefix) = &self.prefix {
            return prefix.find(line).map(|m| &line[m.end()..]);
        }
        self.whole_pattern(line, locations)
    }

    /// The `<Content>` group of the capturing pattern.
    fn whole_pattern<'l>(
        &self,
        line: &'l str,
        locations: &mut CaptureLocations,
    ) -> Option<&'l str> {
        self.regex.captures_read(locations, line)?;
        let (start, end) = locations.get(self.content_group)?;
        Some(&line[start..end])
    }
}

/// Appends literal format text: runs of spaces become `\s+`, the rest is kept as written.
fn push_literal(pattern: &mut String, literal: &str) {
    let mut in_spaces = false;
    for c in literal.chars() {
        if c == ' ' {
            if !in_spaces {
                pattern.push_str(r"\s+");
            }
            in_spaces = true;
        } else {
            pattern.push(c);
            in_spaces = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_field_is_cut_out_of_matching_lines() {
        let format = HeaderFormat::parse("<Date> <Time> <Level> <Component>: <Content>").unwrap();
        let mut at = format.locations();
        assert_eq!(
            format.content(
                "081109 203615 INFO dfs.DataNode: Receiving block x",
                &mut at
            ),
            Some("Receiving block x")
        );
        assert_eq!(format.content("no colon here", &mut at), None);
        assert_eq!(
            format.fields(),
            ["Date", "Time", "Level", "Component", "Content"]
        );
    }

    #[test]
    fn regex_fragments_and_optional_parts_work_as_in_loghub() {
        let format = HeaderFormat::parse(
            r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>",
        )
        .unwrap();
        let mut at = format.locations();
        let line = "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; x";
        assert_eq!(
            format.content(line, &mut at),
            Some("authentication failure; x")
        );
        let line = "Jun 15 04:06:18 combo su: session opened";
        assert_eq!(format.content(line, &mut at), Some("session opened"));
        let apache = HeaderFormat::parse(r"\[<Time>\] \[<Level>\] <Content>").unwrap();
        let line = "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok";
        let mut at = apache.locations();
        assert_eq!(apache.content(line, &mut at), Some("workerEnv.init() ok"));
    }

    #[test]
    fn the_fast_prefix_path_agrees_with_the_whole_pattern() {
        for format in [
            r"<A> <B>(\[<C>\])?: <Content>",
            r"\[<A>\] <B>: <Content>",
            "<A> <B> - <C>:  <Content>",
        ] {
            let format = HeaderFormat::parse(format).unwrap();
            let whole = HeaderFormat {
                prefix: None,
                simple: None,
                ..format.clone()
            };
            let mut at = format.locations();
            for line in [
                "[a] b: c",
                "[a b] c d: e: f",
                "a b - c:  d",
                "a b - c - d:  e",
                "a  b -  c:d",
                "a b[1]: c d: e",
                "a  b: c",
                "a b c d: e",
                "a b:c",
                "ab: c",
                "a b[x]:  spaced  content ",
                "",
                "é b: c",
            ] {
                assert_eq!(
                    format.content(line, &mut at),
                    whole.content(line, &mut at),
                    "{line:?}"
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn the_fast_paths_agree_with_the_whole_pattern_on_any_line(line in "[ab:\\[\\] \t\x0b\u{a0}é-]{0,24}") {
            for format in [r"\[<A>\] <B> - <C>: <Content>", r"<A> <B>(\[<C>\])?: <Content>", r"<A>(\[<B>\] -)?: <Content>"] {
                let format = HeaderFormat::parse(format).unwrap();
                proptest::prop_assert!(format.simple.is_some());
                let whole = HeaderFormat { prefix: None, simple: None, ..format.clone() };
                let mut at = format.locations();
                proptest::prop_assert_eq!(format.content(&line, &mut at), whole.content(&line, &mut at));
            }
        }
    }

    #[test]
    fn bad_formats_are_refused_with_a_reason() {
        for (format, says) in [
            ("<Date> <Time>", "no <Content>"),
            ("<Date <Content>", "must be letters"),
            ("<Date> <Content", "unclosed"),
            ("<A> <A> <Content>", "twice"),
            ("(<Date> <Content>", "not a valid pattern"),
        ] {
            let error = HeaderFormat::parse(format).unwrap_err().to_string();
            assert!(error.contains(says), "{format}: {error}");
        }
    }
}

//! The `template` step: a mined template promoted to a parser. The template's text
//! (`Failed password for <*> from <*> port <*>`) becomes an anchored regular expression whose
//! wildcards capture into the named fields; an unparsed event whose message fits is marked
//! parsed by the chain.

use crate::template::mask::WILDCARD;
use palisade_core::{fields, Event, FieldName, Value};
use regex::Regex;

/// A compiled `template` step.
#[derive(Debug)]
pub(crate) struct TemplateStep {
    regex: Regex,
    /// The field each capture group fills, in wildcard order (unnamed wildcards capture nothing).
    fields: Vec<String>,
    /// The chain's name, written to `metadata.parser` on a match.
    parser: String,
}

impl TemplateStep {
    /// Compiles `template` with one field name per wildcard (an empty name, or a missing one at
    /// the end, leaves that wildcard unnamed).
    pub(crate) fn new(template: &str, names: Vec<String>, parser: &str) -> Result<Self, String> {
        let wildcards = template.matches(WILDCARD).count();
        if wildcards == 0 {
            return Err(format!(
                "template {template:?} has no {WILDCARD} to capture"
            ));
        }
        if names.len() > wildcards {
            return Err(format!(
                "{} field names for a template with {wildcards} wildcards",
                names.len()
            ));
        }
        let mut pattern = String::from(r"^\s*");
        let mut fields = Vec::new();
        let mut names = names.into_iter();
        for (i, token) in template.split_whitespace().enumerate() {
            if i > 0 {
                pattern.push_str(r"\s+");
            }
            let mut pieces = token.split(WILDCARD).peekable();
            while let Some(literal) = pieces.next() {
                pattern.push_str(&regex::escape(literal));
                let Some(next) = pieces.peek() else { break };
                // A wildcard with literal text after it in the token stops at the shortest fit.
                let lazy = if next.is_empty() { "" } else { "?" };
                match names.next().filter(|name| !name.is_empty()) {
                    Some(name) => {
                        pattern.push_str(&format!(r"(\S+{lazy})"));
                        fields.push(name);
                    }
                    None => pattern.push_str(&format!(r"(?:\S+{lazy})")),
                }
            }
        }
        pattern.push_str(r"\s*$");
        let regex = Regex::new(&pattern).map_err(|e| format!("template: {e}"))?;
        Ok(TemplateStep {
            regex,
            fields,
            parser: parser.to_owned(),
        })
    }

    /// Parses an unparsed event whose message fits the template; leaves others alone.
    pub(crate) fn apply(&self, event: &mut Event) {
        if !matches!(event.get(fields::UNPARSED), Some(Value::Bool(true))) {
            return;
        }
        let Some(message) = event.get_str(fields::MESSAGE).map(str::to_owned) else {
            return;
        };
        let Some(found) = self.regex.captures(&message) else {
            return;
        };
        for (field, group) in self.fields.iter().zip(found.iter().skip(1)) {
            if let Some(group) = group {
                event.set(FieldName::Owned(field.clone()), Value::from(group.as_str()));
            }
        }
        event.remove(fields::UNPARSED);
        event.set(fields::PARSER, self.parser.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_core::TenantId;

    fn unparsed(message: &str) -> Event {
        let mut event = Event::new(1, TenantId::default(), 0);
        event.set(fields::MESSAGE, message);
        event.set(fields::UNPARSED, true);
        event
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn wildcards_fill_the_named_fields_and_mark_the_event_parsed() {
        let step = TemplateStep::new(
            "Failed password for <*> from <*> port <*> ssh2",
            names(&["user.name", "src_endpoint.ip", ""]),
            "ssh-failures",
        )
        .unwrap();
        let mut event = unparsed("Failed password for root from 10.0.0.9 port 4242 ssh2");
        step.apply(&mut event);
        assert_eq!(event.get_str("user.name"), Some("root"));
        assert_eq!(event.get_str("src_endpoint.ip"), Some("10.0.0.9"));
        assert_eq!(event.get(fields::UNPARSED), None);
        assert_eq!(event.get_str(fields::PARSER), Some("ssh-failures"));
    }

    #[test]
    fn wildcards_inside_a_token_keep_the_literal_parts() {
        let step =
            TemplateStep::new("size=<*> blk_-<*> done", names(&["size", "block"]), "p").unwrap();
        let mut event = unparsed("size=42 blk_-1608 done");
        step.apply(&mut event);
        assert_eq!(event.get_str("size"), Some("42"));
        assert_eq!(event.get_str("block"), Some("1608"));
    }

    #[test]
    fn other_lines_and_parsed_events_are_left_alone() {
        let step = TemplateStep::new("disk <*> full", names(&["disk"]), "p").unwrap();
        let mut other = unparsed("disk 3 is full");
        step.apply(&mut other);
        assert_eq!(other.get(fields::UNPARSED), Some(&Value::Bool(true)));
        let mut parsed = Event::new(2, TenantId::default(), 0);
        parsed.set(fields::MESSAGE, "disk 3 full");
        step.apply(&mut parsed);
        assert_eq!(parsed.get("disk"), None);
    }

    #[test]
    fn bad_templates_are_refused_with_the_reason() {
        assert!(TemplateStep::new("no wildcard", vec![], "p")
            .unwrap_err()
            .contains("no <*>"));
        assert!(TemplateStep::new("a <*>", names(&["x", "y"]), "p")
            .unwrap_err()
            .contains("2 field names"));
    }
}

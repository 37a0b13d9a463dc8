//! Builds one [`FieldTest`] from a `Field|modifiers` key and its value(s).

use super::modifiers::{encode, Modifiers, Position};
use super::pattern::{SigmaString, StringMatcher};
use super::value::{Cidr, Comparison, ValueMatcher};
use super::{FieldKey, FieldTest, TestKind};
use std::collections::HashMap;
use yaml_rust2::Yaml;

/// Values for `expand` placeholders: `%name%` → the strings it stands for.
pub type Placeholders = HashMap<String, Vec<String>>;

/// Builds the test for `key` (`Field|mod|mod`; an empty field name means keywords).
pub(crate) fn build_field_test(
    key: &str,
    value: &Yaml,
    placeholders: &Placeholders,
) -> Result<FieldTest, String> {
    let mut parts = key.split('|');
    let name = parts.next().unwrap_or_default();
    let mut modifiers = Modifiers::parse(parts).map_err(|e| format!("field '{key}': {e}"))?;
    let field = (!name.is_empty()).then(|| FieldKey::new(name));
    // Keywords are searched for inside the event's text, as full-text search does.
    if field.is_none() && modifiers.position == Position::Whole {
        modifiers.position = Position::Anywhere;
    }
    let raw_values: Vec<&Yaml> = match value {
        Yaml::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    let mut texts = Vec::with_capacity(raw_values.len());
    let mut or_null = false;
    for raw in raw_values {
        match scalar_text(raw) {
            Ok(Some(text)) => texts.push(text),
            Ok(None) => or_null = true,
            Err(e) => return Err(format!("field '{key}': {e}")),
        }
    }
    let kind = build_kind(&modifiers, texts, or_null, placeholders)
        .map_err(|e| format!("field '{key}': {e}"))?;
    if field.is_none() && !matches!(kind, TestKind::Values { .. }) {
        return Err(format!("keyword search '{key}' can only hold values"));
    }
    Ok(FieldTest { field, kind })
}

/// A YAML scalar as Sigma text (`None` for `null`).
fn scalar_text(value: &Yaml) -> Result<Option<String>, String> {
    match value {
        Yaml::String(s) | Yaml::Real(s) => Ok(Some(s.clone())),
        Yaml::Integer(i) => Ok(Some(i.to_string())),
        Yaml::Boolean(b) => Ok(Some(b.to_string())),
        Yaml::Null => Ok(None),
        _ => Err("values must be strings, numbers, booleans or null".into()),
    }
}

fn build_kind(
    m: &Modifiers,
    texts: Vec<String>,
    or_null: bool,
    placeholders: &Placeholders,
) -> Result<TestKind, String> {
    if m.exists {
        return match texts.as_slice() {
            [t] if t == "true" => Ok(TestKind::Exists(true)),
            [t] if t == "false" => Ok(TestKind::Exists(false)),
            _ => Err("'exists' takes true or false".into()),
        };
    }
    if texts.is_empty() && or_null {
        return Ok(TestKind::Null);
    }
    let texts = if m.expand {
        expand(texts, placeholders)?
    } else {
        texts
    };
    if m.fieldref {
        return Ok(TestKind::SameAs {
            others: texts.iter().map(|t| FieldKey::new(t)).collect(),
            position: m.position,
            cased: m.cased,
            all: m.all,
            negate: m.neq,
        });
    }
    let mut matchers = Vec::with_capacity(texts.len());
    for text in &texts {
        matchers.extend(value_matchers(m, text)?);
    }
    Ok(TestKind::Values {
        matchers,
        all: m.all,
        negate: m.neq,
        or_null,
    })
}

/// The matchers one value stands for (several for `base64offset`).
fn value_matchers(m: &Modifiers, text: &str) -> Result<Vec<ValueMatcher>, String> {
    let number = || {
        text.trim()
            .parse::<f64>()
            .map_err(|_| format!("{text:?} is not a number"))
    };
    if let Some(flags) = m.regex {
        let re = regex::RegexBuilder::new(text)
            .case_insensitive(flags.ignore_case)
            .multi_line(flags.multi_line)
            .dot_matches_new_line(flags.dot_all)
            .size_limit(1 << 22)
            .build()
            .map_err(|e| format!("invalid regular expression {text:?}: {e}"))?;
        return Ok(vec![ValueMatcher::Regex(re)]);
    }
    if m.cidr {
        return Ok(vec![ValueMatcher::Network(Cidr::parse(text)?)]);
    }
    if let Some(part) = m.time_part {
        let cmp = m.comparison.unwrap_or(Comparison::Eq);
        return Ok(vec![ValueMatcher::Time(part, cmp, number()?)]);
    }
    if let Some(cmp) = m.comparison {
        return Ok(vec![ValueMatcher::Number(cmp, number()?)]);
    }
    let (before, after) = match m.position {
        Position::Whole => (false, false),
        Position::Anywhere => (true, true),
        Position::Start => (false, true),
        Position::End => (true, false),
    };
    if !m.encodings.is_empty() {
        return encode(text, &m.encodings)
            .into_iter()
            .map(|variant| {
                let s = SigmaString::literal(&variant).wrap(before, after);
                StringMatcher::new(&s, true).map(ValueMatcher::Text)
            })
            .collect();
    }
    let mut s = SigmaString::parse(text);
    if m.windash {
        s = s.windash();
    }
    let s = s.wrap(before, after);
    Ok(vec![ValueMatcher::Text(StringMatcher::new(&s, m.cased)?)])
}

/// Replaces every `%name%` placeholder with each of its configured values.
fn expand(texts: Vec<String>, placeholders: &Placeholders) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for text in texts {
        let mut variants = vec![String::new()];
        let mut rest = text.as_str();
        while let Some(start) = rest.find('%') {
            let Some(len) = rest[start + 1..].find('%') else {
                break;
            };
            let name = &rest[start + 1..start + 1 + len];
            let values = placeholders
                .get(name)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    format!(
                        "placeholder '%{name}%' has no configured values (set them in the \
                     detection configuration's placeholders)"
                    )
                })?;
            let literal = &rest[..start];
            variants = variants
                .iter()
                .flat_map(|v| values.iter().map(move |x| format!("{v}{literal}{x}")))
                .collect();
            rest = &rest[start + len + 2..];
        }
        out.extend(variants.into_iter().map(|v| v + rest));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_uses_configured_values_and_rejects_unknown_placeholders() {
        let mut p = Placeholders::new();
        p.insert("admins".into(), vec!["root".into(), "adm".into()]);
        assert_eq!(
            expand(vec!["user=%admins%!".into()], &p).expect("expands"),
            vec!["user=root!", "user=adm!"]
        );
        let err = expand(vec!["%nobody%".into()], &p).expect_err("unknown");
        assert!(err.contains("'%nobody%' has no configured values"), "{err}");
    }
}

//! Reading correlation rules from YAML text.
//!
//! A Sigma file may hold several documents mixing detection rules, filters and correlation
//! rules; only documents with a `correlation` key are read here, the others are skipped.

use crate::error::ParseError;
use crate::rule::{Comparison, Condition, CorrelationRule, CorrelationType};
use crate::yaml::{parse_documents, Node, NodeKind};
use std::collections::BTreeMap;

/// Largest rule text accepted (rule files are a few kilobytes).
const MAX_TEXT_BYTES: usize = 4 << 20;

/// Most rules one correlation may reference (positions are kept as bits of a `u64`).
const MAX_REFERENCED_RULES: usize = 64;

/// Reads every correlation rule of a YAML text. Each correlation document gives one result,
/// so one broken rule does not hide the others; a YAML syntax error ends the text and is
/// reported as the last result.
pub fn parse_rules(text: &str) -> Vec<Result<CorrelationRule, ParseError>> {
    if text.len() > MAX_TEXT_BYTES {
        let reason = format!("rule text of {} bytes exceeds {MAX_TEXT_BYTES}", text.len());
        return vec![Err(ParseError::at(1, reason))];
    }
    let (documents, syntax_error) = parse_documents(text);
    let mut results: Vec<_> = documents
        .iter()
        .filter(|doc| doc.get("correlation").is_some())
        .map(parse_rule)
        .collect();
    if let Some(e) = syntax_error {
        results.push(Err(ParseError::at(e.line, e.reason)));
    }
    results
}

/// Reads every correlation rule of a YAML text, failing on the first broken one.
pub fn parse_str(text: &str) -> Result<Vec<CorrelationRule>, ParseError> {
    parse_rules(text).into_iter().collect()
}

/// Reads one correlation document (a mapping with a `correlation` key).
pub(crate) fn parse_rule(doc: &Node) -> Result<CorrelationRule, ParseError> {
    let title = required_text(doc, "title", doc.line)?;
    let correlation = doc
        .get("correlation")
        .filter(|n| matches!(n.kind, NodeKind::Map(_)))
        .ok_or_else(|| ParseError::at(doc.line, "`correlation` must be a mapping"))?;
    let type_node = correlation
        .get("type")
        .ok_or_else(|| ParseError::at(correlation.line, "`correlation.type` is missing"))?;
    let type_name = type_node.as_text().unwrap_or_default();
    let kind = CorrelationType::from_name(type_name).ok_or_else(|| {
        ParseError::at(
            type_node.line,
            format!(
                "unknown correlation type {type_name:?}: use event_count, value_count, temporal, \
                 temporal_ordered, value_sum, value_avg or value_percentile"
            ),
        )
    })?;
    let rules = text_list(correlation, "rules")?
        .ok_or_else(|| ParseError::at(correlation.line, "`correlation.rules` is missing"))?;
    if rules.is_empty() {
        return Err(ParseError::at(
            correlation.line,
            "`correlation.rules` is empty",
        ));
    }
    if rules.len() > MAX_REFERENCED_RULES {
        let reason = format!("`correlation.rules` lists more than {MAX_REFERENCED_RULES} rules");
        return Err(ParseError::at(correlation.line, reason));
    }
    let group_by = text_list(correlation, "group-by")?.unwrap_or_default();
    let timespan_node = correlation
        .get("timespan")
        .ok_or_else(|| ParseError::at(correlation.line, "`correlation.timespan` is missing"))?;
    let timespan_ms = parse_timespan(timespan_node)?;
    let condition = parse_condition(correlation, kind, rules.len())?;
    let aliases = parse_aliases(correlation)?;
    let generate = match doc.get("generate") {
        None => false,
        Some(n) => n
            .as_bool()
            .ok_or_else(|| ParseError::at(n.line, "`generate` must be true or false"))?,
    };
    Ok(CorrelationRule {
        id: optional_text(doc, "id")?.unwrap_or_default(),
        name: optional_text(doc, "name")?,
        title,
        level: optional_text(doc, "level")?,
        tags: text_list(doc, "tags")?.unwrap_or_default(),
        kind,
        rules,
        group_by,
        timespan_ms,
        condition,
        aliases,
        generate,
    })
}

/// Reads `timespan`: a positive number followed by `s`, `m`, `h` or `d`.
fn parse_timespan(node: &Node) -> Result<i64, ParseError> {
    let text = node.as_text().unwrap_or_default().trim();
    let bad = || {
        ParseError::at(
            node.line,
            format!("invalid timespan {text:?}: use a number and s, m, h or d, such as 90m"),
        )
    };
    let digits = text.strip_suffix(['s', 'm', 'h', 'd']).ok_or_else(bad)?;
    let unit_ms = match text.as_bytes().last() {
        Some(b's') => 1_000,
        Some(b'm') => 60_000,
        Some(b'h') => 3_600_000,
        _ => 86_400_000,
    };
    let count: i64 = digits.parse().map_err(|_| bad())?;
    if count <= 0 {
        return Err(bad());
    }
    count.checked_mul(unit_ms).ok_or_else(bad)
}

fn parse_condition(
    correlation: &Node,
    kind: CorrelationType,
    rule_count: usize,
) -> Result<Condition, ParseError> {
    let Some(node) = correlation.get("condition") else {
        if matches!(
            kind,
            CorrelationType::Temporal | CorrelationType::TemporalOrdered
        ) {
            let all = rule_count as f64;
            return Ok(Condition {
                bounds: vec![(Comparison::Gte, all)],
                fields: Vec::new(),
            });
        }
        let reason = format!("`correlation.condition` is required for {kind}");
        return Err(ParseError::at(correlation.line, reason));
    };
    let NodeKind::Map(entries) = &node.kind else {
        let reason = format!("`condition` must be a mapping, not {}", node.shape());
        return Err(ParseError::at(node.line, reason));
    };
    let mut condition = Condition {
        bounds: Vec::new(),
        fields: Vec::new(),
    };
    for (key, value) in entries {
        if key == "field" {
            condition.fields = field_names(value)?;
            continue;
        }
        let op = Comparison::from_key(key).ok_or_else(|| {
            let reason =
                format!("unknown condition key {key:?}: use gt, gte, lt, lte, eq, neq or field");
            ParseError::at(value.line, reason)
        })?;
        let bound = value.as_number().filter(|n| n.is_finite()).ok_or_else(|| {
            ParseError::at(value.line, format!("condition `{key}` must be a number"))
        })?;
        condition.bounds.push((op, bound));
    }
    match condition.bounds.len() {
        0 => {
            return Err(ParseError::at(
                node.line,
                "condition has no bound (gt, gte, ...)",
            ))
        }
        1 | 2 => {}
        n => {
            let reason = format!("condition has {n} bounds; at most two (a range) are allowed");
            return Err(ParseError::at(node.line, reason));
        }
    }
    if kind.needs_field() && condition.fields.is_empty() {
        let reason = format!("{kind} needs `condition.field`, the field whose values it measures");
        return Err(ParseError::at(node.line, reason));
    }
    if !kind.needs_field() && !condition.fields.is_empty() {
        let reason = format!("`condition.field` is only used by value_* types, not {kind}");
        return Err(ParseError::at(node.line, reason));
    }
    let numeric = matches!(kind, CorrelationType::ValueSum | CorrelationType::ValueAvg);
    if numeric && condition.fields.len() > 1 {
        let reason = format!("{kind} measures exactly one field");
        return Err(ParseError::at(node.line, reason));
    }
    Ok(condition)
}

fn field_names(node: &Node) -> Result<Vec<String>, ParseError> {
    let names = match &node.kind {
        NodeKind::Seq(items) => items
            .iter()
            .map(|i| i.as_text().map(str::to_owned))
            .collect::<Option<Vec<_>>>(),
        _ => node.as_text().map(|t| vec![t.to_owned()]),
    };
    names
        .filter(|n| !n.is_empty() && n.iter().all(|f| !f.is_empty()))
        .ok_or_else(|| ParseError::at(node.line, "`field` must be a field name or a list of them"))
}

fn parse_aliases(
    correlation: &Node,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, ParseError> {
    let mut aliases = BTreeMap::new();
    let Some(node) = correlation.get("aliases") else {
        return Ok(aliases);
    };
    let NodeKind::Map(entries) = &node.kind else {
        return Err(ParseError::at(node.line, "`aliases` must be a mapping"));
    };
    for (alias, per_rule) in entries {
        let NodeKind::Map(pairs) = &per_rule.kind else {
            let reason = format!("alias {alias:?} must map rule names to field names");
            return Err(ParseError::at(per_rule.line, reason));
        };
        let mut fields = BTreeMap::new();
        for (rule, field) in pairs {
            let field = field.as_text().ok_or_else(|| {
                let reason = format!("alias {alias:?}: the field for rule {rule:?} must be text");
                ParseError::at(field.line, reason)
            })?;
            fields.insert(rule.clone(), field.to_owned());
        }
        aliases.insert(alias.clone(), fields);
    }
    Ok(aliases)
}

fn required_text(doc: &Node, key: &str, line: usize) -> Result<String, ParseError> {
    optional_text(doc, key)?
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ParseError::at(line, format!("`{key}` is missing")))
}

fn optional_text(doc: &Node, key: &str) -> Result<Option<String>, ParseError> {
    match doc.get(key) {
        None => Ok(None),
        Some(n) => match &n.kind {
            NodeKind::Scalar { .. } => Ok(n.as_text().map(str::to_owned)),
            _ => Err(ParseError::at(
                n.line,
                format!("`{key}` must be text, not {}", n.shape()),
            )),
        },
    }
}

/// A list of text under `key` (a single scalar counts as a list of one).
fn text_list(doc: &Node, key: &str) -> Result<Option<Vec<String>>, ParseError> {
    let Some(node) = doc.get(key) else {
        return Ok(None);
    };
    let items: Vec<&Node> = match &node.kind {
        NodeKind::Seq(items) => items.iter().collect(),
        NodeKind::Scalar { .. } => vec![node],
        NodeKind::Map(_) => {
            let reason = format!("`{key}` must be a list, not a mapping");
            return Err(ParseError::at(node.line, reason));
        }
    };
    items
        .into_iter()
        .map(|item| {
            item.as_text()
                .map(str::to_owned)
                .ok_or_else(|| ParseError::at(item.line, format!("`{key}` entries must be text")))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

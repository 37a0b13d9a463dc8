//! Reading OSV advisories from JSON and YAML, with a reason for everything refused.

use super::{yaml, Advisory, Affected, Range, RangeEvent, RangeKind, SeverityScore};
use serde_json::Value as Json;

/// Why a document is not a usable OSV advisory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AdvisoryError(pub String);

fn fail<T>(reason: impl Into<String>) -> Result<T, AdvisoryError> {
    Err(AdvisoryError(reason.into()))
}

/// Reads the advisories of one JSON document: a single advisory, an array of them, or an
/// object with a `vulns` array (the OSV API's answer).
pub fn advisories_from_json(text: &str) -> Result<Vec<Advisory>, AdvisoryError> {
    let json: Json =
        serde_json::from_str(text).map_err(|e| AdvisoryError(format!("not valid JSON: {e}")))?;
    from_document(&json)
}

/// Reads the advisories of a YAML file (one or more documents, each as in
/// [`advisories_from_json`]).
pub fn advisories_from_yaml(text: &str) -> Result<Vec<Advisory>, AdvisoryError> {
    let docs = yaml_rust2::YamlLoader::load_from_str(text)
        .map_err(|e| AdvisoryError(format!("not valid YAML: {e}")))?;
    let mut all = Vec::new();
    for doc in &docs {
        all.extend(from_document(&yaml::to_json(doc))?);
    }
    Ok(all)
}

fn from_document(json: &Json) -> Result<Vec<Advisory>, AdvisoryError> {
    match json {
        Json::Array(items) => items.iter().map(advisory).collect(),
        Json::Object(map) if !map.contains_key("id") => match map.get("vulns") {
            Some(Json::Array(items)) => items.iter().map(advisory).collect(),
            _ => fail("not an OSV advisory: no \"id\""),
        },
        _ => advisory(json).map(|a| vec![a]),
    }
}

/// A scalar as text (YAML may turn a version like `2` into a number).
fn text(json: &Json) -> Option<String> {
    match json {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn field(json: &Json, key: &str) -> Option<String> {
    json.get(key).and_then(text)
}

fn list<'a>(json: &'a Json, key: &str) -> Result<&'a [Json], AdvisoryError> {
    match json.get(key) {
        None | Some(Json::Null) => Ok(&[]),
        Some(Json::Array(items)) => Ok(items),
        Some(_) => fail(format!("\"{key}\" must be an array")),
    }
}

fn advisory(json: &Json) -> Result<Advisory, AdvisoryError> {
    if !json.is_object() {
        return fail("an advisory must be an object");
    }
    let id = field(json, "id").filter(|id| !id.trim().is_empty());
    let Some(id) = id else {
        return fail("not an OSV advisory: no \"id\"");
    };
    let in_id = |e: AdvisoryError| AdvisoryError(format!("{id}: {}", e.0));
    let mut aliases: Vec<String> = list(json, "aliases")
        .map_err(in_id)?
        .iter()
        .filter_map(text)
        .collect();
    aliases.sort_by_key(|a| !a.starts_with("CVE-"));
    let summary = field(json, "summary")
        .filter(|s| !s.trim().is_empty())
        .or_else(|| field(json, "details").map(|d| first_line(&d)))
        .unwrap_or_default();
    let affected = list(json, "affected")
        .map_err(in_id)?
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            affected(a)
                .map_err(|e| in_id(AdvisoryError(format!("affected[{i}]: {}", e.0))))
                .transpose()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut references: Vec<(u8, String)> = list(json, "references")
        .map_err(in_id)?
        .iter()
        .filter_map(|r| {
            let rank = match field(r, "type").as_deref() {
                Some("ADVISORY") => 0,
                Some("FIX") => 1,
                _ => 2,
            };
            Some((rank, field(r, "url")?))
        })
        .collect();
    references.sort_by_key(|(rank, _)| *rank);
    Ok(Advisory {
        aliases,
        summary,
        modified: field(json, "modified").unwrap_or_default(),
        published: field(json, "published").unwrap_or_default(),
        withdrawn: field(json, "withdrawn"),
        severity: severities(json).map_err(in_id)?,
        database_severity: json
            .get("database_specific")
            .and_then(|d| field(d, "severity")),
        affected,
        references: references.into_iter().map(|(_, url)| url).collect(),
        id,
    })
}

/// The first line of `details`, cut at a word boundary after at most 200 characters.
fn first_line(details: &str) -> String {
    const MOST: usize = 200;
    let line = details.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if line.chars().count() <= MOST {
        return line.trim().to_owned();
    }
    let head: String = line.chars().take(MOST).collect();
    let cut = head.rfind(' ').unwrap_or(head.len());
    format!("{}…", head[..cut].trim_end())
}

fn severities(json: &Json) -> Result<Vec<SeverityScore>, AdvisoryError> {
    Ok(list(json, "severity")?
        .iter()
        .filter_map(|s| {
            Some(SeverityScore {
                kind: field(s, "type")?,
                score: field(s, "score")?,
            })
        })
        .collect())
}

/// One `affected` entry; `None` for an entry without a package (it cannot match a package).
fn affected(json: &Json) -> Result<Option<Affected>, AdvisoryError> {
    let Some(package) = json.get("package") else {
        return Ok(None);
    };
    let (Some(ecosystem), Some(name)) = (field(package, "ecosystem"), field(package, "name"))
    else {
        return fail("package needs an ecosystem and a name");
    };
    let ranges = list(json, "ranges")?
        .iter()
        .map(range)
        .collect::<Result<Vec<_>, _>>()?;
    let versions = list(json, "versions")?.iter().filter_map(text).collect();
    Ok(Some(Affected {
        ecosystem,
        name,
        ranges,
        versions,
        severity: severities(json)?,
        informational: json
            .get("database_specific")
            .and_then(|d| field(d, "informational")),
    }))
}

fn range(json: &Json) -> Result<Range, AdvisoryError> {
    let kind = match field(json, "type").as_deref() {
        Some("SEMVER") => RangeKind::Semver,
        Some("ECOSYSTEM") => RangeKind::Ecosystem,
        Some("GIT") => RangeKind::Git,
        Some(other) => return fail(format!("unknown range type {other:?}")),
        None => return fail("a range needs a \"type\""),
    };
    let events = list(json, "events")?
        .iter()
        .map(event)
        .collect::<Result<Vec<_>, _>>()?;
    if !events
        .iter()
        .any(|e| matches!(e, RangeEvent::Introduced(_)))
    {
        return fail("a range must contain an \"introduced\" event");
    }
    Ok(Range { kind, events })
}

fn event(json: &Json) -> Result<RangeEvent, AdvisoryError> {
    let Json::Object(map) = json else {
        return fail("a range event must be an object");
    };
    if map.len() != 1 {
        return fail("a range event has exactly one of introduced, fixed, last_affected, limit");
    }
    let Some((key, value)) = map.iter().next() else {
        return fail("empty range event");
    };
    let Some(version) = text(value).filter(|v| !v.trim().is_empty()) else {
        return fail(format!("the {key} event needs a version"));
    };
    Ok(match key.as_str() {
        "introduced" => RangeEvent::Introduced(version),
        "fixed" => RangeEvent::Fixed(version),
        "last_affected" => RangeEvent::LastAffected(version),
        "limit" => RangeEvent::Limit(version),
        other => return fail(format!("unknown range event {other:?}")),
    })
}

//! One step of a parser chain: its configuration (`{ type = "kv", ... }`) and what it does
//! to an event.

use super::aggregate_step::{self, AggregateRule, AggregateSpec};
use super::grok;
use super::template_step::TemplateStep;
use crate::{datetime, json::Sink, source::kv};
use palisade_core::{fields, Event, FieldName, Value};
use regex::Regex;
use serde::Deserialize;
use std::{collections::BTreeMap, sync::Arc};

fn message() -> String {
    fields::MESSAGE.to_owned()
}

/// A step as written in the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum StepSpec {
    /// `key=value` pairs of a field, each stored as `prefix` + key.
    Kv {
        #[serde(default = "message")]
        field: String,
        #[serde(default)]
        prefix: String,
    },
    /// A separated line (CSV by default) whose columns are named.
    Csv {
        #[serde(default = "message")]
        field: String,
        #[serde(default = "comma")]
        separator: char,
        columns: Vec<String>,
    },
    /// A regular expression with named captures (`(?P<user.name>...)` is not valid regex
    /// syntax, so names use `__` for dots: `(?P<user__name>...)`).
    Regex {
        #[serde(default = "message")]
        field: String,
        pattern: String,
    },
    /// A grok pattern (`%{IP:src_endpoint.ip} %{WORD:verb}`), with optional extra patterns.
    Grok {
        #[serde(default = "message")]
        field: String,
        pattern: String,
        #[serde(default)]
        patterns: BTreeMap<String, String>,
    },
    /// A JSON object inside a field, flattened under `prefix`.
    Json {
        #[serde(default = "message")]
        field: String,
        #[serde(default)]
        prefix: String,
    },
    /// Moves a field.
    Rename { from: String, to: String },
    /// Converts a field's text to `int`, `float`, `bool` or `string`.
    Convert { field: String, to: String },
    /// Reads the event time from a field (`rfc3339`, `epoch`, `epoch_ms`, `clf`).
    Timestamp { field: String, format: String },
    /// Sets a field to a constant.
    Set { field: String, value: toml::Value },
    /// Removes fields.
    Remove { fields: Vec<String> },
    /// Sets the OCSF class (and activity): `authentication`/`logon`, `http_activity`/`get`, ...
    Ocsf {
        class: String,
        #[serde(default)]
        activity: Option<String>,
    },
    /// Drops the event (with `when`: only events matching the condition).
    Drop,
    /// Continues with another chain.
    Route { to: String },
    /// A mined template promoted to a parser: an unparsed message that fits `template` gets
    /// one field per `<*>` (named in order by `fields`) and counts as parsed by the chain.
    Template {
        template: String,
        #[serde(default)]
        fields: Vec<String>,
    },
    /// Folds identical (or near-identical) events of one source within a window into one
    /// event with a `count` (see `aggregate_step`).
    Aggregate(AggregateSpec),
}

fn comma() -> char {
    ','
}

/// A compiled step.
#[derive(Debug)]
pub(crate) enum Step {
    Kv {
        field: String,
        prefix: String,
    },
    Csv {
        field: String,
        separator: char,
        columns: Vec<String>,
    },
    Pattern {
        field: String,
        regex: Regex,
        captures: Vec<(String, Option<String>)>,
    },
    Json {
        field: String,
        prefix: String,
    },
    Rename {
        from: String,
        to: String,
    },
    Convert {
        field: String,
        to: Conversion,
    },
    Timestamp {
        field: String,
        format: TimeFormat,
    },
    Set {
        field: String,
        value: Value,
    },
    Remove {
        fields: Vec<String>,
    },
    Ocsf {
        class: i64,
        category: i64,
        activity: i64,
    },
    Drop,
    Route {
        to: usize,
    },
    Template(TemplateStep),
    /// Marks the event for the aggregate rule of this number.
    Aggregate(usize),
}

/// Target type of a conversion.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Conversion {
    Int,
    Float,
    Bool,
    Text,
}

/// Time formats a `timestamp` step reads.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TimeFormat {
    Rfc3339,
    EpochSeconds,
    EpochMillis,
    Clf,
}

/// What a step decided.
pub(crate) enum Flow {
    Next,
    Drop,
    Route(usize),
}

/// An OCSF class a chain can name: name, `class_uid`, `category_uid`, named activities.
type ClassEntry = (&'static str, i64, i64, &'static [(&'static str, i64)]);

/// OCSF classes a chain can name, with their category and known activities.
const CLASSES: &[ClassEntry] = &[
    (
        "authentication",
        3002,
        3,
        &[("logon", 1), ("logoff", 2), ("authentication_ticket", 3)],
    ),
    (
        "account_change",
        3001,
        3,
        &[
            ("create", 1),
            ("enable", 2),
            ("password_change", 3),
            ("disable", 5),
            ("delete", 6),
        ],
    ),
    (
        "process_activity",
        1007,
        1,
        &[("launch", 1), ("terminate", 2), ("open", 3), ("inject", 4)],
    ),
    (
        "file_activity",
        1001,
        1,
        &[("create", 1), ("read", 2), ("update", 3), ("delete", 4)],
    ),
    (
        "network_activity",
        4001,
        4,
        &[
            ("open", 1),
            ("close", 2),
            ("reset", 3),
            ("fail", 4),
            ("refuse", 5),
            ("traffic", 6),
        ],
    ),
    (
        "http_activity",
        4002,
        4,
        &[
            ("connect", 1),
            ("delete", 2),
            ("get", 3),
            ("head", 4),
            ("options", 5),
            ("post", 6),
            ("put", 7),
            ("trace", 8),
        ],
    ),
    ("dns_activity", 4003, 4, &[("query", 1), ("response", 2)]),
    (
        "api_activity",
        6003,
        6,
        &[("create", 1), ("read", 2), ("update", 3), ("delete", 4)],
    ),
    (
        "datastore_activity",
        6005,
        6,
        &[
            ("read", 1),
            ("update", 2),
            ("connect", 3),
            ("query", 4),
            ("write", 5),
        ],
    ),
    (
        "detection_finding",
        2004,
        2,
        &[("create", 1), ("update", 2), ("close", 3)],
    ),
    (
        "vulnerability_finding",
        2002,
        2,
        &[("create", 1), ("update", 2), ("close", 3)],
    ),
    (
        "compliance_finding",
        2003,
        2,
        &[("create", 1), ("update", 2), ("close", 3)],
    ),
];

impl StepSpec {
    /// Compiles a step of chain `chain`; `chain_index` resolves `route` targets and an
    /// `aggregate` step files its rule in `aggregates`.
    pub(crate) fn compile(
        self,
        chain: &str,
        chain_index: &dyn Fn(&str) -> Option<usize>,
        aggregates: &mut Vec<Arc<AggregateRule>>,
    ) -> Result<Step, String> {
        Ok(match self {
            StepSpec::Kv { field, prefix } => Step::Kv { field, prefix },
            StepSpec::Csv {
                field,
                separator,
                columns,
            } => {
                if columns.is_empty() {
                    return Err("csv needs at least one column name".into());
                }
                Step::Csv {
                    field,
                    separator,
                    columns,
                }
            }
            StepSpec::Regex { field, pattern } => {
                let regex = Regex::new(&pattern).map_err(|e| format!("regex: {e}"))?;
                let captures = regex
                    .capture_names()
                    .flatten()
                    .map(|name| (name.replace("__", "."), None))
                    .collect();
                let regex = rename_groups(&regex)?;
                Step::Pattern {
                    field,
                    regex,
                    captures,
                }
            }
            StepSpec::Grok {
                field,
                pattern,
                patterns,
            } => {
                let compiled = grok::compile(&pattern, &patterns)?;
                let regex = Regex::new(&format!("^(?:{})", compiled.regex))
                    .map_err(|e| format!("grok pattern expands to an invalid regex: {e}"))?;
                Step::Pattern {
                    field,
                    regex,
                    captures: compiled.captures,
                }
            }
            StepSpec::Json { field, prefix } => Step::Json { field, prefix },
            StepSpec::Rename { from, to } => Step::Rename { from, to },
            StepSpec::Convert { field, to } => {
                let to = match to.as_str() {
                    "int" => Conversion::Int,
                    "float" => Conversion::Float,
                    "bool" => Conversion::Bool,
                    "string" => Conversion::Text,
                    other => {
                        return Err(format!(
                            "convert to {other:?}: use int, float, bool or string"
                        ))
                    }
                };
                Step::Convert { field, to }
            }
            StepSpec::Timestamp { field, format } => {
                let format = match format.as_str() {
                    "rfc3339" | "iso8601" => TimeFormat::Rfc3339,
                    "epoch" => TimeFormat::EpochSeconds,
                    "epoch_ms" => TimeFormat::EpochMillis,
                    "clf" => TimeFormat::Clf,
                    other => {
                        return Err(format!(
                            "timestamp format {other:?}: use rfc3339, epoch, epoch_ms or clf"
                        ))
                    }
                };
                Step::Timestamp { field, format }
            }
            StepSpec::Set { field, value } => Step::Set {
                field,
                value: toml_value(&value)?,
            },
            StepSpec::Remove { fields } => Step::Remove { fields },
            StepSpec::Ocsf { class, activity } => {
                let (_, uid, category, activities) = CLASSES
                    .iter()
                    .find(|(name, ..)| *name == class)
                    .ok_or_else(|| {
                        let known: Vec<_> = CLASSES.iter().map(|c| c.0).collect();
                        format!("unknown OCSF class {class:?}; known: {}", known.join(", "))
                    })?;
                let activity = match activity.as_deref() {
                    None => 0,
                    Some(name) => activities
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, id)| *id)
                        .or_else(|| name.parse().ok())
                        .ok_or_else(|| format!("unknown activity {name:?} of class {class}"))?,
                };
                Step::Ocsf {
                    class: *uid,
                    category: *category,
                    activity,
                }
            }
            StepSpec::Drop => Step::Drop,
            StepSpec::Route { to } => Step::Route {
                to: chain_index(&to).ok_or_else(|| format!("route to unknown chain {to:?}"))?,
            },
            StepSpec::Template { template, fields } => {
                Step::Template(TemplateStep::new(&template, fields, chain)?)
            }
            StepSpec::Aggregate(spec) => Step::Aggregate(spec.compile(chain, aggregates)?),
        })
    }
}

/// Regex capture names cannot hold dots; numbered names `g<i>` stand in for them.
fn rename_groups(regex: &Regex) -> Result<Regex, String> {
    let mut text = regex.as_str().to_owned();
    for (i, name) in regex.capture_names().flatten().enumerate() {
        text = text.replacen(&format!("(?P<{name}>"), &format!("(?P<g{i}>"), 1);
        text = text.replacen(&format!("(?<{name}>"), &format!("(?P<g{i}>"), 1);
    }
    Regex::new(&text).map_err(|e| format!("regex: {e}"))
}

fn toml_value(value: &toml::Value) -> Result<Value, String> {
    Ok(match value {
        toml::Value::String(s) => Value::from(s.as_str()),
        toml::Value::Integer(i) => Value::Int(*i),
        toml::Value::Float(f) => Value::Float(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        other => {
            return Err(format!(
                "set value {other} must be text, a number or a boolean"
            ))
        }
    })
}

fn text_of(event: &Event, field: &str) -> Option<String> {
    event.get(field).map(|v| match v.as_str() {
        Some(s) => s.to_owned(),
        None => v.to_string(),
    })
}

fn put(event: &mut Event, path: &str, value: Value) {
    event.set(FieldName::Owned(path.to_owned()), value);
}

impl Step {
    /// Applies the step; a step whose input field is missing or does not match does nothing.
    pub(crate) fn apply(&self, event: &mut Event) -> Flow {
        match self {
            Step::Kv { field, prefix } => {
                if let Some(text) = text_of(event, field) {
                    let mut sink = Sink::new(event);
                    for pair in kv::pairs(&text) {
                        sink.set(&format!("{prefix}{}", pair.key), Value::from(pair.value));
                    }
                    sink.finish();
                }
            }
            Step::Csv {
                field,
                separator,
                columns,
            } => {
                if let Some(text) = text_of(event, field) {
                    for (name, cell) in columns.iter().zip(text.split(*separator)) {
                        let cell = cell.trim().trim_matches('"');
                        if !name.is_empty() && !cell.is_empty() {
                            put(event, name, Value::from(cell));
                        }
                    }
                }
            }
            Step::Pattern {
                field,
                regex,
                captures,
            } => {
                if let Some(text) = text_of(event, field) {
                    if let Some(found) = regex.captures(&text) {
                        for (i, (path, kind)) in captures.iter().enumerate() {
                            if let Some(m) = found.name(&format!("g{i}")) {
                                let value = typed(m.as_str(), kind.as_deref());
                                put(event, path, value);
                            }
                        }
                    }
                }
            }
            Step::Json { field, prefix } => {
                if let Some(text) = text_of(event, field) {
                    if let Ok(serde_json::Value::Object(object)) = serde_json::from_str(&text) {
                        let mut sink = Sink::new(event);
                        for (key, value) in &object {
                            sink.set_json(&format!("{prefix}{key}"), value);
                        }
                        sink.finish();
                    }
                }
            }
            Step::Rename { from, to } => {
                if let Some(value) = event.remove(from) {
                    put(event, to, value);
                }
            }
            Step::Convert { field, to } => {
                if let Some(text) = text_of(event, field) {
                    let text = text.trim();
                    let converted = match to {
                        Conversion::Int => text.parse().ok().map(Value::Int),
                        Conversion::Float => text.parse().ok().map(Value::Float),
                        Conversion::Bool => match text.to_ascii_lowercase().as_str() {
                            "true" | "yes" | "1" | "on" => Some(Value::Bool(true)),
                            "false" | "no" | "0" | "off" => Some(Value::Bool(false)),
                            _ => None,
                        },
                        Conversion::Text => Some(Value::from(text)),
                    };
                    if let Some(value) = converted {
                        put(event, field, value);
                    }
                }
            }
            Step::Timestamp { field, format } => {
                if let Some(ms) = text_of(event, field).and_then(|t| read_time(t.trim(), *format)) {
                    event.time = ms;
                }
            }
            Step::Set { field, value } => put(event, field, value.clone()),
            Step::Remove { fields } => {
                for field in fields {
                    event.remove(field);
                }
            }
            Step::Ocsf {
                class,
                category,
                activity,
            } => {
                event.set(fields::CLASS_UID, Value::Int(*class));
                event.set(fields::CATEGORY_UID, Value::Int(*category));
                event.set(fields::ACTIVITY_ID, Value::Int(*activity));
                event.set(fields::TYPE_UID, Value::Int(class * 100 + activity));
            }
            Step::Drop => return Flow::Drop,
            Step::Route { to } => return Flow::Route(*to),
            Step::Template(step) => step.apply(event),
            Step::Aggregate(rule) => aggregate_step::mark(event, *rule),
        }
        Flow::Next
    }
}

fn typed(text: &str, kind: Option<&str>) -> Value {
    match kind {
        Some("int") => text
            .parse()
            .map(Value::Int)
            .unwrap_or_else(|_| Value::from(text)),
        Some("float") => text
            .parse()
            .map(Value::Float)
            .unwrap_or_else(|_| Value::from(text)),
        _ => Value::from(text),
    }
}

fn read_time(text: &str, format: TimeFormat) -> Option<i64> {
    match format {
        TimeFormat::Rfc3339 => datetime::parse_rfc3339(text.as_bytes(), true).map(|(ms, _)| ms),
        TimeFormat::Clf => datetime::parse_clf(text.as_bytes()).map(|(ms, _)| ms),
        TimeFormat::EpochSeconds => {
            let seconds: f64 = text.parse().ok()?;
            let ms = seconds * 1000.0;
            (ms.is_finite() && ms.abs() < 9.0e18).then_some(ms as i64)
        }
        TimeFormat::EpochMillis => text.parse().ok(),
    }
}

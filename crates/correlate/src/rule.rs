//! A parsed Sigma correlation rule.

use std::collections::BTreeMap;
use std::fmt;

/// The seven correlation types of Sigma v2.1 (serialized by their rule-file names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrelationType {
    /// Number of matching events in the timespan.
    EventCount,
    /// Number of distinct values of `condition.field` in the timespan.
    ValueCount,
    /// Number of distinct referenced rules that matched in the timespan (any order).
    Temporal,
    /// Number of referenced rules that matched in the timespan in the listed order.
    TemporalOrdered,
    /// Sum of the numeric values of `condition.field` in the timespan.
    ValueSum,
    /// Mean of the numeric values of `condition.field` in the timespan.
    ValueAvg,
    /// Share in percent (0–100) of the window's events carrying the rarest value of
    /// `condition.field`: `lte: 1` finds a value seen in at most 1 % of the group's events.
    ValuePercentile,
}

impl CorrelationType {
    /// Reads the name used in rule files (`event_count`, ...).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "event_count" => Self::EventCount,
            "value_count" => Self::ValueCount,
            "temporal" => Self::Temporal,
            "temporal_ordered" => Self::TemporalOrdered,
            "value_sum" => Self::ValueSum,
            "value_avg" => Self::ValueAvg,
            "value_percentile" => Self::ValuePercentile,
            _ => return None,
        })
    }

    /// The name used in rule files.
    pub fn name(self) -> &'static str {
        match self {
            Self::EventCount => "event_count",
            Self::ValueCount => "value_count",
            Self::Temporal => "temporal",
            Self::TemporalOrdered => "temporal_ordered",
            Self::ValueSum => "value_sum",
            Self::ValueAvg => "value_avg",
            Self::ValuePercentile => "value_percentile",
        }
    }

    /// True for the `value_*` types, which need `condition.field`.
    pub fn needs_field(self) -> bool {
        matches!(
            self,
            Self::ValueCount | Self::ValueSum | Self::ValueAvg | Self::ValuePercentile
        )
    }

    /// True when adding an event to a window can never lower the type's measured value, so an
    /// alert whose condition has only lower bounds can be raised the moment it holds.
    pub fn grows_with_events(self) -> bool {
        matches!(
            self,
            Self::EventCount | Self::ValueCount | Self::Temporal | Self::TemporalOrdered
        )
    }
}

impl fmt::Display for CorrelationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A comparison operator of a correlation condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Gte,
    /// Less than.
    Lt,
    /// Less than or equal.
    Lte,
    /// Equal.
    Eq,
    /// Not equal.
    Neq,
}

impl Comparison {
    /// Reads the operator's key (`gt`, `gte`, ...).
    pub fn from_key(key: &str) -> Option<Self> {
        Some(match key {
            "gt" => Self::Gt,
            "gte" => Self::Gte,
            "lt" => Self::Lt,
            "lte" => Self::Lte,
            "eq" => Self::Eq,
            "neq" => Self::Neq,
            _ => return None,
        })
    }

    /// True when `value` satisfies `value <op> bound`.
    pub fn holds(self, value: f64, bound: f64) -> bool {
        match self {
            Self::Gt => value > bound,
            Self::Gte => value >= bound,
            Self::Lt => value < bound,
            Self::Lte => value <= bound,
            Self::Eq => value == bound,
            Self::Neq => value != bound,
        }
    }
}

/// When a correlation matches: one or two bounds (both must hold), and for the `value_*`
/// types the field(s) measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The bounds, all of which must hold.
    pub bounds: Vec<(Comparison, f64)>,
    /// The measured field(s); several fields make `value_count` count distinct combinations.
    pub fields: Vec<String>,
}

impl Condition {
    /// True when every bound holds for `value`.
    pub fn holds(&self, value: f64) -> bool {
        self.bounds
            .iter()
            .all(|(op, bound)| op.holds(value, *bound))
    }

    /// True when every bound is a lower bound (`gt`/`gte`), so a growing value can only
    /// turn the condition true, never false again.
    pub fn lower_bounds_only(&self) -> bool {
        self.bounds
            .iter()
            .all(|(op, _)| matches!(op, Comparison::Gt | Comparison::Gte))
    }
}

/// One Sigma correlation rule.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationRule {
    /// `id` (a UUID by convention); empty when the rule has none.
    pub id: String,
    /// `name`, by which other correlation rules may reference this one.
    pub name: Option<String>,
    /// `title`.
    pub title: String,
    /// `level` (`informational` … `critical`).
    pub level: Option<String>,
    /// `tags` (ATT&CK tactics and techniques, ...).
    pub tags: Vec<String>,
    /// `correlation.type`.
    pub kind: CorrelationType,
    /// `correlation.rules`: ids or names of detection or correlation rules, in order.
    pub rules: Vec<String>,
    /// `correlation.group-by`: field or alias names; empty means one group.
    pub group_by: Vec<String>,
    /// `correlation.timespan` in milliseconds.
    pub timespan_ms: i64,
    /// `correlation.condition`; for `temporal` types without one, all rules must match.
    pub condition: Condition,
    /// `correlation.aliases`: alias → (referenced rule id or name → field in its events).
    pub aliases: BTreeMap<String, BTreeMap<String, String>>,
    /// `generate`: whether the referenced rules also raise their own alerts.
    pub generate: bool,
}

impl CorrelationRule {
    /// The identifier alerts carry: the `id`, else the `name`, else the title.
    pub fn key(&self) -> &str {
        if !self.id.is_empty() {
            &self.id
        } else {
            self.name.as_deref().unwrap_or(&self.title)
        }
    }

    /// True when `reference` (an entry of another rule's `rules`) names this rule.
    pub fn is_named(&self, reference: &str) -> bool {
        (!self.id.is_empty() && self.id == reference) || self.name.as_deref() == Some(reference)
    }

    /// The event field that stands for `field` (a group-by or condition field) in events of
    /// the referenced rule known as `rule_id` / `rule_name`: the alias target when an alias
    /// maps that rule, otherwise `field` itself.
    pub fn resolve_field<'a>(
        &'a self,
        field: &'a str,
        rule_id: &str,
        rule_name: Option<&str>,
    ) -> &'a str {
        let Some(per_rule) = self.aliases.get(field) else {
            return field;
        };
        per_rule
            .get(rule_id)
            .or_else(|| rule_name.and_then(|n| per_rule.get(n)))
            .map(String::as_str)
            .unwrap_or(field)
    }
}

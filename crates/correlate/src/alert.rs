//! What goes into the engine (rule matches) and what comes out (correlation alerts).

use crate::rule::CorrelationType;
use palisade_core::{Event, EventId, TenantId, Value};
use std::borrow::Cow;

/// One match reported by the detection engine: rule (id, name) matched `event`. The event's
/// id, tenant and time (epoch milliseconds) come from the event itself.
#[derive(Debug, Clone, Copy)]
pub struct RuleMatch<'a> {
    /// The detection rule's `id`.
    pub rule_id: &'a str,
    /// The detection rule's `name`, when it has one (correlation rules may reference it).
    pub rule_name: Option<&'a str>,
    /// The matched event; group-by and measured fields are read from its flat fields.
    pub event: &'a Event,
}

/// A correlation rule whose condition held for one group within one window.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CorrelationAlert {
    /// The correlation rule's id (its name, or title, when it has no id).
    pub rule_id: String,
    /// The correlation rule's `name`.
    pub rule_name: Option<String>,
    /// The correlation rule's title.
    pub title: String,
    /// The correlation rule's level.
    pub level: Option<String>,
    /// The correlation rule's tags.
    pub tags: Vec<String>,
    /// The correlation type.
    pub kind: CorrelationType,
    /// The tenant all contributing events belong to.
    pub tenant: TenantId,
    /// The group: each `group-by` name (alias names as written) with its value.
    pub group: Vec<(String, String)>,
    /// What the condition measured: the count, distinct values, matched rules, sum, mean or
    /// share in percent, depending on the type.
    pub value: f64,
    /// Number of rule matches in the window.
    pub match_count: usize,
    /// Time of the earliest contributing event, epoch milliseconds.
    pub first_seen: i64,
    /// Time of the latest contributing event, epoch milliseconds.
    pub last_seen: i64,
    /// Ids of contributing events, earliest first, at most `max_alert_event_ids` of them.
    pub event_ids: Vec<EventId>,
    /// True when the window was closed (the watermark had passed its end) when the alert was
    /// raised, so no on-time event can still join it. False for an alert raised early, the
    /// moment a lower-bound condition held: it stands, but its window was still open.
    pub is_final: bool,
}

impl CorrelationAlert {
    /// The value of a group field, by its `group-by` name.
    pub fn group_value(&self, field: &str) -> Option<&str> {
        self.group
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, value)| value.as_str())
    }
}

/// Where an input to a correlation rule comes from: a detection match or the alert of a
/// correlation rule it is chained to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Source<'a> {
    /// A detection rule matched this event.
    Event(&'a Event),
    /// A referenced correlation rule raised this alert.
    Alert(&'a CorrelationAlert),
}

impl<'a> Source<'a> {
    /// The tenant of the input.
    pub(crate) fn tenant(&self) -> &'a TenantId {
        match *self {
            Source::Event(e) => &e.tenant,
            Source::Alert(a) => &a.tenant,
        }
    }

    /// The input's time: the event time, or the alert's last contributing event.
    pub(crate) fn time(&self) -> i64 {
        match self {
            Source::Event(e) => e.time,
            Source::Alert(a) => a.last_seen,
        }
    }

    /// A field as text (borrowed when it is text already). An alert answers its group fields.
    pub(crate) fn text(&self, field: &str) -> Option<Cow<'a, str>> {
        match *self {
            Source::Event(e) => e.get(field).map(|v| match v {
                Value::Str(s) => Cow::Borrowed(s.as_str()),
                other => Cow::Owned(other.to_string()),
            }),
            Source::Alert(a) => a.group_value(field).map(Cow::Borrowed),
        }
    }

    /// A field as a number. An alert answers its group fields and `value`.
    pub(crate) fn number(&self, field: &str) -> Option<f64> {
        match self {
            Source::Event(e) => e.get(field).and_then(|v| v.as_f64()),
            Source::Alert(a) if field == "value" => Some(a.value),
            Source::Alert(a) => a.group_value(field).and_then(|v| v.trim().parse().ok()),
        }
    }
}

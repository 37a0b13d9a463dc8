//! The `aggregate` step: marks an event to be folded, with the identical (or near-identical)
//! events of its source that arrive within a window, into one stored event with a `count`.
//!
//! The step only marks the event (with [`AGGREGATE_MARK`], the number of its rule); the
//! pipeline's aggregation stage takes the mark off ([`ParserChains::take_aggregate_rule`])
//! and does the folding, because only it sees the events that follow.
//!
//! [`ParserChains::take_aggregate_rule`]: super::ParserChains::take_aggregate_rule

use palisade_core::{config::Duration, fields, Event, Value};
use serde::Deserialize;
use std::sync::Arc;

/// The field an `aggregate` step sets on the event it marks: the number of its rule. The
/// pipeline removes it before the event is stored; `palisade parse` shows it.
pub const AGGREGATE_MARK: &str = "metadata.aggregation_rule";

/// Window when the step gives none.
const DEFAULT_WINDOW_MS: u64 = 10_000;
/// Longest window accepted: an aggregate waits in memory (not searchable yet) that long.
const MAX_WINDOW_MS: u64 = 3_600_000;
/// Events folded into one aggregate at most, when the step gives no `max_count`.
const DEFAULT_MAX_COUNT: u64 = 100_000;
/// Aggregates waiting at once at most, when the step gives no `max_groups`.
const DEFAULT_MAX_GROUPS: usize = 10_000;

/// What the key compares besides the tenant, the source and the `fields`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateBy {
    /// The `message` text, exactly (identical lines).
    Message,
    /// The mined template id (`metadata.template_id`: near-identical lines, differing only in
    /// numbers, addresses, ids...); events without one fall back to their message.
    Template,
}

/// One compiled `aggregate` step.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateRule {
    /// The chain the step belongs to (part of the key, so two chains never share a group).
    pub chain: String,
    /// Events whose receipt times lie within this many milliseconds of the group's first one
    /// are folded together.
    pub window_ms: i64,
    /// Identical messages, or the same template.
    pub by: AggregateBy,
    /// Further fields that must be equal (by default the host and the application).
    pub fields: Vec<String>,
    /// A group reaching this count is stored at once and a new one begins.
    pub max_count: u64,
    /// While this many groups wait, a new key is stored as it is (count 1) instead.
    pub max_groups: usize,
}

impl AggregateRule {
    /// The text that tells this event's group apart within its tenant, source and rule: the
    /// rule's fields, then the message or the template id.
    pub fn group_key(&self, event: &Event) -> String {
        let mut key = String::with_capacity(128);
        key.push_str(&self.chain);
        key.push('\u{1f}');
        key.push_str(event.get_str(fields::LOG_NAME).unwrap_or_default());
        for field in &self.fields {
            key.push('\u{1f}');
            if let Some(value) = event.get(field) {
                key.push_str(&value.to_string());
            }
        }
        key.push('\u{1e}');
        let template = match self.by {
            AggregateBy::Template => event.get_str(crate::template::TEMPLATE_ID),
            AggregateBy::Message => None,
        };
        let text = template
            .or_else(|| event.get_str(fields::MESSAGE))
            .or_else(|| event.get_str(fields::RAW_DATA))
            .unwrap_or_default();
        key.push_str(text);
        key
    }
}

/// The step as written in the configuration (`{ type = "aggregate", window = "10s", ... }`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AggregateSpec {
    #[serde(default)]
    window: Option<Duration>,
    #[serde(default)]
    by: Option<String>,
    #[serde(default)]
    fields: Option<Vec<String>>,
    #[serde(default)]
    max_count: Option<u64>,
    #[serde(default)]
    max_groups: Option<usize>,
}

impl AggregateSpec {
    /// Checks the step and files its rule in `rules`; the step marks events with its number.
    pub(crate) fn compile(
        self,
        chain: &str,
        rules: &mut Vec<Arc<AggregateRule>>,
    ) -> Result<usize, String> {
        let window = self.window.map_or(DEFAULT_WINDOW_MS, |w| w.0);
        if window == 0 || window > MAX_WINDOW_MS {
            return Err(format!(
                "aggregate window of {window} ms: give one between 1ms and 1h"
            ));
        }
        let by = match self.by.as_deref() {
            None | Some("message") => AggregateBy::Message,
            Some("template") => AggregateBy::Template,
            Some(other) => {
                return Err(format!(
                    "aggregate by {other:?}: use \"message\" (identical lines) or \"template\" (near-identical)"
                ))
            }
        };
        let max_count = self.max_count.unwrap_or(DEFAULT_MAX_COUNT);
        let max_groups = self.max_groups.unwrap_or(DEFAULT_MAX_GROUPS);
        if max_count == 0 || max_groups == 0 {
            return Err("aggregate max_count and max_groups must be at least 1".into());
        }
        let fields = self.fields.unwrap_or_else(|| {
            vec![
                fields::DEVICE_HOSTNAME.to_owned(),
                fields::PRODUCT_NAME.to_owned(),
            ]
        });
        let id = rules.len();
        rules.push(Arc::new(AggregateRule {
            chain: chain.to_owned(),
            window_ms: i64::try_from(window).unwrap_or(i64::MAX),
            by,
            fields,
            max_count,
            max_groups,
        }));
        Ok(id)
    }
}

/// Marks the event with rule `id` (a later `aggregate` step replaces the mark).
pub(crate) fn mark(event: &mut Event, id: usize) {
    event.set(
        AGGREGATE_MARK,
        Value::Int(i64::try_from(id).unwrap_or(i64::MAX)),
    );
}

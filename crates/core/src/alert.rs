//! Alerts: what detection raises and incident management consumes.
//!
//! The detection engine (Sigma rules inline in the pipeline, correlation rules over their
//! matches) turns matches into [`Alert`]s; the alert store keeps them, folding a repeat within
//! the suppression window into the alert it repeats; every [`AlertSink`] registered with the
//! pipeline hears about each new alert and each update, which is how incidents are opened and
//! notifications sent.

use crate::{event::EventId, tenant::TenantId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How serious an alert is: the Sigma rule `level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertLevel {
    /// Worth recording, not worth a look.
    Informational,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl AlertLevel {
    /// Reads a Sigma `level` (case-insensitive); anything else is `None`.
    pub fn parse(text: &str) -> Option<AlertLevel> {
        Some(match text.to_ascii_lowercase().as_str() {
            "informational" => AlertLevel::Informational,
            "low" => AlertLevel::Low,
            "medium" => AlertLevel::Medium,
            "high" => AlertLevel::High,
            "critical" => AlertLevel::Critical,
            _ => return None,
        })
    }

    /// The level's name as Sigma writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertLevel::Informational => "informational",
            AlertLevel::Low => "low",
            AlertLevel::Medium => "medium",
            AlertLevel::High => "high",
            AlertLevel::Critical => "critical",
        }
    }

    /// The OCSF `severity_id` of the level (1 informational … 5 critical).
    pub fn severity_id(self) -> i64 {
        self as i64 + 1
    }
}

/// Whether a single rule or a correlation over many matches raised the alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertKind {
    /// A Sigma detection rule matched one event.
    Detection,
    /// A Sigma correlation rule's condition held over a window of matches.
    Correlation,
}

/// One alert: a rule that fired, for one tenant, over one or more events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Unique id, assigned by the alert store.
    pub id: String,
    /// The tenant whose events fired the rule.
    pub tenant: TenantId,
    /// The rule's id.
    pub rule_id: String,
    /// The rule's title.
    pub rule_title: String,
    /// The rule's level.
    pub level: AlertLevel,
    /// The rule's tags (ATT&CK tactics and techniques as `attack.t1110.001`, ...).
    pub tags: Vec<String>,
    /// Detection or correlation.
    pub kind: AlertKind,
    /// Ids of the matching events, earliest first (bounded by the store).
    pub event_ids: Vec<EventId>,
    /// Time of the earliest matching event, epoch milliseconds.
    pub first_seen: i64,
    /// Time of the latest matching event, epoch milliseconds.
    pub last_seen: i64,
    /// How many times the rule fired for this alert (repeats within the suppression window
    /// are folded in).
    pub count: u64,
    /// The entities involved, for grouping and display: `host`, `user`, `src_ip`, `dst_ip`,
    /// and for correlations each `group-by` field, with their values.
    pub entities: BTreeMap<String, String>,
}

/// What happened to an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertChange {
    /// The alert is new.
    Raised,
    /// A repeat within the suppression window was folded into an existing alert.
    Repeated,
}

/// A consumer of alerts (incident management, notifications). Called on the detection
/// path: an implementation must be quick and must not block (queue the work).
pub trait AlertSink: Send + Sync + 'static {
    /// Hears about an alert that was raised or repeated (and is already stored).
    fn on_alert(&self, alert: &Alert, change: AlertChange);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_read_sigma_names_and_map_to_ocsf_severity() {
        assert_eq!(AlertLevel::parse("HIGH"), Some(AlertLevel::High));
        assert_eq!(AlertLevel::parse("severe"), None);
        assert_eq!(AlertLevel::Informational.severity_id(), 1);
        assert_eq!(AlertLevel::Critical.severity_id(), 5);
        assert!(AlertLevel::Critical > AlertLevel::Medium);
        let json = serde_json::to_string(&AlertLevel::Medium).unwrap();
        assert_eq!(json, "\"medium\"");
    }
}

//! What an incident is: its lifecycle states, the allowed moves between them, and the records
//! kept with it (linked alerts, notes, history, action runs).

use palisade_core::AlertLevel;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where an incident is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentState {
    /// Opened, nobody has looked yet.
    New,
    /// Someone has taken note of it.
    Acknowledged,
    /// Being worked on.
    InProgress,
    /// The cause is dealt with.
    Resolved,
    /// Done; only a reopen changes it again.
    Closed,
}

impl IncidentState {
    /// Every state, in lifecycle order.
    pub const ALL: [IncidentState; 5] = [
        IncidentState::New,
        IncidentState::Acknowledged,
        IncidentState::InProgress,
        IncidentState::Resolved,
        IncidentState::Closed,
    ];

    /// The state's name as the API and the database write it.
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentState::New => "new",
            IncidentState::Acknowledged => "acknowledged",
            IncidentState::InProgress => "in_progress",
            IncidentState::Resolved => "resolved",
            IncidentState::Closed => "closed",
        }
    }

    /// Reads a state name (`in-progress` is accepted for `in_progress`).
    pub fn parse(text: &str) -> Option<IncidentState> {
        let wanted = text.trim().to_ascii_lowercase().replace('-', "_");
        IncidentState::ALL
            .into_iter()
            .find(|s| s.as_str() == wanted)
    }

    /// Whether new alerts may still join the incident.
    pub fn is_open(self) -> bool {
        !matches!(self, IncidentState::Resolved | IncidentState::Closed)
    }

    /// Whether the lifecycle allows going from `self` to `to`. Forward moves may skip steps
    /// except into `closed`, which only follows `resolved`; a resolved or closed incident goes
    /// back only by a reopen (to `in_progress`).
    pub fn can_become(self, to: IncidentState) -> bool {
        use IncidentState::*;
        matches!(
            (self, to),
            (New, Acknowledged | InProgress | Resolved)
                | (Acknowledged, InProgress | Resolved)
                | (InProgress, Resolved)
                | (Resolved, Closed | InProgress)
                | (Closed, InProgress)
        )
    }
}

/// The severity of an incident, stored as OCSF `severity_id` (1 … 5).
pub fn level_from_id(id: i64) -> AlertLevel {
    match id {
        i64::MIN..=1 => AlertLevel::Informational,
        2 => AlertLevel::Low,
        3 => AlertLevel::Medium,
        4 => AlertLevel::High,
        _ => AlertLevel::Critical,
    }
}

/// The SLA clock of an incident.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SlaStatus {
    /// When it must be acknowledged by (absent: no target).
    pub acknowledge_due_ms: Option<i64>,
    /// When it must be resolved by.
    pub resolve_due_ms: Option<i64>,
    /// The acknowledge target passed unmet.
    pub acknowledge_breached: bool,
    /// The resolve target passed unmet.
    pub resolve_breached: bool,
}

/// One incident, as lists show it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Incident {
    /// Numeric id.
    pub id: i64,
    /// Owning tenant.
    pub tenant: String,
    /// Short description (the title of the rule that opened it, unless edited).
    pub title: String,
    /// Lifecycle state.
    pub state: IncidentState,
    /// Severity (the highest alert level unless set by hand).
    pub severity: AlertLevel,
    /// Who works on it.
    pub assignee: Option<String>,
    /// The rule of the alert that opened it (empty for an incident opened by hand).
    pub rule_id: String,
    /// The grouping key alerts join it by.
    pub group_key: String,
    /// The grouping entities (`host`, `user`, `src_ip`, ...) of the alert that opened it.
    pub entities: BTreeMap<String, String>,
    /// Opened at, epoch ms.
    pub created_ms: i64,
    /// Last changed at.
    pub updated_ms: i64,
    /// First acknowledged at.
    pub acknowledged_ms: Option<i64>,
    /// Resolved at.
    pub resolved_ms: Option<i64>,
    /// Closed at.
    pub closed_ms: Option<i64>,
    /// Set when merged into another incident.
    pub merged_into: Option<i64>,
    /// Earliest alert time.
    pub first_seen: i64,
    /// Latest alert time.
    pub last_seen: i64,
    /// Linked alerts.
    pub alert_count: i64,
    /// The SLA clock.
    pub sla: SlaStatus,
}

/// An alert linked to an incident.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LinkedAlert {
    /// The alert's id.
    pub alert_id: String,
    /// Its rule.
    pub rule_id: String,
    /// Its rule's title.
    pub rule_title: String,
    /// Its level.
    pub level: AlertLevel,
    /// How often it fired.
    pub count: u64,
    /// Earliest event time.
    pub first_seen: i64,
    /// Latest event time.
    pub last_seen: i64,
    /// Its entities.
    pub entities: BTreeMap<String, String>,
    /// Its events' ids.
    pub event_ids: Vec<String>,
}

/// A note someone left on an incident.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Note {
    /// When.
    pub time_ms: i64,
    /// Who.
    pub author: String,
    /// What.
    pub text: String,
}

/// One change in an incident's history.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HistoryEntry {
    /// When.
    pub time_ms: i64,
    /// Who (`system` for automatic changes).
    pub actor: String,
    /// What kind of change (`opened`, `state`, `assignee`, `severity`, `alert_joined`, ...).
    pub action: String,
    /// The details (old and new values, ids).
    pub detail: serde_json::Value,
}

/// One run of a response action.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ActionRun {
    /// Run id.
    pub id: i64,
    /// The action's name.
    pub action: String,
    /// Who started it (`rule:<id>` when bound to a rule).
    pub actor: String,
    /// `queued`, `running`, `succeeded`, `failed` or `timed_out`.
    pub status: String,
    /// Queued at.
    pub created_ms: i64,
    /// Finished at.
    pub finished_ms: Option<i64>,
    /// Exit code (commands) or HTTP status (webhooks).
    pub code: Option<i64>,
    /// Captured output (bounded), or the error.
    pub output: String,
}

/// An incident with everything recorded about it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IncidentDetail {
    /// The incident.
    #[serde(flatten)]
    pub incident: Incident,
    /// Its alerts.
    pub alerts: Vec<LinkedAlert>,
    /// Event ids linked by hand.
    pub events: Vec<String>,
    /// Notes, oldest first.
    pub notes: Vec<Note>,
    /// History, oldest first.
    pub history: Vec<HistoryEntry>,
    /// Response action runs, oldest first.
    pub action_runs: Vec<ActionRun>,
}

/// A change asked for through the API; absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentUpdate {
    /// New lifecycle state.
    pub state: Option<String>,
    /// New assignee (empty string: nobody).
    pub assignee: Option<String>,
    /// New severity.
    pub severity: Option<String>,
    /// New title.
    pub title: Option<String>,
    /// Event ids to link.
    #[serde(default)]
    pub link_events: Vec<String>,
    /// A note to add with the change.
    pub note: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_moves_forward_and_back_only_by_reopen() {
        use IncidentState::*;
        assert!(New.can_become(Acknowledged));
        assert!(Acknowledged.can_become(Resolved));
        assert!(Resolved.can_become(Closed));
        assert!(Closed.can_become(InProgress));
        assert!(!New.can_become(Closed));
        assert!(!Closed.can_become(Acknowledged));
        assert!(!InProgress.can_become(New));
        assert!(!Resolved.can_become(Resolved));
        assert_eq!(IncidentState::parse("In-Progress"), Some(InProgress));
        assert_eq!(IncidentState::parse("done"), None);
    }
}

//! The incident queue (`/console/incidents`) and one incident with its timeline
//! (`/console/incidents/{id}`).

use super::{alerts::Choice, Session};
use askama::Template;

/// One incident as the queue lists it.
#[derive(Debug, Clone)]
pub struct IncidentRow {
    /// Numeric id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Lifecycle state (`new`, `acknowledged`, `in_progress`, `resolved`, `closed`).
    pub state: String,
    /// Severity (`informational` … `critical`).
    pub severity: String,
    /// Who works on it (empty: nobody).
    pub assignee: String,
    /// The rule that opened it.
    pub rule_id: String,
    /// The grouping entities as `host=web01 src_ip=…`.
    pub entities: String,
    /// Opened at (UTC).
    pub opened: String,
    /// Last changed at (UTC).
    pub updated: String,
    /// Linked alerts.
    pub alert_count: i64,
    /// An SLA target passed unmet (`acknowledge`, `resolve`, or empty).
    pub sla_breach: String,
}

/// The incident queue.
#[derive(Template)]
#[template(path = "incidents.html")]
pub struct IncidentsPage {
    /// Who is looking.
    pub session: Session,
    /// State filter.
    pub states: Vec<Choice>,
    /// Minimum severity filter.
    pub severities: Vec<Choice>,
    /// Assignee filter as typed.
    pub assignee: String,
    /// Rule filter as typed.
    pub rule: String,
    /// Opened at or after, as typed.
    pub from: String,
    /// Why the filters could not be applied.
    pub error: Option<String>,
    /// The incidents, newest first.
    pub incidents: Vec<IncidentRow>,
    /// One line: how many.
    pub summary: String,
    /// Whether the role may change incidents (the pick boxes and bulk forms).
    pub can_write: bool,
}

/// One entry of an incident's timeline: a history entry or a note.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    /// When (UTC).
    pub time: String,
    /// Who.
    pub actor: String,
    /// What kind (`opened`, `state`, `assignee`, `note`, ...).
    pub action: String,
    /// The details as text.
    pub detail: String,
}

/// A state change the lifecycle allows from the current state.
#[derive(Debug, Clone)]
pub struct Transition {
    /// The target state as the API takes it.
    pub to: &'static str,
    /// The button's text (`Acknowledge`, `Resolve`, `Reopen`, ...).
    pub label: &'static str,
}

/// An alert linked to the incident.
#[derive(Debug, Clone)]
pub struct LinkedAlertRow {
    /// The alert's id (its page is `/console/alerts/{id}`).
    pub id: String,
    /// Level.
    pub level: String,
    /// Rule title.
    pub rule_title: String,
    /// How often it fired.
    pub count: u64,
    /// Latest event (UTC).
    pub last_seen: String,
    /// Entities as text.
    pub entities: String,
}

/// One incident: header, actions, linked alerts and events, timeline.
#[derive(Template)]
#[template(path = "incident.html")]
pub struct IncidentPage {
    /// Who is looking.
    pub session: Session,
    /// The incident.
    pub incident: IncidentRow,
    /// The state changes offered (empty when the role may only read).
    pub transitions: Vec<Transition>,
    /// Whether the role may assign, note and change state.
    pub can_write: bool,
    /// The API path the actions call (`/api/v1/incidents/{id}`).
    pub api: String,
    /// Linked alerts.
    pub alerts: Vec<LinkedAlertRow>,
    /// A search for every linked event, when there are any.
    pub events_href: Option<String>,
    /// How many events are linked (through alerts and by hand).
    pub event_count: usize,
    /// History and notes, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// SLA due times as text.
    pub sla: String,
    /// The incident this one was merged into, if it was.
    pub merged_into: Option<i64>,
    /// The response actions the server has configured: name and the API path that runs it.
    pub actions: Vec<(String, String)>,
    /// The response action runs, newest first.
    pub action_runs: Vec<ActionRunRow>,
}

/// One run of a response action.
#[derive(Debug, Clone)]
pub struct ActionRunRow {
    /// The action's name.
    pub action: String,
    /// Who ran it (`system` for a rule-bound run).
    pub actor: String,
    /// `running`, `succeeded`, `failed`, ...
    pub status: String,
    /// When it started (UTC).
    pub started: String,
    /// Its (bounded) output.
    pub output: String,
}

//! The incident queue (`/console/incidents`) and one incident (`/console/incidents/{id}`):
//! read through the incident manager as `GET /api/v1/incidents` reads it, scoped to the
//! signed-in tenant. Changes (state, assignee, notes) are sent by the page's script to
//! `PATCH /api/v1/incidents/{id}` and `POST /api/v1/incidents/{id}/comments`, the same calls
//! the CLI makes.

use super::{
    alerts::{entity_text, events_link},
    data, html, session_of,
};
use crate::api::{error, incidents::incident_error, ApiState};
use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::Response,
    Extension,
};
use palisade_console::pages::{
    alerts::Choice,
    incidents::{
        IncidentPage, IncidentRow, IncidentsPage, LinkedAlertRow, TimelineEntry, Transition,
    },
};
use palisade_core::{
    time::{now_ms, parse_time},
    AlertLevel,
};
use palisade_iam::{role::Permission, Identity};
use palisade_incident::{HistoryEntry, Incident, IncidentDetail, IncidentFilter, IncidentState};
use serde::Deserialize;
use std::sync::Arc;

/// Rows the queue shows.
const PAGE_INCIDENTS: usize = 200;

const STATES: &[(&str, &str)] = &[
    ("open", "open"),
    ("", "any state"),
    ("new", "new"),
    ("acknowledged", "acknowledged"),
    ("in_progress", "in progress"),
    ("resolved", "resolved"),
    ("closed", "closed"),
];

const SEVERITIES: &[(&str, &str)] = &[
    ("", "any severity"),
    ("low", "low and up"),
    ("medium", "medium and up"),
    ("high", "high and up"),
    ("critical", "critical"),
];

/// The queue's filters.
#[derive(Debug, Default, Deserialize)]
pub struct IncidentForm {
    state: Option<String>,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    from: String,
}

fn incident_filter(identity: &Identity, form: &IncidentForm) -> Result<IncidentFilter, String> {
    let states = match form.state.as_deref().unwrap_or("open").trim() {
        "" => Vec::new(),
        "open" => IncidentState::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect(),
        name => vec![IncidentState::parse(name).ok_or_else(|| {
            format!("unknown state {name:?}: use open, new, acknowledged, in_progress, resolved or closed")
        })?],
    };
    let min_severity = match form.severity.trim() {
        "" => None,
        text => Some(AlertLevel::parse(text).ok_or_else(|| format!("unknown severity {text:?}"))?),
    };
    let from = match form.from.trim() {
        "" => None,
        text => Some(parse_time(text, now_ms()).map_err(|e| format!("from: {e}"))?),
    };
    let text = |t: &str| Some(t.trim().to_owned()).filter(|t| !t.is_empty());
    Ok(IncidentFilter {
        tenant: Some(identity.tenant.to_string()),
        states,
        min_severity,
        assignee: text(&form.assignee),
        rule: text(&form.rule),
        from,
        to: None,
        limit: PAGE_INCIDENTS,
    })
}

fn row(incident: &Incident) -> IncidentRow {
    let sla = &incident.sla;
    let breach = match (sla.acknowledge_breached, sla.resolve_breached) {
        (_, true) => "resolve",
        (true, false) => "acknowledge",
        (false, false) => "",
    };
    IncidentRow {
        id: incident.id,
        title: incident.title.clone(),
        state: incident.state.as_str().to_owned(),
        severity: incident.severity.as_str().to_owned(),
        assignee: incident.assignee.clone().unwrap_or_default(),
        rule_id: incident.rule_id.clone(),
        entities: entity_text(&incident.entities),
        opened: data::when(incident.created_ms),
        updated: data::when(incident.updated_ms),
        alert_count: incident.alert_count,
        sla_breach: breach.to_owned(),
    }
}

/// `GET /console/incidents`.
pub async fn list(
    State(state): State<Arc<ApiState>>,
    Extension(identity): Extension<Identity>,
    headers: HeaderMap,
    Query(form): Query<IncidentForm>,
) -> Response {
    let session = session_of(&identity, &headers, "/console/incidents");
    let outcome = match incident_filter(&identity, &form) {
        Ok(filter) => {
            let manager = state.incidents.clone();
            tokio::task::spawn_blocking(move || manager.list(&filter).map_err(|e| e.to_string()))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r)
        }
        Err(e) => Err(e),
    };
    let (status, error, incidents) = match outcome {
        Ok(found) => (StatusCode::OK, None, found.iter().map(row).collect()),
        Err(e) => (StatusCode::BAD_REQUEST, Some(e), Vec::new()),
    };
    let incidents: Vec<IncidentRow> = incidents;
    let page = IncidentsPage {
        session,
        states: Choice::list(STATES, form.state.as_deref().unwrap_or("open")),
        severities: Choice::list(SEVERITIES, &form.severity),
        assignee: form.assignee.clone(),
        rule: form.rule.clone(),
        from: form.from.clone(),
        error,
        summary: match incidents.len() {
            1 => "1 incident".into(),
            n => format!("{n} incidents"),
        },
        incidents,
    };
    html(status, &page)
}

/// The buttons the lifecycle allows from `current`.
fn transitions(current: IncidentState) -> Vec<Transition> {
    let reopening = !current.is_open();
    IncidentState::ALL
        .into_iter()
        .filter(|to| current.can_become(*to))
        .map(|to| Transition {
            to: to.as_str(),
            label: match to {
                IncidentState::New => "Reset",
                IncidentState::Acknowledged => "Acknowledge",
                IncidentState::InProgress if reopening => "Reopen",
                IncidentState::InProgress => "Start work",
                IncidentState::Resolved => "Resolve",
                IncidentState::Closed => "Close",
            },
        })
        .collect()
}

/// A history entry's details as one line: a note's text, `from → to`, or `key=value` pairs.
fn detail_text(entry: &HistoryEntry) -> String {
    let detail = &entry.detail;
    if let Some(text) = detail.get("text").and_then(|t| t.as_str()) {
        return text.to_owned();
    }
    if let (Some(from), Some(to)) = (detail.get("from"), detail.get("to")) {
        return format!("{} → {}", data::cell(from), data::cell(to));
    }
    match detail.as_object() {
        Some(map) => map
            .iter()
            .map(|(k, v)| format!("{k}={}", data::cell(v)))
            .collect::<Vec<_>>()
            .join(" "),
        None => data::cell(detail),
    }
}

fn detail_page(identity: &Identity, headers: &HeaderMap, detail: &IncidentDetail) -> IncidentPage {
    let incident = &detail.incident;
    let can_write = identity.can(Permission::IncidentsWrite);
    let mut event_ids: Vec<String> = detail
        .alerts
        .iter()
        .flat_map(|a| a.event_ids.iter().cloned())
        .chain(detail.events.iter().cloned())
        .collect();
    event_ids.sort();
    event_ids.dedup();
    let due = |label: &str, at: Option<i64>| at.map(|ms| format!("{label} by {}", data::when(ms)));
    let sla: Vec<String> = [
        due("acknowledge", incident.sla.acknowledge_due_ms),
        due("resolve", incident.sla.resolve_due_ms),
    ]
    .into_iter()
    .flatten()
    .collect();
    IncidentPage {
        session: session_of(identity, headers, "/console/incidents"),
        incident: row(incident),
        transitions: if can_write {
            transitions(incident.state)
        } else {
            Vec::new()
        },
        can_write,
        api: format!("/api/v1/incidents/{}", incident.id),
        alerts: detail
            .alerts
            .iter()
            .map(|a| LinkedAlertRow {
                id: a.alert_id.clone(),
                level: a.level.as_str().to_owned(),
                rule_title: a.rule_title.clone(),
                count: a.count,
                last_seen: data::when(a.last_seen),
                entities: entity_text(&a.entities),
            })
            .collect(),
        events_href: (!event_ids.is_empty()).then(|| {
            let from = incident.first_seen.min(incident.created_ms) - 24 * 3_600_000;
            events_link(&event_ids, from, None)
        }),
        event_count: event_ids.len(),
        timeline: detail
            .history
            .iter()
            .map(|h| TimelineEntry {
                time: data::when(h.time_ms),
                actor: h.actor.clone(),
                action: h.action.clone(),
                detail: detail_text(h),
            })
            .collect(),
        sla: if sla.is_empty() {
            "no targets".into()
        } else {
            sla.join(", ")
        },
    }
}

/// `GET /console/incidents/{id}`: 404 unless the incident is the signed-in tenant's.
pub async fn one(
    State(state): State<Arc<ApiState>>,
    Extension(identity): Extension<Identity>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error(StatusCode::NOT_FOUND, format!("no incident {id}"));
    };
    let manager = state.incidents.clone();
    let tenant = identity.tenant.to_string();
    let found = tokio::task::spawn_blocking(move || manager.get(id, Some(&tenant))).await;
    match found {
        Ok(Ok(detail)) => html(StatusCode::OK, &detail_page(&identity, &headers, &detail)),
        Ok(Err(e)) => incident_error(e),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("lookup failed: {e}"),
        ),
    }
}

//! One incident (`/console/incidents/{id}`): its facts, linked alerts and events, response
//! action runs and timeline, with the forms a role that may change incidents gets (state
//! changes the lifecycle allows, assignment, notes, merge, split, response actions), each a
//! call from the page's script to the incident API.

use super::{alerts::entity_text, alerts::events_link, data, html, incidents::row, session_of};
use crate::api::{error, incidents::incident_error, ApiState};
use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::Response,
    Extension,
};
use palisade_console::pages::incidents::{
    ActionRunRow, IncidentPage, LinkedAlertRow, TimelineEntry, Transition,
};
use palisade_iam::{role::Permission, Identity};
use palisade_incident::{HistoryEntry, IncidentDetail, IncidentState};
use std::sync::Arc;

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

/// The response actions configured on the server, each with the API path that runs it on
/// incident `api` (empty for a role that may not change incidents).
fn action_buttons(names: &[String], api: &str, can_write: bool) -> Vec<(String, String)> {
    if !can_write {
        return Vec::new();
    }
    names
        .iter()
        .map(|name| {
            (
                name.clone(),
                format!("{api}/actions/{}", data::encode(name)),
            )
        })
        .collect()
}

fn detail_page(
    identity: &Identity,
    headers: &HeaderMap,
    detail: &IncidentDetail,
    action_names: &[String],
) -> IncidentPage {
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
    let api = format!("/api/v1/incidents/{}", incident.id);
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
        api: api.clone(),
        actions: action_buttons(action_names, &api, can_write),
        merged_into: incident.merged_into,
        action_runs: detail
            .action_runs
            .iter()
            .rev()
            .map(|run| ActionRunRow {
                action: run.action.clone(),
                actor: run.actor.clone(),
                status: run.status.clone(),
                started: data::when(run.created_ms),
                output: run.output.clone(),
            })
            .collect(),
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
    let action_names: Vec<String> = manager
        .config()
        .actions
        .iter()
        .map(|a| a.name.clone())
        .collect();
    let tenant = identity.tenant.to_string();
    let found = tokio::task::spawn_blocking(move || manager.get(id, Some(&tenant))).await;
    match found {
        Ok(Ok(detail)) => html(
            StatusCode::OK,
            &detail_page(&identity, &headers, &detail, &action_names),
        ),
        Ok(Err(e)) => incident_error(e),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("lookup failed: {e}"),
        ),
    }
}

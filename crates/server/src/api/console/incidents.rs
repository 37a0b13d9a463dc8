//! The incident queue (`/console/incidents`): read through the incident manager as
//! `GET /api/v1/incidents` reads it, scoped to the signed-in tenant. Acknowledging, assigning
//! or merging the ticked incidents are calls from the page's script to
//! `PATCH /api/v1/incidents/{id}` and `POST /api/v1/incidents/{id}/merge`, the calls the CLI
//! makes; one incident's page is in `incident.rs`.

use super::{alerts::entity_text, data, html, session_of};
use crate::api::ApiState;
use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::Response,
    Extension,
};
use palisade_console::pages::{
    alerts::Choice,
    incidents::{IncidentRow, IncidentsPage},
};
use palisade_core::{
    time::{now_ms, parse_time},
    AlertLevel,
};
use palisade_iam::{role::Permission, Identity};
use palisade_incident::{Incident, IncidentFilter, IncidentState};
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

/// One incident as the queue (and the incident page's header) shows it.
pub(super) fn row(incident: &Incident) -> IncidentRow {
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
    let can_write = identity.can(Permission::IncidentsWrite);
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
        can_write,
    };
    html(status, &page)
}

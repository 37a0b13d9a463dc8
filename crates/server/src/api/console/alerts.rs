//! The alert queue (`/console/alerts`) and one alert (`/console/alerts/{id}`): the alert store
//! read as `GET /api/v1/alerts` reads it, scoped to the signed-in tenant. Each alert shows
//! its own triage status and the state of the incident it was grouped into (linked). Status
//! changes, one alert or every ticked one, are calls from the page's script to
//! `POST /api/v1/alerts/{id}/status`, the call the CLI makes.

use super::{data, html, session_of};
use crate::api::{error, ApiState};
use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::Response,
    Extension,
};
use palisade_alerts::{AlertFilter, AlertStatus};
use palisade_console::pages::alerts::{AlertPage, AlertRow, AlertsPage, Choice};
use palisade_core::{
    time::{now_ms, parse_time},
    Alert, AlertLevel, EventId,
};
use palisade_iam::{role::Permission, Identity};
use palisade_incident::IncidentState;
use serde::Deserialize;
use std::{collections::HashMap, sync::Arc};

/// Rows the queue shows.
const PAGE_ALERTS: usize = 200;
/// Alerts read before the status filter narrows them.
const SCANNED_ALERTS: usize = 2_000;
/// Event ids a search link names (the search box stays readable).
const LINKED_EVENTS: usize = 50;

const LEVELS: &[(&str, &str)] = &[
    ("", "any level"),
    ("low", "low and up"),
    ("medium", "medium and up"),
    ("high", "high and up"),
    ("critical", "critical"),
];

const STATUSES: &[(&str, &str)] = &[
    ("", "any status"),
    ("open", "incident open"),
    ("none", "no incident"),
    ("new", "new"),
    ("acknowledged", "acknowledged"),
    ("in_progress", "in progress"),
    ("resolved", "resolved"),
    ("closed", "closed"),
];

/// The queue's filters.
#[derive(Debug, Default, Deserialize)]
pub struct AlertForm {
    #[serde(default)]
    level: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    rule: String,
    since: Option<String>,
    #[serde(default)]
    until: String,
}

fn alert_filter(identity: &Identity, form: &AlertForm, now: i64) -> Result<AlertFilter, String> {
    let min_level = match form.level.trim() {
        "" => None,
        text => Some(AlertLevel::parse(text).ok_or_else(|| {
            format!("unknown level {text:?}: use informational, low, medium, high or critical")
        })?),
    };
    if !form.status.is_empty() && !STATUSES.iter().any(|s| s.0 == form.status) {
        return Err(format!(
            "unknown status {:?}: use open, none or an incident state",
            form.status
        ));
    }
    let since = form.since.as_deref().unwrap_or("now-7d").trim();
    let since = (!since.is_empty())
        .then(|| parse_time(since, now).map_err(|e| format!("since: {e}")))
        .transpose()?;
    let until = (!form.until.trim().is_empty())
        .then(|| parse_time(form.until.trim(), now).map_err(|e| format!("until: {e}")))
        .transpose()?;
    Ok(AlertFilter {
        tenant: Some(identity.tenant.clone()),
        rule_id: Some(form.rule.trim().to_owned()).filter(|r| !r.is_empty()),
        min_level,
        since,
        until,
        limit: SCANNED_ALERTS,
    })
}

/// A search for events by id over `[from, to]`, as a console link.
pub(super) fn events_link(ids: &[String], from: i64, to: Option<i64>) -> String {
    let query: Vec<String> = ids
        .iter()
        .take(LINKED_EVENTS)
        .map(|id| format!("id:{id}"))
        .collect();
    let mut href = format!(
        "/console/search?q={}&from={}",
        data::encode(&query.join(" OR ")),
        data::encode(&palisade_core::time::format_rfc3339(from - 60_000))
    );
    if let Some(to) = to {
        let to = palisade_core::time::format_rfc3339(to + 60_000);
        href.push_str(&format!("&to={}", data::encode(&to)));
    }
    href
}

/// `host=web01 user=root` from an entity map.
pub(super) fn entity_text<'a>(
    entities: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> String {
    entities
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn row(
    alert: &Alert,
    triage: Option<&AlertStatus>,
    incident: Option<&(i64, IncidentState)>,
) -> AlertRow {
    let ids: Vec<String> = alert.event_ids.iter().map(EventId::to_string).collect();
    AlertRow {
        id: alert.id.clone(),
        level: alert.level.as_str().to_owned(),
        rule_id: alert.rule_id.clone(),
        rule_title: alert.rule_title.clone(),
        first_seen: data::when(alert.first_seen),
        last_seen: data::when(alert.last_seen),
        count: alert.count,
        entities: entity_text(&alert.entities),
        status: incident.map_or("no incident".into(), |(id, state)| {
            format!("{} (#{id})", state.as_str())
        }),
        triage: triage
            .copied()
            .unwrap_or(AlertStatus::New)
            .name()
            .replace('_', " "),
        incident_href: incident.map(|(id, _)| format!("/console/incidents/{id}")),
        events_href: events_link(&ids, alert.first_seen, Some(alert.last_seen)),
    }
}

fn status_matches(wanted: &str, incident: Option<&(i64, IncidentState)>) -> bool {
    match (wanted, incident) {
        ("", _) => true,
        ("none", found) => found.is_none(),
        ("open", Some((_, state))) => state.is_open(),
        (name, Some((_, state))) => state.as_str() == name,
        (_, None) => false,
    }
}

/// The tenant's alerts that pass the filters, with the incidents they are in.
fn queue(
    state: &ApiState,
    identity: &Identity,
    filter: &AlertFilter,
    status: &str,
) -> Result<Vec<AlertRow>, String> {
    let alerts = state
        .detection
        .alerts()
        .list(filter)
        .map_err(|e| e.to_string())?;
    let ids: Vec<String> = alerts.iter().map(|a| a.id.clone()).collect();
    let incidents = incidents_of(state, identity, &ids)?;
    let shown: Vec<&Alert> = alerts
        .iter()
        .filter(|a| status_matches(status, incidents.get(&a.id)))
        .take(PAGE_ALERTS)
        .collect();
    let triage = triage_of(state, shown.iter().map(|a| a.id.as_str()))?;
    Ok(shown
        .into_iter()
        .map(|a| row(a, triage.get(&a.id), incidents.get(&a.id)))
        .collect())
}

/// The alerts' own triage statuses.
fn triage_of<'a>(
    state: &ApiState,
    ids: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, AlertStatus>, String> {
    let ids: Vec<&str> = ids.collect();
    state
        .detection
        .alerts()
        .statuses(&ids)
        .map_err(|e| e.to_string())
}

fn incidents_of(
    state: &ApiState,
    identity: &Identity,
    ids: &[String],
) -> Result<HashMap<String, (i64, IncidentState)>, String> {
    state
        .incidents
        .incidents_of_alerts(ids, Some(identity.tenant.as_str()))
        .map_err(|e| e.to_string())
}

/// `GET /console/alerts`.
pub async fn list(
    State(state): State<Arc<ApiState>>,
    Extension(identity): Extension<Identity>,
    headers: HeaderMap,
    Query(form): Query<AlertForm>,
) -> Response {
    let session = session_of(&identity, &headers, "/console/alerts");
    let can_write = identity.can(Permission::AlertsWrite);
    let outcome = match alert_filter(&identity, &form, now_ms()) {
        Ok(filter) => {
            let status = form.status.clone();
            tokio::task::spawn_blocking(move || queue(&state, &identity, &filter, &status))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r)
        }
        Err(e) => Err(e),
    };
    let (status, error, alerts) = match outcome {
        Ok(rows) => (StatusCode::OK, None, rows),
        Err(e) => (StatusCode::BAD_REQUEST, Some(e), Vec::new()),
    };
    let page = AlertsPage {
        session,
        levels: Choice::list(LEVELS, &form.level),
        statuses: Choice::list(STATUSES, &form.status),
        rule: form.rule.clone(),
        since: form.since.clone().unwrap_or_else(|| "now-7d".into()),
        until: form.until.clone(),
        error,
        summary: match alerts.len() {
            PAGE_ALERTS => {
                format!("the newest {PAGE_ALERTS} alerts; narrow the filters for older ones")
            }
            1 => "1 alert".into(),
            n => format!("{n} alerts"),
        },
        alerts,
        can_write,
    };
    html(status, &page)
}

/// `GET /console/alerts/{id}`: 404 unless the alert is the signed-in tenant's.
pub async fn one(
    State(state): State<Arc<ApiState>>,
    Extension(identity): Extension<Identity>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let session = session_of(&identity, &headers, "/console/alerts");
    let lookup = id.clone();
    let found = tokio::task::spawn_blocking(move || {
        let alert = state
            .detection
            .alerts()
            .get(&lookup, Some(&identity.tenant))
            .map_err(|e| e.to_string())?;
        let Some(alert) = alert else {
            return Ok(None);
        };
        let incidents = incidents_of(&state, &identity, std::slice::from_ref(&alert.id))?;
        let incident = incidents.get(&alert.id).copied();
        let triage = triage_of(&state, std::iter::once(alert.id.as_str()))?;
        let triage = triage.get(&alert.id).copied();
        Ok::<_, String>(Some((alert, triage, incident, identity)))
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    match found {
        Ok(Some((alert, triage, incident, identity))) => {
            let page = AlertPage {
                session,
                alert: row(&alert, triage.as_ref(), incident.as_ref()),
                kind: format!("{:?}", alert.kind).to_lowercase(),
                tags: alert.tags.clone(),
                entities: alert.entities.clone().into_iter().collect(),
                event_ids: alert.event_ids.iter().map(EventId::to_string).collect(),
                can_write: identity.can(Permission::AlertsWrite),
                status_api: format!("/api/v1/alerts/{}/status", data::encode(&alert.id)),
            };
            html(StatusCode::OK, &page)
        }
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no alert {id}")),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

//! `/api/v1/incidents`: list, get, update (state, assignee, severity, title, linked events,
//! note), comment, merge, split, run a response action, submit an alert; metrics and patterns
//! live in `incident_reports`. Everything is scoped to the caller's tenant (docs/incidents.md).

use super::{error, ApiState};
use crate::auth::Principal;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Extension, Json, Router,
};
use palisade_core::{time::parse_time, Alert, AlertChange, AlertLevel};
use palisade_incident::{
    IncidentError, IncidentFilter, IncidentManager, IncidentState, IncidentUpdate,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The `/api/v1/incidents` routes.
pub fn routes() -> Router<Arc<ApiState>> {
    Router::new()
        .route("/api/v1/incidents", get(list))
        .route("/api/v1/incidents/alerts", post(submit_alert))
        .route(
            "/api/v1/incidents/metrics",
            get(super::incident_reports::metrics),
        )
        .route(
            "/api/v1/incidents/patterns",
            get(super::incident_reports::patterns),
        )
        .route(
            "/api/v1/incidents/notifications",
            get(super::incident_reports::notifications),
        )
        .route("/api/v1/incidents/{id}", get(show).patch(update))
        .route("/api/v1/incidents/{id}/comments", post(comment))
        .route("/api/v1/incidents/{id}/merge", post(merge))
        .route("/api/v1/incidents/{id}/split", post(split))
        .route("/api/v1/incidents/{id}/actions/{name}", post(run_action))
}

/// The HTTP answer for an incident error.
pub fn incident_error(e: IncidentError) -> Response {
    let status = match &e {
        IncidentError::NotFound(_) => StatusCode::NOT_FOUND,
        IncidentError::InvalidTransition { .. } => StatusCode::CONFLICT,
        IncidentError::BadRequest(_) => StatusCode::BAD_REQUEST,
        IncidentError::State(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error(status, e.to_string())
}

/// Runs `work` on the incident manager off the async threads; answers its result as JSON.
pub async fn blocking<T: Serialize + Send + 'static>(
    state: &ApiState,
    work: impl FnOnce(&IncidentManager) -> Result<T, IncidentError> + Send + 'static,
) -> Response {
    let manager = state.incidents.clone();
    match tokio::task::spawn_blocking(move || work(&manager)).await {
        Ok(Ok(value)) => Json(value).into_response(),
        Ok(Err(e)) => incident_error(e),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("incident operation failed: {e}"),
        ),
    }
}

/// A refused request: the status and the message (turned into a response by [`refuse`]).
pub type Refusal = (StatusCode, String);

/// The JSON error response of a refusal.
pub fn refuse((status, message): Refusal) -> Response {
    error(status, message)
}

/// The tenant a request acts in (`None`: every tenant, for a provider administrator's `*`).
pub fn scope(principal: &Principal, asked: Option<&str>) -> Result<Option<String>, Refusal> {
    principal
        .scope(asked)
        .map(|t| t.map(|t| t.as_str().to_owned()))
        .map_err(|m| (StatusCode::FORBIDDEN, m))
}

/// Reads an optional time parameter.
pub fn time_param(name: &str, value: Option<&str>, default: i64) -> Result<i64, Refusal> {
    match value {
        None => Ok(default),
        Some(text) => parse_time(text, palisade_core::time::now_ms())
            .map_err(|e| (StatusCode::BAD_REQUEST, format!("{name}: {e}"))),
    }
}

/// Query parameters of the list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Comma-separated states (`open` = new, acknowledged and in_progress).
    state: Option<String>,
    /// Minimum severity.
    severity: Option<String>,
    assignee: Option<String>,
    rule: Option<String>,
    /// Opened at or after.
    from: Option<String>,
    /// Opened before.
    to: Option<String>,
    /// At most this many (default 100, at most 10 000).
    limit: Option<usize>,
    tenant: Option<String>,
}

fn states(text: &str) -> Result<Vec<IncidentState>, String> {
    let mut out = Vec::new();
    for name in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if name == "open" {
            out.extend([
                IncidentState::New,
                IncidentState::Acknowledged,
                IncidentState::InProgress,
            ]);
            continue;
        }
        out.push(IncidentState::parse(name).ok_or_else(|| {
            format!("unknown state {name:?}: use open, new, acknowledged, in_progress, resolved or closed")
        })?);
    }
    Ok(out)
}

async fn list(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Query(p): Query<ListParams>,
) -> Response {
    let build = || -> Result<IncidentFilter, Refusal> {
        let bad = |m: String| (StatusCode::BAD_REQUEST, m);
        let min_severity = p
            .severity
            .as_deref()
            .map(|s| AlertLevel::parse(s).ok_or_else(|| bad(format!("unknown severity {s:?}"))))
            .transpose()?;
        Ok(IncidentFilter {
            tenant: scope(&principal, p.tenant.as_deref())?,
            states: states(p.state.as_deref().unwrap_or("")).map_err(bad)?,
            min_severity,
            assignee: p.assignee.clone(),
            rule: p.rule.clone(),
            from: p
                .from
                .as_deref()
                .map(|f| time_param("from", Some(f), 0))
                .transpose()?,
            to: p
                .to
                .as_deref()
                .map(|t| time_param("to", Some(t), 0))
                .transpose()?,
            limit: p.limit.unwrap_or(100).clamp(1, 10_000),
        })
    };
    let filter = match build() {
        Ok(f) => f,
        Err(r) => return refuse(r),
    };
    blocking(&state, move |m| {
        Ok(serde_json::json!({ "incidents": m.list(&filter)? }))
    })
    .await
}

/// `?tenant=` on single-incident routes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantParam {
    tenant: Option<String>,
}

async fn show(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<i64>,
    Query(p): Query<TenantParam>,
) -> Response {
    let tenant = match scope(&principal, p.tenant.as_deref()) {
        Ok(t) => t,
        Err(r) => return refuse(r),
    };
    blocking(&state, move |m| m.get(id, tenant.as_deref())).await
}

async fn update(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<i64>,
    Query(p): Query<TenantParam>,
    Json(change): Json<IncidentUpdate>,
) -> Response {
    let tenant = match scope(&principal, p.tenant.as_deref()) {
        Ok(t) => t,
        Err(r) => return refuse(r),
    };
    blocking(&state, move |m| {
        m.update(id, tenant.as_deref(), &principal.name, &change)
    })
    .await
}

/// Body of `POST .../comments`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    text: String,
}

async fn comment(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<i64>,
    Query(p): Query<TenantParam>,
    Json(body): Json<CommentBody>,
) -> Response {
    let tenant = match scope(&principal, p.tenant.as_deref()) {
        Ok(t) => t,
        Err(r) => return refuse(r),
    };
    blocking(&state, move |m| {
        m.comment(id, tenant.as_deref(), &principal.name, &body.text)
    })
    .await
}

/// Body of `POST .../merge`: the incidents to fold into this one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    incidents: Vec<i64>,
}

async fn merge(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<i64>,
    Query(p): Query<TenantParam>,
    Json(body): Json<MergeBody>,
) -> Response {
    let tenant = match scope(&principal, p.tenant.as_deref()) {
        Ok(t) => t,
        Err(r) => return refuse(r),
    };
    blocking(&state, move |m| {
        m.merge(id, &body.incidents, tenant.as_deref(), &principal.name)
    })
    .await
}

/// Body of `POST .../split`: the alerts to move into a new incident.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitBody {
    alerts: Vec<String>,
}

async fn split(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<i64>,
    Query(p): Query<TenantParam>,
    Json(body): Json<SplitBody>,
) -> Response {
    let tenant = match scope(&principal, p.tenant.as_deref()) {
        Ok(t) => t,
        Err(r) => return refuse(r),
    };
    blocking(&state, move |m| {
        m.split(id, &body.alerts, tenant.as_deref(), &principal.name)
    })
    .await
}

async fn run_action(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Path((id, name)): Path<(i64, String)>,
    Query(p): Query<TenantParam>,
) -> Response {
    let tenant = match scope(&principal, p.tenant.as_deref()) {
        Ok(t) => t,
        Err(r) => return refuse(r),
    };
    blocking(&state, move |m| {
        m.run_action(id, tenant.as_deref(), &name, &principal.name)
    })
    .await
}

/// `POST /api/v1/incidents/alerts`: an alert raised outside Palisade's detection (or replayed),
/// grouped exactly as detection's alerts are; answers the incident id.
async fn submit_alert(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Json(alert): Json<Alert>,
) -> Response {
    if let Err(r) = scope(&principal, Some(alert.tenant.as_str())) {
        return refuse(r);
    }
    if alert.id.trim().is_empty() || alert.rule_id.trim().is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "an alert needs an id and a rule_id".into(),
        );
    }
    blocking(&state, move |m| {
        let id = m.ingest(&alert, AlertChange::Raised)?;
        Ok(serde_json::json!({ "incident": id }))
    })
    .await
}

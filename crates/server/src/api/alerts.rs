//! `GET /api/v1/alerts` and `GET /api/v1/alerts/{id}`: the caller's tenant's alerts, each
//! with its status; `POST /api/v1/alerts/{id}/status` sets the status (which writes the
//! alert's OCSF finding update into the event store).

use super::{error, ApiState};
use crate::auth::Principal;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Extension, Json, Router,
};
use palisade_alerts::{AlertFilter, AlertStatus, AlertStore};
use palisade_core::{time, Alert, AlertLevel};
use palisade_state::StateError;
use serde::Deserialize;
use std::sync::Arc;

/// The most alerts one listing returns.
const MAX_ALERTS: usize = 10_000;

/// The alert routes.
pub fn routes() -> Router<Arc<ApiState>> {
    Router::new()
        .route("/api/v1/alerts", get(list))
        .route("/api/v1/alerts/{id}", get(one))
        .route("/api/v1/alerts/{id}/status", post(set_status))
}

/// Query parameters of the listing.
#[derive(Debug, Deserialize)]
pub struct ListParams {
    /// Only this rule id.
    rule: Option<String>,
    /// Only alerts at least this serious (`informational` … `critical`).
    level: Option<String>,
    /// Only alerts seen at or after this time (RFC 3339, a date, epoch ms, `now-1h`).
    since: Option<String>,
    /// Only alerts that began before this time.
    until: Option<String>,
    /// At most this many (default 100, at most 10 000), newest first.
    limit: Option<usize>,
    /// Tenant (provider administrators: a name or `*`).
    tenant: Option<String>,
}

/// Query parameters of one alert.
#[derive(Debug, Deserialize)]
pub struct OneParams {
    /// Tenant (provider administrators: a name or `*`).
    tenant: Option<String>,
}

type Rejection = (StatusCode, String);

fn filter(principal: &Principal, params: &ListParams) -> Result<AlertFilter, Rejection> {
    let bad = |m: String| (StatusCode::BAD_REQUEST, m);
    let tenant = principal
        .scope(params.tenant.as_deref())
        .map_err(|e| (StatusCode::FORBIDDEN, e))?;
    let now = time::now_ms();
    let when = |text: &Option<String>| text.as_deref().map(|t| time::parse_time(t, now));
    let min_level = match params.level.as_deref() {
        None => None,
        Some(text) => Some(AlertLevel::parse(text).ok_or_else(|| {
            bad(format!(
                "unknown level {text:?}: use informational, low, medium, high or critical"
            ))
        })?),
    };
    let limit = params.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_ALERTS {
        return Err(bad(format!("limit must be 1 to {MAX_ALERTS}, not {limit}")));
    }
    Ok(AlertFilter {
        tenant,
        rule_id: params.rule.clone(),
        min_level,
        since: when(&params.since).transpose().map_err(bad)?,
        until: when(&params.until).transpose().map_err(bad)?,
        limit,
    })
}

/// Handler: `{"alerts": [...], "count": n}`, newest first.
pub async fn list(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Query(params): Query<ListParams>,
) -> Response {
    let filter = match filter(&principal, &params) {
        Ok(f) => f,
        Err((status, message)) => return error(status, message),
    };
    let detection = state.detection.clone();
    let listed = tokio::task::spawn_blocking(move || {
        let store = detection.alerts();
        with_status(store, store.list(&filter)?)
    })
    .await;
    match listed {
        Ok(Ok(alerts)) => {
            Json(serde_json::json!({ "count": alerts.len(), "alerts": alerts })).into_response()
        }
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("listing failed: {e}"),
        ),
    }
}

/// Handler: the alert, or 404 when it does not exist in the caller's scope.
pub async fn one(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Query(params): Query<OneParams>,
) -> Response {
    let tenant = match principal.scope(params.tenant.as_deref()) {
        Ok(t) => t,
        Err(message) => return error(StatusCode::FORBIDDEN, message),
    };
    let detection = state.detection.clone();
    let lookup = id.clone();
    let found = tokio::task::spawn_blocking(move || {
        let store = detection.alerts();
        let alert = store.get(&lookup, tenant.as_ref())?;
        Ok::<_, StateError>(with_status(store, alert.into_iter().collect())?.pop())
    })
    .await;
    match found {
        Ok(Ok(Some(alert))) => Json(alert).into_response(),
        Ok(Ok(None)) => error(StatusCode::NOT_FOUND, format!("no alert {id}")),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("lookup failed: {e}"),
        ),
    }
}

/// The alerts as JSON, each with its `status`.
fn with_status(
    store: &AlertStore,
    alerts: Vec<Alert>,
) -> Result<Vec<serde_json::Value>, StateError> {
    let ids: Vec<&str> = alerts.iter().map(|a| a.id.as_str()).collect();
    let statuses = store.statuses(&ids)?;
    Ok(alerts
        .iter()
        .map(|alert| {
            let mut json = serde_json::to_value(alert).unwrap_or_default();
            let status = statuses.get(&alert.id).copied().unwrap_or(AlertStatus::New);
            json["status"] = status.name().into();
            json
        })
        .collect())
}

/// Body of a status change.
#[derive(Debug, Deserialize)]
pub struct StatusBody {
    /// `new`, `in_progress`, `suppressed` or `resolved`.
    status: String,
}

/// Handler: sets the alert's status; `{"alert": {...}, "changed": bool}`, 404 when the alert
/// does not exist in the caller's scope.
pub async fn set_status(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Query(params): Query<OneParams>,
    Json(body): Json<StatusBody>,
) -> Response {
    let tenant = match principal.scope(params.tenant.as_deref()) {
        Ok(t) => t,
        Err(message) => return error(StatusCode::FORBIDDEN, message),
    };
    let status = match AlertStatus::parse(&body.status) {
        Ok(s) => s,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let detection = state.detection.clone();
    let lookup = id.clone();
    let changed = tokio::task::spawn_blocking(move || {
        detection.set_alert_status(&lookup, tenant.as_ref(), status)
    })
    .await;
    match changed {
        Ok(Ok(Some((alert, changed)))) => {
            let mut json = serde_json::to_value(&alert).unwrap_or_default();
            json["status"] = status.name().into();
            Json(serde_json::json!({ "alert": json, "changed": changed })).into_response()
        }
        Ok(Ok(None)) => error(StatusCode::NOT_FOUND, format!("no alert {id}")),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("status change failed: {e}"),
        ),
    }
}

//! `GET /api/v1/alerts` and `GET /api/v1/alerts/{id}`: the caller's tenant's alerts.

use super::{error, ApiState};
use crate::auth::Principal;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
    Extension, Json, Router,
};
use palisade_alerts::AlertFilter;
use palisade_core::{time, AlertLevel};
use serde::Deserialize;
use std::sync::Arc;

/// The most alerts one listing returns.
const MAX_ALERTS: usize = 10_000;

/// The alert routes.
pub fn routes() -> Router<Arc<ApiState>> {
    Router::new()
        .route("/api/v1/alerts", get(list))
        .route("/api/v1/alerts/{id}", get(one))
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
    match tokio::task::spawn_blocking(move || detection.alerts().list(&filter)).await {
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
    let found =
        tokio::task::spawn_blocking(move || detection.alerts().get(&lookup, tenant.as_ref())).await;
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

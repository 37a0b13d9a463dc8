//! `GET /api/v1/incidents/metrics` (MTTA/MTTR), `/patterns` (recurring causes of closed
//! incidents) and `/notifications` (the delivery queue).

use super::{
    incidents::{blocking, refuse, scope, time_param, Refusal},
    ApiState,
};
use crate::auth::Principal;
use axum::{
    extract::{Query, State},
    response::Response,
    Extension,
};
use palisade_core::time::now_ms;
use serde::Deserialize;
use std::sync::Arc;

/// Default period of reports: the last 30 days.
const DEFAULT_PERIOD_MS: i64 = 30 * 86_400_000;

/// Query parameters of the reports.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    /// Period start [default: now-30d].
    from: Option<String>,
    /// Period end [default: now].
    to: Option<String>,
    tenant: Option<String>,
    /// Patterns: least incidents a value must appear in [default 2].
    min: Option<u64>,
    /// Patterns: most values per dimension; notifications: most entries [default 20 / 100].
    limit: Option<usize>,
    /// Notifications: only of this incident.
    incident: Option<i64>,
}

fn period(p: &ReportParams) -> Result<(i64, i64), Refusal> {
    let now = now_ms();
    let to = time_param("to", p.to.as_deref(), now.saturating_add(1))?;
    let from = time_param("from", p.from.as_deref(), now - DEFAULT_PERIOD_MS)?;
    Ok((from, to))
}

/// MTTA and MTTR per tenant, severity and rule.
pub async fn metrics(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Query(p): Query<ReportParams>,
) -> Response {
    let (tenant, (from, to)) =
        match scope(&principal, p.tenant.as_deref()).and_then(|t| Ok((t, period(&p)?))) {
            Ok(v) => v,
            Err(r) => return refuse(r),
        };
    blocking(&state, move |m| m.metrics(tenant.as_deref(), from, to)).await
}

/// Recurring rules, hosts, users and sources of closed incidents.
pub async fn patterns(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Query(p): Query<ReportParams>,
) -> Response {
    let (tenant, (from, to)) =
        match scope(&principal, p.tenant.as_deref()).and_then(|t| Ok((t, period(&p)?))) {
            Ok(v) => v,
            Err(r) => return refuse(r),
        };
    let min = p.min.unwrap_or(2);
    let limit = p.limit.unwrap_or(20).clamp(1, 1000);
    blocking(&state, move |m| {
        m.patterns(tenant.as_deref(), from, to, min, limit)
    })
    .await
}

/// The notification queue: what was delivered, what waits, what was dead-lettered.
pub async fn notifications(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Query(p): Query<ReportParams>,
) -> Response {
    let tenant = match scope(&principal, p.tenant.as_deref()) {
        Ok(t) => t,
        Err(r) => return refuse(r),
    };
    let limit = p.limit.unwrap_or(100);
    let incident = p.incident;
    blocking(&state, move |m| {
        Ok(serde_json::json!({ "notifications": m.notifications(incident, tenant.as_deref(), limit)? }))
    })
    .await
}

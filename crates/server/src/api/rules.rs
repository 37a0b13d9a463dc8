//! `/api/v1/rules`: list, upload, replace, delete, enable and disable detection rules. Every
//! change is validated and compiled before the running engines are swapped (no restart).
//!
//! Scope: a tenant's caller (security administrator) sees the global rules and its tenant's
//! own, and changes its tenant's own only (a global rule it may disable for its tenant). A
//! provider administrator acts on the global rules, which apply to every tenant, or with
//! `?tenant=NAME` as that tenant.

use super::{error, ApiState};
use crate::auth::Principal;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Extension, Json, Router,
};
use palisade_alerts::{DetectionService, RuleError, RuleScope};
use palisade_core::TenantId;
use serde::Deserialize;
use std::sync::Arc;

/// The rule routes.
pub fn routes() -> Router<Arc<ApiState>> {
    Router::new()
        .route("/api/v1/rules", get(list).post(upload))
        .route("/api/v1/rules/{id}", get(one).put(replace).delete(delete))
        .route("/api/v1/rules/{id}/enable", post(enable))
        .route("/api/v1/rules/{id}/disable", post(disable))
}

/// The `tenant` query parameter of every rule route.
#[derive(Debug, Deserialize)]
pub struct ScopeParams {
    /// A provider administrator acting as this tenant (absent or `*`: the global rules).
    tenant: Option<String>,
}

/// The rules the caller acts on: its own tenant's, or for a provider administrator the
/// global ones (or the tenant it names).
fn scope(principal: &Principal, params: &ScopeParams) -> Result<RuleScope, (StatusCode, String)> {
    if principal.provider_admin {
        return match params.tenant.as_deref() {
            None | Some("*") => Ok(RuleScope::Global),
            Some(name) => TenantId::new(name)
                .map(RuleScope::Tenant)
                .map_err(|e| (StatusCode::BAD_REQUEST, e)),
        };
    }
    match principal.scope(params.tenant.as_deref()) {
        Ok(Some(tenant)) => Ok(RuleScope::Tenant(tenant)),
        Ok(None) | Err(_) => Err((
            StatusCode::FORBIDDEN,
            format!(
                "rules of tenant {:?} are not yours to see or change",
                params.tenant.as_deref().unwrap_or_default()
            ),
        )),
    }
}

/// Handler: `{"rules": [...], "failures": [...]}`: the global rules and the caller's
/// tenant's own.
pub async fn list(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Query(params): Query<ScopeParams>,
) -> Response {
    let scope = match scope(&principal, &params) {
        Ok(scope) => scope,
        Err((status, message)) => return error(status, message),
    };
    let (rules, failures) = state.detection.rules(&scope);
    Json(serde_json::json!({ "rules": rules, "failures": failures })).into_response()
}

/// Handler: `{"rule": {...}, "yaml": "..."}` (the YAML of the file the rule is in); 404 for
/// a rule the caller cannot see.
pub async fn one(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Query(params): Query<ScopeParams>,
) -> Response {
    let scope = match scope(&principal, &params) {
        Ok(scope) => scope,
        Err((status, message)) => return error(status, message),
    };
    match state.detection.rule(&scope, &id) {
        Some((rule, yaml)) => {
            Json(serde_json::json!({ "rule": rule, "yaml": yaml })).into_response()
        }
        None => error(StatusCode::NOT_FOUND, format!("no rule has id {id}")),
    }
}

/// Handler: uploads a YAML text of rules; 201 `{"rules": [...]}`.
pub async fn upload(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Query(params): Query<ScopeParams>,
    body: String,
) -> Response {
    change(
        &state,
        &principal,
        &params,
        StatusCode::CREATED,
        move |d, scope| {
            d.upload(scope, &body)
                .map(|rules| serde_json::json!({ "rules": rules }))
        },
    )
    .await
}

/// Handler: replaces an upload; `{"rules": [...]}`.
pub async fn replace(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Query(params): Query<ScopeParams>,
    body: String,
) -> Response {
    change(
        &state,
        &principal,
        &params,
        StatusCode::OK,
        move |d, scope| {
            d.replace(scope, &id, &body)
                .map(|rules| serde_json::json!({ "rules": rules }))
        },
    )
    .await
}

/// Handler: deletes an upload; `{"deleted": id}`.
pub async fn delete(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Query(params): Query<ScopeParams>,
) -> Response {
    change(
        &state,
        &principal,
        &params,
        StatusCode::OK,
        move |d, scope| {
            d.delete(scope, &id)
                .map(|()| serde_json::json!({ "deleted": id }))
        },
    )
    .await
}

/// Handler: enables a rule (for the caller's tenant, or globally); `{"rule": {...}}`.
pub async fn enable(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Query(params): Query<ScopeParams>,
) -> Response {
    set_enabled(state, principal, params, id, true).await
}

/// Handler: disables a rule (for the caller's tenant, or globally); `{"rule": {...}}`.
pub async fn disable(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Query(params): Query<ScopeParams>,
) -> Response {
    set_enabled(state, principal, params, id, false).await
}

async fn set_enabled(
    state: Arc<ApiState>,
    principal: Principal,
    params: ScopeParams,
    id: String,
    enabled: bool,
) -> Response {
    change(
        &state,
        &principal,
        &params,
        StatusCode::OK,
        move |d, scope| {
            d.set_enabled(scope, &id, enabled)
                .map(|rule| serde_json::json!({ "rule": rule }))
        },
    )
    .await
}

/// Runs a rule change in the caller's scope on a blocking thread and answers with its
/// result or its error.
async fn change(
    state: &ApiState,
    principal: &Principal,
    params: &ScopeParams,
    success: StatusCode,
    run: impl FnOnce(&DetectionService, &RuleScope) -> Result<serde_json::Value, RuleError>
        + Send
        + 'static,
) -> Response {
    let scope = match scope(principal, params) {
        Ok(scope) => scope,
        Err((status, message)) => return error(status, message),
    };
    let detection = state.detection.clone();
    match tokio::task::spawn_blocking(move || run(&detection, &scope)).await {
        Ok(Ok(body)) => (success, Json(body)).into_response(),
        Ok(Err(e)) => rule_error(e),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("rule change failed: {e}"),
        ),
    }
}

fn rule_error(e: RuleError) -> Response {
    let status = match &e {
        RuleError::Conflict(_) => StatusCode::CONFLICT,
        RuleError::NotFound(_) => StatusCode::NOT_FOUND,
        RuleError::Io(_) | RuleError::State(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    let mut body = serde_json::json!({ "error": e.to_string() });
    if let RuleError::Invalid(problems) = &e {
        body["problems"] = serde_json::json!(problems);
    }
    (status, Json(body)).into_response()
}

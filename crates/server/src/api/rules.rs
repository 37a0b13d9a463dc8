//! `/api/v1/rules`: list, upload, replace, delete, enable and disable detection rules. Every
//! change is validated and compiled before the running engine is swapped (no restart).
//! Rules apply to every tenant's events, so changing them is for provider administrators.

use super::{error, ApiState};
use crate::auth::Principal;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Extension, Json, Router,
};
use palisade_alerts::{DetectionService, RuleError};
use std::sync::Arc;

/// The rule routes.
pub fn routes() -> Router<Arc<ApiState>> {
    Router::new()
        .route("/api/v1/rules", get(list).post(upload))
        .route("/api/v1/rules/{id}", get(one).put(replace).delete(delete))
        .route("/api/v1/rules/{id}/enable", post(enable))
        .route("/api/v1/rules/{id}/disable", post(disable))
}

/// Handler: `{"rules": [...], "failures": [...]}`.
pub async fn list(State(state): State<Arc<ApiState>>) -> Response {
    let (rules, failures) = state.detection.rules();
    Json(serde_json::json!({ "rules": rules, "failures": failures })).into_response()
}

/// Handler: `{"rule": {...}, "yaml": "..."}` (the YAML of the file the rule is in).
pub async fn one(State(state): State<Arc<ApiState>>, Path(id): Path<String>) -> Response {
    match state.detection.rule(&id) {
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
    body: String,
) -> Response {
    change(&state, &principal, StatusCode::CREATED, move |d| {
        d.upload(&body)
            .map(|rules| serde_json::json!({ "rules": rules }))
    })
    .await
}

/// Handler: replaces an upload; `{"rules": [...]}`.
pub async fn replace(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    body: String,
) -> Response {
    change(&state, &principal, StatusCode::OK, move |d| {
        d.replace(&id, &body)
            .map(|rules| serde_json::json!({ "rules": rules }))
    })
    .await
}

/// Handler: deletes an upload; `{"deleted": id}`.
pub async fn delete(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Response {
    change(&state, &principal, StatusCode::OK, move |d| {
        d.delete(&id).map(|()| serde_json::json!({ "deleted": id }))
    })
    .await
}

/// Handler: enables a rule; `{"rule": {...}}`.
pub async fn enable(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Response {
    set_enabled(state, principal, id, true).await
}

/// Handler: disables a rule; `{"rule": {...}}`.
pub async fn disable(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Response {
    set_enabled(state, principal, id, false).await
}

async fn set_enabled(
    state: Arc<ApiState>,
    principal: Principal,
    id: String,
    enabled: bool,
) -> Response {
    change(&state, &principal, StatusCode::OK, move |d| {
        d.set_enabled(&id, enabled)
            .map(|rule| serde_json::json!({ "rule": rule }))
    })
    .await
}

/// Runs a rule change on a blocking thread and answers with its result or its error.
async fn change(
    state: &ApiState,
    principal: &Principal,
    success: StatusCode,
    run: impl FnOnce(&DetectionService) -> Result<serde_json::Value, RuleError> + Send + 'static,
) -> Response {
    if !principal.provider_admin {
        return error(
            StatusCode::FORBIDDEN,
            "detection rules apply to every tenant: only a provider administrator may change them"
                .into(),
        );
    }
    let detection = state.detection.clone();
    match tokio::task::spawn_blocking(move || run(&detection)).await {
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

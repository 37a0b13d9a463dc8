//! `GET /api/v1/templates`: the templates mined from the caller's unparsed events.

use super::{error, ApiState};
use crate::auth::Principal;
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Extension, Json,
};
use serde::Deserialize;
use std::sync::Arc;

/// Query parameters of the listing.
#[derive(Debug, Deserialize)]
pub struct ListParams {
    /// Tenant to list (provider administrators only; `*` is not accepted here).
    tenant: Option<String>,
    /// Most templates returned, most frequent first (default 100).
    limit: Option<usize>,
}

/// Handler: `{"templates": [{"id", "template", "count", "example"}], "total": n}`.
pub async fn list(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Query(params): Query<ListParams>,
) -> Response {
    let tenant = match principal.scope(params.tenant.as_deref()) {
        Ok(Some(tenant)) => tenant,
        Ok(None) => {
            return error(
                StatusCode::BAD_REQUEST,
                "templates are listed one tenant at a time: name a tenant, not '*'".into(),
            )
        }
        Err(message) => return error(StatusCode::FORBIDDEN, message),
    };
    let all = state.pipeline.templates().list(&tenant);
    let total = all.len();
    let templates: Vec<serde_json::Value> = all
        .into_iter()
        .take(params.limit.unwrap_or(100))
        .map(|t| {
            serde_json::json!({
                "id": t.id, "template": t.template, "count": t.count, "example": t.example,
            })
        })
        .collect();
    Json(serde_json::json!({ "templates": templates, "total": total })).into_response()
}

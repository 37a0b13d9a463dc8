//! `/api/v1/parsers`: a tenant's own parser chains (list, add or replace, delete), and
//! `POST /api/v1/templates/{id}/promote`, which turns a mined template into such a chain.
//! Every change is compiled with all other chains first and reaches the running pipeline at
//! once; chains a tenant adds parse that tenant's events only.

use super::{error, ApiState};
use crate::auth::Principal;
use crate::parser_chains::ChainChangeError;
use axum::{
    extract::{FromRequestParts, Path, Query, State},
    http::{request::Parts, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use palisade_core::TenantId;
use serde::Deserialize;
use std::sync::Arc;

/// The parser chain routes.
pub fn routes() -> Router<Arc<ApiState>> {
    Router::new()
        .route("/api/v1/parsers", get(list))
        .route("/api/v1/parsers/{name}", get(one).put(put).delete(delete))
        .route("/api/v1/templates/{id}/promote", post(promote))
}

/// Extractor: the tenant a request acts on, from `?tenant=` (provider administrators only)
/// or else the caller's own; refused with 400 for `*` and 403 for a tenant the caller may not
/// act on.
pub struct ChainTenant(TenantId);

/// `?tenant=`, read by [`ChainTenant`].
#[derive(Debug, Deserialize)]
struct TenantParam {
    tenant: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for ChainTenant {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(params) = Query::<TenantParam>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let principal = parts
            .extensions
            .get::<Principal>()
            .ok_or_else(|| error(StatusCode::UNAUTHORIZED, "not authenticated".into()))?;
        match principal.scope(params.tenant.as_deref()) {
            Ok(Some(tenant)) => Ok(ChainTenant(tenant)),
            Ok(None) => Err(error(
                StatusCode::BAD_REQUEST,
                "parser chains belong to one tenant: name a tenant, not '*'".into(),
            )),
            Err(message) => Err(error(StatusCode::FORBIDDEN, message)),
        }
    }
}

/// Handler: `{"configured": [names], "chains": [{tenant, name, chain, updated_ms}]}`.
pub async fn list(
    State(state): State<Arc<ApiState>>,
    ChainTenant(tenant): ChainTenant,
) -> Response {
    let store = state.parsers.clone();
    run(move || {
        let chains = store.list(&tenant)?;
        Ok(serde_json::json!({ "configured": store.configured(), "chains": chains }))
    })
    .await
}

/// Handler: one chain of the tenant.
pub async fn one(
    State(state): State<Arc<ApiState>>,
    ChainTenant(tenant): ChainTenant,
    Path(name): Path<String>,
) -> Response {
    let store = state.parsers.clone();
    run(move || {
        store
            .list(&tenant)?
            .into_iter()
            .find(|c| c.name == name)
            .map(|c| serde_json::json!({ "chain": c }))
            .ok_or_else(|| ChainChangeError::NotFound {
                tenant: tenant.to_string(),
                name,
            })
    })
    .await
}

/// Handler: adds or replaces a chain from its JSON form (`sources`, `when`, `steps` as in a
/// `[[parsers]]` table); `{"chain": {...}}`, or 400 naming the chain, step and reason.
pub async fn put(
    State(state): State<Arc<ApiState>>,
    ChainTenant(tenant): ChainTenant,
    Path(name): Path<String>,
    Json(body): Json<serde_json::Value>,
) -> Response {
    let (store, pipeline) = (state.parsers.clone(), state.pipeline.clone());
    run(move || {
        let stored = store.put(&pipeline, &tenant, &name, body)?;
        Ok(serde_json::json!({ "chain": stored }))
    })
    .await
}

/// Handler: removes a chain; `{"deleted": name}`.
pub async fn delete(
    State(state): State<Arc<ApiState>>,
    ChainTenant(tenant): ChainTenant,
    Path(name): Path<String>,
) -> Response {
    let (store, pipeline) = (state.parsers.clone(), state.pipeline.clone());
    run(move || {
        store.delete(&pipeline, &tenant, &name)?;
        Ok(serde_json::json!({ "deleted": name }))
    })
    .await
}

/// Body of a promotion.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Promotion {
    /// The new chain's name.
    name: String,
    /// One field name per `<*>` of the template, in order (empty or missing: not kept).
    #[serde(default)]
    fields: Vec<String>,
    /// Sources the chain is limited to (default: every source of the tenant).
    #[serde(default)]
    sources: Vec<String>,
}

/// Handler: turns template `id` of the tenant into a chain with one `template` step;
/// `{"chain": {...}}`. Lines that fit the template are parsed from then on.
pub async fn promote(
    State(state): State<Arc<ApiState>>,
    ChainTenant(tenant): ChainTenant,
    Path(id): Path<String>,
    Json(promotion): Json<Promotion>,
) -> Response {
    let Some(template) = state
        .pipeline
        .templates()
        .list(&tenant)
        .into_iter()
        .find(|t| t.id == id)
    else {
        return error(
            StatusCode::NOT_FOUND,
            format!("tenant {tenant} has no template with id {id}"),
        );
    };
    let chain = serde_json::json!({
        "sources": promotion.sources,
        "steps": [{
            "type": "template",
            "template": template.template,
            "fields": promotion.fields,
        }],
    });
    let (store, pipeline) = (state.parsers.clone(), state.pipeline.clone());
    let name = promotion.name;
    run(move || {
        let stored = store.put(&pipeline, &tenant, &name, chain)?;
        Ok(serde_json::json!({ "chain": stored }))
    })
    .await
}

/// Runs a chain operation on a blocking thread and answers with its result or its error.
async fn run(
    work: impl FnOnce() -> Result<serde_json::Value, ChainChangeError> + Send + 'static,
) -> Response {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(body)) => Json(body).into_response(),
        Ok(Err(ChainChangeError::Invalid(e))) => (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({
                "error": e.to_string(), "chain": e.chain, "step": e.step, "reason": e.message,
            })),
        )
            .into_response(),
        Ok(Err(e @ ChainChangeError::BadRequest(_))) => {
            error(StatusCode::BAD_REQUEST, e.to_string())
        }
        Ok(Err(e @ ChainChangeError::NotFound { .. })) => {
            error(StatusCode::NOT_FOUND, e.to_string())
        }
        Ok(Err(e @ ChainChangeError::Storage(_))) => {
            tracing::error!(error = %e, "parser chain change failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
        }
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("parser chain change failed: {e}"),
        ),
    }
}

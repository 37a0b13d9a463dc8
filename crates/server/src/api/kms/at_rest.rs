//! `/api/v1/kms/at-rest`: a tenant's encryption at rest (status, storage key rotation).

use super::{answer, Ctx};
use crate::{
    api::{error, ApiState},
    auth::Principal,
};
use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::Response,
    Extension,
};
use palisade_kms::{KmsError, KmsResult};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// `?tenant=` (a provider administrator acting for another tenant).
#[derive(Debug, Deserialize)]
pub struct TenantParam {
    tenant: Option<String>,
}

/// The one tenant a request acts in, or why it may not.
fn tenant_of(principal: &Principal, params: &TenantParam) -> Result<String, (StatusCode, String)> {
    match principal.scope(params.tenant.as_deref()) {
        Ok(Some(tenant)) => Ok(tenant.to_string()),
        Ok(None) => Err((StatusCode::BAD_REQUEST, "name one tenant, not \"*\"".into())),
        Err(message) => Err((StatusCode::FORBIDDEN, message)),
    }
}

fn disabled() -> KmsError {
    KmsError::Refused("encryption at rest is turned off ([kms] encrypt_at_rest = false)".into())
}

/// `GET /api/v1/kms/at-rest`: the tenant's storage key and data keys by wrapping version.
pub async fn status(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Query(params): Query<TenantParam>,
) -> Response {
    let tenant = match tenant_of(&principal, &params) {
        Ok(t) => t,
        Err((status, message)) => return error(status, message),
    };
    let at_rest = state.kms.at_rest.clone();
    answer(
        run_blocking(move || {
            let at_rest = at_rest.ok_or_else(disabled)?;
            Ok(json!(at_rest.status(&tenant)?))
        })
        .await,
    )
}

/// `POST /api/v1/kms/at-rest/rotate`: rotates the tenant's storage key and re-wraps its data
/// keys; segments are not rewritten.
pub async fn rotate(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Ctx(ctx): Ctx,
    Query(params): Query<TenantParam>,
) -> Response {
    let tenant = match tenant_of(&principal, &params) {
        Ok(t) => t,
        Err((status, message)) => return error(status, message),
    };
    let at_rest = state.kms.at_rest.clone();
    let caller = ctx.caller.clone();
    let result = run_blocking(move || {
        let at_rest = at_rest.ok_or_else(disabled)?;
        at_rest.rotate(&caller, &tenant)
    })
    .await;
    let key = result.as_ref().ok().map(|r| r.storage_key.clone());
    let version = result.as_ref().ok().map(|r| r.version);
    state
        .kms
        .record(
            &ctx,
            "rotate_storage_key",
            key.as_deref(),
            version,
            result.as_ref().map(|_| ()),
        )
        .await;
    answer(result.map(|r| json!(r)))
}

/// Runs a key operation that writes files on a blocking thread.
async fn run_blocking<T: Send + 'static>(
    op: impl FnOnce() -> KmsResult<T> + Send + 'static,
) -> KmsResult<T> {
    tokio::task::spawn_blocking(op)
        .await
        .unwrap_or_else(|e| Err(KmsError::Storage(format!("key operation stopped: {e}"))))
}

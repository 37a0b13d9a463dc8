//! Vault's `sys` seal routes: seal status, unseal (one share per call), seal.

use super::{parse_body, vault_error};
use crate::api::{kms::Ctx, ApiState};
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use palisade_kms::SealStatus;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// Vault's seal-status answer.
fn vault_seal_status(s: &SealStatus) -> Value {
    json!({
        "type": s.seal,
        "initialized": true,
        "sealed": s.sealed,
        "t": s.threshold,
        "n": s.shares,
        "progress": s.progress,
        "nonce": "",
        "version": concat!(env!("CARGO_PKG_VERSION"), "+palisade"),
        "build_date": "",
        "migration": false,
        "recovery_seal": false,
        "storage_type": "file",
    })
}

/// `GET /v1/sys/seal-status`.
pub async fn seal_status(State(state): State<Arc<ApiState>>) -> Response {
    Json(vault_seal_status(&state.kms.kms.status())).into_response()
}

/// Body of `PUT /v1/sys/unseal`.
#[derive(Default, Deserialize)]
struct UnsealBody {
    key: Option<String>,
    #[serde(default)]
    reset: bool,
}

/// `PUT /v1/sys/unseal`: one share per call, as Vault takes them.
pub async fn unseal(
    State(state): State<Arc<ApiState>>,
    Ctx(ctx): Ctx,
    body: axum::body::Bytes,
) -> Response {
    let svc = &state.kms;
    let result = parse_body::<UnsealBody>(&body).and_then(|b| {
        if b.reset {
            svc.kms.reset_unseal();
        }
        match b.key.as_deref() {
            Some(k) => svc.kms.submit_share(k),
            None => Ok(svc.kms.status()),
        }
    });
    svc.record(&ctx, "unseal", None, None, result.as_ref().map(|_| ()))
        .await;
    match result {
        Ok(s) => Json(vault_seal_status(&s)).into_response(),
        Err(e) => vault_error(crate::kms::status_of(&e), e.to_string()),
    }
}

/// `PUT /v1/sys/seal`.
pub async fn seal(State(state): State<Arc<ApiState>>, Ctx(ctx): Ctx) -> Response {
    let result = state.kms.kms.seal();
    state
        .kms
        .record(&ctx, "seal", None, None, result.as_ref().map(|_| ()))
        .await;
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => vault_error(crate::kms::status_of(&e), e.to_string()),
    }
}

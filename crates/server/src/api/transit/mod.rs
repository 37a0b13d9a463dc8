//! A HashiCorp-Vault-transit-compatible subset under `/v1/transit/` and `/v1/sys/`, so
//! existing Vault clients (hvac, the `vault` CLI, Vault SDKs) work unchanged: the same paths,
//! field names, `vault:vN:` values, `{"data": ...}` answers and `{"errors": [...]}` failures.
//! `X-Vault-Token` is accepted as a Palisade token.

mod keys;
mod sys;

use super::{
    kms::{parse_json as parse_body, Ctx},
    ApiState,
};
use crate::kms::{
    ops::{self, DataOp, Request},
    status_of,
};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{any, get, post},
    Json, Router,
};
use palisade_kms::KmsResult;
use serde_json::{json, Value};
use std::sync::Arc;

/// The Vault-compatible routes that need a token.
pub fn routes() -> Router<Arc<ApiState>> {
    Router::new()
        .route("/v1/transit/keys", any(keys::list))
        .route("/v1/transit/keys/{name}", any(keys::key))
        .route("/v1/transit/keys/{name}/rotate", post(keys::rotate))
        .route("/v1/transit/keys/{name}/config", post(keys::config))
        .route("/v1/transit/backup/{name}", get(keys::backup))
        .route("/v1/transit/restore", post(keys::restore))
        .route("/v1/transit/restore/{name}", post(keys::restore_named))
        .route("/v1/transit/encrypt/{name}", post(encrypt))
        .route("/v1/transit/decrypt/{name}", post(decrypt))
        .route("/v1/transit/rewrap/{name}", post(rewrap))
        .route("/v1/transit/datakey/{kind}/{name}", post(datakey))
        .route("/v1/transit/sign/{name}", post(sign))
        .route("/v1/transit/sign/{name}/{hash}", post(sign_hashed))
        .route("/v1/transit/verify/{name}", post(verify))
        .route("/v1/transit/verify/{name}/{hash}", post(verify_hashed))
        .route("/v1/transit/hmac/{name}", post(hmac))
        .route("/v1/transit/hmac/{name}/{hash}", post(hmac_hashed))
        .route("/v1/sys/unseal", post(sys::unseal).put(sys::unseal))
        .route("/v1/sys/seal", post(sys::seal).put(sys::seal))
}

/// The public seal status route (Vault answers it without a token).
pub fn public_routes() -> Router<Arc<ApiState>> {
    Router::new().route("/v1/sys/seal-status", get(sys::seal_status))
}

/// A Vault error answer: `{"errors": [message]}`.
fn vault_error(status: StatusCode, message: String) -> Response {
    (status, Json(json!({ "errors": [message] }))).into_response()
}

/// A Vault success answer wrapping `data`.
fn vault_answer(result: KmsResult<Value>) -> Response {
    match result {
        Ok(data) => super::json_answer::json_answer(&json!({
            "request_id": "",
            "lease_id": "",
            "renewable": false,
            "lease_duration": 0,
            "data": data,
            "wrap_info": null,
            "warnings": null,
            "auth": null,
        })),
        Err(e) => vault_error(status_of(&e), e.to_string()),
    }
}

async fn data_op(
    state: &ApiState,
    ctx: &crate::kms::CallContext,
    name: &str,
    op: DataOp,
    body: &[u8],
    hash: Option<String>,
) -> Response {
    let mut request: Request = match parse_body(body) {
        Ok(r) => r,
        Err(e) => return vault_answer(Err(e)),
    };
    if let Some(h) = hash {
        request.item.hash_algorithm = Some(h.clone());
        for item in request.batch_input.iter_mut().flatten() {
            item.hash_algorithm = Some(h.clone());
        }
    }
    vault_answer(ops::run(&state.kms, ctx, name, op, request).await)
}

macro_rules! transit_op {
    ($fn_name:ident, $op:expr) => {
        async fn $fn_name(
            State(state): State<Arc<ApiState>>,
            Ctx(ctx): Ctx,
            Path(name): Path<String>,
            body: axum::body::Bytes,
        ) -> Response {
            data_op(&state, &ctx, &name, $op, &body, None).await
        }
    };
    ($fn_name:ident, $op:expr, hashed) => {
        async fn $fn_name(
            State(state): State<Arc<ApiState>>,
            Ctx(ctx): Ctx,
            Path((name, hash)): Path<(String, String)>,
            body: axum::body::Bytes,
        ) -> Response {
            data_op(&state, &ctx, &name, $op, &body, Some(hash)).await
        }
    };
}

transit_op!(encrypt, DataOp::Encrypt);
transit_op!(decrypt, DataOp::Decrypt);
transit_op!(rewrap, DataOp::Rewrap);
transit_op!(sign, DataOp::Sign);
transit_op!(verify, DataOp::Verify);
transit_op!(hmac, DataOp::Hmac);
transit_op!(sign_hashed, DataOp::Sign, hashed);
transit_op!(verify_hashed, DataOp::Verify, hashed);
transit_op!(hmac_hashed, DataOp::Hmac, hashed);

async fn datakey(
    State(state): State<Arc<ApiState>>,
    Ctx(ctx): Ctx,
    Path((kind, name)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    let op = match kind.as_str() {
        "plaintext" => DataOp::DataKey(true),
        "wrapped" => DataOp::DataKey(false),
        other => {
            return vault_error(
                StatusCode::BAD_REQUEST,
                format!("data key type {other:?} must be plaintext or wrapped"),
            )
        }
    };
    data_op(&state, &ctx, &name, op, &body, None).await
}

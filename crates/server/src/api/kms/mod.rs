//! The native key management API under `/api/v1/kms/` (docs/kms.md).

mod actions;
mod at_rest;

use super::{error, ApiState};
use crate::{
    auth::Principal,
    kms::{status_of, CallContext, KmsService},
};
use axum::{
    extract::{ConnectInfo, FromRequestParts, Path, State},
    http::{request::Parts, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use palisade_kms::{KeyType, Keyring, KmsError, KmsResult, DEFAULT_KEY_TYPE};
use serde::Deserialize;
use serde_json::{json, Value};
use std::{net::SocketAddr, sync::Arc};

/// Extractor: the authenticated caller and its address, as the key service sees them.
pub struct Ctx(pub CallContext);

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let principal = parts
            .extensions
            .get::<Principal>()
            .ok_or_else(|| error(StatusCode::UNAUTHORIZED, "not authenticated".into()))?;
        let source = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        let identity = parts.extensions.get::<palisade_iam::Identity>();
        Ok(Ctx(CallContext::new(principal, identity, source)))
    }
}

/// The `/api/v1/kms/` routes.
pub fn routes() -> Router<Arc<ApiState>> {
    Router::new()
        .route("/api/v1/kms/seal-status", get(seal_status))
        .route("/api/v1/kms/unseal", post(unseal))
        .route("/api/v1/kms/seal", post(seal))
        .route("/api/v1/kms/keys", get(list).post(create))
        .route("/api/v1/kms/keys/{name}", get(describe))
        .route(
            "/api/v1/kms/keys/{name}/{action}",
            post(actions::key_action),
        )
        .route("/api/v1/kms/backup", post(backup))
        .route("/api/v1/kms/restore", post(restore))
        .route("/api/v1/kms/at-rest", get(at_rest::status))
        .route("/api/v1/kms/at-rest/rotate", post(at_rest::rotate))
}

fn answer(result: KmsResult<Value>) -> Response {
    match result {
        Ok(v) => super::json_answer::json_answer(&v),
        Err(e) => error(status_of(&e), e.to_string()),
    }
}

/// Runs a management operation on a copy of the keyring (persisted on success) and records it.
pub async fn manage(
    svc: &KmsService,
    ctx: &CallContext,
    operation: &str,
    key: Option<&str>,
    change: impl FnOnce(&mut Keyring) -> KmsResult<(Value, Option<u32>)>,
) -> KmsResult<Value> {
    let result = svc.kms.write(change);
    let version = result.as_ref().ok().and_then(|r| r.1);
    svc.record(ctx, operation, key, version, result.as_ref().map(|_| ()))
        .await;
    result.map(|r| r.0)
}

async fn seal_status(State(state): State<Arc<ApiState>>) -> Response {
    Json(state.kms.kms.status()).into_response()
}

/// Body of `POST /api/v1/kms/unseal`.
#[derive(Deserialize)]
pub struct UnsealBody {
    share: Option<String>,
    #[serde(default)]
    reset: bool,
}

async fn unseal(
    State(state): State<Arc<ApiState>>,
    Ctx(ctx): Ctx,
    Json(body): Json<UnsealBody>,
) -> Response {
    let svc = &state.kms;
    if body.reset {
        svc.kms.reset_unseal();
    }
    let result = match body.share.as_deref() {
        Some(share) => svc.kms.submit_share(share),
        None => Ok(svc.kms.status()),
    };
    svc.record(&ctx, "unseal", None, None, result.as_ref().map(|_| ()))
        .await;
    answer(result.map(|s| json!(s)))
}

async fn seal(State(state): State<Arc<ApiState>>, Ctx(ctx): Ctx) -> Response {
    let svc = &state.kms;
    let result = svc.kms.seal();
    svc.record(&ctx, "seal", None, None, result.as_ref().map(|_| ()))
        .await;
    answer(result.map(|_| json!(svc.kms.status())))
}

async fn list(State(state): State<Arc<ApiState>>, Ctx(ctx): Ctx) -> Response {
    answer(
        state
            .kms
            .kms
            .read(|k| Ok(json!({"keys": k.list(&ctx.caller)}))),
    )
}

async fn describe(
    State(state): State<Arc<ApiState>>,
    Ctx(ctx): Ctx,
    Path(name): Path<String>,
) -> Response {
    answer(
        state
            .kms
            .kms
            .read(|k| Ok(json!(k.describe(&ctx.caller, &name)?))),
    )
}

/// Body of `POST /api/v1/kms/keys`.
#[derive(Deserialize)]
pub struct CreateBody {
    name: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    tenant: Option<String>,
}

/// The key type a request names, or the default (AES-256-GCM).
fn key_type_or_default(kind: Option<&str>) -> KmsResult<KeyType> {
    Ok(kind
        .map(KeyType::parse)
        .transpose()?
        .unwrap_or(DEFAULT_KEY_TYPE))
}

async fn create(
    State(state): State<Arc<ApiState>>,
    Ctx(ctx): Ctx,
    Json(body): Json<CreateBody>,
) -> Response {
    let result = async {
        let kind = key_type_or_default(body.kind.as_deref())?;
        let tenant = body.tenant.unwrap_or_else(|| ctx.caller.tenant.clone());
        let now = palisade_core::time::now_ms();
        manage(&state.kms, &ctx, "create", Some(&body.name), |k| {
            k.create(&ctx.caller, &body.name, kind, &tenant, now)?;
            Ok((json!(k.describe(&ctx.caller, &body.name)?), Some(1)))
        })
        .await
    };
    match result.await {
        Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Err(e) => error(status_of(&e), e.to_string()),
    }
}

/// Parses a JSON body; an empty body is an empty object.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> KmsResult<T> {
    let text: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(text)
        .map_err(|e| KmsError::BadInput(format!("request body is not valid JSON: {e}")))
}

/// Body of `POST /api/v1/kms/backup`.
#[derive(Deserialize)]
pub struct BackupBody {
    passphrase: String,
    key: Option<String>,
}

async fn backup(
    State(state): State<Arc<ApiState>>,
    Ctx(ctx): Ctx,
    Json(body): Json<BackupBody>,
) -> Response {
    let svc = &state.kms;
    let result = svc
        .kms
        .read(|k| k.backup(&ctx.caller, body.key.as_deref(), &body.passphrase));
    svc.record(
        &ctx,
        "backup",
        body.key.as_deref(),
        None,
        result.as_ref().map(|_| ()),
    )
    .await;
    answer(result.map(|b| json!({"backup": b})))
}

/// Body of `POST /api/v1/kms/restore`.
#[derive(Deserialize)]
pub struct RestoreBody {
    backup: String,
    passphrase: String,
    name: Option<String>,
    #[serde(default)]
    force: bool,
}

async fn restore(
    State(state): State<Arc<ApiState>>,
    Ctx(ctx): Ctx,
    Json(body): Json<RestoreBody>,
) -> Response {
    answer(
        manage(&state.kms, &ctx, "restore", body.name.as_deref(), |k| {
            let names = k.restore(
                &ctx.caller,
                &body.backup,
                &body.passphrase,
                body.name.as_deref(),
                body.force,
            )?;
            Ok((json!({"restored": names}), None))
        })
        .await,
    )
}

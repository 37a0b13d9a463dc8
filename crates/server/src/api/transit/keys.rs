//! Vault transit key management routes.

use super::{parse_body, vault_answer, vault_error};
use crate::api::{
    kms::{manage, Ctx},
    ApiState,
};
use axum::{
    extract::{Path, Query, State},
    http::{Method, StatusCode},
    response::{IntoResponse, Response},
};
use palisade_kms::{
    KeyConfig, KeyInfo, KeyType, KmsError, KmsResult, DEFAULT_DELETION_DAYS, DEFAULT_KEY_TYPE,
};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::{collections::HashMap, sync::Arc};

/// `LIST /v1/transit/keys` (or `GET ?list=true`).
pub async fn list(
    State(state): State<Arc<ApiState>>,
    Ctx(ctx): Ctx,
    method: Method,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let listing = method.as_str() == "LIST"
        || (method == Method::GET && q.get("list").is_some_and(|v| v == "true"));
    if !listing {
        return vault_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "use LIST (or GET ?list=true)".into(),
        );
    }
    vault_answer(
        state
            .kms
            .kms
            .read(|k| Ok(json!({"keys": k.list(&ctx.caller)}))),
    )
}

/// Vault's key description.
fn vault_key(info: &KeyInfo) -> Value {
    let kind = KeyType::parse(info.kind).ok();
    let signing = matches!(kind, Some(KeyType::Ed25519 | KeyType::EcdsaP256));
    let mut keys = Map::new();
    for (n, v) in &info.versions {
        let secs = v.created_ms / 1000;
        let entry = match &v.public_key {
            Some(pk) if signing => {
                json!({"public_key": pk, "creation_time": secs, "name": info.kind})
            }
            _ => json!(secs),
        };
        keys.insert(n.to_string(), entry);
    }
    let encrypting = matches!(kind, Some(KeyType::Aes256Gcm | KeyType::ChaCha20Poly1305));
    json!({
        "name": info.name,
        "type": info.kind,
        "keys": keys,
        "latest_version": info.latest_version,
        "min_decryption_version": info.min_decryption_version,
        "min_encryption_version": 0,
        "min_available_version": 0,
        "deletion_allowed": info.deletion_allowed,
        "exportable": false,
        "allow_plaintext_backup": false,
        "supports_encryption": encrypting,
        "supports_decryption": encrypting,
        "supports_derivation": false,
        "supports_signing": signing,
        "derived": false,
        "imported_key": info.imported,
        "auto_rotate_period": info.rotate_period_secs,
        "state": info.state,
    })
}

/// Body of `POST /v1/transit/keys/:name`.
#[derive(Default, Deserialize)]
struct CreateBody {
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// `POST` (create), `GET` (read) and `DELETE` (schedule deletion) of `/v1/transit/keys/:name`.
pub async fn key(
    State(state): State<Arc<ApiState>>,
    Ctx(ctx): Ctx,
    method: Method,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let svc = &state.kms;
    let now = palisade_core::time::now_ms();
    match method {
        Method::GET => vault_answer(
            svc.kms
                .read(|k| Ok(vault_key(&k.describe(&ctx.caller, &name)?))),
        ),
        Method::POST | Method::PUT => {
            let created = async {
                let b: CreateBody = parse_body(&body)?;
                let kind = b
                    .kind
                    .as_deref()
                    .map(KeyType::parse)
                    .transpose()?
                    .unwrap_or(DEFAULT_KEY_TYPE);
                manage(svc, &ctx, "create", Some(&name), |k| {
                    k.create(&ctx.caller, &name, kind, &ctx.caller.tenant, now)
                        .map(|_| (Value::Null, Some(1)))
                })
                .await
            };
            match created.await {
                // Creating an existing key is a no-op in Vault.
                Ok(_) | Err(KmsError::AlreadyExists(_)) => StatusCode::NO_CONTENT.into_response(),
                Err(e) => vault_answer(Err(e)),
            }
        }
        Method::DELETE => {
            let result = manage(svc, &ctx, "schedule_deletion", Some(&name), |k| {
                if !k.get(&name)?.deletion_allowed {
                    return Err(KmsError::Refused(
                        "deletion is not allowed for this policy; set deletion_allowed first"
                            .into(),
                    ));
                }
                k.schedule_deletion(&ctx.caller, &name, DEFAULT_DELETION_DAYS, now)
                    .map(|_| (Value::Null, None))
            })
            .await;
            match result {
                Ok(_) => StatusCode::NO_CONTENT.into_response(),
                Err(e) => vault_answer(Err(e)),
            }
        }
        _ => vault_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "use GET, POST or DELETE".into(),
        ),
    }
}

/// `POST /v1/transit/keys/:name/rotate`.
pub async fn rotate(
    State(state): State<Arc<ApiState>>,
    Ctx(ctx): Ctx,
    Path(name): Path<String>,
) -> Response {
    let now = palisade_core::time::now_ms();
    vault_answer(
        manage(&state.kms, &ctx, "rotate", Some(&name), |k| {
            let v = k.rotate(&ctx.caller, &name, now)?;
            Ok((vault_key(&k.describe(&ctx.caller, &name)?), Some(v)))
        })
        .await,
    )
}

/// Body of `POST /v1/transit/keys/:name/config`.
#[derive(Default, Deserialize)]
struct ConfigBody {
    min_decryption_version: Option<u32>,
    deletion_allowed: Option<bool>,
    auto_rotate_period: Option<Value>,
}

/// Reads a Vault duration: seconds as a number or string, or a number with s, m, h or d.
fn parse_period(v: &Value) -> KmsResult<u64> {
    let bad = || {
        KmsError::BadInput(format!(
            "auto_rotate_period {v} is not a duration like 3600, \"24h\" or \"30d\""
        ))
    };
    match v {
        Value::Number(n) => n.as_u64().ok_or_else(bad),
        Value::String(s) => {
            let (digits, unit) =
                s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
            let n: u64 = digits.parse().map_err(|_| bad())?;
            let mult = match unit {
                "" | "s" => 1,
                "m" => 60,
                "h" => 3600,
                "d" => 86_400,
                _ => return Err(bad()),
            };
            n.checked_mul(mult).ok_or_else(bad)
        }
        _ => Err(bad()),
    }
}

/// `POST /v1/transit/keys/:name/config`.
pub async fn config(
    State(state): State<Arc<ApiState>>,
    Ctx(ctx): Ctx,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let result = async {
        let b: ConfigBody = parse_body(&body)?;
        let config = KeyConfig {
            min_decryption_version: b.min_decryption_version,
            rotate_period_secs: b
                .auto_rotate_period
                .as_ref()
                .map(parse_period)
                .transpose()?,
            deletion_allowed: b.deletion_allowed,
        };
        manage(&state.kms, &ctx, "configure", Some(&name), |k| {
            k.configure(&ctx.caller, &name, &config)?;
            Ok((vault_key(&k.describe(&ctx.caller, &name)?), None))
        })
        .await
    };
    vault_answer(result.await)
}

fn backup_passphrase(state: &ApiState) -> KmsResult<&str> {
    state
        .kms
        .transit_backup_passphrase
        .as_deref()
        .map(String::as_str)
        .ok_or_else(|| {
            KmsError::Refused(
                "transit backups need PALISADE_KMS_BACKUP_PASSPHRASE set on the server".into(),
            )
        })
}

/// `GET /v1/transit/backup/:name`.
pub async fn backup(
    State(state): State<Arc<ApiState>>,
    Ctx(ctx): Ctx,
    Path(name): Path<String>,
) -> Response {
    let result = backup_passphrase(&state).and_then(|p| {
        state
            .kms
            .kms
            .read(|k| k.backup(&ctx.caller, Some(&name), p))
    });
    state
        .kms
        .record(
            &ctx,
            "backup",
            Some(&name),
            None,
            result.as_ref().map(|_| ()),
        )
        .await;
    vault_answer(result.map(|b| json!({"backup": b})))
}

/// Body of `POST /v1/transit/restore[/:name]`.
#[derive(Default, Deserialize)]
struct RestoreBody {
    backup: Option<String>,
    #[serde(default)]
    force: bool,
}

async fn restore_into(
    state: &ApiState,
    ctx: &crate::kms::CallContext,
    name: Option<&str>,
    body: &[u8],
) -> Response {
    let result = async {
        let b: RestoreBody = parse_body(body)?;
        let text = b
            .backup
            .ok_or_else(|| KmsError::BadInput("missing field \"backup\"".into()))?;
        let passphrase = backup_passphrase(state)?;
        manage(&state.kms, ctx, "restore", name, |k| {
            k.restore(&ctx.caller, &text, passphrase, name, b.force)
                .map(|_| (Value::Null, None))
        })
        .await
    };
    match result.await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => vault_answer(Err(e)),
    }
}

/// `POST /v1/transit/restore`.
pub async fn restore(
    State(state): State<Arc<ApiState>>,
    Ctx(ctx): Ctx,
    body: axum::body::Bytes,
) -> Response {
    restore_into(&state, &ctx, None, &body).await
}

/// `POST /v1/transit/restore/:name`.
pub async fn restore_named(
    State(state): State<Arc<ApiState>>,
    Ctx(ctx): Ctx,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    restore_into(&state, &ctx, Some(&name), &body).await
}

//! `POST /api/v1/kms/keys/{name}/{action}`: the data operations and the management actions
//! on one key.

use super::{answer, manage, parse_json, Ctx};
use crate::{
    api::ApiState,
    kms::{
        ops::{self, DataOp},
        CallContext, KmsService,
    },
};
use axum::{
    extract::{Path, State},
    response::Response,
};
use palisade_kms::{
    ciphertext, Grant, KeyConfig, KmsError, KmsResult, Secret, DEFAULT_DELETION_DAYS,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// Body of the management actions; each uses the fields it needs.
#[derive(Debug, Default, Deserialize)]
pub struct ActionBody {
    min_decryption_version: Option<u32>,
    rotate_period_secs: Option<u64>,
    deletion_allowed: Option<bool>,
    days: Option<u32>,
    #[serde(rename = "type")]
    kind: Option<String>,
    material: Option<String>,
    tenant: Option<String>,
    #[serde(flatten)]
    grant: Option<Grant>,
}

/// Handler: runs `action` on key `name`.
pub async fn key_action(
    State(state): State<Arc<ApiState>>,
    Ctx(ctx): Ctx,
    Path((name, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    let data_op = match action.as_str() {
        "encrypt" => Some(DataOp::Encrypt),
        "decrypt" => Some(DataOp::Decrypt),
        "rewrap" => Some(DataOp::Rewrap),
        "datakey" => Some(DataOp::DataKey(true)),
        "datakey-wrapped" => Some(DataOp::DataKey(false)),
        "sign" => Some(DataOp::Sign),
        "verify" => Some(DataOp::Verify),
        "hmac" => Some(DataOp::Hmac),
        _ => None,
    };
    if let Some(op) = data_op {
        return match parse_json(&body) {
            Ok(request) => answer(ops::run(&state.kms, &ctx, &name, op, request).await),
            Err(e) => answer(Err(e)),
        };
    }
    let body: ActionBody = match parse_json(&body) {
        Ok(b) => b,
        Err(e) => return answer(Err(e)),
    };
    answer(manage_action(&state.kms, &ctx, &name, &action, body).await)
}

async fn manage_action(
    svc: &KmsService,
    ctx: &CallContext,
    name: &str,
    action: &str,
    body: ActionBody,
) -> KmsResult<Value> {
    let caller = &ctx.caller;
    let now = palisade_core::time::now_ms();
    let ok = |v: Option<u32>| Ok((json!({"ok": true}), v));
    match action {
        "rotate" => {
            let rotated = manage(svc, ctx, "rotate", Some(name), |k| {
                let v = k.rotate(caller, name, now)?;
                Ok((json!({"latest_version": v}), Some(v)))
            })
            .await;
            if rotated.is_ok() && name.starts_with(palisade_kms::at_rest::STORAGE_KEY_PREFIX) {
                svc.rewrap_stale_data_keys().await;
            }
            rotated
        }
        "config" => {
            let config = KeyConfig {
                min_decryption_version: body.min_decryption_version,
                rotate_period_secs: body.rotate_period_secs,
                deletion_allowed: body.deletion_allowed,
            };
            manage(svc, ctx, "configure", Some(name), |k| {
                k.configure(caller, name, &config).and_then(|_| ok(None))
            })
            .await
        }
        "enable" | "disable" => {
            manage(svc, ctx, action, Some(name), |k| {
                k.set_enabled(caller, name, action == "enable")
                    .and_then(|_| ok(None))
            })
            .await
        }
        "schedule-deletion" => {
            manage(svc, ctx, "schedule_deletion", Some(name), |k| {
                let due = k.schedule_deletion(
                    caller,
                    name,
                    body.days.unwrap_or(DEFAULT_DELETION_DAYS),
                    now,
                )?;
                Ok((json!({"deletion_due_ms": due}), None))
            })
            .await
        }
        "cancel-deletion" => {
            manage(svc, ctx, "cancel_deletion", Some(name), |k| {
                k.cancel_deletion(caller, name).and_then(|_| ok(None))
            })
            .await
        }
        "destroy" => {
            manage(svc, ctx, "destroy", Some(name), |k| {
                k.destroy(caller, name).and_then(|_| ok(None))
            })
            .await
        }
        "grant" => {
            let grant = body
                .grant
                .ok_or_else(|| KmsError::BadInput("a grant needs grantee and operations".into()))?;
            manage(svc, ctx, "grant", Some(name), |k| {
                k.add_grant(caller, name, grant).and_then(|_| ok(None))
            })
            .await
        }
        "import" => {
            let kind = super::key_type_or_default(body.kind.as_deref())?;
            let material = Secret::new(ciphertext::decode_b64(
                "material",
                body.material.as_deref().unwrap_or(""),
            )?);
            let tenant = body.tenant.unwrap_or_else(|| caller.tenant.clone());
            manage(svc, ctx, "import", Some(name), |k| {
                let v = k.import(caller, name, kind, &tenant, material, now)?;
                Ok((json!({"latest_version": v}), Some(v)))
            })
            .await
        }
        other => Err(KmsError::BadInput(format!("unknown key action {other:?}"))),
    }
}

//! The keys page (`/console/keys`, key administrators): the seal status and every key the
//! caller may manage, read through the key service with the caller's own key roles (the
//! same check the KMS API makes). The page's forms call the KMS API itself
//! (`/api/v1/kms/keys`, `/api/v1/kms/keys/{name}/{action}`, `/api/v1/kms/unseal`), so its
//! authorization and audit records apply unchanged; the unseal form is offered only to roles
//! the route table lets unseal.

use super::{data, html, session_of};
use crate::api::{kms::Ctx, ApiState};
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
    Extension,
};
use palisade_console::pages::keys::{KeyRow, KeysPage};
use palisade_iam::Identity;
use palisade_kms::{KeyInfo, KeyType, DEFAULT_KEY_TYPE};
use std::sync::Arc;

/// A rotation period as people say it.
fn period(secs: u64) -> String {
    match secs {
        0 => "manual".into(),
        s if s % 86_400 == 0 => format!("every {} d", s / 86_400),
        s if s % 3_600 == 0 => format!("every {} h", s / 3_600),
        s => format!("every {s} s"),
    }
}

/// The key types a new key may have, the default first.
fn key_types() -> Vec<&'static str> {
    std::iter::once(DEFAULT_KEY_TYPE)
        .chain(KeyType::ALL.into_iter().filter(|t| *t != DEFAULT_KEY_TYPE))
        .map(KeyType::name)
        .collect()
}

fn row(key: &KeyInfo) -> KeyRow {
    let state = serde_json::to_value(key.state)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default();
    KeyRow {
        name: key.name.clone(),
        api: format!("/api/v1/kms/keys/{}", data::encode(&key.name)),
        kind: key.kind.to_owned(),
        tenant: key.tenant.clone(),
        state,
        versions: format!(
            "v{} (decrypts from v{})",
            key.latest_version, key.min_decryption_version
        ),
        rotation: period(key.rotate_period_secs),
        rotate_period_secs: key.rotate_period_secs,
        deletion: match (key.deletion_due_ms, key.deletion_allowed) {
            (Some(due), _) => format!("scheduled {}", data::when(due)),
            (None, true) => "allowed".into(),
            (None, false) => "not allowed".into(),
        },
        rotated: key
            .versions
            .get(&key.latest_version)
            .map(|v| data::when(v.created_ms))
            .unwrap_or_default(),
    }
}

/// `GET /console/keys`.
pub async fn page(
    State(state): State<Arc<ApiState>>,
    Extension(identity): Extension<Identity>,
    Ctx(ctx): Ctx,
    headers: HeaderMap,
) -> Response {
    let status = state.kms.kms.status();
    let keys = state.kms.kms.read(|ring| {
        ring.list(&ctx.caller)
            .iter()
            .map(|name| ring.describe(&ctx.caller, name))
            .collect::<Result<Vec<_>, _>>()
    });
    let (keys, error) = match keys {
        Ok(mut keys) => {
            keys.sort_by(|a, b| (&a.tenant, &a.name).cmp(&(&b.tenant, &b.name)));
            (keys.iter().map(row).collect(), None)
        }
        Err(_) if status.sealed => (
            Vec::new(),
            Some(format!(
                "the key service is sealed: its keys are listed once {} unseal shares are submitted",
                status.threshold
            )),
        ),
        Err(e) => (Vec::new(), Some(format!("keys cannot be read: {e}"))),
    };
    let page = KeysPage {
        session: session_of(&identity, &headers, "/console/keys"),
        seal_state: if status.sealed { "sealed" } else { "unsealed" }.into(),
        seal_note: format!(
            "{} seal; {} of {} shares needed, {} received",
            status.seal, status.threshold, status.shares, status.progress
        ),
        seal_tone: if status.sealed { "bad" } else { "ok" },
        sealed: status.sealed,
        progress: status.progress,
        threshold: status.threshold,
        can_unseal: palisade_iam::access::allowed(&identity.roles, "POST", "/api/v1/kms/unseal"),
        key_types: key_types(),
        keys,
        error,
    };
    html(StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::{key_types, period};

    #[test]
    fn rotation_periods_read_in_days_hours_or_seconds() {
        assert_eq!(period(0), "manual");
        assert_eq!(period(30 * 86_400), "every 30 d");
        assert_eq!(period(7_200), "every 2 h");
        assert_eq!(period(90), "every 90 s");
    }

    #[test]
    fn the_create_form_offers_every_key_type_once_the_default_first() {
        let types = key_types();
        assert_eq!(types.first(), Some(&"aes256-gcm96"));
        assert_eq!(types.len(), palisade_kms::KeyType::ALL.len());
        assert!(types.contains(&"ed25519") && types.contains(&"hmac"));
    }
}

//! `POST /api/v1/login` (password and TOTP in, session cookie and CSRF token out),
//! `POST /api/v1/logout`, `GET /api/v1/whoami`. Every login, successful or not, is an audit
//! record (`login`), and so an API Activity event in the pipeline.

use super::{answer, blocking, status_of, Caller};
use crate::{
    api::ApiState,
    audit::AuditRecord,
    audit_mode::AuditMode,
    auth::{audit_refusal, new_request_id, with_request_id, SESSION_COOKIE},
};
use axum::{
    extract::{ConnectInfo, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use palisade_audit::Outcome;
use palisade_core::TenantId;
use palisade_iam::{role::roles_text, Credential, IamError, LoginAttempt};
use serde::Deserialize;
use serde_json::json;
use std::{net::SocketAddr, sync::Arc};
use zeroize::Zeroizing;

/// Body of `POST /api/v1/login`.
#[derive(Deserialize)]
pub struct LoginBody {
    /// Default: `default`.
    pub(crate) tenant: Option<String>,
    pub(crate) user: String,
    pub(crate) password: String,
    pub(crate) totp: Option<String>,
}

/// The `Set-Cookie` value for a session: never readable by scripts, never sent over plain
/// HTTP or from another site.
fn session_cookie(value: &str, max_age_secs: i64) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age_secs}; Secure; HttpOnly; SameSite=Strict"
    ))
    .ok()
}

pub async fn login(
    State(state): State<Arc<ApiState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(body): Json<LoginBody>,
) -> Response {
    let source = Some(peer);
    let request_id = new_request_id();
    let tenant_name = body
        .tenant
        .clone()
        .unwrap_or_else(|| TenantId::default().to_string());
    let mut record = AuditRecord {
        time_ms: palisade_core::time::now_ms(),
        subject: body.user.clone(),
        tenant: tenant_name.clone(),
        action: "POST".into(),
        source,
        event_type: "login",
        role: "none".into(),
        object: "/api/v1/login".into(),
        request_id: request_id.clone(),
        result: Outcome::Denied,
        status: None,
        mode: AuditMode::IntentThenOutcome,
    };
    let iam = state.iam.clone();
    let result = blocking(move || {
        let attempt = LoginAttempt {
            tenant: TenantId::new(&tenant_name).map_err(IamError::BadInput)?,
            user: body.user,
            password: Zeroizing::new(body.password),
            totp: body.totp,
            source: source.map(|s| s.ip()),
        };
        iam.login(&attempt)
    })
    .await;
    let response = match &result {
        Ok(ok) => {
            record.result = Outcome::Success;
            record.role = roles_text(&ok.identity.roles);
            record.status = Some(200);
            let max_age = (ok.session.expires_ms - palisade_core::time::now_ms()) / 1000;
            let mut response = Json(json!({
                "user": ok.identity.user,
                "tenant": ok.identity.tenant,
                "roles": ok.identity.roles,
                "csrf_token": ok.session.csrf.as_str(),
                "expires_ms": ok.session.expires_ms,
                "totp_enrolment_required": ok.totp_enrolment_required,
            }))
            .into_response();
            if let Some(cookie) = session_cookie(&ok.session.cookie, max_age) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(e) => {
            let status = status_of(e);
            record.status = Some(status.as_u16());
            let mut response = crate::api::error(status, e.to_string());
            if let IamError::Locked(ms) | IamError::SourceLocked(ms) = e {
                let secs = (ms + 999) / 1000;
                if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            response
        }
    };
    if let Err(e) = state.audit.record(record.clone()).await {
        // Fail closed: a login that cannot be recorded does not happen.
        if let Ok(ok) = &result {
            if let Credential::Session(id) = &ok.identity.credential {
                let _ = state.iam.end_session(id);
            }
        }
        return with_request_id(audit_refusal(&e), &request_id);
    }
    if matches!(result, Err(IamError::Unauthenticated(_))) {
        if let Err(e) = record_source_lockout(&state, record, peer).await {
            return with_request_id(audit_refusal(&e), &request_id);
        }
    }
    with_request_id(response, &request_id)
}

/// After a failed login: when it locked its source address out (password spraying), records
/// that as `lockout.source`.
async fn record_source_lockout(
    state: &ApiState,
    login: AuditRecord,
    peer: SocketAddr,
) -> Result<(), crate::audit::AuditError> {
    let iam = state.iam.clone();
    let Ok(Some(ms)) = blocking(move || iam.source_locked_for(peer.ip())).await else {
        return Ok(());
    };
    let lockout = AuditRecord {
        event_type: "lockout.source",
        status: Some(StatusCode::TOO_MANY_REQUESTS.as_u16()),
        ..login
    };
    let detail = format!(
        "logins from {} refused for {} s after repeated failures across accounts",
        peer.ip(),
        (ms + 999) / 1000
    );
    state.audit.record_with_detail(lockout, detail).await
}

pub async fn logout(State(state): State<Arc<ApiState>>, Caller(caller): Caller) -> Response {
    let Credential::Session(id) = caller.credential else {
        return crate::api::error(
            StatusCode::BAD_REQUEST,
            "logout ends console sessions; revoke a token with DELETE /api/v1/tokens/{id}".into(),
        );
    };
    let iam = state.iam.clone();
    let mut response = answer(
        blocking(move || iam.end_session(&id))
            .await
            .map(|()| json!({"ok": true})),
    );
    if let Some(cookie) = session_cookie("", 0) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

pub async fn whoami(Caller(caller): Caller) -> Response {
    let (kind, id) = match &caller.credential {
        Credential::Token(id) => ("token", id.clone()),
        Credential::Session(_) => ("session", String::new()),
    };
    Json(json!({
        "user": caller.user,
        "tenant": caller.tenant,
        "roles": caller.roles,
        "credential": kind,
        "token_id": (kind == "token").then_some(id),
    }))
    .into_response()
}

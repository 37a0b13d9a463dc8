//! Authentication and the audit step of the request path.

use crate::{
    api::ApiState,
    audit::AuditRecord,
    audit_mode::{audit_mode, AuditMode},
};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::Engine as _;
use palisade_audit::Outcome;
use palisade_core::TenantId;
use palisade_iam::{IamError, Identity};
use std::{net::SocketAddr, sync::Arc};
use zeroize::Zeroizing;

/// Who is calling, as established by authentication.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Name for the audit trail.
    pub name: String,
    /// The tenant the principal acts in by default.
    pub tenant: TenantId,
    /// A provider-level administrator may act in, and search across, any tenant.
    pub provider_admin: bool,
}

impl Principal {
    /// The tenant scope of a request: the principal's own tenant, or for a provider
    /// administrator the tenant asked for (`*` = every tenant, answered as `None`).
    pub fn scope(&self, asked: Option<&str>) -> Result<Option<TenantId>, String> {
        match asked {
            None => Ok(Some(self.tenant.clone())),
            Some(name) if !self.provider_admin && name != self.tenant.as_str() => {
                Err(format!("not allowed to act in tenant {name:?}"))
            }
            Some("*") => Ok(None),
            Some(name) => TenantId::new(name).map(Some),
        }
    }
}

/// The token of a request: `Authorization: Bearer <token>`; for clients that only speak
/// Elasticsearch's schemes, `ApiKey <token>` or `Basic` with the token as the password (any
/// user name); without an `Authorization` header, `X-Vault-Token` (so Vault clients
/// authenticate unchanged).
fn bearer(req: &Request) -> Option<Zeroizing<String>> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        let vault = req.headers().get("x-vault-token")?.to_str().ok()?;
        return Some(Zeroizing::new(vault.trim().to_owned()));
    };
    let value = value.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("apikey") {
        return Some(Zeroizing::new(token.to_owned()));
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = Zeroizing::new(
        base64::engine::general_purpose::STANDARD
            .decode(token)
            .ok()?,
    );
    let text = std::str::from_utf8(&decoded).ok()?;
    let (_user, password) = text.split_once(':')?;
    Some(Zeroizing::new(password.to_owned()))
}

/// A fresh request id: 128 random bits in hex.
pub(crate) fn new_request_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// The answer when the audit trail cannot take a record: 503, and nothing else happens.
pub(crate) fn audit_refusal(e: &crate::audit::AuditError) -> Response {
    tracing::error!(error = %e, "refusing the operation: audit record not written");
    crate::api::error(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("{e}; the operation was refused"),
    )
}

/// Sends the request id back to the caller.
pub(crate) fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(value) = header::HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "palisade_session";

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The credential a request presents, read before anything is awaited.
enum Presented {
    /// An API token (see [`bearer`]).
    Token(Zeroizing<String>),
    /// A console session cookie, the request's CSRF token, and whether the method changes
    /// state (anything but GET and HEAD).
    Session(Zeroizing<String>, Option<Zeroizing<String>>, bool),
    /// Nothing.
    Nothing,
}

fn presented(req: &Request) -> Presented {
    if let Some(token) = bearer(req) {
        return Presented::Token(token);
    }
    let Some(session) = cookie(req, SESSION_COOKIE) else {
        return Presented::Nothing;
    };
    let csrf = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(|v| Zeroizing::new(v.to_owned()));
    let state_changing = !matches!(req.method().as_str(), "GET" | "HEAD");
    Presented::Session(Zeroizing::new(session.to_owned()), csrf, state_changing)
}

/// Establishes who is calling: an API token or, without one, a console session cookie
/// (state-changing requests must then carry `X-CSRF-Token`). A token is checked on the
/// calling thread when the state store is free (a remembered check costs microseconds),
/// otherwise, like a session, on a blocking thread.
async fn identify(state: &ApiState, credential: Presented) -> Result<Identity, IamError> {
    if let Presented::Token(token) = &credential {
        if let Some(checked) = state.iam.try_authenticate_token(token) {
            return checked;
        }
    }
    let iam = state.iam.clone();
    tokio::task::spawn_blocking(move || match credential {
        Presented::Token(token) => iam.authenticate_token(&token),
        Presented::Session(cookie, csrf, state_changing) => {
            iam.authenticate_session(&cookie, csrf.as_deref().map(String::as_str), state_changing)
        }
        Presented::Nothing => Err(IamError::Unauthenticated(
            "missing credential: send Authorization: Bearer <token> or log in".into(),
        )),
    })
    .await
    .map_err(|e| IamError::Unauthenticated(format!("authentication failed: {e}")))?
}

/// Middleware: authenticate, authorize against the route table (deny by default), write
/// the audit record (refuse if it cannot be written), run the
/// handler with the [`Principal`] in the request extensions, then record the result (a result
/// that cannot be recorded turns the answer into 503). A refused credential is recorded too.
pub async fn authenticate(
    State(state): State<Arc<ApiState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let source = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let request_id = new_request_id();
    let refused_login = AuditRecord {
        time_ms: palisade_core::time::now_ms(),
        subject: "anonymous".to_owned(),
        tenant: TenantId::default().to_string(),
        action: req.method().to_string(),
        source,
        event_type: "authentication",
        role: "none".to_owned(),
        object: req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_owned(), |p| p.to_string()),
        request_id: request_id.clone(),
        result: Outcome::Denied,
        status: Some(StatusCode::UNAUTHORIZED.as_u16()),
        mode: audit_mode(req.method().as_str(), req.uri().path()),
    };
    let credential = presented(&req);
    if let Presented::Token(token) = &credential {
        // An enrolled agent's token opens only the agent paths (shipping logs, heartbeats).
        if let Some(principal) = crate::api::agents::principal_for(&state, token, req.uri().path())
        {
            let subject = AuditRecord {
                subject: principal.name.clone(),
                tenant: principal.tenant.to_string(),
                role: "agent".to_owned(),
                ..refused_login
            };
            req.extensions_mut().insert(principal);
            return run_recorded(&state, req, next, subject, &request_id).await;
        }
    }
    let identity = match identify(&state, credential).await {
        Ok(identity) => identity,
        Err(e) => {
            let status = crate::api::iam::status_of(&e);
            tracing::info!(?source, path = %req.uri().path(), "rejected request: {e}");
            let refused = AuditRecord {
                status: Some(status.as_u16()),
                ..refused_login
            };
            if let Err(e) = state.audit.record(refused).await {
                return with_request_id(audit_refusal(&e), &request_id);
            }
            let response = (
                status,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                axum::Json(serde_json::json!({ "error": e.to_string() })),
            )
                .into_response();
            return with_request_id(response, &request_id);
        }
    };
    let principal = Principal {
        name: identity.user.clone(),
        tenant: identity.tenant.clone(),
        provider_admin: identity.is_operator(),
    };
    let subject = AuditRecord {
        subject: principal.name.clone(),
        tenant: principal.tenant.to_string(),
        role: palisade_iam::role::roles_text(&identity.roles),
        ..refused_login
    };
    if let Err(refusal) = crate::token_source::check(&state, &identity, source, &subject).await {
        return with_request_id(refusal, &request_id);
    }
    if let Err(why) = crate::authz::authorize(&identity, req.method().as_str(), req.uri()) {
        tracing::info!(user = %identity.user, path = %req.uri().path(), "denied: {why}");
        let denied = AuditRecord {
            event_type: "authorization",
            status: Some(StatusCode::FORBIDDEN.as_u16()),
            ..subject
        };
        if let Err(e) = state.audit.record(denied).await {
            return with_request_id(audit_refusal(&e), &request_id);
        }
        return with_request_id(crate::api::error(StatusCode::FORBIDDEN, why), &request_id);
    }
    req.extensions_mut().insert(principal);
    req.extensions_mut().insert(identity);
    run_recorded(&state, req, next, subject, &request_id).await
}

/// Records the intent of an authorized request (refusing it when the record cannot be
/// written), runs the handler, then records the result. A key-use call
/// ([`AuditMode::OutcomeOnly`]) changes nothing, so it runs first and its answer is released
/// only once its one outcome record is durable (the refusal replaces it otherwise).
async fn run_recorded(
    state: &ApiState,
    req: Request,
    next: Next,
    subject: AuditRecord,
    request_id: &str,
) -> Response {
    if subject.mode == AuditMode::OutcomeOnly {
        return run_then_record(state, req, next, subject, request_id).await;
    }
    let intent = AuditRecord {
        event_type: "api.request",
        result: Outcome::Pending,
        status: None,
        ..subject
    };
    if let Err(e) = state.audit.record(intent.clone()).await {
        return with_request_id(audit_refusal(&e), request_id);
    }
    let mut response = next.run(req).await;
    if let Err(e) = state.audit.record(outcome_of(&response, intent)).await {
        tracing::error!(error = %e, "the result of an operation was not recorded");
        response = crate::api::error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{e}; the operation ran but its result is not in the audit trail"),
        );
    }
    with_request_id(response, request_id)
}

/// Runs a call without side effects, then records its outcome; the answer (which may hold
/// plaintext or key material) is dropped unsent when the record cannot be written.
async fn run_then_record(
    state: &ApiState,
    req: Request,
    next: Next,
    subject: AuditRecord,
    request_id: &str,
) -> Response {
    let response = next.run(req).await;
    match state.audit.record(outcome_of(&response, subject)).await {
        Ok(()) => with_request_id(response, request_id),
        Err(e) => {
            drop(response);
            with_request_id(audit_refusal(&e), request_id)
        }
    }
}

/// The `api.response` record of a call that ended with `response`.
fn outcome_of(response: &Response, call: AuditRecord) -> AuditRecord {
    let status = response.status().as_u16();
    AuditRecord {
        time_ms: palisade_core::time::now_ms(),
        event_type: "api.response",
        result: Outcome::from_http_status(status),
        status: Some(status),
        ..call
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_of(authorization: &str) -> Option<String> {
        let req = Request::builder()
            .header(header::AUTHORIZATION, authorization)
            .body(axum::body::Body::empty())
            .ok()?;
        bearer(&req).map(|t| t.to_string())
    }

    #[test]
    fn token_schemes_elasticsearch_clients_use() {
        assert_eq!(token_of("Bearer abc").as_deref(), Some("abc"));
        assert_eq!(token_of("ApiKey abc").as_deref(), Some("abc"));
        // base64("palisade:abc")
        assert_eq!(token_of("Basic cGFsaXNhZGU6YWJj").as_deref(), Some("abc"));
        assert_eq!(token_of("Basic !!!"), None);
        assert_eq!(token_of("Digest abc"), None);
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let req = Request::builder()
            .header(header::COOKIE, "theme=dark; palisade_session=pal_x_y")
            .header(header::COOKIE, "other=1")
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(cookie(&req, SESSION_COOKIE), Some("pal_x_y"));
        assert_eq!(cookie(&req, "missing"), None);
        assert!(matches!(
            presented(&req),
            Presented::Session(_, None, false)
        ));
    }

    #[test]
    fn scope_keeps_tenants_apart() {
        let user = Principal {
            name: "u".into(),
            tenant: TenantId::new("a").unwrap(),
            provider_admin: false,
        };
        assert_eq!(user.scope(None).unwrap(), Some(TenantId::new("a").unwrap()));
        assert!(user.scope(Some("b")).is_err());
        assert!(user.scope(Some("*")).is_err());
        let admin = Principal {
            provider_admin: true,
            ..user
        };
        assert_eq!(admin.scope(Some("*")).unwrap(), None);
        assert_eq!(
            admin.scope(Some("b")).unwrap(),
            Some(TenantId::new("b").unwrap())
        );
        assert!(admin.scope(Some("../etc")).is_err());
    }
}

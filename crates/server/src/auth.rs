//! Authentication and the audit step of the request path.

use crate::{api::ApiState, audit::AuditRecord};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::Engine as _;
use palisade_audit::Outcome;
use palisade_core::TenantId;
use std::{net::SocketAddr, sync::Arc};
use subtle::ConstantTimeEq;
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

/// Compares a presented bearer token with the expected one in constant time.
fn token_matches(presented: &str, expected: &str) -> bool {
    presented.as_bytes().ct_eq(expected.as_bytes()).into()
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

/// Who a presented token belongs to: the administrator, or an enrolled agent (only on the
/// paths an agent may call).
fn principal_of(state: &ApiState, token: &str, path: &str) -> Option<Principal> {
    if token_matches(token, &state.admin_token) {
        return Some(Principal {
            name: "admin".to_owned(),
            tenant: TenantId::default(),
            provider_admin: true,
        });
    }
    crate::api::agents::principal_for(state, token, path)
}

/// A fresh request id: 128 random bits in hex.
fn new_request_id() -> String {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The role a principal acts in, for the audit trail (until roles exist: the provider-level
/// operator, or a tenant user).
fn role_of(principal: &Principal) -> &'static str {
    if principal.provider_admin {
        "operator"
    } else {
        "user"
    }
}

/// The answer when the audit trail cannot take a record: 503, and nothing else happens.
fn audit_refusal(e: &crate::audit::AuditError) -> Response {
    tracing::error!(error = %e, "refusing the operation: audit record not written");
    crate::api::error(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("{e}; the operation was refused"),
    )
}

/// Sends the request id back to the caller.
fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(value) = header::HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// Middleware: authenticate, write the audit record (refuse if it cannot be written), run the
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
    };
    let principal = bearer(&req).and_then(|t| principal_of(&state, &t, req.uri().path()));
    let Some(principal) = principal else {
        tracing::info!(?source, path = %req.uri().path(), "rejected request without a valid token");
        if let Err(e) = state.audit.record(refused_login).await {
            return with_request_id(audit_refusal(&e), &request_id);
        }
        let response = (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            axum::Json(serde_json::json!({"error": "missing or invalid bearer token"})),
        )
            .into_response();
        return with_request_id(response, &request_id);
    };
    let intent = AuditRecord {
        subject: principal.name.clone(),
        tenant: principal.tenant.to_string(),
        event_type: "api.request",
        role: role_of(&principal).to_owned(),
        result: Outcome::Pending,
        status: None,
        ..refused_login
    };
    if let Err(e) = state.audit.record(intent.clone()).await {
        return with_request_id(audit_refusal(&e), &request_id);
    }
    req.extensions_mut().insert(principal);
    let mut response = next.run(req).await;
    let status = response.status().as_u16();
    let result = AuditRecord {
        time_ms: palisade_core::time::now_ms(),
        event_type: "api.response",
        result: Outcome::from_http_status(status),
        status: Some(status),
        ..intent
    };
    if let Err(e) = state.audit.record(result).await {
        tracing::error!(error = %e, "the result of an operation was not recorded");
        response = crate::api::error(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{e}; the operation ran but its result is not in the audit trail"),
        );
    }
    with_request_id(response, &request_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(token_matches("abc", "abc"));
        assert!(!token_matches("abd", "abc"));
        assert!(!token_matches("ab", "abc"));
        assert!(!token_matches("", "abc"));
    }

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

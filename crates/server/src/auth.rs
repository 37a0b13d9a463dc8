//! Authentication and the audit step of the request path.

use crate::{api::ApiState, audit::AuditRecord};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use palisade_core::TenantId;
use std::{net::SocketAddr, sync::Arc};
use subtle::ConstantTimeEq;

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

/// The `Authorization: Bearer …` token of a request, or its `X-Vault-Token` (so Vault
/// clients authenticate unchanged), if any.
fn bearer(req: &Request) -> Option<&str> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return req
            .headers()
            .get("x-vault-token")?
            .to_str()
            .ok()
            .map(str::trim);
    };
    let value = value.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// Middleware: authenticate, write the audit record (refuse if it cannot be written), then run
/// the handler with the [`Principal`] in the request extensions.
pub async fn authenticate(
    State(state): State<Arc<ApiState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let source = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let authenticated = bearer(&req).is_some_and(|t| token_matches(t, &state.admin_token));
    if !authenticated {
        tracing::info!(?source, path = %req.uri().path(), "rejected request without a valid token");
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            axum::Json(serde_json::json!({"error": "missing or invalid bearer token"})),
        )
            .into_response();
    }
    let principal = Principal {
        name: "admin".to_owned(),
        tenant: TenantId::default(),
        provider_admin: true,
    };
    let record = AuditRecord {
        time_ms: palisade_core::time::now_ms(),
        subject: principal.name.clone(),
        tenant: principal.tenant.to_string(),
        action: format!("{} {}", req.method(), req.uri().path()),
        source,
    };
    if let Err(e) = state.audit.record(&record) {
        tracing::error!(error = %e, "refusing the operation: audit record not written");
        return crate::api::error(StatusCode::SERVICE_UNAVAILABLE, e.to_string());
    }
    req.extensions_mut().insert(principal);
    next.run(req).await
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

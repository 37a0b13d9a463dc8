//! Identity routes: `/api/v1/login`, `/api/v1/logout`, `/api/v1/whoami`,
//! `/api/v1/tenants`, `/api/v1/users` and `/api/v1/tokens` (docs/iam.md). Which role may call
//! which is in the route table (docs/access.md); the handlers keep every caller but an
//! operator inside its own tenant, and callers without user management to their own tokens.

mod enrol;
pub(crate) mod login;
mod tenants;
mod tokens;
mod users;

use super::{error, ApiState};
use axum::{
    extract::FromRequestParts,
    http::{request::Parts, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use palisade_core::TenantId;
use palisade_iam::{IamError, Identity};
use serde::Serialize;
use std::sync::Arc;

/// The protected identity routes.
pub fn routes() -> Router<Arc<ApiState>> {
    Router::new()
        .route("/api/v1/whoami", get(login::whoami))
        .route("/api/v1/logout", post(login::logout))
        .route("/api/v1/tenants", get(tenants::list).post(tenants::create))
        .route(
            "/api/v1/tenants/{tenant}",
            get(tenants::show).delete(tenants::delete),
        )
        .route("/api/v1/tenants/{tenant}/{action}", post(tenants::action))
        .route("/api/v1/users/me/totp", post(enrol::begin))
        .route("/api/v1/users/me/totp/confirm", post(enrol::confirm))
        .route("/api/v1/users", get(users::list).post(users::create))
        .route(
            "/api/v1/users/{name}",
            get(users::show).delete(users::delete),
        )
        .route("/api/v1/users/{name}/{action}", post(users::action))
        .route("/api/v1/tokens", get(tokens::list).post(tokens::create))
        .route("/api/v1/tokens/{id}", axum::routing::delete(tokens::revoke))
}

/// The login route, reachable without a credential (it writes its own audit records).
pub fn public_routes() -> Router<Arc<ApiState>> {
    Router::new().route("/api/v1/login", post(login::login))
}

/// The HTTP status for an identity error.
pub fn status_of(e: &IamError) -> StatusCode {
    match e {
        IamError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        IamError::Forbidden(_) => StatusCode::FORBIDDEN,
        IamError::Locked(_) | IamError::SourceLocked(_) => StatusCode::TOO_MANY_REQUESTS,
        IamError::NotFound(_) => StatusCode::NOT_FOUND,
        IamError::Conflict(_) => StatusCode::CONFLICT,
        IamError::BadInput(_) => StatusCode::BAD_REQUEST,
        IamError::State(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A JSON answer, or the error's status and message.
fn answer<T: Serialize>(result: Result<T, IamError>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(e) => error(status_of(&e), e.to_string()),
    }
}

/// Runs a state-store call off the async runtime (password hashing and SQLite block).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, IamError> + Send + 'static,
) -> Result<T, IamError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| IamError::BadInput(format!("request failed: {e}")))?
}

/// Extractor: the authenticated identity.
pub struct Caller(pub Identity);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Identity>()
            .cloned()
            .map(Caller)
            .ok_or_else(|| error(StatusCode::UNAUTHORIZED, "not authenticated".into()))
    }
}

/// The tenant a request acts in: the caller's own, or for an operator the one asked for.
fn tenant_scope(caller: &Identity, asked: Option<&str>) -> Result<TenantId, IamError> {
    match asked {
        None => Ok(caller.tenant.clone()),
        Some(name) => {
            let tenant = TenantId::new(name).map_err(IamError::BadInput)?;
            if tenant != caller.tenant && !caller.is_operator() {
                return Err(IamError::Forbidden(format!(
                    "not allowed to act in tenant {name:?}"
                )));
            }
            Ok(tenant)
        }
    }
}

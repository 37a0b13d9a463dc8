//! `/api/v1/tokens`: create (shown once), list and revoke API tokens. Everyone manages their
//! own; user managers (system administrators, operators) also those of their tenant's
//! accounts (operators: every tenant's).

use super::{answer, blocking, tenant_scope, Caller};
use crate::api::ApiState;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use palisade_core::config::Duration;
use palisade_iam::{IamError, Identity, NewToken, Permission, Role};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// `?tenant=&user=` of `GET /api/v1/tokens`.
#[derive(Deserialize)]
pub struct ListQuery {
    tenant: Option<String>,
    user: Option<String>,
}

/// Body of `POST /api/v1/tokens`.
#[derive(Deserialize)]
pub struct CreateBody {
    /// Account (default: the caller).
    user: Option<String>,
    tenant: Option<String>,
    /// The role (default: the account's only role, when it has one).
    role: Option<String>,
    /// Lifetime: `"30d"`, `"12h"`, milliseconds; `0` never expires.
    ttl: Option<Duration>,
    #[serde(default)]
    description: String,
}

/// The account id a request targets: the caller, or (with user management) another account.
fn account(
    iam: &palisade_iam::Iam,
    caller: &Identity,
    user: Option<&str>,
    tenant: Option<&str>,
) -> Result<i64, IamError> {
    let tenant = tenant_scope(caller, tenant)?;
    match user {
        None => Ok(caller.user_id),
        Some(name) if name == caller.user && tenant == caller.tenant => Ok(caller.user_id),
        Some(name) => {
            if !caller.can(Permission::UsersManage) {
                return Err(IamError::Forbidden(
                    "only user managers handle other accounts' tokens".into(),
                ));
            }
            let target = iam.user(&tenant, name)?;
            palisade_iam::users::check_assignable(caller, &tenant, &target.roles)?;
            Ok(target.id)
        }
    }
}

pub async fn list(
    State(state): State<Arc<ApiState>>,
    Caller(caller): Caller,
    Query(q): Query<ListQuery>,
) -> Response {
    let iam = state.iam.clone();
    let result = blocking(move || {
        if !caller.can(Permission::UsersManage) || q.user.is_some() {
            let id = account(&iam, &caller, q.user.as_deref(), q.tenant.as_deref())?;
            return iam.list_tokens(None, Some(id));
        }
        let all = caller.is_operator() && q.tenant.as_deref() == Some("*");
        let tenant = if all {
            None
        } else {
            Some(tenant_scope(&caller, q.tenant.as_deref())?)
        };
        iam.list_tokens(tenant.as_ref(), None)
    })
    .await;
    answer(result.map(|tokens| json!({ "tokens": tokens })))
}

pub async fn create(
    State(state): State<Arc<ApiState>>,
    Caller(caller): Caller,
    Json(body): Json<CreateBody>,
) -> Response {
    let iam = state.iam.clone();
    let result = blocking(move || {
        let user_id = account(&iam, &caller, body.user.as_deref(), body.tenant.as_deref())?;
        let user = iam.user_by_id(user_id)?;
        let role = match body.role.as_deref() {
            Some(name) => Role::parse(name).map_err(IamError::BadInput)?,
            None => match user.roles.as_slice() {
                [only] => *only,
                _ => {
                    return Err(IamError::BadInput(format!(
                        "user {} holds several roles: say which one the token carries",
                        user.name
                    )))
                }
            },
        };
        let ttl_ms = body.ttl.map(|d| i64::try_from(d.0).unwrap_or(i64::MAX));
        let (info, secret) = iam.create_token(&NewToken {
            user_id,
            role,
            ttl_ms,
            description: body.description,
        })?;
        Ok(json!({ "token": secret.as_str(), "info": info }))
    })
    .await;
    match result {
        Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Err(e) => answer::<()>(Err(e)),
    }
}

pub async fn revoke(
    State(state): State<Arc<ApiState>>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Response {
    let iam = state.iam.clone();
    let result = blocking(move || {
        let token = iam.token(&id)?;
        let own = token.user == caller.user && token.tenant == caller.tenant.as_str();
        let manages = caller.can(Permission::UsersManage)
            && (caller.is_operator() || token.tenant == caller.tenant.as_str());
        if !own && !manages {
            return Err(IamError::NotFound(format!("no token {id}")));
        }
        if !own {
            let tenant = tenant_scope(&caller, Some(&token.tenant))?;
            let holder = iam.user(&tenant, &token.user)?;
            palisade_iam::users::check_assignable(&caller, &tenant, &holder.roles)?;
        }
        iam.revoke_token(&id)
    })
    .await;
    answer(result)
}

//! `/api/v1/users`: create, list, show, disable, enable and delete accounts (system
//! administrators in their tenant; operators in any).

use super::{answer, blocking, tenant_scope, Caller};
use crate::api::ApiState;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use palisade_iam::{role::parse_roles, IamError, Identity, NewUser, UserInfo};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use zeroize::Zeroizing;

/// `?tenant=` of the user routes.
#[derive(Deserialize)]
pub struct TenantQuery {
    tenant: Option<String>,
}

/// Body of `POST /api/v1/users`.
#[derive(Deserialize)]
pub struct CreateBody {
    tenant: Option<String>,
    name: String,
    /// Comma-separated (`user,secadmin`).
    roles: String,
    password: Option<String>,
}

pub async fn list(
    State(state): State<Arc<ApiState>>,
    Caller(caller): Caller,
    Query(q): Query<TenantQuery>,
) -> Response {
    let iam = state.iam.clone();
    let result = blocking(move || {
        let all = caller.is_operator() && q.tenant.as_deref() == Some("*");
        let tenant = if all {
            None
        } else {
            Some(tenant_scope(&caller, q.tenant.as_deref())?)
        };
        iam.list_users(tenant.as_ref())
    })
    .await;
    answer(result.map(|users| json!({ "users": users })))
}

pub async fn create(
    State(state): State<Arc<ApiState>>,
    Caller(caller): Caller,
    Json(body): Json<CreateBody>,
) -> Response {
    let iam = state.iam.clone();
    let result = blocking(move || {
        let tenant = tenant_scope(&caller, body.tenant.as_deref())?;
        let roles = parse_roles(&body.roles).map_err(IamError::BadInput)?;
        palisade_iam::users::check_assignable(&caller, &tenant, &roles)?;
        let user = iam.create_user(&NewUser {
            tenant,
            name: body.name,
            roles,
            password: body.password.map(Zeroizing::new),
        })?;
        Ok(json!({ "user": user }))
    })
    .await;
    match result {
        Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
        Err(e) => answer::<()>(Err(e)),
    }
}

/// The account a path names, within the caller's reach: its tenant, and no operator
/// account for a non-operator.
fn target(
    iam: &palisade_iam::Iam,
    caller: &Identity,
    name: &str,
    tenant: Option<&str>,
) -> Result<UserInfo, IamError> {
    let tenant = tenant_scope(caller, tenant)?;
    let user = iam.user(&tenant, name)?;
    palisade_iam::users::check_assignable(caller, &tenant, &user.roles)?;
    Ok(user)
}

pub async fn show(
    State(state): State<Arc<ApiState>>,
    Caller(caller): Caller,
    Path(name): Path<String>,
    Query(q): Query<TenantQuery>,
) -> Response {
    let iam = state.iam.clone();
    answer(blocking(move || target(&iam, &caller, &name, q.tenant.as_deref())).await)
}

pub async fn action(
    State(state): State<Arc<ApiState>>,
    Caller(caller): Caller,
    Path((name, action)): Path<(String, String)>,
    Query(q): Query<TenantQuery>,
) -> Response {
    let disable = match action.as_str() {
        "disable" => true,
        "enable" => false,
        other => {
            return answer::<()>(Err(IamError::NotFound(format!(
                "no user action {other:?}: use disable or enable"
            ))))
        }
    };
    let iam = state.iam.clone();
    let result = blocking(move || {
        let user = target(&iam, &caller, &name, q.tenant.as_deref())?;
        if user.id == caller.user_id && disable {
            return Err(IamError::BadInput(
                "you cannot disable your own account".into(),
            ));
        }
        iam.set_user_disabled(user.id, disable)
    })
    .await;
    answer(result)
}

pub async fn delete(
    State(state): State<Arc<ApiState>>,
    Caller(caller): Caller,
    Path(name): Path<String>,
    Query(q): Query<TenantQuery>,
) -> Response {
    let iam = state.iam.clone();
    let result = blocking(move || {
        let user = target(&iam, &caller, &name, q.tenant.as_deref())?;
        if user.id == caller.user_id {
            return Err(IamError::BadInput(
                "you cannot delete your own account".into(),
            ));
        }
        iam.delete_user(user.id)?;
        Ok(json!({ "deleted": user.name, "tenant": user.tenant }))
    })
    .await;
    answer(result)
}

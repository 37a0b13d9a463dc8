//! The administration page (`/console/admin`, system administrators and operators): tenants
//! (operators only), accounts with their roles and sign-in factors, and API tokens. It only
//! reads; creating and revoking go from the page's script to the API itself
//! (`/api/v1/tenants`, `/api/v1/users`, `/api/v1/tokens`), so the same authorization, checks
//! and audit records apply as for the CLI.

use super::{data, html, session_of};
use crate::api::ApiState;
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
    Extension,
};
use palisade_console::pages::admin::{AdminPage, TenantRow, TokenRow, UserRow};
use palisade_core::time::now_ms;
use palisade_iam::{role::Permission, Iam, IamError, Identity, Role, TokenInfo, UserInfo};
use std::sync::Arc;

fn user_row(user: &UserInfo, now: i64) -> UserRow {
    UserRow {
        tenant: user.tenant.clone(),
        name: user.name.clone(),
        roles: palisade_iam::role::roles_text(&user.roles),
        sign_in: match (user.has_password, user.totp_enrolled) {
            (true, true) => "password + TOTP",
            (true, false) => "password",
            (false, _) => "token only",
        }
        .into(),
        state: if user.disabled {
            "disabled".into()
        } else if user.locked_until_ms > now {
            format!("locked until {}", data::when(user.locked_until_ms))
        } else {
            "active".into()
        },
    }
}

fn token_row(token: &TokenInfo) -> TokenRow {
    TokenRow {
        id: token.id.clone(),
        holder: format!("{} @ {}", token.user, token.tenant),
        role: token.role.to_string(),
        description: token.description.clone(),
        expires: token.expires_ms.map_or("never".into(), data::when),
        revoked: token.revoked_ms.is_some(),
    }
}

/// Roles the caller may grant (only an operator grants `operator`).
fn grantable(identity: &Identity) -> Vec<&'static str> {
    palisade_iam::ALL_ROLES
        .into_iter()
        .filter(|r| identity.is_operator() || *r != Role::Operator)
        .map(Role::name)
        .collect()
}

type Lists = (Option<Vec<TenantRow>>, Vec<UserRow>, Vec<TokenRow>);

fn lists(iam: &Iam, identity: &Identity) -> Result<Lists, IamError> {
    let now = now_ms();
    let scope = (!identity.is_operator()).then_some(&identity.tenant);
    let tenants = if identity.can(Permission::TenantsManage) {
        Some(
            iam.list_tenants()?
                .into_iter()
                .map(|t| TenantRow {
                    state: if t.suspended { "suspended" } else { "active" }.into(),
                    created: data::when(t.created_ms),
                    name: t.name,
                })
                .collect(),
        )
    } else {
        None
    };
    let users = iam
        .list_users(scope)?
        .iter()
        .map(|u| user_row(u, now))
        .collect();
    let tokens = iam
        .list_tokens(scope, None)?
        .iter()
        .map(token_row)
        .collect();
    Ok((tenants, users, tokens))
}

/// `GET /console/admin`.
pub async fn page(
    State(state): State<Arc<ApiState>>,
    Extension(identity): Extension<Identity>,
    headers: HeaderMap,
) -> Response {
    let iam = state.iam.clone();
    let who = identity.clone();
    let read = tokio::task::spawn_blocking(move || lists(&iam, &who))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    let ((tenants, users, tokens), error) = match read {
        Ok(lists) => (lists, None),
        Err(e) => ((None, Vec::new(), Vec::new()), Some(e)),
    };
    let page = AdminPage {
        session: session_of(&identity, &headers, "/console/admin"),
        tenants,
        users,
        tokens,
        grantable: grantable(&identity),
        error,
    };
    html(StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_operators_may_grant_the_operator_role() {
        let mut who = Identity {
            user_id: 1,
            user: "root".into(),
            tenant: palisade_core::TenantId::default(),
            roles: vec![Role::Sysadmin],
            credential: palisade_iam::Credential::Token("t".into()),
        };
        assert!(!grantable(&who).contains(&"operator"));
        who.roles = vec![Role::Operator];
        assert!(grantable(&who).contains(&"operator"));
    }
}

//! Administration: tenants (operators), accounts, roles and API tokens, and the account page
//! where a signed-in user enrols its own second factor. Changes go through the API from the
//! page's script; these models only show the current state.

use super::Session;
use askama::Template;

/// One tenant.
#[derive(Debug, Clone)]
pub struct TenantRow {
    /// Name.
    pub name: String,
    /// `active` or `suspended`.
    pub state: String,
    /// Creation time (UTC).
    pub created: String,
}

/// One account.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// Tenant.
    pub tenant: String,
    /// Account name.
    pub name: String,
    /// Roles, comma-separated.
    pub roles: String,
    /// `password`, `password + TOTP` or `token only`.
    pub sign_in: String,
    /// `active`, `disabled` or `locked`.
    pub state: String,
}

/// One API token (never its secret).
#[derive(Debug, Clone)]
pub struct TokenRow {
    /// Token id (what revoking names).
    pub id: String,
    /// `user @ tenant`.
    pub holder: String,
    /// The one role it acts with.
    pub role: String,
    /// What it is for.
    pub description: String,
    /// Expiry (UTC) or `never`.
    pub expires: String,
    /// Revoked tokens stay listed.
    pub revoked: bool,
}

/// `/console/admin`.
#[derive(Template)]
#[template(path = "admin.html")]
pub struct AdminPage {
    /// Who is looking.
    pub session: Session,
    /// Tenants, for operators; `None` for everyone else.
    pub tenants: Option<Vec<TenantRow>>,
    /// Accounts of the caller's tenant (operators: of every tenant).
    pub users: Vec<UserRow>,
    /// Tokens of those accounts.
    pub tokens: Vec<TokenRow>,
    /// Roles the caller may grant.
    pub grantable: Vec<&'static str>,
    /// Why part of the page could not be read.
    pub error: Option<String>,
}

/// `/console/account`: the signed-in account and its second factor.
#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    /// Who is looking.
    pub session: Session,
    /// Whether a second factor is enrolled.
    pub totp_enrolled: bool,
    /// The session may do nothing but enrol (an administrator without a second factor).
    pub enrolment_required: bool,
}

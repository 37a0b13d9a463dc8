//! Palisade's identities and their authorization.
//!
//! Tenants (active, suspended, deleted), users holding one or more [`Role`]s under
//! separation of duties (no account both manages users and the audit trail), Argon2id
//! password hashes under a password policy, TOTP second factors with replay protection,
//! lockout with exponential back-off per account and per source address (password spraying), allowed networks for administrator logins, API tokens
//! (256 random bits, shown once, stored as a SHA-256 digest, compared in constant time,
//! scoped to one tenant and one role, expiring, revocable) and console sessions with a CSRF
//! token. Everything lives in the node's state store ([`palisade_state::StateStore`]), in
//! `iam_*` tables. [`access`] holds the table that says which permission every route needs;
//! the server checks it on every request.

pub mod access;
mod enrol;
mod error;
mod login;
pub mod network;
pub mod password;
pub mod role;
mod schema;
pub mod secret;
mod sessions;
mod source_lockout;
mod tenants;
mod token_cache;
mod token_networks;
mod tokens;
pub mod totp;
pub mod users;

pub use enrol::TotpEnrolment;
pub use error::IamError;
pub use login::{LoginAttempt, LoginSuccess};
pub use role::{Permission, Role, ALL_ROLES};
pub use sessions::SessionInfo;
pub use tenants::TenantInfo;
pub use tokens::{NewToken, TokenInfo};
pub use users::{NewUser, UserInfo};

use palisade_core::{iam_config::IamConfig, TenantId};
use palisade_state::StateStore;
use std::sync::Arc;

/// The name of the operator account created at first start.
pub const BOOTSTRAP_USER: &str = "admin";
/// The id of the bootstrap operator token (the first-start `admin.token`).
pub const BOOTSTRAP_TOKEN_ID: &str = "bootstrap";

/// Who a request comes from, once a credential checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The account's row id.
    pub user_id: i64,
    /// The account name.
    pub user: String,
    /// The account's tenant.
    pub tenant: TenantId,
    /// The roles this credential acts with (a token: its one role; a session: the account's,
    /// or none while the session may only enrol a second factor).
    pub roles: Vec<Role>,
    /// How the request authenticated.
    pub credential: Credential,
}

impl Identity {
    /// Whether the identity acts across tenants.
    pub fn is_operator(&self) -> bool {
        self.roles.contains(&Role::Operator)
    }

    /// Whether any role grants `permission` ([`Permission::Session`] needs no role: a
    /// session still enrolling its second factor holds none).
    pub fn can(&self, permission: Permission) -> bool {
        permission == Permission::Session || self.roles.iter().any(|r| r.grants(permission))
    }
}

/// The credential behind an [`Identity`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An API token (its id).
    Token(String),
    /// A console session (its id); state-changing requests must carry its CSRF token.
    Session(String),
}

/// The identity service over the state store.
pub struct Iam {
    store: Arc<StateStore>,
    config: IamConfig,
    admin_networks: Vec<network::Network>,
    /// Token checks that succeeded, valid until the state store changes.
    token_cache: token_cache::TokenCache,
    /// (token id, network) pairs known to be recorded already.
    token_networks_seen: token_networks::SeenNetworks,
}

impl Iam {
    /// Brings the `iam_*` tables up to date and checks the configuration.
    pub fn open(store: Arc<StateStore>, config: IamConfig) -> Result<Iam, IamError> {
        let admin_networks = config
            .admin_networks
            .iter()
            .map(|n| network::Network::parse(n))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| IamError::BadInput(format!("iam.admin_networks: {e}")))?;
        if config.lockout_threshold == 0 {
            return Err(IamError::BadInput(
                "iam.lockout_threshold must be at least 1".into(),
            ));
        }
        store.migrate("iam", schema::MIGRATIONS)?;
        Ok(Iam {
            store,
            config,
            admin_networks,
            token_cache: Default::default(),
            token_networks_seen: Default::default(),
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> &IamConfig {
        &self.config
    }

    /// Whether no account exists yet (first start: [`Iam::bootstrap`] is due).
    pub fn needs_bootstrap(&self) -> Result<bool, IamError> {
        let count: i64 = self
            .store
            .with(|c| c.query_row("SELECT COUNT(*) FROM iam_users", [], |r| r.get(0)))?;
        Ok(count == 0)
    }

    /// First start: the default tenant, the operator account [`BOOTSTRAP_USER`], and
    /// `token` (the `admin.token` file's content) as its revocable token
    /// [`BOOTSTRAP_TOKEN_ID`], stored as a digest. Does nothing once any account exists.
    pub fn bootstrap(&self, token: &str) -> Result<(), IamError> {
        if !self.needs_bootstrap()? {
            return Ok(());
        }
        let tenant = TenantId::default();
        if self.tenant(&tenant).is_err() {
            self.create_tenant(&tenant)?;
        }
        let user = self.insert_user(&tenant, BOOTSTRAP_USER, &[Role::Operator], None)?;
        self.insert_token(
            BOOTSTRAP_TOKEN_ID,
            user,
            Role::Operator,
            &secret::digest(token),
            "bootstrap operator token (admin.token)",
            None,
        )
    }
}

fn now_ms() -> i64 {
    palisade_core::time::now_ms()
}

#[cfg(test)]
mod tests;

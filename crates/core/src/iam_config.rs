//! `[iam]`: identities and logins (docs/iam.md).

use crate::config::Duration;
use serde::{Deserialize, Serialize};

/// `[iam]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IamConfig {
    /// Administrator accounts (every role but `user`) must give a TOTP code at login.
    pub require_totp_for_admins: bool,
    /// Networks administrator logins may come from (`["10.0.0.0/8", "::1"]`); empty: any.
    pub admin_networks: Vec<String>,
    /// Consecutive failed logins after which an account is locked.
    pub lockout_threshold: u32,
    /// The first lockout's length; each further failure doubles it.
    pub lockout_base: Duration,
    /// The longest lockout.
    pub lockout_max: Duration,
    /// Failed logins from one source address, across every account, after which that address
    /// is locked out (password spraying); back-off as for accounts. 0 turns this off.
    pub source_lockout_threshold: u32,
    /// How long a source address's failures are remembered: a failure after a quiet spell
    /// this long starts the count again.
    pub source_lockout_window: Duration,
    /// Shortest password accepted, in characters.
    pub password_min_length: usize,
    /// How long a console session lasts.
    pub session_ttl: Duration,
    /// Lifetime of an API token created without an explicit one.
    pub token_ttl: Duration,
}

impl Default for IamConfig {
    fn default() -> Self {
        IamConfig {
            require_totp_for_admins: true,
            admin_networks: Vec::new(),
            lockout_threshold: 5,
            lockout_base: Duration(1_000),
            lockout_max: Duration(15 * 60_000),
            source_lockout_threshold: 20,
            source_lockout_window: Duration(15 * 60_000),
            password_min_length: 12,
            session_ttl: Duration(8 * 3_600_000),
            token_ttl: Duration(90 * 86_400_000),
        }
    }
}

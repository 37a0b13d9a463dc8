//! Password logins: lockout with exponential back-off (per account and per source address),
//! allowed networks and TOTP for administrators, replayed TOTP codes refused. An administrator
//! without a second factor yet (where one is required) gets a session that may only enrol one
//! ([`crate::enrol`]).

use crate::{
    network, now_ms, password, role::parse_roles, totp, Iam, IamError, Identity, SessionInfo,
};
use palisade_core::TenantId;
use palisade_state::rusqlite::{params, OptionalExtension};
use std::{net::IpAddr, sync::OnceLock};
use zeroize::Zeroizing;

/// One login attempt.
#[derive(Debug)]
pub struct LoginAttempt {
    /// The account's tenant.
    pub tenant: TenantId,
    /// Account name.
    pub user: String,
    /// Password.
    pub password: Zeroizing<String>,
    /// TOTP code, when the account has a second factor.
    pub totp: Option<String>,
    /// Where the attempt comes from.
    pub source: Option<IpAddr>,
}

/// A successful login.
#[derive(Debug)]
pub struct LoginSuccess {
    /// Who logged in (no roles while [`LoginSuccess::totp_enrolment_required`]).
    pub identity: Identity,
    /// The new session.
    pub session: SessionInfo,
    /// The account must enrol a second factor: the session may do nothing else until then.
    pub totp_enrolment_required: bool,
}

/// A hash verified for unknown accounts, so their answer takes as long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| password::hash("decoy password for unknown users").unwrap_or_default())
}

type UserRow = (
    i64,
    String,
    Option<String>,
    Option<String>,
    i64,
    bool,
    i64,
    i64,
    bool,
);

impl Iam {
    /// Checks a login and opens a session. Every refusal says why in its error, except that
    /// a wrong password and an unknown account look the same.
    pub fn login(&self, attempt: &LoginAttempt) -> Result<LoginSuccess, IamError> {
        let wrong = || IamError::Unauthenticated("invalid user name or password".into());
        self.check_source(attempt.source)?;
        let row: Option<UserRow> = self.store.with(|c| {
            c.query_row(
                "SELECT u.id, u.roles, u.password_hash, u.totp_secret, u.totp_last_step,
                        u.disabled, u.failures, u.locked_until_ms, n.suspended
                 FROM iam_users u JOIN iam_tenants n ON n.name = u.tenant
                 WHERE u.tenant = ?1 AND u.name = ?2",
                params![attempt.tenant.as_str(), attempt.user],
                |r| UserRow::try_from(r),
            )
            .optional()
        })?;
        let Some((
            id,
            roles,
            hash,
            totp_secret,
            last_step,
            disabled,
            failures,
            locked_until,
            suspended,
        )) = row
        else {
            password::verify(&attempt.password, decoy_hash());
            self.note_source_failure(attempt.source)?;
            return Err(wrong());
        };
        let now = now_ms();
        if locked_until > now {
            return Err(IamError::Locked(locked_until - now));
        }
        let roles = parse_roles(&roles).unwrap_or_default();
        let Some(hash) = hash else {
            password::verify(&attempt.password, decoy_hash());
            self.note_source_failure(attempt.source)?;
            return Err(wrong());
        };
        if !password::verify(&attempt.password, &hash) {
            return Err(self.fail(id, failures, attempt.source, wrong()));
        }
        if disabled {
            return Err(IamError::Forbidden("the account is disabled".into()));
        }
        if suspended {
            return Err(IamError::Forbidden(format!(
                "tenant {} is suspended",
                attempt.tenant
            )));
        }
        let admin = roles.iter().any(|r| r.is_admin());
        if admin && !network::allowed(&self.admin_networks, attempt.source) {
            return Err(IamError::Forbidden(format!(
                "administrator logins are not allowed from {}",
                attempt
                    .source
                    .map_or("an unknown address".into(), |ip| ip.to_string())
            )));
        }
        let mut step = last_step;
        let mut enrolment_required = false;
        match (&totp_secret, admin && self.config.require_totp_for_admins) {
            (Some(secret), _) => {
                let Some(code) = attempt.totp.as_deref() else {
                    return Err(IamError::Unauthenticated("a TOTP code is required".into()));
                };
                let unix = u64::try_from(now / 1000).unwrap_or(0);
                match totp::matching_step(secret, code, unix) {
                    None => {
                        let e = IamError::Unauthenticated("wrong TOTP code".into());
                        return Err(self.fail(id, failures, attempt.source, e));
                    }
                    Some(s) if i64::try_from(s).unwrap_or(i64::MAX) <= last_step => {
                        let e = IamError::Unauthenticated(
                            "TOTP code already used: wait for the next one".into(),
                        );
                        return Err(self.fail(id, failures, attempt.source, e));
                    }
                    Some(s) => step = i64::try_from(s).unwrap_or(i64::MAX),
                }
            }
            (None, true) => enrolment_required = true,
            (None, false) => {}
        }
        self.store.with(|c| {
            c.execute(
                "UPDATE iam_users SET failures = 0, locked_until_ms = 0, totp_last_step = ?2
                 WHERE id = ?1",
                params![id, step],
            )
        })?;
        let user = self.user_by_id(id)?;
        let session = self.create_session(id, enrolment_required)?;
        Ok(LoginSuccess {
            identity: Identity {
                user_id: id,
                user: user.name,
                tenant: attempt.tenant.clone(),
                roles: if enrolment_required {
                    Vec::new()
                } else {
                    roles
                },
                credential: crate::Credential::Session(
                    crate::secret::credential_id(&session.cookie)
                        .unwrap_or_default()
                        .to_owned(),
                ),
            },
            session,
            totp_enrolment_required: enrolment_required,
        })
    }

    /// Counts a failure against the account and its source address; from
    /// `lockout_threshold` failures on, locks the account for `lockout_base` doubled per
    /// further failure (at most `lockout_max`). Returns `error`.
    fn fail(&self, id: i64, failures: i64, source: Option<IpAddr>, error: IamError) -> IamError {
        if let Err(e) = self.note_source_failure(source) {
            return e;
        }
        let failures = failures.saturating_add(1);
        let length = crate::source_lockout::backoff_ms(
            failures,
            i64::from(self.config.lockout_threshold),
            self.config.lockout_base.0,
            self.config.lockout_max.0,
        );
        let locked_until = if length > 0 {
            now_ms().saturating_add(length)
        } else {
            0
        };
        let stored = self.store.with(|c| {
            c.execute(
                "UPDATE iam_users SET failures = ?2, locked_until_ms = ?3 WHERE id = ?1",
                params![id, failures, locked_until],
            )
        });
        match stored {
            Ok(_) => error,
            Err(e) => IamError::State(e),
        }
    }
}

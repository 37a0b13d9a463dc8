//! Accounts: create (with the password policy and separation of duties; the second factor is
//! left to the account's own enrolment, see [`crate::enrol`]), list, disable, enable, delete.

use crate::{
    now_ms, password,
    role::{check_separation, parse_roles, roles_text, Role},
    Iam, IamError, Identity,
};
use palisade_core::TenantId;
use palisade_state::rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;
use zeroize::Zeroizing;

/// What creating an account needs.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The account's tenant.
    pub tenant: TenantId,
    /// Account name (1 to 64 of letters, digits, `.`, `-`, `_`, `@`).
    pub name: String,
    /// Roles (separation of duties applies).
    pub roles: Vec<Role>,
    /// Initial password (checked against the policy); `None`: token-only account.
    pub password: Option<Zeroizing<String>>,
}

/// An account as the API shows it (never its secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserInfo {
    /// Row id.
    pub id: i64,
    /// Tenant.
    pub tenant: String,
    /// Account name.
    pub name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Whether a password is set.
    pub has_password: bool,
    /// Whether a TOTP secret is enrolled.
    pub totp_enrolled: bool,
    /// Disabled accounts cannot log in or use tokens.
    pub disabled: bool,
    /// Consecutive failed logins.
    pub failures: i64,
    /// Locked until this time (epoch ms; 0 = not locked).
    pub locked_until_ms: i64,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
}

/// The columns [`user_row`] reads.
pub(crate) const USER_COLUMNS: &str = "id, tenant, name, roles, password_hash IS NOT NULL, \
     totp_secret IS NOT NULL, disabled, failures, locked_until_ms, created_ms";

pub(crate) fn user_row(r: &Row<'_>) -> palisade_state::rusqlite::Result<UserInfo> {
    let roles: String = r.get(3)?;
    Ok(UserInfo {
        id: r.get(0)?,
        tenant: r.get(1)?,
        name: r.get(2)?,
        roles: parse_roles(&roles).unwrap_or_default(),
        has_password: r.get(4)?,
        totp_enrolled: r.get(5)?,
        disabled: r.get(6)?,
        failures: r.get(7)?,
        locked_until_ms: r.get(8)?,
        created_ms: r.get(9)?,
    })
}

/// Checks an account name.
fn check_name(name: &str) -> Result<(), IamError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(IamError::BadInput(format!(
            "invalid user name {name:?}: use 1 to 64 ASCII letters, digits, '.', '-', '_' or '@'"
        )))
    }
}

/// Refuses role grants beyond the caller's reach: only an operator grants `operator`, and
/// only an operator creates accounts outside its own tenant.
pub fn check_assignable(
    caller: &Identity,
    tenant: &TenantId,
    roles: &[Role],
) -> Result<(), IamError> {
    if caller.is_operator() {
        return Ok(());
    }
    if caller.tenant != *tenant {
        return Err(IamError::Forbidden(format!(
            "not allowed to manage accounts of tenant {tenant}"
        )));
    }
    if roles.contains(&Role::Operator) {
        return Err(IamError::Forbidden(
            "only an operator may grant the operator role".into(),
        ));
    }
    Ok(())
}

impl Iam {
    /// Creates an account. No second factor is set here: whoever creates an account never
    /// learns its TOTP secret; the account enrols one itself after its first sign-in
    /// ([`Iam::begin_totp_enrolment`]).
    pub fn create_user(&self, new: &NewUser) -> Result<UserInfo, IamError> {
        check_name(&new.name)?;
        check_separation(&new.roles).map_err(IamError::BadInput)?;
        let tenant = self.tenant(&new.tenant)?;
        if tenant.suspended {
            return Err(IamError::BadInput(format!(
                "tenant {} is suspended",
                tenant.name
            )));
        }
        let hash = match &new.password {
            Some(p) => {
                password::check_policy(p, &new.name, self.config.password_min_length)
                    .map_err(IamError::BadInput)?;
                Some(password::hash(p).map_err(IamError::BadInput)?)
            }
            None => None,
        };
        let id = self.insert_user(&new.tenant, &new.name, &new.roles, hash.as_deref())?;
        self.user_by_id(id)
    }

    pub(crate) fn insert_user(
        &self,
        tenant: &TenantId,
        name: &str,
        roles: &[Role],
        password_hash: Option<&str>,
    ) -> Result<i64, IamError> {
        let inserted =
            self.store.with(|c| {
                let n = c.execute(
                "INSERT OR IGNORE INTO iam_users (tenant, name, roles, password_hash, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![tenant.as_str(), name, roles_text(roles), password_hash, now_ms()],
            )?;
                Ok((n, c.last_insert_rowid()))
            })?;
        match inserted {
            (0, _) => Err(IamError::Conflict(format!(
                "user {name} exists already in tenant {tenant}"
            ))),
            (_, id) => Ok(id),
        }
    }

    /// One account by row id.
    pub fn user_by_id(&self, id: i64) -> Result<UserInfo, IamError> {
        self.store
            .with(|c| {
                c.query_row(
                    &format!("SELECT {USER_COLUMNS} FROM iam_users WHERE id = ?1"),
                    [id],
                    user_row,
                )
                .optional()
            })?
            .ok_or_else(|| IamError::NotFound(format!("no user with id {id}")))
    }

    /// One account by tenant and name.
    pub fn user(&self, tenant: &TenantId, name: &str) -> Result<UserInfo, IamError> {
        self.store
            .with(|c| {
                c.query_row(
                    &format!(
                        "SELECT {USER_COLUMNS} FROM iam_users WHERE tenant = ?1 AND name = ?2"
                    ),
                    params![tenant.as_str(), name],
                    user_row,
                )
                .optional()
            })?
            .ok_or_else(|| IamError::NotFound(format!("no user {name} in tenant {tenant}")))
    }

    /// Accounts of one tenant, or of every tenant (`None`).
    pub fn list_users(&self, tenant: Option<&TenantId>) -> Result<Vec<UserInfo>, IamError> {
        Ok(self.store.with(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {USER_COLUMNS} FROM iam_users WHERE ?1 IS NULL OR tenant = ?1
                 ORDER BY tenant, name"
            ))?;
            let rows = stmt.query_map([tenant.map(TenantId::as_str)], user_row)?;
            rows.collect()
        })?)
    }

    /// Disables (`true`) or enables an account; disabling ends its sessions.
    pub fn set_user_disabled(&self, id: i64, disabled: bool) -> Result<UserInfo, IamError> {
        self.store.with(|c| {
            let tx = c.transaction()?;
            tx.execute(
                "UPDATE iam_users SET disabled = ?2, failures = 0, locked_until_ms = 0
                 WHERE id = ?1",
                params![id, disabled],
            )?;
            if disabled {
                tx.execute("DELETE FROM iam_sessions WHERE user_id = ?1", [id])?;
            }
            tx.commit()
        })?;
        self.user_by_id(id)
    }

    /// Deletes an account with its tokens and sessions.
    pub fn delete_user(&self, id: i64) -> Result<(), IamError> {
        let n = self
            .store
            .with(|c| c.execute("DELETE FROM iam_users WHERE id = ?1", [id]))?;
        if n == 0 {
            return Err(IamError::NotFound(format!("no user with id {id}")));
        }
        Ok(())
    }
}

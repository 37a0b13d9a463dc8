//! Who may do what: key administrators manage keys but cannot use them on data, key users use
//! keys but cannot manage them, and per-key grants open a key to other principals or tenants.

use crate::error::KmsError;
use serde::{Deserialize, Serialize};

/// Every operation on keys, for policy checks and operation records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Create a key.
    Create,
    /// Import customer key material (bring your own key).
    Import,
    /// Read a key's metadata and public keys.
    Read,
    /// Add a new version.
    Rotate,
    /// Change settings (minimum decryption version, rotation period, deletion allowed).
    Configure,
    /// Enable or disable.
    SetEnabled,
    /// Schedule or cancel deletion, or destroy.
    Delete,
    /// Add or remove grants.
    Grant,
    /// Export an encrypted backup, or restore one.
    Backup,
    /// Encrypt.
    Encrypt,
    /// Decrypt.
    Decrypt,
    /// Re-encrypt under the newest version.
    Rewrap,
    /// Generate a data key.
    DataKey,
    /// Sign.
    Sign,
    /// Verify a signature or HMAC.
    Verify,
    /// Compute an HMAC.
    Hmac,
}

impl Operation {
    /// Whether this operation manages keys (key administrators) rather than uses them on data
    /// (key users).
    pub fn is_management(self) -> bool {
        matches!(
            self,
            Operation::Create
                | Operation::Import
                | Operation::Read
                | Operation::Rotate
                | Operation::Configure
                | Operation::SetEnabled
                | Operation::Delete
                | Operation::Grant
                | Operation::Backup
        )
    }

    /// The snake_case name used in operation records and grants.
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// The two key roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Roles {
    /// May create, rotate, configure, schedule deletion and grant.
    pub key_administrator: bool,
    /// May use keys on data (encrypt, decrypt, sign, ...).
    pub key_user: bool,
}

/// The caller of a key operation, as authentication established it.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Principal name.
    pub principal: String,
    /// The tenant the caller acts in.
    pub tenant: String,
    /// Key roles held.
    pub roles: Roles,
    /// A provider administrator manages keys of every tenant (never uses them without a grant).
    pub provider_admin: bool,
}

/// Who a grant opens a key to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grantee {
    /// One principal, by name.
    Principal(String),
    /// Every key user of a tenant.
    Tenant(String),
}

/// Permission for a grantee to use a key for some data operations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Who.
    pub grantee: Grantee,
    /// Which data operations.
    pub operations: Vec<Operation>,
}

/// Checks that `caller` may run management operation `op` on a key owned by `key_tenant`.
pub fn check_manage(caller: &Caller, key_tenant: &str, op: Operation) -> Result<(), KmsError> {
    if !caller.roles.key_administrator {
        return Err(KmsError::Forbidden(format!(
            "{} is not a key administrator (needed for {})",
            caller.principal,
            op.name()
        )));
    }
    if caller.tenant != key_tenant && !caller.provider_admin {
        return Err(KmsError::Forbidden(format!(
            "{} cannot manage keys of tenant {key_tenant}",
            caller.principal
        )));
    }
    Ok(())
}

/// Checks that `caller` may run data operation `op` with a key owned by `key_tenant` that
/// carries `grants`.
pub fn check_use(
    caller: &Caller,
    key_tenant: &str,
    grants: &[Grant],
    op: Operation,
) -> Result<(), KmsError> {
    if !caller.roles.key_user {
        return Err(KmsError::Forbidden(format!(
            "{} is not a key user (needed for {})",
            caller.principal,
            op.name()
        )));
    }
    let granted = grants.iter().any(|g| {
        g.operations.contains(&op)
            && match &g.grantee {
                Grantee::Principal(p) => *p == caller.principal,
                Grantee::Tenant(t) => *t == caller.tenant,
            }
    });
    if caller.tenant == key_tenant || granted {
        Ok(())
    } else {
        Err(KmsError::Forbidden(format!(
            "{} has no grant for {} with this key",
            caller.principal,
            op.name()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(admin: bool, user: bool, tenant: &str) -> Caller {
        Caller {
            principal: "alice".into(),
            tenant: tenant.into(),
            roles: Roles {
                key_administrator: admin,
                key_user: user,
            },
            provider_admin: false,
        }
    }

    #[test]
    fn administrators_and_users_are_separate() {
        let admin = caller(true, false, "t");
        let user = caller(false, true, "t");
        assert!(check_manage(&admin, "t", Operation::Rotate).is_ok());
        assert!(check_use(&admin, "t", &[], Operation::Encrypt).is_err());
        assert!(check_use(&user, "t", &[], Operation::Encrypt).is_ok());
        assert!(check_manage(&user, "t", Operation::Rotate).is_err());
    }

    #[test]
    fn other_tenants_need_a_grant_for_that_operation() {
        let user = caller(false, true, "other");
        assert!(check_use(&user, "t", &[], Operation::Decrypt).is_err());
        let grants = vec![Grant {
            grantee: Grantee::Tenant("other".into()),
            operations: vec![Operation::Encrypt],
        }];
        assert!(check_use(&user, "t", &grants, Operation::Encrypt).is_ok());
        assert!(check_use(&user, "t", &grants, Operation::Decrypt).is_err());
        let by_name = vec![Grant {
            grantee: Grantee::Principal("alice".into()),
            operations: vec![Operation::Decrypt],
        }];
        assert!(check_use(&user, "t", &by_name, Operation::Decrypt).is_ok());
        assert!(check_manage(&caller(true, false, "other"), "t", Operation::Rotate).is_err());
    }
}

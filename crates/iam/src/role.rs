//! Roles, the permissions they grant, and separation of duties.

use serde::{Deserialize, Serialize};

/// A role an account holds. Every role but [`Role::Operator`] acts inside its own tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Searches events and works alerts and incidents of the tenant; uses keys on data.
    User,
    /// System administrator: sources, users, tokens, configuration; no audit trail, no key use.
    Sysadmin,
    /// Security administrator: rules, incidents, key administration, policies.
    Secadmin,
    /// Audit administrator: reads, verifies and exports the audit trail; nothing else.
    Auditadmin,
    /// Provider-level operator: tenants, and administration across every tenant.
    Operator,
}

/// Every role, in the order tables list them.
pub const ALL_ROLES: [Role; 5] = [
    Role::User,
    Role::Sysadmin,
    Role::Secadmin,
    Role::Auditadmin,
    Role::Operator,
];

impl Role {
    /// The role's name as the API, CLI and docs spell it.
    pub fn name(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Sysadmin => "sysadmin",
            Role::Secadmin => "secadmin",
            Role::Auditadmin => "auditadmin",
            Role::Operator => "operator",
        }
    }

    /// Parses a role name.
    pub fn parse(name: &str) -> Result<Role, String> {
        ALL_ROLES
            .into_iter()
            .find(|r| r.name() == name.trim())
            .ok_or_else(|| {
                format!(
                    "unknown role {name:?}: use user, sysadmin, secadmin, auditadmin or operator"
                )
            })
    }

    /// Whether this is an administrator role (TOTP and allowed networks apply at login).
    pub fn is_admin(self) -> bool {
        self != Role::User
    }

    /// Whether the role grants `permission`.
    pub fn grants(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            Role::User => matches!(
                permission,
                P::Session
                    | P::SelfService
                    | P::EventsSearch
                    | P::Ingest
                    | P::Templates
                    | P::AlertsRead
                    | P::AlertsWrite
                    | P::RulesRead
                    | P::IncidentsRead
                    | P::IncidentsWrite
                    | P::PostureRead
                    | P::KeysUse
            ),
            Role::Sysadmin => matches!(
                permission,
                P::Session
                    | P::SelfService
                    | P::Ingest
                    | P::Templates
                    | P::Metrics
                    | P::AgentsRead
                    | P::AgentsWrite
                    | P::PostureRead
                    | P::KmsStatus
                    | P::UsersManage
                    | P::ParsersManage
            ),
            Role::Secadmin => matches!(
                permission,
                P::Session
                    | P::SelfService
                    | P::EventsSearch
                    | P::Templates
                    | P::AlertsRead
                    | P::AlertsWrite
                    | P::RulesRead
                    | P::RulesWrite
                    | P::IncidentsRead
                    | P::IncidentsWrite
                    | P::AgentsRead
                    | P::PostureRead
                    | P::KmsStatus
                    | P::KeysManage
            ),
            Role::Auditadmin => {
                matches!(permission, P::Session | P::SelfService | P::AuditRead)
            }
            Role::Operator => !matches!(permission, P::AuditRead | P::KeysUse),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a route needs. Roles grant permissions ([`Role::grants`]); routes name the one they
/// need in [`crate::access::ROUTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// One's own session and second factor: every signed-in identity, also a session that
    /// signed in with a password alone and must enrol a second factor before anything else.
    Session,
    /// One's own identity, session and tokens.
    SelfService,
    /// Search and aggregate events.
    EventsSearch,
    /// Send events (HTTP ingest, Elasticsearch `_bulk`).
    Ingest,
    /// Read mined log templates and parser chains.
    Templates,
    /// Add, change and remove a tenant's parser chains; promote templates to parsers.
    ParsersManage,
    /// Prometheus metrics.
    Metrics,
    /// Read alerts.
    AlertsRead,
    /// Change alerts (acknowledge, close).
    AlertsWrite,
    /// Read detection rules.
    RulesRead,
    /// Change detection rules.
    RulesWrite,
    /// Read incidents.
    IncidentsRead,
    /// Change incidents.
    IncidentsWrite,
    /// Read agents.
    AgentsRead,
    /// Enrol, change and remove agents.
    AgentsWrite,
    /// Read the security posture.
    PostureRead,
    /// Import the CCM control text every tenant's posture shows (provider level).
    PostureManage,
    /// Read the key service's seal status.
    KmsStatus,
    /// Seal and unseal the key service.
    KmsSeal,
    /// Create, rotate, configure, delete, grant, back up and restore keys.
    KeysManage,
    /// Encrypt, decrypt, rewrap, data keys, sign, verify, HMAC.
    KeysUse,
    /// Read and prove the audit trail.
    AuditRead,
    /// Manage users and their tokens in the tenant.
    UsersManage,
    /// Create, suspend and delete tenants.
    TenantsManage,
}

/// Refuses a role set that breaks separation of duties: no account may both manage users
/// (system administrator, operator) and manage the audit trail (audit administrator).
pub fn check_separation(roles: &[Role]) -> Result<(), String> {
    if roles.is_empty() {
        return Err("an account needs at least one role".into());
    }
    let audits = roles.contains(&Role::Auditadmin);
    let manages_users = roles.iter().any(|r| r.grants(Permission::UsersManage));
    if audits && manages_users {
        return Err(
            "separation of duties: an account cannot hold auditadmin together with a role \
             that manages users (sysadmin, operator)"
                .into(),
        );
    }
    Ok(())
}

/// Parses a comma-separated role list (`user,secadmin`), sorted and without duplicates.
pub fn parse_roles(text: &str) -> Result<Vec<Role>, String> {
    let mut roles = text
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(Role::parse)
        .collect::<Result<Vec<_>, _>>()?;
    roles.sort();
    roles.dedup();
    Ok(roles)
}

/// The comma-separated form of a role list.
pub fn roles_text(roles: &[Role]) -> String {
    roles.iter().map(|r| r.name()).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_managers_cannot_audit() {
        assert!(check_separation(&[Role::Sysadmin, Role::Auditadmin]).is_err());
        assert!(check_separation(&[Role::Operator, Role::Auditadmin]).is_err());
        assert!(check_separation(&[Role::Secadmin, Role::Auditadmin]).is_ok());
        assert!(check_separation(&[Role::Sysadmin, Role::Secadmin]).is_ok());
        assert!(check_separation(&[]).is_err());
    }

    #[test]
    fn key_administrators_do_not_use_keys() {
        for role in ALL_ROLES {
            assert!(
                !(role.grants(Permission::KeysManage) && role.grants(Permission::KeysUse)),
                "{role}"
            );
        }
        assert!(!Role::Sysadmin.grants(Permission::AuditRead));
        assert!(!Role::Auditadmin.grants(Permission::EventsSearch));
    }

    #[test]
    fn role_lists_parse_and_print() {
        let roles = parse_roles("secadmin, user,user").unwrap();
        assert_eq!(roles, vec![Role::User, Role::Secadmin]);
        assert_eq!(roles_text(&roles), "user,secadmin");
        assert!(parse_roles("root").unwrap_err().contains("unknown role"));
    }
}

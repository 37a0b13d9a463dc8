//! Tenants: create, list, suspend, resume, delete.

use crate::{now_ms, Iam, IamError};
use palisade_core::TenantId;
use palisade_state::rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// A tenant as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantInfo {
    /// The tenant id.
    pub name: String,
    /// Suspended tenants' accounts cannot log in or use tokens.
    pub suspended: bool,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
}

impl Iam {
    /// Creates a tenant.
    pub fn create_tenant(&self, tenant: &TenantId) -> Result<TenantInfo, IamError> {
        let created_ms = now_ms();
        let inserted = self.store.with(|c| {
            c.execute(
                "INSERT OR IGNORE INTO iam_tenants (name, suspended, created_ms) VALUES (?1, 0, ?2)",
                params![tenant.as_str(), created_ms],
            )
        })?;
        if inserted == 0 {
            return Err(IamError::Conflict(format!(
                "tenant {tenant} exists already"
            )));
        }
        Ok(TenantInfo {
            name: tenant.to_string(),
            suspended: false,
            created_ms,
        })
    }

    /// One tenant.
    pub fn tenant(&self, tenant: &TenantId) -> Result<TenantInfo, IamError> {
        self.store
            .with(|c| {
                c.query_row(
                    "SELECT name, suspended, created_ms FROM iam_tenants WHERE name = ?1",
                    [tenant.as_str()],
                    |r| {
                        Ok(TenantInfo {
                            name: r.get(0)?,
                            suspended: r.get(1)?,
                            created_ms: r.get(2)?,
                        })
                    },
                )
                .optional()
            })?
            .ok_or_else(|| IamError::NotFound(format!("no tenant {tenant}")))
    }

    /// Every tenant, by name.
    pub fn list_tenants(&self) -> Result<Vec<TenantInfo>, IamError> {
        Ok(self.store.with(|c| {
            let mut stmt =
                c.prepare("SELECT name, suspended, created_ms FROM iam_tenants ORDER BY name")?;
            let rows = stmt.query_map([], |r| {
                Ok(TenantInfo {
                    name: r.get(0)?,
                    suspended: r.get(1)?,
                    created_ms: r.get(2)?,
                })
            })?;
            rows.collect()
        })?)
    }

    /// Suspends (`true`) or resumes a tenant; a suspended tenant's sessions end at once.
    pub fn set_tenant_suspended(
        &self,
        tenant: &TenantId,
        suspended: bool,
    ) -> Result<TenantInfo, IamError> {
        if suspended && tenant.as_str() == palisade_core::tenant::DEFAULT_TENANT {
            return Err(IamError::BadInput(
                "the default tenant holds the provider's operators and cannot be suspended".into(),
            ));
        }
        let changed = self.store.with(|c| {
            let tx = c.transaction()?;
            let n = tx.execute(
                "UPDATE iam_tenants SET suspended = ?2 WHERE name = ?1",
                params![tenant.as_str(), suspended],
            )?;
            if suspended {
                tx.execute(
                    "DELETE FROM iam_sessions WHERE user_id IN
                     (SELECT id FROM iam_users WHERE tenant = ?1)",
                    [tenant.as_str()],
                )?;
            }
            tx.commit()?;
            Ok(n)
        })?;
        if changed == 0 {
            return Err(IamError::NotFound(format!("no tenant {tenant}")));
        }
        self.tenant(tenant)
    }

    /// Deletes a tenant with its users, tokens and sessions, and every other component's
    /// state rows of it: any table of the state store with a `tenant` column loses the rows
    /// whose `tenant` is this one (the convention components follow). The caller deletes its
    /// events. The default tenant cannot be deleted. Returns rows deleted per other table.
    pub fn delete_tenant(&self, tenant: &TenantId) -> Result<Vec<(String, usize)>, IamError> {
        if tenant.as_str() == palisade_core::tenant::DEFAULT_TENANT {
            return Err(IamError::BadInput(
                "the default tenant holds the provider's operators and cannot be deleted".into(),
            ));
        }
        let (deleted, swept) = self.store.with(|c| {
            let tx = c.transaction()?;
            let tables: Vec<String> = {
                let mut stmt = tx.prepare(
                    "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) p
                     WHERE m.type = 'table' AND p.name = 'tenant' AND m.name NOT LIKE 'iam_%'
                     ORDER BY m.name",
                )?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                rows.collect::<Result<_, _>>()?
            };
            let mut swept = Vec::new();
            for table in tables {
                let quoted = table.replace('"', "\"\"");
                let n = tx.execute(
                    &format!("DELETE FROM \"{quoted}\" WHERE tenant = ?1"),
                    [tenant.as_str()],
                )?;
                swept.push((table, n));
            }
            // Foreign keys cascade from tenants to users, and from users to tokens/sessions.
            let n = tx.execute("DELETE FROM iam_tenants WHERE name = ?1", [tenant.as_str()])?;
            if n > 0 {
                tx.commit()?;
            }
            Ok((n, swept))
        })?;
        if deleted == 0 {
            return Err(IamError::NotFound(format!("no tenant {tenant}")));
        }
        Ok(swept)
    }
}

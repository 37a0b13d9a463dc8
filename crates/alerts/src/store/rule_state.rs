//! Which rules are disabled: globally (every tenant) or by one tenant for itself.

use super::AlertStore;
use crate::rules::RuleScope;
use palisade_core::TenantId;
use palisade_state::{rusqlite::params, StateError};
use std::collections::{HashMap, HashSet};

/// The disabled rules: the global set and each tenant's own.
#[derive(Debug, Clone, Default)]
pub struct DisabledRules {
    /// Rule ids disabled for every tenant.
    pub global: HashSet<String>,
    /// Rule ids each tenant disabled for itself.
    pub tenants: HashMap<TenantId, HashSet<String>>,
}

impl DisabledRules {
    /// The rule ids disabled in the engine of `tenant` (`None`: the global engine).
    pub fn for_engine(&self, tenant: Option<&TenantId>) -> HashSet<String> {
        let mut ids = self.global.clone();
        if let Some(own) = tenant.and_then(|t| self.tenants.get(t)) {
            ids.extend(own.iter().cloned());
        }
        ids
    }

    /// Records a change in memory (the store has it already).
    pub fn set(&mut self, scope: &RuleScope, id: &str, enabled: bool) {
        let ids = match scope {
            RuleScope::Global => &mut self.global,
            RuleScope::Tenant(tenant) => self.tenants.entry(tenant.clone()).or_default(),
        };
        if enabled {
            ids.remove(id);
        } else {
            ids.insert(id.to_owned());
        }
    }
}

impl AlertStore {
    /// Every disabled rule, global and per tenant.
    pub fn disabled_rules(&self) -> Result<DisabledRules, StateError> {
        self.state.with(|conn| {
            let mut disabled = DisabledRules::default();
            let mut stmt =
                conn.prepare("SELECT rule_id FROM detection_rule_state WHERE enabled = 0")?;
            for id in stmt.query_map([], |r| r.get::<_, String>(0))? {
                disabled.global.insert(id?);
            }
            let mut stmt = conn.prepare(
                "SELECT tenant, rule_id FROM detection_rule_tenant_state WHERE enabled = 0",
            )?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (tenant, id) = row?;
                match TenantId::new(&tenant) {
                    Ok(tenant) => disabled.set(&RuleScope::Tenant(tenant), &id, false),
                    Err(e) => tracing::warn!(error = %e, "disabled rule of an invalid tenant"),
                }
            }
            Ok(disabled)
        })
    }

    /// Records whether a rule is enabled in `scope` (globally, or for one tenant).
    pub fn set_rule_enabled(
        &self,
        scope: &RuleScope,
        rule_id: &str,
        enabled: bool,
    ) -> Result<(), StateError> {
        self.state.with(|conn| {
            match scope {
                RuleScope::Global => conn.execute(
                    "INSERT INTO detection_rule_state (rule_id, enabled) VALUES (?1, ?2)
                     ON CONFLICT(rule_id) DO UPDATE SET enabled = excluded.enabled",
                    params![rule_id, enabled],
                ),
                RuleScope::Tenant(tenant) => conn.execute(
                    "INSERT INTO detection_rule_tenant_state (tenant, rule_id, enabled)
                     VALUES (?1, ?2, ?3)
                     ON CONFLICT(tenant, rule_id) DO UPDATE SET enabled = excluded.enabled",
                    params![tenant.as_str(), rule_id, enabled],
                ),
            }
            .map(drop)
        })
    }
}

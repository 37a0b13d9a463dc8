//! The running engines: one over the global rules for tenants without rules of their own,
//! and one per tenant that has uploads or has disabled rules for itself (the global rules
//! plus its own, minus what it disabled). An event is matched by its tenant's engine only,
//! so a tenant's rules never see another tenant's events, and each engine keeps its own
//! correlation windows.

use crate::rules::{Change, Compiled, RuleError, RuleLibrary, RuleScope};
use crate::store::DisabledRules;
use palisade_core::TenantId;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// The compiled engines of every scope.
#[derive(Clone)]
pub struct Engines {
    /// The global rules alone.
    pub global: Arc<Compiled>,
    /// Tenants with an engine of their own.
    pub tenants: HashMap<TenantId, Arc<Compiled>>,
}

impl Engines {
    /// The engine that matches `tenant`'s events.
    pub fn for_tenant(&self, tenant: &TenantId) -> &Arc<Compiled> {
        self.tenants.get(tenant).unwrap_or(&self.global)
    }

    /// Every engine: the global one first.
    pub fn all(&self) -> impl Iterator<Item = &Arc<Compiled>> {
        std::iter::once(&self.global).chain(self.tenants.values())
    }

    /// Compiles every engine, with `change` applied.
    pub fn build(
        library: &RuleLibrary,
        disabled: &DisabledRules,
        change: Option<&Change>,
    ) -> Result<Engines, RuleError> {
        let global = library.compile(None, &disabled.for_engine(None), change)?;
        let mut tenants: BTreeSet<TenantId> = library.tenants_with_uploads().into_iter().collect();
        tenants.extend(disabled.tenants.keys().cloned());
        if let Some(tenant) = change.and_then(|c| c.scope().tenant()) {
            tenants.insert(tenant.clone());
        }
        let mut engines = Engines {
            global: Arc::new(global),
            tenants: HashMap::new(),
        };
        for tenant in tenants {
            engines.rebuild(library, disabled, &tenant, change)?;
        }
        Ok(engines)
    }

    /// A copy with the engine of `tenant` compiled afresh (with `change`), the others kept.
    fn with_tenant(
        &self,
        library: &RuleLibrary,
        disabled: &DisabledRules,
        tenant: &TenantId,
        change: Option<&Change>,
    ) -> Result<Engines, RuleError> {
        let mut engines = self.clone();
        engines.rebuild(library, disabled, tenant, change)?;
        Ok(engines)
    }

    /// Compiles the engine of `tenant`; a tenant left with no rules or settings of its own
    /// goes back to the global engine.
    fn rebuild(
        &mut self,
        library: &RuleLibrary,
        disabled: &DisabledRules,
        tenant: &TenantId,
        change: Option<&Change>,
    ) -> Result<(), RuleError> {
        let compiled = library.compile(Some(tenant), &disabled.for_engine(Some(tenant)), change)?;
        let own_rules = compiled.rules.iter().any(|r| r.tenant.is_some());
        let own_settings = disabled.tenants.get(tenant).is_some_and(|d| !d.is_empty());
        if own_rules || own_settings {
            self.tenants.insert(tenant.clone(), Arc::new(compiled));
        } else {
            self.tenants.remove(tenant);
        }
        Ok(())
    }

    /// Rebuilds what a change in `scope` touches: one tenant's engine, or every engine.
    pub fn rebuilt(
        &self,
        library: &RuleLibrary,
        disabled: &DisabledRules,
        scope: &RuleScope,
        change: Option<&Change>,
    ) -> Result<Engines, RuleError> {
        match scope {
            RuleScope::Global => Engines::build(library, disabled, change),
            RuleScope::Tenant(tenant) => self.with_tenant(library, disabled, tenant, change),
        }
    }
}

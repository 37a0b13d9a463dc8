//! Rule management behind the rules API, scoped: a tenant sees the global rules and its own,
//! and changes only its own (a global rule it may disable for itself); the global scope
//! (provider administrators) changes the global rules.

use crate::rules::{sources, Change, RuleError, RuleInfo, RuleOrigin, RuleScope};
use crate::service::DetectionService;
use palisade_detect::LoadFailure;

impl DetectionService {
    /// The rules `scope` sees and the rules that failed to load. A tenant: the global rules
    /// and its own, `enabled` as they run for it. The global scope: the global rules and
    /// every tenant's own (each naming its tenant), `enabled` as set globally / by the tenant.
    pub fn rules(&self, scope: &RuleScope) -> (Vec<RuleInfo>, Vec<LoadFailure>) {
        let engines = self.engines();
        match scope {
            RuleScope::Tenant(tenant) => {
                let compiled = engines.for_tenant(tenant);
                (compiled.rules.clone(), compiled.failures.clone())
            }
            RuleScope::Global => {
                let mut rules = engines.global.rules.clone();
                let mut failures = engines.global.failures.clone();
                let mut tenants: Vec<_> = engines.tenants.iter().collect();
                tenants.sort_by(|a, b| a.0.cmp(b.0));
                for (tenant, compiled) in tenants {
                    let own = |source: &str| source.starts_with(&format!("uploaded/{tenant}/"));
                    rules.extend(
                        compiled
                            .rules
                            .iter()
                            .filter(|r| r.tenant.is_some())
                            .cloned(),
                    );
                    failures.extend(compiled.failures.iter().filter(|f| own(&f.file)).cloned());
                }
                (rules, failures)
            }
        }
    }

    /// One rule `scope` sees, and the YAML of the file it is in.
    pub fn rule(&self, scope: &RuleScope, id: &str) -> Option<(RuleInfo, String)> {
        let engines = self.engines();
        let compiled = match scope {
            RuleScope::Tenant(tenant) => engines.for_tenant(tenant),
            RuleScope::Global if engines.global.rules.iter().any(|r| r.id == id) => &engines.global,
            // A tenant's own rule (the first tenant's, should two use the id).
            RuleScope::Global => engines
                .tenants
                .values()
                .find(|c| c.rules.iter().any(|r| r.id == id && r.tenant.is_some()))?,
        };
        let info = compiled.rules.iter().find(|r| r.id == id)?.clone();
        let text = compiled
            .texts
            .get(&info.source)
            .cloned()
            .unwrap_or_default();
        Some((info, text))
    }

    /// Adds an upload to `scope` (one YAML text of one or more rules); its id is its first
    /// rule's id. Returns the rules it holds.
    pub fn upload(&self, scope: &RuleScope, text: &str) -> Result<Vec<RuleInfo>, RuleError> {
        let id = sources::upload_id(text)?;
        let _changing = self.lock_changes();
        if self.visible(scope, &id).is_some() {
            return Err(RuleError::Conflict(format!(
                "a rule with id {id} exists: replace it with PUT /api/v1/rules/{id}"
            )));
        }
        self.apply(Change::Put {
            scope: scope.clone(),
            id,
            text: text.to_owned(),
        })
    }

    /// Replaces the upload `id` of `scope` with `text`, whose first rule must keep the id.
    pub fn replace(
        &self,
        scope: &RuleScope,
        id: &str,
        text: &str,
    ) -> Result<Vec<RuleInfo>, RuleError> {
        let new_id = sources::upload_id(text)?;
        if new_id != id {
            return Err(RuleError::BadId(format!(
                "the replacement's first rule has id {new_id}, not {id}: an upload keeps its id"
            )));
        }
        let _changing = self.lock_changes();
        self.owned_upload(scope, id)?;
        self.apply(Change::Put {
            scope: scope.clone(),
            id: id.to_owned(),
            text: text.to_owned(),
        })
    }

    /// Deletes the upload `id` of `scope` (with every rule in its file).
    pub fn delete(&self, scope: &RuleScope, id: &str) -> Result<(), RuleError> {
        let _changing = self.lock_changes();
        self.owned_upload(scope, id)?;
        self.apply(Change::Delete {
            scope: scope.clone(),
            id: id.to_owned(),
        })
        .map(drop)
    }

    /// Enables or disables a rule `scope` sees: the global scope for every tenant, a tenant
    /// for itself only. The engines concerned are swapped.
    pub fn set_enabled(
        &self,
        scope: &RuleScope,
        id: &str,
        enabled: bool,
    ) -> Result<RuleInfo, RuleError> {
        let _changing = self.lock_changes();
        self.visible(scope, id)
            .ok_or_else(|| RuleError::NotFound(id.to_owned()))?;
        let mut disabled = self.store.disabled_rules()?;
        disabled.set(scope, id, enabled);
        let engines = self
            .engines()
            .rebuilt(&self.library, &disabled, scope, None)?;
        self.store.set_rule_enabled(scope, id, enabled)?;
        self.swap(engines);
        self.visible(scope, id)
            .ok_or_else(|| RuleError::NotFound(id.to_owned()))
    }

    /// The rule `id` as `scope` sees it: a tenant the global rules and its own, the global
    /// scope the global rules.
    fn visible(&self, scope: &RuleScope, id: &str) -> Option<RuleInfo> {
        let engines = self.engines();
        let compiled = match scope {
            RuleScope::Tenant(tenant) => engines.for_tenant(tenant),
            RuleScope::Global => &engines.global,
        };
        compiled.rules.iter().find(|r| r.id == id).cloned()
    }

    /// Checks that `id` names an upload of `scope` (the file's first rule).
    fn owned_upload(&self, scope: &RuleScope, id: &str) -> Result<(), RuleError> {
        let rule = self
            .visible(scope, id)
            .ok_or_else(|| RuleError::NotFound(id.to_owned()))?;
        if rule.origin != RuleOrigin::Uploaded || rule.source != sources::upload_name(scope, id) {
            let whose = match (&rule.tenant, scope) {
                (None, RuleScope::Tenant(_)) => {
                    "it is a global rule: a tenant may disable it for itself, not change it"
                }
                _ => "only uploads can be replaced or deleted through the API (disable it instead, or change its file)",
            };
            return Err(RuleError::NotUploaded(format!(
                "rule {id} comes from {}: {whose}",
                rule.source
            )));
        }
        Ok(())
    }

    /// Compiles with `change`, writes it, swaps the engines.
    fn apply(&self, change: Change) -> Result<Vec<RuleInfo>, RuleError> {
        let disabled = self.store.disabled_rules()?;
        let scope = change.scope().clone();
        let engines = self
            .engines()
            .rebuilt(&self.library, &disabled, &scope, Some(&change))?;
        let dir = self.library.upload_dir(&scope);
        let io = |what: &str, e: std::io::Error| RuleError::Io(format!("cannot {what}: {e}"));
        let source = match &change {
            Change::Put { id, text, .. } => {
                std::fs::create_dir_all(&dir).map_err(|e| io("create the rules directory", e))?;
                let path = dir.join(format!("{id}.yml"));
                let temporary = dir.join(format!(".{id}.yml.tmp"));
                std::fs::write(&temporary, text).map_err(|e| io("write the rule file", e))?;
                std::fs::rename(&temporary, &path).map_err(|e| io("write the rule file", e))?;
                Some(sources::upload_name(&scope, id))
            }
            Change::Delete { id, .. } => {
                std::fs::remove_file(dir.join(format!("{id}.yml")))
                    .map_err(|e| io("delete the rule file", e))?;
                None
            }
        };
        let compiled = match scope.tenant() {
            Some(tenant) => engines.for_tenant(tenant).clone(),
            None => engines.global.clone(),
        };
        let held = compiled
            .rules
            .iter()
            .filter(|r| Some(&r.source) == source.as_ref())
            .cloned()
            .collect();
        self.swap(engines);
        Ok(held)
    }
}

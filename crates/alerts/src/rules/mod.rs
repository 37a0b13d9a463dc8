//! The rule library: where rules come from, and compiling them into engines.
//!
//! Rules come from three places: the built-in pack embedded in the binary, the configured
//! `rules_dirs` (read at start and at every reload), and rules uploaded through the API
//! (one YAML file per upload: `<data-dir>/rules/ID.yml` for a global upload, which applies
//! to every tenant, `<data-dir>/rules/tenants/TENANT/ID.yml` for a tenant's own, which
//! applies to that tenant's events only). Each engine is compiled for one scope: the global
//! rules alone, or the global rules plus one tenant's. Compiling reads those sources, drops
//! the disabled rules, and builds the Sigma engine and the correlation engine; a change to
//! the uploaded rules is compiled in memory first and written only when the whole set
//! compiles, so a rejected change leaves everything as it was.

mod error;
pub(crate) mod sources;
#[cfg(test)]
mod tests;

pub use error::RuleError;
pub use sources::{Change, RuleOrigin, Source};

use palisade_core::{detection_config::DetectionConfig, TenantId};
use palisade_correlate::{CorrelationEngine, EngineConfig};
use palisade_detect::{Engine, EngineOptions, LoadFailure, RuleSet};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Whose rules: the global ones (built-in, rules dirs, operator uploads), which apply to
/// every tenant, or one tenant's own, which apply to its events only.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RuleScope {
    /// Every tenant's.
    Global,
    /// One tenant's.
    Tenant(TenantId),
}

impl RuleScope {
    /// The tenant of a tenant scope.
    pub fn tenant(&self) -> Option<&TenantId> {
        match self {
            RuleScope::Global => None,
            RuleScope::Tenant(tenant) => Some(tenant),
        }
    }
}

/// One rule as the rules API lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleInfo {
    /// The rule id (a correlation rule without one: its name, else its title).
    pub id: String,
    /// The title.
    pub title: String,
    /// The level (`medium` when the rule gives none).
    pub level: String,
    /// The tags.
    pub tags: Vec<String>,
    /// `detection` or `correlation`.
    pub kind: &'static str,
    /// Where it comes from.
    pub origin: RuleOrigin,
    /// The tenant whose events it applies to (`None`: a global rule, every tenant's).
    pub tenant: Option<TenantId>,
    /// The file it is in (`builtin/ssh.yml`, a path under a rules dir, `uploaded/ID.yml`,
    /// `uploaded/TENANT/ID.yml`).
    pub source: String,
    /// False when it is disabled (globally, or for the tenant whose engine this is).
    pub enabled: bool,
}

/// A compiled rule set, ready to match events.
pub struct Compiled {
    /// The Sigma engine over the enabled detection rules.
    pub engine: Engine,
    /// The correlation engine over the enabled correlation rules, with its live windows.
    pub correlation: Mutex<CorrelationEngine>,
    /// Every rule, disabled ones included.
    pub rules: Vec<RuleInfo>,
    /// Rules of the rules dirs and uploads that could not be loaded.
    pub failures: Vec<LoadFailure>,
    /// The text of every source, by its name.
    pub texts: HashMap<String, String>,
}

/// Where rules are read from, and how engines are built from them.
pub struct RuleLibrary {
    builtin: bool,
    dirs: Vec<PathBuf>,
    upload_root: PathBuf,
    engine_config: EngineConfig,
}

impl RuleLibrary {
    /// The library of a node: `config`'s sources plus `<data_dir>/rules/`.
    pub fn new(config: &DetectionConfig, data_dir: &Path) -> RuleLibrary {
        RuleLibrary {
            builtin: config.builtin,
            dirs: config.rules_dirs.clone(),
            upload_root: data_dir.join("rules"),
            engine_config: EngineConfig {
                lateness_ms: i64::try_from(config.correlation_lateness.0).unwrap_or(i64::MAX),
                max_groups_per_rule: config.max_groups_per_rule,
                max_events_per_group: config.max_events_per_group,
                max_alert_event_ids: config.max_alert_event_ids,
            },
        }
    }

    /// Where the uploads of `scope` are kept.
    pub fn upload_dir(&self, scope: &RuleScope) -> PathBuf {
        sources::upload_dir(&self.upload_root, scope)
    }

    /// The tenants with uploads of their own.
    pub fn tenants_with_uploads(&self) -> Vec<TenantId> {
        sources::tenants_with_uploads(&self.upload_root)
    }

    /// Reads the sources of the engine of `tenant` (`None`: the global rules alone), with
    /// `change` applied to the uploads, and compiles the rules not in `disabled`. Rules that
    /// fail to load are reported in [`Compiled::failures`] (the others still load) unless
    /// they are in `change`, whose problems fail the compile.
    pub fn compile(
        &self,
        tenant: Option<&TenantId>,
        disabled: &HashSet<String>,
        change: Option<&Change>,
    ) -> Result<Compiled, RuleError> {
        let sources = sources::gather(self.builtin, &self.dirs, &self.upload_root, tenant, change)?;
        let mut set = RuleSet::default();
        let mut correlations = Vec::new();
        let mut rules = Vec::new();
        let mut failures = Vec::new();
        for source in &sources {
            let loaded = sources::load(source, &mut set, &mut correlations, &mut rules);
            if change.is_some_and(|c| c.names(source)) && !loaded.is_empty() {
                return Err(RuleError::Invalid(loaded));
            }
            if source.origin == RuleOrigin::Builtin && !loaded.is_empty() {
                tracing::error!(problems = ?loaded, "a built-in rule failed to load");
            }
            failures.extend(loaded);
        }
        check_unique(&rules)?;
        for rule in &mut rules {
            rule.enabled = !disabled.contains(&rule.id);
        }
        set.rules.retain(|r| !disabled.contains(&r.id));
        correlations.retain(|c: &palisade_correlate::CorrelationRule| !disabled.contains(c.key()));
        let engine = Engine::new(&set, &EngineOptions::default()).map_err(RuleError::Build)?;
        let correlation = CorrelationEngine::new(correlations, self.engine_config.clone())
            .map_err(|e| RuleError::Build(e.to_string()))?;
        Ok(Compiled {
            engine,
            correlation: Mutex::new(correlation),
            rules,
            failures,
            texts: sources.into_iter().map(|s| (s.name, s.text)).collect(),
        })
    }
}

/// Refuses two rules with one id: alerts, enable/disable and correlation references would
/// not know which is meant.
fn check_unique(rules: &[RuleInfo]) -> Result<(), RuleError> {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for rule in rules {
        if let Some(first) = seen.insert(&rule.id, &rule.source) {
            return Err(RuleError::Conflict(format!(
                "rule id {} is used by both {first} and {}",
                rule.id, rule.source
            )));
        }
    }
    Ok(())
}

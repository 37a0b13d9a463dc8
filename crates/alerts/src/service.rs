//! The detection stage of the pipeline and the rule management behind the rules API.

use crate::finding::Finding;
use crate::rules::{sources, Change, Compiled, RuleError, RuleInfo, RuleLibrary, RuleOrigin};
use crate::store::AlertStore;
use palisade_core::{
    detection_config::DetectionConfig, Alert, AlertChange, AlertSink, Detector, Event,
};
use palisade_correlate::RuleMatch;
use palisade_detect::LoadFailure;
use palisade_state::StateStore;
use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

/// Detection inline in the pipeline: rules, correlation, alerts and their sinks.
pub struct DetectionService {
    library: RuleLibrary,
    store: AlertStore,
    /// The running rule set; swapped whole on every change.
    current: RwLock<Arc<Compiled>>,
    sinks: RwLock<Vec<Arc<dyn AlertSink>>>,
    /// Serialises rule changes (compile, write, swap).
    changing: Mutex<()>,
}

impl DetectionService {
    /// Opens the alert tables in `state` and compiles the rules of `config` and of
    /// `<data_dir>/rules/`.
    pub fn start(
        config: &DetectionConfig,
        data_dir: &Path,
        state: Arc<StateStore>,
    ) -> Result<Arc<DetectionService>, RuleError> {
        let store = AlertStore::open(
            state,
            i64::try_from(config.suppression_window.0).unwrap_or(i64::MAX),
            config.max_alert_event_ids,
        )?;
        let library = RuleLibrary::new(config, data_dir);
        let disabled: HashSet<String> = store.disabled_rules()?.into_iter().collect();
        let compiled = library.compile(&disabled, None)?;
        for failure in &compiled.failures {
            tracing::warn!(file = %failure.file, line = ?failure.line, reason = %failure.reason, "rule not loaded");
        }
        tracing::info!(
            rules = compiled.rules.len(),
            failed = compiled.failures.len(),
            "detection rules loaded"
        );
        Ok(Arc::new(DetectionService {
            library,
            store,
            current: RwLock::new(Arc::new(compiled)),
            sinks: RwLock::new(Vec::new()),
            changing: Mutex::new(()),
        }))
    }

    /// Registers a consumer of alerts (incidents, notifications).
    pub fn add_sink(&self, sink: Arc<dyn AlertSink>) {
        self.sinks
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(sink);
    }

    /// The alert store.
    pub fn alerts(&self) -> &AlertStore {
        &self.store
    }

    /// The running rule set.
    pub fn compiled(&self) -> Arc<Compiled> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Every rule, disabled ones included, and the rules that failed to load.
    pub fn rules(&self) -> (Vec<RuleInfo>, Vec<LoadFailure>) {
        let compiled = self.compiled();
        (compiled.rules.clone(), compiled.failures.clone())
    }

    /// One rule and the YAML of the file it is in.
    pub fn rule(&self, id: &str) -> Option<(RuleInfo, String)> {
        let compiled = self.compiled();
        let info = compiled.rules.iter().find(|r| r.id == id)?.clone();
        let text = compiled
            .texts
            .get(&info.source)
            .cloned()
            .unwrap_or_default();
        Some((info, text))
    }

    /// Adds an upload (one YAML text of one or more rules); its id is its first rule's id.
    /// Returns the rules it holds.
    pub fn upload(&self, text: &str) -> Result<Vec<RuleInfo>, RuleError> {
        let id = sources::upload_id(text)?;
        let _changing = self.lock_changes();
        if self.compiled().rules.iter().any(|r| r.id == id) {
            return Err(RuleError::Conflict(format!(
                "a rule with id {id} exists: replace it with PUT /api/v1/rules/{id}"
            )));
        }
        self.apply(Change::Put {
            id: id.clone(),
            text: text.to_owned(),
        })
    }

    /// Replaces the upload `id` with `text`, whose first rule must keep the id.
    pub fn replace(&self, id: &str, text: &str) -> Result<Vec<RuleInfo>, RuleError> {
        let new_id = sources::upload_id(text)?;
        if new_id != id {
            return Err(RuleError::BadId(format!(
                "the replacement's first rule has id {new_id}, not {id}: an upload keeps its id"
            )));
        }
        let _changing = self.lock_changes();
        self.uploaded(id)?;
        self.apply(Change::Put {
            id: id.to_owned(),
            text: text.to_owned(),
        })
    }

    /// Deletes the upload `id` (with every rule in its file).
    pub fn delete(&self, id: &str) -> Result<(), RuleError> {
        let _changing = self.lock_changes();
        self.uploaded(id)?;
        self.apply(Change::Delete { id: id.to_owned() }).map(drop)
    }

    /// Enables or disables one rule of any origin; the running engine is swapped.
    pub fn set_enabled(&self, id: &str, enabled: bool) -> Result<RuleInfo, RuleError> {
        let _changing = self.lock_changes();
        if !self.compiled().rules.iter().any(|r| r.id == id) {
            return Err(RuleError::NotFound(id.to_owned()));
        }
        let mut disabled: HashSet<String> = self.store.disabled_rules()?.into_iter().collect();
        if enabled {
            disabled.remove(id);
        } else {
            disabled.insert(id.to_owned());
        }
        let compiled = self.library.compile(&disabled, None)?;
        self.store.set_rule_enabled(id, enabled)?;
        let info = compiled.rules.iter().find(|r| r.id == id).cloned();
        self.swap(compiled);
        info.ok_or_else(|| RuleError::NotFound(id.to_owned()))
    }

    /// Checks that `id` names an upload (the file's first rule).
    fn uploaded(&self, id: &str) -> Result<(), RuleError> {
        let compiled = self.compiled();
        let rule = compiled
            .rules
            .iter()
            .find(|r| r.id == id)
            .ok_or_else(|| RuleError::NotFound(id.to_owned()))?;
        if rule.origin != RuleOrigin::Uploaded || rule.source != sources::upload_name(id) {
            return Err(RuleError::NotUploaded(format!(
                "rule {id} comes from {}: only uploads can be replaced or deleted through the \
                 API (disable it instead, or change its file)",
                rule.source
            )));
        }
        Ok(())
    }

    /// Compiles with `change`, writes it, swaps the engines.
    fn apply(&self, change: Change) -> Result<Vec<RuleInfo>, RuleError> {
        let disabled: HashSet<String> = self.store.disabled_rules()?.into_iter().collect();
        let compiled = self.library.compile(&disabled, Some(&change))?;
        let dir = self.library.upload_dir();
        let io = |what: &str, e: std::io::Error| RuleError::Io(format!("cannot {what}: {e}"));
        let source = match &change {
            Change::Put { id, text } => {
                std::fs::create_dir_all(dir).map_err(|e| io("create the rules directory", e))?;
                let path = dir.join(format!("{id}.yml"));
                let temporary = dir.join(format!(".{id}.yml.tmp"));
                std::fs::write(&temporary, text).map_err(|e| io("write the rule file", e))?;
                std::fs::rename(&temporary, &path).map_err(|e| io("write the rule file", e))?;
                Some(sources::upload_name(id))
            }
            Change::Delete { id } => {
                std::fs::remove_file(dir.join(format!("{id}.yml")))
                    .map_err(|e| io("delete the rule file", e))?;
                None
            }
        };
        let held = compiled
            .rules
            .iter()
            .filter(|r| Some(&r.source) == source.as_ref())
            .cloned()
            .collect();
        self.swap(compiled);
        Ok(held)
    }

    fn swap(&self, compiled: Compiled) {
        tracing::info!(rules = compiled.rules.len(), "detection rules reloaded");
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(compiled);
    }

    fn lock_changes(&self) -> MutexGuard<'_, ()> {
        self.changing.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores findings and tells the sinks.
    fn record(&self, findings: Vec<Finding>, through: Option<u64>) {
        if findings.is_empty() && through.is_none() {
            return;
        }
        let changes = match self.store.record(&findings, through) {
            Ok(changes) => changes,
            Err(e) => {
                tracing::error!(error = %e, lost = findings.len(), "alerts could not be stored");
                return;
            }
        };
        self.notify(&changes);
    }

    fn notify(&self, changes: &[(Alert, AlertChange)]) {
        if changes.is_empty() {
            return;
        }
        let sinks = self.sinks.read().unwrap_or_else(PoisonError::into_inner);
        for (alert, change) in changes {
            for sink in sinks.iter() {
                sink.on_alert(alert, *change);
            }
        }
    }
}

impl Detector for DetectionService {
    fn inspect(&self, events: &[Event]) {
        let Some(through) = events.iter().map(|e| e.id).max() else {
            return;
        };
        let compiled = self.compiled();
        let mut scanner = compiled.engine.scanner();
        let mut findings = Vec::new();
        {
            let mut correlation = compiled
                .correlation
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            for event in events {
                for rule in scanner.scan(event) {
                    let name = rule.name.as_deref();
                    let m = RuleMatch {
                        rule_id: &rule.id,
                        rule_name: name,
                        event,
                    };
                    findings.extend(correlation.process(m).into_iter().map(Finding::correlation));
                    if correlation.standalone_alerts(&rule.id, name) {
                        findings.push(Finding::detection(rule, event));
                    }
                }
            }
        }
        self.record(findings, Some(through));
    }

    fn tick(&self, now_ms: i64) {
        let compiled = self.compiled();
        let alerts = compiled
            .correlation
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .advance_to(now_ms);
        self.record(alerts.into_iter().map(Finding::correlation).collect(), None);
    }
}

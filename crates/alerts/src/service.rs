//! The detection stage of the pipeline: each event is matched by its tenant's engine, and
//! what fires becomes alerts.

use crate::engines::Engines;
use crate::finding::Finding;
use crate::ocsf::lineage_of;
use crate::rules::{Compiled, RuleError, RuleLibrary};
use crate::store::{AlertStatus, AlertStore};
use palisade_core::{
    detection_config::DetectionConfig, Alert, AlertChange, AlertSink, Detector, Event, TenantId,
};
use palisade_correlate::RuleMatch;
use palisade_state::{StateError, StateStore};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

/// Detection inline in the pipeline: rules, correlation, alerts and their sinks.
pub struct DetectionService {
    pub(crate) library: RuleLibrary,
    pub(crate) store: AlertStore,
    /// The running engines; swapped whole on every change.
    current: RwLock<Arc<Engines>>,
    sinks: RwLock<Vec<Arc<dyn AlertSink>>>,
    /// Serialises rule changes (compile, write, swap).
    changing: Mutex<()>,
    /// Woken when a finding is queued for the pipeline
    /// ([`DetectionService::publish_findings`]).
    pub(crate) findings_queued: tokio::sync::Notify,
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
        let engines = Engines::build(&library, &store.disabled_rules()?, None)?;
        for failure in engines.all().flat_map(|c| &c.failures) {
            tracing::warn!(file = %failure.file, line = ?failure.line, reason = %failure.reason, "rule not loaded");
        }
        tracing::info!(
            rules = engines.global.rules.len(),
            tenants_with_own_rules = engines.tenants.len(),
            "detection rules loaded"
        );
        Ok(Arc::new(DetectionService {
            library,
            store,
            current: RwLock::new(Arc::new(engines)),
            sinks: RwLock::new(Vec::new()),
            changing: Mutex::new(()),
            findings_queued: tokio::sync::Notify::new(),
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

    /// Sets an alert's status (see [`AlertStore::set_status`]); a change sends the alert's
    /// finding update to the pipeline.
    pub fn set_alert_status(
        &self,
        id: &str,
        tenant: Option<&TenantId>,
        status: AlertStatus,
    ) -> Result<Option<(Alert, bool)>, StateError> {
        let changed = self.store.set_status(id, tenant, status)?;
        if changed.as_ref().is_some_and(|(_, changed)| *changed) {
            self.findings_queued.notify_one();
        }
        Ok(changed)
    }

    /// The running engines.
    pub fn engines(&self) -> Arc<Engines> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn swap(&self, engines: Engines) {
        tracing::info!(
            rules = engines.global.rules.len(),
            tenants_with_own_rules = engines.tenants.len(),
            "detection rules reloaded"
        );
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(engines);
    }

    pub(crate) fn lock_changes(&self) -> MutexGuard<'_, ()> {
        self.changing.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores findings and tells the sinks. A batch without findings writes nothing: the
    /// stored progress only keeps a replayed event from raising its detection alert twice,
    /// and replaying an event that raised nothing raises nothing again, so skipping the
    /// write (a state-store commit and fsync per pipeline batch) loses no guarantee.
    fn record(&self, findings: Vec<Finding>, through: Option<u64>) {
        if findings.is_empty() {
            return;
        }
        let changes = match self.store.record(&findings, through) {
            Ok(changes) => changes,
            Err(e) => {
                tracing::error!(error = %e, lost = findings.len(), "alerts could not be stored");
                return;
            }
        };
        if changes.iter().any(|(_, c)| *c == AlertChange::Raised) {
            self.findings_queued.notify_one();
        }
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

/// Matches `events` (all of one engine, in id order) and collects what fires. A rule never
/// fires on a finding it is behind ([`lineage_of`]).
fn scan(compiled: &Compiled, events: &[&Event], findings: &mut Vec<Finding>) {
    let mut scanner = compiled.engine.scanner();
    let mut correlation = compiled
        .correlation
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    for event in events {
        let lineage = lineage_of(event);
        for rule in scanner.scan(event) {
            if lineage.contains(&rule.id) {
                continue;
            }
            let name = rule.name.as_deref();
            let m = RuleMatch {
                rule_id: &rule.id,
                rule_name: name,
                event,
            };
            findings.extend(
                correlation
                    .process(m)
                    .into_iter()
                    .filter(|alert| !lineage.contains(&alert.rule_id))
                    .map(|alert| Finding::correlation(alert, lineage.clone())),
            );
            if correlation.standalone_alerts(&rule.id, name) {
                findings.push(Finding::detection(rule, event));
            }
        }
    }
}

impl Detector for DetectionService {
    fn inspect(&self, events: &[Event]) {
        let Some(through) = events.iter().map(|e| e.id).max() else {
            return;
        };
        let engines = self.engines();
        // Events grouped by engine, each group in the batch's order (correlation windows
        // move on event time, so order within an engine matters).
        let mut groups: Vec<(&Arc<Compiled>, Vec<&Event>)> = Vec::new();
        for event in events {
            let engine = engines.for_tenant(&event.tenant);
            match groups.iter_mut().find(|(e, _)| Arc::ptr_eq(e, engine)) {
                Some((_, group)) => group.push(event),
                None => groups.push((engine, vec![event])),
            }
        }
        let mut findings = Vec::new();
        for (compiled, group) in groups {
            scan(compiled, &group, &mut findings);
        }
        self.record(findings, Some(through));
    }

    fn tick(&self, now_ms: i64) {
        let engines = self.engines();
        let mut findings = Vec::new();
        for compiled in engines.all() {
            let alerts = compiled
                .correlation
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .advance_to(now_ms);
            findings.extend(
                alerts
                    .into_iter()
                    .map(|alert| Finding::correlation(alert, Vec::new())),
            );
        }
        self.record(findings, None);
    }
}

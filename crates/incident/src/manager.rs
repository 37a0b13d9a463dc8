//! The [`IncidentManager`]: the alert sink, the background workers, and the operations the
//! API and CLI call.

use crate::{
    db::{self, IncidentFilter},
    error::{IncidentError, Result},
    model::{Incident, IncidentDetail},
    schema,
};
use palisade_core::{incident_config::IncidentConfig, time::now_ms, Alert, AlertChange, AlertSink};
use palisade_state::StateStore;
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        mpsc, Arc, Mutex,
    },
    thread::JoinHandle,
    time::Duration,
};

/// What the workers share: the store, the configuration, and the stop flag.
pub(crate) struct Inner {
    /// The node's state store.
    pub store: Arc<StateStore>,
    /// `[incidents]`.
    pub config: IncidentConfig,
    /// Set when the manager is dropped; the workers end.
    pub stopping: AtomicBool,
}

/// Incident management for one node: groups alerts into incidents, keeps their lifecycle,
/// SLA, notifications and response actions in the state store.
pub struct IncidentManager {
    pub(crate) inner: Arc<Inner>,
    alerts: mpsc::Sender<(Alert, AlertChange)>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

impl IncidentManager {
    /// Brings the incident tables up to date and starts the workers (alert grouping and SLA
    /// checks, notification delivery, response actions).
    pub fn start(store: Arc<StateStore>, config: IncidentConfig) -> Result<Arc<IncidentManager>> {
        config.validate().map_err(IncidentError::BadRequest)?;
        store.migrate(schema::COMPONENT, schema::MIGRATIONS)?;
        let inner = Arc::new(Inner {
            store,
            config,
            stopping: AtomicBool::new(false),
        });
        let (tx, rx) = mpsc::channel();
        let mut workers = vec![spawn("incident-alerts", {
            let inner = inner.clone();
            move || alert_worker(&inner, &rx)
        })];
        workers.push(spawn("incident-notify", {
            let inner = inner.clone();
            move || crate::notify::worker(&inner)
        }));
        workers.push(spawn("incident-actions", {
            let inner = inner.clone();
            move || crate::actions::worker(&inner)
        }));
        Ok(Arc::new(IncidentManager {
            inner,
            alerts: tx,
            workers: Mutex::new(workers),
        }))
    }

    /// The configuration in force.
    pub fn config(&self) -> &IncidentConfig {
        &self.inner.config
    }

    /// Groups one alert now (the API's alert submission and tests; detection goes through
    /// [`AlertSink::on_alert`]). Returns the incident the alert is linked to.
    pub fn ingest(&self, alert: &Alert, change: AlertChange) -> Result<i64> {
        self.inner.ingest(alert, change, now_ms())
    }

    /// The incidents a filter selects, newest first.
    pub fn list(&self, filter: &IncidentFilter) -> Result<Vec<Incident>> {
        let sla = &self.inner.config.sla;
        Ok(self.inner.store.with(|c| db::list(c, filter, sla))?)
    }

    /// One incident with its alerts, events, notes, history and action runs; `tenant`
    /// restricts the lookup to that tenant.
    pub fn get(&self, id: i64, tenant: Option<&str>) -> Result<IncidentDetail> {
        let sla = &self.inner.config.sla;
        let found = self.inner.store.with(|c| {
            let Some(incident) = db::load(c, id, tenant, sla)? else {
                return Ok(None);
            };
            Ok(Some(IncidentDetail {
                incident,
                alerts: db::alerts(c, id)?,
                events: db::events(c, id)?,
                notes: db::notes(c, id)?,
                history: db::history_of(c, id)?,
                action_runs: db::action_runs(c, id)?,
            }))
        })?;
        found.ok_or(IncidentError::NotFound(id))
    }

    /// Checks every SLA timer against `now` (the worker does this every
    /// `sla_check_interval`); returns how many breaches were newly found.
    pub fn check_sla(&self, now: i64) -> Result<usize> {
        self.inner.check_sla(now)
    }
}

impl AlertSink for IncidentManager {
    fn on_alert(&self, alert: &Alert, change: AlertChange) {
        if self.alerts.send((alert.clone(), change)).is_err() {
            tracing::error!(alert = %alert.id, "incident manager stopped; alert not grouped");
        }
    }
}

impl Drop for IncidentManager {
    fn drop(&mut self) {
        self.inner.stopping.store(true, Ordering::SeqCst);
        let workers = std::mem::take(
            &mut *self
                .workers
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        // The alert worker ends when its channel closes, the others at their next poll.
        let (closed, _) = mpsc::channel();
        self.alerts = closed;
        for worker in workers {
            let _ = worker.join();
        }
    }
}

impl Inner {
    /// Whether the workers should end.
    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }
}

fn spawn(name: &str, work: impl FnOnce() + Send + 'static) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(work)
        .unwrap_or_else(|e| panic!("cannot start the {name} thread: {e}"))
}

/// Groups queued alerts; between alerts, checks SLA timers every `sla_check_interval`.
fn alert_worker(inner: &Inner, alerts: &mpsc::Receiver<(Alert, AlertChange)>) {
    let interval = inner
        .config
        .sla_check_interval
        .as_std()
        .max(Duration::from_millis(100));
    let mut next_check = std::time::Instant::now();
    loop {
        let wait = next_check.saturating_duration_since(std::time::Instant::now());
        match alerts.recv_timeout(wait) {
            Ok((alert, change)) => {
                if let Err(e) = inner.ingest(&alert, change, now_ms()) {
                    tracing::error!(alert = %alert.id, error = %e, "alert not grouped into an incident");
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
        if inner.stopping() {
            return;
        }
        if std::time::Instant::now() >= next_check {
            if let Err(e) = inner.check_sla(now_ms()) {
                tracing::error!(error = %e, "SLA check failed");
            }
            next_check = std::time::Instant::now() + interval;
        }
    }
}

//! The pipeline: what happens to a record between the collector and the search.
//!
//! A collector calls [`Pipeline::submit`] (through [`palisade_core::IngestSink`]); the batch is
//! appended to the write-ahead log and the call resolves once it is durable, which is when the
//! collector may acknowledge it. The log's writer hands durable batches, in sequence order, to
//! one consumer task that parses each record into its canonical event and inserts it into the
//! event store (searchable from then on). The consumer writes a segment whenever enough events
//! have gathered or enough time has passed, then drops the log files the segments now cover.
//! On start, whatever the last run acknowledged but had not written to segments is replayed
//! from the log, so a crash loses nothing acknowledged and duplicates nothing.
//!
//! With [`WalKeys`] the log is sealed. While its keys are unavailable (a Shamir-sealed key
//! service after a start) the log stays closed: input is refused, [`Pipeline::not_ready_reason`]
//! says why, and replay waits; once the key service is unsealed the log opens, replays and
//! takes input.

mod aggregate;
mod consumer;
pub mod metrics;
mod opening;

pub use aggregate::{COUNT, END_TIME, START_TIME};

use metrics::Metrics;
use palisade_core::{
    config::Config, wal_seal::WalKeys, Detector, IngestError, IngestSink, RawRecord, Sealer,
    SinkFuture,
};
use palisade_parse::ParserChains;
use palisade_store::{EventStore, Wal};
use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc, Mutex, OnceLock, RwLock,
};

/// The running pipeline: the log, the store and the metrics, shared by collectors and the API.
pub struct Pipeline {
    /// The log, once open (at start, or after the key service is unsealed).
    wal: OnceLock<Wal>,
    /// Why the log is not open, while it is not.
    waiting: Mutex<Option<String>>,
    store: Arc<EventStore>,
    metrics: Arc<Metrics>,
    /// The parser chains (the configuration's and the tenants'), run after the built-in
    /// parsers; replaced whole when a tenant changes its chains.
    chains: RwLock<Arc<ParserChains>>,
    ready: AtomicBool,
    /// A background flush is writing segments.
    flushing: AtomicBool,
    /// Per-tenant template miners for the events no parser understood.
    templates: Arc<palisade_parse::template::TemplateRegistry>,
    /// The detection stage, when one is configured: sees every parsed event before it is
    /// stored.
    detector: Option<Arc<dyn Detector>>,
    /// Folds the events `aggregate` steps marked before they are stored.
    aggregation: aggregate::Aggregation,
}

impl Pipeline {
    /// Opens the store and the log under the configured data directory, replays what the last
    /// run had not written to segments, and starts the consumer, flush and retention tasks on
    /// the current Tokio runtime.
    pub fn start(config: &Config, sealer: Arc<dyn Sealer>) -> anyhow::Result<Arc<Pipeline>> {
        let chains = ParserChains::from_config(&config.parsers)?;
        Pipeline::start_with_detector(config, sealer, chains, None)
    }

    /// [`Pipeline::start`] with the given parser chains (compiled from the configuration and
    /// the tenants' own) and a detection stage that inspects every parsed event (replayed ones
    /// included) before it is stored.
    pub fn start_with_detector(
        config: &Config,
        sealer: Arc<dyn Sealer>,
        chains: ParserChains,
        detector: Option<Arc<dyn Detector>>,
    ) -> anyhow::Result<Arc<Pipeline>> {
        Pipeline::start_with_wal_keys(config, sealer, chains, detector, None)
    }

    /// [`Pipeline::start_with_detector`] with the write-ahead log sealed by `wal_keys`. When
    /// they are unavailable now (the key service is sealed), the store opens, the log waits:
    /// input is refused until a background task has opened and replayed it.
    pub fn start_with_wal_keys(
        config: &Config,
        sealer: Arc<dyn Sealer>,
        chains: ParserChains,
        detector: Option<Arc<dyn Detector>>,
        wal_keys: Option<Arc<dyn WalKeys>>,
    ) -> anyhow::Result<Arc<Pipeline>> {
        let data = &config.data_dir;
        let store = Arc::new(EventStore::open(
            &data.join("events"),
            &config.storage,
            sealer,
        )?);
        let pipeline = Arc::new(Pipeline {
            wal: OnceLock::new(),
            waiting: Mutex::new(None),
            store,
            metrics: Arc::new(Metrics::default()),
            chains: RwLock::new(Arc::new(chains)),
            ready: AtomicBool::new(false),
            flushing: AtomicBool::new(false),
            templates: Arc::new(palisade_parse::template::TemplateRegistry::new()),
            detector,
            aggregation: aggregate::Aggregation::default(),
        });
        let opening = opening::WalOpening {
            dir: data.join("wal"),
            wal: config.wal.clone(),
            storage: config.storage.clone(),
            keys: wal_keys,
        };
        match opening.unavailable() {
            None => pipeline.open_wal(&opening)?,
            Some(reason) => {
                tracing::warn!(
                    reason,
                    "input refused and replay postponed until the write-ahead log can be opened"
                );
                pipeline.set_waiting(Some(reason));
                tokio::spawn(opening::open_when_available(pipeline.clone(), opening));
            }
        }
        Ok(pipeline)
    }

    /// The event store, for search and statistics.
    pub fn store(&self) -> &Arc<EventStore> {
        &self.store
    }

    /// The per-source counters and gauges.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The parser chains records are parsed with now.
    pub fn chains(&self) -> Arc<ParserChains> {
        self.chains
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Parses every record from now on with `chains` (records already stored keep their
    /// fields; records the log replays after a restart get the chains of that start).
    pub fn set_chains(&self, chains: ParserChains) {
        *self.chains.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(chains);
    }

    /// The templates mined from unparsed events, per tenant.
    pub fn templates(&self) -> &Arc<palisade_parse::template::TemplateRegistry> {
        &self.templates
    }

    /// The write-ahead log, once open.
    pub fn wal(&self) -> Option<&Wal> {
        self.wal.get()
    }

    /// True once recovery finished and the log accepts appends.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Why input is refused now (`None` when ready).
    pub fn not_ready_reason(&self) -> Option<String> {
        if self.is_ready() {
            return None;
        }
        let waiting = self
            .waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        Some(waiting.unwrap_or_else(|| "the write-ahead log is not accepting input".into()))
    }

    fn set_waiting(&self, reason: Option<String>) {
        *self.waiting.lock().unwrap_or_else(|e| e.into_inner()) = reason;
    }

    /// Writes the in-memory events to segments and drops the log files they now cover,
    /// blocking the calling task until done.
    pub fn flush(&self) {
        tokio::task::block_in_place(|| self.flush_blocking());
    }

    /// True while a background flush is writing segments.
    pub fn is_flushing(&self) -> bool {
        self.flushing.load(Ordering::Acquire)
    }

    /// Starts a flush on a blocking thread unless one is already running, so that parsing
    /// goes on while segments are written (the store keeps the events being written
    /// searchable).
    pub fn flush_in_background(self: &Arc<Self>) {
        if self.flushing.swap(true, Ordering::AcqRel) {
            return;
        }
        let pipeline = self.clone();
        tokio::task::spawn_blocking(move || {
            pipeline.flush_blocking();
            pipeline.flushing.store(false, Ordering::Release);
        });
    }

    /// The flush itself. On failure the events stay in memory and in the log, and the next
    /// flush tries again.
    fn flush_blocking(&self) {
        if self.store.memtable_len() == 0 && self.aggregation.is_empty() {
            return;
        }
        let result = (|| {
            let drain = || self.aggregation.drain_for_flush(&self.store);
            let committed = self.store.flush_draining(drain)?;
            if let Some(wal) = self.wal.get() {
                wal.truncate_through(self.store.replay_after())?;
            }
            anyhow::Ok(committed)
        })();
        for held in self.store.held_tenants() {
            // Loud at first, then less and less often while the tenant stays held back.
            if held.attempts.is_power_of_two() {
                tracing::warn!(
                    tenant = held.tenant,
                    events = held.events,
                    attempts = held.attempts,
                    reason = held.reason,
                    "a tenant's events cannot be stored (its storage key is unusable); they wait \
                     in memory and in the write-ahead log while other tenants flush normally"
                );
            }
        }
        match result {
            Ok(committed) => tracing::debug!(committed, "flushed segments"),
            Err(e) => {
                tracing::error!(error = %e, "segment flush failed; events remain in the write-ahead log")
            }
        }
    }

    /// Marks the pipeline unable to accept input (the log failed).
    fn mark_failed(&self) {
        self.ready.store(false, Ordering::Release);
    }
}

impl IngestSink for Pipeline {
    fn submit(&self, batch: Vec<RawRecord>) -> SinkFuture<'_> {
        let Some(wal) = self.wal.get() else {
            let reason = self.not_ready_reason().unwrap_or_default();
            return Box::pin(async move { Err(IngestError::Unavailable(reason)) });
        };
        self.metrics.count_received(&batch);
        let append = wal.append(batch);
        Box::pin(async move {
            append.await.map_err(|e| {
                tracing::error!(error = %e, "write-ahead log append failed; refusing input");
                self.mark_failed();
                IngestError::Unavailable(e.to_string())
            })
        })
    }

    fn rejected(&self, source: &str, reason: &'static str) {
        tracing::debug!(source, reason, "input rejected");
        self.metrics.count_dropped(source, reason);
    }
}

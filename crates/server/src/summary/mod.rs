//! Event summaries for the console: per tenant, counters of the last 24 hours (events,
//! sources with their parse ratio and newest event, hosts, users, source addresses, silent
//! hosts) and of the last hour per minute, kept in memory so a page reads them instead of
//! aggregating millions of stored events.
//!
//! The counters catch up with the store by event id: event ids are the write-ahead log's
//! sequence numbers and grow with every insert, so a catch-up reads only the blocks holding
//! ids above the last one counted (the first one, at start, reads the whole window once).
//! A background task catches up every [`REFRESH_EVERY`]; a page catches up too before it
//! reads, so it shows every event inserted before it was asked for. Each tenant has its own
//! counters; a tenant's page reads only its own, an operator's adds every tenant's up.

mod tally;
mod view;

pub use tally::{TenantTally, WINDOW_MS};
pub use view::{SilentHost, SourceSummary, Summary};

use palisade_core::{time::now_ms, TenantId};
use palisade_pipeline::Pipeline;
use palisade_store::{EventStore, RowVisit};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};
use tally::BUCKET_MS;

/// How often the background task catches up.
pub const REFRESH_EVERY: Duration = Duration::from_secs(2);
/// After a catch-up met blocks the sealer could not open (key service sealed), how long
/// until the counters are rebuilt from scratch to include them once they open.
const REBUILD_AFTER_UNREADABLE_MS: i64 = 5 * 60_000;

/// Every tenant's counters and how far they reach.
#[derive(Default)]
struct Tallies {
    tenants: HashMap<TenantId, TenantTally>,
    /// The counters were built (by a first catch-up).
    built: bool,
    /// The largest event id counted.
    after_id: u64,
    /// When the counters must be rebuilt from scratch.
    rebuild_at: Option<i64>,
}

/// The console's event counters, shared by the pages and the background task.
#[derive(Default)]
pub struct EventSummary {
    tallies: Mutex<Tallies>,
    /// Held while a catch-up reads the store, so two never count the same events.
    catching_up: Mutex<()>,
}

/// What one catch-up did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatchUp {
    /// Events counted.
    pub events: u64,
    /// It started from scratch (the first one, or a rebuild).
    pub rebuilt: bool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// The earliest event time any counter as of `now` covers.
fn window_start(now: i64) -> i64 {
    tally::start_of(now - WINDOW_MS, BUCKET_MS)
}

impl EventSummary {
    /// Empty counters; the first [`EventSummary::catch_up`] fills them.
    pub fn new() -> Self {
        EventSummary::default()
    }

    /// Counts the events `store` received since the last catch-up (the whole window on the
    /// first one, or when a rebuild is due) and drops what fell out of the window as of
    /// `now`. The store is read without holding the counters, so pages keep reading them.
    pub fn catch_up(&self, store: &EventStore, now: i64) -> Result<CatchUp, String> {
        let _one_at_a_time = lock(&self.catching_up);
        let (after_id, rebuild) = {
            let t = lock(&self.tallies);
            let due = !t.built || t.rebuild_at.is_some_and(|at| at <= now);
            (if due { 0 } else { t.after_id }, due)
        };
        let columns = tally::columns();
        let mut counted: HashMap<TenantId, TenantTally> = HashMap::new();
        let report = store
            .visit_rows(
                &RowVisit {
                    from_ms: window_start(now),
                    after_id,
                    fields: &columns,
                },
                &mut |tenant, time, row| match counted.get_mut(tenant) {
                    Some(tally) => tally.add(time, row, now),
                    None => {
                        let mut tally = TenantTally::default();
                        tally.add(time, row, now);
                        counted.insert(tenant.clone(), tally);
                    }
                },
            )
            .map_err(|e| format!("cannot read the event store: {e}"))?;
        let mut t = lock(&self.tallies);
        if rebuild {
            t.tenants.clear();
        }
        for (tenant, tally) in counted {
            t.tenants.entry(tenant).or_default().absorb(tally);
        }
        t.tenants.values_mut().for_each(|tally| tally.prune(now));
        t.tenants.retain(|_, tally| !tally.is_empty());
        t.after_id = report.max_id;
        t.built = true;
        if rebuild || report.blocks_unreadable > 0 {
            t.rebuild_at =
                (report.blocks_unreadable > 0).then_some(now + REBUILD_AFTER_UNREADABLE_MS);
        }
        Ok(CatchUp {
            events: report.rows,
            rebuilt: rebuild,
        })
    }

    /// The numbers of `tenant` (`None`: every tenant added up) as of `now`, from the
    /// counters as they are.
    pub fn summary(&self, tenant: Option<&TenantId>, now: i64) -> Summary {
        let t = lock(&self.tallies);
        match tenant {
            Some(tenant) => view::summarize(t.tenants.get(tenant), now),
            None => view::summarize(t.tenants.values(), now),
        }
    }

    /// Catches up with `store`, then the numbers of `tenant` (see [`EventSummary::summary`]).
    pub fn current(
        &self,
        store: &EventStore,
        tenant: Option<&TenantId>,
        now: i64,
    ) -> Result<Summary, String> {
        self.catch_up(store, now)?;
        Ok(self.summary(tenant, now))
    }
}

/// Keeps `summary` caught up with the pipeline's store every [`REFRESH_EVERY`], forever;
/// a failed catch-up is logged and retried on the next tick.
pub async fn keep_fresh(summary: Arc<EventSummary>, pipeline: Arc<Pipeline>) {
    let mut tick = tokio::time::interval(REFRESH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let (summary, pipeline) = (summary.clone(), pipeline.clone());
        let done =
            tokio::task::spawn_blocking(move || summary.catch_up(pipeline.store(), now_ms())).await;
        match done {
            Ok(Ok(c)) if c.rebuilt => tracing::info!(events = c.events, "console counters built"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!("console counters not refreshed: {e}"),
            Err(e) => tracing::warn!("console counters not refreshed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests;

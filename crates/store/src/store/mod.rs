//! The event store: an in-memory table for the newest events plus per-tenant, per-day
//! partitions of immutable segments on disk.

mod checkpoint;
mod flush;
mod layout;
mod memtable;
mod plan;
mod request;
mod retention;
mod search;
mod visit;

pub use flush::HeldTenant;
pub use request::{Cursor, ScanStats, SearchPage, SearchRequest};
pub use retention::RetentionReport;
pub use visit::{RowVisit, VisitReport};

use crate::error::StoreError;
use layout::Catalog;
use memtable::{FlushBatch, Memtable};
use palisade_core::{config::StorageConfig, Event, Sealer, TenantId};
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard},
};

/// Events, searchable from the moment they are inserted; durable once flushed.
pub struct EventStore {
    dir: PathBuf,
    cfg: StorageConfig,
    sealer: Arc<dyn Sealer>,
    state: RwLock<State>,
    /// Serialises flushes and retention (both change files).
    flush_lock: Mutex<()>,
}

struct State {
    /// Inserted, not yet flushed.
    memtable: Memtable,
    /// Being written by the current flush; still searched until its segments are in `catalog`.
    flushing: Arc<FlushBatch>,
    catalog: Catalog,
    committed: u64,
    /// Set when a failed flush left files it could not remove.
    failure: Option<String>,
    /// Tenants whose events could not be sealed: kept in memory and the write-ahead log.
    held: BTreeMap<TenantId, HeldBack>,
}

/// Why and since when a tenant's events are held back.
#[derive(Debug, Clone)]
struct HeldBack {
    /// Seq of the tenant's first event not in a segment.
    first_seq: u64,
    /// Flushes in a row that could not write them.
    attempts: u64,
    /// The sealer's last refusal.
    reason: String,
}

/// Sizes of one tenant's stored events.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TenantStats {
    /// The tenant.
    pub tenant: String,
    /// Partitions (UTC days) on disk.
    pub partitions: u64,
    /// Segment files.
    pub segments: u64,
    /// Events in segments.
    pub events: u64,
    /// Bytes of segment files.
    pub disk_bytes: u64,
}

/// What the store holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoreStats {
    /// Per tenant, by tenant name.
    pub tenants: Vec<TenantStats>,
    /// Events inserted but not yet flushed.
    pub memtable_events: u64,
    /// Bytes of memory those events take, encoded as blocks.
    pub memtable_bytes: u64,
    /// Highest event id on disk.
    pub committed_seq: u64,
}

impl EventStore {
    /// Opens (or creates) the store in `dir`, removing whatever an interrupted flush left.
    pub fn open(
        dir: &Path,
        cfg: &StorageConfig,
        sealer: Arc<dyn Sealer>,
    ) -> Result<EventStore, StoreError> {
        layout::create_dir_durably(dir)?;
        let checkpoint = checkpoint::read(dir)?;
        let committed = checkpoint.committed;
        let catalog = layout::load_catalog(dir, committed, &checkpoint.held, sealer.as_ref())?;
        Ok(EventStore {
            dir: dir.to_owned(),
            cfg: cfg.clone(),
            sealer,
            state: RwLock::new(State {
                memtable: Memtable::default(),
                flushing: Arc::new(FlushBatch::default()),
                catalog,
                committed,
                failure: None,
                held: checkpoint
                    .held
                    .into_iter()
                    .map(|(tenant, first_seq)| {
                        let reason = "held back before the last restart".to_owned();
                        (
                            tenant,
                            HeldBack {
                                first_seq,
                                attempts: 0,
                                reason,
                            },
                        )
                    })
                    .collect(),
            }),
            flush_lock: Mutex::new(()),
        })
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Highest event id that is in segments on disk (0 if none).
    pub fn committed_seq(&self) -> u64 {
        self.read().committed
    }

    /// Adds events (ids unique, and larger than the committed seq) to the in-memory table,
    /// encoded as the blocks a flush will write; they are searchable at once.
    pub fn insert(&self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        self.write().memtable.insert(&events, self.cfg.block_events);
    }

    /// Events inserted and not yet flushed.
    pub fn memtable_len(&self) -> usize {
        let state = self.read();
        state.memtable.len() + state.flushing.events
    }

    /// Per tenant: partitions, segments, events and bytes on disk; and the memtable size.
    pub fn stats(&self) -> StoreStats {
        let state = self.read();
        let mut tenants: BTreeMap<&str, TenantStats> = BTreeMap::new();
        for ((tenant, _), segments) in &state.catalog {
            let t = tenants
                .entry(tenant.as_str())
                .or_insert_with(|| TenantStats {
                    tenant: tenant.to_string(),
                    ..TenantStats::default()
                });
            t.partitions += 1;
            t.segments += segments.len() as u64;
            t.events += segments.iter().map(|s| s.events()).sum::<u64>();
            t.disk_bytes += segments.iter().map(|s| s.bytes).sum::<u64>();
        }
        StoreStats {
            tenants: tenants.into_values().collect(),
            memtable_events: (state.memtable.len() + state.flushing.events) as u64,
            memtable_bytes: (state.memtable.bytes() + state.flushing.bytes()) as u64,
            committed_seq: state.committed,
        }
    }
}

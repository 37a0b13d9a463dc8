//! The event store: an in-memory table for the newest events plus per-tenant, per-day
//! partitions of immutable segments on disk.

mod layout;
mod memtable;
mod plan;
mod request;
mod retention;
mod search;

pub use request::{Cursor, ScanStats, SearchPage, SearchRequest};
pub use retention::RetentionReport;

use crate::{
    error::StoreError,
    segment::{write_segment, Segment, SegmentSpec},
};
use layout::{Catalog, PartitionKey};
use memtable::{FlushBatch, Memtable};
use palisade_core::{config::StorageConfig, Event, Sealer};
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
        let committed = layout::read_checkpoint(dir)?;
        let catalog = layout::load_catalog(dir, committed, sealer.as_ref())?;
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

    /// Adds events (ids strictly increasing across calls) to the in-memory table, encoded
    /// as the blocks a flush will write; they are searchable at once.
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

    /// Writes the in-memory events to segments durably (one per tenant and day touched), then
    /// advances the checkpoint; returns the committed seq. On error the events stay in memory
    /// and the next flush tries again.
    pub fn flush(&self) -> Result<u64, StoreError> {
        let _flush = self.flush_lock.lock().unwrap_or_else(|p| p.into_inner());
        let batch = {
            let mut state = self.write();
            if let Some(failure) = &state.failure {
                return Err(StoreError::Failed(failure.clone()));
            }
            if state.memtable.len() == 0 {
                return Ok(state.committed);
            }
            let batch = Arc::new(state.memtable.take());
            state.flushing = batch.clone();
            batch
        };
        let flush_seq = batch.max_id();
        let mut written: Vec<(PartitionKey, Arc<Segment>)> = Vec::new();
        let result = self.write_segments(&batch, flush_seq, &mut written);
        // If the checkpoint write fails half-way, it may or may not have reached the disk, so
        // the segments must stay; reopening settles it (segments above the checkpoint go).
        let checkpoint_failed = result
            .is_ok()
            .then(|| layout::write_checkpoint(&self.dir, flush_seq).err())
            .flatten();
        let result = match checkpoint_failed {
            Some(e) => Err((e, true)),
            None => result.map_err(|e| (e, false)),
        };
        let mut state = self.write();
        let flushed = std::mem::take(&mut state.flushing);
        match result {
            Ok(()) => {
                for (key, segment) in written {
                    state.catalog.entry(key).or_default().push(segment);
                }
                state.committed = state.committed.max(flush_seq);
                let committed = state.committed;
                drop(state);
                drop((batch, flushed));
                Ok(committed)
            }
            Err((e, in_checkpoint)) => {
                drop(flushed);
                // Put the events back in front of anything inserted meanwhile.
                let batch = Arc::try_unwrap(batch).unwrap_or_else(|shared| FlushBatch {
                    partitions: shared.partitions.clone(),
                    events: shared.events,
                });
                state.memtable.restore(batch);
                if in_checkpoint || matches!(e, StoreError::Failed(_)) {
                    state.failure = Some(e.to_string());
                }
                for (_, segment) in written.iter().filter(|_| !in_checkpoint) {
                    if let Err(cleanup) = layout::remove(&segment.path) {
                        state.failure = Some(cleanup.to_string());
                    }
                }
                Err(e)
            }
        }
    }

    fn write_segments(
        &self,
        batch: &FlushBatch,
        flush_seq: u64,
        written: &mut Vec<(PartitionKey, Arc<Segment>)>,
    ) -> Result<(), StoreError> {
        for (tenant, day, blocks) in &batch.partitions {
            let partition = layout::day_name(*day);
            layout::create_dir_durably(&layout::partition_dir(&self.dir, tenant, &partition))?;
            let path = layout::segment_path(&self.dir, tenant, &partition, flush_seq);
            let spec = SegmentSpec {
                tenant: tenant.as_str(),
                partition: &partition,
                flush_seq,
                zstd_level: self.cfg.zstd_level,
            };
            let segment = match write_segment(&path, &spec, blocks, self.sealer.as_ref()) {
                Ok(segment) => segment,
                // The rename may have happened before the error: the file must not survive to
                // be loaded under a later, larger checkpoint.
                Err(e) => match layout::remove(&path) {
                    Ok(()) => return Err(e),
                    Err(cleanup) => return Err(StoreError::Failed(format!("{e}; {cleanup}"))),
                },
            };
            written.push(((tenant.clone(), partition), Arc::new(segment)));
        }
        Ok(())
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

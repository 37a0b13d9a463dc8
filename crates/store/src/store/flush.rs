//! Flushing: the memtable to segments, one tenant at a time, then the checkpoint.
//!
//! A tenant whose events cannot be sealed (its storage key is disabled, destroyed or the key
//! service is sealed) is *held back*: its segments of this flush are removed, its events go
//! back to the memtable (still searchable) and stay in the write-ahead log, and the next flush
//! tries again. Every other tenant's segments count: the checkpoint moves past them and names
//! the held tenants with their first unwritten seq, so a restart replays only those.

use super::{checkpoint::Checkpoint, layout, layout::PartitionKey, memtable::FlushBatch};
use super::{EventStore, HeldBack};
use crate::{
    error::StoreError,
    segment::{write_segment, Segment, SegmentSpec},
};
use palisade_core::TenantId;
use std::{collections::BTreeMap, sync::Arc};

/// One tenant's events an earlier flush could not write, as the metrics report them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldTenant {
    /// The tenant.
    pub tenant: String,
    /// Seq of its first event not in a segment.
    pub first_seq: u64,
    /// Its events waiting in memory (and in the write-ahead log).
    pub events: u64,
    /// Flushes that could not write them in a row.
    pub attempts: u64,
    /// Why the last one could not.
    pub reason: String,
}

/// What writing a batch's segments gave.
#[derive(Default)]
struct Written {
    segments: Vec<(PartitionKey, Arc<Segment>)>,
    /// Tenants whose events could not be sealed, with the sealer's reason.
    held: BTreeMap<TenantId, String>,
}

impl EventStore {
    /// Writes the in-memory events to segments durably (one per tenant and day touched), then
    /// advances the checkpoint; returns the committed seq. A tenant whose events cannot be
    /// sealed is held back (see [`EventStore::held_tenants`]) while the others are written.
    /// On any other error nothing counts: the events stay in memory and the next flush tries
    /// again.
    pub fn flush(&self) -> Result<u64, StoreError> {
        self.flush_draining(|| ((), 0))
    }

    /// [`EventStore::flush`] for a caller that holds records back before inserting them (the
    /// pipeline's aggregation). `drain` runs once no other flush is running, just before the
    /// in-memory events are taken: it inserts whatever it holds and returns a guard, kept until
    /// the events are taken so that nothing is inserted in between, and the highest seq it
    /// has consumed. The checkpoint then covers that seq even when the record left no event
    /// of its own (folded into an aggregate stored under its first record's id).
    pub fn flush_draining<G>(&self, drain: impl FnOnce() -> (G, u64)) -> Result<u64, StoreError> {
        let _flush = self.flush_lock.lock().unwrap_or_else(|p| p.into_inner());
        let (drained, consumed) = drain();
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
        drop(drained);
        // A batch of held-back events alone may lie below the committed seq: the checkpoint
        // never moves back (such segments are told apart by their tenant's held seq).
        let flush_seq = batch.max_id().max(consumed).max(self.read().committed);
        let mut written = Written::default();
        let result = self.write_segments(&batch, flush_seq, &mut written);
        let held_after = self.held_after(&batch, &written.held);
        // Nothing written (every tenant held back): the checkpoint need not move.
        let checkpoint = (result.is_ok() && !written.segments.is_empty()).then(|| Checkpoint {
            committed: flush_seq,
            held: held_after
                .iter()
                .map(|(tenant, held)| (tenant.clone(), held.first_seq))
                .collect(),
        });
        // If the checkpoint write fails half-way, it may or may not have reached the disk, so
        // the segments must stay; reopening settles it (segments above the checkpoint go).
        let checkpoint_failed = checkpoint
            .and_then(|c| super::checkpoint::write(&self.dir, &c).err())
            .map(|e| (e, true));
        let result = match checkpoint_failed {
            Some(failed) => Err(failed),
            None => result.map_err(|e| (e, false)),
        };
        let mut state = self.write();
        let flushed = std::mem::take(&mut state.flushing);
        drop(flushed);
        let batch = Arc::try_unwrap(batch).unwrap_or_else(|shared| FlushBatch {
            partitions: shared.partitions.clone(),
            events: shared.events,
        });
        match result {
            Ok(()) => {
                let wrote_any = !written.segments.is_empty();
                for (key, segment) in written.segments {
                    state.catalog.entry(key).or_default().push(segment);
                }
                state
                    .memtable
                    .restore(batch.only(|t| written.held.contains_key(t)));
                state.held = held_after;
                if wrote_any {
                    state.committed = state.committed.max(flush_seq);
                }
                Ok(state.committed)
            }
            Err((e, in_checkpoint)) => {
                // Put the events back in front of anything inserted meanwhile.
                state.memtable.restore(batch);
                if in_checkpoint || matches!(e, StoreError::Failed(_)) {
                    state.failure = Some(e.to_string());
                }
                for (_, segment) in written.segments.iter().filter(|_| !in_checkpoint) {
                    if let Err(cleanup) = layout::remove(&segment.path) {
                        state.failure = Some(cleanup.to_string());
                    }
                }
                Err(e)
            }
        }
    }

    /// The held-back tenants once this flush is done: those it could not seal join (keeping
    /// the first seq they were held at), those it wrote leave.
    fn held_after(
        &self,
        batch: &FlushBatch,
        failed: &BTreeMap<TenantId, String>,
    ) -> BTreeMap<TenantId, HeldBack> {
        let mut held = self.read().held.clone();
        for (tenant, _, _) in &batch.partitions {
            if !failed.contains_key(tenant) {
                held.remove(tenant);
            }
        }
        for (tenant, reason) in failed {
            let first_seq = batch.min_id_of(tenant);
            let entry = held.entry(tenant.clone()).or_insert(HeldBack {
                first_seq,
                attempts: 0,
                reason: String::new(),
            });
            entry.first_seq = entry.first_seq.min(first_seq);
            entry.attempts += 1;
            entry.reason.clone_from(reason);
        }
        held
    }

    /// Writes each tenant's partitions; a tenant whose events the sealer refuses loses this
    /// flush's segments and is noted in `written.held`. Any other error stops the flush.
    fn write_segments(
        &self,
        batch: &FlushBatch,
        flush_seq: u64,
        written: &mut Written,
    ) -> Result<(), StoreError> {
        let mut partitions = batch.partitions.iter().peekable();
        while let Some((tenant, _, _)) = partitions.peek() {
            let tenant = tenant.clone();
            let first_of_tenant = written.segments.len();
            let mut refused = None;
            while let Some((_, day, blocks)) = partitions.next_if(|(t, _, _)| *t == tenant) {
                if refused.is_some() {
                    continue;
                }
                match self.write_partition(&tenant, *day, blocks, flush_seq) {
                    Ok(segment) => written.segments.push(segment),
                    Err(StoreError::Seal { detail, .. }) => refused = Some(detail),
                    Err(e) => return Err(e),
                }
            }
            if let Some(reason) = refused {
                for (_, segment) in written.segments.drain(first_of_tenant..) {
                    layout::remove(&segment.path)
                        .map_err(|e| StoreError::Failed(format!("{reason}; {e}")))?;
                }
                written.held.insert(tenant, reason);
            }
        }
        Ok(())
    }

    fn write_partition(
        &self,
        tenant: &TenantId,
        day: i64,
        blocks: &[Arc<crate::segment::PreparedBlock>],
        flush_seq: u64,
    ) -> Result<(PartitionKey, Arc<Segment>), StoreError> {
        let partition = layout::day_name(day);
        layout::create_dir_durably(&layout::partition_dir(&self.dir, tenant, &partition))?;
        let path = layout::segment_path(&self.dir, tenant, &partition, flush_seq);
        let spec = SegmentSpec {
            tenant: tenant.as_str(),
            partition: &partition,
            flush_seq,
            zstd_level: self.cfg.zstd_level,
        };
        match write_segment(&path, &spec, blocks, self.sealer.as_ref()) {
            Ok(segment) => Ok(((tenant.clone(), partition), Arc::new(segment))),
            // The rename may have happened before the error: the file must not survive to be
            // loaded under a later, larger checkpoint.
            Err(e) => match layout::remove(&path) {
                Ok(()) => Err(e),
                Err(cleanup) => Err(StoreError::Failed(format!("{e}; {cleanup}"))),
            },
        }
    }

    /// The tenants whose events could not be sealed at the last flush: they wait in memory
    /// and in the write-ahead log while every other tenant's events reach segments.
    pub fn held_tenants(&self) -> Vec<HeldTenant> {
        let state = self.read();
        state
            .held
            .iter()
            .map(|(tenant, held)| HeldTenant {
                tenant: tenant.to_string(),
                first_seq: held.first_seq,
                events: (state.memtable.tenant_len(tenant) + state.flushing.tenant_len(tenant))
                    as u64,
                attempts: held.attempts,
                reason: held.reason.clone(),
            })
            .collect()
    }

    /// Records up to this seq are all in segments: the write-ahead log may drop them, and
    /// replay starts after it (a held-back tenant keeps it below the committed seq).
    pub fn replay_after(&self) -> u64 {
        let state = self.read();
        let first_held = state.held.values().map(|h| h.first_seq).min();
        let first_held = first_held.unwrap_or(u64::MAX);
        state.committed.min(first_held.saturating_sub(1))
    }

    /// Whether a record replayed from the write-ahead log (seq above [`Self::replay_after`])
    /// still has to be inserted: it is above the committed seq, or its tenant was held back.
    pub fn needs_replay(&self, seq: u64, tenant: &TenantId) -> bool {
        let state = self.read();
        seq > state.committed || state.held.get(tenant).is_some_and(|h| seq >= h.first_seq)
    }

    /// Events in memory that the next flush can write: those of held-back tenants left out,
    /// so that they alone do not make every incoming batch start a flush.
    pub fn flushable_len(&self) -> usize {
        let state = self.read();
        let held: usize = state
            .held
            .keys()
            .map(|t| state.memtable.tenant_len(t) + state.flushing.tenant_len(t))
            .sum();
        (state.memtable.len() + state.flushing.events).saturating_sub(held)
    }
}

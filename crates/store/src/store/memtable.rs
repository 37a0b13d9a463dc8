//! The memtable: inserted events kept as encoded blocks, one run of blocks per partition.

use super::layout;
use crate::segment::{BlockBuilder, PreparedBlock};
use palisade_core::{Event, TenantId};
use std::{collections::BTreeMap, sync::Arc};

/// One partition's events in memory: finished blocks, then the block being filled.
struct MemPartition {
    finished: Vec<Arc<PreparedBlock>>,
    open: BlockBuilder,
}

/// Inserted, not yet flushed events, by partition (tenant and UTC day), in id order.
#[derive(Default)]
pub struct Memtable {
    partitions: BTreeMap<(TenantId, i64), MemPartition>,
    events: usize,
}

/// What a flush writes: each partition's finished blocks, in id order.
#[derive(Default)]
pub struct FlushBatch {
    /// Per partition (tenant, day number of [`layout::day_of`]), its blocks.
    pub partitions: Vec<(TenantId, i64, Vec<Arc<PreparedBlock>>)>,
    /// Events in all blocks.
    pub events: usize,
}

impl FlushBatch {
    /// The largest event id in the batch (0 if empty).
    pub fn max_id(&self) -> u64 {
        self.blocks().map(|b| b.max_id()).max().unwrap_or(0)
    }

    /// Bytes of memory the batch's blocks take.
    pub fn bytes(&self) -> usize {
        self.blocks().map(|b| b.bytes()).sum()
    }

    /// The events of `tenant` in the batch.
    pub fn tenant_len(&self, tenant: &TenantId) -> usize {
        let blocks = self.partitions.iter().filter(|(t, _, _)| t == tenant);
        blocks.flat_map(|(_, _, b)| b).map(|b| b.rows()).sum()
    }

    /// The smallest event id of `tenant` in the batch (`u64::MAX` if it has none).
    pub fn min_id_of(&self, tenant: &TenantId) -> u64 {
        let blocks = self.partitions.iter().filter(|(t, _, _)| t == tenant);
        let ids = blocks.flat_map(|(_, _, b)| b).map(|b| b.min_id());
        ids.min().unwrap_or(u64::MAX)
    }

    /// The partitions of the tenants `keep` selects, as a batch of their own.
    pub fn only(self, keep: impl Fn(&TenantId) -> bool) -> FlushBatch {
        let partitions: Vec<_> = self
            .partitions
            .into_iter()
            .filter(|(tenant, _, _)| keep(tenant))
            .collect();
        let blocks = partitions.iter().flat_map(|(_, _, b)| b);
        let events = blocks.map(|b| b.rows()).sum();
        FlushBatch { partitions, events }
    }

    /// Every block of the batch.
    pub fn blocks(&self) -> impl Iterator<Item = &Arc<PreparedBlock>> {
        self.partitions.iter().flat_map(|(_, _, blocks)| blocks)
    }
}

impl Memtable {
    /// Events held.
    pub fn len(&self) -> usize {
        self.events
    }

    /// Events of `tenant` held.
    pub fn tenant_len(&self, tenant: &TenantId) -> usize {
        let partitions = self.partitions.iter().filter(|((t, _), _)| t == tenant);
        partitions
            .map(|(_, p)| p.open.rows() + p.finished.iter().map(|b| b.rows()).sum::<usize>())
            .sum()
    }

    /// Bytes of memory the events take, encoded.
    pub fn bytes(&self) -> usize {
        let partitions = self.partitions.values();
        partitions
            .map(|p| p.open.bytes() + p.finished.iter().map(|b| b.bytes()).sum::<usize>())
            .sum()
    }

    /// Encodes `events` (ids larger than any held) into their partitions' blocks; a block
    /// that reaches `block_events` rows is finished (its index built) and a new one begun.
    pub fn insert(&mut self, events: &[Event], block_events: usize) {
        let mut rest = events;
        while let Some(first) = rest.first() {
            let day = layout::day_of(first.time);
            let run = rest
                .iter()
                .position(|e| e.tenant != first.tenant || layout::day_of(e.time) != day)
                .unwrap_or(rest.len());
            let partition = self
                .partitions
                .entry((first.tenant.clone(), day))
                .or_insert_with(|| MemPartition {
                    finished: Vec::new(),
                    open: BlockBuilder::new(first.tenant.clone()),
                });
            for event in &rest[..run] {
                partition.open.push(event);
                if partition.open.rows() >= block_events.max(1) {
                    let full = partition.open.finish_and_restart();
                    partition.finished.push(Arc::new(full));
                }
            }
            rest = &rest[run..];
        }
        self.events += events.len();
    }

    /// Every block, for a search: the finished ones shared, the open ones copied.
    pub fn blocks(&self) -> Vec<Arc<PreparedBlock>> {
        let mut blocks = Vec::new();
        for partition in self.partitions.values() {
            blocks.extend(partition.finished.iter().cloned());
            if partition.open.rows() > 0 {
                blocks.push(Arc::new(partition.open.snapshot()));
            }
        }
        blocks
    }

    /// Empties the memtable into a batch to flush, finishing the open blocks.
    pub fn take(&mut self) -> FlushBatch {
        let events = std::mem::take(&mut self.events);
        let partitions = std::mem::take(&mut self.partitions)
            .into_iter()
            .map(|((tenant, day), mut partition)| {
                if partition.open.rows() > 0 {
                    partition.finished.push(Arc::new(partition.open.finish()));
                }
                (tenant, day, partition.finished)
            })
            .collect();
        FlushBatch { partitions, events }
    }

    /// Puts a batch that could not be written back in front of what was inserted since.
    pub fn restore(&mut self, batch: FlushBatch) {
        self.events += batch.events;
        for (tenant, day, blocks) in batch.partitions {
            let partition = self
                .partitions
                .entry((tenant.clone(), day))
                .or_insert_with(|| MemPartition {
                    finished: Vec::new(),
                    open: BlockBuilder::new(tenant),
                });
            let newer = std::mem::replace(&mut partition.finished, blocks);
            partition.finished.extend(newer);
        }
    }
}

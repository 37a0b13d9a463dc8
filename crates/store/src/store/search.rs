//! Search (newest first, top-k with early stop) and aggregation over memtable and segments.

use super::{
    plan::Plan,
    request::{Cursor, ScanStats, SearchPage, SearchRequest},
    EventStore,
};
use crate::{
    bloom::Bloom,
    error::StoreError,
    segment::{LoadedBlock, PreparedBlock, Segment},
};
use palisade_core::{Event, Sealer, TenantId};
use palisade_query::{Aggregator, Pipe, Table};
use std::{
    cmp::Reverse,
    collections::{hash_map::Entry, BinaryHeap, HashMap},
    sync::Arc,
};

/// A matching row: the block's place among those read, and the row in it.
struct Hit {
    slot: usize,
    row: usize,
}

struct Ranked(Cursor, Hit);
impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

/// The best `limit` hits so far (a min-heap on the position).
struct TopK {
    limit: usize,
    heap: BinaryHeap<Reverse<Ranked>>,
}

impl TopK {
    /// The position a hit must beat, once full.
    fn threshold(&self) -> Option<Cursor> {
        (self.heap.len() >= self.limit)
            .then(|| self.heap.peek().map(|r| r.0 .0))
            .flatten()
    }

    fn accepts(&self, key: Cursor) -> bool {
        self.threshold().is_none_or(|t| key > t)
    }

    fn offer(&mut self, key: Cursor, hit: Hit) {
        self.heap.push(Reverse(Ranked(key, hit)));
        if self.heap.len() > self.limit {
            self.heap.pop();
        }
    }
}

/// A block picked for reading: stored in a segment, or held by the memtable.
#[derive(Clone)]
pub(super) enum BlockRef {
    Stored(Arc<Segment>, usize),
    Memory(Arc<PreparedBlock>),
}

/// Where a block's rows lie: (min time, max time, min id, max id).
type Bounds = (i64, i64, u64, u64);

impl BlockRef {
    pub(super) fn bounds(&self) -> Bounds {
        match self {
            BlockRef::Stored(segment, index) => {
                let b = &segment.footer.blocks[*index];
                (b.min_time, b.max_time, b.min_id, b.max_id)
            }
            BlockRef::Memory(block) => {
                let (min_time, max_time) = block.time_range;
                (min_time, max_time, block.min_id(), block.max_id())
            }
        }
    }

    /// The block's index; `None` when it has none yet (a memtable block being filled).
    fn bloom(&self) -> Option<&Bloom> {
        match self {
            BlockRef::Stored(segment, index) => segment.blooms.get(*index),
            BlockRef::Memory(block) => block.bloom.as_ref(),
        }
    }

    pub(super) fn load(
        &self,
        sealer: &dyn Sealer,
        time: bool,
        ids: bool,
        fields: Option<&[String]>,
    ) -> Result<LoadedBlock, StoreError> {
        match self {
            BlockRef::Stored(segment, index) => {
                segment.load_block(sealer, *index, time, ids, fields)
            }
            BlockRef::Memory(block) => block.load(fields),
        }
    }

    pub(super) fn tenant(&self) -> Result<TenantId, StoreError> {
        match self {
            BlockRef::Stored(segment, _) => TenantId::new(&segment.footer.tenant)
                .map_err(|e| StoreError::corrupt(&segment.path, e)),
            BlockRef::Memory(block) => Ok(block.tenant.clone()),
        }
    }
}

impl EventStore {
    /// Newest first (time desc, then id desc), at most `req.limit` events after `req.cursor`.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchPage, StoreError> {
        let mut stats = ScanStats::default();
        if req.limit == 0 {
            return Ok(SearchPage {
                events: Vec::new(),
                next_cursor: None,
                scanned: stats,
            });
        }
        let plan = Plan::new(req, &[]);
        let mut top = TopK {
            limit: req.limit,
            heap: BinaryHeap::new(),
        };
        let mut blocks = self.blocks_in_scope(&plan);
        blocks.sort_by_key(|block| {
            let (_, max_time, _, max_id) = block.bounds();
            Reverse((max_time, max_id))
        });
        let mut read: Vec<BlockRef> = Vec::new();
        for (n, block) in blocks.iter().enumerate() {
            let (_, max_time, _, max_id) = block.bounds();
            if let Some(t) = top.threshold() {
                if max_time < t.time {
                    stats.blocks_skipped += (blocks.len() - n) as u64;
                    break;
                }
                if (max_time, max_id) < (t.time, t.id) {
                    stats.blocks_skipped += 1;
                    continue;
                }
            }
            if !block.bloom().is_none_or(|bloom| plan.bloom_allows(bloom)) {
                stats.blocks_skipped += 1;
                continue;
            }
            let loaded = match block.load(self.sealer.as_ref(), true, true, Some(&plan.fields)) {
                Ok(loaded) => loaded,
                Err(StoreError::Seal { .. }) => {
                    stats.blocks_unreadable += 1;
                    continue;
                }
                Err(e) => return Err(e),
            };
            stats.blocks += 1;
            let slot = read.len();
            read.push(block.clone());
            for row in 0..loaded.rows {
                stats.rows += 1;
                let key = Cursor {
                    time: loaded.times[row],
                    id: loaded.ids[row],
                };
                if plan.in_range(key.time)
                    && plan.after_cursor(key)
                    && top.accepts(key)
                    && plan.matches(&loaded.row(row))
                {
                    top.offer(key, Hit { slot, row });
                }
            }
        }
        let mut ranked: Vec<Ranked> = top.heap.into_iter().map(|r| r.0).collect();
        ranked.sort_by_key(|r| Reverse(r.0));
        let events = self.materialize(ranked, &read)?;
        let next_cursor = (events.len() == req.limit)
            .then(|| {
                events.last().map(|e| Cursor {
                    time: e.time,
                    id: e.id,
                })
            })
            .flatten();
        Ok(SearchPage {
            events,
            next_cursor,
            scanned: stats,
        })
    }

    /// The blocks in the request's time range, cursor and tenant: the flush in progress's,
    /// the memtable's and the segments'.
    pub(super) fn blocks_in_scope(&self, plan: &Plan<'_>) -> Vec<BlockRef> {
        let state = self.read();
        let in_scope = |block: &BlockRef| {
            let (min_time, max_time, min_id, _) = block.bounds();
            plan.span_in_scope(min_time, max_time, min_id)
        };
        let mut blocks: Vec<BlockRef> = state
            .flushing
            .blocks()
            .cloned()
            .chain(state.memtable.blocks())
            .filter(|block| plan.tenant_allowed(&block.tenant))
            .map(BlockRef::Memory)
            .filter(in_scope)
            .collect();
        for ((tenant, _), segments) in &state.catalog {
            if !plan.tenant_allowed(tenant) {
                continue;
            }
            for segment in segments {
                for index in 0..segment.footer.blocks.len() {
                    let block = BlockRef::Stored(segment.clone(), index);
                    if in_scope(&block) {
                        blocks.push(block);
                    }
                }
            }
        }
        blocks
    }

    /// Turns hits into events, reading every column of each block that has hits once.
    fn materialize(
        &self,
        ranked: Vec<Ranked>,
        read: &[BlockRef],
    ) -> Result<Vec<Event>, StoreError> {
        let mut full = HashMap::new();
        let mut events = Vec::with_capacity(ranked.len());
        for Ranked(_, Hit { slot, row }) in ranked {
            let block_ref = &read[slot];
            let block = match full.entry(slot) {
                Entry::Occupied(loaded) => loaded.into_mut(),
                Entry::Vacant(slot) => {
                    slot.insert(block_ref.load(self.sealer.as_ref(), true, true, None)?)
                }
            };
            let mut event = Event::new(block.ids[row], block_ref.tenant()?, block.times[row]);
            for (name, column) in &block.columns {
                if let Some(value) = column.get(row) {
                    event.fields.push((name.clone().into(), value.to_owned()));
                }
            }
            events.push(event);
        }
        Ok(events)
    }

    /// Runs a `stats` or `timechart` pipe over every match (the request's limit and cursor
    /// do not apply).
    pub fn aggregate(&self, req: &SearchRequest, pipe: &Pipe) -> Result<Table, StoreError> {
        let unpaged = SearchRequest {
            cursor: None,
            ..req.clone()
        };
        let extra = match pipe {
            Pipe::Stats { by } => by.clone(),
            Pipe::Timechart { by, .. } => by.iter().cloned().chain(["time".to_owned()]).collect(),
        };
        let plan = Plan::new(&unpaged, &extra);
        let mut aggregator = Aggregator::new(pipe.clone());
        for block in self.blocks_in_scope(&plan) {
            if !block.bloom().is_none_or(|bloom| plan.bloom_allows(bloom)) {
                continue;
            }
            let loaded = match block.load(
                self.sealer.as_ref(),
                plan.needs_time,
                plan.needs_ids,
                Some(&plan.fields),
            ) {
                Ok(loaded) => loaded,
                // Unreadable (sealed or crypto-shredded) blocks are left out of aggregations,
                // as they are of searches.
                Err(StoreError::Seal { .. }) => continue,
                Err(e) => return Err(e),
            };
            for row in 0..loaded.rows {
                let in_range = !plan.needs_time || plan.in_range(loaded.times[row]);
                let r = loaded.row(row);
                if in_range && plan.matches(&r) {
                    aggregator.add(&r);
                }
            }
        }
        Ok(aggregator.finish())
    }
}

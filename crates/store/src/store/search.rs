//! Search (newest first, top-k with early stop) and aggregation over memtable and segments.

use super::{
    plan::Plan,
    request::{Cursor, ScanStats, SearchPage, SearchRequest},
    EventStore,
};
use crate::{error::StoreError, segment::Segment};
use palisade_core::{Event, TenantId};
use palisade_query::{Aggregator, Pipe, Table};
use std::{
    cmp::Reverse,
    collections::{hash_map::Entry, BinaryHeap, HashMap},
    sync::Arc,
};

enum Hit {
    Memory(Box<Event>),
    Block { slot: usize, row: usize },
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

/// A block picked for reading.
type BlockRef = (Arc<Segment>, usize);

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
        let mut blocks = {
            let state = self.read();
            for e in state.flushing.iter().chain(state.memtable.iter()) {
                stats.rows += 1;
                let key = Cursor {
                    time: e.time,
                    id: e.id,
                };
                if plan.event_in_scope(e)
                    && plan.after_cursor(key)
                    && top.accepts(key)
                    && plan.matches(e)
                {
                    top.offer(key, Hit::Memory(Box::new(e.clone())));
                }
            }
            self.blocks_in_scope(&plan, &state.catalog)
        };
        blocks.sort_by_key(|(seg, i)| {
            let b = &seg.footer.blocks[*i];
            Reverse((b.max_time, b.max_id))
        });
        let mut read: Vec<BlockRef> = Vec::new();
        for (n, (segment, index)) in blocks.iter().enumerate() {
            let meta = &segment.footer.blocks[*index];
            if let Some(t) = top.threshold() {
                if meta.max_time < t.time {
                    stats.blocks_skipped += (blocks.len() - n) as u64;
                    break;
                }
                if (meta.max_time, meta.max_id) < (t.time, t.id) {
                    stats.blocks_skipped += 1;
                    continue;
                }
            }
            if !bloom_allows(&plan, segment, *index) {
                stats.blocks_skipped += 1;
                continue;
            }
            let loaded = match segment.load_block(
                self.sealer.as_ref(),
                *index,
                true,
                true,
                Some(&plan.fields),
            ) {
                Ok(loaded) => loaded,
                Err(StoreError::Seal { .. }) => {
                    stats.blocks_unreadable += 1;
                    continue;
                }
                Err(e) => return Err(e),
            };
            stats.blocks += 1;
            let slot = read.len();
            read.push((segment.clone(), *index));
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
                    top.offer(key, Hit::Block { slot, row });
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

    fn blocks_in_scope(&self, plan: &Plan<'_>, catalog: &super::layout::Catalog) -> Vec<BlockRef> {
        let mut blocks = Vec::new();
        for ((tenant, _), segments) in catalog {
            if !plan.tenant_allowed(tenant) {
                continue;
            }
            for segment in segments {
                for (index, meta) in segment.footer.blocks.iter().enumerate() {
                    if plan.block_in_scope(meta) {
                        blocks.push((segment.clone(), index));
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
        for Ranked(_, hit) in ranked {
            let (slot, row) = match hit {
                Hit::Memory(event) => {
                    events.push(*event);
                    continue;
                }
                Hit::Block { slot, row } => (slot, row),
            };
            let (segment, index) = &read[slot];
            let block = match full.entry(slot) {
                Entry::Occupied(loaded) => loaded.into_mut(),
                Entry::Vacant(slot) => slot.insert(segment.load_block(
                    self.sealer.as_ref(),
                    *index,
                    true,
                    true,
                    None,
                )?),
            };
            let tenant = TenantId::new(&segment.footer.tenant)
                .map_err(|e| StoreError::corrupt(&segment.path, e))?;
            let mut event = Event::new(block.ids[row], tenant, block.times[row]);
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
        let blocks = {
            let state = self.read();
            for e in state.flushing.iter().chain(state.memtable.iter()) {
                if plan.event_in_scope(e) && plan.matches(e) {
                    aggregator.add(e);
                }
            }
            self.blocks_in_scope(&plan, &state.catalog)
        };
        for (segment, index) in blocks {
            if !bloom_allows(&plan, &segment, index) {
                continue;
            }
            let loaded = match segment.load_block(
                self.sealer.as_ref(),
                index,
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

/// Whether block `index`'s bloom filter may hold the plan's terms; a segment loaded without
/// its bloom filters (the sealer refused them) cannot skip.
fn bloom_allows(plan: &Plan<'_>, segment: &Segment, index: usize) -> bool {
    segment
        .blooms
        .get(index)
        .is_none_or(|bloom| plan.bloom_allows(bloom))
}

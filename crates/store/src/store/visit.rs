//! Read-side helpers for summaries kept outside the store: a visit of the rows inserted after
//! a given event id (so a summary can catch up with only the new events), and event counts
//! per time bucket taken from block metadata where a block lies wholly inside one bucket.

use super::{plan::Plan, request::SearchRequest, search::BlockRef, EventStore};
use crate::{error::StoreError, segment::Segment};
use palisade_core::TenantId;
use palisade_query::{Expr, Row};
use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

/// Which rows [`EventStore::visit_rows`] hands over.
#[derive(Debug, Clone, Copy)]
pub struct RowVisit<'a> {
    /// Only events at or after this time (epoch ms).
    pub from_ms: i64,
    /// Only events whose id is larger than this (0: every event).
    pub after_id: u64,
    /// The field columns the visitor reads (the time is always given).
    pub fields: &'a [String],
}

/// What a visit covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VisitReport {
    /// The largest event id of the blocks in the time range (at least the visit's
    /// `after_id`): every event inserted later has a larger id, so the next visit can start
    /// after it.
    pub max_id: u64,
    /// Rows handed to the visitor.
    pub rows: u64,
    /// Blocks left out because the sealer could not open them (key service sealed, or the
    /// tenant's storage key destroyed); their events were not visited.
    pub blocks_unreadable: u64,
}

fn unpaged(tenant: Option<&TenantId>, from_ms: i64, to_ms: Option<i64>) -> SearchRequest {
    SearchRequest {
        tenant: tenant.cloned(),
        filter: Expr::All,
        from_ms: Some(from_ms),
        to_ms,
        limit: 0,
        cursor: None,
    }
}

impl EventStore {
    /// Hands every readable event of every tenant with time `>= from_ms` and id `> after_id`
    /// to `visit` (its tenant, its time, and a row with the columns `fields` names), in no
    /// particular order. Blocks wholly at or below `after_id` are not read, so a caller that
    /// remembers [`VisitReport::max_id`] reads only what was inserted since its last visit.
    pub fn visit_rows(
        &self,
        scope: &RowVisit<'_>,
        visit: &mut dyn FnMut(&TenantId, i64, &dyn Row),
    ) -> Result<VisitReport, StoreError> {
        let req = unpaged(None, scope.from_ms, None);
        let plan = Plan::new(&req, &[]);
        let mut report = VisitReport {
            max_id: scope.after_id,
            ..VisitReport::default()
        };
        for block in self.blocks_in_scope(&plan) {
            let (_, _, _, max_id) = block.bounds();
            if max_id <= scope.after_id {
                continue;
            }
            let loaded = match block.load(self.sealer.as_ref(), true, true, Some(scope.fields)) {
                Ok(loaded) => loaded,
                Err(StoreError::Seal { .. }) => {
                    report.blocks_unreadable += 1;
                    continue;
                }
                Err(e) => return Err(e),
            };
            report.max_id = report.max_id.max(max_id);
            let tenant = block.tenant()?;
            for row in 0..loaded.rows {
                let (time, id) = (loaded.times[row], loaded.ids[row]);
                if id > scope.after_id && time >= scope.from_ms {
                    report.rows += 1;
                    visit(&tenant, time, &loaded.row(row));
                }
            }
        }
        Ok(report)
    }

    /// Readable events of `tenant` (`None`: all tenants) in `[from_ms, to_ms)` counted per
    /// bucket of `span_ms` (a bucket starts at a multiple of the span since the epoch), as
    /// `(bucket start, count)` in time order; the same numbers as `timechart` over `*`. A
    /// block wholly inside the range and one bucket is counted from its metadata (after one
    /// check per segment that the sealer still opens it); only the others have their time
    /// column read.
    pub fn count_by_time(
        &self,
        tenant: Option<&TenantId>,
        (from_ms, to_ms): (i64, Option<i64>),
        span_ms: i64,
    ) -> Result<Vec<(i64, u64)>, StoreError> {
        if span_ms <= 0 {
            return Err(StoreError::Failed(format!(
                "a time bucket must be longer than 0 ms, not {span_ms}"
            )));
        }
        let req = unpaged(tenant, from_ms, to_ms);
        let plan = Plan::new(&req, &[]);
        let bucket = |t: i64| t - t.rem_euclid(span_ms);
        let mut counts: BTreeMap<i64, u64> = BTreeMap::new();
        let mut readable = HashMap::new();
        for block in self.blocks_in_scope(&plan) {
            let (min_time, max_time, _, _) = block.bounds();
            let whole = plan.in_range(min_time) && plan.in_range(max_time);
            if whole && bucket(min_time) == bucket(max_time) {
                if self.opens(&block, &mut readable)? {
                    *counts.entry(bucket(min_time)).or_default() += rows_of(&block);
                }
                continue;
            }
            let loaded = match block.load(self.sealer.as_ref(), true, false, Some(&[])) {
                Ok(loaded) => loaded,
                Err(StoreError::Seal { .. }) => continue,
                Err(e) => return Err(e),
            };
            for time in loaded.times.into_iter().filter(|t| plan.in_range(*t)) {
                *counts.entry(bucket(time)).or_default() += 1;
            }
        }
        Ok(counts.into_iter().collect())
    }

    /// Whether the sealer opens `block` (memory blocks always; a stored block when its
    /// segment's first block's time column opens, checked once per segment and remembered
    /// in `checked` by the segment's address, which the caller's block list keeps alive).
    fn opens(
        &self,
        block: &BlockRef,
        checked: &mut HashMap<*const Segment, bool>,
    ) -> Result<bool, StoreError> {
        let BlockRef::Stored(segment, _) = block else {
            return Ok(true);
        };
        if let Some(opens) = checked.get(&Arc::as_ptr(segment)) {
            return Ok(*opens);
        }
        let opens = match segment.load_block(self.sealer.as_ref(), 0, true, false, Some(&[])) {
            Ok(_) => true,
            Err(StoreError::Seal { .. }) => false,
            Err(e) => return Err(e),
        };
        checked.insert(Arc::as_ptr(segment), opens);
        Ok(opens)
    }
}

/// Events in a block, from its metadata.
fn rows_of(block: &BlockRef) -> u64 {
    match block {
        BlockRef::Stored(segment, index) => segment
            .footer
            .blocks
            .get(*index)
            .map_or(0, |b| u64::from(b.rows)),
        BlockRef::Memory(block) => block.rows() as u64,
    }
}

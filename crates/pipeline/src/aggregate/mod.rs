//! The aggregation stage: events an `aggregate` step of a parser chain marked are folded,
//! per tenant, source and key, into one stored event with a `count` (OCSF `count`,
//! `start_time`, `end_time`); every other event goes to the store unchanged.
//!
//! The first event of a group is held, not stored at once: the group is stored, under the id
//! of its first record, when its window ends, when it reaches its `max_count`, or when the
//! store flushes. Holding records back must not let the write-ahead log drop them, so every
//! flush first drains the open groups into the store ([`Aggregation::drain_for_flush`])
//! under the same lock that covers folding and inserting: whatever the checkpoint covers is
//! then in a segment. After a crash the log replays the records above the checkpoint and the
//! groups form again (an aggregate cut by a flush or a crash is stored as two events whose
//! counts add up; no record is lost or counted twice).
//!
//! With no `aggregate` step configured and no group open, [`Aggregation::insert`] is one
//! atomic load in front of the store's insert.

mod groups;
#[cfg(test)]
mod tests;

pub use groups::{COUNT, END_TIME, START_TIME};

use crate::metrics::Metrics;
use groups::Groups;
use palisade_core::Event;
use palisade_parse::ParserChains;
use palisade_store::EventStore;
use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicI64, AtomicUsize, Ordering},
        Mutex, MutexGuard,
    },
    time::Duration,
};

/// The open groups and how far the stage has read the log.
#[derive(Debug, Default)]
pub(crate) struct State {
    groups: Groups,
    /// The highest seq whose record is in the store or in an open group.
    consumed: u64,
}

/// The aggregation stage between the parsers and the store.
#[derive(Debug)]
pub(crate) struct Aggregation {
    state: Mutex<State>,
    /// Open groups, readable without the lock.
    open: AtomicUsize,
    /// The earliest window end of an open group, epoch ms (`i64::MAX` when none).
    next_deadline: AtomicI64,
}

impl Default for Aggregation {
    fn default() -> Self {
        Aggregation {
            state: Mutex::default(),
            open: AtomicUsize::new(0),
            next_deadline: AtomicI64::new(i64::MAX),
        }
    }
}

impl Aggregation {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Publishes the group count and deadline for the lock-free checks.
    fn publish(&self, state: &State) {
        self.open.store(state.groups.len(), Ordering::Release);
        let deadline = state.groups.next_deadline();
        self.next_deadline.store(deadline, Ordering::Release);
    }

    /// True when no group is open.
    pub fn is_empty(&self) -> bool {
        self.open.load(Ordering::Acquire) == 0
    }

    /// Inserts parsed events into the store, folding those an `aggregate` step marked into
    /// their groups; `through` is the seq of the last record the events came from.
    pub fn insert(
        &self,
        store: &EventStore,
        chains: &ParserChains,
        metrics: &Metrics,
        events: Vec<Event>,
        through: u64,
    ) {
        if !chains.has_aggregation() && self.is_empty() {
            store.insert(events);
            return;
        }
        let mut folded = BTreeMap::new();
        let mut state = self.lock();
        let mut out = Vec::with_capacity(events.len());
        state.groups.absorb(events, chains, &mut out, &mut folded);
        store.insert(out);
        state.consumed = state.consumed.max(through);
        self.publish(&state);
        drop(state);
        for (source, lines) in folded {
            metrics.count_aggregated(&source, lines);
        }
    }

    /// True when an open group's window has ended (no clock read when no group is open).
    pub fn is_due(&self) -> bool {
        let deadline = self.next_deadline.load(Ordering::Acquire);
        deadline != i64::MAX && palisade_core::time::now_ms() >= deadline
    }

    /// Stores the groups whose window has ended by now.
    pub fn expire(&self, store: &EventStore) {
        let now = palisade_core::time::now_ms();
        let mut state = self.lock();
        let mut out = Vec::new();
        state.groups.expire(now, &mut out);
        store.insert(out);
        self.publish(&state);
    }

    /// `wait`, shortened so that the caller wakes when the earliest open group is due.
    pub fn wait_at_most(&self, wait: Duration) -> Duration {
        let deadline = self.next_deadline.load(Ordering::Acquire);
        if deadline == i64::MAX {
            return wait;
        }
        let until = deadline
            .saturating_sub(palisade_core::time::now_ms())
            .max(0);
        wait.min(Duration::from_millis(u64::try_from(until).unwrap_or(0)))
    }

    /// For [`EventStore::flush_draining`]: stores every open group and returns the lock
    /// (held until the flush has taken the in-memory events, so no insert slips in between)
    /// with the highest seq consumed.
    pub fn drain_for_flush<'a>(&'a self, store: &EventStore) -> (MutexGuard<'a, State>, u64) {
        let mut state = self.lock();
        let mut out = Vec::new();
        state.groups.drain(&mut out);
        store.insert(out);
        self.publish(&state);
        let consumed = state.consumed;
        (state, consumed)
    }
}

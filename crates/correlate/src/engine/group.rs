//! Per-rule group state: the time-ordered matches of each group, and a schedule of when each
//! group's oldest window closes, so closing windows never scans every group.

use hashbrown::{Equivalent, HashMap};
use palisade_core::{EventId, TenantId};
use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::hash::{Hash, Hasher, RandomState};
use std::sync::Arc;

/// The identity of a group: tenant plus the values of the `group-by` fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupKey {
    pub tenant: TenantId,
    pub values: Box<[Box<str>]>,
}

impl Hash for GroupKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_key(&self.tenant, self.values.iter().map(|v| &**v), state);
    }
}

/// A group key borrowed from the input, so finding an existing group allocates nothing.
#[derive(Debug)]
pub(crate) struct KeyRef<'a> {
    pub tenant: &'a TenantId,
    pub values: &'a [Cow<'a, str>],
}

impl Hash for KeyRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_key(self.tenant, self.values.iter().map(|v| &**v), state);
    }
}

impl Equivalent<Arc<GroupKey>> for KeyRef<'_> {
    fn equivalent(&self, key: &Arc<GroupKey>) -> bool {
        self.tenant == &key.tenant
            && self.values.len() == key.values.len()
            && self
                .values
                .iter()
                .zip(key.values.iter())
                .all(|(a, b)| **a == **b)
    }
}

impl KeyRef<'_> {
    fn to_owned_key(&self) -> GroupKey {
        GroupKey {
            tenant: self.tenant.clone(),
            values: self.values.iter().map(|v| Box::from(&**v)).collect(),
        }
    }
}

/// The one hash of a group key, owned or borrowed.
fn hash_key<'a, H: Hasher>(
    tenant: &TenantId,
    values: impl ExactSizeIterator<Item = &'a str>,
    state: &mut H,
) {
    tenant.as_str().hash(state);
    state.write_usize(values.len());
    for value in values {
        value.hash(state);
    }
}

/// The measured field of one match, as the rule's type needs it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Measure {
    /// The type measures nothing, or the field was absent or not numeric.
    Absent,
    /// Text of the field(s), for distinct counts and shares.
    Text(Box<str>),
    /// Numeric value, for sums and means.
    Number(f64),
}

/// The events behind one match: one event, or all events of a chained correlation alert.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Contributors {
    One(EventId),
    Many(Box<[EventId]>),
}

impl Contributors {
    pub(crate) fn ids(&self) -> &[EventId] {
        match self {
            Contributors::One(id) => std::slice::from_ref(id),
            Contributors::Many(ids) => ids,
        }
    }
}

/// One rule match held in a group.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// Event time, epoch milliseconds.
    pub time: i64,
    /// Arrival order, breaking ties between equal times.
    pub seq: u64,
    /// Bit `i` set when the match is for the rule at position `i` of `correlation.rules`.
    pub positions: u64,
    pub measure: Measure,
    pub contributors: Contributors,
}

/// One group's matches, ordered by (time, arrival).
#[derive(Debug)]
pub(crate) struct Group {
    pub key: Arc<GroupKey>,
    /// The matches; add and remove them only through the methods below, which keep `texts`
    /// in step.
    pub entries: VecDeque<Entry>,
    /// The close deadline this group currently has in the schedule.
    scheduled: Option<i64>,
    /// How many entries carry each text measure: the group's distinct values, so that a
    /// distinct-count rule sees at once when no window can reach its bound (instead of
    /// counting up to `max_events_per_group` entries again at every match). Seeded SipHash,
    /// like the group keys: the values come from events.
    texts: HashMap<Box<str>, u32, RandomState>,
}

impl Group {
    /// Inserts in time order and returns the entry's index.
    pub(crate) fn insert(&mut self, entry: Entry) -> usize {
        if let Measure::Text(text) = &entry.measure {
            match self.texts.get_mut(&**text) {
                Some(count) => *count += 1,
                None => {
                    self.texts.insert(text.clone(), 1);
                }
            }
        }
        let at = self
            .entries
            .partition_point(|e| (e.time, e.seq) <= (entry.time, entry.seq));
        self.entries.insert(at, entry);
        at
    }

    /// Removes the oldest entry.
    pub(crate) fn pop_front(&mut self) {
        if let Some(entry) = self.entries.pop_front() {
            forget_text(&mut self.texts, &entry);
        }
    }

    /// Removes the entries at `range`.
    pub(crate) fn remove_range(&mut self, range: std::ops::Range<usize>) {
        for entry in self.entries.drain(range) {
            forget_text(&mut self.texts, &entry);
        }
    }

    /// How many distinct text measures the group's entries carry (an upper bound of any
    /// window's distinct count).
    pub(crate) fn distinct_texts(&self) -> usize {
        self.texts.len()
    }

    /// Index just past the last entry with time at most `end`.
    pub(crate) fn end_of_window(&self, end: i64) -> usize {
        self.entries.partition_point(|e| e.time <= end)
    }

    /// Index of the first entry with time at least `start`.
    pub(crate) fn start_of_window(&self, start: i64) -> usize {
        self.entries.partition_point(|e| e.time < start)
    }
}

/// Counts a removed entry's text measure out of `texts`.
fn forget_text(texts: &mut HashMap<Box<str>, u32, RandomState>, entry: &Entry) {
    let Measure::Text(text) = &entry.measure else {
        return;
    };
    if let Some(count) = texts.get_mut(&**text) {
        *count -= 1;
        if *count == 0 {
            texts.remove(&**text);
        }
    }
}

/// A slot number in the table; stable while the group lives.
pub(crate) type Slot = usize;

/// The groups of one rule.
/// Keys are hashed with the standard library's seeded SipHash: group values come from
/// events, so an attacker must not be able to pick colliding ones.
#[derive(Debug, Default)]
pub(crate) struct GroupTable {
    index: HashMap<Arc<GroupKey>, Slot, RandomState>,
    slots: Vec<Option<Group>>,
    free: Vec<Slot>,
    /// (deadline, slot): the group's oldest window closes once the watermark passes deadline.
    schedule: BinaryHeap<Reverse<(i64, Slot)>>,
}

impl GroupTable {
    /// Number of live groups.
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    /// The slot of `key`, creating the group unless `len() >= limit` (then `None`).
    pub(crate) fn slot_for(&mut self, key: &KeyRef<'_>, limit: usize) -> Option<Slot> {
        if let Some(slot) = self.index.get(key) {
            return Some(*slot);
        }
        if self.index.len() >= limit {
            return None;
        }
        let key = Arc::new(key.to_owned_key());
        let group = Group {
            key: Arc::clone(&key),
            entries: VecDeque::new(),
            scheduled: None,
            texts: HashMap::default(),
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = Some(group);
                slot
            }
            None => {
                self.slots.push(Some(group));
                self.slots.len() - 1
            }
        };
        self.index.insert(key, slot);
        Some(slot)
    }

    /// The group in `slot`, if it is live.
    pub(crate) fn get_mut(&mut self, slot: Slot) -> Option<&mut Group> {
        self.slots.get_mut(slot).and_then(Option::as_mut)
    }

    /// Re-schedules the group after its entries changed, or drops it when it has none left.
    /// Returns true when the group was dropped.
    pub(crate) fn settle(&mut self, slot: Slot, timespan_ms: i64) -> bool {
        let Some(group) = self.slots.get_mut(slot).and_then(Option::as_mut) else {
            return false;
        };
        match group.entries.front() {
            None => {
                if let Some(group) = self.slots[slot].take() {
                    self.index.remove(&*group.key);
                }
                self.free.push(slot);
                true
            }
            Some(front) => {
                let deadline = front.time.saturating_add(timespan_ms);
                if group.scheduled != Some(deadline) {
                    group.scheduled = Some(deadline);
                    self.schedule.push(Reverse((deadline, slot)));
                }
                false
            }
        }
    }

    /// The next group whose oldest window ends before `watermark`, if any. Outdated schedule
    /// entries (the group moved on or is gone) are skipped.
    pub(crate) fn next_due(&mut self, watermark: i64) -> Option<Slot> {
        while let Some(Reverse((deadline, slot))) = self.schedule.peek().copied() {
            if deadline >= watermark {
                return None;
            }
            self.schedule.pop();
            let current = self.slots.get(slot).and_then(Option::as_ref);
            if current.is_some_and(|g| g.scheduled == Some(deadline)) {
                if let Some(group) = self.get_mut(slot) {
                    group.scheduled = None;
                }
                return Some(slot);
            }
        }
        None
    }
}

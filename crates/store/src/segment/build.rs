//! Building a block's columns and index as events arrive.
//!
//! The memtable keeps inserted events in this form rather than as [`Event`]s: the columns
//! a segment block holds (type-tagged cells and string bytes, uncompressed), the time and id
//! of every row, and the hashes of the block's index terms. That costs a few hundred bytes
//! per event instead of an event's many small allocations, search reads it like a stored
//! block, and a flush only compresses and seals it.

use super::{
    changed::PreviousText,
    terms::{index_free_text, LastWholeValues},
};
use crate::{
    bloom::{Bloom, RunScratch},
    column::ColumnBuilder,
    encoded_column::EncodedColumn,
    seen_tokens::PassThroughHasher,
};
use palisade_core::{event::FieldName, fields, Event, TenantId};
use std::{
    collections::{HashMap, HashSet},
    hash::BuildHasherDefault,
};

/// Where an event's `raw_data` and `message` fields were in the previous event: events of
/// one source list their fields in the same order, so each is looked for there first.
#[derive(Default, Clone, Copy)]
struct FreeTextAt {
    raw: usize,
    message: usize,
}

impl FreeTextAt {
    /// The event's `raw_data` and `message` texts (empty when absent).
    fn find<'e>(&mut self, event: &'e Event) -> (&'e str, &'e str) {
        let raw = field_text(event, fields::RAW_DATA, &mut self.raw);
        let message = field_text(event, fields::MESSAGE, &mut self.message);
        (raw, message)
    }
}

/// The text of field `path` (empty when absent or not text), trying position `at` first
/// and remembering where it was found.
fn field_text<'e>(event: &'e Event, path: &str, at: &mut usize) -> &'e str {
    let guessed = event.fields.get(*at).filter(|(p, _)| same_path(p, path));
    let found = guessed.or_else(|| {
        let index = event.fields.iter().position(|(p, _)| p == path)?;
        *at = index;
        event.fields.get(index)
    });
    found.and_then(|(_, v)| v.as_str()).unwrap_or("")
}

/// True when two field paths are equal; paths borrowed from the same constant are told
/// equal by their address, without comparing their bytes.
fn same_path(a: &str, b: &str) -> bool {
    (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b
}

/// One block under construction: rows are appended in id order.
pub struct BlockBuilder {
    tenant: TenantId,
    times: Vec<i64>,
    ids: Vec<u64>,
    columns: Vec<(FieldName, ColumnBuilder)>,
    column_of: HashMap<FieldName, usize>,
    /// Events of one source list their fields in the same order: each position's column in
    /// the previous event is tried before the map.
    slot_at_position: Vec<usize>,
    /// The distinct index term hashes of the rows so far.
    terms: TermSet,
    /// One row's term hashes (kept to reuse the allocation).
    row_terms: Vec<u64>,
    scratch: RunScratch,
    /// Each column's last indexed whole value.
    last_values: LastWholeValues,
    /// Where the previous event had its free text.
    free_text_at: FreeTextAt,
    /// The previous row's raw data and message as indexed: only what changed is indexed.
    previous_texts: [PreviousText; 2],
    /// The previous block's emptied column buffers, by field: the next block of a partition
    /// is likely alike, and reusing them spares the allocator fresh (zeroed) pages.
    spare: Vec<(FieldName, ColumnBuilder)>,
}

/// A builder's distinct index term hashes (well mixed already, so used as their own hash).
type TermSet = HashSet<u64, BuildHasherDefault<PassThroughHasher>>;

/// A block's rows and columns, encoded but neither compressed nor sealed.
pub struct PreparedBlock {
    /// Owner of the events.
    pub tenant: TenantId,
    /// Event times, one per row.
    pub times: Vec<i64>,
    /// Event ids, one per row, mostly increasing (an aggregate of several records is
    /// inserted after later records, under the id of its first one).
    pub ids: Vec<u64>,
    /// Encoded field columns (see [`crate::column`]), in first-seen order.
    pub columns: Vec<(String, EncodedColumn)>,
    /// The index; `None` for a snapshot of a block still being built.
    pub bloom: Option<Bloom>,
    /// Smallest and largest event time.
    pub time_range: (i64, i64),
}

impl PreparedBlock {
    /// Events in the block.
    pub fn rows(&self) -> usize {
        self.ids.len()
    }

    /// Smallest event id.
    pub fn min_id(&self) -> u64 {
        self.ids.iter().min().copied().unwrap_or(0)
    }

    /// Largest event id.
    pub fn max_id(&self) -> u64 {
        self.ids.iter().max().copied().unwrap_or(0)
    }

    /// Bytes of memory the block holds (its buffers' lengths).
    pub fn bytes(&self) -> usize {
        let columns: usize = self.columns.iter().map(|(n, c)| n.len() + c.len()).sum();
        let bloom = self.bloom.as_ref().map_or(0, Bloom::bytes);
        columns + bloom + self.rows() * 16
    }
}

impl BlockBuilder {
    /// An empty block of `tenant`'s events.
    pub fn new(tenant: TenantId) -> Self {
        BlockBuilder {
            tenant,
            times: Vec::new(),
            ids: Vec::new(),
            columns: Vec::new(),
            column_of: HashMap::new(),
            slot_at_position: Vec::new(),
            terms: TermSet::default(),
            row_terms: Vec::new(),
            scratch: RunScratch::default(),
            last_values: LastWholeValues::default(),
            free_text_at: FreeTextAt::default(),
            previous_texts: Default::default(),
            spare: Vec::new(),
        }
    }

    /// Finishes this block (as [`BlockBuilder::finish`]) and starts the next one in its
    /// place, reusing this block's buffers.
    pub fn finish_and_restart(&mut self) -> PreparedBlock {
        let rows = self.rows();
        let block = PreparedBlock {
            tenant: self.tenant.clone(),
            time_range: self.time_range(),
            bloom: Some(Bloom::from_distinct(self.terms.iter().copied())),
            columns: self
                .columns
                .iter_mut()
                .map(|(name, column)| (name.to_string(), column.take_encoded(rows)))
                .collect(),
            times: std::mem::replace(&mut self.times, Vec::with_capacity(rows)),
            ids: std::mem::replace(&mut self.ids, Vec::with_capacity(rows)),
        };
        self.terms.clear();
        self.column_of.clear();
        self.slot_at_position.clear();
        self.spare = std::mem::take(&mut self.columns);
        for (_, column) in &mut self.spare {
            column.clear();
        }
        self.scratch = RunScratch::default();
        self.previous_texts.iter_mut().for_each(PreviousText::clear);
        self.last_values.clear();
        block
    }

    /// The rows so far as a block with this index, the builder left as it is.
    fn prepare(&self, bloom: Option<Bloom>) -> PreparedBlock {
        let rows = self.rows();
        PreparedBlock {
            tenant: self.tenant.clone(),
            times: self.times.clone(),
            ids: self.ids.clone(),
            columns: self
                .columns
                .iter()
                .map(|(name, column)| (name.to_string(), column.encode(rows).into()))
                .collect(),
            bloom,
            time_range: self.time_range(),
        }
    }

    /// Rows appended so far.
    pub fn rows(&self) -> usize {
        self.ids.len()
    }

    /// Bytes of memory the rows so far take (buffers' lengths; the term set by its entries).
    pub fn bytes(&self) -> usize {
        let columns: usize = self.columns.iter().map(|(_, c)| c.bytes()).sum();
        columns + self.rows() * 16 + self.terms.len() * 9
    }

    /// Appends one event (its id usually larger than every id so far): its columns and index
    /// terms.
    pub fn push(&mut self, event: &Event) {
        let row = self.ids.len();
        self.times.push(event.time);
        self.ids.push(event.id);
        let (raw, message) = self.free_text_at.find(event);
        // A message that is the tail of its raw data is stored as a length.
        let message_is_raw_tail = !message.is_empty() && raw.ends_with(message);
        for (position, (path, value)) in event.fields.iter().enumerate() {
            let slot = self.slot_of(position, path);
            let column = &mut self.columns[slot].1;
            if message_is_raw_tail && path == fields::MESSAGE {
                column.push_raw_suffix(row, message.len());
            } else {
                column.push(row, value);
            }
            self.last_values
                .index(slot, path, value, &mut self.row_terms);
        }
        let tail = message_is_raw_tail.then(|| raw.len() - message.len());
        index_free_text(
            raw,
            message,
            tail,
            &mut self.previous_texts,
            &mut self.row_terms,
            &mut self.scratch,
        );
        self.terms.extend(self.row_terms.drain(..));
    }

    fn slot_of(&mut self, position: usize, path: &FieldName) -> usize {
        let guess = self.slot_at_position.get(position).copied();
        let columns = &self.columns;
        if let Some(slot) = guess.filter(|s| {
            columns
                .get(*s)
                .is_some_and(|(name, _)| same_path(name, path))
        }) {
            return slot;
        }
        let slot = match self.column_of.get(path.as_ref()) {
            Some(slot) => *slot,
            None => {
                let column = match self.spare.iter().position(|(name, _)| name == path) {
                    Some(at) => self.spare.swap_remove(at).1,
                    None => ColumnBuilder::default(),
                };
                self.columns.push((path.clone(), column));
                self.column_of.insert(path.clone(), self.columns.len() - 1);
                self.columns.len() - 1
            }
        };
        match self.slot_at_position.get_mut(position) {
            Some(at) => *at = slot,
            None => self.slot_at_position.push(slot),
        }
        slot
    }

    fn time_range(&self) -> (i64, i64) {
        let min = self.times.iter().min().copied().unwrap_or(0);
        let max = self.times.iter().max().copied().unwrap_or(0);
        (min, max)
    }

    /// A copy of the rows so far, without an index, for a search.
    pub fn snapshot(&self) -> PreparedBlock {
        self.prepare(None)
    }

    /// The finished block, with its bloom filter.
    pub fn finish(self) -> PreparedBlock {
        self.prepare(Some(Bloom::from_distinct(self.terms.iter().copied())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bloom::term_hash;

    #[test]
    fn terms_survive_de_duplication_and_snapshots_match_the_finished_block() {
        let tenant = TenantId::new("t").unwrap();
        let mut builder = BlockBuilder::new(tenant);
        for id in 1..=3_000u64 {
            let mut e = Event::new(id, TenantId::new("t").unwrap(), id as i64);
            let stamp = format!("2024-11-23T08:{:02}:00", id / 1000);
            e.set(
                "raw_data",
                format!("<13>1 {stamp} h app - - - user u{id} logged in"),
            );
            e.set("message", format!("user u{id} logged in"));
            builder.push(&e);
        }
        let snapshot = builder.snapshot();
        let block = builder.finish();
        assert_eq!(
            (block.rows(), block.min_id(), block.max_id()),
            (3_000, 1, 3_000)
        );
        assert_eq!(block.time_range, (1, 3_000));
        assert_eq!(snapshot.columns, block.columns);
        assert!(snapshot.bloom.is_none());
        let bloom = block.bloom.as_ref().unwrap();
        // Timestamps repeat from row to row: their terms are hashed once, and still there.
        for term in [
            "u1",
            "u2999",
            "logged",
            "app",
            "2024-11-23t08",
            "23t08:02:00",
            "11-23t08:01",
        ] {
            assert!(bloom.may_contain(term_hash(term.as_bytes())), "{term}");
        }
    }

    #[test]
    fn a_restarted_builder_starts_clean_and_reuses_nothing_it_should_not() {
        let event = |id: u64, fields: &[(&'static str, i64)]| {
            let mut e = Event::new(id, TenantId::new("t").unwrap(), id as i64);
            for (name, value) in fields {
                e.set(*name, *value);
            }
            e
        };
        let mut builder = BlockBuilder::new(TenantId::new("t").unwrap());
        for id in 1..=10 {
            builder.push(&event(id, &[("a", 1), ("b", 2)]));
        }
        let first = builder.finish_and_restart();
        for id in 11..=15 {
            builder.push(&event(id, &[("c", 3), ("b", 4)]));
        }
        let second = builder.finish();
        let names = |block: &PreparedBlock| -> Vec<String> {
            block.columns.iter().map(|(n, _)| n.clone()).collect()
        };
        assert_eq!((first.rows(), second.rows()), (10, 5));
        assert_eq!(names(&first), ["a", "b"]);
        assert_eq!(names(&second), ["c", "b"]);
        let loaded = second.load(None).unwrap();
        assert_eq!(loaded.ids, (11..=15).collect::<Vec<_>>());
        let row = loaded.row(4);
        use palisade_query::Row;
        assert_eq!(row.get("b"), Some(palisade_core::ValueRef::Int(4)));
        assert_eq!(row.get("a"), None);
    }
}

//! [`Row`] for the in-memory canonical event, so the pipeline and live tail can filter
//! events with the same evaluator the store uses.

use crate::Row;
use palisade_core::{Event, ValueRef};

impl Row for Event {
    /// `time` and `id` answer the event's time and id, every other path its field.
    fn get(&self, path: &str) -> Option<ValueRef<'_>> {
        match path {
            "time" => Some(ValueRef::Int(self.time)),
            "id" => i64::try_from(self.id).ok().map(ValueRef::Int),
            _ => Event::get(self, path).map(|value| value.as_ref()),
        }
    }
}

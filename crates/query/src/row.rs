//! [`Row`] for the in-memory canonical event, so the pipeline and live tail can filter
//! events with the same evaluator the store uses.

use crate::Row;
use palisade_core::{Event, ValueRef};

impl Row for Event {
    fn get(&self, path: &str) -> Option<ValueRef<'_>> {
        if path == "time" {
            return Some(ValueRef::Int(self.time));
        }
        Event::get(self, path).map(|value| value.as_ref())
    }
}

//! Query rows over in-memory events.

use palisade_core::{Event, ValueRef};

/// An in-memory event as the query evaluator sees it: `time` and `id` answer the event's
/// time and id, every other path its field.
pub struct EventRow<'a>(pub &'a Event);

impl palisade_query::Row for EventRow<'_> {
    fn get(&self, path: &str) -> Option<ValueRef<'_>> {
        match path {
            "time" => Some(ValueRef::Int(self.0.time)),
            "id" => Some(ValueRef::Int(self.0.id as i64)),
            _ => self.0.get(path).map(|v| v.as_ref()),
        }
    }
}

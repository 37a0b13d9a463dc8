//! One event as the rules see it: the text and the lower-case text of every field a rule or
//! a keyword search reads, prepared once per event into one reusable buffer.

use palisade_core::{fields as ocsf, Event, Value};
use std::fmt::Write;

/// Where a field's text (or lower-case text) is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Span {
    /// Not prepared for this event (no rule reads the field).
    Absent,
    /// The field's own string (for a lower-case text: the text is already lower-case).
    Own,
    /// A range of the arena.
    Arena(u32, u32),
}

/// Per-event texts, kept by the scanner so that events reuse one buffer instead of
/// allocating a string per field.
#[derive(Default)]
pub(crate) struct TextCache {
    text: Vec<Span>,
    lower: Vec<Span>,
    arena: String,
}

impl TextCache {
    /// Prepares the fields at `indices` of `event` (and, when `keywords`, every text keyword
    /// searches read), forgetting the previous event.
    pub fn prepare(&mut self, event: &Event, indices: impl Iterator<Item = usize>, keywords: bool) {
        let fields = event.fields.len();
        self.text.clear();
        self.text.resize(fields, Span::Absent);
        self.lower.clear();
        self.lower.resize(fields, Span::Absent);
        self.arena.clear();
        for index in indices {
            self.add(event, index);
        }
        if keywords {
            for index in 0..fields {
                if is_keyword_text(event, index) {
                    self.add(event, index);
                }
            }
        }
    }

    fn add(&mut self, event: &Event, index: usize) {
        let Some((_, value)) = event.fields.get(index) else {
            return;
        };
        if self.text[index] != Span::Absent {
            return;
        }
        let text_span = match value {
            Value::Str(_) => Span::Own,
            other => {
                let start = self.arena.len();
                // Writing into a String cannot fail.
                let _ = write!(self.arena, "{other}");
                span(start, self.arena.len())
            }
        };
        self.text[index] = text_span;
        let own = match value {
            Value::Str(s) => s.as_str(),
            _ => "",
        };
        let text = match text_span {
            Span::Arena(a, b) => &self.arena[a as usize..b as usize],
            _ => own,
        };
        let lower_span = if text
            .bytes()
            .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
        {
            Span::Own
        } else if text.is_ascii() {
            let start = self.arena.len();
            match text_span {
                Span::Arena(a, b) => self.arena.extend_from_within(a as usize..b as usize),
                _ => self.arena.push_str(own),
            }
            self.arena[start..].make_ascii_lowercase();
            span(start, self.arena.len())
        } else {
            let lowered = own.to_lowercase();
            let start = self.arena.len();
            self.arena.push_str(&lowered);
            span(start, self.arena.len())
        };
        self.lower[index] = lower_span;
    }
}

fn span(start: usize, end: usize) -> Span {
    Span::Arena(start as u32, end as u32)
}

/// True when keyword searches look at this field (free text, not the raw input copy).
fn is_keyword_text(event: &Event, index: usize) -> bool {
    event.fields.get(index).is_some_and(|(path, value)| {
        matches!(value, Value::Str(_))
            && !matches!(path.as_ref(), ocsf::RAW_DATA | ocsf::RAW_DATA_BASE64)
    })
}

/// One event seen through the slots.
pub(crate) struct EventView<'e> {
    pub event: &'e Event,
    pub slot_to_field: &'e [u32],
    cache: &'e TextCache,
}

impl<'e> EventView<'e> {
    /// A view of `event`; `cache` must have been prepared for it.
    pub fn new(event: &'e Event, slot_to_field: &'e [u32], cache: &'e TextCache) -> Self {
        EventView {
            event,
            slot_to_field,
            cache,
        }
    }

    fn resolve(&self, span: Span, own: &'e str) -> Option<&'e str> {
        match span {
            Span::Absent => None,
            Span::Own => Some(own),
            Span::Arena(a, b) => self.cache.arena.get(a as usize..b as usize),
        }
    }

    /// The text of the field at `index` (prepared fields only).
    pub fn field_text(&self, index: usize) -> Option<&'e str> {
        let own = match self.event.fields.get(index)? {
            (_, Value::Str(s)) => s.as_str(),
            _ => "",
        };
        self.resolve(*self.cache.text.get(index)?, own)
    }

    /// The lower-case text of the field at `index` (prepared fields only).
    pub fn field_lower(&self, index: usize) -> Option<&'e str> {
        let text = self.field_text(index)?;
        self.resolve(*self.cache.lower.get(index)?, text)
    }

    fn index_of(&self, slot: u32) -> Option<usize> {
        let index = *self.slot_to_field.get(slot as usize)?;
        (index != u32::MAX).then_some(index as usize)
    }

    /// True when keyword searches look at this field (free text, not the raw input copy).
    pub fn is_keyword_text(&self, index: usize) -> bool {
        is_keyword_text(self.event, index)
    }
}

impl crate::detection::FieldSource for EventView<'_> {
    fn text(&self, slot: u32) -> Option<&str> {
        self.field_text(self.index_of(slot)?)
    }

    fn lower(&self, slot: u32) -> Option<&str> {
        self.field_lower(self.index_of(slot)?)
    }

    fn any_text(&self, test: &mut dyn FnMut(&str, &str) -> bool) -> bool {
        (0..self.event.fields.len()).any(|i| {
            self.is_keyword_text(i)
                && match (self.field_text(i), self.field_lower(i)) {
                    (Some(original), Some(lower)) => test(original, lower),
                    _ => false,
                }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_core::TenantId;

    #[test]
    fn texts_and_lower_case_texts_of_every_kind_of_value() {
        let mut event = Event::new(1, TenantId::default(), 0);
        event.set("a", "Hello World");
        event.set("b", 4688i64);
        event.set("c", "ÄRGER");
        event.set("d", "already lower");
        let mut cache = TextCache::default();
        cache.prepare(&event, [0, 1, 2].into_iter(), false);
        let view = EventView::new(&event, &[], &cache);
        assert_eq!(view.field_text(0), Some("Hello World"));
        assert_eq!(view.field_lower(0), Some("hello world"));
        assert_eq!(view.field_text(1), Some("4688"));
        assert_eq!(view.field_lower(1), Some("4688"));
        assert_eq!(view.field_lower(2), Some("ärger"));
        assert_eq!(view.field_text(3), None, "not prepared");
        cache.prepare(&event, std::iter::empty(), true);
        let view = EventView::new(&event, &[], &cache);
        assert_eq!(view.field_lower(3), Some("already lower"));
        assert_eq!(view.field_text(1), None, "numbers are not keyword texts");
    }
}

//! Evaluating a detection against one event's fields.

use super::condition::Condition;
use super::modifiers::Position;
use super::{Detection, FieldKey, FieldTest, Search, TestKind};

/// Where a detection reads an event's fields from (the engine's per-event view).
pub trait FieldSource {
    /// The field's value as text, if the event has it.
    fn text(&self, slot: u32) -> Option<&str>;
    /// The field's value as Unicode lower-case text, if the event has it.
    fn lower(&self, slot: u32) -> Option<&str>;
    /// Calls `test(original, lower)` on every text a keyword search looks at, stopping at
    /// the first `true`.
    fn any_text(&self, test: &mut dyn FnMut(&str, &str) -> bool) -> bool;
}

impl Detection {
    /// True when any condition holds for the event.
    pub fn matches(&self, source: &dyn FieldSource) -> bool {
        self.conditions.iter().any(|c| self.holds(c, source))
    }

    fn holds(&self, condition: &Condition, source: &dyn FieldSource) -> bool {
        let search = |i: usize| self.searches.get(i).is_some_and(|s| s.matches(source));
        match condition {
            Condition::Search(i) => search(*i),
            Condition::Not(inner) => !self.holds(inner, source),
            Condition::And(all) => all.iter().all(|c| self.holds(c, source)),
            Condition::Or(any) => any.iter().any(|c| self.holds(c, source)),
            Condition::All(ids) => ids.iter().all(|&i| search(i)),
            Condition::AtLeast(n, ids) => {
                let mut hits = 0;
                ids.iter().any(|&i| {
                    hits += usize::from(search(i));
                    hits >= *n
                })
            }
        }
    }
}

impl Search {
    fn matches(&self, source: &dyn FieldSource) -> bool {
        self.alternatives
            .iter()
            .any(|tests| tests.iter().all(|t| t.matches(source)))
    }
}

impl FieldTest {
    fn matches(&self, source: &dyn FieldSource) -> bool {
        let Some(field) = &self.field else {
            return self.keywords_match(source);
        };
        let present = source.text(field.slot);
        match &self.kind {
            TestKind::Null => present.is_none(),
            TestKind::Exists(want) => present.is_some() == *want,
            TestKind::Values {
                matchers,
                all,
                negate,
                or_null,
            } => {
                let Some(original) = present else {
                    return *or_null;
                };
                let needs_lower = matchers.iter().any(|m| m.needs_lowercase());
                let lower = if needs_lower {
                    source.lower(field.slot).unwrap_or(original)
                } else {
                    original
                };
                let hit = |m: &super::value::ValueMatcher| m.is_match(original, lower);
                let matched = if *all {
                    matchers.iter().all(hit)
                } else {
                    matchers.iter().any(hit)
                };
                matched != *negate
            }
            TestKind::SameAs {
                others,
                position,
                cased,
                all,
                negate,
            } => {
                let Some(_) = present else { return false };
                let hit = |other: &FieldKey| same_as(source, field, other, *position, *cased);
                let matched = if *all {
                    others.iter().all(hit)
                } else {
                    others.iter().any(hit)
                };
                matched != *negate
            }
        }
    }

    /// Keywords: the values are tried against every text of the event.
    fn keywords_match(&self, source: &dyn FieldSource) -> bool {
        let TestKind::Values { matchers, all, .. } = &self.kind else {
            return false;
        };
        let found = |m: &super::value::ValueMatcher| {
            source.any_text(&mut |original, lower| m.is_match(original, lower))
        };
        if *all {
            matchers.iter().all(found)
        } else {
            matchers.iter().any(found)
        }
    }
}

fn same_as(
    source: &dyn FieldSource,
    field: &FieldKey,
    other: &FieldKey,
    position: Position,
    cased: bool,
) -> bool {
    let read = |key: &FieldKey| {
        if cased {
            source.text(key.slot)
        } else {
            source.lower(key.slot)
        }
    };
    let (Some(value), Some(wanted)) = (read(field), read(other)) else {
        return false;
    };
    match position {
        Position::Whole => value == wanted,
        Position::Anywhere => value.contains(wanted),
        Position::Start => value.starts_with(wanted),
        Position::End => value.ends_with(wanted),
    }
}

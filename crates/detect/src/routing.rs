//! Logsource routing: which events a rule's `logsource` covers, as predicates on fields.

use crate::detection::pattern::{SigmaString, StringMatcher};
use crate::detection::FieldSource;
use crate::fields::FieldTable;
use crate::mapping::Mappings;
use crate::rule::Logsource;
use crate::view::EventView;

/// One field condition: the field (slot) has one of the values.
#[derive(Debug)]
struct FieldIs {
    slot: u32,
    any_of: Vec<StringMatcher>,
}

/// The events of one logsource: any alternative whose every condition holds.
#[derive(Debug)]
pub(crate) struct Route {
    alternatives: Vec<Vec<FieldIs>>,
}

impl Route {
    /// The route for `source`: the shipped/user definitions for it, plus events that name
    /// their logsource themselves (`logsource.product` ... fields).
    pub fn build(
        source: &Logsource,
        mappings: &Mappings,
        table: &mut FieldTable,
    ) -> Result<Self, String> {
        let mut alternatives = Vec::new();
        for def in mappings.definitions_for(source) {
            for alternative in &def.when {
                let mut conditions = Vec::new();
                for (field, values) in alternative {
                    let any_of = values
                        .values()
                        .into_iter()
                        .map(|v| StringMatcher::new(&SigmaString::parse(v), false))
                        .collect::<Result<_, _>>()?;
                    conditions.push(FieldIs {
                        slot: table.slot(field),
                        any_of,
                    });
                }
                alternatives.push(conditions);
            }
        }
        let declared: Vec<FieldIs> = [
            ("logsource.product", &source.product),
            ("logsource.category", &source.category),
            ("logsource.service", &source.service),
        ]
        .into_iter()
        .filter_map(|(field, value)| {
            let value = value.as_deref()?;
            let matcher = StringMatcher::new(&SigmaString::literal(value), false).ok()?;
            Some(FieldIs {
                slot: table.slot(field),
                any_of: vec![matcher],
            })
        })
        .collect();
        if !declared.is_empty() {
            alternatives.push(declared);
        }
        Ok(Route { alternatives })
    }

    /// True when the event belongs to this logsource.
    pub fn covers(&self, view: &EventView<'_>) -> bool {
        self.alternatives.iter().any(|conditions| {
            conditions
                .iter()
                .all(|c| match (view.text(c.slot), view.lower(c.slot)) {
                    (Some(text), Some(lower)) => c.any_of.iter().any(|m| m.is_match(text, lower)),
                    _ => false,
                })
        })
    }
}

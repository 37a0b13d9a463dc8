//! The literal prefilter: one Aho-Corasick automaton over the literals the rules need.
//!
//! For each rule we derive a set of lower-case literals of which at least one must occur in
//! some field of any event the rule matches (or no set, when the rule can match without any
//! literal: `not`, regular expressions, numeric tests...). One pass of the automaton over an
//! event's lower-cased field texts then tells which rules can be skipped.

use crate::detection::condition::Condition;
use crate::detection::value::ValueMatcher;
use crate::detection::{Detection, Search, TestKind};
use aho_corasick::AhoCorasick;
use std::collections::HashMap;

/// Literals shorter than this are not worth a prefilter entry.
const MIN_LITERAL: usize = 3;

/// Interned literals.
#[derive(Default)]
pub(crate) struct Literals {
    ids: HashMap<String, u32>,
}

impl Literals {
    fn id(&mut self, literal: String) -> u32 {
        let next = self.ids.len() as u32;
        *self.ids.entry(literal).or_insert(next)
    }

    /// Builds the automaton; `None` when there is no literal.
    pub fn automaton(self) -> Option<(AhoCorasick, usize)> {
        let count = self.ids.len();
        if count == 0 {
            return None;
        }
        let mut patterns = vec![String::new(); count];
        for (literal, id) in self.ids {
            patterns[id as usize] = literal;
        }
        AhoCorasick::new(&patterns).ok().map(|ac| (ac, count))
    }
}

/// A rule's requirement: at least one of these literal ids must be present (`None`: always
/// evaluate).
pub(crate) type Requirement = Option<Vec<u32>>;

/// The requirement of a detection.
pub(crate) fn requirement(detection: &Detection, literals: &mut Literals) -> Requirement {
    let any = |conditions: &[Condition], literals: &mut Literals| {
        let mut union = Vec::new();
        for c in conditions {
            union.extend(condition(detection, c, literals)?);
        }
        Some(union)
    };
    any(&detection.conditions, literals).map(dedup)
}

fn condition(d: &Detection, c: &Condition, literals: &mut Literals) -> Requirement {
    match c {
        Condition::Search(i) => search(d.searches.get(*i)?, literals),
        Condition::Not(_) => None,
        Condition::And(all) => best(all.iter().map(|c| condition(d, c, literals))),
        Condition::Or(any) => union(any.iter().map(|c| condition(d, c, literals))),
        Condition::All(ids) => best(ids.iter().map(|i| search(d.searches.get(*i)?, literals))),
        Condition::AtLeast(_, ids) => {
            union(ids.iter().map(|i| search(d.searches.get(*i)?, literals)))
        }
    }
}

fn search(s: &Search, literals: &mut Literals) -> Requirement {
    union(s.alternatives.iter().map(|tests| {
        best(tests.iter().map(|t| match &t.kind {
            TestKind::Values {
                matchers,
                all,
                negate: false,
                or_null: false,
            } => {
                let each = matchers.iter().map(|m| matcher(m, literals));
                if *all {
                    best(each)
                } else {
                    union(each)
                }
            }
            _ => None,
        }))
    }))
}

fn matcher(m: &ValueMatcher, literals: &mut Literals) -> Requirement {
    let ValueMatcher::Text(text) = m else {
        return None;
    };
    let literal = text.longest_literal()?;
    (literal.len() >= MIN_LITERAL).then(|| vec![literals.id(literal)])
}

/// All of several requirements hold: any single one is a valid requirement; keep the one
/// with the fewest alternatives (the most selective).
fn best(items: impl Iterator<Item = Requirement>) -> Requirement {
    items.flatten().min_by_key(Vec::len)
}

/// One of several holds: the union, if every one has a requirement.
fn union(items: impl Iterator<Item = Requirement>) -> Requirement {
    let mut out = Vec::new();
    for item in items {
        out.extend(item?);
    }
    Some(out)
}

fn dedup(mut ids: Vec<u32>) -> Vec<u32> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

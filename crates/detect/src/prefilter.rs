//! The literal prefilter: one Aho-Corasick automaton over the literals the rules need.
//!
//! For each rule we derive a set of (field, lower-case literal) pairs of which at least one
//! must occur in any event the rule matches (or no set, when the rule can match without any
//! literal: `not`, regular expressions, numeric tests...). Each field gets one automaton of
//! the literals rules look for in it, so one pass over each of an event's lower-cased field
//! texts tells which rules can be skipped.

use crate::detection::condition::Condition;
use crate::detection::value::ValueMatcher;
use crate::detection::{Detection, Search, TestKind};
use aho_corasick::AhoCorasick;
use std::collections::HashMap;

/// Fields with at most this many literals get a DFA (fast, but its size grows quickly).
const DFA_PATTERNS: usize = 400;

/// Literals shorter than this are not worth a prefilter entry.
const MIN_LITERAL: usize = 3;

/// Where a literal is looked for: a field slot, or every keyword text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Place {
    /// One field.
    Field(u32),
    /// The texts keyword searches read.
    Keywords,
}

/// Interned (place, literal) pairs.
#[derive(Default)]
pub(crate) struct Literals {
    ids: HashMap<(Place, String), u32>,
}

/// One automaton: the literals looked for in one place, and their global ids.
pub(crate) struct Automaton {
    /// Aho-Corasick over the literals.
    pub matcher: AhoCorasick,
    /// Global literal id of each pattern.
    pub ids: Vec<u32>,
}

/// The automata of every place, and the number of literals.
#[derive(Default)]
pub(crate) struct Automata {
    /// Per field slot (index), when rules look for literals in that field.
    pub fields: Vec<Option<Automaton>>,
    /// For keyword searches.
    pub keywords: Option<Automaton>,
    /// Number of distinct literals.
    pub count: usize,
}

impl Literals {
    fn id(&mut self, place: Place, literal: String) -> u32 {
        let next = self.ids.len() as u32;
        *self.ids.entry((place, literal)).or_insert(next)
    }

    /// Builds one automaton per place; `slots` is the number of field slots.
    pub fn automata(self, slots: usize) -> Automata {
        let count = self.ids.len();
        let mut by_place: std::collections::BTreeMap<Place, (Vec<String>, Vec<u32>)> =
            Default::default();
        for ((place, literal), id) in self.ids {
            let entry = by_place.entry(place).or_default();
            entry.0.push(literal);
            entry.1.push(id);
        }
        let mut automata = Automata {
            fields: (0..slots).map(|_| None).collect(),
            keywords: None,
            count,
        };
        for (place, (patterns, ids)) in by_place {
            // A DFA searches fastest; it is only affordable for the smaller pattern sets.
            let kind = if patterns.len() <= DFA_PATTERNS {
                aho_corasick::AhoCorasickKind::DFA
            } else {
                aho_corasick::AhoCorasickKind::ContiguousNFA
            };
            // Literals and the scanned texts are both lower-case: a case-sensitive automaton
            // keeps its fast start-byte skipping (measured faster and smaller than an
            // ASCII-case-insensitive one over the original text).
            let built = AhoCorasick::builder().kind(Some(kind)).build(&patterns);
            let Ok(matcher) = built.or_else(|_| AhoCorasick::new(&patterns)) else {
                continue;
            };
            let automaton = Some(Automaton { matcher, ids });
            match place {
                Place::Field(slot) => {
                    if let Some(entry) = automata.fields.get_mut(slot as usize) {
                        *entry = automaton;
                    }
                }
                Place::Keywords => automata.keywords = automaton,
            }
        }
        automata
    }
}

/// A rule's requirement: at least one of these literal ids must be present (`None`: always
/// evaluate).
pub(crate) type Requirement = Option<Vec<u32>>;

/// A requirement while it is being derived: (place, literal) pairs, interned only once the
/// rule's choice is made, so the automata hold no literal that no rule relies on.
type Needed = Option<Vec<(Place, String)>>;

/// The requirement of a detection.
pub(crate) fn requirement(detection: &Detection, literals: &mut Literals) -> Requirement {
    let needed = union(detection.conditions.iter().map(|c| condition(detection, c)))?;
    let ids = needed
        .into_iter()
        .map(|(place, literal)| literals.id(place, literal))
        .collect();
    Some(dedup(ids))
}

fn condition(d: &Detection, c: &Condition) -> Needed {
    match c {
        Condition::Search(i) => search(d.searches.get(*i)?),
        Condition::Not(_) => None,
        Condition::And(all) => best(all.iter().map(|c| condition(d, c))),
        Condition::Or(any) => union(any.iter().map(|c| condition(d, c))),
        Condition::All(ids) => best(ids.iter().map(|i| search(d.searches.get(*i)?))),
        Condition::AtLeast(_, ids) => union(ids.iter().map(|i| search(d.searches.get(*i)?))),
    }
}

fn search(s: &Search) -> Needed {
    union(s.alternatives.iter().map(|tests| {
        best(tests.iter().map(|t| match &t.kind {
            TestKind::Values {
                matchers,
                all,
                negate: false,
                or_null: false,
            } => {
                let place = t
                    .field
                    .as_ref()
                    .map_or(Place::Keywords, |f| Place::Field(f.slot));
                let each = matchers.iter().map(|m| matcher(m, place));
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

fn matcher(m: &ValueMatcher, place: Place) -> Needed {
    let ValueMatcher::Text(text) = m else {
        return None;
    };
    let literal = text.longest_literal()?;
    (literal.len() >= MIN_LITERAL).then(|| vec![(place, literal)])
}

/// All of several requirements hold: any single one is a valid requirement; keep the one
/// with the fewest alternatives (the most selective).
fn best(items: impl Iterator<Item = Needed>) -> Needed {
    items.flatten().min_by_key(Vec::len)
}

/// One of several holds: the union, if every one has a requirement.
fn union(items: impl Iterator<Item = Needed>) -> Needed {
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

//! The compiled engine: routing, the literal prefilter, and the rules' detections.

use crate::fields::FieldTable;
use crate::layout::LayoutCache;
use crate::mapping::Mappings;
use crate::prefilter::{self, Automata, Literals};
use crate::routing::Route;
use crate::rule::{Logsource, Rule};
use crate::view::{EventView, TextCache};
use crate::RuleSet;
use palisade_core::Event;
use std::collections::BTreeMap;

/// How to build an engine.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Route events by logsource (the default). Without routing every rule is tried on every
    /// event, whatever source the rule was written for (for measurements only).
    pub routing: bool,
    /// Use the literal prefilter (the default).
    pub prefilter: bool,
    /// Field mappings and logsource definitions.
    pub mappings: Mappings,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            routing: true,
            prefilter: true,
            mappings: Mappings::shipped(),
        }
    }
}

struct Compiled {
    rule: Rule,
    /// No literal requirement: evaluated on every event of its logsource.
    always: bool,
}

/// Where index `index` is in a bit set of `u64` words: (word, bit).
fn bit_of(index: usize) -> (usize, u64) {
    (index / 64, 1 << (index % 64))
}

/// The rules one route leads to.
struct Members {
    /// Their indices, in load order.
    rules: Vec<usize>,
    /// One of them has no literal requirement, so any event of the route may match.
    any_always: bool,
    /// Their bits in the candidate bit set, as (word, bits).
    candidate_bits: Vec<(usize, u64)>,
}

impl Members {
    fn new(rules: Vec<usize>, compiled: &[Compiled]) -> Self {
        let mut candidate_bits: Vec<(usize, u64)> = Vec::new();
        for &index in &rules {
            let (word, bit) = bit_of(index);
            match candidate_bits.iter_mut().find(|(w, _)| *w == word) {
                Some((_, bits)) => *bits |= bit,
                None => candidate_bits.push((word, bit)),
            }
        }
        Members {
            any_always: rules.iter().any(|&index| compiled[index].always),
            rules,
            candidate_bits,
        }
    }

    /// Whether one of the rules may match an event whose met literal requirements are
    /// `candidates`.
    fn may_match(&self, candidates: &[u64]) -> bool {
        self.any_always
            || self
                .candidate_bits
                .iter()
                .any(|&(word, bits)| candidates[word] & bits != 0)
    }
}

/// Rules compiled for matching events.
pub struct Engine {
    rules: Vec<Compiled>,
    table: FieldTable,
    /// Routes and the rules each one leads to.
    routes: Vec<(Option<Route>, Members)>,
    automata: Automata,
    /// For each literal, the rules that need it.
    rules_of_literal: Vec<Vec<u32>>,
}

impl Engine {
    /// Compiles the rules of `set`, applying its filters to the rules they name.
    pub fn new(set: &RuleSet, options: &EngineOptions) -> Result<Self, String> {
        let mut table = FieldTable::default();
        let mut literals = Literals::default();
        let mut by_source: BTreeMap<Logsource, Vec<usize>> = BTreeMap::new();
        let mut rules = Vec::with_capacity(set.rules.len());
        let mut rules_of_literal: Vec<Vec<u32>> = Vec::new();
        for rule in &set.rules {
            let mut rule = rule.clone();
            for filter in &set.filters {
                let named = filter
                    .rules
                    .iter()
                    .any(|r| *r == rule.id || rule.name.as_deref() == Some(r));
                if named && rule.logsource.within(&filter.logsource) {
                    rule.exclusions.push(filter.detection.clone());
                }
            }
            let detections = std::iter::once(&mut rule.detection).chain(rule.exclusions.iter_mut());
            for detection in detections {
                for key in detection.field_keys_mut() {
                    key.slot = table.slot(&key.name);
                }
                table.keywords_used |= detection
                    .searches
                    .iter()
                    .flat_map(|s| s.alternatives.iter().flatten())
                    .any(|t| t.field.is_none());
            }
            let requirement = if options.prefilter {
                prefilter::requirement(&rule.detection, &mut literals)
            } else {
                None
            };
            by_source
                .entry(rule.logsource.clone())
                .or_default()
                .push(rules.len());
            let index = rules.len() as u32;
            for &id in requirement.iter().flatten() {
                let id = id as usize;
                if rules_of_literal.len() <= id {
                    rules_of_literal.resize(id + 1, Vec::new());
                }
                rules_of_literal[id].push(index);
            }
            rules.push(Compiled {
                rule,
                always: requirement.is_none(),
            });
        }
        let routes = if options.routing {
            by_source
                .into_iter()
                .map(|(source, members)| {
                    let route = Route::build(&source, &options.mappings, &mut table)?;
                    Ok((Some(route), Members::new(members, &rules)))
                })
                .collect::<Result<_, String>>()?
        } else {
            vec![(None, Members::new((0..rules.len()).collect(), &rules))]
        };
        table.resolve(&options.mappings);
        let automata = literals.automata(table.len());
        Ok(Engine {
            rules,
            table,
            routes,
            automata,
            rules_of_literal,
        })
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True when the engine has no rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules that match `event` (allocates scratch space; use [`Engine::scanner`] in a
    /// loop).
    pub fn matches(&self, event: &Event) -> Vec<&Rule> {
        self.scanner().scan(event)
    }

    /// Reusable per-thread scratch space for matching many events.
    pub fn scanner(&self) -> Scanner<'_> {
        Scanner {
            engine: self,
            slot_to_field: vec![u32::MAX; self.table.len()],
            touched: Vec::new(),
            literal_hits: vec![0; self.automata.count.div_ceil(64)],
            candidates: vec![0; self.rules.len().div_ceil(64)],
            cache: TextCache::default(),
            scanned: Vec::new(),
            layout: LayoutCache::default(),
        }
    }
}

/// Matches events against an [`Engine`], reusing its buffers between events.
pub struct Scanner<'a> {
    engine: &'a Engine,
    slot_to_field: Vec<u32>,
    touched: Vec<u32>,
    literal_hits: Vec<u64>,
    /// Rules whose literal requirement the current event meets (bit per rule).
    candidates: Vec<u64>,
    cache: TextCache,
    scanned: Vec<bool>,
    /// The previous event's bindings, reused by events with the same constant paths.
    layout: LayoutCache,
}

impl<'a> Scanner<'a> {
    /// The rules that match `event`, in load order within each logsource.
    pub fn scan(&mut self, event: &Event) -> Vec<&'a Rule> {
        let engine = self.engine;
        match self.layout.lookup(event) {
            Some(bound) => {
                for &(slot, index) in bound {
                    self.slot_to_field[slot as usize] = index;
                    self.touched.push(slot);
                }
            }
            None => {
                engine
                    .table
                    .bind(event, &mut self.slot_to_field, &mut self.touched);
                self.layout
                    .remember(event, &self.slot_to_field, &self.touched);
            }
        }
        let slot_to_field = &self.slot_to_field;
        self.cache.prepare(
            event,
            self.touched
                .iter()
                .map(|&s| slot_to_field[s as usize] as usize),
            engine.table.keywords_used,
        );
        let view = EventView::new(event, &self.slot_to_field, &self.cache);
        find_literals(
            engine,
            &view,
            &self.touched,
            &mut self.literal_hits,
            &mut self.scanned,
        );
        self.candidates.fill(0);
        for (word_index, &word) in self.literal_hits.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let literal = word_index * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                for &rule in engine.rules_of_literal.get(literal).into_iter().flatten() {
                    let (word, bit) = bit_of(rule as usize);
                    self.candidates[word] |= bit;
                }
            }
        }
        let mut matched = Vec::new();
        for (route, members) in &engine.routes {
            // The logsource check is skipped when none of its rules could match anyway.
            if !members.may_match(&self.candidates)
                || route.as_ref().is_some_and(|r| !r.covers(&view))
            {
                continue;
            }
            for &index in &members.rules {
                let compiled = &engine.rules[index];
                let (word, bit) = bit_of(index);
                let candidate = self.candidates[word] & bit != 0;
                if !compiled.always && !candidate {
                    continue;
                }
                let rule = &compiled.rule;
                if rule.detection.matches(&view)
                    && !rule.exclusions.iter().any(|x| x.matches(&view))
                {
                    matched.push(rule);
                }
            }
        }
        for slot in self.touched.drain(..) {
            self.slot_to_field[slot as usize] = u32::MAX;
        }
        matched
    }
}

/// Runs each field's automaton over the field's lower-cased text (and the keyword automaton
/// over every keyword text), setting the bit of every literal found.
fn find_literals(
    engine: &Engine,
    view: &EventView<'_>,
    touched: &[u32],
    literal_hits: &mut [u64],
    scanned: &mut Vec<bool>,
) {
    let automata = &engine.automata;
    if automata.count == 0 {
        return;
    }
    literal_hits.fill(0);
    let mut search = |automaton: &prefilter::Automaton, text: &str| {
        for hit in automaton.matcher.find_overlapping_iter(text) {
            let id = automaton.ids[hit.pattern().as_usize()] as usize;
            let (word, bit) = bit_of(id);
            literal_hits[word] |= bit;
        }
    };
    for &slot in touched {
        let Some(Some(automaton)) = automata.fields.get(slot as usize) else {
            continue;
        };
        let index = view.slot_to_field[slot as usize] as usize;
        if let Some(text) = view.field_lower(index) {
            search(automaton, text);
        }
    }
    if let Some(automaton) = &automata.keywords {
        scanned.clear();
        scanned.extend((0..view.event.fields.len()).map(|i| view.is_keyword_text(i)));
        for (index, _) in scanned.iter().enumerate().filter(|(_, s)| **s) {
            if let Some(text) = view.field_lower(index) {
                search(automaton, text);
            }
        }
    }
}

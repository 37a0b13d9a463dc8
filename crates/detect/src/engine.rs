//! The compiled engine: routing, the literal prefilter, and the rules' detections.

use crate::fields::{EventView, FieldTable};
use crate::mapping::Mappings;
use crate::prefilter::{self, Literals, Requirement};
use crate::routing::Route;
use crate::rule::{Logsource, Rule};
use crate::RuleSet;
use aho_corasick::AhoCorasick;
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
    requirement: Requirement,
}

/// Rules compiled for matching events.
pub struct Engine {
    rules: Vec<Compiled>,
    table: FieldTable,
    /// Routes and the rules (indices) each one leads to.
    routes: Vec<(Option<Route>, Vec<usize>)>,
    automaton: Option<(AhoCorasick, usize)>,
}

impl Engine {
    /// Compiles the rules of `set`, applying its filters to the rules they name.
    pub fn new(set: &RuleSet, options: &EngineOptions) -> Result<Self, String> {
        let mut table = FieldTable::default();
        let mut literals = Literals::default();
        let mut by_source: BTreeMap<Logsource, Vec<usize>> = BTreeMap::new();
        let mut rules = Vec::with_capacity(set.rules.len());
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
            rules.push(Compiled { rule, requirement });
        }
        let routes = if options.routing {
            by_source
                .into_iter()
                .map(|(source, members)| {
                    Route::build(&source, &options.mappings, &mut table).map(|r| (Some(r), members))
                })
                .collect::<Result<_, _>>()?
        } else {
            vec![(None, (0..rules.len()).collect())]
        };
        table.resolve(&options.mappings);
        Ok(Engine {
            rules,
            table,
            routes,
            automaton: literals.automaton(),
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
            literal_hits: vec![0; self.automaton.as_ref().map_or(0, |(_, n)| n.div_ceil(64))],
            scanned: Vec::new(),
        }
    }
}

/// Matches events against an [`Engine`], reusing its buffers between events.
pub struct Scanner<'a> {
    engine: &'a Engine,
    slot_to_field: Vec<u32>,
    touched: Vec<u32>,
    literal_hits: Vec<u64>,
    scanned: Vec<bool>,
}

impl<'a> Scanner<'a> {
    /// The rules that match `event`, in load order within each logsource.
    pub fn scan(&mut self, event: &Event) -> Vec<&'a Rule> {
        let engine = self.engine;
        engine
            .table
            .bind(event, &mut self.slot_to_field, &mut self.touched);
        let view = EventView::new(event, &self.slot_to_field);
        find_literals(
            engine,
            &view,
            &self.touched,
            &mut self.literal_hits,
            &mut self.scanned,
        );
        let mut matched = Vec::new();
        for (route, members) in &engine.routes {
            if route.as_ref().is_some_and(|r| !r.covers(&view)) {
                continue;
            }
            for &index in members {
                let compiled = &engine.rules[index];
                if !may_match(&self.literal_hits, &compiled.requirement) {
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

/// Runs the automaton over the lower-cased text of every field a rule reads, setting the bit
/// of every literal found.
fn find_literals(
    engine: &Engine,
    view: &EventView<'_>,
    touched: &[u32],
    literal_hits: &mut [u64],
    scanned: &mut Vec<bool>,
) {
    let Some((automaton, _)) = &engine.automaton else {
        return;
    };
    literal_hits.fill(0);
    scanned.clear();
    scanned.resize(view.event.fields.len(), false);
    for &slot in touched {
        let index = view.slot_to_field[slot as usize] as usize;
        scanned[index] = true;
    }
    if engine.table.keywords_used {
        for (index, seen) in scanned.iter_mut().enumerate() {
            *seen |= view.is_keyword_text(index);
        }
    }
    for (index, _) in scanned.iter().enumerate().filter(|(_, s)| **s) {
        let Some(lower) = view.field_lower(index) else {
            continue;
        };
        for hit in automaton.find_overlapping_iter(lower) {
            let id = hit.pattern().as_usize();
            literal_hits[id / 64] |= 1 << (id % 64);
        }
    }
}

/// True when the rule's requirement is met (or it has none).
fn may_match(literal_hits: &[u64], requirement: &Requirement) -> bool {
    match requirement {
        None => true,
        Some(ids) => ids
            .iter()
            .any(|&id| literal_hits[id as usize / 64] & (1 << (id % 64)) != 0),
    }
}

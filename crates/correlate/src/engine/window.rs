//! Sliding windows of one correlation rule.
//!
//! A window starts at each held match and spans `timespan` (both ends inclusive). Rules
//! whose measure only grows with events and whose condition has only lower bounds are
//! checked the moment a match arrives; all other rules are checked when a window closes,
//! which is when the watermark passes its end. Either way the matches of a window that
//! raised an alert are consumed, so each match contributes to at most one alert of a rule.
//! A condition with an upper bound (`lt`, `lte`, `eq`, `neq`) judges a window as a whole:
//! a window that fails it is consumed too, so the next window starts at the first match
//! after it (otherwise a later start would always find a quieter sub-window).

use super::group::{Contributors, Entry, Group, GroupTable, KeyRef, Measure, Slot};
use super::measure::measure;
use super::{CorrelationStats, EngineConfig};
use crate::alert::{CorrelationAlert, Source};
use crate::rule::{CorrelationRule, CorrelationType};
use std::borrow::Cow;
use std::ops::Range;

/// Separates the values of several measured fields in one distinct-count key.
const FIELD_SEPARATOR: char = '\u{1f}';

/// One input to a rule: where it came from, as whom, and at which positions of `rules`.
pub(crate) struct Input<'a> {
    pub source: Source<'a>,
    pub rule_id: &'a str,
    pub rule_name: Option<&'a str>,
    pub positions: u64,
    pub seq: u64,
}

/// A correlation rule and its groups.
pub(crate) struct RuleState {
    pub rule: CorrelationRule,
    /// Checked on arrival (see the module doc) rather than when windows close.
    early: bool,
    /// Whether the rule's alerts are shown, or only feed the rules chained to it.
    pub standalone: bool,
    pub groups: GroupTable,
}

impl RuleState {
    pub(crate) fn new(rule: CorrelationRule, standalone: bool) -> Self {
        let early = rule.kind.grows_with_events() && rule.condition.lower_bounds_only();
        RuleState {
            rule,
            early,
            standalone,
            groups: GroupTable::default(),
        }
    }

    /// Adds one match; raises an alert at once when an early rule's condition now holds.
    pub(crate) fn accept(
        &mut self,
        input: Input<'_>,
        watermark: Option<i64>,
        config: &EngineConfig,
        stats: &mut CorrelationStats,
        out: &mut Vec<CorrelationAlert>,
    ) {
        let Some(values) = self.group_values(&input) else {
            stats.missing_group_field += 1;
            return;
        };
        let key = KeyRef {
            tenant: input.source.tenant(),
            values: &values,
        };
        let Some(slot) = self.groups.slot_for(&key, config.max_groups_per_rule) else {
            stats.group_limit_hits += 1;
            return;
        };
        let entry = Entry {
            time: input.source.time(),
            seq: input.seq,
            positions: input.positions,
            measure: self.measure_of(&input),
            contributors: match input.source {
                Source::Event(e) => Contributors::One(e.id),
                Source::Alert(a) => Contributors::Many(a.event_ids.clone().into_boxed_slice()),
            },
        };
        let Some(group) = self.groups.get_mut(slot) else {
            return;
        };
        if group.entries.len() >= config.max_events_per_group {
            group.pop_front();
            stats.event_limit_hits += 1;
        }
        let at = group.insert(entry);
        if self.early {
            let timespan = self.rule.timespan_ms;
            if let Some((range, value)) = self.satisfied_window_with(slot, at) {
                let Some(group) = self.groups.get_mut(slot) else {
                    return;
                };
                let end_time = group.entries[range.start].time.saturating_add(timespan);
                let is_final = watermark.is_some_and(|w| end_time < w);
                out.push(alert(
                    &self.rule,
                    group,
                    range.clone(),
                    value,
                    is_final,
                    config,
                ));
                group.remove_range(range);
            }
        }
        if self.groups.settle(slot, self.rule.timespan_ms) {
            stats.groups_expired += 1;
        }
    }

    /// Closes every window that ends before `watermark`, raising alerts for those whose
    /// condition holds, and drops groups left with nothing open.
    pub(crate) fn close_windows(
        &mut self,
        watermark: i64,
        config: &EngineConfig,
        stats: &mut CorrelationStats,
        out: &mut Vec<CorrelationAlert>,
    ) {
        let timespan = self.rule.timespan_ms;
        while let Some(slot) = self.groups.next_due(watermark) {
            let Some(group) = self.groups.get_mut(slot) else {
                continue;
            };
            while let Some(front) = group.entries.front() {
                let end_time = front.time.saturating_add(timespan);
                if end_time >= watermark {
                    break;
                }
                if self.early {
                    group.pop_front();
                    continue;
                }
                let range = 0..group.end_of_window(end_time);
                let value = measure(self.rule.kind, group.entries.range(range.clone()));
                match value.filter(|v| self.rule.condition.holds(*v)) {
                    Some(v) => {
                        out.push(alert(&self.rule, group, range.clone(), v, true, config));
                        group.remove_range(range);
                    }
                    None if self.rule.condition.lower_bounds_only() => {
                        group.pop_front();
                    }
                    None => {
                        group.remove_range(range);
                    }
                }
            }
            if self.groups.settle(slot, timespan) {
                stats.groups_expired += 1;
            }
        }
    }

    /// For an early rule: a window containing the entry at `at` whose condition holds.
    /// In order (the entry is the newest), the window starting at the oldest match within
    /// `timespan` holds every other candidate, so it is the only one checked.
    fn satisfied_window_with(&mut self, slot: Slot, at: usize) -> Option<(Range<usize>, f64)> {
        let timespan = self.rule.timespan_ms;
        let group = self.groups.get_mut(slot)?;
        // An early rule's condition only has lower bounds, and no window holds more distinct
        // values than the whole group: when even that count falls short, no window is
        // checked (a token used from one address all day stays O(1) per match).
        if self.rule.kind == CorrelationType::ValueCount
            && !self.rule.condition.holds(group.distinct_texts() as f64)
        {
            return None;
        }
        let time = group.entries[at].time;
        let first = group.start_of_window(time.saturating_sub(timespan));
        let last_start = if at + 1 == group.entries.len() {
            first
        } else {
            at
        };
        (first..=last_start).find_map(|start| {
            let end_time = group.entries[start].time.saturating_add(timespan);
            let range = start..group.end_of_window(end_time);
            if range.end <= at {
                return None;
            }
            let value = measure(self.rule.kind, group.entries.range(range.clone()))?;
            self.rule.condition.holds(value).then_some((range, value))
        })
    }

    /// The `group-by` values of an input (alias-resolved), or `None` when one is absent.
    fn group_values<'a>(&self, input: &Input<'a>) -> Option<Vec<Cow<'a, str>>> {
        self.rule
            .group_by
            .iter()
            .map(|name| {
                let field = self
                    .rule
                    .resolve_field(name, input.rule_id, input.rule_name);
                input.source.text(field)
            })
            .collect()
    }

    /// The measured field(s) of an input, as the rule's type needs them.
    fn measure_of(&self, input: &Input<'_>) -> Measure {
        let fields = &self.rule.condition.fields;
        let resolve = |f| self.rule.resolve_field(f, input.rule_id, input.rule_name);
        match self.rule.kind {
            CorrelationType::ValueCount | CorrelationType::ValuePercentile => {
                let texts: Option<Vec<Cow<'_, str>>> = fields
                    .iter()
                    .map(|f| input.source.text(resolve(f)))
                    .collect();
                let sep = FIELD_SEPARATOR.to_string();
                texts.map_or(Measure::Absent, |t| Measure::Text(t.join(&sep).into()))
            }
            CorrelationType::ValueSum | CorrelationType::ValueAvg => fields
                .first()
                .and_then(|f| input.source.number(resolve(f)))
                .filter(|x| x.is_finite())
                .map_or(Measure::Absent, Measure::Number),
            _ => Measure::Absent,
        }
    }
}

/// The alert for the window `range` of `group`.
fn alert(
    rule: &CorrelationRule,
    group: &Group,
    range: Range<usize>,
    value: f64,
    is_final: bool,
    config: &EngineConfig,
) -> CorrelationAlert {
    let entries = group.entries.range(range.clone());
    let first_seen = group.entries.get(range.start).map_or(0, |e| e.time);
    let last_seen = entries.clone().map(|e| e.time).max().unwrap_or(first_seen);
    CorrelationAlert {
        rule_id: rule.key().to_owned(),
        rule_name: rule.name.clone(),
        title: rule.title.clone(),
        level: rule.level.clone(),
        tags: rule.tags.clone(),
        kind: rule.kind,
        tenant: group.key.tenant.clone(),
        group: rule
            .group_by
            .iter()
            .zip(group.key.values.iter())
            .map(|(name, value)| (name.clone(), value.to_string()))
            .collect(),
        value,
        match_count: range.len(),
        first_seen,
        last_seen,
        event_ids: entries
            .flat_map(|e| e.contributors.ids().iter().copied())
            .take(config.max_alert_event_ids)
            .collect(),
        is_final,
    }
}

//! The open aggregates: one per tenant and key, each the first event of its group plus the
//! count and time span of the events folded into it.

use palisade_core::{fields, Event, TenantId, Value};
use palisade_parse::{AggregateRule, ParserChains};
use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

/// OCSF `count`: how many lines the stored event stands for.
pub const COUNT: &str = "count";
/// OCSF `start_time`: the earliest event time among them, epoch milliseconds.
pub const START_TIME: &str = "start_time";
/// OCSF `end_time`: the latest event time among them, epoch milliseconds.
pub const END_TIME: &str = "end_time";

/// What tells one group from another.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct GroupId {
    tenant: TenantId,
    key: String,
}

/// One open aggregate.
#[derive(Debug)]
struct Group {
    /// The first event, stored (with the count) when the group closes, under its own id.
    first: Event,
    rule: Arc<AggregateRule>,
    count: u64,
    start: i64,
    end: i64,
    /// When the first record was received, epoch ms: the window runs from here.
    opened_ms: i64,
}

impl Group {
    fn deadline(&self) -> i64 {
        self.opened_ms.saturating_add(self.rule.window_ms)
    }

    /// The event to store: the first one, with the count and the time span.
    fn finish(self) -> Event {
        let mut event = self.first;
        let count = i64::try_from(self.count).unwrap_or(i64::MAX);
        event.set(COUNT, Value::Int(count));
        event.set(START_TIME, Value::Int(self.start));
        event.set(END_TIME, Value::Int(self.end));
        event
    }
}

/// When the record behind an event was received (the window is measured in receipt times, so
/// replaying the write-ahead log groups records as the live run did).
fn received_ms(event: &Event) -> i64 {
    event
        .get(fields::LOGGED_TIME)
        .and_then(Value::as_i64)
        .unwrap_or(event.time)
}

/// The open aggregates.
#[derive(Debug)]
pub struct Groups {
    open: HashMap<GroupId, Group>,
    /// The earliest deadline of an open group (`i64::MAX` when none is open).
    next_deadline: i64,
}

impl Default for Groups {
    fn default() -> Self {
        Groups {
            open: HashMap::new(),
            next_deadline: i64::MAX,
        }
    }
}

impl Groups {
    /// Open groups.
    pub fn len(&self) -> usize {
        self.open.len()
    }

    /// When the earliest open group's window ends, epoch ms (`i64::MAX` when none is open).
    pub fn next_deadline(&self) -> i64 {
        self.next_deadline
    }

    /// Takes every event an `aggregate` step marked into its group; pushes to `out` the
    /// events to store now: unmarked ones, groups this closed (window over or `max_count`
    /// reached) and new keys that found no room (`max_groups`). Counts the folded lines per
    /// source in `folded`.
    pub fn absorb(
        &mut self,
        events: Vec<Event>,
        chains: &ParserChains,
        out: &mut Vec<Event>,
        folded: &mut BTreeMap<String, u64>,
    ) {
        for mut event in events {
            let Some(rule) = chains.take_aggregate_rule(&mut event).cloned() else {
                out.push(event);
                continue;
            };
            let at = received_ms(&event);
            let id = GroupId {
                tenant: event.tenant.clone(),
                key: rule.group_key(&event),
            };
            match self.open.get_mut(&id) {
                Some(group) if at < group.deadline() => {
                    group.count += 1;
                    group.start = group.start.min(event.time);
                    group.end = group.end.max(event.time);
                    let source = event.get_str(fields::LOG_NAME).unwrap_or("unknown");
                    *folded.entry(source.to_owned()).or_default() += 1;
                    if group.count >= group.rule.max_count {
                        out.extend(self.open.remove(&id).map(Group::finish));
                    }
                }
                Some(_) => {
                    out.extend(self.open.remove(&id).map(Group::finish));
                    self.open_group(id, event, rule, at, out);
                }
                None => self.open_group(id, event, rule, at, out),
            }
        }
    }

    fn open_group(
        &mut self,
        id: GroupId,
        event: Event,
        rule: Arc<AggregateRule>,
        at: i64,
        out: &mut Vec<Event>,
    ) {
        let group = Group {
            start: event.time,
            end: event.time,
            first: event,
            rule,
            count: 1,
            opened_ms: at,
        };
        if group.rule.max_count <= 1 || self.open.len() >= group.rule.max_groups {
            out.push(group.finish());
            return;
        }
        self.next_deadline = self.next_deadline.min(group.deadline());
        self.open.insert(id, group);
    }

    /// Closes the groups whose window ended by `now` (epoch ms) into `out`.
    pub fn expire(&mut self, now: i64, out: &mut Vec<Event>) {
        if now < self.next_deadline {
            return;
        }
        let due: Vec<GroupId> = self
            .open
            .iter()
            .filter(|(_, group)| group.deadline() <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in due {
            out.extend(self.open.remove(&id).map(Group::finish));
        }
        self.next_deadline = self.earliest_deadline();
    }

    /// Closes every group into `out`.
    pub fn drain(&mut self, out: &mut Vec<Event>) {
        out.extend(self.open.drain().map(|(_, group)| group.finish()));
        self.next_deadline = i64::MAX;
    }

    fn earliest_deadline(&self) -> i64 {
        let deadlines = self.open.values().map(Group::deadline);
        deadlines.min().unwrap_or(i64::MAX)
    }
}

//! One tenant's event counters: per 10-minute bucket of event time, the events, the sources
//! (events, unparsed events, newest event), hosts, users and source addresses; per minute,
//! the events and the events of each source. Adding an event touches one bucket and one
//! minute; pruning drops what fell out of the window.

use palisade_core::{fields, ValueRef};
use palisade_query::Row;
use std::collections::{BTreeMap, HashMap};

/// The span of a bucket.
pub const BUCKET_MS: i64 = 10 * 60_000;
/// The span of a minute counter.
pub const MINUTE_MS: i64 = 60_000;
/// The window the lists and totals cover.
pub const WINDOW_MS: i64 = 24 * 3_600_000;
/// The window of the per-minute counters (event rate, source rate).
pub const RATE_WINDOW_MS: i64 = 3_600_000;
/// Distinct values a bucket keeps per field; a value first seen in a bucket after that many
/// others counts toward the bucket's totals only.
pub const MAX_VALUES: usize = 20_000;
/// Distinct values a tenant keeps over all its buckets and fields (about 100 bytes each), so
/// a flood of distinct values cannot grow memory without bound; past it, new values count
/// toward the totals only until old buckets leave the window.
pub const MAX_ENTRIES: usize = 1_000_000;
/// Event times further ahead of the clock than this are counted at this distance, so bogus
/// future times cannot create buckets without bound.
const FUTURE_MS: i64 = 24 * 3_600_000;

/// The user fields whose counts add up to a user's.
pub const USER_FIELDS: [&str; 2] = ["user.name", "actor.user.name"];
/// The source address field.
pub const ADDRESS_FIELD: &str = "src_endpoint.ip";

/// The columns a tally reads.
pub fn columns() -> Vec<String> {
    [
        fields::LOG_NAME,
        fields::UNPARSED,
        fields::DEVICE_HOSTNAME,
        USER_FIELDS[0],
        USER_FIELDS[1],
        ADDRESS_FIELD,
    ]
    .iter()
    .map(|f| (*f).to_owned())
    .collect()
}

/// One source's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceCount {
    /// Events.
    pub events: u64,
    /// Events no parser understood.
    pub unparsed: u64,
    /// Time of the newest event.
    pub last_seen: i64,
}

/// Ten minutes of one tenant's events.
#[derive(Debug, Default)]
pub(super) struct Bucket {
    pub events: u64,
    pub sources: HashMap<String, SourceCount>,
    pub hosts: HashMap<String, u64>,
    pub users: HashMap<String, u64>,
    pub addresses: HashMap<String, u64>,
}

/// One minute of one tenant's events.
#[derive(Debug, Default)]
pub(super) struct Minute {
    pub events: u64,
    pub sources: HashMap<String, u64>,
}

/// One tenant's counters.
#[derive(Debug, Default)]
pub struct TenantTally {
    /// By bucket start.
    pub(super) buckets: BTreeMap<i64, Bucket>,
    /// By minute start.
    pub(super) minutes: BTreeMap<i64, Minute>,
    /// Distinct values held in all the maps.
    entries: usize,
}

/// The text of a value, as the query language's `stats` shows it.
fn text(value: ValueRef<'_>) -> std::borrow::Cow<'_, str> {
    match value {
        ValueRef::Str(s) => s.into(),
        other => other.to_owned().to_string().into(),
    }
}

/// Adds `n` to `key`'s count, unless `key` is new and the map or the tenant (`entries`
/// held) is full.
fn bump(map: &mut HashMap<String, u64>, key: &str, n: u64, entries: &mut usize) {
    if let Some(count) = map.get_mut(key) {
        *count += n;
    } else if room(map.len(), entries) {
        map.insert(key.to_owned(), n);
    }
}

/// Whether a map of `len` values may take one more, counting it in `entries` if so.
fn room(len: usize, entries: &mut usize) -> bool {
    let fits = len < MAX_VALUES && *entries < MAX_ENTRIES;
    *entries += usize::from(fits);
    fits
}

/// Distinct values a bucket holds.
fn bucket_entries(bucket: &Bucket) -> usize {
    bucket.sources.len() + bucket.hosts.len() + bucket.users.len() + bucket.addresses.len()
}

/// Start of the span of `span_ms` holding `time`.
pub fn start_of(time: i64, span_ms: i64) -> i64 {
    time - time.rem_euclid(span_ms)
}

impl TenantTally {
    /// Counts one event at `time` whose columns `row` holds; `now` bounds future times.
    pub fn add(&mut self, time: i64, row: &dyn Row, now: i64) {
        let time = time.min(now.saturating_add(FUTURE_MS));
        let source = row.get(fields::LOG_NAME).map(text);
        let unparsed = row.get(fields::UNPARSED).is_some();
        let bucket = self.buckets.entry(start_of(time, BUCKET_MS)).or_default();
        bucket.events += 1;
        let entries = &mut self.entries;
        if let Some(name) = &source {
            let count = SourceCount {
                events: 1,
                unparsed: u64::from(unparsed),
                last_seen: time,
            };
            add_source(&mut bucket.sources, name, count, entries);
        }
        if let Some(host) = row.get(fields::DEVICE_HOSTNAME) {
            bump(&mut bucket.hosts, &text(host), 1, entries);
        }
        for field in USER_FIELDS {
            if let Some(user) = row.get(field) {
                bump(&mut bucket.users, &text(user), 1, entries);
            }
        }
        if let Some(address) = row.get(ADDRESS_FIELD) {
            bump(&mut bucket.addresses, &text(address), 1, entries);
        }
        if time + MINUTE_MS > now - RATE_WINDOW_MS {
            let minute = self.minutes.entry(start_of(time, MINUTE_MS)).or_default();
            minute.events += 1;
            if let Some(name) = &source {
                bump(&mut minute.sources, name, 1, entries);
            }
        }
    }

    /// Drops the buckets and minutes that ended before their window as of `now`.
    pub fn prune(&mut self, now: i64) {
        let kept = self.buckets.split_off(&(now - WINDOW_MS - BUCKET_MS + 1));
        let dropped = std::mem::replace(&mut self.buckets, kept);
        let kept_minutes = self
            .minutes
            .split_off(&(now - RATE_WINDOW_MS - MINUTE_MS + 1));
        let dropped_minutes = std::mem::replace(&mut self.minutes, kept_minutes);
        let freed = dropped.values().map(bucket_entries).sum::<usize>()
            + dropped_minutes
                .values()
                .map(|m| m.sources.len())
                .sum::<usize>();
        self.entries = self.entries.saturating_sub(freed);
    }

    /// Distinct values held (see [`MAX_ENTRIES`]).
    pub fn entries(&self) -> usize {
        self.entries
    }

    /// Nothing is counted.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty() && self.minutes.is_empty()
    }

    /// Adds everything `other` counted (a catch-up's counts) to these.
    pub fn absorb(&mut self, other: TenantTally) {
        let entries = &mut self.entries;
        for (start, theirs) in other.buckets {
            let ours = self.buckets.entry(start).or_default();
            ours.events += theirs.events;
            for (name, count) in theirs.sources {
                add_source(&mut ours.sources, &name, count, entries);
            }
            for (ours, theirs) in [
                (&mut ours.hosts, theirs.hosts),
                (&mut ours.users, theirs.users),
                (&mut ours.addresses, theirs.addresses),
            ] {
                for (key, n) in theirs {
                    bump(ours, &key, n, entries);
                }
            }
        }
        for (start, theirs) in other.minutes {
            let ours = self.minutes.entry(start).or_default();
            ours.events += theirs.events;
            for (key, n) in theirs.sources {
                bump(&mut ours.sources, &key, n, entries);
            }
        }
    }
}

/// Adds `count` to source `name`'s, unless it is new and there is no room (see [`bump`]).
fn add_source(
    sources: &mut HashMap<String, SourceCount>,
    name: &str,
    count: SourceCount,
    entries: &mut usize,
) {
    if let Some(ours) = sources.get_mut(name) {
        ours.events += count.events;
        ours.unparsed += count.unparsed;
        ours.last_seen = ours.last_seen.max(count.last_seen);
    } else if room(sources.len(), entries) {
        sources.insert(name.to_owned(), count);
    }
}

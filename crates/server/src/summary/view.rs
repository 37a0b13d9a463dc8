//! What the console shows, read off one or more tenants' counters at a given time.

use super::tally::{SourceCount, TenantTally, BUCKET_MS, MINUTE_MS, RATE_WINDOW_MS, WINDOW_MS};
use std::collections::HashMap;

/// A host with no event for this long is silent.
pub const SILENT_AFTER_MS: i64 = 30 * 60_000;

/// One source's numbers over the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSummary {
    /// The source (`metadata.log_name`).
    pub name: String,
    /// Events in the window (24 hours).
    pub day: u64,
    /// Of those, events no parser understood.
    pub unparsed: u64,
    /// Events in the last hour.
    pub hour: u64,
    /// Time of the newest event.
    pub last_seen: i64,
}

/// A host that sent events in the window but none for [`SILENT_AFTER_MS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SilentHost {
    /// Its host name.
    pub name: String,
    /// Start of the last 10-minute bucket it sent events in.
    pub last_active: i64,
    /// Its events in the window.
    pub events: u64,
}

/// The event numbers of one scope (a tenant, or every tenant) at one time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// `(minute start, events)` over the last hour, in time order, minutes without events
    /// left out.
    pub per_minute: Vec<(i64, u64)>,
    /// Events in the window.
    pub total: u64,
    /// Sources, most events first.
    pub sources: Vec<SourceSummary>,
    /// `(host name, events)`, most first.
    pub hosts: Vec<(String, u64)>,
    /// `(user name, events)` (target and acting user added up), most first.
    pub users: Vec<(String, u64)>,
    /// `(source address, events)`, most first.
    pub addresses: Vec<(String, u64)>,
    /// Silent hosts, quietest first.
    pub silent: Vec<SilentHost>,
}

/// Most first, then by name.
fn ranked(counts: HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut list: Vec<(String, u64)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    list
}

fn add_all(into: &mut HashMap<String, u64>, from: &HashMap<String, u64>) {
    for (key, n) in from {
        *into.entry(key.clone()).or_default() += n;
    }
}

/// The summary of `tallies` (one tenant's, or every tenant's added up) as of `now`: the
/// buckets overlapping the last 24 hours and the minutes overlapping the last hour.
pub fn summarize<'t>(tallies: impl IntoIterator<Item = &'t TenantTally>, now: i64) -> Summary {
    let first_bucket = now - WINDOW_MS - BUCKET_MS + 1;
    let first_minute = now - RATE_WINDOW_MS - MINUTE_MS + 1;
    let mut total = 0;
    let mut per_minute: HashMap<i64, u64> = HashMap::new();
    let mut sources: HashMap<String, SourceSummary> = HashMap::new();
    let (mut hosts, mut users, mut addresses) = (HashMap::new(), HashMap::new(), HashMap::new());
    let mut host_last: HashMap<String, i64> = HashMap::new();
    for tally in tallies {
        for (start, bucket) in tally.buckets.range(first_bucket..) {
            total += bucket.events;
            for (name, count) in &bucket.sources {
                add_source(&mut sources, name, count);
            }
            add_all(&mut hosts, &bucket.hosts);
            add_all(&mut users, &bucket.users);
            add_all(&mut addresses, &bucket.addresses);
            for host in bucket.hosts.keys() {
                let last = host_last.entry(host.clone()).or_insert(*start);
                *last = (*last).max(*start);
            }
        }
        for (start, minute) in tally.minutes.range(first_minute..) {
            *per_minute.entry(*start).or_default() += minute.events;
            for (name, n) in &minute.sources {
                if let Some(source) = sources.get_mut(name) {
                    source.hour += n;
                }
            }
        }
    }
    let mut sources: Vec<SourceSummary> = sources.into_values().collect();
    sources.sort_by(|a, b| b.day.cmp(&a.day).then_with(|| a.name.cmp(&b.name)));
    let mut per_minute: Vec<(i64, u64)> = per_minute.into_iter().collect();
    per_minute.sort_unstable();
    let quiet_since = now - SILENT_AFTER_MS;
    let mut silent: Vec<SilentHost> = host_last
        .into_iter()
        .filter(|(_, last)| last + BUCKET_MS <= quiet_since)
        .map(|(name, last_active)| SilentHost {
            events: hosts.get(&name).copied().unwrap_or(0),
            name,
            last_active,
        })
        .collect();
    silent.sort_by(|a, b| {
        a.last_active
            .cmp(&b.last_active)
            .then_with(|| a.name.cmp(&b.name))
    });
    Summary {
        per_minute,
        total,
        sources,
        hosts: ranked(hosts),
        users: ranked(users),
        addresses: ranked(addresses),
        silent,
    }
}

fn add_source(sources: &mut HashMap<String, SourceSummary>, name: &str, count: &SourceCount) {
    let source = sources
        .entry(name.to_owned())
        .or_insert_with(|| SourceSummary {
            name: name.to_owned(),
            day: 0,
            unparsed: 0,
            hour: 0,
            last_seen: i64::MIN,
        });
    source.day += count.events;
    source.unparsed += count.unparsed;
    source.last_seen = source.last_seen.max(count.last_seen);
}

//! The counters against a real event store: the numbers the console showed when it
//! aggregated on every load, per tenant, caught up without counting an event twice, and
//! forgetting what leaves the window.

use super::*;
use palisade_core::{config::StorageConfig, fields, Event, IdentitySealer, ValueRef};
use palisade_query::Row;
use palisade_store::SearchRequest;

/// 2026-11-24T06:00:00Z.
const NOW: i64 = 1_795_500_000_000;
const MIN: i64 = 60_000;

fn store(dir: &std::path::Path) -> EventStore {
    let cfg = StorageConfig {
        block_events: 16,
        ..StorageConfig::default()
    };
    EventStore::open(dir, &cfg, Arc::new(IdentitySealer)).unwrap()
}

fn tenant(name: &str) -> TenantId {
    TenantId::new(name).unwrap()
}

/// An event of `source` on `host` by `user` from `ip`; `unparsed` marks it unparsed.
fn event(id: u64, owner: &str, time: i64, source: &str, host: &str, unparsed: bool) -> Event {
    let mut e = Event::new(id, tenant(owner), time);
    e.set(fields::LOG_NAME, source);
    e.set(fields::DEVICE_HOSTNAME, host);
    e.set("user.name", ["root", "alice"][(id % 2) as usize]);
    if id.is_multiple_of(3) {
        e.set("actor.user.name", "root");
    }
    e.set("src_endpoint.ip", format!("10.0.0.{}", id % 4));
    if unparsed {
        e.set(fields::UNPARSED, true);
    }
    e
}

/// 60 acme events (sshd on web1, a fifth unparsed, one a minute over the last hour) and
/// 30 beta events (nginx on db9, two hours ago); ids from `first`.
fn traffic(first: u64) -> Vec<Event> {
    let mut events: Vec<Event> = (0..60)
        .map(|i| {
            let id = first + i;
            event(
                id,
                "acme",
                NOW - (60 - i as i64) * MIN + 1,
                "sshd",
                "web1",
                i % 5 == 0,
            )
        })
        .collect();
    events.extend((0..30).map(|i| {
        let id = first + 60 + i;
        event(
            id,
            "beta",
            NOW - 2 * 60 * MIN + i as i64,
            "nginx",
            "db9",
            false,
        )
    }));
    events
}

/// `stats count() by F` over the last 24 hours, as the pages computed it before.
fn stats_by(store: &EventStore, owner: Option<&str>, field: &str) -> Vec<(String, u64)> {
    let req = SearchRequest {
        tenant: owner.map(tenant),
        filter: palisade_query::Expr::All,
        from_ms: Some(NOW - WINDOW_MS),
        to_ms: None,
        limit: 1,
        cursor: None,
    };
    let pipe = palisade_query::parse(&format!("* | stats count() by {field}"))
        .unwrap()
        .pipe
        .unwrap();
    let table = store.aggregate(&req, &pipe).unwrap();
    let mut rows: Vec<(String, u64)> = table
        .rows
        .iter()
        .filter(|r| !r[0].is_null())
        .map(|r| (r[0].as_str().unwrap().to_owned(), r[1].as_u64().unwrap()))
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows
}

#[test]
fn each_tenant_sees_its_own_numbers_and_an_operator_their_sum() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    store.insert(traffic(1));
    let summary = EventSummary::new();
    let done = summary.catch_up(&store, NOW).unwrap();
    assert_eq!(
        done,
        CatchUp {
            events: 90,
            rebuilt: true
        }
    );

    let acme = summary.summary(Some(&tenant("acme")), NOW);
    assert_eq!(acme.total, 60);
    assert_eq!(acme.hosts, vec![("web1".to_owned(), 60)]);
    assert_eq!(acme.sources.len(), 1, "beta's nginx is not acme's");
    let sshd = &acme.sources[0];
    assert_eq!(
        (sshd.name.as_str(), sshd.day, sshd.unparsed, sshd.hour),
        ("sshd", 60, 12, 60)
    );
    assert_eq!(sshd.last_seen, NOW - MIN + 1);
    assert_eq!(acme.per_minute.len(), 60);
    assert!(acme.per_minute.iter().all(|m| m.1 == 1));
    for (field, shown) in [
        (fields::DEVICE_HOSTNAME, &acme.hosts),
        ("src_endpoint.ip", &acme.addresses),
    ] {
        assert_eq!(shown, &stats_by(&store, Some("acme"), field), "{field}");
    }
    let mut users = stats_by(&store, Some("acme"), "user.name");
    for (name, n) in stats_by(&store, Some("acme"), "actor.user.name") {
        users.iter_mut().find(|u| u.0 == name).unwrap().1 += n;
    }
    users.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    assert_eq!(acme.users, users);

    let beta = summary.summary(Some(&tenant("beta")), NOW);
    assert_eq!(beta.total, 30);
    assert_eq!(beta.hosts, vec![("db9".to_owned(), 30)]);
    assert!(
        beta.per_minute.is_empty(),
        "two hours ago is outside the rate window"
    );
    assert_eq!(beta.silent.len(), 1);
    assert_eq!(
        (beta.silent[0].name.as_str(), beta.silent[0].events),
        ("db9", 30)
    );

    let all = summary.summary(None, NOW);
    assert_eq!(all.total, 90);
    assert_eq!(all.hosts, stats_by(&store, None, fields::DEVICE_HOSTNAME));
    assert_eq!(all.sources.iter().map(|s| s.day).sum::<u64>(), 90);
    assert!(summary.summary(Some(&tenant("nobody")), NOW) == Summary::default());
}

#[test]
fn a_catch_up_counts_only_new_events_in_memory_or_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let summary = EventSummary::new();
    assert_eq!(summary.catch_up(&store, NOW).unwrap().events, 0);
    store.insert(traffic(1));
    assert_eq!(summary.catch_up(&store, NOW).unwrap().events, 90);
    store.flush().unwrap();
    assert_eq!(
        summary.catch_up(&store, NOW).unwrap().events,
        0,
        "flushed, not new"
    );
    store.insert(traffic(1_000));
    let later = summary.current(&store, Some(&tenant("acme")), NOW).unwrap();
    assert_eq!(later.total, 120);
    assert_eq!(later.sources[0].unparsed, 24);
    assert_eq!(summary.summary(None, NOW).total, 180);
    store.flush().unwrap();
    store.insert(vec![event(5_000, "beta", NOW, "nginx", "db9", true)]);
    let beta = summary.current(&store, Some(&tenant("beta")), NOW).unwrap();
    assert_eq!((beta.total, beta.sources[0].unparsed), (61, 1));
    assert!(beta.silent.is_empty(), "db9 spoke just now");
}

#[test]
fn what_leaves_the_window_is_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let mut events = traffic(1);
    events.push(event(
        100,
        "acme",
        NOW - WINDOW_MS - 2 * BUCKET_MS,
        "old",
        "gone",
        false,
    ));
    store.insert(events);
    let summary = EventSummary::new();
    summary.catch_up(&store, NOW).unwrap();
    let acme = summary.summary(Some(&tenant("acme")), NOW);
    assert_eq!(acme.total, 60, "the day-old event is outside the window");
    let hour_later = NOW + 59 * MIN;
    let acme = summary.summary(Some(&tenant("acme")), hour_later);
    assert_eq!((acme.total, acme.per_minute.len()), (60, 1));
    assert_eq!(acme.sources[0].hour, 1);
    summary
        .catch_up(&store, NOW + WINDOW_MS + 2 * BUCKET_MS)
        .unwrap();
    assert_eq!(summary.summary(None, NOW + WINDOW_MS).total, 0, "pruned");
    assert!(lock(&summary.tallies).tenants.is_empty());
}

/// A row of named text values.
struct Fields(Vec<(&'static str, String)>);

impl Row for Fields {
    fn get(&self, path: &str) -> Option<ValueRef<'_>> {
        let found = self.0.iter().find(|(name, _)| *name == path);
        found.map(|(_, value)| ValueRef::Str(value))
    }
}

#[test]
fn a_flood_of_distinct_values_stays_bounded() {
    let mut tally = TenantTally::default();
    for i in 0..(tally::MAX_VALUES as u64 + 500) {
        let row = Fields(vec![
            ("src_endpoint.ip", format!("192.0.2.{i}")),
            (fields::LOG_NAME, format!("source-{i}")),
        ]);
        tally.add(NOW, &row, NOW);
    }
    tally.add(NOW + 10 * WINDOW_MS, &Fields(vec![]), NOW);
    let seen = view::summarize([&tally], NOW);
    assert_eq!(seen.total, tally::MAX_VALUES as u64 + 501);
    assert_eq!(seen.addresses.len(), tally::MAX_VALUES);
    assert_eq!(seen.sources.len(), tally::MAX_VALUES);
    assert_eq!(
        tally.buckets.len(),
        2,
        "the far-future time is clamped to a day ahead"
    );
    assert_eq!(
        tally.entries(),
        3 * tally::MAX_VALUES,
        "addresses, sources, the minute's sources"
    );
    tally.prune(NOW + 3 * WINDOW_MS);
    assert!(tally.is_empty());
    assert_eq!(tally.entries(), 0, "pruning frees the room");
}

//! The aggregation stage on real parsed records, a real store and real chains.

use super::{groups::Groups, Aggregation, COUNT, END_TIME, START_TIME};
use crate::metrics::Metrics;
use palisade_core::{
    config::StorageConfig, Event, IdentitySealer, PayloadFormat, RawRecord, TenantId, Transport,
    Value,
};
use palisade_parse::ParserChains;
use palisade_store::{EventStore, SearchRequest};
use std::{collections::BTreeMap, sync::Arc};

fn chains(step: &str) -> ParserChains {
    let text = format!("name = \"fold\"\nsources = [\"app\"]\nsteps = [{step}]\n");
    let table: toml::Table = toml::from_str(&text).unwrap();
    ParserChains::from_config(&[table]).unwrap()
}

/// One line of source `source` from `host`, received at `at`, parsed and run through `chains`.
fn line(chains: &ParserChains, seq: u64, source: &str, text: &str, at: i64) -> Event {
    let rec = RawRecord {
        tenant: TenantId::default(),
        source: source.into(),
        transport: Transport::Tcp,
        format: match text.starts_with('<') {
            true => PayloadFormat::Syslog,
            false => PayloadFormat::Line,
        },
        received_ms: at,
        peer: None,
        payload: text.as_bytes().to_vec(),
    };
    let mut event = palisade_parse::parse_record(seq, &rec);
    chains.apply(source, &mut event);
    event
}

fn absorb(groups: &mut Groups, chains: &ParserChains, events: Vec<Event>) -> Vec<Event> {
    let mut out = Vec::new();
    groups.absorb(events, chains, &mut out, &mut BTreeMap::new());
    out
}

fn count(event: &Event) -> Option<i64> {
    event.get(COUNT).and_then(Value::as_i64)
}

#[test]
fn identical_lines_within_the_window_become_one_event_with_a_count() {
    let chains = chains(r#"{ type = "aggregate", window = "10s" }"#);
    let mut groups = Groups::default();
    let mut events: Vec<Event> = (1..=5)
        .map(|seq| line(&chains, seq, "app", "disk full on /var", 1000 + seq as i64))
        .collect();
    events.push(line(&chains, 6, "app", "disk ok", 1010));
    events.push(line(&chains, 7, "other", "disk full on /var", 1011));
    let out = absorb(&mut groups, &chains, events);
    // Only the line of a source without the step went straight through.
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].id, 7);
    assert_eq!(out[0].get(COUNT), None);
    assert_eq!(groups.len(), 2);
    assert_eq!(groups.next_deadline(), 1001 + 10_000);
    let mut drained = Vec::new();
    groups.drain(&mut drained);
    drained.sort_by_key(|e| e.id);
    assert_eq!(drained[0].id, 1, "stored under its first record's id");
    assert_eq!(count(&drained[0]), Some(5));
    assert_eq!(drained[0].get(START_TIME), Some(&Value::Int(1001)));
    assert_eq!(drained[0].get(END_TIME), Some(&Value::Int(1005)));
    assert_eq!(drained[0].get(palisade_parse::AGGREGATE_MARK), None);
    assert_eq!((drained[1].id, count(&drained[1])), (6, Some(1)));
    assert_eq!(groups.len(), 0);
}

#[test]
fn a_line_after_the_window_closes_the_group_and_opens_the_next() {
    let chains = chains(r#"{ type = "aggregate", window = "1s" }"#);
    let mut groups = Groups::default();
    let events = [0, 500, 999, 1000, 1500]
        .iter()
        .zip(1..)
        .map(|(at, seq)| line(&chains, seq, "app", "retrying", *at))
        .collect();
    let out = absorb(&mut groups, &chains, events);
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].id, count(&out[0])), (1, Some(3)));
    let mut later = Vec::new();
    groups.expire(1999, &mut later);
    assert!(later.is_empty(), "the second group's window ends at 2000");
    groups.expire(2000, &mut later);
    assert_eq!((later[0].id, count(&later[0])), (4, Some(2)));
}

#[test]
fn the_key_holds_host_and_app_and_template_folds_near_identical_lines() {
    let exact = chains(r#"{ type = "aggregate" }"#);
    let mut groups = Groups::default();
    let a = line(
        &exact,
        1,
        "app",
        "<13>Jan  1 00:00:00 web1 cron: job 17 done",
        0,
    );
    let b = line(
        &exact,
        2,
        "app",
        "<13>Jan  1 00:00:01 web2 cron: job 17 done",
        1,
    );
    let c = line(
        &exact,
        3,
        "app",
        "<13>Jan  1 00:00:02 web1 cron: job 17 done",
        2,
    );
    absorb(&mut groups, &exact, vec![a, b, c]);
    assert_eq!(
        groups.len(),
        2,
        "web1 and web2 are apart; the timestamp does not count"
    );

    let near = chains(r#"{ type = "aggregate", by = "template", fields = [] }"#);
    let mut groups = Groups::default();
    let mut events: Vec<Event> = (1..=4)
        .map(|n| line(&near, n, "app", &format!("job {n} done in {}ms", n * 7), 0))
        .collect();
    for e in &mut events {
        e.set(palisade_parse::template::TEMPLATE_ID, "t1");
    }
    absorb(&mut groups, &near, events);
    assert_eq!(groups.len(), 1);
    let mut out = Vec::new();
    groups.drain(&mut out);
    assert_eq!(count(&out[0]), Some(4));
    assert_eq!(out[0].get_str("message"), Some("job 1 done in 7ms"));
}

#[test]
fn max_count_and_max_groups_bound_what_waits() {
    let chains = chains(r#"{ type = "aggregate", max_count = 3, max_groups = 2 }"#);
    let mut groups = Groups::default();
    let events = (1..=7)
        .map(|seq| line(&chains, seq, "app", "same", 0))
        .collect();
    let out = absorb(&mut groups, &chains, events);
    let counts: Vec<_> = out.iter().map(|e| (e.id, count(e))).collect();
    assert_eq!(counts, [(1, Some(3)), (4, Some(3))]);
    assert_eq!(groups.len(), 1, "the seventh line waits");
    let events = ["x", "y", "z"]
        .iter()
        .zip(8..)
        .map(|(text, seq)| line(&chains, seq, "app", text, 0))
        .collect();
    let out = absorb(&mut groups, &chains, events);
    assert_eq!(groups.len(), 2);
    let stored: Vec<_> = out.iter().map(|e| (e.id, count(e))).collect();
    assert_eq!(
        stored,
        [(9, Some(1)), (10, Some(1))],
        "no room: stored at once"
    );
}

#[test]
fn input_cannot_choose_a_rule_itself() {
    let chains = chains(r#"{ type = "aggregate", when = "fold" }"#);
    let mut forged = line(&chains, 1, "app", "keep me", 0);
    assert_eq!(forged.get(palisade_parse::AGGREGATE_MARK), None);
    forged.set(palisade_parse::AGGREGATE_MARK, Value::Int(0));
    chains.apply("app", &mut forged);
    assert_eq!(forged.get(palisade_parse::AGGREGATE_MARK), None);
    let marked = line(&chains, 2, "app", "fold me", 0);
    assert_eq!(
        marked.get(palisade_parse::AGGREGATE_MARK),
        Some(&Value::Int(0))
    );
}

fn search_all(store: &EventStore) -> Vec<Event> {
    let req = SearchRequest {
        tenant: None,
        filter: palisade_query::parse("*").unwrap().filter,
        from_ms: None,
        to_ms: None,
        limit: 100,
        cursor: None,
    };
    store.search(&req).unwrap().events
}

#[test]
fn a_flush_drains_open_groups_and_its_checkpoint_covers_what_was_consumed() {
    let dir = tempfile::tempdir().unwrap();
    let store = EventStore::open(
        dir.path(),
        &StorageConfig::default(),
        Arc::new(IdentitySealer),
    )
    .unwrap();
    let chains = chains(r#"{ type = "aggregate", window = "1h" }"#);
    let metrics = Metrics::default();
    let aggregation = Aggregation::default();
    let now = palisade_core::time::now_ms();
    let mut events = vec![line(&chains, 1, "app", "alone", now)];
    events.extend((2..=9).map(|seq| line(&chains, seq, "app", "again", now)));
    metrics.count_parsed(&events);
    aggregation.insert(&store, &chains, &metrics, events, 9);
    assert!(search_all(&store).is_empty(), "both groups are open");
    assert!(!aggregation.is_empty() && !aggregation.is_due());
    let committed = store
        .flush_draining(|| aggregation.drain_for_flush(&store))
        .unwrap();
    assert_eq!(
        committed, 9,
        "the last record, folded into seq 2, is covered"
    );
    assert!(aggregation.is_empty());
    let mut stored: Vec<_> = search_all(&store)
        .iter()
        .map(|e| (e.id, count(e)))
        .collect();
    stored.sort();
    assert_eq!(stored, [(1, Some(1)), (2, Some(8))]);
    let rendered = metrics.render(Default::default());
    assert!(rendered.contains("palisade_events_aggregated_total{source=\"app\"} 7"));
    assert!(rendered.contains("palisade_events_stored_total{source=\"app\"} 2"));
    // Reopened (as after a crash), the store holds exactly these and replays nothing below 9.
    drop(store);
    let store = EventStore::open(
        dir.path(),
        &StorageConfig::default(),
        Arc::new(IdentitySealer),
    )
    .unwrap();
    assert_eq!(store.replay_after(), 9);
    assert_eq!(search_all(&store).len(), 2);
}

#[test]
fn without_an_aggregate_step_events_go_straight_to_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = EventStore::open(
        dir.path(),
        &StorageConfig::default(),
        Arc::new(IdentitySealer),
    )
    .unwrap();
    let chains = ParserChains::default();
    let aggregation = Aggregation::default();
    let events = (1..=3)
        .map(|seq| line(&chains, seq, "app", "same", 0))
        .collect();
    aggregation.insert(&store, &chains, &Metrics::default(), events, 3);
    assert_eq!(search_all(&store).len(), 3);
    assert_eq!(
        aggregation.lock().consumed,
        0,
        "the fast path takes no lock"
    );
}

//! The memtable holds events as encoded blocks: what a user sees must not depend on whether
//! an event is still in memory, being flushed, or on disk.

mod common;

use common::*;
use palisade_core::Event;
use palisade_store::{EventStore, SearchRequest};

/// Three tenants' events over two days, times out of id order.
fn events(ids: std::ops::RangeInclusive<u64>) -> Vec<Event> {
    ids.map(|id| {
        let tenant = ["default", "acme", "globex"][(id % 3) as usize];
        let time = T0 + ((id * 7919) % 400) as i64 * 1000 + if id % 5 == 0 { DAY } else { 0 };
        event(id, tenant, time)
    })
    .collect()
}

/// Every page of every query, in full, plus one aggregation.
fn answers(store: &EventStore) -> Vec<String> {
    let queries = [
        "",
        "src_endpoint.ip:10.0.1.44",
        "10.0.0.200",
        "web03 AND status_id:2",
        "Failed NOT web01",
        "severity_id>=3",
        "nomatch",
    ];
    let mut out = Vec::new();
    for tenant in [None, Some("acme")] {
        for query in queries {
            let mut req = request(tenant, query, 23);
            req.from_ms = Some(T0 + 50_000);
            for from in [None, req.from_ms] {
                let mut req = SearchRequest {
                    from_ms: from,
                    ..req.clone()
                };
                loop {
                    let page = store.search(&req).unwrap();
                    out.push(format!("{tenant:?} {query:?}: {:?}", page.events));
                    match page.next_cursor {
                        Some(cursor) => req.cursor = Some(cursor),
                        None => break,
                    }
                }
            }
        }
    }
    let stats = palisade_query::parse("| stats count() by device.hostname").unwrap();
    let table = store
        .aggregate(&request(None, "", 1), stats.pipe.as_ref().unwrap())
        .unwrap();
    out.push(format!("{:?}", table.rows));
    out
}

#[test]
fn memory_and_disk_give_the_same_answers() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &config());
    // 64-event blocks: some finished (with a bloom filter), some still open.
    store.insert(events(1..=500));
    store.insert(events(501..=530));
    assert_eq!(store.memtable_len(), 530);
    // Each event's raw line is about 90 bytes; held as an `Event` it took over 1 KB.
    let held = store.stats().memtable_bytes;
    assert!((530 * 90..530 * 400).contains(&held), "{held} bytes");
    let in_memory = answers(&store);
    assert!(in_memory.iter().any(|a| a.contains("10.0.1.44")));
    store.flush().unwrap();
    assert_eq!(store.memtable_len(), 0);
    assert_eq!(store.stats().memtable_bytes, 0);
    assert_eq!(answers(&store), in_memory, "after the flush");
    drop(store);
    let store = open(dir.path(), &config());
    assert_eq!(answers(&store), in_memory, "after reopening");
}

#[test]
fn a_failed_flush_keeps_every_event_searchable_and_the_retry_writes_them_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &config());
    store.insert(events(1..=300));
    let before = answers(&store);
    // A file where one tenant's directory belongs makes the flush fail after it wrote
    // another tenant's segment, which must go again.
    let blocker = dir.path().join("tenants").join("default");
    std::fs::create_dir_all(blocker.parent().unwrap()).unwrap();
    let _ = std::fs::remove_dir_all(&blocker);
    std::fs::write(&blocker, b"in the way").unwrap();
    assert!(store.flush().is_err());
    assert_eq!(store.committed_seq(), 0);
    assert_eq!(
        answers(&store),
        before,
        "nothing lost when the flush failed"
    );
    store.insert(events(301..=320));
    std::fs::remove_file(&blocker).unwrap();
    assert_eq!(store.flush().unwrap(), 320);
    let ids = all_pages(&store, request(None, "", 1000));
    assert_eq!(ids.len(), 320, "each event exactly once");
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, (1..=320).collect::<Vec<_>>());
    drop(store);
    let store = open(dir.path(), &config());
    assert_eq!(all_pages(&store, request(None, "", 1000)).len(), 320);
}

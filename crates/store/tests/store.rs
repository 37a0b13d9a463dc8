//! Event store behaviour: durability, ordering, paging, isolation, crash recovery, retention.

mod common;

use common::*;
use palisade_core::{config::ByteSize, config::Duration, Value};
use palisade_store::Cursor;
use std::fs;

#[test]
fn flushed_events_survive_reopen_with_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config();
    let originals: Vec<_> = (1..=200)
        .map(|id| event(id, "default", T0 + id as i64))
        .collect();
    {
        let store = open(dir.path(), &cfg);
        store.insert(originals.clone());
        assert_eq!(store.memtable_len(), 200);
        assert_eq!(store.committed_seq(), 0);
        assert_eq!(store.flush().unwrap(), 200);
        assert_eq!(store.memtable_len(), 0);
    }
    let store = open(dir.path(), &cfg);
    assert_eq!(store.committed_seq(), 200);
    let page = store.search(&request(None, "", 1000)).unwrap();
    let mut got = page.events;
    got.sort_by_key(|e| e.id);
    assert_eq!(
        got, originals,
        "ids, tenants, times and all typed fields round-trip"
    );
    let stats = store.stats();
    assert_eq!(stats.tenants.len(), 1);
    assert_eq!(
        (stats.tenants[0].partitions, stats.tenants[0].events),
        (1, 200)
    );
    assert!(stats.tenants[0].disk_bytes > 0);
}

#[test]
fn pages_are_newest_first_and_cover_everything_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &config());
    // Times out of id order, with ties, across two days; half flushed, half in memory.
    let time_of = |id: u64| {
        T0 + ((id * 7919) % 500) as i64 * 1000 + if id.is_multiple_of(2) { DAY } else { 0 }
    };
    store.insert(
        (1..=300)
            .map(|id| event(id, "default", time_of(id)))
            .collect(),
    );
    store.flush().unwrap();
    store.insert(
        (301..=500)
            .map(|id| event(id, "default", time_of(id)))
            .collect(),
    );
    let ids = all_pages(&store, request(Some("default"), "", 37));
    assert_eq!(ids.len(), 500);
    let mut sorted = ids.clone();
    sorted.sort_by_key(|id| std::cmp::Reverse((time_of(*id), *id)));
    assert_eq!(
        ids, sorted,
        "time desc, then id desc, across memtable and segments"
    );
    let page = store.search(&request(None, "", 10)).unwrap();
    assert_eq!(page.events.len(), 10);
    assert!(
        page.scanned.blocks_skipped > 0,
        "early stop skips old blocks: {:?}",
        page.scanned
    );
}

#[test]
fn filters_time_ranges_and_tenants_restrict_results() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &config());
    store.insert(
        (1..=400)
            .map(|id| {
                event(
                    id,
                    if id.is_multiple_of(4) {
                        "acme"
                    } else {
                        "default"
                    },
                    T0 + id as i64 * 1000,
                )
            })
            .collect(),
    );
    store.flush().unwrap();
    store.insert(
        (401..=450)
            .map(|id| event(id, "acme", T0 + id as i64 * 1000))
            .collect(),
    );

    let acme = all_pages(&store, request(Some("acme"), "", 50));
    assert_eq!(acme.len(), 100 + 50);
    assert!(acme.iter().all(|id| id.is_multiple_of(4) || *id > 400));
    assert_eq!(all_pages(&store, request(None, "", 1000)).len(), 450);

    let mut ranged = request(Some("default"), "", 1000);
    ranged.from_ms = Some(T0 + 100_000);
    ranged.to_ms = Some(T0 + 200_000);
    let ids = all_pages(&store, ranged);
    let expected: Vec<u64> = (100..200)
        .rev()
        .filter(|id: &u64| !id.is_multiple_of(4))
        .collect();
    assert_eq!(ids, expected, "from inclusive, to exclusive");

    // A needle: one source address; bloom filters skip the blocks that cannot hold it.
    let page = store
        .search(&request(Some("default"), "src_endpoint.ip:10.0.1.45", 10))
        .unwrap();
    assert_eq!(
        page.events.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![256 + 45]
    );
    assert!(page.scanned.blocks_skipped >= 3, "{:?}", page.scanned);
    let words = all_pages(
        &store,
        request(Some("default"), "\"from 10.0.1.45 port\"", 10),
    );
    assert_eq!(words, vec![301]);
    // The address as a bare word: its run of minor parts is an index term, so blocks are
    // skipped just the same.
    let page = store
        .search(&request(Some("default"), "10.0.1.45", 10))
        .unwrap();
    assert_eq!(
        page.events.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![301]
    );
    assert!(page.scanned.blocks_skipped >= 3, "{:?}", page.scanned);
    assert!(all_pages(&store, request(Some("acme"), "10.0.1.45", 10)).is_empty());
}

#[test]
fn aggregation_counts_every_match() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &config());
    store.insert(
        (1..=700)
            .map(|id| event(id, "default", T0 + id as i64))
            .collect(),
    );
    store.flush().unwrap();
    store.insert(
        (701..=770)
            .map(|id| event(id, "default", T0 + id as i64))
            .collect(),
    );
    let query = palisade_query::parse("status_id:2 | stats count() by device.hostname").unwrap();
    let mut req = request(Some("default"), "", 1);
    req.filter = query.filter;
    let table = store.aggregate(&req, query.pipe.as_ref().unwrap()).unwrap();
    assert_eq!(table.columns, vec!["device.hostname", "count"]);
    let total: u64 = table.rows.iter().map(|r| r[1].as_u64().unwrap()).sum();
    assert_eq!(
        total,
        (1..=770u64).filter(|id| id.is_multiple_of(3)).count() as u64
    );
    assert_eq!(table.rows.len(), 7);
}

#[test]
fn a_segment_without_checkpoint_is_dropped_so_replay_adds_no_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config();
    {
        let store = open(dir.path(), &cfg);
        store.insert((1..=100).map(|id| event(id, "default", T0)).collect());
        store.flush().unwrap();
        store.insert((101..=150).map(|id| event(id, "default", T0)).collect());
        store.flush().unwrap();
    }
    // Simulate a crash after the second flush's segment was written but before CHECKPOINT
    // moved: put the checkpoint back to the first flush.
    fs::write(
        dir.path().join("CHECKPOINT"),
        "palisade-checkpoint v1\n100\n",
    )
    .unwrap();
    let partition = dir.path().join("tenants/default/2024-11-23");
    fs::write(
        partition.join("00000000000000000150.seg.tmp"),
        b"half written",
    )
    .unwrap();
    let store = open(dir.path(), &cfg);
    assert_eq!(store.committed_seq(), 100);
    let mut names: Vec<_> = fs::read_dir(&partition)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, vec!["00000000000000000100.seg"]);
    // The WAL replays 101..=150 after the checkpoint: each event is there once.
    store.insert((101..=150).map(|id| event(id, "default", T0)).collect());
    store.flush().unwrap();
    let mut ids = all_pages(&store, request(None, "", 1000));
    ids.sort();
    assert_eq!(ids, (1..=150).collect::<Vec<_>>());
}

#[test]
fn retention_deletes_exactly_the_expired_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config();
    cfg.retention_max_age = Duration(10 * DAY as u64);
    let store = open(dir.path(), &cfg);
    // Days 0, 5 and 20 for two tenants.
    let mut id = 0;
    for tenant in ["default", "acme"] {
        for day in [0, 5, 20] {
            let events = (0..10).map(|i| {
                id += 1;
                event(id, tenant, T0 + day * DAY + i)
            });
            store.insert(events.collect());
        }
    }
    store.flush().unwrap();
    let now = T0 + 21 * DAY;
    let report = store.apply_retention(now).unwrap();
    let mut deleted = report.deleted_partitions.clone();
    deleted.sort();
    assert_eq!(
        deleted,
        vec![
            "acme/2024-11-23",
            "acme/2024-11-28",
            "default/2024-11-23",
            "default/2024-11-28"
        ]
    );
    assert!(report.freed_bytes > 0);
    assert!(!dir.path().join("tenants/acme/2024-11-23").exists());
    assert!(dir.path().join("tenants/acme/2024-12-13").exists());
    assert_eq!(all_pages(&store, request(None, "", 100)).len(), 20);
    assert!(store
        .apply_retention(now)
        .unwrap()
        .deleted_partitions
        .is_empty());

    // Size: keep deleting a tenant's oldest partitions while it is over the limit.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config();
    cfg.retention_max_age = Duration(0);
    let store = open(dir.path(), &cfg);
    for day in 0..4 {
        store.insert(
            (1..=50)
                .map(|i| event(day as u64 * 50 + i, "default", T0 + day * DAY))
                .collect(),
        );
        store.flush().unwrap();
    }
    let per_partition = store.stats().tenants[0].disk_bytes / 4;
    cfg.retention_max_bytes = ByteSize(per_partition * 2 + per_partition / 2);
    drop(store);
    let store = open(dir.path(), &cfg);
    let report = store.apply_retention(T0).unwrap();
    assert_eq!(
        report.deleted_partitions,
        vec!["default/2024-11-23", "default/2024-11-24"]
    );
    assert_eq!(store.stats().tenants[0].partitions, 2);
}

#[test]
fn a_corrupt_segment_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config();
    {
        let store = open(dir.path(), &cfg);
        store.insert((1..=100).map(|id| event(id, "default", T0)).collect());
        store.flush().unwrap();
    }
    let seg = dir
        .path()
        .join("tenants/default/2024-11-23/00000000000000000100.seg");
    let pristine = fs::read(&seg).unwrap();
    // A flipped byte in column data: opening works (footer intact), searching reports it.
    let mut bytes = pristine.clone();
    let footer_len = u32::from_le_bytes(
        bytes[bytes.len() - 16..bytes.len() - 12]
            .try_into()
            .unwrap(),
    );
    let last_column_byte = bytes.len() - 16 - footer_len as usize - 1;
    bytes[last_column_byte] ^= 0xff;
    fs::write(&seg, &bytes).unwrap();
    let store = open(dir.path(), &cfg);
    let err = store
        .search(&request(None, "", 1000))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("00000000000000000100.seg") && err.contains("corrupt"),
        "{err}"
    );
    drop(store);
    // A truncated file: the footer is gone, opening reports it.
    fs::write(&seg, &pristine[..pristine.len() / 2]).unwrap();
    let err = palisade_store::EventStore::open(
        dir.path(),
        &cfg,
        std::sync::Arc::new(palisade_core::IdentitySealer),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains("00000000000000000100.seg"), "{err}");
}

#[test]
fn cursors_print_and_parse_as_opaque_tokens() {
    let c = Cursor {
        time: 1_732_350_000_000,
        id: 42,
    };
    assert_eq!(c.to_string(), "1732350000000-42");
    assert_eq!("1732350000000-42".parse::<Cursor>(), Ok(c));
    let negative = Cursor { time: -5, id: 1 };
    assert_eq!(negative.to_string().parse::<Cursor>(), Ok(negative));
    assert!("garbage".parse::<Cursor>().is_err());
    assert!("12-x".parse::<Cursor>().is_err());
    let _ = Value::Int(0);
}

#[test]
fn deleting_a_tenant_removes_its_events_only_and_stays_deleted_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config();
    let store = open(dir.path(), &cfg);
    let mut id = 0;
    for tenant in ["default", "acme"] {
        for day in [0, 5] {
            let events = (0..10).map(|i| {
                id += 1;
                event(id, tenant, T0 + day * DAY + i)
            });
            store.insert(events.collect());
        }
    }
    store.flush().unwrap();
    // A few more still in memory when the tenant is deleted.
    store.insert(vec![event(100, "acme", T0), event(101, "default", T0)]);
    let acme = palisade_core::TenantId::new("acme").unwrap();
    let report = store.delete_tenant(&acme).unwrap();
    assert_eq!(report.deleted_partitions.len(), 2);
    assert!(report.freed_bytes > 0);
    assert!(!dir.path().join("tenants/acme").exists());
    assert!(all_pages(&store, request(Some("acme"), "", 100)).is_empty());
    assert_eq!(
        all_pages(&store, request(Some("default"), "", 100)).len(),
        21
    );
    drop(store);
    let store = open(dir.path(), &cfg);
    assert!(all_pages(&store, request(Some("acme"), "", 100)).is_empty());
    assert_eq!(
        all_pages(&store, request(Some("default"), "", 100)).len(),
        21
    );
}

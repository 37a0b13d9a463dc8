//! The read-side helpers for summaries: a visit hands over exactly the events inserted after
//! an id (in memory and on disk), and counts per time bucket taken from block metadata equal
//! the `timechart` over every event, for any range and span, per tenant, leaving out blocks
//! the sealer no longer opens.

mod common;

use common::{
    refusing_sealer::{AcmeRefusingSealer, Refused},
    *,
};
use palisade_core::TenantId;
use palisade_store::{EventStore, RowVisit, SearchRequest};
use std::sync::Arc;

/// Ids 1..=n, odd ones acme's and even ones beta's, one every 7 seconds from `T0`.
fn mixed(ids: std::ops::RangeInclusive<u64>) -> Vec<palisade_core::Event> {
    ids.map(|id| {
        let tenant = if id % 2 == 1 { "acme" } else { "beta" };
        event(id, tenant, T0 + id as i64 * 7_000)
    })
    .collect()
}

/// `(tenant, host, id-derived time)` of every visited row, sorted.
fn visit_all(store: &EventStore, from_ms: i64, after_id: u64) -> (Vec<(String, String, i64)>, u64) {
    let fields = ["device.hostname".to_owned()];
    let mut seen = Vec::new();
    let report = store
        .visit_rows(
            &RowVisit {
                from_ms,
                after_id,
                fields: &fields,
            },
            &mut |tenant, time, row| {
                let host = row.get("device.hostname").map(|v| v.to_owned().to_string());
                seen.push((tenant.to_string(), host.unwrap_or_default(), time));
            },
        )
        .unwrap();
    assert_eq!(report.rows, seen.len() as u64);
    seen.sort();
    (seen, report.max_id)
}

#[test]
fn a_visit_hands_over_only_what_was_inserted_since_the_last_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &config());
    store.insert(mixed(1..=300));
    store.flush().unwrap();
    store.insert(mixed(301..=400));
    let (first, max_id) = visit_all(&store, T0, 0);
    assert_eq!(first.len(), 400, "disk and memory");
    assert_eq!(max_id, 400);
    assert_eq!(first.iter().filter(|r| r.0 == "acme").count(), 200);
    assert!(first.iter().all(|r| r.1.starts_with("web")));

    store.insert(mixed(401..=450));
    store.flush().unwrap();
    store.insert(mixed(451..=460));
    let (next, max_id) = visit_all(&store, T0, 400);
    assert_eq!(next.len(), 60, "only ids 401..=460");
    assert!(next.iter().all(|r| r.2 > T0 + 400 * 7_000));
    assert_eq!(max_id, 460);
    let (nothing, unchanged) = visit_all(&store, T0, 460);
    assert!(nothing.is_empty());
    assert_eq!(unchanged, 460);

    let late = T0 + 451 * 7_000;
    let (recent, _) = visit_all(&store, late, 0);
    assert_eq!(recent.len(), 10, "events before from_ms are left out");
}

/// What `timechart` over `*` says, as `(bucket, count)` pairs.
fn timechart(
    store: &EventStore,
    tenant: Option<&str>,
    range: (i64, Option<i64>),
    span_ms: i64,
) -> Vec<(i64, u64)> {
    let req = SearchRequest {
        from_ms: Some(range.0),
        to_ms: range.1,
        ..request(tenant, "", 1)
    };
    let pipe = palisade_query::parse(&format!("* | timechart {}s count()", span_ms / 1000))
        .unwrap()
        .pipe
        .unwrap();
    let table = store.aggregate(&req, &pipe).unwrap();
    let mut pairs: Vec<(i64, u64)> = table
        .rows
        .iter()
        .map(|r| (r[0].as_i64().unwrap(), r[1].as_u64().unwrap()))
        .collect();
    pairs.sort();
    pairs
}

#[test]
fn counts_per_bucket_equal_the_timechart_of_every_event() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &config());
    store.insert(mixed(1..=1_000));
    store.flush().unwrap();
    store.insert(mixed(1_001..=1_100));
    let acme = TenantId::new("acme").unwrap();
    let ranges = [
        (T0, None),
        (T0 + 1_234_567, Some(T0 + 5_000_000)),
        (T0 - DAY, Some(T0 + DAY)),
    ];
    for range in ranges {
        for span_ms in [60_000, 600_000, 3_600_000, DAY] {
            let all = store.count_by_time(None, range, span_ms).unwrap();
            assert_eq!(
                all,
                timechart(&store, None, range, span_ms),
                "{range:?} {span_ms}"
            );
            let one = store.count_by_time(Some(&acme), range, span_ms).unwrap();
            assert_eq!(one, timechart(&store, Some("acme"), range, span_ms));
        }
    }
    let whole_day = store.count_by_time(None, (T0 - DAY, None), DAY).unwrap();
    assert_eq!(whole_day.iter().map(|b| b.1).sum::<u64>(), 1_100);
    assert!(store.count_by_time(None, (T0, None), 0).is_err());
}

#[test]
fn blocks_the_sealer_refuses_are_neither_counted_nor_visited() {
    let dir = tempfile::tempdir().unwrap();
    let sealer = Arc::new(AcmeRefusingSealer::new(Refused::Opening));
    let store = EventStore::open(dir.path(), &config(), sealer.clone()).unwrap();
    store.insert(mixed(1..=200));
    store.flush().unwrap();
    sealer.set_refusing(true);
    let counted = store.count_by_time(None, (T0 - DAY, None), DAY).unwrap();
    assert_eq!(counted.iter().map(|b| b.1).sum::<u64>(), 100, "beta's only");
    let fields: [String; 0] = [];
    let mut rows = 0;
    let report = store
        .visit_rows(
            &RowVisit {
                from_ms: T0,
                after_id: 0,
                fields: &fields,
            },
            &mut |tenant, _, _| {
                assert_eq!(tenant.as_str(), "beta");
                rows += 1;
            },
        )
        .unwrap();
    assert_eq!(rows, 100);
    assert!(report.blocks_unreadable > 0);
}

//! Retention deletes whole expired partitions and nothing else.

use crate::harness::{tempdir, Server};
use std::time::{Duration, Instant};

const DAY_MS: i64 = 86_400_000;

#[test]
fn expired_partitions_are_deleted_whole_and_recent_ones_kept() {
    let dir = tempdir();
    let config = "[storage]\nflush_interval = \"100ms\"\nretention_max_age = \"10d\"\nretention_interval = \"300ms\"\n";
    let server = Server::start(dir.path(), Some(config));
    let now = palisade_core::time::now_ms();
    let body: String = [
        (40, "old"),
        (20, "older-than-ten"),
        (1, "recent"),
        (0, "today"),
    ]
    .iter()
    .flat_map(|(days, tag)| {
        (0..10).map(move |i| {
            format!(
                "{{\"time\": {}, \"message\": \"{tag} event {i}\"}}\n",
                now - days * DAY_MS - i
            )
        })
    })
    .collect();
    let (status, _) = server.post("/api/v1/ingest", "application/x-ndjson", body.as_bytes());
    assert_eq!(status, 200);
    let partitions = || -> Vec<String> {
        let root = dir.path().join("data/events/tenants/default");
        let mut names: Vec<String> = std::fs::read_dir(root)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    let day = |days: i64| palisade_core::time::format_rfc3339(now - days * DAY_MS)[..10].to_owned();
    // A flush writes its partitions one by one and retention runs on its own schedule, so wait
    // for the end state itself (old partitions gone, both recent ones written).
    let settled = |left: &[String]| {
        !left.contains(&day(40))
            && !left.contains(&day(20))
            && left.contains(&day(1))
            && left.contains(&day(0))
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline && !settled(&partitions()) {
        std::thread::sleep(Duration::from_millis(100));
    }
    // All 40 events, the old ones included, were stored before retention removed any.
    let metrics = server.metrics();
    assert!(
        metrics
            .lines()
            .any(|l| l == "palisade_events_stored_total{source=\"http\"} 40"),
        "{metrics}"
    );
    let left = partitions();
    assert!(
        !left.contains(&day(40)) && !left.contains(&day(20)),
        "expired partitions deleted: {left:?}"
    );
    assert!(
        left.contains(&day(1)) && left.contains(&day(0)),
        "recent partitions kept: {left:?}"
    );
    assert_eq!(
        server.count("event"),
        20,
        "exactly the recent events remain searchable"
    );
    assert_eq!(server.count("recent"), 10);
    assert_eq!(server.count("old OR older-than-ten"), 0);
}

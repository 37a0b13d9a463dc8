//! One tenant's unusable storage key holds back only that tenant: with acme's key disabled,
//! beta's events still reach segments and the checkpoint, acme's wait in memory (searchable,
//! counted in the metrics) and in the write-ahead log. After `kill -9` only acme's records are
//! replayed; once its key is enabled again they are stored too.

use crate::harness::{tempdir, Server};
use std::{path::Path, time::Duration};

const CONFIG: &str = "[storage]\nflush_interval = \"100ms\"\n";

fn ingest(server: &Server, tenant: &str, source: &str, word: &str, n: usize) {
    let lines: Vec<String> = (0..n)
        .map(|i| serde_json::json!({ "message": format!("{word} {i}") }).to_string())
        .collect();
    let (status, body) = server.post(
        &format!("/api/v1/ingest?tenant={tenant}&source={source}"),
        "application/x-ndjson",
        lines.join("\n").as_bytes(),
    );
    assert_eq!(status, 200, "{body}");
}

/// The flush seqs of a tenant's segment files.
fn segment_seqs(data: &Path, tenant: &str) -> Vec<u64> {
    let days = std::fs::read_dir(data.join("events/tenants").join(tenant));
    let files = days.into_iter().flatten().flatten();
    let files = files.flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten());
    files
        .filter_map(|f| f.file_name().to_str()?.strip_suffix(".seg")?.parse().ok())
        .collect()
}

fn checkpoint(data: &Path) -> String {
    std::fs::read_to_string(data.join("events/CHECKPOINT")).unwrap_or_default()
}

fn committed(data: &Path) -> u64 {
    let text = checkpoint(data);
    text.lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .unwrap_or(0)
}

fn metric(server: &Server, series: &str) -> Option<f64> {
    let text = server.metrics();
    let line = text.lines().find(|l| l.starts_with(series))?;
    line.rsplit(' ').next()?.parse().ok()
}

/// The tenant's events matching `q` (up to 1 000).
fn events(server: &Server, tenant: &str, q: &str) -> Vec<serde_json::Value> {
    let query = [("q", q), ("limit", "1000"), ("tenant", tenant)];
    let (status, body) = server.get("/api/v1/events", &query);
    assert_eq!(status, 200, "{body}");
    body["events"].as_array().cloned().unwrap_or_default()
}

fn count(server: &Server, tenant: &str, word: &str) -> usize {
    events(server, tenant, word).len()
}

/// The ids of acme's storage-key events, once `want` of them are searchable.
fn key_event_ids(server: &Server, want: usize) -> Vec<u64> {
    let mut ids = Vec::new();
    eventually("acme's storage key events are searchable", || {
        ids = events(server, "acme", "palisade-storage-acme")
            .iter()
            .filter_map(|e| e["metadata"]["uid"].as_str()?.parse().ok())
            .collect();
        ids.len() >= want
    });
    ids
}

fn eventually(what: &str, mut ok: impl FnMut() -> bool) {
    for _ in 0..400 {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting until {what}");
}

fn set_enabled(server: &Server, enabled: bool) {
    let action = if enabled { "enable" } else { "disable" };
    let path = format!("/api/v1/kms/keys/palisade-storage-acme/{action}");
    let (status, body) = server.post(&path, "application/json", b"{}");
    assert_eq!(status, 200, "{body}");
}

#[test]
fn a_disabled_storage_key_holds_back_only_its_tenant() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let server = Server::start(dir.path(), Some(CONFIG));
    // acme's first event creates its storage key, whose creation and first data key are two
    // more acme events stored by a later flush; once they are committed acme is quiet and its
    // key is disabled (disabling earlier could race that flush and leave one more segment).
    ingest(&server, "acme", "acme-app", "before", 1);
    let key_events = key_event_ids(&server, 2);
    eventually(
        "acme's storage key events are in committed segments",
        || {
            let seqs = segment_seqs(&data, "acme");
            let newest = seqs.iter().max().copied().unwrap_or(0);
            key_events.iter().all(|id| *id <= newest) && newest <= committed(&data)
        },
    );
    let settled = segment_seqs(&data, "acme").len();
    set_enabled(&server, false);

    ingest(&server, "acme", "acme-app", "heldword", 5);
    ingest(&server, "beta", "beta-app", "flowword", 7);
    eventually(
        "beta's events are in committed segments, acme held back",
        || {
            let beta = segment_seqs(&data, "beta");
            !beta.is_empty()
                && checkpoint(&data).contains("held acme ")
                && beta.iter().all(|seq| *seq <= committed(&data))
        },
    );
    assert_eq!(
        segment_seqs(&data, "acme").len(),
        settled,
        "no new acme segment"
    );
    // acme's 5 events, and the key-operation events of its storage key that followed them.
    let held = metric(&server, "palisade_store_held_events{tenant=\"acme\"}");
    assert!(held.is_some_and(|n| n >= 5.0), "{held:?}");
    assert_eq!(
        count(&server, "acme", "heldword"),
        5,
        "held events stay searchable"
    );
    assert_eq!(count(&server, "beta", "flowword"), 7);

    // kill -9: only acme's held records come back from the log.
    server.kill9();
    let server = Server::start(dir.path(), Some(CONFIG));
    let stored = |source: &str| {
        metric(
            &server,
            &format!("palisade_events_stored_total{{source=\"{source}\"}}"),
        )
    };
    assert_eq!(
        stored("acme-app"),
        Some(5.0),
        "acme's held records replayed"
    );
    assert_eq!(stored("beta-app"), None, "beta's records were not replayed");
    assert_eq!(
        count(&server, "beta", "flowword"),
        7,
        "beta's events from segments"
    );
    assert_eq!(count(&server, "acme", "heldword"), 5);
    eventually("acme is held back again after the restart", || {
        metric(
            &server,
            "palisade_store_held_flush_attempts{tenant=\"acme\"}",
        )
        .unwrap_or(0.0)
            >= 1.0
    });

    // The key works again: acme's events are written and nobody is held back.
    set_enabled(&server, true);
    eventually("acme's held events are in a segment", || {
        segment_seqs(&data, "acme").len() > settled && !checkpoint(&data).contains("held")
    });
    assert_eq!(metric(&server, "palisade_store_held_events"), None);
    server.kill9();
    let server = Server::start(dir.path(), Some(CONFIG));
    assert_eq!(count(&server, "acme", "heldword"), 5);
    assert_eq!(count(&server, "acme", "before"), 1);
}

//! Encryption at rest through the real binary: stored events are not on disk in the clear,
//! rotating the tenant's storage key keeps them readable (even after a restart, with only
//! the new version allowed to decrypt), and destroying it shreds them: searches answer
//! without them and say so, and new events go under a new storage key.

use crate::harness::{tempdir, Server};
use std::{path::Path, time::Duration};

const JSON: &str = "application/json";
const CONFIG: &str = "[storage]\nflush_interval = \"100ms\"\n";
const MARKER: &str = "zqv7marker0xdeadbeef4412";
/// A tenant of its own, so that no audit record shares (and enlarges) the marker's blocks.
const TENANT: &str = "acme";

fn post(server: &Server, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    server.post(path, JSON, body.to_string().as_bytes())
}

/// Ingests `n` events whose message is `word` alone: short enough that zstd stores the
/// column's bytes as they are, so an unencrypted segment shows them.
fn ingest(server: &Server, word: &str, n: usize) {
    let lines: Vec<String> = (0..n)
        .map(|_| serde_json::json!({ "message": word }).to_string())
        .collect();
    let (status, body) = server.post(
        &format!("/api/v1/ingest?tenant={TENANT}"),
        "application/x-ndjson",
        lines.join("\n").as_bytes(),
    );
    assert_eq!(status, 200, "{body}");
}

/// Every segment file's bytes under the data directory.
fn segment_bytes(data: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![data.join("events")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "seg") {
                out.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out
}

/// Waits until the memtable is flushed to segments.
fn wait_flushed(server: &Server) {
    for _ in 0..200 {
        let metrics = server.metrics();
        let memtable = metrics
            .lines()
            .find(|l| l.starts_with("palisade_memtable_events"))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse::<f64>().ok());
        if memtable == Some(0.0) && !segment_bytes(&server.dir.join("data")).is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("events were not flushed to segments");
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn search(server: &Server, q: &str) -> serde_json::Value {
    let query = [("q", q), ("limit", "10000"), ("tenant", TENANT)];
    let (status, body) = server.get("/api/v1/events", &query);
    assert_eq!(status, 200, "search {q:?}: {body}");
    body
}

/// Searches until `want` events match (or 20 s pass); returns how many did.
fn wait_for(server: &Server, q: &str, want: usize) -> usize {
    for _ in 0..400 {
        let found = search(server, q)["events"].as_array().map_or(0, Vec::len);
        if found >= want {
            return found;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    0
}

#[test]
fn segments_are_encrypted_rotation_keeps_them_and_destroy_shreds_them() {
    // Control: without encryption the marker is visible in the segment files, so the
    // assertion below that it is not can fail.
    let plain_dir = tempdir();
    let plain = Server::start(
        plain_dir.path(),
        Some(&format!("{CONFIG}[kms]\nencrypt_at_rest = false\n")),
    );
    ingest(&plain, MARKER, 1);
    assert_eq!(wait_for(&plain, MARKER, 1), 1);
    wait_flushed(&plain);
    let files = segment_bytes(&plain_dir.path().join("data"));
    assert!(files.iter().any(|(_, b)| contains(b, MARKER)));
    drop(plain);

    let dir = tempdir();
    let server = Server::start(dir.path(), Some(CONFIG));
    ingest(&server, MARKER, 1);
    assert_eq!(wait_for(&server, MARKER, 1), 1);
    wait_flushed(&server);
    for (path, bytes) in segment_bytes(&dir.path().join("data")) {
        assert!(
            !contains(&bytes, MARKER),
            "{} holds the marker",
            path.display()
        );
    }
    let (status, at_rest) = server.get("/api/v1/kms/at-rest", &[("tenant", TENANT)]);
    assert_eq!(status, 200, "{at_rest}");
    assert_eq!(at_rest["storage_key"], "palisade-storage-acme");
    assert_eq!(at_rest["version"], 1);

    // Rotate: data keys are re-wrapped, segments stay as they are.
    let before = segment_bytes(&dir.path().join("data"));
    let (status, rotated) = post(
        &server,
        "/api/v1/kms/at-rest/rotate?tenant=acme",
        serde_json::json!({}),
    );
    assert_eq!(status, 200, "{rotated}");
    assert_eq!(rotated["version"], 2);
    assert!(rotated["rewrapped"].as_u64().unwrap() >= 1, "{rotated}");
    let (status, body) = post(
        &server,
        "/api/v1/kms/keys/palisade-storage-acme/config",
        serde_json::json!({"min_decryption_version": 2}),
    );
    assert_eq!(status, 200, "{body}");
    let after: Vec<_> = segment_bytes(&dir.path().join("data"))
        .into_iter()
        .filter(|(p, _)| before.iter().any(|(q, _)| q == p))
        .collect();
    assert_eq!(before.len(), after.len(), "no segment was removed");
    assert!(
        before.iter().zip(&after).all(|(a, b)| a.1 == b.1),
        "segments were rewritten"
    );

    // A restarted server unwraps the re-wrapped data keys with version 2 only.
    server.kill9();
    let server = Server::start(dir.path(), Some(CONFIG));
    let found = search(&server, MARKER);
    assert_eq!(found["events"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["scanned"]["blocks_unreadable"], 0);

    // Shred: destroy the tenant's storage key.
    let (status, body) = post(
        &server,
        "/api/v1/kms/keys/palisade-storage-acme/schedule-deletion",
        serde_json::json!({"days": 7}),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(
        &server,
        "/api/v1/kms/keys/palisade-storage-acme/destroy",
        serde_json::json!({}),
    );
    assert_eq!(status, 200, "{body}");
    let shredded = search(&server, MARKER);
    assert_eq!(
        shredded["events"].as_array().unwrap().len(),
        0,
        "{shredded}"
    );
    assert!(shredded["scanned"]["blocks_unreadable"].as_u64().unwrap() >= 1);
    assert!(
        shredded["warning"]
            .as_str()
            .unwrap()
            .contains("crypto-shredded"),
        "{shredded}"
    );

    // New events of the tenant go under the next storage key generation, across a restart.
    ingest(&server, "afterwards", 5);
    assert_eq!(wait_for(&server, "afterwards", 5), 5);
    wait_flushed(&server);
    server.kill9();
    let server = Server::start(dir.path(), Some(CONFIG));
    assert_eq!(wait_for(&server, "afterwards", 5), 5);
    assert_eq!(
        search(&server, MARKER)["events"].as_array().unwrap().len(),
        0
    );
    let (_, at_rest) = server.get("/api/v1/kms/at-rest", &[("tenant", TENANT)]);
    assert_eq!(
        at_rest["storage_key"], "palisade-storage-acme.g2",
        "{at_rest}"
    );
}

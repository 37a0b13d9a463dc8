//! HTTP and CLI ingest, and the query language through the API and the CLI.

use crate::harness::{tempdir, Server};
use std::collections::HashSet;

/// NDJSON of `n` generic log objects spread over hosts, one second apart from `base_ms`.
fn ndjson(n: usize, base_ms: i64) -> String {
    (0..n)
        .map(|i| {
            serde_json::json!({
                "timestamp": base_ms + i as i64 * 1000,
                "host": format!("web{:02}", i % 3),
                "app": "nginx",
                "level": if i % 10 == 0 { "error" } else { "info" },
                "message": format!("GET /item/{i} status {}", if i % 10 == 0 { 500 } else { 200 }),
                "seq": i,
            })
            .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn http_ndjson_and_json_array_ingest_then_query_language_and_pagination() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let base = 1_763_900_000_000; // 2025-11-23T12:13:20Z
    let (status, body) = server.post(
        "/api/v1/ingest",
        "application/x-ndjson",
        ndjson(2500, base).as_bytes(),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accepted"], 2500);

    let array = r#"[{"class_uid": 3002, "activity_id": 1, "time": 1763900000500, "severity_id": 2,
                      "message": "user alice logged in", "user": {"name": "alice"},
                      "src_endpoint": {"ip": "203.0.113.9"}, "metadata": {"uid": "spoofed", "tenant_uid": "other"}},
                     "not an object"]"#;
    let (status, body) = server.post(
        "/api/v1/ingest?source=authsvc",
        "application/json",
        array.as_bytes(),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accepted"], 2);

    // A JSON array that does not parse is refused whole, with the reason.
    let (status, body) = server.post("/api/v1/ingest", "application/json", b"[{\"a\": 1},");
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().contains("JSON array"),
        "{body}"
    );

    // OCSF input keeps its class; the tenant and uid never come from the payload.
    let e = &server.wait_for("src_endpoint.ip:203.0.113.9", 1)[0];
    assert_eq!(e["class_uid"], 3002);
    assert_eq!(e["user"]["name"], "alice");
    assert_eq!(e["metadata"]["tenant_uid"], "default");
    assert_ne!(e["metadata"]["uid"], "spoofed");
    assert_eq!(e["metadata"]["log_name"], "authsvc");
    // A non-object element is kept as unparsed.
    assert_eq!(
        server.wait_for("source:authsvc AND unparsed:true", 1).len(),
        1
    );

    // Field, phrase, boolean, wildcard and numeric queries.
    server.wait_for("app:nginx", 2500);
    assert_eq!(server.count("host:web01"), 833);
    assert_eq!(server.count("host:web0* AND NOT host:web00"), 1666);
    assert_eq!(server.count("\"status 500\""), 250);
    assert_eq!(
        server.count("severity_id>=4"),
        250,
        "level error maps to severity_id 4"
    );
    assert_eq!(
        server.count("(host:web00 OR host:web01) AND severity_id<4"),
        1500
    );
    assert_eq!(server.count("unmapped.seq<10"), 10);
    assert_eq!(
        server.count("item"),
        2500,
        "bare word matches a token of the message"
    );

    // stats by host and timechart.
    let (_, body) = server.get(
        "/api/v1/events",
        &[("q", "app:nginx | stats count() by host")],
    );
    let rows = body["table"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{body}");
    assert_eq!(
        rows.iter().map(|r| r[1].as_u64().unwrap()).sum::<u64>(),
        2500
    );
    let (_, body) = server.get(
        "/api/v1/events",
        &[("q", "app:nginx | timechart 10m count()")],
    );
    let rows = body["table"]["rows"].as_array().unwrap();
    assert_eq!(
        rows.iter().map(|r| r[1].as_u64().unwrap()).sum::<u64>(),
        2500
    );
    assert_eq!(
        rows[0][1],
        600 - (base / 1000 % 600) as u64,
        "first bucket holds the events up to the 10-minute boundary"
    );

    // Time range: from inclusive, to exclusive.
    let (_, body) = server.get(
        "/api/v1/events",
        &[
            ("q", "app:nginx"),
            ("from", &(base + 100_000).to_string()),
            ("to", &(base + 200_000).to_string()),
            ("limit", "10000"),
        ],
    );
    assert_eq!(body["events"].as_array().unwrap().len(), 100);

    // Cursor pagination: newest first, every event exactly once.
    let pages = server.search_pages("app:nginx", 1000);
    assert!(pages.len() <= 4, "2500 events in pages of 1000");
    let events: Vec<&serde_json::Value> = pages.iter().flatten().collect();
    assert!(
        events
            .windows(2)
            .all(|w| w[0]["time"].as_i64() >= w[1]["time"].as_i64()),
        "newest first"
    );
    let seen: HashSet<&str> = events
        .iter()
        .map(|e| e["metadata"]["uid"].as_str().unwrap())
        .collect();
    assert_eq!(seen.len(), events.len(), "no duplicate across pages");
    assert_eq!(seen.len(), 2500);

    // Errors are clear.
    let (status, body) = server.get("/api/v1/events", &[("q", "host:(web01")]);
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().contains("position"),
        "{body}"
    );
    let (status, _) = server.get("/api/v1/events", &[("limit", "10001")]);
    assert_eq!(status, 400);
}

#[test]
fn requests_without_the_token_are_refused() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let (status, _) = server.get_public("/api/v1/events");
    assert_eq!(status, 401);
    let (status, _) = server.get_public("/metrics");
    assert_eq!(status, 401);
}

#[test]
fn cli_ingests_files_and_searches_as_table_json_and_stats() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let lines = dir.path().join("auth.log");
    std::fs::write(
        &lines,
        "Nov 23 10:00:01 bastion sshd[811]: Failed password for root from 198.51.100.7 port 4242 ssh2\n\
         Nov 23 10:00:02 bastion sshd[811]: Accepted publickey for deploy from 198.51.100.8 port 4243 ssh2\n\
         a line that is no syslog at all\n",
    )
    .unwrap();
    let json = dir.path().join("app.ndjson");
    std::fs::write(&json, ndjson(50, 1_763_900_000_000)).unwrap();
    let (code, out, err) = server.cli(&["ingest", lines.to_str().unwrap(), json.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("ingested 53 events"), "{out}");

    server.wait_for("source:file", 53);
    let (code, out, err) = server.cli(&["search", "sshd AND 198.51.100.7"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.contains("bastion") && out.contains("Failed password"),
        "{out}"
    );

    let (code, out, _) = server.cli(&["search", "--json", "unparsed:true"]);
    assert_eq!(code, 0);
    let e: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(e["message"], "a line that is no syslog at all");

    let (code, out, _) = server.cli(&["search", "source:file | stats count() by app"]);
    assert_eq!(code, 0);
    assert!(out.lines().next().unwrap().contains("count"), "{out}");
    assert!(out.contains("nginx") && out.contains("50"), "{out}");

    let (code, out, _) = server.cli(&["search", "--limit", "5", "app:nginx"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 5);

    let (code, _, _) = server.cli(&["search", "nothing-matches-this-xyz"]);
    assert_eq!(code, 1, "no match exits 1, like grep");
    let (code, _, err) = server.cli(&["search", "a AND (b"]);
    assert_ne!(code, 0);
    assert!(err.contains("position"), "{err}");
}

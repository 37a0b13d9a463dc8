//! The server verifies its own audit trail: a byte flipped in the records file of a running
//! server is found (on the periodic check, on `POST /api/v1/audit/verify` and on
//! `palisade audit verify --remote`), the overview
//! shows the failed verification, and the built-in rule raises a high alert through
//! `GET /api/v1/alerts`.

use crate::harness::{tempdir, Server};
use serde_json::Value;
use std::{
    os::unix::fs::FileExt,
    time::{Duration, Instant},
};

/// The built-in rule "Palisade audit trail verification failed".
const VERIFICATION_FAILED: &str = "d5a91c3e-7b2f-4e8d-9c16-3f0e8a4b2d77";

/// Polls `GET /api/v1/audit/verification` until `done` holds or 20 s pass.
fn wait_verification(server: &Server, token: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = server.get_as(token, "/api/v1/audit/verification", &[]);
        assert_eq!(status, 200, "{body}");
        if done(&body) || Instant::now() > deadline {
            return body;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_tampered_trail_of_a_running_server_raises_a_high_alert() {
    let dir = tempdir();
    let server = Server::start(dir.path(), Some("[audit]\nverify_interval = \"1s\"\n"));
    let auditor = server.token_for("auditadmin");
    let first = wait_verification(&server, &auditor, |v| v["verified"] == true);
    assert_eq!(first["verified"], true, "{first}");
    assert!(first["time"].as_str().is_some(), "{first}");
    let (status, body) = server.get("/api/v1/audit/verification", &[]);
    assert_eq!(status, 403, "only audit administrators see it: {body}");
    // Let a signed tree head cover the records written so far.
    std::thread::sleep(Duration::from_millis(1_500));
    let (status, now) = server.call_as(&auditor, "POST", "/api/v1/audit/verify", None);
    assert_eq!(
        (status, &now["verified"]),
        (200, &Value::Bool(true)),
        "{now}"
    );
    let token_file = dir.path().join("auditor.token");
    std::fs::write(&token_file, &auditor).unwrap();
    let token_file = token_file.to_string_lossy().into_owned();
    let (code, out, err) =
        server.cli(&["audit", "verify", "--remote", "--token-file", &token_file]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("audit trail OK on https://"), "{out}");

    // Flip one byte inside the first record's JSON.
    let records = dir.path().join("data/audit/records.log");
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&records)
        .unwrap();
    let mut byte = [0u8; 1];
    file.read_exact_at(&mut byte, 40).unwrap();
    file.write_all_at(&[byte[0] ^ 0x20], 40).unwrap();
    drop(file);

    let (status, now) = server.call_as(&auditor, "POST", "/api/v1/audit/verify", None);
    assert_eq!(status, 200, "{now}");
    assert_eq!(now["verified"], false, "{now}");
    let failure = now["failure"].as_str().unwrap_or_default();
    assert!(failure.contains("record 0"), "names the place: {now}");
    // The CLI asks the running server too, and fails.
    let (code, out, err) =
        server.cli(&["audit", "verify", "--remote", "--token-file", &token_file]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("audit verify FAILED") && err.contains("record 0"),
        "{err}"
    );
    let last = wait_verification(&server, &auditor, |v| v["verified"] == false);
    assert_eq!(last["verified"], false, "{last}");

    let deadline = Instant::now() + Duration::from_secs(20);
    let alerts = loop {
        let (status, body) = server.get("/api/v1/alerts", &[("rule", VERIFICATION_FAILED)]);
        assert_eq!(status, 200, "{body}");
        let alerts = body["alerts"].as_array().cloned().unwrap_or_default();
        if !alerts.is_empty() || Instant::now() > deadline {
            break alerts;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let alert = alerts.first().expect("an alert on the failed verification");
    assert_eq!(alert["level"], "high", "{alert}");
    assert_eq!(
        alert["rule_title"],
        "Palisade audit trail verification failed"
    );

    // The failure and its place are in the pipeline as an API Activity event.
    let query = [(
        "q",
        "class_uid:6003 AND metadata.event_code:\"audit.verify\" AND status_id:2",
    )];
    let events = server.get("/api/v1/events", &query).1;
    let event = &events["events"][0];
    assert!(
        event["status_detail"]
            .as_str()
            .is_some_and(|d| d.contains("record 0")),
        "{events}"
    );
}

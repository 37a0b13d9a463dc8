//! The keys the event store makes for itself are audited like key operations through the API:
//! creating a tenant's storage key and generating a data key under it each leave an intent and
//! an outcome record in the audit trail and a key-operation event in the tenant's events.

use crate::harness::{tempdir, Server};
use std::time::Duration;

const TENANT: &str = "gamma";
const KEY: &str = "palisade-storage-gamma";

fn audit_records(server: &Server) -> Vec<serde_json::Value> {
    let auditor = server.token_for("auditadmin");
    let (status, body) = server.get_as(&auditor, "/api/v1/audit/records", &[("limit", "10000")]);
    assert_eq!(status, 200, "{body}");
    body["records"].as_array().cloned().unwrap_or_default()
}

/// The tenant's key-operation events naming the storage key, once `want` are searchable.
fn key_events(server: &Server, want: usize) -> Vec<serde_json::Value> {
    for _ in 0..400 {
        let query = [("q", KEY), ("limit", "100"), ("tenant", TENANT)];
        let (status, body) = server.get("/api/v1/events", &query);
        assert_eq!(status, 200, "{body}");
        let events = body["events"].as_array().cloned().unwrap_or_default();
        if events.len() >= want {
            return events;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("fewer than {want} key events for {KEY}");
}

#[test]
fn storage_keys_the_store_creates_are_audited() {
    let dir = tempdir();
    let server = Server::start(dir.path(), Some("[storage]\nflush_interval = \"100ms\"\n"));
    let (status, body) = server.post(
        &format!("/api/v1/ingest?tenant={TENANT}"),
        "application/x-ndjson",
        br#"{"message":"first event of gamma"}"#,
    );
    assert_eq!(status, 200, "{body}");

    let events = key_events(&server, 2);
    for operation in ["create", "datakey"] {
        let event = events
            .iter()
            .find(|e| e["api"]["operation"] == operation)
            .unwrap_or_else(|| panic!("no {operation} event in {events:#?}"));
        assert_eq!(event["actor"]["user"]["name"], "palisade-store");
        assert_eq!(event["status"], "Success");
        assert_eq!(event["resources"][0]["name"], KEY);
        assert_eq!(event["resources"][0]["version"], 1);
    }

    let records = audit_records(&server);
    let of = |action: &str| -> Vec<&serde_json::Value> {
        records
            .iter()
            .filter(|r| {
                r["event_type"] == "kms.store_key"
                    && r["action"] == action
                    && r["object"] == format!("kms/keys/{KEY}")
            })
            .collect()
    };
    for action in ["create", "datakey"] {
        let pair = of(action);
        assert_eq!(pair.len(), 2, "{action}: {pair:#?}");
        assert_eq!(pair[0]["result"], "pending");
        assert_eq!(pair[1]["result"], "success");
        assert_eq!(pair[0]["request_id"], pair[1]["request_id"]);
        assert_eq!(pair[1]["subject"]["identity"], "palisade-store");
        assert_eq!(pair[1]["subject"]["tenant"], TENANT);
    }
    let create = of("create")[0]["index"].as_u64().unwrap();
    let datakey = of("datakey")[0]["index"].as_u64().unwrap();
    assert!(
        create < datakey,
        "the key is made before its first data key"
    );
}

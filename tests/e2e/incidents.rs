//! Incidents end to end: alerts submitted to the real server are grouped into incidents,
//! worked through the API and the CLI, reported (MTTA/MTTR, patterns), and survive a restart.

use crate::harness::{client_tls, tempdir, Server};
use serde_json::{json, Value};
use std::sync::Arc;

/// An alert as detection raises it.
pub fn alert(id: &str, rule: &str, host: &str, src_ip: &str, level: &str) -> Value {
    let now = palisade_core::time::now_ms();
    json!({
        "id": id, "tenant": "default", "rule_id": rule, "rule_title": format!("Rule {rule}"),
        "level": level, "tags": ["attack.t1110"], "kind": "detection", "event_ids": [1],
        "first_seen": now, "last_seen": now, "count": 1,
        "entities": {"host": host, "src_ip": src_ip, "user": "root"}
    })
}

/// Submits an alert; the incident id it joined.
pub fn submit(server: &Server, alert: &Value) -> i64 {
    let (status, body) = server.post(
        "/api/v1/incidents/alerts",
        "application/json",
        alert.to_string().as_bytes(),
    );
    assert_eq!(status, 200, "{body}");
    body["incident"].as_i64().unwrap()
}

/// PATCH with the admin token; (status, body).
pub fn patch(server: &Server, path: &str, body: &Value) -> (u16, Value) {
    let agent = ureq::AgentBuilder::new()
        .tls_config(Arc::new(client_tls(&server.dir.join("data/tls/cert.pem"))))
        .build();
    let result = agent
        .request("PATCH", &format!("{}{path}", server.url()))
        .set("Authorization", &format!("Bearer {}", server.token))
        .set("Content-Type", "application/json")
        .send_string(&body.to_string());
    match result {
        Ok(r) => (r.status(), r.into_json().unwrap_or(Value::Null)),
        Err(ureq::Error::Status(code, r)) => (code, r.into_json().unwrap_or(Value::Null)),
        Err(e) => panic!("PATCH {path}: {e}"),
    }
}

#[test]
fn incidents_are_grouped_worked_reported_and_survive_a_restart() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let first = submit(
        &server,
        &alert("a1", "ssh-brute", "web1", "203.0.113.7", "high"),
    );
    let joined = submit(
        &server,
        &alert("a2", "ssh-brute", "web1", "203.0.113.8", "high"),
    );
    let other = submit(
        &server,
        &alert("a3", "sudo-abuse", "db1", "198.51.100.2", "low"),
    );
    assert_eq!(first, joined, "same rule and host: one incident");
    assert_ne!(first, other);

    let (code, out, err) = server.cli(&["incidents", "list", "--state", "open"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Rule ssh-brute")
            && out.contains("Rule sudo-abuse")
            && out.contains("2 incidents"),
        "{out}"
    );

    // Closing a new incident is refused with the way forward.
    let (code, _, err) = server.cli(&["incidents", "close", &first.to_string()]);
    assert_ne!(code, 0);
    assert!(
        err.contains("409") && err.contains("resolve it first"),
        "{err}"
    );
    let (status, body) = patch(
        &server,
        &format!("/api/v1/incidents/{first}"),
        &json!({"state": "bogus"}),
    );
    assert_eq!(status, 400, "{body}");

    let (code, out, err) = server.cli(&["incidents", "ack", &first.to_string(), "--note", "on it"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("acknowledged"), "{out}");
    let (status, _) = patch(
        &server,
        &format!("/api/v1/incidents/{first}"),
        &json!({"assignee": "ann"}),
    );
    assert_eq!(status, 200);
    for step in ["resolve", "close"] {
        let (code, _, err) = server.cli(&["incidents", step, &first.to_string()]);
        assert_eq!(code, 0, "{step}: {err}");
    }
    let (code, out, _) = server.cli(&["incidents", "show", &first.to_string()]);
    assert_eq!(code, 0);
    assert!(
        out.contains("State         closed") && out.contains("on it") && out.contains("Alerts (2)"),
        "{out}"
    );

    let (status, metrics) = server.get("/api/v1/incidents/metrics", &[("from", "now-1h")]);
    assert_eq!(status, 200, "{metrics}");
    assert_eq!(metrics["overall"]["incidents"], 2);
    assert_eq!(metrics["overall"]["resolved"], 1);
    assert!(metrics["overall"]["mtta_ms"].as_i64().is_some());
    let high = metrics["by_severity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "high")
        .unwrap()
        .clone();
    assert!(high["mttr_ms"].as_i64().unwrap() >= 0, "{high}");
    let (code, out, err) = server.cli(&["incidents", "patterns", "--min", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("ssh-brute (Rule ssh-brute)") && out.contains("203.0.113.7"),
        "{out}"
    );

    // A tenant the caller names must exist in the caller's scope; the id must exist.
    let (status, _) = server.get("/api/v1/incidents/999", &[]);
    assert_eq!(status, 404);

    let path = server.kill9();
    let server = Server::start(&path, None);
    let (status, detail) = server.get(&format!("/api/v1/incidents/{first}"), &[]);
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["state"], "closed");
    assert_eq!(detail["assignee"], "ann");
    let actions: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "opened",
            "alert_joined",
            "state",
            "note",
            "assignee",
            "state",
            "state"
        ]
    );
    assert_eq!(detail["history"][2]["actor"], "admin");
}

//! Parser chains managed through the API, against the live server: a tenant's chain parses
//! that tenant's events only, bad chains are refused with the step and reason, chains survive
//! a restart, and a mined template promoted to a parser parses the lines it stood for.

use crate::harness::{tempdir, Server};
use serde_json::json;

const KV_CHAIN: &str = r#"{
  "sources": ["payments"],
  "steps": [
    { "type": "kv" },
    { "type": "convert", "field": "amount", "to": "float" },
    { "type": "ocsf", "class": "api_activity", "activity": "create" }
  ]
}"#;

fn ingest(server: &Server, token: &str, source: &str, body: &str) {
    let (status, answer) = server.call_as(
        token,
        "POST",
        &format!("/api/v1/ingest?source={source}"),
        Some(&json!([{ "message": body }])),
    );
    assert_eq!(status, 200, "ingest: {answer}");
}

fn count_as(server: &Server, token: &str, q: &str, want: u64) -> u64 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let query = format!("{q} | stats count()");
        let (status, body) = server.get_as(token, "/api/v1/events", &[("q", &query)]);
        assert_eq!(status, 200, "{body}");
        let n = body["table"]["rows"][0][0].as_u64().unwrap_or(0);
        if n >= want || std::time::Instant::now() > deadline {
            return n;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn a_tenants_chain_parses_its_events_only_and_survives_a_restart() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let (_, acme_admin) = server.account("acme", "sysadmin");
    let (_, acme_user) = server.account("acme", "user");
    let (_, globex_admin) = server.account("globex", "sysadmin");
    let (_, globex_user) = server.account("globex", "user");
    let chain: serde_json::Value = serde_json::from_str(KV_CHAIN).unwrap();

    let (status, body) = server.call_as(&acme_user, "PUT", "/api/v1/parsers/pay", Some(&chain));
    assert_eq!(status, 403, "a user cannot change parsers: {body}");
    let broken =
        json!({ "steps": [{ "type": "kv" }, { "type": "convert", "field": "x", "to": "date" }] });
    let (status, body) = server.call_as(&acme_admin, "PUT", "/api/v1/parsers/pay", Some(&broken));
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        (body["chain"].as_str(), body["step"].as_u64()),
        (Some("pay"), Some(2))
    );
    assert!(body["reason"].as_str().unwrap().contains("date"), "{body}");
    let (status, body) = server.call_as(&acme_admin, "PUT", "/api/v1/parsers/pay", Some(&chain));
    assert_eq!(status, 200, "{body}");

    ingest(&server, &acme_admin, "payments", "user=alice amount=12.5");
    ingest(&server, &globex_admin, "payments", "user=mallory amount=3");
    assert_eq!(
        count_as(
            &server,
            &acme_user,
            "class_uid:6003 AND user:alice AND amount>10",
            1
        ),
        1
    );
    assert_eq!(count_as(&server, &globex_user, "mallory", 1), 1);
    assert_eq!(
        count_as(&server, &globex_user, "class_uid:6003 AND mallory", 0),
        0,
        "acme's chain never parses globex's events"
    );

    let (_, listed) = server.get_as(&globex_admin, "/api/v1/parsers", &[]);
    assert_eq!(
        listed["chains"],
        json!([]),
        "globex sees none of acme's chains"
    );
    let (status, _) = server.call_as(&globex_admin, "DELETE", "/api/v1/parsers/pay", None);
    assert_eq!(status, 404);
    let (status, _) = server.get_as(&globex_admin, "/api/v1/parsers", &[("tenant", "acme")]);
    assert_eq!(status, 403);

    let dir = server.kill9();
    let server = Server::start(&dir, None);
    let (_, listed) = server.get_as(&acme_admin, "/api/v1/parsers", &[]);
    assert_eq!(listed["chains"][0]["name"], "pay", "{listed}");
    ingest(&server, &acme_admin, "payments", "user=bob amount=40");
    assert_eq!(
        count_as(&server, &acme_user, "class_uid:6003 AND user:bob", 1),
        1
    );
    let (status, _) = server.call_as(&acme_admin, "DELETE", "/api/v1/parsers/pay", None);
    assert_eq!(status, 200);
    ingest(&server, &acme_admin, "payments", "user=carol amount=1");
    assert_eq!(count_as(&server, &acme_user, "carol", 1), 1);
    assert_eq!(
        count_as(&server, &acme_user, "class_uid:6003 AND carol", 0),
        0
    );
}

#[test]
fn a_promoted_template_parses_the_lines_it_stood_for() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    // A word that changes between lines becomes a wildcard once three lines say so.
    let lines: String = ["alice", "bob", "dave", "erin"]
        .iter()
        .enumerate()
        .map(|(i, name)| format!("badge reader door {i} opened by {name} at north gate\n"))
        .collect();
    let lines = lines.as_bytes();
    let (status, body) = server.post("/api/v1/ingest?source=doors", "text/plain", lines);
    assert_eq!(status, 200, "{body}");
    server.wait_for("unparsed:true AND door", 4);
    let (_, listed) = server.get("/api/v1/templates", &[]);
    let template = listed["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["template"] == "badge reader door <*> opened by <*> at north gate")
        .unwrap_or_else(|| panic!("template mined: {listed}"))
        .clone();
    let id = template["id"].as_str().unwrap();

    let (code, out, err) = server.cli(&[
        "templates",
        "promote",
        id,
        "--name",
        "doors",
        "--field",
        "door.id",
        "--field",
        "user.name",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = server.cli(&["parsers", "list"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("doors") && out.contains("door <*> opened by <*> at north gate"),
        "{out}"
    );

    let line = b"badge reader door 12 opened by carol at north gate\n";
    let (status, body) = server.post("/api/v1/ingest?source=doors", "text/plain", line);
    assert_eq!(status, 200, "{body}");
    let events = server.wait_for("user.name:carol AND door.id:12", 1);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["metadata"]["parser"], "doors", "{}", events[0]);
    assert_eq!(server.count("unparsed:true AND carol"), 0);

    let (status, body) = server.call_as(
        &server.token,
        "POST",
        "/api/v1/templates/0000000000000000/promote",
        Some(&json!({ "name": "x" })),
    );
    assert_eq!(status, 404, "{body}");
}

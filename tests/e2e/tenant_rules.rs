//! Tenant-scoped detection rules and alerts as OCSF Detection Findings, against the real
//! server: a tenant's security administrator writes rules for its tenant only, another
//! tenant neither sees nor changes them, and every new alert is searchable as one
//! `class_uid:2004` finding (and one update per status change) that a restart does not
//! duplicate.

use crate::harness::{tempdir, Server};
use serde_json::{json, Value};
use std::{
    io::Write,
    net::TcpStream,
    time::{Duration, Instant},
};

/// A Sigma rule as a JSON object (JSON is YAML): fires on events naming logsource product
/// `e2e` whose message holds `tenant-magic`.
fn tenant_rule() -> Value {
    json!({
        "title": "E2E tenant magic",
        "id": "e2e-tenant-magic",
        "logsource": {"product": "e2e"},
        "detection": {"selection": {"message|contains": "tenant-magic"}, "condition": "selection"},
        "level": "high",
        "tags": ["attack.execution"],
    })
}

/// Ingests one OCSF event holding `message` into `tenant`, as the operator.
fn ingest(server: &Server, tenant: &str, message: &str) {
    let event = json!([{ "class_uid": 0, "message": message, "logsource": {"product": "e2e"} }]);
    let path = format!("/api/v1/ingest?tenant={tenant}");
    let (status, body) = server.call_as(&server.token, "POST", &path, Some(&event));
    assert_eq!(status, 200, "{body}");
}

/// The operator's list of `tenant`'s alerts of the tenant rule, once `want` exist or 20 s pass.
fn tenant_alerts(server: &Server, tenant: &str, want: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let query = [("tenant", tenant), ("rule", "e2e-tenant-magic")];
        let (status, body) = server.get("/api/v1/alerts", &query);
        assert_eq!(status, 200, "{body}");
        let alerts = body["alerts"].as_array().cloned().unwrap_or_default();
        if alerts.len() >= want || Instant::now() > deadline {
            return alerts;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn has_rule(listing: &Value, id: &str) -> bool {
    listing["rules"]
        .as_array()
        .is_some_and(|rules| rules.iter().any(|r| r["id"] == id))
}

#[test]
fn a_tenant_rule_fires_on_its_tenant_only_and_other_tenants_cannot_see_or_change_it() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let (_, acme) = server.account("acme", "secadmin");
    let (_, rival) = server.account("rival", "secadmin");
    let (_, acme_user) = server.account("acme", "user");
    let rule = tenant_rule();

    let (status, _) = server.call_as(&acme_user, "POST", "/api/v1/rules", Some(&rule));
    assert_eq!(status, 403, "a user does not write rules");
    let (status, body) = server.call_as(&acme, "POST", "/api/v1/rules", Some(&rule));
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["rules"][0]["tenant"], "acme");

    // Fires on acme's events only.
    ingest(&server, "rival", "tenant-magic in rival");
    ingest(&server, "acme", "tenant-magic in acme");
    let alerts = tenant_alerts(&server, "acme", 1);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["tenant"], "acme");
    assert!(
        // Rival's event came first: detection has seen it once acme's alert exists.
        tenant_alerts(&server, "rival", 0).is_empty(),
        "acme's rule fired on rival's event"
    );

    // Rival's security administrator neither sees nor changes acme's rule.
    let (_, listing) = server.get_as(&rival, "/api/v1/rules", &[]);
    assert!(!has_rule(&listing, "e2e-tenant-magic"), "{listing}");
    assert!(
        has_rule(&listing, "d78c928f-282e-416d-98ee-39fb39b3beb4"),
        "global rules listed"
    );
    let one = "/api/v1/rules/e2e-tenant-magic";
    let (status, _) = server.get_as(&rival, one, &[]);
    assert_eq!(status, 404);
    for (method, path) in [
        ("PUT", one.to_owned()),
        ("DELETE", one.to_owned()),
        ("POST", format!("{one}/disable")),
    ] {
        let body = (method == "PUT").then_some(&rule);
        let (status, answer) = server.call_as(&rival, method, &path, body);
        assert_eq!(status, 404, "{method} {path}: {answer}");
        let (status, _) = server.call_as(&rival, method, &format!("{path}?tenant=acme"), body);
        assert_eq!(status, 403, "{method} {path}?tenant=acme");
    }
    let (_, listing) = server.get_as(&acme, "/api/v1/rules", &[]);
    assert!(has_rule(&listing, "e2e-tenant-magic"), "{listing}");
    let (_, listing) = server.get("/api/v1/rules", &[]);
    assert!(
        has_rule(&listing, "e2e-tenant-magic"),
        "the operator sees it"
    );

    // A tenant disables a global rule for itself only.
    let sudo = "/api/v1/rules/d78c928f-282e-416d-98ee-39fb39b3beb4";
    let (status, body) = server.call_as(&acme, "POST", &format!("{sudo}/disable"), None);
    assert_eq!(
        (status, &body["rule"]["enabled"]),
        (200, &false.into()),
        "{body}"
    );
    let (_, body) = server.get_as(&rival, sudo, &[]);
    assert_eq!(body["rule"]["enabled"], true, "{body}");
    let (status, _) = server.call_as(&acme, "DELETE", sudo, None);
    assert_eq!(status, 400, "a tenant cannot delete a global rule");

    // Acme's rule and setting survive a restart; acme's secadmin deletes its rule.
    drop(server);
    let server = Server::start(dir.path(), None);
    let (_, body) = server.get_as(&acme, sudo, &[]);
    assert_eq!(body["rule"]["enabled"], false, "{body}");
    ingest(&server, "acme", "tenant-magic again");
    let alerts = tenant_alerts(&server, "acme", 1);
    assert_eq!(alerts[0]["count"], 2, "{alerts:?}");
    let (status, _) = server.call_as(&acme, "DELETE", one, None);
    assert_eq!(status, 200);
    let (status, _) = server.get_as(&acme, one, &[]);
    assert_eq!(status, 404);
}

/// Sends one RFC 5424 line over TCP syslog.
fn send_syslog(server: &Server, app: &str, message: &str) {
    let mut stream = TcpStream::connect(server.syslog).unwrap();
    let line = format!("<38>1 - e2e-host {app} 4242 - - {message}\n");
    stream.write_all(line.as_bytes()).unwrap();
    stream.flush().unwrap();
}

#[test]
fn a_new_alert_is_searchable_as_one_ocsf_detection_finding_across_a_restart() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    send_syslog(
        &server,
        "sudo",
        "mallory : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/mallory ; USER=root ; COMMAND=/usr/bin/id",
    );
    let findings = server.wait_for("class_uid:2004", 1);
    assert_eq!(findings.len(), 1, "{findings:?}");
    let finding = &findings[0];
    let info = &finding["finding_info"];
    assert_eq!(
        info["analytic"]["uid"],
        "d78c928f-282e-416d-98ee-39fb39b3beb4"
    );
    assert_eq!(info["title"], "Sudo refused a user not in sudoers");
    assert_eq!(finding["severity_id"], 4, "high");
    assert_eq!(finding["category_uid"], 2);
    assert_eq!(finding["metadata"]["product"]["name"], "Palisade");
    assert_eq!(finding["metadata"]["tenant_uid"], "default");
    let (_, alerts) = server.get("/api/v1/alerts", &[]);
    assert_eq!(
        alerts["count"], 1,
        "the finding raised no alert of its own: {alerts}"
    );
    assert_eq!(info["uid"], alerts["alerts"][0]["id"]);
    assert_eq!(alerts["alerts"][0]["status"], "new");

    // A status change writes the finding's update.
    let id = alerts["alerts"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/alerts/{id}/status");
    let resolved = json!({ "status": "resolved" });
    let (status, body) = server.call_as(&server.token, "POST", &path, Some(&resolved));
    assert_eq!((status, &body["changed"]), (200, &true.into()), "{body}");
    let (status, _) = server.call_as(&server.token, "POST", &path, Some(&json!({"status": "x"})));
    assert_eq!(status, 400);
    let updates = server.wait_for("class_uid:2004 status_id:4", 1);
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0]["activity_id"], 2);
    assert_eq!(updates[0]["finding_info"]["uid"], id.as_str());
    let (_, one) = server.get(&format!("/api/v1/alerts/{id}"), &[]);
    assert_eq!(one["status"], "resolved", "{one}");

    // SIGKILL: the write-ahead log is replayed through detection; nothing is raised or
    // written twice.
    let dir_path = server.kill9();
    let server = Server::start(&dir_path, None);
    send_syslog(&server, "app", "a marker after the restart");
    assert_eq!(server.wait_for("marker", 1).len(), 1);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        server.count("class_uid:2004"),
        2,
        "a finding was duplicated"
    );
    let (_, alerts) = server.get("/api/v1/alerts", &[]);
    assert_eq!(alerts["count"], 1, "{alerts}");
}

//! The console's SOC pages through plain HTTP against the real binary (the browser tests in
//! tests/browser/workflows.test.mjs drive them in Chromium): incident pages are scoped to the
//! caller's tenant, the rule test reports problems, and the live panels answer a client that
//! does not ask for an event stream with one snapshot.

use crate::harness::{client_tls, tempdir, Server};
use serde_json::json;
use std::sync::Arc;

/// GET `path` with `token`: the status and the body as text.
fn page(server: &Server, token: &str, path: &str) -> (u16, String) {
    let agent = ureq::AgentBuilder::new()
        .tls_config(Arc::new(client_tls(&server.dir.join("data/tls/cert.pem"))))
        .build();
    let result = agent
        .get(&format!("{}{path}", server.url()))
        .set("Authorization", &format!("Bearer {token}"))
        .call();
    match result {
        Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
        Err(e) => panic!("GET {path}: {e}"),
    }
}

#[test]
fn soc_pages_show_the_callers_tenant_only() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let (_, analyst) = server.account("acme", "secadmin");
    let (_, rival) = server.account("rival", "user");
    let alert = json!({
        "id": "console-e2e-1", "tenant": "acme", "rule_id": "r-e2e", "rule_title": "Beacon to <c2>",
        "level": "critical", "tags": [], "kind": "detection", "event_ids": [7],
        "first_seen": 1_000, "last_seen": 2_000, "count": 1,
        "entities": {"host": "web01", "src_ip": "203.0.113.9"}
    });
    let (status, body) = server.post(
        "/api/v1/incidents/alerts",
        "application/json",
        alert.to_string().as_bytes(),
    );
    assert_eq!(status, 200, "{body}");
    let id = body["incident"].as_i64().expect("incident id");

    let (status, html) = page(&server, &analyst, &format!("/console/incidents/{id}"));
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("Beacon to &#60;c2&#62;"),
        "titles are escaped: {html}"
    );
    assert!(html.contains(r#"data-to="acknowledged""#), "{html}");
    let (status, html) = page(&server, &analyst, "/console/incidents?severity=critical");
    assert_eq!(status, 200);
    assert!(html.contains(&format!(r#"href="/console/incidents/{id}""#)));
    assert_eq!(
        page(&server, &analyst, "/console/incidents?state=bogus").0,
        400
    );

    let (status, _) = page(&server, &rival, &format!("/console/incidents/{id}"));
    assert_eq!(status, 404, "another tenant's incident is not found");
    let (status, html) = page(&server, &rival, "/console/incidents?state=");
    assert_eq!(status, 200);
    assert!(!html.contains("Beacon"), "{html}");
    assert_eq!(
        page(&server, &rival, "/console/alerts/console-e2e-1").0,
        404
    );

    let (status, live) = page(&server, &analyst, "/console/live");
    assert_eq!(status, 200);
    assert!(live.starts_with("event: panels\ndata: \""), "{live}");
    assert!(live.contains("incident-levels"), "{live}");
    assert!(live.ends_with("\n\n"), "one event, then the answer ends");

    let (status, html) = page(&server, &analyst, "/console/rules?test=title%3A%20%5B");
    assert_eq!(status, 400);
    assert!(html.contains("invalid YAML"), "{html}");
    assert!(
        html.contains(r#"id="upload""#),
        "a tenant's security administrator uploads its tenant's rules"
    );
    let (_, reader) = server.account("acme", "user");
    let (status, html) = page(&server, &reader, "/console/rules");
    assert_eq!(status, 200);
    assert!(!html.contains(r#"id="upload""#), "a user only reads rules");
    let (status, html) = page(&server, &server.token, "/console/rules");
    assert_eq!(status, 200);
    assert!(html.contains(r#"id="upload""#));
}

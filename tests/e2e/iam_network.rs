//! Where credentials may be used from, against the live server: administrator tokens only
//! from `iam.admin_networks` (refused with a clear 403 and recorded), other tokens from
//! anywhere.

use crate::harness::{tempdir, Server};
use serde_json::Value;

/// The records of the audit trail, read with a fresh audit administrator's token.
fn audit_records(server: &Server) -> Vec<Value> {
    let auditor = server.token_for("auditadmin");
    let (status, body) = server.get_as(&auditor, "/api/v1/audit/records", &[("limit", "10000")]);
    assert_eq!(status, 200, "{body}");
    body["records"].as_array().cloned().unwrap_or_default()
}

#[test]
fn administrator_tokens_are_refused_outside_the_admin_networks() {
    let dir = tempdir();
    let inside = "[iam]\nadmin_networks = [\"127.0.0.1\"]\n";
    let server = Server::start(dir.path(), Some(inside));
    let sysadmin = server.token_for("sysadmin");
    let user = server.token_for("user");
    let (status, body) = server.get_as(&sysadmin, "/api/v1/users", &[]);
    assert_eq!(status, 200, "loopback is in the allowed list: {body}");
    drop(server);

    // The same tokens after the allowed list stops covering loopback.
    let outside = "[iam]\nadmin_networks = [\"10.0.0.0/8\"]\n";
    let server = Server::start(dir.path(), Some(outside));
    let (status, body) = server.get_as(&sysadmin, "/api/v1/users", &[]);
    assert_eq!(status, 403, "{body}");
    let message = body["error"].as_str().unwrap_or_default();
    assert!(
        message.contains("administrator tokens are not allowed from 127.0.0.1"),
        "{body}"
    );
    let (status, body) = server.get("/api/v1/whoami", &[]);
    assert_eq!(status, 403, "the bootstrap operator token too: {body}");
    let (status, body) = server.get_as(&user, "/api/v1/whoami", &[]);
    assert_eq!(
        status, 200,
        "a user token is not an administrator's: {body}"
    );
    drop(server);

    // The refusals are in the audit trail, with the reason.
    let server = Server::start(dir.path(), None);
    let refused: Vec<Value> = audit_records(&server)
        .into_iter()
        .filter(|r| r["event_type"] == "authorization" && r["status"] == 403)
        .collect();
    assert_eq!(refused.len(), 2, "{refused:#?}");
    assert!(refused.iter().all(|r| r["detail"]
        .as_str()
        .is_some_and(|d| d.contains("not allowed from 127.0.0.1"))));
    assert!(refused.iter().any(|r| r["subject"]["role"] == "sysadmin"));
}

/// GET `path` with `token` through curl, connecting from the loopback address `from`
/// (Linux routes all of 127.0.0.0/8 to the loopback interface); the HTTP status.
fn curl_from(server: &Server, from: &str, token: &str, path: &str) -> u16 {
    let out = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--interface",
            from,
        ])
        .arg("--cacert")
        .arg(server.dir.join("data/tls/cert.pem"))
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .arg(format!("{}{path}", server.url()))
        .output()
        .expect("curl (Debian package curl) runs");
    String::from_utf8_lossy(&out.stdout).parse().unwrap_or(0)
}

#[test]
fn a_token_used_from_a_new_network_is_recorded_and_raises_an_alert() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let user = server.token_for("user");
    assert_eq!(
        curl_from(&server, "127.0.0.1", &user, "/api/v1/whoami"),
        200
    );
    assert_eq!(
        curl_from(&server, "127.0.0.9", &user, "/api/v1/whoami"),
        200
    );
    // 127.0.1.5 is in another /24: the token's first use from there.
    assert_eq!(
        curl_from(&server, "127.0.1.5", &user, "/api/v1/whoami"),
        200
    );
    let noted: Vec<Value> = audit_records(&server)
        .into_iter()
        .filter(|r| r["event_type"] == "token.new_network")
        .collect();
    assert_eq!(noted.len(), 1, "only the new /24 is noted: {noted:#?}");
    assert!(
        noted[0]["detail"].to_string().contains("127.0.1.0/24"),
        "{noted:#?}"
    );

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (status, body) = server.get("/api/v1/alerts", &[]);
        assert_eq!(status, 200, "{body}");
        let raised = body["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["rule_title"] == "Palisade token used from a new network");
        if raised {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no alert: {body}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

//! Identities against the live server: console login with password and TOTP (secure session
//! cookie, CSRF token required on writes), TOTP replay refused, lockout with back-off under
//! brute force, logins in the audit trail, the `user` and `token` CLI, a revocable bootstrap
//! token, and a tenant delete that takes the tenant's events with it.

use crate::harness::{client_tls, tempdir, Server};
use serde_json::{json, Value};
use std::{sync::Arc, time::Duration};

const PASSWORD: &str = "correct horse battery staple";

/// A plain HTTPS client (no token) for the login flow.
fn agent(server: &Server) -> ureq::Agent {
    ureq::AgentBuilder::new()
        .tls_config(Arc::new(client_tls(&server.dir.join("data/tls/cert.pem"))))
        .timeout(Duration::from_secs(60))
        .build()
}

/// Sends a request; (status, headers we look at, JSON body).
fn send(req: ureq::Request, body: Option<Value>) -> (u16, Option<String>, Option<String>, Value) {
    let result = match body {
        Some(b) => req
            .set("Content-Type", "application/json")
            .send_string(&b.to_string()),
        None => req.call(),
    };
    let resp = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("request failed: {e}"),
    };
    let cookie = resp.header("set-cookie").map(str::to_owned);
    let retry = resp.header("retry-after").map(str::to_owned);
    (
        resp.status(),
        cookie,
        retry,
        resp.into_json().unwrap_or(Value::Null),
    )
}

fn login(
    server: &Server,
    user: &str,
    password: &str,
    totp: Option<&str>,
) -> (u16, Option<String>, Option<String>, Value) {
    let req = agent(server).post(&format!("{}/api/v1/login", server.url()));
    send(
        req,
        Some(json!({"tenant": "acme", "user": user, "password": password, "totp": totp})),
    )
}

fn code(secret: &str, offset_steps: i64) -> String {
    let now = palisade_core::time::now_ms() / 1000 + offset_steps * 30;
    palisade_iam::totp::code_at(secret, u64::try_from(now).unwrap()).unwrap()
}

/// `user` signs in with its password alone (a session that may only enrol), enrols a TOTP
/// second factor through the API and confirms it; answers the secret.
fn self_enrol(server: &Server, user: &str) -> String {
    let (status, cookie, _, body) = login(server, user, PASSWORD, None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["totp_enrolment_required"], json!(true));
    assert_eq!(body["roles"], json!([]));
    let session = cookie.expect("session cookie");
    let session = session.split(';').next().unwrap().to_owned();
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    let url = |p: &str| format!("{}{p}", server.url());
    let (status, _, _, _) = send(
        agent(server)
            .get(&url("/api/v1/whoami"))
            .set("Cookie", &session),
        None,
    );
    assert_eq!(
        status, 403,
        "a session without its second factor can only enrol"
    );
    let post = |path: &str| {
        agent(server)
            .post(&url(path))
            .set("Cookie", &session)
            .set("X-CSRF-Token", &csrf)
    };
    let (status, _, _, offer) = send(post("/api/v1/users/me/totp"), Some(json!({})));
    assert_eq!(status, 200, "{offer}");
    assert!(offer["uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    assert!(offer["qr_svg"].as_str().unwrap().starts_with("<svg"));
    let secret = offer["secret"].as_str().unwrap().to_owned();
    // The previous step's code confirms, leaving the current one for the next login.
    let confirm = json!({"code": code(&secret, -1)});
    let (status, _, _, done) = send(post("/api/v1/users/me/totp/confirm"), Some(confirm));
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["user"]["totp_enrolled"], json!(true));
    let (status, _, _, _) = send(
        agent(server)
            .get(&url("/api/v1/whoami"))
            .set("Cookie", &session),
        None,
    );
    assert_eq!(
        status, 401,
        "the password-only session ended at confirmation"
    );
    secret
}

#[test]
fn login_totp_csrf_lockout_and_audit() {
    let dir = tempdir();
    let config = "[iam]\nlockout_threshold = 3\nlockout_base = \"2s\"\n";
    let server = Server::start(dir.path(), Some(config));
    server.account("acme", "user");
    let new_user =
        json!({"tenant": "acme", "name": "sec", "roles": "secadmin", "password": PASSWORD});
    let (status, created) = server.call_as(&server.token, "POST", "/api/v1/users", Some(&new_user));
    assert_eq!(status, 201, "{created}");
    assert!(
        created.get("totp").is_none(),
        "creation hands out no second factor"
    );
    let secret = self_enrol(&server, "sec");
    let weak = json!({"tenant": "acme", "name": "weak", "roles": "user", "password": "short"});
    let (status, body) = server.call_as(&server.token, "POST", "/api/v1/users", Some(&weak));
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().contains("too short"),
        "{body}"
    );

    // Password alone is not enough for an administrator.
    let (status, _, _, body) = login(&server, "sec", PASSWORD, None);
    assert_eq!(status, 401, "{body}");
    let first = code(&secret, 0);
    let (status, cookie, _, body) = login(&server, "sec", PASSWORD, Some(&first));
    assert_eq!(status, 200, "{body}");
    let cookie = cookie.expect("session cookie");
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    let session = cookie.split(';').next().unwrap().to_owned();
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    assert_eq!(body["roles"], json!(["secadmin"]));

    // The session reads; writes need the CSRF token.
    let url = |p: &str| format!("{}{p}", server.url());
    let (status, _, _, me) = send(
        agent(&server)
            .get(&url("/api/v1/whoami"))
            .set("Cookie", &session),
        None,
    );
    assert_eq!((status, me["user"].as_str()), (200, Some("sec")));
    let key = json!({"name": "session-key"});
    let (status, _, _, body) = send(
        agent(&server)
            .post(&url("/api/v1/kms/keys"))
            .set("Cookie", &session),
        Some(key.clone()),
    );
    assert_eq!(status, 403, "write without CSRF token: {body}");
    let (status, _, _, body) = send(
        agent(&server)
            .post(&url("/api/v1/kms/keys"))
            .set("Cookie", &session)
            .set("X-CSRF-Token", &csrf),
        Some(key),
    );
    assert_eq!(status, 201, "write with CSRF token: {body}");
    let (status, _, _, _) = send(
        agent(&server)
            .get(&url("/api/v1/audit/records"))
            .set("Cookie", &session),
        None,
    );
    assert_eq!(
        status, 403,
        "a security administrator does not read the audit trail"
    );

    // The same code again is a replay.
    let (status, _, _, body) = login(&server, "sec", PASSWORD, Some(&first));
    assert_eq!(status, 401);
    assert!(
        body["error"].as_str().unwrap().contains("already used"),
        "{body}"
    );

    // Brute force: the third failure locks the account, even for the right password and a
    // fresh code; the lock lifts after the back-off.
    for _ in 0..2 {
        let (status, _, _, _) = login(&server, "sec", "wrong wrong wrong", Some(&first));
        assert!(status == 401 || status == 429, "{status}");
    }
    let (status, _, retry, body) = login(&server, "sec", PASSWORD, Some(&code(&secret, 1)));
    assert_eq!(status, 429, "{body}");
    assert!(retry.is_some_and(|r| r.parse::<u64>().unwrap() >= 1));
    std::thread::sleep(Duration::from_millis(2_100));
    let (status, _, _, body) = login(&server, "sec", PASSWORD, Some(&code(&secret, 1)));
    assert_eq!(status, 200, "after the back-off: {body}");

    // Logout ends the session (with its CSRF token).
    let (status, _, _, _) = send(
        agent(&server)
            .post(&url("/api/v1/logout"))
            .set("Cookie", &session)
            .set("X-CSRF-Token", &csrf),
        Some(json!({})),
    );
    assert_eq!(status, 200);
    let (status, _, _, _) = send(
        agent(&server)
            .get(&url("/api/v1/whoami"))
            .set("Cookie", &session),
        None,
    );
    assert_eq!(status, 401);

    // Every login is in the audit trail, and so in the pipeline.
    let auditor = server.token_for("auditadmin");
    let (status, body) = server.get_as(&auditor, "/api/v1/audit/records", &[("limit", "10000")]);
    assert_eq!(status, 200);
    let logins: Vec<&Value> = body["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["event_type"] == "login" && r["subject"]["identity"] == "sec")
        .collect();
    let count = |result: &str| logins.iter().filter(|r| r["result"] == result).count();
    // The password-only sign-in that enrolled the second factor, then two with a code.
    assert_eq!(count("success"), 3, "{logins:#?}");
    assert!(count("denied") >= 5, "{logins:#?}");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let in_pipeline = loop {
        let query = [
            ("q", "class_uid:6003 AND actor.user.name:sec"),
            ("tenant", "acme"),
            ("limit", "1000"),
        ];
        let (status, body) = server.get("/api/v1/events", &query);
        assert_eq!(status, 200, "{body}");
        let events = body["events"].as_array().cloned().unwrap_or_default();
        let logins = events
            .iter()
            .filter(|e| e["http_request"]["url"]["path"] == "/api/v1/login")
            .count();
        if logins >= 7 || std::time::Instant::now() > deadline {
            break (logins, events.first().cloned());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        in_pipeline.0 >= 7,
        "{} login events in the pipeline; one: {:?}",
        in_pipeline.0,
        in_pipeline.1
    );
}

#[test]
fn cli_tokens_bootstrap_revocation_and_tenant_delete() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let tenant = json!({"name": "acme"});
    let (status, _) = server.call_as(&server.token, "POST", "/api/v1/tenants", Some(&tenant));
    assert_eq!(status, 201);
    let (code, out, err) = server.cli(&["user", "add", "ops2", "--roles", "operator"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) =
        server.cli(&["user", "add", "ann", "--roles", "user", "--tenant", "acme"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = server.cli(&["user", "add", "eve", "--roles", "sysadmin,auditadmin"]);
    assert_ne!(code, 0);
    assert!(err.contains("separation of duties"), "{out}{err}");
    let (code, out, _) = server.cli(&["user", "list", "--tenant", "acme"]);
    assert_eq!(code, 0);
    assert!(out.contains("\"ann\""), "{out}");

    // Tokens: created through the CLI, shown once, scoped to their tenant.
    let create = [
        "token", "create", "--user", "ann", "--tenant", "acme", "--ttl", "1d",
    ];
    let (code, ann_token, err) = server.cli(&create);
    assert_eq!(code, 0, "{err}");
    let ann_token = ann_token.trim().to_owned();
    assert!(ann_token.starts_with("pal_"));
    let (status, _) = server.call_as(&ann_token, "GET", "/api/v1/events?tenant=default", None);
    assert_eq!(status, 403, "a tenant user cannot search another tenant");
    let req = agent(&server)
        .post(&format!("{}/api/v1/ingest?source=acme-app", server.url()))
        .set("Authorization", &format!("Bearer {ann_token}"))
        .set("Content-Type", "text/plain");
    assert_eq!(req.send_string("acme secret line\n").unwrap().status(), 200);
    let found = |server: &Server| {
        let query = [("q", "\"acme secret line\""), ("tenant", "acme")];
        let (status, body) = server.get("/api/v1/events", &query);
        assert_eq!(status, 200, "{body}");
        body["events"].as_array().map_or(0, Vec::len)
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while found(&server) == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(found(&server), 1);
    assert_eq!(
        server.count("\"acme secret line\""),
        0,
        "the operator's own tenant does not see it"
    );

    // `user disable` stops the account's tokens.
    let (code, _, err) = server.cli(&["user", "disable", "ann", "--tenant", "acme"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        server.call_as(&ann_token, "GET", "/api/v1/whoami", None).0,
        401
    );

    // Deleting the tenant deletes its events and accounts.
    let (status, body) = server.call_as(&server.token, "DELETE", "/api/v1/tenants/acme", None);
    assert_eq!(status, 200, "{body}");
    assert!(
        body["event_partitions_deleted"].as_u64().unwrap() >= 1,
        "{body}"
    );
    assert_eq!(
        found(&server),
        0,
        "events of a deleted tenant are still searchable"
    );
    assert!(!server.dir.join("data/events/tenants/acme").exists());
    let (status, _) = server.call_as(&server.token, "GET", "/api/v1/tenants/acme", None);
    assert_eq!(status, 404);

    // The bootstrap token is revocable: another operator revokes it.
    let create = ["token", "create", "--user", "ops2", "--role", "operator"];
    let (code, ops_token, err) = server.cli(&create);
    assert_eq!(code, 0, "{err}");
    let ops_token = ops_token.trim().to_owned();
    let (status, body) = server.call_as(&ops_token, "DELETE", "/api/v1/tokens/bootstrap", None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        server
            .call_as(&server.token, "GET", "/api/v1/whoami", None)
            .0,
        401
    );
    let (status, me) = server.call_as(&ops_token, "GET", "/api/v1/whoami", None);
    assert_eq!((status, me["user"].as_str()), (200, Some("ops2")));
}

#[test]
fn password_spraying_locks_the_source_address_out_and_alerts() {
    let dir = tempdir();
    let config = "[iam]\nsource_lockout_threshold = 5\nlockout_base = \"2s\"\n";
    let server = Server::start(dir.path(), Some(config));
    let accounts = ["ann", "bob", "cid", "dan"];
    for name in accounts {
        let user = json!({"tenant": "acme", "name": name, "roles": "user", "password": PASSWORD});
        if name == "ann" {
            let (status, _) = server.call_as(
                &server.token,
                "POST",
                "/api/v1/tenants",
                Some(&json!({"name": "acme"})),
            );
            assert!(status == 201 || status == 409);
        }
        let (status, body) = server.call_as(&server.token, "POST", "/api/v1/users", Some(&user));
        assert_eq!(status, 201, "{body}");
    }

    // One guess against each account (and one that does not exist): no account is locked,
    // but the fifth failure locks the address.
    for name in accounts.iter().chain(&["nobody"]) {
        let (status, _, _, body) = login(&server, name, "Autumn2026!!", None);
        assert_eq!(status, 401, "{body}");
    }
    let (status, _, retry, body) = login(&server, "ann", PASSWORD, None);
    assert_eq!(
        status, 429,
        "the right password from a locked-out address: {body}"
    );
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("too many failed logins from this address"),
        "{body}"
    );
    assert!(retry.is_some_and(|r| r.parse::<u64>().unwrap() >= 1));
    std::thread::sleep(Duration::from_millis(2_100));
    let (status, _, _, body) = login(&server, "ann", PASSWORD, None);
    assert_eq!(status, 200, "after the back-off: {body}");

    // The lockout is in the audit trail with the address, and raises alerts.
    let auditor = server.token_for("auditadmin");
    let (status, body) = server.get_as(&auditor, "/api/v1/audit/records", &[("limit", "10000")]);
    assert_eq!(status, 200);
    let lockouts: Vec<&Value> = body["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["event_type"] == "lockout.source")
        .collect();
    assert_eq!(lockouts.len(), 1, "{lockouts:#?}");
    assert!(lockouts[0]["detail"]
        .as_str()
        .unwrap()
        .contains("logins from 127.0.0.1 refused"));
    let wanted = [
        "Palisade locked out a source address",
        "Palisade password spraying from one address",
    ];
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let titles = loop {
        let (status, body) = server.get("/api/v1/alerts", &[("tenant", "acme")]);
        assert_eq!(status, 200, "{body}");
        let titles: Vec<String> = body["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["rule_title"].as_str().map(str::to_owned))
            .collect();
        let all = wanted.iter().all(|w| titles.iter().any(|t| t == w));
        if all || std::time::Instant::now() > deadline {
            break titles;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    for want in wanted {
        assert!(titles.iter().any(|t| t == want), "{want} not in {titles:?}");
    }
}

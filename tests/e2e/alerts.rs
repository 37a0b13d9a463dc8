//! Detection end to end: syslog into the real server, alerts out of the API; rules uploaded,
//! disabled and enabled without a restart; no duplicate alert after `kill -9` and replay.

use crate::harness::{tempdir, Server};
use std::{
    io::Write,
    net::TcpStream,
    time::{Duration, Instant},
};

/// Sends RFC 5424 lines (no timestamp: the event time is the arrival time) over TCP.
fn send_syslog(server: &Server, app: &str, messages: &[String]) {
    let mut stream = TcpStream::connect(server.syslog).unwrap();
    for message in messages {
        let line = format!("<38>1 - e2e-host {app} 4242 - - {message}\n");
        stream.write_all(line.as_bytes()).unwrap();
    }
    stream.flush().unwrap();
}

/// Lists alerts (with `query`) until `done` holds or 20 s pass; returns the last list.
fn wait_alerts(
    server: &Server,
    query: &[(&str, &str)],
    done: impl Fn(&[serde_json::Value]) -> bool,
) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = server.get("/api/v1/alerts", query);
        assert_eq!(status, 200, "{body}");
        let alerts = body["alerts"].as_array().cloned().unwrap_or_default();
        if done(&alerts) || Instant::now() > deadline {
            return alerts;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

const BRUTE_FORCE: &str = "e014c9de-c025-4e1d-a76d-7891c6c66e46";

#[test]
fn ssh_brute_force_over_syslog_is_listed_and_survives_kill_9_without_duplicates() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let failures: Vec<String> = (0..12)
        .map(|_| "Failed password for root from 203.0.113.5 port 50022 ssh2".to_owned())
        .collect();
    send_syslog(&server, "sshd", &failures);
    let query = [
        ("rule", BRUTE_FORCE),
        ("level", "high"),
        ("since", "now-1h"),
    ];
    let alerts = wait_alerts(&server, &query, |a| !a.is_empty());
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert = &alerts[0];
    assert_eq!(alert["rule_title"], "SSH brute force against one host");
    assert_eq!(alert["level"], "high");
    assert_eq!(alert["kind"], "correlation");
    assert_eq!(alert["tenant"], "default");
    assert_eq!(alert["entities"]["src_endpoint.ip"], "203.0.113.5");
    assert!(alert["tags"]
        .as_array()
        .unwrap()
        .contains(&"attack.t1110.001".into()));
    let id = alert["id"].as_str().unwrap().to_owned();
    let (status, one) = server.get(&format!("/api/v1/alerts/{id}"), &[]);
    assert_eq!((status, &one["id"]), (200, &alert["id"]));
    let (status, _) = server.get("/api/v1/alerts/999999", &[]);
    assert_eq!(status, 404);
    let (status, body) = server.get("/api/v1/alerts", &[("level", "severe")]);
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("severe"), "{body}");
    let (_, critical) = server.get("/api/v1/alerts", &[("level", "critical")]);
    assert_eq!(critical["count"], 0, "{critical}");

    // The events are in the write-ahead log only (no flush yet): a restart replays them
    // through detection, which must not raise or count anything twice.
    let before = server.get("/api/v1/alerts", &[]).1;
    let dir_path = server.kill9();
    let server = Server::start(&dir_path, None);
    assert_eq!(
        server.count("203.0.113.5 class_uid:3002"),
        12,
        "replayed events are searchable"
    );
    let after = server.get("/api/v1/alerts", &[]).1;
    assert_eq!(
        after["alerts"], before["alerts"],
        "replay changed the alerts"
    );
}

const UPLOAD: &str = "\
title: E2E magic token
id: e2e-magic-token-rule
status: test
logsource:
  product: linux
detection:
  selection:
    message|contains: 'e2e-magic-token'
  condition: selection
level: high
tags:
  - attack.execution
";

fn magic_alert_count(server: &Server, want: u64) -> u64 {
    let alerts = wait_alerts(server, &[("rule", "e2e-magic-token-rule")], |a| {
        a.first().and_then(|x| x["count"].as_u64()) >= Some(want)
    });
    alerts
        .first()
        .and_then(|a| a["count"].as_u64())
        .unwrap_or(0)
}

#[test]
fn uploaded_rule_fires_stops_when_disabled_and_persists_across_restart() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let (_, listed) = server.get("/api/v1/rules", &[]);
    let builtin = listed["rules"].as_array().unwrap().len();
    assert!(builtin >= 20, "{listed}");
    assert!(listed["rules"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["origin"] == "builtin"));

    // A broken rule is refused with its line and reason, and nothing changes.
    let broken = UPLOAD.replace("message|contains", "message|containz");
    let (status, body) = server.send("POST", "/api/v1/rules", &broken);
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["problems"][0]["line"], 8, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("containz"),
        "{body}"
    );
    let (_, listed) = server.get("/api/v1/rules", &[]);
    assert_eq!(listed["rules"].as_array().unwrap().len(), builtin);

    let (status, body) = server.send("POST", "/api/v1/rules", UPLOAD);
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["rules"][0]["id"], "e2e-magic-token-rule");
    assert_eq!(body["rules"][0]["origin"], "uploaded");
    let (status, _) = server.send("POST", "/api/v1/rules", UPLOAD);
    assert_eq!(status, 409, "a second upload of the same id conflicts");

    send_syslog(&server, "app", &["first e2e-magic-token".into()]);
    assert_eq!(magic_alert_count(&server, 1), 1);

    let (status, body) = server.send("POST", "/api/v1/rules/e2e-magic-token-rule/disable", "");
    assert_eq!((status, &body["rule"]["enabled"]), (200, &false.into()));
    send_syslog(&server, "app", &["second e2e-magic-token".into()]);
    // Detection runs before an event is stored: once it is searchable, it was inspected.
    assert_eq!(
        server.wait_for("second", 1).len(),
        1,
        "the event itself is stored"
    );
    assert_eq!(magic_alert_count(&server, 1), 1, "a disabled rule fired");

    // The upload and the disabled state survive a restart.
    drop(server);
    let server = Server::start(dir.path(), None);
    let (status, body) = server.get("/api/v1/rules/e2e-magic-token-rule", &[]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rule"]["enabled"], false);
    assert!(body["yaml"].as_str().unwrap().contains("e2e-magic-token"));

    let (status, _) = server.send("POST", "/api/v1/rules/e2e-magic-token-rule/enable", "");
    assert_eq!(status, 200);
    send_syslog(&server, "app", &["third e2e-magic-token".into()]);
    assert_eq!(
        magic_alert_count(&server, 2),
        2,
        "the repeat folds into the open alert"
    );

    let replacement = UPLOAD.replace("level: high", "level: critical");
    let (status, body) = server.send("PUT", "/api/v1/rules/e2e-magic-token-rule", &replacement);
    assert_eq!(
        (status, &body["rules"][0]["level"]),
        (200, &"critical".into())
    );
    let (status, _) = server.send(
        "DELETE",
        "/api/v1/rules/9553e100-e018-4248-bb22-b85a5fd7e675",
        "",
    );
    assert_eq!(status, 400, "built-in rules are disabled, not deleted");
    let (status, _) = server.send("DELETE", "/api/v1/rules/e2e-magic-token-rule", "");
    assert_eq!(status, 200);
    let (status, _) = server.get("/api/v1/rules/e2e-magic-token-rule", &[]);
    assert_eq!(status, 404);
}

#[test]
fn hunt_over_stored_events_through_the_server() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let failures: Vec<String> = (0..3)
        .map(|i| format!("Failed password for user{i} from 198.51.100.{i} port 22 ssh2"))
        .collect();
    send_syslog(&server, "sshd", &failures);
    send_syslog(&server, "app", &["an unrelated line".into()]);
    assert_eq!(server.wait_for("unrelated", 1).len(), 1);
    assert_eq!(server.count("sshd"), 3);
    let rule = dir.path().join("hunt-rule.yml");
    std::fs::write(
        &rule,
        "title: Hunted SSH failure\nid: hunted-ssh-failure\nlevel: medium\nlogsource:\n  \
         product: linux\n  service: sshd\ndetection:\n  sel:\n    status_id: 2\n  condition: sel\n",
    )
    .unwrap();
    let rule = rule.to_str().unwrap();
    let range = ["--from", "now-1h", "--to", "4102444800000"];
    let mut args = vec!["hunt", "--json", "--rules", rule];
    args.extend(range);
    let (code, stdout, stderr) = server.cli(&args);
    assert_eq!(code, 0, "{stderr}");
    let matches: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(matches.len(), 3, "{stdout}");
    assert!(matches.iter().all(|m| m["rule_id"] == "hunted-ssh-failure"));
    assert_eq!(matches[0]["event"]["metadata"]["product"]["name"], "sshd");
    assert!(stderr.contains("3 matches in "), "{stderr}");
    // Narrowed by a query, and nothing found: exit code 1 like grep.
    let mut args = vec!["hunt", "--rules", rule, "--query", "unrelated"];
    args.extend(range);
    let (code, stdout, _) = server.cli(&args);
    assert_eq!(code, 1, "{stdout}");
}

//! Parser chains configured in palisade.toml, through the live server, the offline `parse`
//! command and `config check`.

use crate::harness::{bin, tempdir, Server};
use std::process::Command;

const CHAINS: &str = r#"
[[parsers]]
name = "payments"
sources = ["payments"]
steps = [
  { type = "drop", when = "DEBUG" },
  { type = "grok", field = "raw_data", pattern = "%{LOGLEVEL:level} user=%{USERNAME:user.name} amount=%{NUMBER:amount:float}" },
  { type = "ocsf", class = "api_activity", activity = "create" },
]
"#;

#[test]
fn server_runs_chains_for_their_source_and_counts_drops() {
    let dir = tempdir();
    let server = Server::start(dir.path(), Some(CHAINS));
    let body = b"INFO user=alice amount=12.5\nDEBUG cache warm\nINFO user=bob amount=99\n";
    let (status, answer) = server.post("/api/v1/ingest?source=payments", "text/plain", body);
    assert_eq!(status, 200, "{answer}");
    let (status, _) = server.post(
        "/api/v1/ingest?source=other",
        "text/plain",
        b"INFO user=carol amount=1\n",
    );
    assert_eq!(status, 200);
    let events = server.wait_for("source:payments AND class_uid:6003", 2);
    assert_eq!(events.len(), 2);
    assert_eq!(server.count("user.name:alice AND amount>10"), 1);
    server.wait_for("source:other AND carol", 1);
    assert_eq!(
        server.count("user.name:carol"),
        0,
        "chains only touch their sources"
    );
    assert_eq!(server.count("source:payments AND DEBUG"), 0);
    let metrics = server.metrics();
    assert!(
        metrics.contains(r#"palisade_events_dropped_total{source="payments",reason="filter"} 1"#),
        "{metrics}"
    );
}

#[test]
fn parse_command_and_config_check_use_the_same_chains() {
    let dir = tempdir();
    let config = dir.path().join("palisade.toml");
    std::fs::write(&config, CHAINS).expect("write config");
    let log = dir.path().join("payments.log");
    std::fs::write(&log, "INFO user=alice amount=3\nDEBUG noise\n").expect("write log");
    let out = Command::new(bin())
        .args(["parse", "--source", "payments", "--config"])
        .arg(&config)
        .arg(&log)
        .output()
        .expect("run parse");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert_eq!(lines[0]["event"]["user"]["name"], "alice");
    assert!(String::from_utf8_lossy(&out.stderr).contains("dropped by a chain 1"));

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[parsers]]\nname = \"broken\"\nsteps = [{ type = \"grok\", pattern = \"%{NOPE:x}\" }]\n",
    )
    .expect("write bad config");
    let out = Command::new(bin())
        .args(["config", "check"])
        .arg(&bad)
        .output()
        .expect("run config check");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("\"broken\", step 1") && stderr.contains("NOPE"),
        "{stderr}"
    );
}

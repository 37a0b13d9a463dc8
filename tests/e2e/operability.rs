//! Health, readiness, metrics, version, configuration checks and refusals.

use crate::harness::{bin, tempdir, Server};
use std::process::Command;

#[test]
fn probes_and_metrics_report_the_pipeline() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    assert_eq!(server.get_public("/healthz"), (200, "ok\n".to_owned()));
    assert_eq!(server.get_public("/readyz").0, 200);
    let body = format!(
        "{}\nnot json\n",
        serde_json::json!({"message": "hello metrics"})
    );
    let (status, _) = server.post(
        "/api/v1/ingest?source=probe",
        "application/x-ndjson",
        body.as_bytes(),
    );
    assert_eq!(status, 200);
    server.wait_for("source:probe", 2);
    let metrics = server.metrics();
    for line in [
        "palisade_events_received_total{source=\"probe\"} 2",
        "palisade_events_parsed_total{source=\"probe\"} 1",
        "palisade_events_unparsed_total{source=\"probe\"} 1",
        "palisade_events_stored_total{source=\"probe\"} 2",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "missing {line:?} in\n{metrics}"
        );
    }
    for name in [
        "palisade_wal_bytes",
        "palisade_pipeline_lag_seconds",
        "palisade_memtable_events",
    ] {
        assert!(metrics.contains(&format!("# TYPE {name} gauge")), "{name}");
    }
}

#[test]
fn version_and_help_explain_themselves() {
    let out = Command::new(bin()).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("palisade 0."));
    let out = Command::new(bin())
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--data-dir",
        "--config",
        "--api",
        "--syslog",
        "--syslog-tls",
        "--insecure-http",
    ] {
        assert!(help.contains(flag), "{flag} in help:\n{help}");
    }
}

#[test]
fn config_check_names_the_line_and_default_config_passes() {
    let dir = tempdir();
    let good = dir.path().join("good.toml");
    let out = Command::new(bin())
        .args(["config", "default"])
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::write(&good, &out.stdout).unwrap();
    let out = Command::new(bin())
        .args(["config", "check"])
        .arg(&good)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[storage]\nzstd_level = 3\nretention_max_age = \"ten days\"\n",
    )
    .unwrap();
    let out = Command::new(bin())
        .args(["config", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3") && err.contains("not a duration"),
        "{err}"
    );
}

#[test]
fn plain_http_is_refused_off_loopback() {
    let dir = tempdir();
    let out = Command::new(bin())
        .args([
            "serve",
            "--insecure-http",
            "--api",
            "0.0.0.0:0",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}

#[test]
fn a_silent_api_client_is_disconnected() {
    use std::io::Read;
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let mut tcp = std::net::TcpStream::connect(server.api).unwrap();
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(40)))
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = [0u8; 64];
    // No TLS handshake at all: the server gives up on its own and closes.
    let closed = matches!(tcp.read(&mut buf), Ok(0) | Err(_));
    assert!(closed, "server closed the connection");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(35),
        "within the client timeout"
    );
}

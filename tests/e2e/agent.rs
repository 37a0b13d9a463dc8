//! The host agent against a live server: enrolment, tailing across rotation, heartbeats and
//! the agent list (silent after the timeout), buffered delivery across a server restart.

use crate::harness::{bin, tempdir, Server};
use std::{
    collections::HashMap,
    io::Write,
    net::{SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// A `palisade agent` process, killed when dropped.
pub(crate) struct AgentProcess(pub(crate) Child);

impl Drop for AgentProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Creates an enrolment token and enrols an agent through the CLI; returns the token file.
pub(crate) fn enrol(server: &Server, url: &str, dir: &Path) -> PathBuf {
    let (status, body) = server.post("/api/v1/agents/enrol-tokens", "application/json", b"{}");
    assert_eq!(status, 200, "{body}");
    let enrol_token = body["token"].as_str().unwrap().to_owned();
    let token_file = dir.join("agent/agent.token");
    let run = |token: &str| {
        Command::new(bin())
            .args(["agent", "enrol", "--server", url, "--enrol-token", token])
            .arg("--ca-file")
            .arg(server.dir.join("data/tls/cert.pem"))
            .arg("--token-file")
            .arg(&token_file)
            .args(["--hostname", "e2e-host"])
            .output()
            .unwrap()
    };
    let out = run(&enrol_token);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&token_file).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600, "the agent token is private");
    let again = run(&enrol_token);
    assert!(!again.status.success(), "an enrolment token works once");
    assert!(String::from_utf8_lossy(&again.stderr).contains("invalid, expired or already used"));
    token_file
}

/// Starts `palisade agent` tailing `log` with quick intervals.
fn start_agent(server_dir: &Path, url: &str, dir: &Path, token: &Path, log: &Path) -> AgentProcess {
    let config = dir.join("agent.toml");
    std::fs::write(
        &config,
        format!(
            "files = [{:?}]\npoll_interval = \"100ms\"\nheartbeat_interval = \"300ms\"\nmax_backoff = \"500ms\"\n",
            log.display().to_string()
        ),
    )
    .unwrap();
    let child = Command::new(bin())
        .args(["agent", "--server", url])
        .arg("--ca-file")
        .arg(server_dir.join("data/tls/cert.pem"))
        .arg("--token-file")
        .arg(token)
        .arg("--config")
        .arg(&config)
        .arg("--state-dir")
        .arg(dir.join("agent"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    AgentProcess(child)
}

fn append(path: &Path, lines: impl IntoIterator<Item = String>) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    for line in lines {
        writeln!(f, "{line}").unwrap();
    }
}

/// Messages of the events matching `word`, with how often each arrived, once `want` arrived.
fn arrived(server: &Server, word: &str, want: usize) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for e in server.wait_for(word, want) {
        *seen
            .entry(e["message"].as_str().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    seen
}

fn assert_exactly_once(server: &Server, word: &str, expected: &[String]) {
    let seen = arrived(server, word, expected.len());
    std::thread::sleep(Duration::from_millis(500));
    let seen_later = arrived(server, word, expected.len());
    assert_eq!(seen, seen_later, "nothing more arrives later");
    for line in expected {
        assert_eq!(seen.get(line), Some(&1), "{line:?} arrived once: {seen:?}");
    }
    assert_eq!(seen.len(), expected.len(), "{seen:?}");
}

fn agents(server: &Server) -> Vec<serde_json::Value> {
    let (status, body) = server.get("/api/v1/agents", &[]);
    assert_eq!(status, 200, "{body}");
    body["agents"].as_array().cloned().unwrap_or_default()
}

fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn agent_tails_across_rotation_reports_health_and_goes_silent() {
    let dir = tempdir();
    let server = Server::start(dir.path(), Some("[agents]\nsilent_after = \"2s\"\n"));
    let token = enrol(&server, &server.url(), dir.path());
    let auditor = server.token_for("auditadmin");
    let (status, body) = server.get_as(&auditor, "/api/v1/audit/records", &[("limit", "10000")]);
    assert_eq!(status, 200, "{body}");
    let enrolments: Vec<String> = body["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["event_type"] == "agent.enrol")
        .map(|r| r.to_string())
        .collect();
    assert_eq!(
        enrolments.len(),
        4,
        "intent and result of both attempts: {enrolments:#?}"
    );
    assert!(
        enrolments.iter().any(|r| r.contains("\"agent:")),
        "{enrolments:#?}"
    );
    let log = dir.path().join("app.log");
    let before: Vec<String> = (0..40).map(|i| format!("rotcheck before {i}")).collect();
    let after: Vec<String> = (0..40).map(|i| format!("rotcheck after {i}")).collect();
    append(&log, before[..20].to_vec());
    let agent = start_agent(&server.dir, &server.url(), dir.path(), &token, &log);
    arrived(&server, "rotcheck", 20);
    append(&log, before[20..].to_vec());
    std::fs::rename(&log, dir.path().join("app.log.1")).unwrap();
    append(&log, after.clone());
    let all: Vec<String> = before.iter().chain(&after).cloned().collect();
    assert_exactly_once(&server, "rotcheck", &all);
    let event = &server.wait_for("rotcheck", 1)[0];
    let text = event.to_string();
    assert!(
        text.contains("e2e-host") || text.contains(&hostname()),
        "host named: {text}"
    );
    assert!(text.contains("app.log"), "source file named: {text}");

    wait_until("the agent reported", || {
        agents(&server)
            .first()
            .is_some_and(|a| a["last_seen_ms"].is_i64() && a["health"]["files_tailed"] == 1)
    });
    let listed = &agents(&server)[0];
    assert_eq!(listed["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(listed["status"], "online");
    assert_eq!(listed["health"]["buffer_depth"], 0);
    drop(agent);
    wait_until("the agent is silent", || {
        agents(&server)[0]["status"] == "silent"
    });
    let silence = server.wait_for("unmapped.agent_status:silent", 1);
    let mut alerts = Vec::new();
    wait_until("the built-in rule's alert for the silent agent", || {
        alerts = server.get("/api/v1/alerts", &[]).1["alerts"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        !alerts.is_empty()
    });
    let silent_alert = alerts
        .iter()
        .find(|a| a["rule_title"] == "Palisade host agent went silent")
        .unwrap_or_else(|| panic!("{alerts:?}"));
    assert_eq!(silent_alert["level"], "medium");
    assert_eq!(silence.len(), 1, "reported once: {silence:?}");
    assert_eq!(
        silence[0]["unmapped"]["agent_id"], listed["id"],
        "{}",
        silence[0]
    );
    assert!(
        silence[0]["severity_id"].as_u64() > Some(0),
        "{}",
        silence[0]
    );

    // An agent token opens only the agent's own routes.
    let agent_token = std::fs::read_to_string(&token).unwrap();
    let answer = ureq::AgentBuilder::new()
        .tls_config(Arc::new(crate::harness::client_tls(
            &server.dir.join("data/tls/cert.pem"),
        )))
        .build()
        .get(&format!("{}/api/v1/events", server.url()))
        .set("Authorization", &format!("Bearer {}", agent_token.trim()))
        .call();
    assert!(
        matches!(answer, Err(ureq::Error::Status(401, _))),
        "{answer:?}"
    );
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// A TCP relay on a fixed port to whichever server currently runs (none while it is down), so
/// the agent keeps one URL across a server restart on a new ephemeral port.
struct Relay {
    addr: SocketAddr,
    target: Arc<Mutex<Option<SocketAddr>>>,
}

impl Relay {
    fn start() -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let target: Arc<Mutex<Option<SocketAddr>>> = Arc::default();
        let shared = target.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                let Some(to) = *shared.lock().unwrap() else {
                    continue;
                };
                let Ok(upstream) = TcpStream::connect(to) else {
                    continue;
                };
                for (mut from, mut into) in [
                    (client.try_clone().unwrap(), upstream.try_clone().unwrap()),
                    (upstream, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut into);
                        let _ = into.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Relay { addr, target }
    }

    fn point_at(&self, to: Option<SocketAddr>) {
        *self.target.lock().unwrap() = to;
    }

    fn url(&self) -> String {
        format!("https://{}", self.addr)
    }
}

#[test]
fn agent_buffers_on_disk_while_the_server_is_away() {
    let dir = tempdir();
    let relay = Relay::start();
    let server_dir = dir.path().join("server");
    let server = Server::start(&server_dir, None);
    relay.point_at(Some(server.api));
    let token = enrol(&server, &relay.url(), dir.path());
    let log = dir.path().join("app.log");
    let phase_one: Vec<String> = (0..20).map(|i| format!("bufcheck one {i}")).collect();
    let phase_two: Vec<String> = (0..30).map(|i| format!("bufcheck two {i}")).collect();
    let agent = start_agent(&server_dir, &relay.url(), dir.path(), &token, &log);
    append(&log, phase_one.clone());
    assert_exactly_once(&server, "bufcheck", &phase_one);

    // The server goes away; lines written meanwhile wait in the disk buffer, even across an
    // agent restart.
    relay.point_at(None);
    server.kill9();
    append(&log, phase_two[..15].to_vec());
    let buffer = dir.path().join("agent/buffer");
    wait_until("a batch is buffered", || {
        std::fs::read_dir(&buffer).unwrap().count() > 0
    });
    drop(agent);
    let agent = start_agent(&server_dir, &relay.url(), dir.path(), &token, &log);
    append(&log, phase_two[15..].to_vec());
    std::thread::sleep(Duration::from_millis(500));

    let server = Server::start(&server_dir, None);
    relay.point_at(Some(server.api));
    let all: Vec<String> = phase_one.iter().chain(&phase_two).cloned().collect();
    assert_exactly_once(&server, "bufcheck", &all);
    wait_until("the buffer drained", || {
        std::fs::read_dir(&buffer).unwrap().count() == 0
    });
    drop(agent);
}

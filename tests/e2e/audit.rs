//! The audit trail against the live server: every API call is recorded and provable, the
//! trail verifies offline, audit events reach the pipeline, and an audit directory that turns
//! read-only or full refuses operations (fail closed) until it recovers.

use crate::harness::{bin, client_tls, tempdir, Server};
use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

/// Stops the server with SIGTERM (it writes a final tree head) and waits for it.
fn stop(mut server: Server) {
    let _ = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status();
    let _ = server.child.wait();
}

/// `palisade audit verify DIR`; (exit code, stdout, stderr).
pub fn verify(dir: &Path) -> (i32, String, String) {
    let out = Command::new(bin())
        .args(["audit", "verify"])
        .arg(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The audit records of the whole trail, through the API (as an audit administrator).
pub(crate) fn records(server: &Server) -> Vec<serde_json::Value> {
    let auditor = server.token_for("auditadmin");
    let (status, body) = server.get_as(&auditor, "/api/v1/audit/records", &[("limit", "10000")]);
    assert_eq!(status, 200, "{body}");
    body["records"].as_array().cloned().unwrap_or_default()
}

#[test]
fn api_calls_are_recorded_provable_searchable_and_verify_offline() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let (status, _) = server.post("/api/v1/ingest?source=audited", "text/plain", b"hello\n");
    assert_eq!(status, 200);
    let (status, _) = server.get("/api/v1/events", &[("q", "needle-term")]);
    assert_eq!(status, 200);
    let (status, _) = server.get_public("/api/v1/events?q=secret");
    assert_eq!(status, 401);

    let all = records(&server);
    let find = |event_type: &str, object_part: &str| {
        all.iter()
            .find(|r| {
                r["event_type"] == event_type
                    && r["object"].as_str().unwrap_or("").contains(object_part)
            })
            .unwrap_or_else(|| panic!("no {event_type} record for {object_part} in {all:#?}"))
            .clone()
    };
    let intent = find("api.request", "/api/v1/ingest?source=audited");
    let result = find("api.response", "/api/v1/ingest?source=audited");
    assert_eq!(intent["result"], "pending");
    assert_eq!(result["result"], "success");
    assert_eq!(result["status"], 200);
    assert_eq!(intent["request_id"], result["request_id"]);
    assert_eq!(result["subject"]["identity"], "admin");
    assert_eq!(result["subject"]["tenant"], "default");
    assert!(result["source"].as_str().unwrap().starts_with("127.0.0.1:"));
    assert!(intent["index"].as_u64().unwrap() < result["index"].as_u64().unwrap());
    let search = find("api.response", "q=needle-term");
    assert_eq!(search["action"], "GET");
    let denied = find("authentication", "q=secret");
    assert_eq!(denied["result"], "denied");
    assert_eq!(denied["subject"]["identity"], "anonymous");

    // The signed head and an inclusion proof for the ingest's result record.
    let auditor = server.token_for("auditadmin");
    let (status, head) = server.get_as(&auditor, "/api/v1/audit/tree-head", &[]);
    assert_eq!(status, 200);
    let public = palisade_audit::PublicKey::from_hex(head["public_key"].as_str().unwrap()).unwrap();
    let signed: palisade_audit::SignedTreeHead = serde_json::from_value(head.clone()).unwrap();
    let root = signed.verify(&public).expect("tree head signature");
    let index = result["index"].as_u64().unwrap().to_string();
    let size = signed.tree_size.to_string();
    let (status, proof) = server.get_as(
        &auditor,
        "/api/v1/audit/proof/inclusion",
        &[("index", &index), ("size", &size)],
    );
    assert_eq!(status, 200, "{proof}");
    assert_eq!(proof["leaf_hash"], result["leaf_hash"]);
    assert_eq!(proof["root_hash"], palisade_audit::hex::encode(&root));
    let (status, consistency) = server.get_as(
        &auditor,
        "/api/v1/audit/proof/consistency",
        &[("first", "1"), ("second", &size)],
    );
    assert_eq!(status, 200, "{consistency}");
    assert_eq!(consistency["second_root"], head["root_hash"]);
    let (status, one) = server.get_as(
        &auditor,
        "/api/v1/audit/records",
        &[("start", &index), ("limit", "1")],
    );
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["records"][0], result, "record {index} fetched by index");
    assert_eq!(
        one["next_start"].as_u64(),
        Some(result["index"].as_u64().unwrap() + 1)
    );
    let (status, bad) = server.get_as(
        &auditor,
        "/api/v1/audit/proof/inclusion",
        &[("index", "999999")],
    );
    assert_eq!(status, 400, "{bad}");

    // Audit events are in the pipeline as OCSF API Activity, so rules and searches see them.
    let events = server.wait_for("class_uid:6003 AND status_id:2", 1);
    assert!(
        !events.is_empty(),
        "the refused call is not searchable as an API Activity event"
    );
    assert_eq!(events[0]["metadata"]["log_name"], "audit");

    let data = server.dir.join("data");
    stop(server);
    let (code, out, err) = verify(&data);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("audit trail OK"), "{out}");
    let export = Command::new(bin())
        .args(["audit", "export", "--from", "now-1h", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(export.status.success());
    let lines = String::from_utf8(export.stdout).unwrap();
    assert!(lines.lines().count() >= all.len());
    assert!(lines.contains("/api/v1/ingest?source=audited"));
}

/// A tmpfs mounted over a directory for the test, unmounted however the test ends.
pub(crate) struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts a small tmpfs at `dir`, or `None` when this process may not mount.
    pub(crate) fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(dir.to_owned()))
    }

    /// Remounts read-only (`ro`) or writable (`rw`), retrying while a file is being written.
    pub(crate) fn remount(&self, mode: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let ok = Command::new("mount")
                .args(["-o", &format!("remount,{mode}")])
                .arg(&self.0)
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return;
            }
            assert!(Instant::now() < deadline, "cannot remount {mode}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn an_audit_directory_turning_read_only_or_full_refuses_operations() {
    let dir = tempdir();
    let Some(audit) = Tmpfs::mount(&dir.path().join("data/audit"), "256k") else {
        eprintln!("skipping: cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)");
        return;
    };
    let server = Server::start(dir.path(), None);
    assert_eq!(server.get("/api/v1/events", &[]).0, 200);

    audit.remount("ro");
    let (status, body) = server.post(
        "/api/v1/ingest?source=refused",
        "text/plain",
        b"while read-only\n",
    );
    assert_eq!(status, 503, "{body}");
    let message = body["error"].as_str().unwrap_or_default();
    assert!(
        message.contains("audit record not written") && message.contains("Read-only"),
        "{message}"
    );
    assert_eq!(server.get("/api/v1/events", &[]).0, 503);
    audit.remount("rw");
    assert_eq!(server.get("/api/v1/events", &[]).0, 200);

    // Fill the file system; the first call whose record needs a new page is refused.
    let filler = dir.path().join("data/audit/filler");
    let _ = std::fs::write(&filler, vec![0u8; 512 * 1024]);
    let mut refused = None;
    for _ in 0..50 {
        let (status, body) = server.post(
            "/api/v1/ingest?source=refused",
            "text/plain",
            b"while full\n",
        );
        if status == 503 {
            refused = Some(body);
            break;
        }
    }
    let body = refused.expect("no call was refused on a full audit disk");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("No space left"),
        "{body}"
    );
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(server.get("/api/v1/events", &[]).0, 200);
    assert_eq!(server.count("source:refused AND \"while read-only\""), 0);

    let data = server.dir.join("data");
    stop(server);
    let (code, out, err) = verify(&data);
    assert_eq!(code, 0, "{out}{err}");
    drop(audit);
}

#[test]
fn a_damaged_trail_keeps_the_server_from_starting() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    assert_eq!(server.get("/api/v1/events", &[]).0, 200);
    let data = server.dir.join("data");
    stop(server);
    let records = data.join("audit/records.log");
    let mut bytes = std::fs::read(&records).unwrap();
    bytes[20] ^= 0x20;
    std::fs::write(&records, bytes).unwrap();

    let mut child = Command::new(bin())
        .args(["serve", "--data-dir"])
        .arg(&data)
        .args([
            "--api",
            "127.0.0.1:0",
            "--syslog",
            "127.0.0.1:0",
            "--syslog-tls",
            "127.0.0.1:0",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server started on a damaged audit trail");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(!status.success());
    assert!(
        err.contains("audit trail damaged at record 0") && err.contains("audit verify"),
        "{err}"
    );
}

#[test]
fn every_answered_call_is_in_the_trail_after_a_kill_in_the_middle_of_busy_writing() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let agent = ureq::AgentBuilder::new()
        .tls_config(Arc::new(client_tls(&server.dir.join("data/tls/cert.pem"))))
        .timeout(Duration::from_secs(10))
        .build();
    let done = AtomicBool::new(false);
    // Four clients call as fast as they can; each keeps the probes the server answered.
    let answered: Vec<String> = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..4)
            .map(|client| {
                let (agent, server, done) = (&agent, &server, &done);
                scope.spawn(move || {
                    let mut answered = Vec::new();
                    for call in 0.. {
                        if done.load(Ordering::Relaxed) {
                            break;
                        }
                        let probe = format!("crashprobe{client}x{call}");
                        let sent = agent
                            .get(&format!("{}/api/v1/events", server.url()))
                            .set("Authorization", &format!("Bearer {}", server.token))
                            .query("q", &probe)
                            .call();
                        match sent {
                            Ok(r) if r.status() == 200 => answered.push(probe),
                            _ => break,
                        }
                    }
                    answered
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(1500));
        let _ = Command::new("kill")
            .args(["-KILL", &server.child.id().to_string()])
            .status();
        done.store(true, Ordering::Relaxed);
        clients
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect()
    });
    assert!(
        answered.len() > 50,
        "only {} calls answered",
        answered.len()
    );
    let dir_path = server.kill9();

    let server = Server::start(&dir_path, None);
    let objects: std::collections::HashSet<String> = records(&server)
        .iter()
        .filter(|r| r["event_type"] == "api.response")
        .filter_map(|r| r["object"].as_str()?.split("q=").nth(1).map(str::to_owned))
        .collect();
    let missing: Vec<&String> = answered.iter().filter(|p| !objects.contains(*p)).collect();
    assert!(
        missing.is_empty(),
        "answered but not in the trail: {missing:?}"
    );
    let data = server.dir.join("data");
    stop(server);
    let (code, out, err) = verify(&data);
    assert_eq!(code, 0, "{out}{err}");
}

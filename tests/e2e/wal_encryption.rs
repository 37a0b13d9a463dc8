//! The write-ahead log sealed at rest, through the real binary: its files hold no plaintext of
//! the received messages, `kill -9` mid-stream still loses no acknowledged event and stores
//! none twice, and under a Shamir seal the server refuses input until it is unsealed, then
//! replays the sealed log.

use crate::harness::{bin, client_tls, tempdir, Server};
use std::{
    collections::HashSet,
    path::Path,
    process::Command,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

/// Events stay in the write-ahead log (no flush to segments) until the server is killed, so
/// after the restart they can only come from the sealed log.
const CONFIG: &str = "[storage]\nflush_events = 10000000\nflush_interval = \"1h\"\n";
const MARKER: &str = "walsecretzq5";

/// Every WAL file's bytes.
fn wal_files(data: &Path) -> Vec<Vec<u8>> {
    std::fs::read_dir(data.join("wal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wal"))
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

/// Asserts that the WAL holds records, every file is sealed, and none shows the marker.
fn assert_wal_sealed(data: &Path) {
    let files = wal_files(data);
    assert!(files.iter().map(Vec::len).sum::<usize>() > 4096, "no WAL");
    for bytes in &files {
        assert!(bytes.starts_with(b"PALWAL"), "a WAL file without a header");
        let shown = bytes.windows(MARKER.len()).any(|w| w == MARKER.as_bytes());
        assert!(!shown, "a WAL file holds a received message in the clear");
    }
}

fn ndjson(from: u64, to: u64) -> String {
    (from..to)
        .map(|i| format!("{{\"message\":\"{MARKER} n{i}\",\"seq\":{i}}}\n"))
        .collect()
}

/// The `seq` of every stored event with the marker.
fn stored_seqs(server: &Server) -> Vec<u64> {
    server
        .search_pages(MARKER, 10_000)
        .iter()
        .flatten()
        .filter_map(|e| e["unmapped"]["seq"].as_u64())
        .collect()
}

#[test]
fn sealed_wal_hides_messages_and_kill_9_loses_no_acknowledged_event() {
    const TOTAL: u64 = 20_000;
    const BATCH: u64 = 500;
    let dir = tempdir();
    let server = Server::start(dir.path(), Some(CONFIG));
    let (url, token) = (server.url(), server.token.clone());
    let cert = dir.path().join("data/tls/cert.pem");
    let acked = Arc::new(AtomicU64::new(0));
    let sender = {
        let acked = acked.clone();
        std::thread::spawn(move || {
            let agent = ureq::AgentBuilder::new()
                .tls_config(Arc::new(client_tls(&cert)))
                .timeout(Duration::from_secs(30))
                .build();
            let mut start = 0;
            while start < TOTAL {
                let sent = agent
                    .post(&format!("{url}/api/v1/ingest"))
                    .set("Authorization", &format!("Bearer {token}"))
                    .set("Content-Type", "application/x-ndjson")
                    .send_string(&ndjson(start, start + BATCH));
                match sent {
                    Ok(r) if r.status() == 200 => {
                        start += BATCH;
                        acked.store(start, Ordering::SeqCst);
                    }
                    _ => return,
                }
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while acked.load(Ordering::SeqCst) < TOTAL / 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    let data = server.kill9();
    sender.join().unwrap();
    let acked = acked.load(Ordering::SeqCst);
    assert!(acked >= TOTAL / 2, "acknowledged up to {acked}");
    assert_wal_sealed(&data.join("data"));

    let server = Server::start(&data, Some(CONFIG));
    let seqs = stored_seqs(&server);
    let unique: HashSet<u64> = seqs.iter().copied().collect();
    assert_eq!(unique.len(), seqs.len(), "no event is stored twice");
    for i in 0..acked {
        assert!(unique.contains(&i), "acknowledged event {i} was lost");
    }
    assert_wal_sealed(&data.join("data"));
}

/// Initialises a Shamir seal (3 of 5) in `dir/data`; returns the shares.
fn init_shamir(dir: &Path) -> Vec<String> {
    let out = Command::new(bin())
        .args(["operator", "init", "--shares", "5", "--threshold", "3"])
        .arg("--data-dir")
        .arg(dir.join("data"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("Unseal share "))
        .map(|l| l.split_once(": ").unwrap().1.to_owned())
        .collect()
}

fn ingest(server: &Server, from: u64, to: u64) -> (u16, serde_json::Value) {
    let body = ndjson(from, to);
    server.post("/api/v1/ingest", "application/x-ndjson", body.as_bytes())
}

/// Unseals with three shares and waits until the server is ready.
fn unseal(server: &Server, shares: &[String]) {
    let (code, out, err) = server.cli(&["operator", "unseal", &shares[0], &shares[2], &shares[4]]);
    assert_eq!(code, 0, "{out}{err}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.get_public("/readyz").0 != 200 {
        assert!(Instant::now() < deadline, "not ready after the unseal");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn shamir_sealed_server_refuses_input_until_unsealed_then_replays_the_sealed_wal() {
    let dir = tempdir();
    let shares = init_shamir(dir.path());
    let server = Server::start(dir.path(), Some(CONFIG));
    let (status, why) = server.get_public("/readyz");
    assert_eq!(status, 503, "{why}");
    assert!(why.contains("key service is sealed"), "{why}");
    let (status, body) = ingest(&server, 0, 10);
    assert_eq!(status, 503, "input must be refused while sealed: {body}");

    unseal(&server, &shares);
    let (status, body) = ingest(&server, 0, 300);
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.wait_for(MARKER, 300).len(), 300);
    assert_wal_sealed(&dir.path().join("data"));

    // After a restart the log waits, sealed, for the unseal; then every event is back, once.
    let data = server.kill9();
    let server = Server::start(&data, Some(CONFIG));
    assert_eq!(server.get_public("/readyz").0, 503);
    assert_eq!(server.count(MARKER), 0, "replayed before the unseal");
    unseal(&server, &shares);
    let mut seqs = stored_seqs(&server);
    seqs.sort_unstable();
    assert_eq!(seqs, (0..300).collect::<Vec<_>>());
}

//! Durability: every acknowledged event survives `kill -9`, exactly once.

use crate::harness::{tempdir, Server};
use std::{
    collections::HashSet,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

const TOTAL: u64 = 100_000;
const BATCH: u64 = 1_000;

#[test]
fn kill_9_mid_stream_loses_no_acknowledged_event_and_duplicates_none() {
    let dir = tempdir();
    // Small segments and frequent flushes so the kill can land in any phase.
    let config =
        "[storage]\nflush_events = 7000\nflush_interval = \"100ms\"\nblock_events = 1000\n";
    let server = Server::start(dir.path(), Some(config));
    let url = server.url();
    let token = server.token.clone();
    let cert = dir.path().join("data/tls/cert.pem");
    let acked = Arc::new(AtomicU64::new(0));
    let in_flight = Arc::new(Mutex::new(None::<u64>));
    let stop = Arc::new(AtomicBool::new(false));
    let sender = {
        let (acked, in_flight, stop) = (acked.clone(), in_flight.clone(), stop.clone());
        std::thread::spawn(move || {
            let agent = ureq::AgentBuilder::new()
                .tls_config(Arc::new(crate::harness::client_tls(&cert)))
                .timeout(Duration::from_secs(30))
                .build();
            let mut start = 0;
            while start < TOTAL && !stop.load(Ordering::SeqCst) {
                let body: String = (start..start + BATCH)
                    .map(|i| format!("{{\"message\":\"crash-test n{i}\",\"seq\":{i}}}\n"))
                    .collect();
                *in_flight.lock().unwrap() = Some(start);
                let result = agent
                    .post(&format!("{url}/api/v1/ingest"))
                    .set("Authorization", &format!("Bearer {token}"))
                    .set("Content-Type", "application/x-ndjson")
                    .send_string(&body);
                match result {
                    Ok(r) if r.status() == 200 => {
                        acked.store(start + BATCH, Ordering::SeqCst);
                        *in_flight.lock().unwrap() = None;
                        start += BATCH;
                    }
                    _ => return,
                }
            }
        })
    };
    // Kill once about half the stream has been acknowledged.
    let deadline = Instant::now() + Duration::from_secs(120);
    while acked.load(Ordering::SeqCst) < TOTAL / 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    let data = server.kill9();
    stop.store(true, Ordering::SeqCst);
    sender.join().unwrap();
    let acked = acked.load(Ordering::SeqCst);
    let maybe = *in_flight.lock().unwrap();
    assert!(
        acked >= TOTAL / 2,
        "the stream was acknowledged up to {acked}"
    );

    let server = Server::start(&data, Some(config));
    let seqs: Vec<u64> = server
        .search_pages("crash-test", 10_000)
        .iter()
        .flatten()
        .map(|e| e["unmapped"]["seq"].as_u64().unwrap())
        .collect();
    let unique: HashSet<u64> = seqs.iter().copied().collect();
    assert_eq!(unique.len(), seqs.len(), "no event is stored twice");
    for i in 0..acked {
        assert!(unique.contains(&i), "acknowledged event {i} was lost");
    }
    // Anything beyond the acknowledged prefix can only be the one batch whose answer the kill
    // cut off, and then all of it (a batch is appended atomically).
    let extra: Vec<u64> = unique.iter().copied().filter(|i| *i >= acked).collect();
    if !extra.is_empty() {
        let start = maybe.expect("extra events without a batch in flight");
        assert_eq!(extra.len() as u64, BATCH, "a partially stored batch");
        assert!(extra.iter().all(|i| (start..start + BATCH).contains(i)));
    }
    assert_eq!(server.count("crash-test"), unique.len() as u64);
}

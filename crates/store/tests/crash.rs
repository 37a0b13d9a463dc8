//! `kill -9` at arbitrary instants: every acknowledged event is searchable exactly once after
//! restart. The test binary re-runs itself as the child process that ingests.

mod common;

use common::*;
use palisade_core::{config::WalConfig, Event, PayloadFormat, RawRecord, TenantId, Transport};
use palisade_store::{EventStore, Wal};
use std::{
    collections::BTreeSet,
    io::{BufRead, BufReader, Write},
    path::Path,
    process::{Command, Stdio},
    sync::Arc,
    time::Duration,
};

const CHILD_ENV: &str = "PALISADE_STORE_CRASH_CHILD_DIR";

fn to_event(seq: u64, record: &RawRecord) -> Event {
    let mut e = Event::new(seq, record.tenant.clone(), record.received_ms);
    e.set(
        "message",
        String::from_utf8_lossy(&record.payload).into_owned(),
    );
    e
}

/// Opens store and WAL the way the pipeline does at startup and replays what was not flushed.
fn recover(
    dir: &Path,
) -> (
    Arc<EventStore>,
    Wal,
    tokio::sync::mpsc::Receiver<palisade_store::DurableBatch>,
) {
    let store = Arc::new(open(&dir.join("store"), &config()));
    let committed = store.committed_seq();
    let (wal, rx) = Wal::open(&dir.join("wal"), &WalConfig::default(), committed).unwrap();
    let mut events = Vec::new();
    wal.replay(committed, |seq, r| events.push(to_event(seq, &r)))
        .unwrap();
    store.insert(events);
    (store, wal, rx)
}

/// The child: ingests forever, printing each acknowledged seq range.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    runtime.block_on(async move {
        let (store, wal, mut rx) = recover(Path::new(&dir));
        let consumer_wal = wal.clone();
        tokio::spawn(async move {
            while let Some(batch) = rx.recv().await {
                let events = (batch.first_seq..)
                    .zip(&batch.records)
                    .map(|(s, r)| to_event(s, r))
                    .collect();
                store.insert(events);
                if store.memtable_len() >= 300 {
                    let committed = store.flush().unwrap();
                    consumer_wal.truncate_through(committed).unwrap();
                }
            }
        });
        let mut stdout = std::io::stdout();
        for n in 0u64.. {
            let batch: Vec<RawRecord> = (0..7)
                .map(|i| RawRecord {
                    tenant: TenantId::default(),
                    source: "http".into(),
                    transport: Transport::Http,
                    format: PayloadFormat::Line,
                    received_ms: T0 + (n % 1000) as i64 * 60_000,
                    peer: None,
                    payload: format!("batch {n} line {i}").into_bytes(),
                })
                .collect();
            let last = wal.append(batch).await.unwrap();
            writeln!(stdout, "acked {} {}", last - 6, last).unwrap();
            stdout.flush().unwrap();
        }
    });
}

#[test]
fn every_acknowledged_event_survives_kill_9_exactly_once() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut acked = BTreeSet::new();
    for round in 0..4u64 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(400 + round * 170));
        child.kill().unwrap();
        child.wait().unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        for line in out.lines().map_while(Result::ok) {
            let mut parts = line.split_whitespace().skip(1).map(|n| n.parse::<u64>());
            if let (Some(Ok(first)), Some(Ok(last))) = (parts.next(), parts.next()) {
                acked.extend(first..=last);
            }
        }
    }
    assert!(
        acked.len() > 100,
        "the child acknowledged only {} events",
        acked.len()
    );
    let (store, _wal, _rx) = recover(dir.path());
    let ids = all_pages(&store, request(None, "", 10_000));
    let unique: BTreeSet<u64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no event is stored twice");
    let missing: Vec<_> = acked.difference(&unique).take(5).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    assert!(store.committed_seq() > 0, "some flushes happened");
}

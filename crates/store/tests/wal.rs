//! Write-ahead log behaviour across reopen, damage and concurrency.

use palisade_core::{config::WalConfig, PayloadFormat, RawRecord, TenantId, Transport};
use palisade_store::Wal;
use std::{fs, path::Path};

fn record(text: &str) -> RawRecord {
    RawRecord {
        tenant: TenantId::default(),
        source: "syslog-tcp".into(),
        transport: Transport::Tcp,
        format: PayloadFormat::Syslog,
        received_ms: 1_732_350_000_000,
        peer: Some("192.0.2.7:40000".into()),
        payload: text.as_bytes().to_vec(),
    }
}

fn config() -> WalConfig {
    WalConfig::default()
}

fn replayed(wal: &Wal, after: u64) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    wal.replay(after, |seq, r| {
        out.push((seq, String::from_utf8(r.payload).unwrap()))
    })
    .unwrap();
    out
}

fn wal_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wal"))
        .collect();
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appended_batches_replay_after_reopen_and_arrive_on_the_channel() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (wal, mut durable) = Wal::open(dir.path(), &config(), 0).unwrap();
        assert_eq!(wal.append(vec![record("a"), record("b")]).await.unwrap(), 2);
        assert_eq!(wal.append(vec![record("c")]).await.unwrap(), 3);
        let first = durable.recv().await.unwrap();
        assert_eq!((first.first_seq, first.records.len()), (1, 2));
        assert_eq!(durable.recv().await.unwrap().records[0].payload, b"c");
        assert!(wal.disk_bytes() > 0);
    }
    let (wal, _durable) = Wal::open(dir.path(), &config(), 0).unwrap();
    assert_eq!(
        replayed(&wal, 0),
        vec![(1, "a".into()), (2, "b".into()), (3, "c".into())]
    );
    assert_eq!(replayed(&wal, 2), vec![(3, "c".into())]);
    // New records continue the sequence, and respect a higher floor from the store.
    assert_eq!(wal.append(vec![record("d")]).await.unwrap(), 4);
    drop(wal);
    let (wal, _durable) = Wal::open(dir.path(), &config(), 100).unwrap();
    assert_eq!(wal.append(vec![record("e")]).await.unwrap(), 101);
    let original = record("a");
    let mut full = Vec::new();
    wal.replay(0, |_, r| full.push(r)).unwrap();
    assert_eq!(full[0], original, "every field survives the round trip");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_or_corrupt_tail_is_cut_and_appends_continue() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (wal, _rx) = Wal::open(dir.path(), &config(), 0).unwrap();
        wal.append(vec![record("kept")]).await.unwrap();
        wal.append(vec![record("torn away")]).await.unwrap();
    }
    let file = wal_files(dir.path()).pop().unwrap();
    let len = fs::metadata(&file).unwrap().len();
    let f = fs::OpenOptions::new().write(true).open(&file).unwrap();
    f.set_len(len - 3).unwrap();
    drop(f);
    {
        let (wal, _rx) = Wal::open(dir.path(), &config(), 0).unwrap();
        assert_eq!(replayed(&wal, 0), vec![(1, "kept".into())]);
        assert_eq!(wal.append(vec![record("after cut")]).await.unwrap(), 2);
        wal.append(vec![record("flipped")]).await.unwrap();
    }
    // Flip a byte inside the last record's payload.
    let file = wal_files(dir.path()).pop().unwrap();
    let mut bytes = fs::read(&file).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 0x01;
    fs::write(&file, bytes).unwrap();
    let (wal, _rx) = Wal::open(dir.path(), &config(), 0).unwrap();
    assert_eq!(
        replayed(&wal, 0),
        vec![(1, "kept".into()), (2, "after cut".into())]
    );
    assert_eq!(wal.append(vec![record("next")]).await.unwrap(), 3);
    drop(wal);
    let (wal, _rx) = Wal::open(dir.path(), &config(), 0).unwrap();
    assert_eq!(replayed(&wal, 2), vec![(3, "next".into())]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_get_distinct_seqs_delivered_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, mut durable) = Wal::open(dir.path(), &config(), 0).unwrap();
    let consumer = tokio::spawn(async move {
        let mut batches = Vec::new();
        while let Some(b) = durable.recv().await {
            batches.push(b);
        }
        batches
    });
    let mut tasks = Vec::new();
    for t in 0..8 {
        let wal = wal.clone();
        tasks.push(tokio::spawn(async move {
            let mut lasts = Vec::new();
            for i in 0..50 {
                let batch = vec![record(&format!("{t}-{i}-a")), record(&format!("{t}-{i}-b"))];
                lasts.push(wal.append(batch).await.unwrap());
            }
            lasts
        }));
    }
    let mut lasts = Vec::new();
    for t in tasks {
        lasts.extend(t.await.unwrap());
    }
    lasts.sort();
    lasts.dedup();
    assert_eq!(lasts.len(), 400);
    drop(wal);
    let batches = consumer.await.unwrap();
    let mut expected = 1;
    for b in &batches {
        assert_eq!(
            b.first_seq, expected,
            "batches arrive in seq order without gaps"
        );
        expected += b.records.len() as u64;
    }
    assert_eq!(expected, 801);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncate_through_deletes_only_fully_covered_files() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = WalConfig {
        fsync: false,
        file_bytes: palisade_core::config::ByteSize(4096),
    };
    let (wal, mut rx) = Wal::open(dir.path(), &cfg, 0).unwrap();
    tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let payload = "x".repeat(1000);
    for _ in 0..20 {
        wal.append(vec![record(&payload)]).await.unwrap();
    }
    let files = wal_files(dir.path());
    assert!(files.len() >= 4, "small file size rolls files: {files:?}");
    let first_seqs: Vec<u64> = files
        .iter()
        .map(|p| p.file_stem().unwrap().to_str().unwrap().parse().unwrap())
        .collect();
    // A seq inside the second file: only the first file is fully covered.
    let inside_second = first_seqs[1];
    let before = wal.disk_bytes();
    wal.truncate_through(inside_second).unwrap();
    assert_eq!(wal_files(dir.path()), files[1..].to_vec());
    assert!(wal.disk_bytes() < before);
    // Everything up to 20: all but the file being written go.
    assert_eq!(wal.append(vec![record("y")]).await.unwrap(), 21);
    wal.truncate_through(20).unwrap();
    assert_eq!(wal_files(dir.path()).len(), 1);
    drop(wal);
    let (wal, _rx) = Wal::open(dir.path(), &cfg, 20).unwrap();
    let seqs: Vec<u64> = replayed(&wal, 20).into_iter().map(|(s, _)| s).collect();
    assert_eq!(seqs, vec![21]);
}

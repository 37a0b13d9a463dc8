//! What sealing the write-ahead log costs: the same records appended to a plain log and to a
//! sealed one (AES-256-GCM per frame, a data key from a key service with the development file
//! seal), fsync off so that the disk does not hide the CPU cost. Prints messages per CPU-second
//! of the whole process (callers and the writer thread).
//! `cargo bench -p palisade-store --bench wal_seal`; `PALISADE_BENCH_RECORDS` (default 1 000 000)
//! and `PALISADE_BENCH_BATCH` (default 100 records per append).

#[path = "support/cpu.rs"]
mod cpu;

use cpu::cpu_time;
use palisade_core::{
    config::WalConfig, wal_seal::WalKeys, PayloadFormat, RawRecord, TenantId, Transport,
};
use palisade_store::Wal;
use std::{sync::Arc, time::Instant};

/// A typical sshd line, about 120 bytes.
fn record(i: u64) -> RawRecord {
    let line = format!(
        "<38>Nov 24 07:10:{:02} web-{} sshd[{}]: Failed password for invalid user admin from \
         203.0.113.{} port {} ssh2",
        i % 60,
        i % 16,
        1000 + i % 5000,
        i % 250,
        40000 + i % 20000
    );
    RawRecord {
        tenant: TenantId::default(),
        source: "syslog-tcp".into(),
        transport: Transport::Tcp,
        format: PayloadFormat::Syslog,
        received_ms: 1_732_430_000_000 + i as i64,
        peer: Some("192.0.2.10:51000".into()),
        payload: line.into_bytes(),
    }
}

fn run(label: &str, keys: Option<Arc<dyn WalKeys>>, total: u64, batch: u64) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = WalConfig {
        fsync: false,
        ..WalConfig::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let (wal, mut durable) = Wal::open_with(dir.path(), &cfg, 0, keys).unwrap();
    let batches: Vec<Vec<RawRecord>> = (0..total / batch)
        .map(|b| (b * batch..(b + 1) * batch).map(record).collect())
        .collect();
    let (cpu0, wall0) = (cpu_time("/proc/self/stat"), Instant::now());
    runtime.block_on(async {
        let drain = tokio::spawn(async move { while durable.recv().await.is_some() {} });
        let mut pending = Vec::with_capacity(64);
        for records in batches {
            pending.push(wal.append(records));
            if pending.len() == 64 {
                for append in pending.drain(..) {
                    append.await.unwrap();
                }
            }
        }
        for append in pending {
            append.await.unwrap();
        }
        drop(wal);
        drain.await.unwrap();
    });
    let (cpu, wall) = (cpu_time("/proc/self/stat") - cpu0, wall0.elapsed());
    let per_cpu_s = total as f64 / cpu.as_secs_f64().max(0.001);
    println!(
        "{label:>6}: {total} records in batches of {batch}: {:.2} s CPU, {:.2} s wall, {:.0} \
         messages per CPU-second",
        cpu.as_secs_f64(),
        wall.as_secs_f64(),
        per_cpu_s
    );
}

fn main() {
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let total = env("PALISADE_BENCH_RECORDS", 1_000_000);
    let batch = env("PALISADE_BENCH_BATCH", 100).max(1);
    let kms_dir = tempfile::tempdir().unwrap();
    let kms = Arc::new(palisade_kms::Kms::open(kms_dir.path()).unwrap());
    let keys: Arc<dyn WalKeys> = Arc::new(palisade_kms::at_rest::WalKeyring::new(kms));
    for round in 0..2 {
        println!("round {}", round + 1);
        run("plain", None, total, batch);
        run("sealed", Some(keys.clone()), total, batch);
    }
}

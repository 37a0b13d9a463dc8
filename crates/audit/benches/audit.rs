//! Audit trail speed: appends per second with group commit (each append durable before it
//! returns), proof generation on a large tree, and offline verification in records per second.
//! Files go under the target directory (a real disk, so fsync costs what it costs).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use palisade_audit::{
    merkle::{leaf_hash, MerkleTree},
    AuditEvent, AuditLog, AuditOptions, Outcome, Subject,
};
use palisade_core::IdentitySealer;
use std::{hint::black_box, sync::Arc, time::Duration};

fn event(n: u64) -> AuditEvent {
    AuditEvent {
        time_ms: 1_700_000_000_000 + n as i64,
        event_type: "api.response".into(),
        request_id: format!("{n:032x}"),
        subject: Subject {
            identity: "admin".into(),
            role: "operator".into(),
            tenant: "default".into(),
        },
        object: "/api/v1/events?q=user%3Aroot&from=now-1h".into(),
        action: "GET".into(),
        result: Outcome::Success,
        status: Some(200),
        source: Some("192.0.2.10:51514".into()),
        detail: None,
    }
}

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("scratch directory")
}

/// `writers` threads append `per_writer` records each, every append waiting for its fsync.
fn append_concurrently(log: &Arc<AuditLog>, writers: u64, per_writer: u64) {
    let threads: Vec<_> = (0..writers)
        .map(|w| {
            let log = log.clone();
            std::thread::spawn(move || {
                for i in 0..per_writer {
                    log.append_blocking(event(w * per_writer + i))
                        .expect("append");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("writer thread");
    }
}

fn appends(c: &mut Criterion) {
    let mut group = c.benchmark_group("audit_append");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for writers in [1u64, 16, 64] {
        let per_writer = 2_048 / writers;
        group.throughput(Throughput::Elements(writers * per_writer));
        let dir = scratch();
        let log = Arc::new(
            AuditLog::open(dir.path(), &IdentitySealer, AuditOptions::default()).expect("open"),
        );
        group.bench_function(format!("{writers}_writers"), |b| {
            b.iter(|| append_concurrently(&log, writers, per_writer))
        });
    }
    group.finish();
}

fn proofs(c: &mut Criterion) {
    const SIZE: u64 = 1_000_000;
    let mut tree = MerkleTree::new();
    for i in 0..SIZE {
        tree.push(leaf_hash(&i.to_le_bytes()));
    }
    let mut group = c.benchmark_group("audit_proof_1M");
    let mut n = 0u64;
    group.bench_function("inclusion", |b| {
        b.iter(|| {
            n = (n + 7_919) % (SIZE - 1);
            black_box(tree.inclusion_proof(n, SIZE - 1).expect("proof"))
        })
    });
    group.bench_function("consistency", |b| {
        b.iter(|| {
            n = (n + 7_919) % (SIZE - 1) + 1;
            black_box(tree.consistency_proof(n, SIZE - 1).expect("proof"))
        })
    });
    group.bench_function("root", |b| {
        b.iter(|| black_box(tree.root(SIZE - 3).expect("root")))
    });
    group.finish();
}

fn verify(c: &mut Criterion) {
    const RECORDS: u64 = 100_000;
    let dir = scratch();
    {
        let log = Arc::new(
            AuditLog::open(dir.path(), &IdentitySealer, AuditOptions::default()).expect("open"),
        );
        append_concurrently(&log, 256, RECORDS / 256);
    }
    let mut group = c.benchmark_group("audit_verify");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(RECORDS / 256 * 256));
    group.bench_function("100k_records", |b| {
        b.iter(|| palisade_audit::verify_dir(dir.path(), None).expect("verifies"))
    });
    group.finish();
}

criterion_group!(benches, appends, proofs, verify);
criterion_main!(benches);

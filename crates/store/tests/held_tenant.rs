//! A tenant whose blocks the sealer refuses holds back only its own events: the others reach
//! segments and the checkpoint, the refused ones stay searchable in memory, are retried, and a
//! reopened store asks for exactly them (and newer records) again from the write-ahead log.

mod common;

use common::{
    refusing_sealer::{AcmeRefusingSealer, Refused},
    *,
};
use palisade_core::TenantId;
use palisade_store::EventStore;
use std::sync::Arc;

/// Odd ids are acme's, even ids beta's.
fn mixed(ids: std::ops::RangeInclusive<u64>) -> Vec<palisade_core::Event> {
    ids.map(|id| event(id, if id % 2 == 1 { "acme" } else { "beta" }, T0))
        .collect()
}

fn ids_of(store: &EventStore, tenant: &str) -> Vec<u64> {
    let mut ids = all_pages(store, request(Some(tenant), "", 1000));
    ids.sort_unstable();
    ids
}

fn segment_files(dir: &std::path::Path, tenant: &str) -> usize {
    let root = dir.join("tenants").join(tenant);
    std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|day| {
            std::fs::read_dir(day.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .filter(|f| f.path().extension().is_some_and(|e| e == "seg"))
        .count()
}

#[test]
fn a_refused_tenant_waits_while_the_others_are_stored() {
    let dir = tempfile::tempdir().unwrap();
    let sealer = Arc::new(AcmeRefusingSealer::new(Refused::Sealing));
    sealer.set_refusing(true);
    let store = EventStore::open(dir.path(), &config(), sealer.clone()).unwrap();
    store.insert(mixed(1..=100));
    assert_eq!(store.flush().unwrap(), 100, "beta's events are committed");
    assert_eq!(segment_files(dir.path(), "beta"), 1);
    assert_eq!(
        segment_files(dir.path(), "acme"),
        0,
        "acme's refused segment is gone"
    );
    let held = store.held_tenants();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(
        (held[0].tenant.as_str(), held[0].first_seq, held[0].events),
        ("acme", 1, 50)
    );
    assert!(held[0].reason.contains("disabled"), "{}", held[0].reason);
    assert_eq!(store.replay_after(), 0, "the log must keep acme's records");
    assert_eq!(
        store.flushable_len(),
        0,
        "acme alone does not call for a flush"
    );
    assert_eq!(
        ids_of(&store, "acme").len(),
        50,
        "still searchable from memory"
    );

    // Retried at every flush; new beta events keep flowing.
    store.insert(mixed(101..=120));
    store.flush().unwrap();
    assert_eq!(store.held_tenants()[0].attempts, 2);
    assert_eq!(segment_files(dir.path(), "beta"), 2);

    // A restart: only acme's records (from its first held seq) and newer ones are replayed.
    drop(store);
    let store = EventStore::open(dir.path(), &config(), sealer.clone()).unwrap();
    assert_eq!(store.committed_seq(), 120);
    assert_eq!(store.replay_after(), 0);
    let acme = TenantId::new("acme").unwrap();
    let beta = TenantId::new("beta").unwrap();
    assert!(store.needs_replay(1, &acme) && store.needs_replay(119, &acme));
    assert!(!store.needs_replay(2, &beta) && !store.needs_replay(120, &beta));
    assert!(store.needs_replay(121, &beta));
    assert_eq!(
        ids_of(&store, "beta").len(),
        60,
        "beta's events from segments alone"
    );
    store.insert(
        mixed(1..=120)
            .into_iter()
            .filter(|e| e.tenant == acme)
            .collect(),
    );

    // Once the key works again acme is written, the checkpoint lists nobody, the log may go.
    sealer.set_refusing(false);
    let held_checkpoint = std::fs::read(dir.path().join("CHECKPOINT")).unwrap();
    assert_eq!(
        store.flush().unwrap(),
        120,
        "the checkpoint never moves back"
    );
    assert!(store.held_tenants().is_empty());
    assert_eq!(store.replay_after(), 120);
    drop(store);
    // Had the process died before the checkpoint moved, acme's new segment (named below the
    // committed seq) must not count: its events come back from the log instead.
    let acme_segments = segment_files(dir.path(), "acme");
    std::fs::write(dir.path().join("CHECKPOINT"), &held_checkpoint).unwrap();
    let crashed = EventStore::open(dir.path(), &config(), sealer.clone()).unwrap();
    assert!(ids_of(&crashed, "acme").is_empty());
    assert_eq!(segment_files(dir.path(), "acme"), acme_segments - 1);
    crashed.insert(
        mixed(1..=120)
            .into_iter()
            .filter(|e| e.tenant == acme)
            .collect(),
    );
    crashed.flush().unwrap();
    drop(crashed);
    assert_ne!(
        std::fs::read(dir.path().join("CHECKPOINT")).unwrap(),
        held_checkpoint
    );
    let store = open(dir.path(), &config());
    assert_eq!(
        ids_of(&store, "acme"),
        (1..=120).step_by(2).collect::<Vec<_>>()
    );
    assert_eq!(
        ids_of(&store, "beta"),
        (2..=120).step_by(2).collect::<Vec<_>>()
    );
    let checkpoint = std::fs::read_to_string(dir.path().join("CHECKPOINT")).unwrap();
    assert_eq!(checkpoint, "palisade-checkpoint v1\n120\n");
}

#[test]
fn when_every_tenant_is_refused_nothing_moves() {
    let dir = tempfile::tempdir().unwrap();
    let sealer = Arc::new(AcmeRefusingSealer::new(Refused::Sealing));
    sealer.set_refusing(true);
    let store = EventStore::open(dir.path(), &config(), sealer).unwrap();
    store.insert((1..=10).map(|id| event(id, "acme", T0)).collect());
    assert_eq!(store.flush().unwrap(), 0);
    assert!(!dir.path().join("CHECKPOINT").exists());
    assert_eq!(store.memtable_len(), 10);
    assert_eq!(store.held_tenants()[0].events, 10);
}

//! Damaged segment files: errors, never panics.

mod common;

use common::*;
use proptest::prelude::*;
use std::{fs, sync::Arc};

fn open_and_search(dir: &std::path::Path) {
    let cfg = config();
    if let Ok(store) =
        palisade_store::EventStore::open(dir, &cfg, Arc::new(palisade_core::IdentitySealer))
    {
        let _ = store.search(&request(None, "", 1000));
        let _ = store.search(&request(None, "web03 OR src_endpoint.ip:10.0.0.9", 5));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn random_bytes_as_a_segment_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let dir = tempfile::tempdir().unwrap();
        let part = dir.path().join("tenants/default/2024-11-23");
        fs::create_dir_all(&part).unwrap();
        fs::write(dir.path().join("CHECKPOINT"), "palisade-checkpoint v1\n9\n").unwrap();
        let mut with_magic = b"PLSGMT01".to_vec();
        with_magic.extend_from_slice(&bytes);
        fs::write(part.join("00000000000000000005.seg"), &with_magic).unwrap();
        fs::write(part.join("00000000000000000006.seg"), &bytes).unwrap();
        open_and_search(dir.path());
    }

    #[test]
    fn damaging_a_real_segment_never_panics(flips in proptest::collection::vec((any::<proptest::sample::Index>(), 1u8..), 1..8)) {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = open(dir.path(), &config());
            store.insert((1..=150).map(|id| event(id, "default", T0 + id as i64)).collect());
            store.flush().unwrap();
        }
        let seg = dir.path().join("tenants/default/2024-11-23/00000000000000000150.seg");
        let mut bytes = fs::read(&seg).unwrap();
        for (at, mask) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= mask;
        }
        fs::write(&seg, &bytes).unwrap();
        open_and_search(dir.path());
    }
}

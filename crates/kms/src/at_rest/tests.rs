use super::*;
use crate::{policy::Caller, service::Kms};

struct Fixture {
    _dir: tempfile::TempDir,
    kms: Arc<Kms>,
    state: Arc<StateStore>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let kms = Arc::new(Kms::open(dir.path()).unwrap());
    let state = Arc::new(StateStore::open(&palisade_state::state_path(dir.path())).unwrap());
    Fixture {
        _dir: dir,
        kms,
        state,
    }
}

impl Fixture {
    fn sealer(&self) -> AtRestSealer {
        AtRestSealer::new(self.kms.clone(), self.state.clone()).unwrap()
    }
}

fn admin(tenant: &str) -> Caller {
    store_caller(tenant)
}

const MARKER: &[u8] = b"the-unique-marker-zq81";

#[test]
fn sealed_blocks_hide_the_plaintext_and_open_again_after_a_restart() {
    let f = fixture();
    let (key, sealed) = f
        .sealer()
        .seal("acme", b"block 1", MARKER.to_vec())
        .unwrap();
    assert!(key.id.starts_with("dk-"), "{key:?}");
    assert!(!sealed.windows(MARKER.len()).any(|w| w == MARKER));
    // A new sealer (a restarted server) unwraps the data key from the state store.
    let opened = f.sealer().unseal("acme", &key, b"block 1", sealed.clone());
    assert_eq!(opened.unwrap(), MARKER);
    assert!(f
        .sealer()
        .unseal("acme", &key, b"block 2", sealed.clone())
        .is_err());
    let other = f.sealer().unseal("other", &key, b"block 1", sealed);
    assert!(other.unwrap_err().to_string().contains("another tenant"));
}

#[test]
fn one_data_key_serves_many_blocks_and_tenants_get_their_own() {
    let f = fixture();
    let sealer = f.sealer();
    let (a1, _) = sealer.seal("acme", b"x", vec![1]).unwrap();
    let (a2, _) = sealer.seal("acme", b"y", vec![2]).unwrap();
    let (b1, _) = sealer.seal("beta", b"x", vec![3]).unwrap();
    assert_eq!(a1, a2);
    assert_ne!(a1, b1);
    let status = sealer.status("acme").unwrap();
    assert_eq!(status.storage_key, "palisade-storage-acme");
    assert_eq!(status.version, Some(1));
    assert_eq!(status.data_keys.len(), 1);
}

#[test]
fn rotation_rewraps_data_keys_and_old_blocks_still_open() {
    let f = fixture();
    let sealer = f.sealer();
    let (old_key, old_block) = sealer.seal("acme", b"a", MARKER.to_vec()).unwrap();
    let report = sealer.rotate(&admin("acme"), "acme").unwrap();
    assert_eq!(report.version, 2);
    assert_eq!(report.rewrapped, 1);
    let (new_key, _) = sealer.seal("acme", b"b", vec![7]).unwrap();
    assert_ne!(
        old_key, new_key,
        "new blocks get a data key wrapped by the new version"
    );
    // Only version 2 may decrypt now: the old data key must have been re-wrapped.
    f.kms
        .write(|k| {
            k.configure(
                &admin("acme"),
                "palisade-storage-acme",
                &crate::KeyConfig {
                    min_decryption_version: Some(2),
                    ..Default::default()
                },
            )
        })
        .unwrap();
    let restarted = f.sealer();
    assert_eq!(
        restarted.unseal("acme", &old_key, b"a", old_block).unwrap(),
        MARKER
    );
    let status = restarted.status("acme").unwrap();
    assert!(
        status.data_keys.iter().all(|c| c.version == 2),
        "{status:?}"
    );
}

#[test]
fn rotation_through_the_key_api_is_caught_up_by_rewrap_stale() {
    let f = fixture();
    let sealer = f.sealer();
    sealer.seal("acme", b"a", vec![1]).unwrap();
    f.kms
        .write(|k| k.rotate(&admin("acme"), "palisade-storage-acme", 1))
        .unwrap();
    assert_eq!(sealer.rewrap_stale().unwrap(), 1);
    assert_eq!(sealer.rewrap_stale().unwrap(), 0);
}

#[test]
fn destroying_the_storage_key_shreds_the_tenant_and_a_new_generation_takes_over() {
    let f = fixture();
    let sealer = f.sealer();
    let (key, block) = sealer.seal("acme", b"a", MARKER.to_vec()).unwrap();
    let (beta_key, beta_block) = sealer.seal("beta", b"a", MARKER.to_vec()).unwrap();
    f.kms
        .write(|k| {
            let name = "palisade-storage-acme";
            k.schedule_deletion(&admin("acme"), name, 7, 0)?;
            k.destroy(&admin("acme"), name)
        })
        .unwrap();
    for s in [&sealer, &f.sealer()] {
        let err = s.unseal("acme", &key, b"a", block.clone()).unwrap_err();
        assert!(err.to_string().contains("destroyed"), "{err}");
    }
    assert_eq!(
        sealer.unseal("beta", &beta_key, b"a", beta_block).unwrap(),
        MARKER,
        "other tenants are untouched"
    );
    let (fresh, fresh_block) = sealer.seal("acme", b"n", vec![9]).unwrap();
    assert_ne!(fresh, key);
    assert_eq!(
        sealer.unseal("acme", &fresh, b"n", fresh_block).unwrap(),
        [9]
    );
    let status = sealer.status("acme").unwrap();
    assert_eq!(status.storage_key, "palisade-storage-acme.g2");
    assert!(status.data_keys.iter().any(|c| c.state == "destroyed"));
}

#[test]
fn a_disabled_storage_key_refuses_both_ways_until_enabled() {
    let f = fixture();
    let sealer = f.sealer();
    let (key, block) = sealer.seal("acme", b"a", vec![5]).unwrap();
    let toggle = |on| {
        f.kms
            .write(|k| k.set_enabled(&admin("acme"), "palisade-storage-acme", on))
            .unwrap()
    };
    toggle(false);
    assert!(sealer.unseal("acme", &key, b"a", block.clone()).is_err());
    let err = sealer.seal("acme", b"b", vec![1]).unwrap_err();
    assert!(err.to_string().contains("disabled"), "{err}");
    toggle(true);
    assert_eq!(sealer.unseal("acme", &key, b"a", block).unwrap(), [5]);
}

#[test]
fn identity_blocks_from_before_encryption_still_open() {
    let f = fixture();
    let key = KeyRef {
        id: IDENTITY_KEY_ID.into(),
        version: 0,
    };
    assert_eq!(
        f.sealer()
            .unseal("acme", &key, b"a", b"plain".to_vec())
            .unwrap(),
        b"plain"
    );
}

#[test]
fn storage_key_names_are_reserved_for_their_tenant() {
    let f = fixture();
    let squat = f.kms.write(|k| {
        k.create(
            &admin("mallory"),
            "palisade-storage-acme",
            KeyType::Aes256Gcm,
            "mallory",
            0,
        )
    });
    assert!(matches!(squat, Err(KmsError::BadInput(_))), "{squat:?}");
    assert!(check_reserved_name("palisade-storage-acme.g2", "acme").is_ok());
    assert!(check_reserved_name("app-key", "acme").is_ok());
    assert!(f.sealer().seal("bad/tenant", b"a", vec![]).is_err());
}

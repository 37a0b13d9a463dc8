//! The key service as a user relies on it: every key type round-trips, contexts bind,
//! rotation and rewrap, lifecycle gates, destroy is final, backups move between data
//! directories, and the Shamir seal refuses until enough correct shares arrive.

use palisade_kms::{
    seal, Caller, Grant, Grantee, KeyConfig, KeyType, Kms, KmsError, Operation, Roles,
    SignatureEncoding,
};

fn admin() -> Caller {
    Caller {
        principal: "admin".into(),
        tenant: "default".into(),
        roles: Roles {
            key_administrator: true,
            key_user: true,
        },
        provider_admin: true,
    }
}

fn dev_kms(dir: &std::path::Path) -> Kms {
    Kms::open(dir).unwrap()
}

#[test]
fn every_type_does_its_operation() {
    let dir = tempfile::tempdir().unwrap();
    let kms = dev_kms(dir.path());
    let me = admin();
    for kind in KeyType::ALL {
        kms.write(|k| k.create(&me, kind.name(), kind, "default", 0))
            .unwrap();
    }
    for kind in [KeyType::Aes256Gcm, KeyType::ChaCha20Poly1305] {
        let name = kind.name();
        let ct = kms
            .read(|k| k.encrypt(&me, name, b"ctx", b"secret data"))
            .unwrap();
        assert!(ct.value.starts_with("vault:v1:"));
        let pt = kms
            .read(|k| k.decrypt(&me, name, b"ctx", &ct.value))
            .unwrap();
        assert_eq!(pt.value.expose(), b"secret data");
        let wrong_ctx = kms.read(|k| k.decrypt(&me, name, b"other", &ct.value));
        assert!(matches!(wrong_ctx, Err(KmsError::Crypto(_))));
        let dk = kms.read(|k| k.data_key(&me, name, b"", 256, true)).unwrap();
        let plain = dk.value.plaintext.unwrap();
        assert_eq!(plain.expose().len(), 32);
        let back = kms
            .read(|k| k.decrypt(&me, name, b"", &dk.value.ciphertext))
            .unwrap();
        assert_eq!(back.value.expose(), plain.expose());
        assert!(kms
            .read(|k| k.sign(&me, name, b"m", SignatureEncoding::Der))
            .is_err());
    }
    for kind in [KeyType::Ed25519, KeyType::EcdsaP256] {
        let sig = kms
            .read(|k| k.sign(&me, kind.name(), b"msg", SignatureEncoding::Der))
            .unwrap();
        let ok = kms
            .read(|k| k.verify(&me, kind.name(), b"msg", &sig.value, SignatureEncoding::Der))
            .unwrap();
        assert!(ok.value);
        let bad = kms
            .read(|k| k.verify(&me, kind.name(), b"msh", &sig.value, SignatureEncoding::Der))
            .unwrap();
        assert!(!bad.value);
        assert!(kms
            .read(|k| k.encrypt(&me, kind.name(), b"", b"x"))
            .is_err());
    }
    let tag = kms.read(|k| k.hmac(&me, "hmac", b"msg")).unwrap();
    assert!(
        kms.read(|k| k.verify_hmac(&me, "hmac", b"msg", &tag.value))
            .unwrap()
            .value
    );
    assert!(
        !kms.read(|k| k.verify_hmac(&me, "hmac", b"msG", &tag.value))
            .unwrap()
            .value
    );
}

#[test]
fn rotation_rewrap_and_minimum_version() {
    let dir = tempfile::tempdir().unwrap();
    let kms = dev_kms(dir.path());
    let me = admin();
    kms.write(|k| k.create(&me, "orders", KeyType::Aes256Gcm, "default", 0))
        .unwrap();
    let v1 = kms
        .read(|k| k.encrypt(&me, "orders", b"", b"row"))
        .unwrap()
        .value;
    assert_eq!(kms.write(|k| k.rotate(&me, "orders", 1)).unwrap(), 2);
    let v2 = kms.read(|k| k.rewrap(&me, "orders", b"", &v1)).unwrap();
    assert_eq!(v2.version, 2);
    let config = KeyConfig {
        min_decryption_version: Some(2),
        ..KeyConfig::default()
    };
    kms.write(|k| k.configure(&me, "orders", &config)).unwrap();
    assert!(kms.read(|k| k.decrypt(&me, "orders", b"", &v1)).is_err());
    assert_eq!(
        kms.read(|k| k.decrypt(&me, "orders", b"", &v2.value))
            .unwrap()
            .value
            .expose(),
        b"row"
    );
    // Survives a restart of the service.
    drop(kms);
    let kms = dev_kms(dir.path());
    assert_eq!(
        kms.read(|k| k.decrypt(&me, "orders", b"", &v2.value))
            .unwrap()
            .value
            .expose(),
        b"row"
    );
}

#[test]
fn roles_and_grants_are_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let kms = dev_kms(dir.path());
    let admin_only = Caller {
        roles: Roles {
            key_administrator: true,
            key_user: false,
        },
        ..admin()
    };
    let user_only = Caller {
        roles: Roles {
            key_administrator: false,
            key_user: true,
        },
        provider_admin: false,
        ..admin()
    };
    let outsider = Caller {
        principal: "bob".into(),
        tenant: "acme".into(),
        ..user_only.clone()
    };
    kms.write(|k| k.create(&admin_only, "k", KeyType::Aes256Gcm, "default", 0))
        .unwrap();
    assert!(matches!(
        kms.read(|k| k.encrypt(&admin_only, "k", b"", b"x")),
        Err(KmsError::Forbidden(_))
    ));
    assert!(matches!(
        kms.write(|k| k.rotate(&user_only, "k", 0)),
        Err(KmsError::Forbidden(_))
    ));
    let ct = kms
        .read(|k| k.encrypt(&user_only, "k", b"", b"x"))
        .unwrap()
        .value;
    assert!(kms.read(|k| k.decrypt(&outsider, "k", b"", &ct)).is_err());
    let grant = Grant {
        grantee: Grantee::Tenant("acme".into()),
        operations: vec![Operation::Decrypt],
    };
    kms.write(|k| k.add_grant(&admin_only, "k", grant)).unwrap();
    assert!(kms.read(|k| k.decrypt(&outsider, "k", b"", &ct)).is_ok());
    assert!(kms.read(|k| k.encrypt(&outsider, "k", b"", b"x")).is_err());
}

#[test]
fn destroyed_keys_decrypt_nothing_even_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let kms = dev_kms(dir.path());
    let me = admin();
    kms.write(|k| k.create(&me, "gone", KeyType::ChaCha20Poly1305, "default", 0))
        .unwrap();
    let ct = kms
        .read(|k| k.encrypt(&me, "gone", b"", b"x"))
        .unwrap()
        .value;
    assert!(
        kms.write(|k| k.destroy(&me, "gone")).is_err(),
        "destroy without schedule"
    );
    kms.write(|k| k.schedule_deletion(&me, "gone", 7, 0))
        .unwrap();
    assert!(kms.read(|k| k.decrypt(&me, "gone", b"", &ct)).is_err());
    kms.write(|k| k.destroy(&me, "gone")).unwrap();
    drop(kms);
    let kms = dev_kms(dir.path());
    let err = kms.read(|k| k.decrypt(&me, "gone", b"", &ct)).unwrap_err();
    assert!(err.to_string().contains("destroyed"), "{err}");
    assert!(kms
        .write(|k| k.create(&me, "gone", KeyType::Aes256Gcm, "default", 0))
        .is_err());
}

#[test]
fn scheduled_rotation_and_deletion_run_in_maintenance() {
    let dir = tempfile::tempdir().unwrap();
    let kms = dev_kms(dir.path());
    let me = admin();
    kms.write(|k| k.create(&me, "r", KeyType::HmacSha256, "default", 0))
        .unwrap();
    kms.write(|k| k.create(&me, "d", KeyType::Aes256Gcm, "default", 0))
        .unwrap();
    let hourly = KeyConfig {
        rotate_period_secs: Some(3600),
        ..KeyConfig::default()
    };
    kms.write(|k| k.configure(&me, "r", &hourly)).unwrap();
    let due = kms.write(|k| k.schedule_deletion(&me, "d", 7, 0)).unwrap();
    assert!(kms.maintain(1000).unwrap().is_empty());
    let done = kms.maintain(due).unwrap();
    assert_eq!(done.len(), 2, "{done:?}");
    assert_eq!(
        kms.read(|k| k.describe(&me, "r")).unwrap().latest_version,
        2
    );
    assert_eq!(
        kms.read(|k| k.describe(&me, "d")).unwrap().state,
        palisade_kms::KeyState::Destroyed
    );
}

#[test]
fn backup_restores_into_another_data_directory() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let me = admin();
    let source = dev_kms(a.path());
    source
        .write(|k| k.create(&me, "vault-key", KeyType::Aes256Gcm, "default", 0))
        .unwrap();
    source.write(|k| k.rotate(&me, "vault-key", 1)).unwrap();
    let ct = source
        .read(|k| k.encrypt(&me, "vault-key", b"c", b"payload"))
        .unwrap()
        .value;
    let backup = source
        .read(|k| k.backup(&me, None, "correct horse battery"))
        .unwrap();
    assert!(source.read(|k| k.backup(&me, None, "short")).is_err());
    let target = dev_kms(b.path());
    assert!(target
        .write(|k| k.restore(&me, &backup, "wrong passphrase!", None, false))
        .is_err());
    let names = target
        .write(|k| k.restore(&me, &backup, "correct horse battery", None, false))
        .unwrap();
    assert_eq!(names, vec!["vault-key".to_owned()]);
    assert_eq!(
        target
            .read(|k| k.decrypt(&me, "vault-key", b"c", &ct))
            .unwrap()
            .value
            .expose(),
        b"payload"
    );
    assert!(target
        .write(|k| k.restore(&me, &backup, "correct horse battery", None, false))
        .is_err());
}

#[test]
fn imported_material_is_used_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let kms = dev_kms(dir.path());
    let me = admin();
    let material = palisade_kms::Secret::new(vec![7u8; 32]);
    kms.write(|k| k.import(&me, "byok", KeyType::HmacSha256, "default", material, 0))
        .unwrap();
    let tag = kms.read(|k| k.hmac(&me, "byok", b"abc")).unwrap().value;
    let expected = ring::hmac::sign(
        &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &[7u8; 32]),
        b"abc",
    );
    assert_eq!(tag, palisade_kms::ciphertext::format(1, expected.as_ref()));
    let short = palisade_kms::Secret::new(vec![1u8; 31]);
    assert!(kms
        .write(|k| k.import(&me, "bad", KeyType::Aes256Gcm, "default", short, 0))
        .is_err());
}

#[test]
fn shamir_sealed_service_refuses_until_threshold_of_right_shares() {
    let dir = tempfile::tempdir().unwrap();
    let shares = seal::init_shamir(&dir.path().join("kms"), 5, 3).unwrap();
    let me = admin();
    let kms = Kms::open(dir.path()).unwrap();
    assert!(kms.status().sealed);
    assert!(matches!(
        kms.read(|k| k.encrypt(&me, "x", b"", b"")),
        Err(KmsError::Sealed)
    ));
    assert!(matches!(
        kms.write(|k| k.create(&me, "x", KeyType::Aes256Gcm, "default", 0)),
        Err(KmsError::Sealed)
    ));
    // Too few: still sealed. The same share twice counts once.
    kms.submit_share(&shares[0]).unwrap();
    let st = kms.submit_share(&shares[0]).unwrap();
    assert_eq!((st.sealed, st.progress), (true, 1));
    // A share from another initialisation: the third share fails to open, progress resets.
    let other = tempfile::tempdir().unwrap();
    let foreign = seal::init_shamir(other.path(), 5, 3).unwrap();
    kms.submit_share(&shares[1]).unwrap();
    assert!(kms.submit_share(&foreign[2]).is_err());
    let st = kms.status();
    assert_eq!((st.sealed, st.progress), (true, 0));
    for s in &shares[2..5] {
        kms.submit_share(s).unwrap();
    }
    assert!(!kms.status().sealed);
    kms.write(|k| k.create(&me, "x", KeyType::Aes256Gcm, "default", 0))
        .unwrap();
    kms.seal().unwrap();
    assert!(matches!(
        kms.read(|k| k.describe(&me, "x")),
        Err(KmsError::Sealed)
    ));
}

//! The PKCS#11 seal against a real SoftHSM2 token created with `softhsm2-util` in a temporary
//! token directory (`SOFTHSM2_CONF` points at a temporary softhsm2.conf).

use super::*;
use crate::{
    keyring::Keyring,
    keytype::KeyType,
    policy::{Caller, Roles},
    seal::KEYRING_FILE,
    service::Kms,
};
use palisade_core::{kms_config::KmsConfig, pkcs11_config::DEFAULT_PKCS11_MODULE};
use std::{
    path::PathBuf,
    process::Command,
    sync::{
        atomic::{AtomicUsize, Ordering},
        OnceLock,
    },
};

const PIN: &str = "4711-test-pin";

/// The temporary token directory shared by this process's tests (the module reads
/// `SOFTHSM2_CONF` once per initialisation, from the process environment).
fn softhsm_conf() -> &'static (tempfile::TempDir, PathBuf) {
    static CONF: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    CONF.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let tokens = dir.path().join("tokens");
        std::fs::create_dir(&tokens).unwrap();
        let conf = dir.path().join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .unwrap();
        std::env::set_var("SOFTHSM2_CONF", &conf);
        (dir, conf)
    })
}

/// A fresh token with its own label and a PIN file, or `None` (after saying so) when SoftHSM2
/// is not installed outside CI. In CI (`CI` set) a missing module fails the test.
fn token() -> Option<(Pkcs11Config, tempfile::TempDir)> {
    if !Path::new(DEFAULT_PKCS11_MODULE).exists() && std::env::var_os("CI").is_none() {
        eprintln!(
            "skipping: {DEFAULT_PKCS11_MODULE} is absent (apt-get install softhsm2 to run this test)"
        );
        return None;
    }
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let label = format!(
        "t{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let (_, conf) = softhsm_conf();
    let out = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", conf)
        .args(["--init-token", "--free", "--label", &label])
        .args(["--pin", PIN, "--so-pin", "so-pin-1234"])
        .output()
        .expect("softhsm2-util runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let pin_file = dir.path().join("pin");
    std::fs::write(&pin_file, format!("{PIN}\n")).unwrap();
    let config = Pkcs11Config {
        token_label: label,
        pin_file: Some(pin_file),
        ..Pkcs11Config::default()
    };
    Some((config, dir))
}

fn admin() -> Caller {
    Caller {
        principal: "tester".into(),
        tenant: "default".into(),
        roles: Roles {
            key_administrator: true,
            key_user: true,
        },
        provider_admin: true,
    }
}

#[test]
fn init_wraps_a_root_key_that_the_token_unwraps_at_every_start() {
    let Some((config, dir)) = token() else { return };
    let kms_dir = dir.path().join("data/kms");
    init_pkcs11(&kms_dir, &config).unwrap();
    let stored = std::fs::read_to_string(kms_dir.join(WRAPPED_ROOT_FILE)).unwrap();
    assert!(stored.contains(MECHANISM), "{stored}");
    let root = unseal_pkcs11(&kms_dir, &config).unwrap();
    assert_eq!(root.expose().len(), ROOT_LEN);
    assert!(!stored.contains(&encode_b64(root.expose())));
    assert!(persist::load_keyring(&kms_dir.join(KEYRING_FILE), &root).is_ok());
    assert_eq!(unseal_pkcs11(&kms_dir, &config).unwrap(), root);
    assert!(
        matches!(init_pkcs11(&kms_dir, &config), Err(KmsError::Refused(_))),
        "a second init must be refused"
    );

    // A second data directory reuses the token's key, with its own root key.
    let other = dir.path().join("other/kms");
    init_pkcs11(&other, &config).unwrap();
    assert_ne!(unseal_pkcs11(&other, &config).unwrap(), root);
}

#[test]
fn the_wrapping_key_is_sensitive_and_never_extractable() {
    let Some((config, dir)) = token() else { return };
    init_pkcs11(&dir.path().join("kms"), &config).unwrap();
    let (extractable, sensitive) = crate::seal_pkcs11_token::with_wrapping_key(
        &config,
        crate::seal_pkcs11_token::KeyPolicy::MustExist,
        |key| key.protection(),
    )
    .unwrap();
    assert!(!extractable && sensitive);
}

#[test]
fn wrong_pin_missing_token_key_or_module_fail_with_clear_errors() {
    let Some((config, dir)) = token() else { return };
    let kms_dir = dir.path().join("kms");
    init_pkcs11(&kms_dir, &config).unwrap();
    let wrong_pin = dir.path().join("wrong-pin");
    std::fs::write(&wrong_pin, "0000-wrong\n").unwrap();
    let cases = [
        (
            Pkcs11Config {
                pin_file: Some(wrong_pin),
                ..config.clone()
            },
            "wrong PIN",
        ),
        (
            Pkcs11Config {
                token_label: "no-such-token".into(),
                ..config.clone()
            },
            "no token labelled \"no-such-token\"",
        ),
        (
            Pkcs11Config {
                module: dir.path().join("missing.so"),
                ..config.clone()
            },
            "cannot load the PKCS#11 module",
        ),
        (
            Pkcs11Config {
                pin_file: Some(dir.path().join("absent-pin")),
                ..config.clone()
            },
            "cannot read the token PIN file",
        ),
        (
            Pkcs11Config {
                pin_file: None,
                pin_env: "PALISADE_TEST_UNSET_PIN_VARIABLE".into(),
                ..config.clone()
            },
            "PALISADE_TEST_UNSET_PIN_VARIABLE",
        ),
        (
            Pkcs11Config {
                key_label: "other-key".into(),
                ..config.clone()
            },
            "key_label is \"other-key\"",
        ),
    ];
    for (bad, expected) in cases {
        let err = unseal_pkcs11(&kms_dir, &bad).unwrap_err().to_string();
        assert!(err.contains(expected), "{err:?} should say {expected:?}");
        assert!(!err.contains(PIN), "the PIN leaked into {err:?}");
    }
    // The key itself gone from the token: refused, not recreated.
    let fresh = dir.path().join("fresh/kms");
    let elsewhere = Pkcs11Config {
        key_label: "second-key".into(),
        ..config.clone()
    };
    init_pkcs11(&fresh, &elsewhere).unwrap();
    let json = std::fs::read_to_string(fresh.join(WRAPPED_ROOT_FILE)).unwrap();
    let renamed = json.replace("second-key", "never-created");
    std::fs::write(fresh.join(WRAPPED_ROOT_FILE), renamed).unwrap();
    let missing = Pkcs11Config {
        key_label: "never-created".into(),
        ..config
    };
    let err = unseal_pkcs11(&fresh, &missing).unwrap_err().to_string();
    assert!(err.contains("no AES key labelled"), "{err}");
}

#[test]
fn a_tampered_wrapped_root_is_refused() {
    let Some((config, dir)) = token() else { return };
    let kms_dir = dir.path().join("kms");
    init_pkcs11(&kms_dir, &config).unwrap();
    let path = kms_dir.join(WRAPPED_ROOT_FILE);
    let mut record: WrappedRoot = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let mut wrapped = decode_b64("wrapped", &record.wrapped).unwrap();
    wrapped[0] ^= 1;
    record.wrapped = encode_b64(&wrapped);
    std::fs::write(&path, serde_json::to_vec(&record).unwrap()).unwrap();
    assert!(matches!(
        unseal_pkcs11(&kms_dir, &config),
        Err(KmsError::Crypto(_))
    ));
}

#[test]
fn the_service_unseals_itself_and_stays_sealed_with_a_reason_when_the_token_refuses() {
    let Some((config, dir)) = token() else { return };
    init_pkcs11(&dir.path().join("kms"), &config).unwrap();
    let settings = KmsConfig {
        pkcs11: config.clone(),
        ..KmsConfig::default()
    };
    let kms = Kms::open_with(dir.path(), &settings).unwrap();
    let status = kms.status();
    assert_eq!(
        (status.seal, status.sealed, status.error),
        ("pkcs11", false, None)
    );
    kms.write(|k: &mut Keyring| k.create(&admin(), "k", KeyType::Aes256Gcm, "default", 0))
        .unwrap();
    let ct = kms
        .read(|k| k.encrypt(&admin(), "k", b"", b"hello"))
        .unwrap();
    drop(kms);

    let kms = Kms::open_with(dir.path(), &settings).unwrap();
    let plain = kms
        .read(|k| k.decrypt(&admin(), "k", b"", &ct.value))
        .unwrap();
    assert_eq!(plain.value.expose(), b"hello");
    assert!(kms.submit_share("anything").is_err());

    std::fs::write(config.pin_file.as_ref().unwrap(), "0000-wrong\n").unwrap();
    let kms = Kms::open_with(dir.path(), &settings).unwrap();
    let status = kms.status();
    assert!(status.sealed);
    let reason = status.error.unwrap_or_default();
    assert!(reason.contains("wrong PIN"), "{reason}");
    assert!(matches!(
        kms.read(|k| k.decrypt(&admin(), "k", b"", &ct.value)),
        Err(KmsError::Sealed)
    ));
}

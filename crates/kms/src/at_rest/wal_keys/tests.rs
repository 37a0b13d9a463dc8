use super::*;

fn kms() -> (tempfile::TempDir, Arc<Kms>) {
    let dir = tempfile::tempdir().unwrap();
    let kms = Arc::new(Kms::open(dir.path()).unwrap());
    (dir, kms)
}

const AAD: &[u8] = b"frame 5";

/// Why `keys` refuses to open the file key `wrapped` of file `file_id`.
fn open_error(keys: &WalKeyring, file_id: &[u8; FILE_ID_BYTES], wrapped: &[u8]) -> String {
    match keys.open(file_id, wrapped) {
        Ok(_) => panic!("the file key opened"),
        Err(e) => e.to_string(),
    }
}

fn sealed_frame(cipher: &dyn FrameCipher, counter: u64, plain: &[u8]) -> Vec<u8> {
    let mut buf = plain.to_vec();
    let tag = cipher.seal(counter, AAD, &mut buf).unwrap();
    buf.extend_from_slice(&tag);
    buf
}

#[test]
fn a_file_key_opens_after_a_restart_and_only_for_its_own_file() {
    let (_dir, kms) = kms();
    let made = WalKeyring::new(kms.clone()).create().unwrap();
    let header = String::from_utf8(made.wrapped.clone()).unwrap();
    assert!(
        header.starts_with("palisade-storage-default.wal\nvault:v1:"),
        "{header}"
    );
    let mut frame = sealed_frame(made.cipher.as_ref(), 5, b"secret record");
    assert!(!frame.windows(6).any(|w| w == b"secret"));

    // A restarted server unwraps the key from the header alone.
    let reopened = WalKeyring::new(kms.clone())
        .open(&made.file_id, &made.wrapped)
        .unwrap();
    let len = reopened.open(5, AAD, &mut frame.clone()).unwrap();
    assert_eq!(len, b"secret record".len());
    // The wrong position, associated data or file refuses.
    assert!(reopened.open(6, AAD, &mut frame.clone()).is_err());
    assert!(reopened.open(5, b"frame 6", &mut frame.clone()).is_err());
    let other_file = [9u8; FILE_ID_BYTES];
    assert!(WalKeyring::new(kms)
        .open(&other_file, &made.wrapped)
        .is_err());
    // A flipped ciphertext byte refuses with a clear error.
    frame[0] ^= 1;
    let err = reopened.open(5, AAD, &mut frame).unwrap_err();
    assert!(err.to_string().contains("authentication failed"), "{err}");
}

#[test]
fn a_counter_is_sealed_once_and_files_get_their_own_keys() {
    let (_dir, kms) = kms();
    let keys = WalKeyring::new(kms);
    let (a, b) = (keys.create().unwrap(), keys.create().unwrap());
    assert_ne!(a.file_id, b.file_id);
    let first = sealed_frame(a.cipher.as_ref(), 1, b"same");
    let err = a.cipher.seal(1, AAD, &mut b"same".to_vec()).unwrap_err();
    assert!(err.to_string().contains("never reused"), "{err}");
    assert!(a.cipher.seal(0, AAD, &mut Vec::new()).is_err());
    let later = sealed_frame(a.cipher.as_ref(), 2, b"same");
    assert_ne!(first, later, "another counter, another ciphertext");
    let other_key = sealed_frame(b.cipher.as_ref(), 1, b"same");
    assert_ne!(first, other_key, "same counter under another file's key");
}

#[test]
fn a_sealed_key_service_makes_no_keys_and_a_destroyed_wal_key_gives_way_to_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let shares = crate::seal::init_shamir(&dir.path().join("kms"), 3, 2).unwrap();
    let kms = Arc::new(Kms::open(dir.path()).unwrap());
    let keys = WalKeyring::new(kms.clone());
    let reason = keys.unavailable().unwrap();
    assert!(reason.contains("sealed"), "{reason}");
    assert!(keys.create().is_err());
    for share in &shares[..2] {
        kms.submit_share(share).unwrap();
    }
    assert_eq!(keys.unavailable(), None);
    let first = keys.create().unwrap();
    kms.write(|k| {
        let name = wal_key_name(1);
        k.schedule_deletion(&wal_caller(), &name, 7, 0)?;
        k.destroy(&wal_caller(), &name)
    })
    .unwrap();
    let err = open_error(&keys, &first.file_id, &first.wrapped);
    assert!(err.contains("destroyed"), "{err}");
    let next = keys.create().unwrap();
    assert!(next
        .wrapped
        .starts_with(b"palisade-storage-default.wal.g2\n"));
    let err = open_error(&keys, &[0; FILE_ID_BYTES], b"app-key\nvault:v1:AAAA");
    assert!(err.contains("not a write-ahead log storage key"), "{err}");
}

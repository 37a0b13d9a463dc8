//! The sealed write-ahead log on real files: no plaintext on disk, reopen and replay with the
//! key service, torn tails cut as before, altered frames refused without cutting anything, and
//! files of the format before headers still read.

use palisade_core::{
    config::WalConfig, wal_seal::WalKeys, PayloadFormat, RawRecord, TenantId, Transport,
};
use palisade_store::Wal;
use std::{fs, path::Path, sync::Arc};

const MARKER: &str = "sealed-marker-x81";

fn record(text: &str) -> RawRecord {
    RawRecord {
        tenant: TenantId::default(),
        source: "syslog-tcp".into(),
        transport: Transport::Tcp,
        format: PayloadFormat::Syslog,
        received_ms: 1_732_350_000_000,
        peer: None,
        payload: text.as_bytes().to_vec(),
    }
}

/// A key service with the development file seal in `dir`, as the log's key source.
fn keys(dir: &Path) -> Arc<dyn WalKeys> {
    let kms = Arc::new(palisade_kms::Kms::open(dir).unwrap());
    Arc::new(palisade_kms::at_rest::WalKeyring::new(kms))
}

fn replayed(wal: &Wal) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    wal.replay(0, |_, r| out.push(String::from_utf8(r.payload).unwrap()))?;
    Ok(out)
}

fn only_file(dir: &Path) -> std::path::PathBuf {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wal"))
        .collect();
    files.sort();
    files.remove(0)
}

/// Writes `texts` (one batch each) into a fresh sealed log in `wal_dir`.
async fn write_sealed(wal_dir: &Path, keys: &Arc<dyn WalKeys>, texts: &[&str]) {
    let (wal, _rx) = Wal::open_with(wal_dir, &WalConfig::default(), 0, Some(keys.clone())).unwrap();
    for text in texts {
        wal.append(vec![record(text)]).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sealed_files_hide_records_and_replay_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(dir.path());
    let wal_dir = dir.path().join("wal");
    write_sealed(&wal_dir, &keys, &[MARKER, "second"]).await;
    let bytes = fs::read(only_file(&wal_dir)).unwrap();
    assert!(bytes.starts_with(b"PALWAL"));
    assert!(!bytes.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()));

    let (wal, _rx) = Wal::open_with(&wal_dir, &WalConfig::default(), 0, Some(keys)).unwrap();
    assert_eq!(replayed(&wal).unwrap(), vec![MARKER, "second"]);
    // Without the keys the file is still recovered, but its records cannot be replayed.
    drop(wal);
    let (plain, _rx) = Wal::open(&wal_dir, &WalConfig::default(), 0).unwrap();
    let err = replayed(&plain).unwrap_err().to_string();
    assert!(err.contains("encrypt_at_rest"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_sealed_tail_is_cut_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(dir.path());
    let wal_dir = dir.path().join("wal");
    write_sealed(&wal_dir, &keys, &["kept", "torn away"]).await;
    let file = only_file(&wal_dir);
    let len = fs::metadata(&file).unwrap().len();
    fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .unwrap()
        .set_len(len - 3)
        .unwrap();
    let (wal, _rx) = Wal::open_with(&wal_dir, &WalConfig::default(), 0, Some(keys)).unwrap();
    assert_eq!(replayed(&wal).unwrap(), vec!["kept"]);
    assert_eq!(wal.append(vec![record("after")]).await.unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_altered_frame_is_refused_and_nothing_after_it_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    let keys = keys(dir.path());
    let wal_dir = dir.path().join("wal");
    write_sealed(&wal_dir, &keys, &["first", "second"]).await;
    let file = only_file(&wal_dir);
    let mut bytes = fs::read(&file).unwrap();
    // The first frame starts right after the header (26 fixed bytes, the wrapped key, a
    // CRC): alter its ciphertext and fix its CRC, as someone covering their tracks would.
    let header_len = 26 + u16::from_le_bytes([bytes[24], bytes[25]]) as usize + 4;
    let body = header_len + 8;
    let body_len = u32::from_le_bytes(bytes[header_len..header_len + 4].try_into().unwrap());
    bytes[body + 12] ^= 1;
    let crc = crc32fast::hash(&bytes[body..body + body_len as usize]);
    bytes[header_len + 4..header_len + 8].copy_from_slice(&crc.to_le_bytes());
    fs::write(&file, &bytes).unwrap();

    let (wal, _rx) = Wal::open_with(&wal_dir, &WalConfig::default(), 0, Some(keys)).unwrap();
    let err = replayed(&wal).unwrap_err().to_string();
    assert!(err.contains("failed authentication"), "{err}");
    assert!(err.contains("records 1 to 1"), "{err}");
    assert!(err.contains("nothing was cut"), "{err}");
    assert_eq!(
        fs::read(&file).unwrap(),
        bytes,
        "the file is left as it was"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_from_before_headers_are_still_read() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (wal, _rx) = Wal::open(dir.path(), &WalConfig::default(), 0).unwrap();
        wal.append(vec![record("old format")]).await.unwrap();
    }
    // A plain file's header is 30 bytes; without it the file is a format 1 file.
    let file = only_file(dir.path());
    let bytes = fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"PALWAL"));
    fs::write(&file, &bytes[30..]).unwrap();
    let (wal, _rx) = Wal::open(dir.path(), &WalConfig::default(), 0).unwrap();
    assert_eq!(replayed(&wal).unwrap(), vec!["old format"]);
    assert_eq!(wal.append(vec![record("new")]).await.unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sealing_the_key_service_while_running_keeps_appending_to_the_current_file() {
    let dir = tempfile::tempdir().unwrap();
    let shares = palisade_kms::seal::init_shamir(&dir.path().join("kms"), 3, 2).unwrap();
    let kms = Arc::new(palisade_kms::Kms::open(dir.path()).unwrap());
    for share in &shares[..2] {
        kms.submit_share(share).unwrap();
    }
    let keys: Arc<dyn WalKeys> = Arc::new(palisade_kms::at_rest::WalKeyring::new(kms.clone()));
    // Every group fills a file, so each append would start a new one.
    let cfg = WalConfig {
        file_bytes: palisade_core::config::ByteSize(1),
        ..WalConfig::default()
    };
    let wal_dir = dir.path().join("wal");
    let files = || fs::read_dir(&wal_dir).unwrap().count();
    {
        let (wal, _rx) = Wal::open_with(&wal_dir, &cfg, 0, Some(keys.clone())).unwrap();
        wal.append(vec![record("unsealed")]).await.unwrap();
        let before = files();
        kms.seal().unwrap();
        // No new data key can be made: appends go on, acknowledged, into the current file.
        wal.append(vec![record("while sealed 1")]).await.unwrap();
        wal.append(vec![record("while sealed 2")]).await.unwrap();
        assert_eq!(files(), before);
        for share in &shares[1..] {
            kms.submit_share(share).unwrap();
        }
        wal.append(vec![record("unsealed again")]).await.unwrap();
        assert_eq!(files(), before + 1, "a new file once a key can be made");
    }
    let (wal, _rx) = Wal::open_with(&wal_dir, &cfg, 0, Some(keys)).unwrap();
    assert_eq!(
        replayed(&wal).unwrap(),
        vec![
            "unsealed",
            "while sealed 1",
            "while sealed 2",
            "unsealed again"
        ]
    );
}

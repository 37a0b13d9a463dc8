//! Verification reads files an attacker may have written: arbitrary record and tree head
//! files must end in a named failure, never a panic.

use palisade_audit::{frame, head::HEADS_FILE, scan::RECORDS_FILE, verify_dir, PublicKey};
use proptest::prelude::*;

fn key() -> PublicKey {
    PublicKey::from_hex(&"11".repeat(32)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_record_files_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..600)) {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = frame::MAGIC.to_vec();
        bytes.extend_from_slice(&tail);
        std::fs::write(dir.path().join(RECORDS_FILE), &bytes).unwrap();
        let result = verify_dir(dir.path(), Some(&key()));
        if !tail.is_empty() {
            // Never a clean bill of health: a failure, or an incomplete record noted.
            prop_assert!(result.map_or(true, |r| r.incomplete_tail.is_some()));
        }
    }

    #[test]
    fn arbitrary_framed_records_never_panic(payload in "\\PC{0,200}") {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = frame::MAGIC.to_vec();
        frame::encode(payload.as_bytes(), &mut bytes);
        std::fs::write(dir.path().join(RECORDS_FILE), &bytes).unwrap();
        prop_assert!(verify_dir(dir.path(), Some(&key())).is_err());
    }

    #[test]
    fn arbitrary_head_files_never_panic(lines in proptest::collection::vec("\\PC{0,120}", 1..5)) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(RECORDS_FILE), frame::MAGIC).unwrap();
        std::fs::write(dir.path().join(HEADS_FILE), lines.join("\n")).unwrap();
        let _ = verify_dir(dir.path(), Some(&key()));
    }
}

#[test]
fn heads_with_well_formed_but_wrong_fields_are_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(RECORDS_FILE), frame::MAGIC).unwrap();
    let head = serde_json::json!({
        "tree_size": 3, "timestamp_ms": 1, "root_hash": "zz", "key_id": "k", "signature": "!!"
    });
    std::fs::write(dir.path().join(HEADS_FILE), format!("{head}\n")).unwrap();
    let err = verify_dir(dir.path(), Some(&key()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("tree head on line 1") && err.contains("root_hash"),
        "{err}"
    );
}

//! Tampering with a trail on disk: `palisade audit verify` fails, exits non-zero and names the
//! record or tree head every time.

use crate::{audit::verify, harness::tempdir};
use palisade_audit::{AuditEvent, AuditLog, AuditOptions, Outcome, Subject};
use palisade_core::IdentitySealer;
use std::{path::Path, time::Duration};

const RECORDS: u64 = 20;

/// Writes a trail of 20 records, with a signed tree head after every record.
fn trail(dir: &Path) {
    let options = AuditOptions {
        head_interval: Duration::ZERO,
        ..AuditOptions::default()
    };
    let log = AuditLog::open(dir, &IdentitySealer, options).unwrap();
    for n in 0..RECORDS {
        log.append_blocking(AuditEvent {
            time_ms: 1_700_000_000_000 + n as i64,
            event_type: "api.response".into(),
            request_id: format!("req-{n}"),
            subject: Subject {
                identity: "admin".into(),
                role: "operator".into(),
                tenant: "default".into(),
            },
            object: "/api/v1/events".into(),
            action: "GET".into(),
            result: Outcome::Success,
            status: Some(200),
            source: None,
            detail: None,
        })
        .unwrap();
    }
}

/// Byte ranges of every framed record in a record file.
fn frames(file: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut at = 8;
    while at < file.len() {
        let len = u32::from_le_bytes(file[at..at + 4].try_into().unwrap()) as usize;
        out.push(at..at + 8 + len);
        at += 8 + len;
    }
    out
}

/// Builds a fresh trail, lets `tamper` change its files, and returns verify's complaint.
fn tampered(tamper: impl FnOnce(&Path, Vec<u8>, Vec<std::ops::Range<usize>>)) -> String {
    let dir = tempdir();
    trail(dir.path());
    let (code, out, err) = verify(dir.path());
    assert_eq!(code, 0, "the untouched trail must verify: {out}{err}");
    let records = dir.path().join("records.log");
    let bytes = std::fs::read(&records).unwrap();
    let ranges = frames(&bytes);
    assert_eq!(ranges.len(), RECORDS as usize);
    tamper(dir.path(), bytes, ranges);
    let (code, out, err) = verify(dir.path());
    assert_eq!(code, 1, "tampering went unnoticed: {out}");
    err
}

fn records_path(dir: &Path) -> std::path::PathBuf {
    dir.join("records.log")
}

#[test]
fn a_flipped_byte_is_named() {
    let err = tampered(|dir, mut bytes, ranges| {
        bytes[ranges[7].start + 30] ^= 0x01;
        std::fs::write(records_path(dir), bytes).unwrap();
    });
    assert!(
        err.contains("record 7 ") && err.contains("checksum mismatch"),
        "{err}"
    );
}

#[test]
fn a_deleted_record_is_named() {
    let err = tampered(|dir, mut bytes, ranges| {
        bytes.drain(ranges[7].clone());
        std::fs::write(records_path(dir), bytes).unwrap();
    });
    assert!(
        err.contains("record 7 ") && err.contains("holds index 8"),
        "{err}"
    );
}

#[test]
fn two_reordered_records_are_named() {
    let err = tampered(|dir, bytes, ranges| {
        let mut out = bytes[..ranges[7].start].to_vec();
        out.extend_from_slice(&bytes[ranges[8].clone()]);
        out.extend_from_slice(&bytes[ranges[7].clone()]);
        out.extend_from_slice(&bytes[ranges[9].start..]);
        std::fs::write(records_path(dir), out).unwrap();
    });
    assert!(
        err.contains("record 7 ") && err.contains("holds index 8"),
        "{err}"
    );
}

#[test]
fn a_file_truncated_inside_a_record_is_named() {
    let err = tampered(|dir, bytes, ranges| {
        std::fs::write(records_path(dir), &bytes[..ranges[19].start + 5]).unwrap();
    });
    assert!(
        err.contains("record 19 ") && err.contains("truncated"),
        "{err}"
    );
}

#[test]
fn a_file_truncated_between_records_is_named_by_the_head_that_covers_them() {
    let err = tampered(|dir, bytes, ranges| {
        std::fs::write(records_path(dir), &bytes[..ranges[17].start]).unwrap();
    });
    assert!(
        err.contains("tree head on line 18") && err.contains("truncated"),
        "{err}"
    );
}

#[test]
fn a_replaced_tree_head_is_named() {
    let err = tampered(|dir, _, _| {
        let path = dir.join("tree-heads.ndjson");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let mut head: serde_json::Value = serde_json::from_str(&lines[4]).unwrap();
        head["root_hash"] = serde_json::json!("00".repeat(32));
        lines[4] = head.to_string();
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    });
    assert!(
        err.contains("tree head on line 5") && err.contains("signature invalid"),
        "{err}"
    );
}

#[test]
fn a_record_rewritten_with_a_valid_checksum_is_caught_by_the_signed_heads() {
    let err = tampered(|dir, bytes, ranges| {
        let payload = &bytes[ranges[3].start + 8..ranges[3].end];
        let forged = String::from_utf8(payload.to_vec())
            .unwrap()
            .replace("\"admin\"", "\"mallory\"");
        let mut framed = Vec::new();
        palisade_audit::frame::encode(forged.as_bytes(), &mut framed);
        let mut out = bytes[..ranges[3].start].to_vec();
        out.extend_from_slice(&framed);
        out.extend_from_slice(&bytes[ranges[3].end..]);
        std::fs::write(records_path(dir), out).unwrap();
    });
    assert!(
        err.contains("tree head on line 4") && err.contains("does not match"),
        "{err}"
    );
}

#[test]
fn a_trail_re_signed_with_another_key_fails_against_the_pinned_key() {
    let dir = tempdir();
    trail(dir.path());
    let pinned = std::fs::read_to_string(dir.path().join("signing.pub")).unwrap();
    // An attacker rebuilds the whole trail with a key of their own.
    for file in [
        "records.log",
        "tree-heads.ndjson",
        "signing.key",
        "signing.pub",
    ] {
        std::fs::remove_file(dir.path().join(file)).unwrap();
    }
    trail(dir.path());
    let out = std::process::Command::new(crate::harness::bin())
        .args(["audit", "verify", "--public-key", pinned.trim()])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("tree head on line 1") && err.contains("signed by key"),
        "{err}"
    );
}

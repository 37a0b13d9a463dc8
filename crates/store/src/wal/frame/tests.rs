use super::*;
use palisade_core::wal_seal::WalKeys;
use proptest::prelude::*;
use std::sync::Arc;

fn record(payload: &[u8]) -> RawRecord {
    RawRecord {
        tenant: TenantId::default(),
        source: "syslog-udp".into(),
        transport: Transport::Udp,
        format: PayloadFormat::Syslog,
        received_ms: 1_732_350_000_000,
        peer: Some("10.0.0.1:514".into()),
        payload: payload.to_vec(),
    }
}

/// A key service (development file seal) in a temporary directory, and a fresh file seal.
fn file_seal() -> (
    tempfile::TempDir,
    palisade_kms::at_rest::WalKeyring,
    FrameSeal,
) {
    let dir = tempfile::tempdir().unwrap();
    let kms = Arc::new(palisade_kms::Kms::open(dir.path()).unwrap());
    let keys = palisade_kms::at_rest::WalKeyring::new(kms);
    let key = keys.create().unwrap();
    let seal = FrameSeal {
        file_id: key.file_id,
        cipher: key.cipher,
    };
    (dir, keys, seal)
}

#[test]
fn frames_round_trip_and_a_flipped_byte_ends_the_valid_prefix() {
    let mut buf = Vec::new();
    encode_frame(&mut buf, 5, &[record(b"a"), record(b"b")], None).unwrap();
    let first_len = buf.len();
    encode_frame(&mut buf, 7, &[record(b"c")], None).unwrap();
    let mut seen = Vec::new();
    let valid = scan_frames(&buf, 0, |f| {
        seen.push((f.first_seq, f.decode(None).unwrap()))
    });
    assert_eq!(valid, buf.len());
    assert_eq!(seen[0].0, 5);
    assert_eq!(seen[0].1[1].payload, b"b");
    assert_eq!(seen[1].1, vec![record(b"c")]);

    let last = buf.len() - 1;
    buf[last] ^= 0x40;
    assert_eq!(scan_frames(&buf, 0, |_| {}), first_len);
    assert_eq!(scan_frames(&buf[..first_len - 1], 0, |_| {}), 0);
}

#[test]
fn sealed_frames_hide_the_records_and_open_with_the_file_key() {
    let (_dir, _keys, seal) = file_seal();
    let mut buf = Vec::new();
    encode_frame(&mut buf, 5, &[record(b"marker-q7")], Some(&seal)).unwrap();
    encode_frame(&mut buf, 6, &[record(b"b"), record(b"c")], Some(&seal)).unwrap();
    assert!(!buf.windows(9).any(|w| w == b"marker-q7"));
    assert!(!buf.windows(10).any(|w| w == b"syslog-udp"));
    let mut seen = Vec::new();
    let valid = scan_frames(&buf, 0, |f| seen.push(f.decode(Some(&seal)).unwrap()));
    assert_eq!(valid, buf.len(), "the CRC covers the sealed bytes");
    assert_eq!(
        seen,
        vec![vec![record(b"marker-q7")], vec![record(b"b"), record(b"c")]]
    );
    // Without the key the frames are found but cannot be read.
    scan_frames(&buf, 0, |f| assert!(f.decode(None).is_err()));
}

#[test]
fn a_tampered_sealed_frame_with_a_fixed_crc_is_refused_with_a_clear_error() {
    let (_dir, _keys, seal) = file_seal();
    let mut buf = Vec::new();
    encode_frame(&mut buf, 1, &[record(b"pay")], Some(&seal)).unwrap();
    let last = buf.len() - FRAME_TAG_BYTES - 1;
    buf[last] ^= 1;
    let crc = crc32fast::hash(&buf[HEADER_BYTES..]);
    buf[4..8].copy_from_slice(&crc.to_le_bytes());
    let mut errors = Vec::new();
    let valid = scan_frames(&buf, 0, |f| errors.push(f.decode(Some(&seal)).unwrap_err()));
    assert_eq!(valid, buf.len());
    assert!(errors[0].contains("failed authentication"), "{errors:?}");
}

#[test]
fn a_frame_moved_to_another_position_or_file_does_not_open() {
    let (_dir, keys, seal) = file_seal();
    let mut buf = Vec::new();
    encode_frame(&mut buf, 9, &[record(b"x")], Some(&seal)).unwrap();
    // Same bytes, claimed at another seq (CRC recomputed): the nonce and AAD differ.
    buf[HEADER_BYTES..HEADER_BYTES + 8].copy_from_slice(&10u64.to_le_bytes());
    let crc = crc32fast::hash(&buf[HEADER_BYTES..]);
    buf[4..8].copy_from_slice(&crc.to_le_bytes());
    scan_frames(&buf, 0, |f| assert!(f.decode(Some(&seal)).is_err()));
    // Another file's key cannot open it either.
    let other = keys.create().unwrap();
    let other = FrameSeal {
        file_id: other.file_id,
        cipher: other.cipher,
    };
    let mut original = Vec::new();
    encode_frame(&mut original, 11, &[record(b"y")], Some(&seal)).unwrap();
    scan_frames(&original, 0, |f| assert!(f.decode(Some(&other)).is_err()));
}

#[test]
fn a_reused_first_seq_is_refused_and_leaves_the_buffer_as_it_was() {
    let (_dir, _keys, seal) = file_seal();
    let mut buf = Vec::new();
    encode_frame(&mut buf, 3, &[record(b"a")], Some(&seal)).unwrap();
    let len = buf.len();
    let err = encode_frame(&mut buf, 3, &[record(b"b")], Some(&seal)).unwrap_err();
    assert!(err.to_string().contains("never reused"), "{err}");
    assert_eq!(buf.len(), len);
}

proptest! {
    #[test]
    fn scanning_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let valid = scan_frames(&bytes, 0, |f| { let _ = f.decode(None); });
        prop_assert!(valid <= bytes.len());
    }
}

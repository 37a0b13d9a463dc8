//! The WAL's on-disk frame: one appended batch.
//!
//! ```text
//! frame = body_len u32 LE | crc32(body) u32 LE | body
//! body  = first_seq u64 LE | record_count varint | record*
//! record = tenant bytes | source bytes | transport u8 | format u8 | received_ms zigzag
//!          | has_peer u8 | [peer bytes] | payload bytes          (bytes = varint length + data)
//! ```
//! A batch is one frame, so after a crash a batch is either wholly there or wholly gone;
//! a frame whose length runs past the end of the file or whose CRC does not match ends the
//! valid part of the file.

use crate::codec::{put_bytes, put_ivarint, put_uvarint, Reader, Truncated};
use palisade_core::{PayloadFormat, RawRecord, TenantId, Transport};

/// Bytes before the body: length and CRC.
const HEADER_BYTES: usize = 8;

/// Appends one frame holding `records`, the first of which gets `first_seq`.
pub fn encode_frame(out: &mut Vec<u8>, first_seq: u64, records: &[RawRecord]) {
    let start = out.len();
    out.extend_from_slice(&[0u8; HEADER_BYTES]);
    out.extend_from_slice(&first_seq.to_le_bytes());
    put_uvarint(out, records.len() as u64);
    for r in records {
        put_bytes(out, r.tenant.as_str().as_bytes());
        put_bytes(out, r.source.as_bytes());
        out.push(r.transport.code());
        out.push(r.format.code());
        put_ivarint(out, r.received_ms);
        match &r.peer {
            Some(peer) => {
                out.push(1);
                put_bytes(out, peer.as_bytes());
            }
            None => out.push(0),
        }
        put_bytes(out, &r.payload);
    }
    let body = &out[start + HEADER_BYTES..];
    let len = body.len() as u32;
    let crc = crc32fast::hash(body);
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

/// One intact frame found in a file.
pub struct FrameRef<'a> {
    /// Seq of the frame's first record.
    pub first_seq: u64,
    /// Number of records.
    pub count: u64,
    /// The records, still encoded.
    records: &'a [u8],
}

impl FrameRef<'_> {
    /// Seq of the frame's last record (`first_seq - 1` for an empty frame).
    pub fn last_seq(&self) -> u64 {
        (self.first_seq + self.count).saturating_sub(1)
    }

    /// Decodes the records; `None` if they are malformed despite a matching CRC.
    pub fn decode(&self) -> Option<Vec<RawRecord>> {
        decode_records(self.records, self.count).ok()
    }
}

/// Walks the intact frames at the start of `bytes`, calling `f` for each, and returns the
/// length of the valid prefix (everything after it is a torn or corrupt tail). Frames must
/// carry increasing seqs above `after_seq`; one that does not also ends the valid prefix.
pub fn scan_frames(bytes: &[u8], mut after_seq: u64, mut f: impl FnMut(&FrameRef<'_>)) -> usize {
    let mut pos = 0;
    while let Some((frame, next)) = read_frame(bytes, pos) {
        if frame.first_seq <= after_seq {
            break;
        }
        f(&frame);
        after_seq = frame.last_seq();
        pos = next;
    }
    pos
}

fn read_frame(bytes: &[u8], pos: usize) -> Option<(FrameRef<'_>, usize)> {
    let mut r = Reader::new(bytes.get(pos..)?);
    let len = r.u32().ok()? as usize;
    let crc = r.u32().ok()?;
    let body = r.take(len).ok()?;
    if crc32fast::hash(body) != crc {
        return None;
    }
    let mut b = Reader::new(body);
    let first_seq = b.u64().ok()?;
    let count = b.uvarint().ok()?;
    if first_seq == 0 || first_seq.checked_add(count).is_none() {
        return None;
    }
    let records = b.take(b.remaining()).ok()?;
    let frame = FrameRef {
        first_seq,
        count,
        records,
    };
    Some((frame, pos + HEADER_BYTES + len))
}

fn decode_records(bytes: &[u8], count: u64) -> Result<Vec<RawRecord>, Truncated> {
    let mut r = Reader::new(bytes);
    let mut out = Vec::with_capacity(count.min(1 << 16) as usize);
    for _ in 0..count {
        let tenant = TenantId::new(r.str()?).map_err(|_| Truncated)?;
        let source = r.str()?.to_owned();
        let transport = Transport::from_code(r.u8()?).ok_or(Truncated)?;
        let format = PayloadFormat::from_code(r.u8()?).ok_or(Truncated)?;
        let received_ms = r.ivarint()?;
        let peer = match r.u8()? {
            0 => None,
            1 => Some(r.str()?.to_owned()),
            _ => return Err(Truncated),
        };
        let payload = r.bytes()?.to_vec();
        out.push(RawRecord {
            tenant,
            source,
            transport,
            format,
            received_ms,
            peer,
            payload,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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

    #[test]
    fn frames_round_trip_and_a_flipped_byte_ends_the_valid_prefix() {
        let mut buf = Vec::new();
        encode_frame(&mut buf, 5, &[record(b"a"), record(b"b")]);
        let first_len = buf.len();
        encode_frame(&mut buf, 7, &[record(b"c")]);
        let mut seen = Vec::new();
        let valid = scan_frames(&buf, 0, |f| seen.push((f.first_seq, f.decode().unwrap())));
        assert_eq!(valid, buf.len());
        assert_eq!(seen[0].0, 5);
        assert_eq!(seen[0].1[1].payload, b"b");
        assert_eq!(seen[1].1, vec![record(b"c")]);

        let last = buf.len() - 1;
        buf[last] ^= 0x40;
        assert_eq!(scan_frames(&buf, 0, |_| {}), first_len);
        assert_eq!(scan_frames(&buf[..first_len - 1], 0, |_| {}), 0);
    }

    proptest! {
        #[test]
        fn scanning_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let valid = scan_frames(&bytes, 0, |f| { let _ = f.decode(); });
            prop_assert!(valid <= bytes.len());
        }
    }
}

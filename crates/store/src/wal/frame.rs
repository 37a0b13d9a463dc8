//! The WAL's on-disk frame: one appended batch.
//!
//! ```text
//! frame = body_len u32 LE | crc32(body) u32 LE | body
//! body  = first_seq u64 LE | record_count varint | records
//! records = record*                                   (plain file)
//!         | AES-256-GCM(record*) | tag [16]           (sealed file)
//! record = tenant bytes | source bytes | transport u8 | format u8 | received_ms zigzag
//!          | has_peer u8 | [peer bytes] | payload bytes          (bytes = varint length + data)
//! ```
//! A batch is one frame, so after a crash a batch is either wholly there or wholly gone;
//! a frame whose length runs past the end of the file or whose CRC does not match ends the
//! valid part of the file. The CRC covers the sealed bytes, so the valid part is found without
//! the key. A sealed frame's nonce is its first seq (seqs only grow within a file, and a file
//! has its own key) and its associated data binds the file id, the first seq and the record
//! count, so a frame can be neither altered nor moved to another file or position.

use crate::codec::{put_bytes, put_ivarint, put_uvarint, Reader, Truncated};
use palisade_core::{
    wal_seal::{FrameCipher, FILE_ID_BYTES, FRAME_TAG_BYTES},
    PayloadFormat, RawRecord, SealError, TenantId, Text, Transport,
};

/// Bytes before the body: length and CRC.
const HEADER_BYTES: usize = 8;

/// What seals the frames of one file: its id and its data key's cipher.
pub struct FrameSeal {
    /// The file's id, from its header.
    pub file_id: [u8; FILE_ID_BYTES],
    /// The cipher of the file's data key.
    pub cipher: Box<dyn FrameCipher>,
}

/// The associated data of a sealed frame.
fn frame_aad(file_id: &[u8; FILE_ID_BYTES], first_seq: u64, count: u64) -> Vec<u8> {
    [
        b"palisade wal frame\0".as_slice(),
        file_id,
        &first_seq.to_le_bytes(),
        &count.to_le_bytes(),
    ]
    .concat()
}

/// Appends one frame holding `records`, the first of which gets `first_seq`, sealed when
/// `seal` is given. On error `out` is left as it was.
pub fn encode_frame(
    out: &mut Vec<u8>,
    first_seq: u64,
    records: &[RawRecord],
    seal: Option<&FrameSeal>,
) -> Result<(), SealError> {
    let start = out.len();
    out.extend_from_slice(&[0u8; HEADER_BYTES]);
    out.extend_from_slice(&first_seq.to_le_bytes());
    put_uvarint(out, records.len() as u64);
    let records_start = out.len();
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
    if let Some(seal) = seal {
        let aad = frame_aad(&seal.file_id, first_seq, records.len() as u64);
        match seal.cipher.seal(first_seq, &aad, &mut out[records_start..]) {
            Ok(tag) => out.extend_from_slice(&tag),
            Err(e) => {
                out.truncate(start);
                return Err(e);
            }
        }
    }
    let body = &out[start + HEADER_BYTES..];
    let len = body.len() as u32;
    let crc = crc32fast::hash(body);
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
    Ok(())
}

/// One intact frame found in a file.
pub struct FrameRef<'a> {
    /// Seq of the frame's first record.
    pub first_seq: u64,
    /// Number of records.
    pub count: u64,
    /// The records, still encoded (and sealed, in a sealed file).
    records: &'a [u8],
}

impl FrameRef<'_> {
    /// Seq of the frame's last record (`first_seq - 1` for an empty frame).
    pub fn last_seq(&self) -> u64 {
        (self.first_seq + self.count).saturating_sub(1)
    }

    /// Opens (with `seal`, for a sealed file) and decodes the records; the error says why
    /// they cannot be read.
    pub fn decode(&self, seal: Option<&FrameSeal>) -> Result<Vec<RawRecord>, String> {
        let malformed = |_| "a record is malformed".to_owned();
        let Some(seal) = seal else {
            return decode_records(self.records, self.count).map_err(malformed);
        };
        if self.records.len() < FRAME_TAG_BYTES {
            return Err("the sealed frame is too short to hold its tag".into());
        }
        let mut buf = self.records.to_vec();
        let aad = frame_aad(&seal.file_id, self.first_seq, self.count);
        let plain_len = seal
            .cipher
            .open(self.first_seq, &aad, &mut buf)
            .map_err(|e| format!("the sealed frame failed authentication: {e}"))?;
        decode_records(&buf[..plain_len], self.count).map_err(malformed)
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
        let source = Text::from(r.str()?);
        let transport = Transport::from_code(r.u8()?).ok_or(Truncated)?;
        let format = PayloadFormat::from_code(r.u8()?).ok_or(Truncated)?;
        let received_ms = r.ivarint()?;
        let peer = match r.u8()? {
            0 => None,
            1 => Some(Text::from(r.str()?)),
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
mod tests;

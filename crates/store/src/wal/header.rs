//! The header of a WAL file: its format and, for a sealed file, its wrapped data key.
//!
//! ```text
//! header = magic "PALWAL" | format u8 (2) | mode u8 (0 plain, 1 sealed) | file_id [16]
//!          | wrapped_len u16 LE | wrapped data key | crc32(all of the above) u32 LE
//! ```
//! Files of format 1 (written before the log could be sealed) have no header: their first
//! bytes are a frame, which can never start with the magic (that would be a 1.4 GiB frame).

use palisade_core::wal_seal::FILE_ID_BYTES;

/// The first bytes of a file with a header.
const MAGIC: &[u8; 6] = b"PALWAL";
/// The format this header describes.
const FORMAT: u8 = 2;
const MODE_PLAIN: u8 = 0;
const MODE_SEALED: u8 = 1;
/// Bytes before the wrapped key.
const FIXED_BYTES: usize = MAGIC.len() + 2 + FILE_ID_BYTES + 2;
/// A wrapped data key is far shorter; a longer claim means a damaged header.
const MAX_WRAPPED_BYTES: usize = 2048;

/// What a WAL file's header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHeader {
    /// The file's id (zeros for a plain file).
    pub file_id: [u8; FILE_ID_BYTES],
    /// The file's wrapped data key; `None` for a plain file.
    pub wrapped_key: Option<Vec<u8>>,
}

/// What the start of a WAL file holds.
#[derive(Debug, PartialEq, Eq)]
pub enum FileStart {
    /// No header: a format 1 file, frames from byte 0, in the clear.
    Legacy,
    /// A header cut short by a crash while the file was created: it holds no record.
    Torn,
    /// A header of `len` bytes; the frames follow it.
    Header(FileHeader, usize),
}

impl FileHeader {
    /// The header's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let wrapped = self.wrapped_key.as_deref().unwrap_or_default();
        let mut out = Vec::with_capacity(FIXED_BYTES + wrapped.len() + 4);
        out.extend_from_slice(MAGIC);
        out.push(FORMAT);
        out.push(if self.wrapped_key.is_some() {
            MODE_SEALED
        } else {
            MODE_PLAIN
        });
        out.extend_from_slice(&self.file_id);
        out.extend_from_slice(&(wrapped.len() as u16).to_le_bytes());
        out.extend_from_slice(wrapped);
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }
}

/// Reads the start of a file; the error says how a complete header is damaged.
pub fn read(bytes: &[u8]) -> Result<FileStart, String> {
    if bytes.len() < MAGIC.len() {
        return Ok(if MAGIC.starts_with(bytes) && !bytes.is_empty() {
            FileStart::Torn
        } else {
            FileStart::Legacy
        });
    }
    if !bytes.starts_with(MAGIC) {
        return Ok(FileStart::Legacy);
    }
    if bytes.len() < FIXED_BYTES {
        return Ok(FileStart::Torn);
    }
    let format = bytes[MAGIC.len()];
    let mode = bytes[MAGIC.len() + 1];
    let id_at = MAGIC.len() + 2;
    let wrapped_len = u16::from_le_bytes([bytes[FIXED_BYTES - 2], bytes[FIXED_BYTES - 1]]) as usize;
    if wrapped_len > MAX_WRAPPED_BYTES {
        return Err(format!(
            "the file header claims a {wrapped_len}-byte wrapped key (at most \
             {MAX_WRAPPED_BYTES}): the header is damaged"
        ));
    }
    let len = FIXED_BYTES + wrapped_len + 4;
    let Some(header) = bytes.get(..len) else {
        return Ok(FileStart::Torn);
    };
    let (covered, crc) = header.split_at(len - 4);
    if crc32fast::hash(covered) != u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]) {
        return Err("the file header's checksum does not match: the header is damaged".into());
    }
    if format != FORMAT {
        return Err(format!(
            "the file has format {format}, which this version does not know"
        ));
    }
    let mut file_id = [0u8; FILE_ID_BYTES];
    file_id.copy_from_slice(&bytes[id_at..id_at + FILE_ID_BYTES]);
    let wrapped = &covered[FIXED_BYTES..];
    let wrapped_key = match mode {
        MODE_PLAIN if wrapped.is_empty() => None,
        MODE_SEALED if !wrapped.is_empty() => Some(wrapped.to_vec()),
        _ => return Err(format!("the file header has an unknown mode {mode}")),
    };
    Ok(FileStart::Header(
        FileHeader {
            file_id,
            wrapped_key,
        },
        len,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sealed() -> FileHeader {
        FileHeader {
            file_id: [7; FILE_ID_BYTES],
            wrapped_key: Some(b"palisade-storage-default.wal\nvault:v1:abc".to_vec()),
        }
    }

    #[test]
    fn headers_round_trip_and_every_cut_short_header_reads_as_torn() {
        for header in [
            sealed(),
            FileHeader {
                file_id: [0; FILE_ID_BYTES],
                wrapped_key: None,
            },
        ] {
            let mut bytes = header.encode();
            let len = bytes.len();
            bytes.extend_from_slice(b"frames");
            assert_eq!(read(&bytes), Ok(FileStart::Header(header, len)));
            for cut in 1..len {
                assert_eq!(read(&bytes[..cut]), Ok(FileStart::Torn), "cut at {cut}");
            }
        }
        assert_eq!(read(b""), Ok(FileStart::Legacy));
        assert_eq!(read(&[12, 0, 0, 0, 1, 2, 3, 4]), Ok(FileStart::Legacy));
    }

    #[test]
    fn a_damaged_complete_header_is_an_error_not_a_torn_file() {
        let mut bytes = sealed().encode();
        bytes[MAGIC.len() + 3] ^= 1;
        let err = read(&bytes).unwrap_err();
        assert!(err.contains("checksum"), "{err}");
    }

    proptest! {
        #[test]
        fn reading_arbitrary_bytes_never_panics(tail in proptest::collection::vec(any::<u8>(), 0..96)) {
            let _ = read(&tail);
            let with_magic = [MAGIC.as_slice(), &tail].concat();
            let _ = read(&with_magic);
        }
    }
}

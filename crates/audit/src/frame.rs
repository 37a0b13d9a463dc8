//! The record file's framing: an 8-byte magic, then per record a little-endian u32 length, a
//! CRC-32 of the length and the payload, and the payload (the record's JSON). Zeros may
//! follow the last record (the writer's padding): an all-zero frame header ends the records,
//! which no record's header is (the CRC-32 of a zero length and no payload is not zero).

use std::io::{self, Read};

/// The first bytes of a record file (format version 1).
pub const MAGIC: &[u8; 8] = b"PALAUD01";

/// The largest record accepted; a longer length field means corruption.
pub const MAX_RECORD_BYTES: u32 = 1 << 20;

/// Bytes before each payload: length and checksum.
pub const FRAME_HEADER_BYTES: u64 = 8;

/// Why the record file cannot be read further.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The file does not start with [`MAGIC`].
    #[error("not an audit record file (bad magic)")]
    BadMagic,
    /// The file ends inside a record.
    #[error("truncated: the file ends inside the record")]
    Truncated,
    /// The length field is impossible.
    #[error("corrupt length field ({0} bytes)")]
    BadLength(u32),
    /// The checksum does not match the length and payload.
    #[error("checksum mismatch (the record's bytes were changed)")]
    Checksum,
    /// The checksum does not match and the record runs into zeros (it is empty, or its last
    /// byte is zero, which a JSON record never ends with): a write into the padding that did
    /// not finish, by a crash or while this reader looked.
    #[error("unfinished: the record runs into zero bytes (a write that did not finish)")]
    Unfinished,
    /// Reading failed.
    #[error("read error: {0}")]
    Io(#[from] io::Error),
}

fn checksum(len_bytes: &[u8; 4], payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(len_bytes);
    hasher.update(payload);
    hasher.finalize()
}

/// Appends one framed record to `out`.
pub fn encode(payload: &[u8], out: &mut Vec<u8>) {
    let len = (payload.len() as u32).to_le_bytes();
    out.extend_from_slice(&len);
    out.extend_from_slice(&checksum(&len, payload).to_le_bytes());
    out.extend_from_slice(payload);
}

/// Checks the file's magic.
pub fn read_magic(reader: &mut impl Read) -> Result<(), FrameError> {
    let mut magic = [0u8; 8];
    match read_full(reader, &mut magic)? {
        8 if &magic == MAGIC => Ok(()),
        _ => Err(FrameError::BadMagic),
    }
}

/// Reads the next record's payload; `None` at a clean end of file or at the padding.
pub fn read(reader: &mut impl Read) -> Result<Option<Vec<u8>>, FrameError> {
    let mut header = [0u8; 8];
    match read_full(reader, &mut header)? {
        0 => return Ok(None),
        8 if header == [0; 8] => return Ok(None),
        8 => {}
        _ => return Err(FrameError::Truncated),
    }
    let len_bytes: [u8; 4] = [header[0], header[1], header[2], header[3]];
    let len = u32::from_le_bytes(len_bytes);
    let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    if len > MAX_RECORD_BYTES {
        return Err(FrameError::BadLength(len));
    }
    let mut payload = vec![0u8; len as usize];
    if read_full(reader, &mut payload)? != payload.len() {
        return Err(FrameError::Truncated);
    }
    if checksum(&len_bytes, &payload) != crc {
        return Err(match payload.last() {
            None | Some(0) => FrameError::Unfinished,
            Some(_) => FrameError::Checksum,
        });
    }
    Ok(Some(payload))
}

/// Reads until `buf` is full or the input ends; returns how many bytes were read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn frames_round_trip_and_detect_damage() {
        let mut file = MAGIC.to_vec();
        encode(b"first", &mut file);
        encode(b"second", &mut file);
        let mut r = &file[..];
        read_magic(&mut r).unwrap();
        assert_eq!(read(&mut r).unwrap().unwrap(), b"first");
        assert_eq!(read(&mut r).unwrap().unwrap(), b"second");
        assert!(read(&mut r).unwrap().is_none());

        let mut flipped = file.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        let mut r = &flipped[8..];
        read(&mut r).unwrap();
        assert!(matches!(read(&mut r), Err(FrameError::Checksum)));

        let mut r = &file[8..file.len() - 2];
        read(&mut r).unwrap();
        assert!(matches!(read(&mut r), Err(FrameError::Truncated)));
    }

    #[test]
    fn padding_ends_the_records_and_a_write_into_it_that_stopped_is_unfinished() {
        let mut file = MAGIC.to_vec();
        encode(b"{\"first\":1}", &mut file);
        let first_end = file.len();
        encode(b"{\"second\":2}", &mut file);
        let whole = file.len();
        file.resize(whole + 4096, 0);
        let mut r = &file[8..];
        assert_eq!(read(&mut r).unwrap().unwrap(), b"{\"first\":1}");
        assert_eq!(read(&mut r).unwrap().unwrap(), b"{\"second\":2}");
        assert!(read(&mut r).unwrap().is_none(), "zeros read as the end");

        // The second record's last bytes never reached the disk: still zeros.
        let mut stopped = file.clone();
        stopped[whole - 3..whole].fill(0);
        let mut r = &stopped[first_end..];
        assert!(matches!(read(&mut r), Err(FrameError::Unfinished)));
        // Its length reached the disk, its checksum did not.
        let mut stopped = file.clone();
        stopped[first_end + 4..whole].fill(0);
        let mut r = &stopped[first_end..];
        assert!(matches!(read(&mut r), Err(FrameError::Unfinished)));
        // A changed byte that is not zero is still a checksum mismatch.
        let mut changed = file;
        changed[whole - 3] ^= 1;
        let mut r = &changed[first_end..];
        assert!(matches!(read(&mut r), Err(FrameError::Checksum)));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut r = &bytes[..];
            let _ = read_magic(&mut r);
            while let Ok(Some(_)) = read(&mut r) {}
        }
    }
}

//! The WAL's files: naming, creating with a header, recovering after a crash, replaying.

use super::{
    frame::{self, FrameSeal},
    header::{self, FileHeader, FileStart},
};
use palisade_core::{
    wal_seal::{WalKeys, FILE_ID_BYTES},
    RawRecord, SealError,
};
use std::{
    fs::{self, File, OpenOptions},
    io::{self, Write},
    path::{Path, PathBuf},
};

/// The name of the file whose first record has `first_seq`.
pub fn name(first_seq: u64) -> String {
    format!("{first_seq:020}.wal")
}

/// The WAL files in `dir`, by first seq.
pub fn list(dir: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if let Some(seq) = name.strip_suffix(".wal").and_then(|s| s.parse().ok()) {
            files.push((seq, path));
        }
    }
    files.sort();
    Ok(files)
}

fn damaged(path: &Path, what: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "write-ahead log file {}: {what}; nothing was cut from it. Move the file out of the \
             log's directory to start without its records",
            path.display()
        ),
    )
}

/// Where the frames of a file start (`None`: a header torn while the file was created, so no
/// frame), and its header.
fn frames_start(path: &Path, bytes: &[u8]) -> io::Result<Option<(usize, Option<FileHeader>)>> {
    match header::read(bytes).map_err(|e| damaged(path, e))? {
        FileStart::Legacy => Ok(Some((0, None))),
        FileStart::Torn => Ok(None),
        FileStart::Header(header, len) => Ok(Some((len, Some(header)))),
    }
}

/// Finds the valid prefix of a file, cuts anything after it, and returns the prefix length
/// and the file's last seq (`None` if it holds no record). Needs no key: the frames' CRCs
/// cover their sealed bytes.
pub fn recover(path: &Path, after_seq: u64) -> io::Result<(u64, Option<u64>)> {
    let bytes = fs::read(path)?;
    let Some((start, _)) = frames_start(path, &bytes)? else {
        return Ok((0, None));
    };
    let mut last_seq = None;
    let frames = bytes.get(start..).unwrap_or_default();
    let valid = start + frame::scan_frames(frames, after_seq, |f| last_seq = Some(f.last_seq()));
    if valid < bytes.len() {
        let file = OpenOptions::new().write(true).open(path)?;
        file.set_len(valid as u64)?;
        file.sync_all()?;
    }
    Ok((valid as u64, last_seq))
}

/// The header of a new file and, for a sealed log, the seal of its frames.
pub fn new_header(keys: Option<&dyn WalKeys>) -> Result<(Vec<u8>, Option<FrameSeal>), SealError> {
    let Some(keys) = keys else {
        let plain = FileHeader {
            file_id: [0; FILE_ID_BYTES],
            wrapped_key: None,
        };
        return Ok((plain.encode(), None));
    };
    let key = keys.create()?;
    let header = FileHeader {
        file_id: key.file_id,
        wrapped_key: Some(key.wrapped),
    };
    let seal = FrameSeal {
        file_id: key.file_id,
        cipher: key.cipher,
    };
    Ok((header.encode(), Some(seal)))
}

/// Creates a file holding `header`, ready for appending, and makes its directory entry (and,
/// with `fsync`, the header) durable.
pub fn create(dir: &Path, path: &Path, header: &[u8], fsync: bool) -> io::Result<File> {
    let mut file = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .open(path)?;
    file.write_all(header)?;
    if fsync {
        file.sync_data()?;
    }
    crate::fsutil::sync_dir(dir)?;
    Ok(file)
}

/// Calls `f(seq, record)` for every record of the file's valid `bytes` with seq > `after`;
/// returns how many. A sealed frame that fails authentication, or a sealed file without
/// `keys`, is an error: replay stops there and nothing is cut.
pub fn replay(
    path: &Path,
    bytes: &[u8],
    keys: Option<&dyn WalKeys>,
    after: u64,
    f: &mut impl FnMut(u64, RawRecord),
) -> io::Result<u64> {
    let Some((start, header)) = frames_start(path, bytes)? else {
        return Ok(0);
    };
    let mut seal: Option<FrameSeal> = None;
    let mut replayed = 0;
    let mut failure: Option<io::Error> = None;
    let frames = bytes.get(start..).unwrap_or_default();
    frame::scan_frames(frames, 0, |frame| {
        if failure.is_some() || frame.last_seq() <= after {
            return;
        }
        if let Some(FileHeader {
            file_id,
            wrapped_key: Some(wrapped),
        }) = &header
        {
            if seal.is_none() {
                match open_seal(path, keys, file_id, wrapped) {
                    Ok(opened) => seal = Some(opened),
                    Err(e) => {
                        failure = Some(e);
                        return;
                    }
                }
            }
        }
        let records = match frame.decode(seal.as_ref()) {
            Ok(records) => records,
            Err(e) => {
                let (first, last) = (frame.first_seq, frame.last_seq());
                failure = Some(damaged(path, format!("records {first} to {last}: {e}")));
                return;
            }
        };
        for (seq, record) in (frame.first_seq..).zip(records) {
            if seq > after {
                f(seq, record);
                replayed += 1;
            }
        }
    });
    match failure {
        Some(e) => Err(e),
        None => Ok(replayed),
    }
}

fn open_seal(
    path: &Path,
    keys: Option<&dyn WalKeys>,
    file_id: &[u8; FILE_ID_BYTES],
    wrapped: &[u8],
) -> io::Result<FrameSeal> {
    let keys = keys.ok_or_else(|| {
        io::Error::other(format!(
            "write-ahead log file {} holds sealed records not yet stored in segments, but \
             encryption at rest is off: turn `[kms] encrypt_at_rest` on again to replay them",
            path.display()
        ))
    })?;
    let cipher = keys.open(file_id, wrapped).map_err(|e| {
        io::Error::other(format!(
            "cannot unwrap the data key of write-ahead log file {}: {e}",
            path.display()
        ))
    })?;
    Ok(FrameSeal {
        file_id: *file_id,
        cipher,
    })
}

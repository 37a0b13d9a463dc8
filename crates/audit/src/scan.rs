//! Reading the record file front to back, checking every frame and every record's index.

use crate::{error::AuditError, frame, record::AuditEntry};
use std::{
    fs::File,
    io::{BufReader, Read},
    ops::ControlFlow,
    path::Path,
};

/// File name of the record file.
pub const RECORDS_FILE: &str = "records.log";

/// The first record that cannot be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The record's position in the log (0-based).
    pub index: u64,
    /// Its byte offset in the record file.
    pub offset: u64,
    /// What is wrong with it.
    pub reason: String,
    /// Whether the record was cut short: the file ends inside it, or it runs into the zero
    /// padding (a torn write, a write in progress, or a truncation).
    pub torn: bool,
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "record {} (byte offset {} of {RECORDS_FILE}): {}",
            self.index, self.offset, self.reason
        )
    }
}

/// What a scan found.
#[derive(Debug)]
pub struct ScanEnd {
    /// Records read intact.
    pub records: u64,
    /// The byte offset just past the last intact record.
    pub end_offset: u64,
    /// The first damaged record, if the scan stopped at one.
    pub damage: Option<Damage>,
}

/// Reads the records of `path` (at most `limit_bytes` of it), calling `visit` with each
/// intact record's index, stored bytes and parsed entry, until the end, the first damaged
/// record, or `visit` breaks.
pub fn scan(
    path: &Path,
    limit_bytes: Option<u64>,
    mut visit: impl FnMut(u64, &[u8], AuditEntry) -> ControlFlow<()>,
) -> Result<ScanEnd, AuditError> {
    let file = File::open(path).map_err(|e| AuditError::io("open", path, e))?;
    let mut reader = BufReader::with_capacity(1 << 16, file.take(limit_bytes.unwrap_or(u64::MAX)));
    if let Err(e) = frame::read_magic(&mut reader) {
        return Err(AuditError::Corrupt(format!("{}: {e}", path.display())));
    }
    let mut offset = frame::MAGIC.len() as u64;
    let mut index = 0u64;
    loop {
        let damage = |reason: String, torn: bool| Damage {
            index,
            offset,
            reason,
            torn,
        };
        let payload = match frame::read(&mut reader) {
            Ok(Some(payload)) => payload,
            Ok(None) => break,
            Err(frame::FrameError::Io(e)) => return Err(AuditError::io("read", path, e)),
            Err(e) => {
                let torn = matches!(
                    e,
                    frame::FrameError::Truncated | frame::FrameError::Unfinished
                );
                return Ok(ScanEnd {
                    records: index,
                    end_offset: offset,
                    damage: Some(damage(e.to_string(), torn)),
                });
            }
        };
        let problem = match AuditEntry::from_bytes(&payload) {
            Ok(entry) if entry.index == index => {
                if visit(index, &payload, entry).is_break() {
                    return Ok(ScanEnd {
                        records: index + 1,
                        end_offset: offset + frame::FRAME_HEADER_BYTES + payload.len() as u64,
                        damage: None,
                    });
                }
                None
            }
            Ok(entry) => Some(format!(
                "holds index {} where index {index} belongs (records were deleted, inserted or \
                 reordered)",
                entry.index
            )),
            Err(e) => Some(e),
        };
        if let Some(reason) = problem {
            return Ok(ScanEnd {
                records: index,
                end_offset: offset,
                damage: Some(damage(reason, false)),
            });
        }
        offset += frame::FRAME_HEADER_BYTES + payload.len() as u64;
        index += 1;
    }
    Ok(ScanEnd {
        records: index,
        end_offset: offset,
        damage: None,
    })
}

/// Which records to read.
#[derive(Debug, Clone, Copy)]
pub struct RecordQuery {
    /// Earliest time, epoch ms (inclusive).
    pub from_ms: i64,
    /// Latest time, epoch ms (exclusive).
    pub to_ms: i64,
    /// Skip records before this index (to page through a range).
    pub first_index: u64,
    /// The most records to return.
    pub limit: usize,
}

/// A page of records.
#[derive(Debug, Clone)]
pub struct RecordPage {
    /// The records, in log order.
    pub records: Vec<AuditEntry>,
    /// The index to pass as `first_index` for the next page, when more records matched.
    pub next_index: Option<u64>,
}

/// Reads the records `query` asks for from the audit directory `dir` (at most `limit_bytes`
/// of the record file). Damage ends the read with an error naming the record.
pub fn read_range(
    dir: &Path,
    query: RecordQuery,
    limit_bytes: Option<u64>,
) -> Result<RecordPage, AuditError> {
    let mut records = Vec::new();
    let mut next_index = None;
    let end = scan(&dir.join(RECORDS_FILE), limit_bytes, |index, _, entry| {
        let time = entry.event.time_ms;
        if index < query.first_index || time < query.from_ms || time >= query.to_ms {
            return ControlFlow::Continue(());
        }
        if records.len() == query.limit {
            next_index = Some(index);
            return ControlFlow::Break(());
        }
        records.push(entry);
        ControlFlow::Continue(())
    })?;
    match end.damage {
        Some(d) => Err(AuditError::Corrupt(d.to_string())),
        None => Ok(RecordPage {
            records,
            next_index,
        }),
    }
}

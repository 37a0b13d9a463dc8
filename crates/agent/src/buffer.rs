//! The disk buffer: batches waiting for the server's acknowledgement.
//!
//! Each batch is one file `<seq>.batch` in `<state-dir>/buffer/`: a first line with the batch's
//! header (its sequence number and the read positions after it), then the records as NDJSON.
//! A batch is written (and fsynced) before it is sent and removed only after the server
//! acknowledged it; batches are sent oldest first.

use crate::positions::{write_atomically, Positions};
use std::{
    io,
    path::{Path, PathBuf},
};

/// Batches on disk, oldest first.
pub struct DiskBuffer {
    dir: PathBuf,
    seqs: std::collections::BTreeSet<u64>,
}

/// One batch read back from the buffer.
pub struct Batch {
    /// Its sequence number.
    pub seq: u64,
    /// The read positions after it.
    pub positions: Positions,
    /// NDJSON records.
    pub body: Vec<u8>,
}

impl DiskBuffer {
    /// Opens (creating) `<state_dir>/buffer`.
    pub fn open(state_dir: &Path) -> io::Result<DiskBuffer> {
        let dir = state_dir.join("buffer");
        std::fs::create_dir_all(&dir)?;
        let mut seqs = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "batch") {
                if let Some(seq) = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .and_then(|s| s.parse().ok())
                {
                    seqs.insert(seq);
                }
            }
        }
        Ok(DiskBuffer { dir, seqs })
    }

    fn path_of(&self, seq: u64) -> PathBuf {
        self.dir.join(format!("{seq:020}.batch"))
    }

    /// Batches waiting.
    pub fn depth(&self) -> usize {
        self.seqs.len()
    }

    /// The highest sequence number in the buffer.
    pub fn newest_seq(&self) -> Option<u64> {
        self.seqs.last().copied()
    }

    /// Writes a batch durably; `positions.seq` is its sequence number.
    pub fn push(&mut self, positions: &Positions, records: &[String]) -> io::Result<()> {
        let mut bytes = serde_json::to_vec(positions).map_err(io::Error::other)?;
        for record in records {
            bytes.push(b'\n');
            bytes.extend_from_slice(record.as_bytes());
        }
        bytes.push(b'\n');
        write_atomically(&self.path_of(positions.seq), &bytes)?;
        self.seqs.insert(positions.seq);
        Ok(())
    }

    /// Reads a batch back.
    pub fn read(&self, seq: u64) -> io::Result<Batch> {
        let bytes = std::fs::read(self.path_of(seq))?;
        let split = bytes
            .iter()
            .position(|b| *b == b'\n')
            .unwrap_or(bytes.len());
        let positions: Positions = serde_json::from_slice(&bytes[..split]).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("buffered batch {seq} has a damaged header: {e}"),
            )
        })?;
        let body = bytes.get(split + 1..).unwrap_or_default().to_vec();
        Ok(Batch {
            seq,
            positions,
            body,
        })
    }

    /// The oldest batch's sequence number.
    pub fn oldest(&self) -> Option<u64> {
        self.seqs.first().copied()
    }

    /// Removes an acknowledged batch.
    pub fn remove(&mut self, seq: u64) -> io::Result<()> {
        match std::fs::remove_file(self.path_of(seq)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        self.seqs.remove(&seq);
        Ok(())
    }

    /// Moves a batch the server refused as malformed aside to `<state-dir>/rejected/`, so it
    /// no longer blocks the batches behind it but stays for inspection.
    pub fn reject(&mut self, seq: u64) -> io::Result<()> {
        let rejected = self.dir.with_file_name("rejected");
        std::fs::create_dir_all(&rejected)?;
        let from = self.path_of(seq);
        if let Some(name) = from.file_name() {
            std::fs::rename(&from, rejected.join(name))?;
        }
        self.seqs.remove(&seq);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_survive_reopening_and_leave_only_when_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mut buffer = DiskBuffer::open(dir.path()).unwrap();
        for seq in [1, 2] {
            let positions = Positions {
                seq,
                ..Positions::default()
            };
            buffer
                .push(&positions, &[format!("{{\"n\":{seq}}}")])
                .unwrap();
        }
        let mut buffer = DiskBuffer::open(dir.path()).unwrap();
        assert_eq!(buffer.depth(), 2);
        assert_eq!(buffer.oldest(), Some(1));
        let batch = buffer.read(1).unwrap();
        assert_eq!(batch.positions.seq, 1);
        assert_eq!(batch.body, b"{\"n\":1}\n");
        buffer.remove(1).unwrap();
        buffer.reject(2).unwrap();
        assert_eq!(DiskBuffer::open(dir.path()).unwrap().depth(), 0);
        assert!(dir.path().join("rejected").read_dir().unwrap().count() == 1);
    }
}

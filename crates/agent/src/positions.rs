//! The read positions of every tailed file, saved in the state directory.
//!
//! Positions travel with each buffered batch as well (see [`crate::buffer`]): a batch and the
//! positions after it are written in one file, so a crash between buffering a batch and saving
//! `positions.json` neither loses nor repeats lines: at start the newer of the two wins.

use crate::tail::Position;
use serde::{Deserialize, Serialize};
use std::{collections::BTreeMap, io, path::Path};

/// Positions by file path, stamped with the sequence number of the batch they follow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Positions {
    /// The batch these positions follow (0 = none yet).
    pub seq: u64,
    /// Position per tailed path.
    pub files: BTreeMap<String, Position>,
}

/// The file name under the state directory.
const FILE: &str = "positions.json";

impl Positions {
    /// Reads the saved positions; none when the file is absent.
    pub fn load(state_dir: &Path) -> anyhow::Result<Positions> {
        let path = state_dir.join(FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                anyhow::anyhow!(
                    "{} is damaged ({e}); remove it to re-read files",
                    path.display()
                )
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Positions::default()),
            Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        }
    }

    /// Saves atomically (temporary file, fsync, rename).
    pub fn save(&self, state_dir: &Path) -> io::Result<()> {
        let bytes = serde_json::to_vec(self).map_err(io::Error::other)?;
        write_atomically(&state_dir.join(FILE), &bytes)
    }
}

/// Writes `bytes` to `path` so that a crash leaves either the old or the new content.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

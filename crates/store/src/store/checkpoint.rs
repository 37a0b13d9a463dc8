//! `<dir>/CHECKPOINT`: the committed seq, and the tenants whose events below it are held back.
//!
//! Version 1 is the seq alone. Version 2 (written only while some tenant is held back) adds
//! one `held <tenant> <first seq>` line per tenant whose storage key could not seal its
//! events: every event of that tenant from that seq on is not in a segment yet, even below the
//! committed seq, so the write-ahead log keeps it and replays it after a restart.

use crate::{error::StoreError, fsutil};
use palisade_core::TenantId;
use std::{collections::BTreeMap, fs, path::Path};

const FILE: &str = "CHECKPOINT";
const HEADER_V1: &str = "palisade-checkpoint v1";
const HEADER_V2: &str = "palisade-checkpoint v2";

/// What the checkpoint records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// Every event with a seq up to this one is in a segment, except the held ones.
    pub committed: u64,
    /// Per held-back tenant, the seq of its first event not in a segment.
    pub held: BTreeMap<TenantId, u64>,
}

fn parse(text: &str) -> Option<Checkpoint> {
    let mut lines = text.lines();
    let header = lines.next()?;
    let committed = lines.next()?.parse().ok()?;
    let mut held = BTreeMap::new();
    match header {
        HEADER_V1 => {}
        HEADER_V2 => {
            for line in lines {
                let mut words = line.split(' ');
                let (Some("held"), Some(tenant), Some(seq), None) =
                    (words.next(), words.next(), words.next(), words.next())
                else {
                    return None;
                };
                held.insert(TenantId::new(tenant).ok()?, seq.parse().ok()?);
            }
        }
        _ => return None,
    }
    Some(Checkpoint { committed, held })
}

/// Reads the checkpoint (all zero when there is none yet).
pub fn read(root: &Path) -> Result<Checkpoint, StoreError> {
    let path = root.join(FILE);
    match fs::read_to_string(&path) {
        Ok(text) => parse(&text).ok_or_else(|| StoreError::corrupt(&path, "not a checkpoint file")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Checkpoint::default()),
        Err(e) => Err(StoreError::io(&path, e)),
    }
}

/// Durably replaces the checkpoint (version 1 when no tenant is held back).
pub fn write(root: &Path, checkpoint: &Checkpoint) -> Result<(), StoreError> {
    let path = root.join(FILE);
    let text = if checkpoint.held.is_empty() {
        format!("{HEADER_V1}\n{}\n", checkpoint.committed)
    } else {
        let mut text = format!("{HEADER_V2}\n{}\n", checkpoint.committed);
        for (tenant, seq) in &checkpoint.held {
            text.push_str(&format!("held {tenant} {seq}\n"));
        }
        text
    };
    fsutil::write_atomic(&path, text.as_bytes()).map_err(|e| StoreError::io(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_versions_round_trip_and_damage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()).unwrap(), Checkpoint::default());
        let mut checkpoint = Checkpoint {
            committed: 90,
            held: BTreeMap::new(),
        };
        write(dir.path(), &checkpoint).unwrap();
        assert!(fs::read_to_string(dir.path().join(FILE))
            .unwrap()
            .starts_with(HEADER_V1));
        assert_eq!(read(dir.path()).unwrap(), checkpoint);
        checkpoint.held.insert(TenantId::new("acme").unwrap(), 41);
        checkpoint.held.insert(TenantId::new("beta").unwrap(), 60);
        write(dir.path(), &checkpoint).unwrap();
        assert_eq!(read(dir.path()).unwrap(), checkpoint);
        for bad in [
            "palisade-checkpoint v2\n9\nheld acme\n",
            "palisade-checkpoint v2\n9\nheld ../x 3\n",
            "palisade-checkpoint v3\n9\n",
            "palisade-checkpoint v1\n-1\n",
        ] {
            fs::write(dir.path().join(FILE), bad).unwrap();
            assert!(read(dir.path()).is_err(), "{bad:?}");
        }
    }
}

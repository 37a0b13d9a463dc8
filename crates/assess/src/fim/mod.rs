//! File integrity monitoring: a baseline of watched files (SHA-256, owner, group, mode, size,
//! and the text of small world-readable text files), a fresh scan compared with it, and each
//! change as an OCSF File System Activity event with the state before and after.

mod diff;
mod ocsf;
mod scan;

pub use diff::line_diff;
pub use ocsf::file_activity;
pub use scan::{scan, ScanOptions};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Format version of baseline files.
pub const BASELINE_VERSION: u32 = 1;

/// What is known of one path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileState {
    /// `file`, `dir`, `symlink` or `other`.
    pub kind: String,
    /// Size in bytes.
    pub size: u64,
    /// Permission bits (with setuid, setgid, sticky).
    pub mode: u32,
    /// Owner uid.
    pub uid: u32,
    /// Group gid.
    pub gid: u32,
    /// Owner name, from the target's /etc/passwd.
    pub owner: String,
    /// Group name, from the target's /etc/group.
    pub group: String,
    /// SHA-256 of the contents (regular files), hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Where a symbolic link points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The text, for world-readable text files under the size limit (for diffs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// A saved scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// [`BASELINE_VERSION`].
    pub version: u32,
    /// When it was taken, epoch milliseconds.
    pub created: i64,
    /// The paths that were watched, as given.
    pub watched: Vec<String>,
    /// Every path found under them.
    pub entries: BTreeMap<String, FileState>,
}

/// What happened to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// It appeared.
    Created,
    /// It disappeared.
    Deleted,
    /// Its contents (hash, size or link target) changed.
    Modified,
    /// Only its owner, group, mode or type changed.
    Attributes,
}

/// One change between a baseline and a scan.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// The path as seen in the target.
    pub path: String,
    /// What happened.
    pub kind: ChangeKind,
    /// The state in the baseline.
    pub before: Option<FileState>,
    /// The state now.
    pub after: Option<FileState>,
    /// Unified-style line diff, when both texts were kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// The changes from `old` to `new`, in path order.
pub fn compare(
    old: &BTreeMap<String, FileState>,
    new: &BTreeMap<String, FileState>,
) -> Vec<Change> {
    let mut out = Vec::new();
    for (path, before) in old {
        match new.get(path) {
            None => out.push(Change {
                path: path.clone(),
                kind: ChangeKind::Deleted,
                before: Some(before.clone()),
                after: None,
                diff: None,
            }),
            Some(after) if after != before => {
                let contents_changed = before.sha256 != after.sha256
                    || before.size != after.size
                    || before.link != after.link;
                let diff = match (&before.content, &after.content) {
                    (Some(a), Some(b)) if a != b => Some(line_diff(a, b)),
                    _ => None,
                };
                out.push(Change {
                    path: path.clone(),
                    kind: if contents_changed {
                        ChangeKind::Modified
                    } else {
                        ChangeKind::Attributes
                    },
                    before: Some(before.clone()),
                    after: Some(after.clone()),
                    diff,
                });
            }
            Some(_) => {}
        }
    }
    for (path, after) in new {
        if !old.contains_key(path) {
            out.push(Change {
                path: path.clone(),
                kind: ChangeKind::Created,
                before: None,
                after: Some(after.clone()),
                diff: None,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

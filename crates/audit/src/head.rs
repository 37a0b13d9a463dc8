//! Signed tree heads: the log's size and root hash at a moment, signed with the audit key.
//! They are appended, one JSON object per line, to `tree-heads.ndjson`, a file meant to be
//! copied elsewhere: a later log that disagrees with any kept head has been altered.

use crate::{
    error::AuditError,
    hex,
    key::{PublicKey, SigningKey},
    merkle::Hash,
};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use serde::{Deserialize, Serialize};
use std::{
    fs::{File, OpenOptions},
    io::{Read, Seek, SeekFrom, Write},
    path::Path,
};

/// File name of the tree head file.
pub const HEADS_FILE: &str = "tree-heads.ndjson";

/// Domain separation for the signed bytes.
const SIGNED_PREFIX: &[u8] = b"palisade-audit-tree-head-v1\0";

/// A signed tree head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedTreeHead {
    /// Number of records the head covers.
    pub tree_size: u64,
    /// When it was signed, epoch milliseconds.
    pub timestamp_ms: i64,
    /// The Merkle root of the first `tree_size` records, hex.
    pub root_hash: String,
    /// Which key signed it (see [`PublicKey::key_id`]).
    pub key_id: String,
    /// Ed25519 signature over the size, timestamp and root, base64.
    pub signature: String,
}

/// The bytes a tree head signature covers: a fixed prefix, size and timestamp (big-endian),
/// and the root hash.
pub fn signed_bytes(tree_size: u64, timestamp_ms: i64, root: &Hash) -> Vec<u8> {
    let mut out = Vec::with_capacity(SIGNED_PREFIX.len() + 48);
    out.extend_from_slice(SIGNED_PREFIX);
    out.extend_from_slice(&tree_size.to_be_bytes());
    out.extend_from_slice(&timestamp_ms.to_be_bytes());
    out.extend_from_slice(root);
    out
}

impl SignedTreeHead {
    /// Signs the head of a tree of `tree_size` records with root `root`.
    pub fn sign(key: &SigningKey, tree_size: u64, timestamp_ms: i64, root: &Hash) -> Self {
        let signature = key.sign(&signed_bytes(tree_size, timestamp_ms, root));
        SignedTreeHead {
            tree_size,
            timestamp_ms,
            root_hash: hex::encode(root),
            key_id: key.public().key_id(),
            signature: B64.encode(signature),
        }
    }

    /// Checks the signature with `key`; returns the root hash it vouches for.
    pub fn verify(&self, key: &PublicKey) -> Result<Hash, String> {
        let root = hex::decode::<32>(&self.root_hash)
            .ok_or_else(|| "root_hash is not 64 hex digits".to_owned())?;
        if self.key_id != key.key_id() {
            return Err(format!(
                "signed by key {} but the audit key is {}",
                self.key_id,
                key.key_id()
            ));
        }
        let signature = B64
            .decode(self.signature.as_bytes())
            .map_err(|_| "signature is not base64".to_owned())?;
        if key.verify(
            &signed_bytes(self.tree_size, self.timestamp_ms, &root),
            &signature,
        ) {
            Ok(root)
        } else {
            Err("signature invalid".to_owned())
        }
    }
}

/// Appends `head` as one line to the heads file in `dir` and syncs it. The file is opened
/// for each write, so a directory that turned read-only or full is noticed at once; the rest
/// of a line that an earlier failed write left behind is cut off first.
pub fn append(dir: &Path, head: &SignedTreeHead) -> Result<(), AuditError> {
    let path = dir.join(HEADS_FILE);
    let mut line = serde_json::to_vec(head).unwrap_or_default();
    line.push(b'\n');
    let mut file = open(&path, true)?;
    cut_partial_line(&mut file, &path)?;
    file.write_all(&line)
        .and_then(|()| file.sync_data())
        .map_err(|e| AuditError::io("write", &path, e))
}

/// Cuts off an incomplete last line (a write torn by a crash or a full disk) of the heads
/// file in `dir`, if there is one. A complete head always ends in a newline, so nothing that
/// was ever published is removed.
pub fn repair(dir: &Path) -> Result<(), AuditError> {
    let path = dir.join(HEADS_FILE);
    if !path.exists() {
        return Ok(());
    }
    let mut file = open(&path, false)?;
    cut_partial_line(&mut file, &path)
}

fn open(path: &Path, create: bool) -> Result<File, AuditError> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .create(create)
        .open(path)
        .map_err(|e| AuditError::io("open", path, e))
}

/// The longest tail searched for the last newline (a head line is about 250 bytes).
const TAIL_BYTES: u64 = 4096;

fn cut_partial_line(file: &mut File, path: &Path) -> Result<(), AuditError> {
    let io = |what: &'static str| move |e| AuditError::io(what, path, e);
    let len = file.metadata().map_err(io("inspect"))?.len();
    if len == 0 {
        return Ok(());
    }
    let start = len.saturating_sub(TAIL_BYTES);
    let mut tail = Vec::with_capacity((len - start) as usize);
    file.seek(SeekFrom::Start(start)).map_err(io("seek in"))?;
    file.read_to_end(&mut tail).map_err(io("read"))?;
    if tail.last() == Some(&b'\n') {
        return Ok(());
    }
    let keep = match tail.iter().rposition(|b| *b == b'\n') {
        Some(i) => start + i as u64 + 1,
        None if start == 0 => 0,
        None => {
            return Err(AuditError::Corrupt(format!(
                "{}: the last line is longer than {TAIL_BYTES} bytes and not a tree head",
                path.display()
            )))
        }
    };
    tracing::warn!(path = %path.display(), bytes = len - keep, "cutting off an incomplete tree head line");
    file.set_len(keep).map_err(io("cut back"))
}

/// One line of the heads file: its 1-based number and the head, or why it is not one.
pub type HeadLine = (usize, Result<SignedTreeHead, String>);

/// Every line of the heads file in `dir` (numbered from 1), parsed; an unreadable line is
/// returned as its error so a verifier can name it. An unterminated last line (a head being
/// written right now, or torn) is left out. A missing file has no heads.
pub fn read_all(dir: &Path) -> Result<Vec<HeadLine>, AuditError> {
    let path = dir.join(HEADS_FILE);
    let text = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(AuditError::io("read", &path, e)),
    };
    let complete = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    Ok(text[..complete]
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.is_empty())
        .map(|(i, line)| {
            let head = serde_json::from_slice::<SignedTreeHead>(line)
                .map_err(|e| format!("not a tree head: {e}"));
            (i + 1, head)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_core::IdentitySealer;

    #[test]
    fn heads_verify_and_detect_any_changed_field() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::load_or_create(dir.path(), &IdentitySealer).unwrap();
        let head = SignedTreeHead::sign(&key, 5, 1000, &[7u8; 32]);
        assert_eq!(head.verify(key.public()), Ok([7u8; 32]));
        let mut bigger = head.clone();
        bigger.tree_size = 6;
        assert!(bigger.verify(key.public()).is_err());
        let mut later = head.clone();
        later.timestamp_ms = 1001;
        assert!(later.verify(key.public()).is_err());
        append(dir.path(), &head).unwrap();
        // A line torn by a full disk is cut off before the next head is written.
        let path = dir.path().join(HEADS_FILE);
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(b"{\"tree_size\":9,\"timest").unwrap();
        append(dir.path(), &bigger).unwrap();
        let read = read_all(dir.path()).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[1].0, 2);
        assert_eq!(read[1].1.as_ref().unwrap(), &bigger);
    }
}

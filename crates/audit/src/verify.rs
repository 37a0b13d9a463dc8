//! Offline verification of an audit directory: every record's checksum and index, the Merkle
//! tree, and every signed tree head (signature, size, root). The first failure is named.

use crate::{
    error::AuditError,
    head::{self, HEADS_FILE},
    key::PublicKey,
    merkle::{self, MerkleTree},
    scan::{self, RECORDS_FILE},
};
use std::{ops::ControlFlow, path::Path};

/// What a successful verification checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Records checked.
    pub records: u64,
    /// Tree heads checked.
    pub heads: usize,
    /// Size covered by the newest tree head (records after it are not yet signed).
    pub signed_size: u64,
    /// Root of the whole log, hex.
    pub root_hash: String,
    /// The key the heads were checked against, hex.
    pub public_key: String,
    /// Byte offset of an incomplete record at the end that no head covers (being written, or
    /// torn by a crash; the server drops a torn one when it starts).
    pub incomplete_tail: Option<u64>,
}

/// The first thing that failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The files could not be read at all.
    #[error(transparent)]
    Unreadable(#[from] AuditError),
    /// A record is damaged or out of place.
    #[error("{0}")]
    Record(crate::scan::Damage),
    /// A tree head is malformed, badly signed, or disagrees with the records.
    #[error("tree head on line {line} of {HEADS_FILE}: {reason}")]
    Head {
        /// 1-based line number in the heads file.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

/// Verifies the audit directory `dir`. Heads are checked against `pinned` when given (keep the
/// public key somewhere the trail's administrators cannot write), else against `signing.pub`.
pub fn verify_dir(dir: &Path, pinned: Option<&PublicKey>) -> Result<VerifyReport, VerifyError> {
    let key = match pinned {
        Some(k) => k.clone(),
        None => PublicKey::load(dir)?,
    };
    // Heads first: on a live trail a head written during the scan would cover records the
    // scan did not reach, and read as a truncation.
    let heads = head::read_all(dir)?;
    let mut tree = MerkleTree::new();
    let end = scan::scan(&dir.join(RECORDS_FILE), None, |_, bytes, _| {
        tree.push(merkle::leaf_hash(bytes));
        ControlFlow::Continue(())
    })?;
    // A record cut off at the very end is one being written right now (or torn by a crash):
    // a failure only when a signed head covers it.
    let torn_tail = match end.damage {
        Some(damage) if damage.torn => Some(damage),
        Some(damage) => return Err(VerifyError::Record(damage)),
        None => None,
    };
    let mut previous = 0u64;
    for (line, parsed) in &heads {
        let fail = |reason: String| VerifyError::Head {
            line: *line,
            reason,
        };
        let head = parsed.as_ref().map_err(|e| fail(e.clone()))?;
        let root = head.verify(&key).map_err(&fail)?;
        if let Some(damage) = torn_tail.as_ref().filter(|d| head.tree_size > d.index) {
            return Err(VerifyError::Record(damage.clone()));
        }
        if head.tree_size < previous {
            return Err(fail(format!(
                "size {} is smaller than the previous head's {previous} (the log shrank)",
                head.tree_size
            )));
        }
        let actual = tree.root(head.tree_size).map_err(|_| {
            fail(format!(
                "covers {} records but the log holds only {}: records {}..{} were removed \
                 (the log was truncated)",
                head.tree_size,
                tree.len(),
                tree.len(),
                head.tree_size
            ))
        })?;
        if actual != root {
            return Err(fail(format!(
                "the root of records 0..{} does not match the signed root (a record was \
                 altered, replaced or re-ordered)",
                head.tree_size
            )));
        }
        previous = head.tree_size;
    }
    Ok(VerifyReport {
        records: tree.len(),
        heads: heads.len(),
        signed_size: previous,
        root_hash: crate::hex::encode(
            &tree
                .root(tree.len())
                .unwrap_or_else(|_| merkle::empty_root()),
        ),
        public_key: key.to_hex(),
        incomplete_tail: torn_tail.map(|d| d.offset),
    })
}

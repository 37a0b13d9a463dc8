//! Palisade's tamper-evident audit trail.
//!
//! Every operation becomes an [`AuditEvent`] appended to `<data-dir>/audit/records.log`: an
//! append-only file of length-prefixed, CRC-checked JSON records, each a leaf of an RFC 6962
//! Merkle tree. Appends are group-committed (one `fdatasync` per batch) and return only once
//! durable, so a caller can refuse the operation when its record cannot be written. After each
//! batch the tree head is signed with an Ed25519 key (sealed at rest through
//! [`palisade_core::Sealer`]); signed heads are appended to `tree-heads.ndjson` periodically,
//! for copying elsewhere. [`AuditLog`] serves inclusion and consistency proofs, and
//! [`verify_dir`] checks a directory offline, naming the first record or head that fails;
//! [`AuditLog::verify`] runs the same check on the live trail and remembers the outcome.
//! Nothing here edits or deletes a record.

pub mod error;
pub mod frame;
pub mod head;
pub mod hex;
pub mod key;
mod live_verify;
mod log;
pub mod merkle;
pub mod ocsf;
pub mod record;
pub mod scan;
mod verify;
mod writer;

pub use error::AuditError;
pub use head::SignedTreeHead;
pub use key::PublicKey;
pub use live_verify::Verification;
pub use log::{AuditLog, AuditOptions};
pub use merkle::{Hash, MerkleTree, ProofError};
pub use record::{AuditEntry, AuditEvent, Outcome, Subject};
pub use scan::{RecordPage, RecordQuery};
pub use verify::{verify_dir, VerifyError, VerifyReport};

/// The audit directory inside a data directory.
pub fn audit_dir(data_dir: &std::path::Path) -> std::path::PathBuf {
    data_dir.join("audit")
}

//! The audit page (audit administrators only): records with filters, whether the newest
//! signed tree head verifies, and the inclusion proof of one record checked against it.

use super::Session;
use askama::Template;

/// One audit record.
#[derive(Debug, Clone)]
pub struct AuditRow {
    /// Position in the log (its Merkle leaf index).
    pub index: u64,
    /// When (UTC).
    pub time: String,
    /// Record type (`api.request`, `login`, …).
    pub event_type: String,
    /// Who, as `identity (role) @ tenant`.
    pub subject: String,
    /// What was done (HTTP method).
    pub action: String,
    /// On what (path).
    pub object: String,
    /// `success`, `failure` or `denied`, with the HTTP status when known.
    pub result: String,
    /// The caller's address.
    pub source: String,
    /// Whether the newest signed tree head covers it (so it has an inclusion proof).
    pub provable: bool,
}

/// The filters as typed.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Start of the range.
    pub from: String,
    /// End of the range.
    pub to: String,
    /// Text the subject must contain.
    pub subject: String,
    /// Record type to keep.
    pub event_type: String,
    /// Result to keep.
    pub result: String,
}

/// An inclusion proof, recomputed on the server.
#[derive(Debug, Clone)]
pub struct ProofView {
    /// The record's index.
    pub index: u64,
    /// Size of the tree proven against.
    pub tree_size: u64,
    /// The record's leaf hash (hex).
    pub leaf_hash: String,
    /// The signed root it must lead to (hex).
    pub root_hash: String,
    /// The audit path, leaf to root (hex).
    pub path: Vec<String>,
    /// Whether hashing the leaf up the path gives the signed root.
    pub verified: bool,
}

/// `/console/audit`.
#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    /// Who is looking.
    pub session: Session,
    /// The filters.
    pub filter: AuditFilter,
    /// Matching records, in log order.
    pub rows: Vec<AuditRow>,
    /// The tree head's state: `verified` or what failed.
    pub head_state: String,
    /// Size, root and signing time of the head.
    pub head_note: String,
    /// `ok` or `bad`.
    pub head_tone: &'static str,
    /// The proof asked for.
    pub proof: Option<ProofView>,
    /// Link to the next page of records.
    pub next: Option<String>,
    /// Why the records or the proof could not be read.
    pub error: Option<String>,
}
